"""cherenkit-safemask: the built-in safe-mask methods of cherenkit.

Each method takes a reduced dataset and its observation and returns the bins
where the response is trustworthy (`cherenkit.makers.SafeMaskMethod`);
`cherenkit.makers.SafeMaskMaker` combines them by name:

* ``aeff-default`` (`AeffDefaultSafeMask`): LO/HI_THRES of the effective area;
* ``aeff-max`` (`AeffMaxSafeMask`): effective area above a percentage of its maximum;
* ``edisp-bias`` (`EdispBiasSafeMask`): energy bias below a percentage;
* ``offset-max`` (`OffsetMaxSafeMask`): pixels closer to the pointing than a maximum;
* ``bkg-peak`` (`BkgPeakSafeMask`): energies above the peak of the background.

The rules, including the choice between reduced (``irfs="DL4"``) and raw
(``irfs="DL3"``) IRFs, are those of gammapy 2.1's ``SafeMaskMaker``.
"""

from importlib.metadata import PackageNotFoundError, version

from .aeff import AeffDefaultSafeMask, AeffMaxSafeMask
from .background import BkgPeakSafeMask
from .edisp import EdispBiasSafeMask
from .offset import OffsetMaxSafeMask

try:
    __version__ = version("cherenkit-safemask")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = [
    "AeffDefaultSafeMask",
    "AeffMaxSafeMask",
    "BkgPeakSafeMask",
    "EdispBiasSafeMask",
    "OffsetMaxSafeMask",
    "__version__",
]
