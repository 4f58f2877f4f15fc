"""cherenkit-stereo: the built-in stereo shower reconstructors of cherenkit.

* ``hillas`` (`HillasReconstructor`): weighted intersection of the planes that
  each telescope's image axis spans with the telescope (direction, core, h_max).
* ``hillas-intersection`` (`HillasIntersection`): weighted mean of the pairwise
  crossings of the image axes in the nominal frame and in the tilted ground
  frame (Hofmann et al. 1999, algorithm 1).

Both take `cherenkit.reco.StereoParameters` of many array events and return one
row per event (`cherenkit.reco.DL2_COLUMNS` plus ``core_tilted_*`` columns); the
values equal ctapipe 0.28's ``HillasReconstructor`` and ``HillasIntersection``
(with ``h_max`` above the subarray's reference altitude, where ctapipe adds that
altitude). The work is done by numba kernels (`cherenkit_stereo._kernels`),
compiled on first use.
"""

from importlib.metadata import PackageNotFoundError, version

from .hillas import HillasReconstructor
from .intersection import HillasIntersection

try:
    __version__ = version("cherenkit-stereo")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["HillasIntersection", "HillasReconstructor", "__version__"]
