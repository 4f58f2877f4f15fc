"""Models, fitting and fit statistics."""

from .statistic import FitStatistic, StatisticInputError

__all__ = ["FitStatistic", "StatisticInputError"]
