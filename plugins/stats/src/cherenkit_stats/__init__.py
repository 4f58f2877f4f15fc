"""cherenkit-stats: the built-in fit statistics of cherenkit.

* ``cash`` (`CashStatistic`): Poisson likelihood of counts given a full model.
* ``wstat`` (`WStatStatistic`): Poisson On/Off likelihood, background profiled per bin.
* ``chi2`` (`Chi2Statistic`): Gaussian likelihood with known errors.

The classes check their inputs and call the plain numpy formulas of
`cherenkit_stats.formulas`, which can also be used on their own.
"""

from importlib.metadata import PackageNotFoundError, version

from .formulas import cash, chi2, wstat, wstat_profiled_background
from .statistics import CashStatistic, Chi2Statistic, WStatStatistic

try:
    __version__ = version("cherenkit-stats")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = [
    "CashStatistic",
    "Chi2Statistic",
    "WStatStatistic",
    "__version__",
    "cash",
    "chi2",
    "wstat",
    "wstat_profiled_background",
]
