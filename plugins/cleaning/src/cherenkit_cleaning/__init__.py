"""cherenkit-cleaning: the built-in image cleaners of cherenkit.

* ``tailcuts`` (`TailcutsCleaner`, `tailcuts_clean`): picture/boundary cleaning.
* ``mars`` (`MarsCleaner`, `mars_image_cleaning`): tailcuts plus a second ring of
  boundary pixels, as in MAGIC's MARS.
* ``fact`` (`FactCleaner`, `fact_image_cleaning`): thresholds and neighbour counts
  with arrival-time windows, as in FACT-Tools; its time step alone is
  `apply_time_delta_cleaning`.
* ``time-constrained`` (`TimeConstrainedCleaner`, `time_constrained_clean`): core
  and boundary pixels in arrival-time windows, as in MAGIC's analysis.

Each method is a per-image function with ctapipe's keywords and defaults, a
``*_batch`` function for images ``[n_events, n_pixels]`` that it wraps, and a
configurable class. The masks equal ctapipe 0.28's. The work is done by numba
kernels (`cherenkit_cleaning._kernels`), compiled on first use.
"""

from importlib.metadata import PackageNotFoundError, version

from .fact import (
    FactCleaner,
    apply_time_delta_cleaning,
    apply_time_delta_cleaning_batch,
    fact_image_cleaning,
    fact_image_cleaning_batch,
)
from .mars import MarsCleaner, mars_image_cleaning, mars_image_cleaning_batch
from .tailcuts import TailcutsCleaner, tailcuts_clean, tailcuts_clean_batch
from .time_constrained import (
    TimeConstrainedCleaner,
    time_constrained_clean,
    time_constrained_clean_batch,
)

try:
    __version__ = version("cherenkit-cleaning")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = [
    "FactCleaner",
    "MarsCleaner",
    "TailcutsCleaner",
    "TimeConstrainedCleaner",
    "__version__",
    "apply_time_delta_cleaning",
    "apply_time_delta_cleaning_batch",
    "fact_image_cleaning",
    "fact_image_cleaning_batch",
    "mars_image_cleaning",
    "mars_image_cleaning_batch",
    "tailcuts_clean",
    "tailcuts_clean_batch",
    "time_constrained_clean",
    "time_constrained_clean_batch",
]
