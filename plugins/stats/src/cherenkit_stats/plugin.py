"""Entry-point module of cherenkit-stats: declares its fit statistics to cherenkit."""

from cherenkit import hookimpl

from .statistics import CashStatistic, Chi2Statistic, WStatStatistic

cherenkit_api = ">=1.0,<2"
"""Range of the cherenkit plugin API this distribution was built for."""


@hookimpl
def cherenkit_register_fit_statistics():
    """Declare the fit statistics ``cash``, ``wstat`` and ``chi2``.

    Returns
    -------
    list of type
        `CashStatistic`, `WStatStatistic` and `Chi2Statistic`.
    """
    return [CashStatistic, WStatStatistic, Chi2Statistic]
