"""cherenkit-background: the built-in background makers of cherenkit.

* ``fov`` (`FoVBackgroundMaker`): scale or fit the IRF background template of a
  map dataset on the counts outside exclusion regions.
* ``reflected-regions`` (`ReflectedRegionsBackgroundMaker`): OFF regions made by
  rotating the ON region around the pointing; On/Off spectra.
* ``ring`` (`RingBackgroundMaker`): a ring around every pixel as OFF region; On/Off maps.
* ``adaptive-ring`` (`AdaptiveRingBackgroundMaker`): the ring grows until alpha is
  small enough.

Every maker follows `cherenkit.makers.BackgroundMaker`: ``run(dataset, observation)``
returns a new dataset. The algorithms are those of gammapy 2.1's background makers.
"""

from importlib.metadata import PackageNotFoundError, version

from .fov import FoVBackgroundMaker
from .reflected import ReflectedRegionsBackgroundMaker, find_reflected_regions
from .ring import AdaptiveRingBackgroundMaker, RingBackgroundMaker

try:
    __version__ = version("cherenkit-background")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = [
    "AdaptiveRingBackgroundMaker",
    "FoVBackgroundMaker",
    "ReflectedRegionsBackgroundMaker",
    "RingBackgroundMaker",
    "__version__",
    "find_reflected_regions",
]
