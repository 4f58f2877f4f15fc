"""cherenkit-analytic-disp: the ``analytic-disp`` stereo reconstructor for cherenkit.

``analytic-disp`` (`AnalyticDispReconstructor`) places the source on each
telescope's image axis at ``disp = disp_scale (1 - width / length)`` from the
centroid (Lessard et al. 2001), resolves the head-tail ambiguity per telescope and
averages the positions over the telescopes of each array event. The plain numpy
functions `disp_distance`, `head_tail_directions` and `closest_pair_directions`
can be used on their own.
"""

from importlib.metadata import PackageNotFoundError, version

from .reconstructor import (
    HEAD_TAIL_METHODS,
    AnalyticDispReconstructor,
    closest_pair_directions,
    disp_distance,
    head_tail_directions,
)

try:
    __version__ = version("cherenkit-analytic-disp")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = [
    "HEAD_TAIL_METHODS",
    "AnalyticDispReconstructor",
    "__version__",
    "closest_pair_directions",
    "disp_distance",
    "head_tail_directions",
]
