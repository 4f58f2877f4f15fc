"""Entry-point module of cherenkit-cashsys: declares its fit statistic to cherenkit."""

from cherenkit import hookimpl

from .statistic import CashSysStatistic

cherenkit_api = ">=1.0,<2"
"""Range of the cherenkit plugin API this distribution was built for."""


@hookimpl
def cherenkit_register_fit_statistics():
    """Declare the fit statistic ``cash-sys``.

    Returns
    -------
    list of type
        `CashSysStatistic`.
    """
    return [CashSysStatistic]
