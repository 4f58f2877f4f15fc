"""cherenkit-simtel: the sim_telarray event source of cherenkit.

* ``simtel`` (`SimTelEventSource`): array events from sim_telarray files (plain,
  gzip or zstd EventIO), read one at a time through eventio, with R0 and R1
  waveforms, calibration, pointing, trigger and simulated truth.
* `calibrate_r1`, `select_gain_channel`, `pedestal_per_sample`: sim_telarray's
  R0 → R1 calibration as plain numpy functions.
* `build_subarray`: the `~cherenkit.instrument.SubarrayDescription` of an open
  ``eventio.SimTelFile``.

The names are imported on first use, so that loading the plugin entry point does
not import eventio, astropy or the instrument classes.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cherenkit-simtel")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

_WHERE = {
    "SimTelEventSource": ".source",
    "build_subarray": ".instrument",
    "calibrate_r1": ".calibration",
    "pedestal_per_sample": ".calibration",
    "select_gain_channel": ".calibration",
}

__all__ = ["__version__", *sorted(_WHERE)]


def __getattr__(name):
    if name in _WHERE:
        return getattr(import_module(_WHERE[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
