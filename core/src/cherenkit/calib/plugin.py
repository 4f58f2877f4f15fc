"""Entry-point module of cherenkit-core: declares the built-in charge extractors.

The core registers its own extractors exactly as a plugin would, through the
entry point ``core = "cherenkit.calib.plugin"``. Importing this module loads no
numba: the kernels are compiled (or loaded from the cache) on the first call.
"""

from cherenkit import hookimpl

from .extractors import (
    FullWaveformSum,
    GlobalPeakWindowSum,
    LocalPeakWindowSum,
    NeighborPeakWindowSum,
)

cherenkit_api = ">=1.0,<2"
"""Range of the cherenkit plugin API this module was built for."""


@hookimpl
def cherenkit_register_charge_extractors():
    """Declare the charge extractors ``full-waveform``, ``local-peak``, ``neighbor-peak``
    and ``global-peak``.

    Returns
    -------
    list of type
        `FullWaveformSum`, `LocalPeakWindowSum`, `NeighborPeakWindowSum` and
        `GlobalPeakWindowSum`.
    """
    return [FullWaveformSum, LocalPeakWindowSum, NeighborPeakWindowSum, GlobalPeakWindowSum]
