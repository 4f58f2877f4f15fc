"""The ``cash-sys`` fit statistic: Cash with a profiled relative systematic per bin.

Model of one bin: the counts ``n`` are Poisson distributed around ``mu (1 + d)``,
where ``mu`` is the model prediction and ``d`` an unknown relative shift of it (an
imperfect effective area, energy scale, background normalisation, ...) with a
Gaussian constraint of width ``sigma``. Up to terms that do not depend on the
model, ``-2 ln L`` is::

    C(d) = 2 (mu (1 + d) - n ln(mu (1 + d))) + d² / sigma²

and the statistic is ``C`` at the ``d`` that minimises it, found in closed form
(see `cash_sys_shift`). `cash_sys` and `cash_sys_shift` are plain numpy functions
without input checks; `CashSysStatistic` is the plugin class that checks the
arrays once and calls them.

Derivation
----------
``dC/dd = 2 mu - 2 n / (1 + d) + 2 d / sigma²``. Setting it to zero and
multiplying by ``(1 + d) / 2`` gives the stationarity equation::

    d² / sigma² + d (1 / sigma² + mu) + (mu - n) = 0

In the scale ``x = 1 + d`` it reads ``x² - (1 - mu sigma²) x - sigma² n = 0``. The
product of its roots is ``-sigma² n ≤ 0``, so for ``n > 0`` exactly one root has
``x > 0``: the one with the ``+`` sign in front of the square root. For ``n = 0``
the roots are ``0`` and ``1 - mu sigma²``; ``C`` is then minimised on ``x ≥ 0`` at
``max(0, 1 - mu sigma²)``, which the ``+`` root also gives. ``C`` is strictly convex
in ``d`` (``C'' = 2 n / (1 + d)² + 2 / sigma² > 0``), so that root is the minimum.
In terms of ``d``, with ``B = 1 + mu sigma²`` and the discriminant
``D = (1 - mu sigma²)² + 4 sigma² n`` (written so that it is a sum of
non-negative terms), the root is ``d = (-B + sqrt(D)) / 2``. That form cancels
catastrophically when ``sigma`` is small (``sqrt(D) ≈ B``), so it is computed in
the equivalent "citardauq" form (numerator and denominator multiplied by
``B + sqrt(D)``, using ``D - B² = 4 sigma² (n - mu)``)::

    d = 2 sigma² (n - mu) / (1 + mu sigma² + sqrt(D))

whose denominator is ≥ 2 and which is exactly 0 for ``sigma = 0``. The scale
``x`` itself is taken from the ``+`` root of its own equation (``(a + sqrt(D)) / 2``
with ``a = 1 - mu sigma²``, or ``2 sigma² n / (sqrt(D) - a)`` when ``a < 0``), which
keeps ``mu x`` accurate when ``d`` is close to -1.

Evaluation
----------
Where ``|d| ≤ 1/2`` the statistic is computed as Cash plus the change that
profiling brings. Using the stationarity equation,
``mu d = n d / (1 + d) - d² / sigma²``, so for ``n > 0``::

    C(d) - C(0) = -2 n (ln(1 + d) - d / (1 + d)) - d² / sigma²

Both terms are ≤ 0 (``ln(1 + d) ≥ d / (1 + d)`` for ``d > -1``; the first is summed
as a power series for tiny ``|d|``), so there the statistic never exceeds Cash, also
after rounding, and equals it bit for bit for ``sigma = 0``. For ``n = 0`` the
change is ``2 mu d + d² / sigma² = -mu² sigma²``. Where ``|d| > 1/2`` profiling
lowers the statistic by at least ``0.14 n + 0.25 / sigma²`` (``mu / 2`` for
``n = 0``), and subtracting that from Cash would cancel, so ``C(d)`` is evaluated
directly. For ``n = 0`` and ``mu sigma² ≥ 1`` the minimum lies on the boundary
``d = -1``, where ``C = 1 / sigma²``.
"""

from __future__ import annotations

import math
from typing import ClassVar

import attrs
import numpy as np

from cherenkit.component import parameter
from cherenkit.errors import ParameterError
from cherenkit.modeling import FitStatistic

__all__ = ["CASH_TRUNCATION", "CashSysStatistic", "cash_sys", "cash_sys_shift"]

CASH_TRUNCATION = 1e-25
"""Smallest prediction used; smaller ones are raised to it, as for ``cash``."""

_SERIES_LIMIT = 1e-4
"""Below this ``|d|``, ``ln(1 + d) - d / (1 + d)`` is summed as a power series."""


def _profile(n, mu, sigma):
    """Profiled shift ``d``, scale ``x = 1 + d`` and ``d / sigma²`` per bin (float64 arrays).

    ``x`` is the ``+`` root of ``x² - a x - sigma² n = 0`` (``a = 1 - mu sigma²``), taken
    as ``(a + sqrt(D)) / 2`` for ``a ≥ 0`` and as the equivalent ``2 sigma² n / (sqrt(D) - a)``
    for ``a < 0``, so neither form cancels. ``d`` comes from the citardauq form while
    ``x ≥ 1/2`` (small ``|d|`` keeps its relative precision) and as ``x - 1`` below,
    where that subtraction is accurate and gives exactly ``-1`` at ``x = 0``.
    """
    var = sigma * sigma
    a = 1.0 - mu * var
    root_d = np.hypot(a, 2.0 * sigma * np.sqrt(n))  # sqrt(D) without overflow
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(a >= 0.0, 0.5 * (a + root_d), 2.0 * var * n / (root_d - a))
        low = scale < 0.5  # only reached for sigma > 0
        shift_over_var = np.where(
            low, (scale - 1.0) / var, 2.0 * (n - mu) / (1.0 + mu * var + root_d)
        )
    shift = np.where(low, scale - 1.0, var * shift_over_var)
    return shift, scale, shift_over_var


def _log_excess(shift, scale):
    """``ln(1 + d) - d / (1 + d)`` (≥ 0) for ``|d| ≤ 1/2``, accurate also for tiny ``|d|``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        direct = np.log1p(shift) - shift / scale
    # Σ_{k≥2} (-1)^k (k - 1) / k d^k, truncated where the next term is below 1e-16 relative
    d = shift
    series = d * d * (0.5 - d * (2.0 / 3.0 - d * (0.75 - d * 0.8)))
    return np.where(np.abs(shift) < _SERIES_LIMIT, series, direct)


def cash_sys_shift(counts, npred, sigma_sys, *, truncation=CASH_TRUNCATION):
    """Profiled relative shift ``d`` of the prediction per bin.

    Parameters
    ----------
    counts : array_like of float
        Observed counts per bin, ≥ 0.
    npred : array_like of float
        Predicted counts per bin, ≥ 0.
    sigma_sys : float
        Relative systematic uncertainty of the prediction (1 sigma), ≥ 0.
    truncation : float, optional
        Predictions below this value are raised to it. Default is 1e-25.

    Returns
    -------
    shift : `numpy.ndarray` of float64
        The ``d`` that minimises ``C(d)`` per bin, in ``[-1, ∞)``; the best
        prediction is ``npred (1 + d)``. Exactly 0 when ``sigma_sys = 0``.

    Examples
    --------
    >>> cash_sys_shift([22.0, 0.0], [10.0, 10.0], 0.1)
    array([ 0.1, -0.1])
    """
    n = np.asarray(counts, dtype=np.float64)
    mu = np.maximum(np.asarray(npred, dtype=np.float64), truncation)
    shift, _, _ = _profile(n, mu, float(sigma_sys))
    return shift


def cash_sys(counts, npred, sigma_sys, *, truncation=CASH_TRUNCATION):
    """Cash statistic with a Gaussian relative systematic on the prediction, profiled per bin.

    Parameters
    ----------
    counts : array_like of float
        Observed counts per bin, ≥ 0.
    npred : array_like of float
        Predicted counts per bin, ≥ 0.
    sigma_sys : float
        Relative systematic uncertainty of the prediction (1 sigma), ≥ 0.
    truncation : float, optional
        Predictions below this value are raised to it before anything else is
        computed, so that ``npred = 0`` stays finite (the convention of ``cash``).
        Default is 1e-25.

    Returns
    -------
    stat : `numpy.ndarray` of float64
        ``min_d 2 (mu (1 + d) - n ln(mu (1 + d))) + d² / sigma_sys²`` per bin with
        ``mu = max(npred, truncation)``, in the broadcast shape of the inputs.
        Equal to ``2 (mu - n ln mu)`` (Cash) for ``sigma_sys = 0`` and never larger.

    Examples
    --------
    >>> cash_sys([22.0, 0.0], [10.0, 10.0], 0.1)
    array([-82.507392,  19.      ])
    """
    n = np.asarray(counts, dtype=np.float64)
    mu = np.maximum(np.asarray(npred, dtype=np.float64), truncation)
    shift, scale, shift_over_var = _profile(n, mu, float(sigma_sys))
    penalty = shift * shift_over_var  # d² / sigma², 0 for sigma = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        cash = 2.0 * (mu - np.where(n == 0, 0.0, n * np.log(mu)))
        gain = np.where(
            n == 0, 2.0 * mu * shift + penalty, -2.0 * n * _log_excess(shift, scale) - penalty
        )
        direct = 2.0 * (mu * scale - np.where(n == 0, 0.0, n * np.log(mu * scale))) + penalty
    small = np.abs(shift) <= 0.5
    return np.where(small, cash + gain, direct)


@attrs.frozen(kw_only=True)
class CashSysStatistic(FitStatistic):
    """Cash statistic with a Gaussian relative systematic on the prediction, profiled per bin.

    Each bin's prediction ``mu`` may be off by a relative amount ``d`` with a
    Gaussian constraint of width ``sigma_sys``; ``d`` is profiled per bin in closed
    form and the statistic is
    ``min_d 2 (mu (1 + d) - n ln(mu (1 + d))) + d² / sigma_sys²``. It never exceeds
    Cash and equals it for ``sigma_sys = 0``. Predictions below 1e-25 are raised to
    1e-25, as for cash. `systematic_shift` returns the profiled ``d``. See
    `cherenkit_cashsys.statistic` for the derivation.

    Parameters
    ----------
    sigma_sys : float, optional
        Relative systematic uncertainty of the prediction (1 sigma), ≥ 0 and
        finite. Default is 0.05.

    References
    ----------
    .. [1] Rolke, W. A., López, A. M., Conrad, J. 2005, "Limits and confidence
       intervals in the presence of nuisance parameters", NIM A 551, 493,
       :doi:`10.1016/j.nima.2005.05.068`
    .. [2] Barlow, R., Beeston, C. 1993, "Fitting using finite Monte Carlo
       samples", Comput. Phys. Commun. 77, 219,
       :doi:`10.1016/0010-4655(93)90005-W`

    Examples
    --------
    >>> stat = CashSysStatistic(sigma_sys=0.1)
    >>> stat.stat_array([22.0, 0.0], [10.0, 10.0])
    array([-82.507392,  19.      ])
    >>> stat.systematic_shift([22.0, 0.0], [10.0, 10.0])
    array([ 0.1, -0.1])
    """

    name: ClassVar[str] = "cash-sys"
    inputs: ClassVar[tuple[str, ...]] = ()

    sigma_sys: float = parameter(
        0.05, ge=0, help="Relative systematic uncertainty of the prediction (1 sigma)"
    )

    def __attrs_post_init__(self):
        if not math.isfinite(self.sigma_sys * self.sigma_sys):
            raise ParameterError(
                type(self).__name__,
                "sigma_sys",
                f"expected a finite number ≥ 0 (e.g. 0.05 for 5 %), got {self.sigma_sys!r}",
            )

    def evaluate(self, counts, npred):
        """Statistic per bin on checked float64 arrays (no validation)."""
        return cash_sys(counts, npred, self.sigma_sys)

    def systematic_shift(self, counts, npred):
        """Profiled relative shift ``d`` of the prediction per bin.

        Parameters
        ----------
        counts : array_like
            Observed counts per bin.
        npred : array_like
            Predicted counts per bin.

        Returns
        -------
        shift : `numpy.ndarray` of float64
            ``d`` per bin (≥ -1), so that ``npred * (1 + shift)`` is the prediction
            the statistic is evaluated at; see `cash_sys_shift`.

        Raises
        ------
        StatisticInputError
            When an input is misshapen, negative or not finite.
        """
        arrays = self.check_inputs(counts, npred, {})
        return cash_sys_shift(arrays["counts"], arrays["npred"], self.sigma_sys)
