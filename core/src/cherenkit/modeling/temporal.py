"""Temporal models: the time dependence of a source's flux, as a dimensionless factor.

Only `ConstantTemporalModel` so far. Times are `~astropy.time.Time`, or plain numbers
taken as MJD.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from .core import ModelBase

__all__ = ["ConstantTemporalModel", "TemporalModel"]


def _mjd(time):
    """Plain float MJD of a `~astropy.time.Time`; other values as float arrays (a
    `~astropy.units.Quantity` of time in days)."""
    if hasattr(time, "mjd"):
        return np.asarray(time.mjd, dtype=float)
    if hasattr(time, "unit"):
        return np.asarray(time.to_value("day"), dtype=float)
    return np.asarray(time, dtype=float)


class TemporalModel(ModelBase):
    """Base class: a dimensionless factor of the flux as a function of time.

    Subclasses define ``default_parameters``, ``evaluate(time_mjd, **values)`` on plain
    float MJD, and ``integral(t_min, t_max)``.
    """

    kind: ClassVar[str] = "temporal"

    @staticmethod
    def evaluate(time, **values):  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, time):
        """The factor at ``time`` (`~astropy.time.Time` or MJD), a float array."""
        return self.evaluate(_mjd(time), **self.parameter_values)


class ConstantTemporalModel(TemporalModel):
    r"""A flux constant in time: :math:`f(t) = 1`.

    `integral` gives each interval's share of the total time, the weight with which a
    constant source contributes to each of several observations.
    """

    tag = ("ConstantTemporalModel", "const")

    @staticmethod
    def evaluate(time):
        """1 for every time (plain MJD floats of any shape)."""
        return np.ones(np.shape(time))

    def integral(self, t_min, t_max):
        r"""Fraction of the total time in each interval:
        :math:`(t_{\max,i} - t_{\min,i}) / \sum_j (t_{\max,j} - t_{\min,j})`.

        Parameters
        ----------
        t_min, t_max : `~astropy.time.Time` or float (MJD)
            Interval bounds, same shape.

        Returns
        -------
        `numpy.ndarray`
            Dimensionless fractions that sum to 1.
        """
        duration = _mjd(t_max) - _mjd(t_min)
        if np.any(duration < 0):
            raise ValueError("ConstantTemporalModel.integral: t_max is before t_min")
        return duration / np.sum(duration)
