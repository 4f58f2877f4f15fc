"""cherenkit-cashsys: the ``cash-sys`` fit statistic for cherenkit.

``cash-sys`` (`CashSysStatistic`) is the Cash statistic with a Gaussian relative
systematic uncertainty on the prediction, profiled per bin in closed form. The
plain numpy formulas `cash_sys` and `cash_sys_shift` can be used on their own.
"""

from importlib.metadata import PackageNotFoundError, version

from .statistic import CashSysStatistic, cash_sys, cash_sys_shift

try:
    __version__ = version("cherenkit-cashsys")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = ["CashSysStatistic", "__version__", "cash_sys", "cash_sys_shift"]
