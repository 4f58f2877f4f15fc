"""The fit-statistic plugin classes: input checks around the formulas of `.formulas`."""

from __future__ import annotations

from typing import ClassVar

import attrs
import numpy as np

from cherenkit.component import parameter
from cherenkit.modeling import FitStatistic, StatisticInputError

from .formulas import CASH_TRUNCATION, cash, chi2, wstat, wstat_profiled_background

__all__ = ["CashStatistic", "Chi2Statistic", "WStatStatistic"]


def _where(mask) -> str:
    """``"in 3 bins, the first at index (0, 2)"`` for a boolean array with a true value."""
    first = tuple(int(i) for i in np.argwhere(mask)[0])
    n = int(np.count_nonzero(mask))
    return f"in {n} bin{'s' if n > 1 else ''}, the first at index {first}"


@attrs.frozen(kw_only=True)
class CashStatistic(FitStatistic):
    """Cash statistic: Poisson likelihood of counts with a known background model.

    ``2 (mu - n ln mu)`` per bin, with ``mu = npred`` (signal plus any background
    model) raised to at least 1e-25 so that empty predictions stay finite. See
    `cherenkit_stats.formulas.cash`.

    References
    ----------
    .. [1] Cash, W. 1979, "Parameter estimation in astronomy through application of
       the likelihood ratio", ApJ 228, 939, :doi:`10.1086/156922`

    Examples
    --------
    >>> CashStatistic().stat_array([0.0, 2.0], [0.5, 2.0])
    array([1.        , 1.22741128])
    """

    name: ClassVar[str] = "cash"
    inputs: ClassVar[tuple[str, ...]] = ()

    def evaluate(self, counts, npred):
        """Statistic per bin on checked float64 arrays (no validation)."""
        return cash(counts, npred)

    def scaled_sum(self, counts, background, group, n_groups, **data):
        """Closed form of the Cash sum for ``npred = f[group] × background``:
        ``2 Σ_g (f_g B_g - N_g ln f_g) - 2 Σ n ln b`` with the per-group sums
        ``B_g = Σ b`` and ``N_g = Σ n``, exact wherever ``f b`` stays above the
        truncation. Bins with a background below ``1e10 ×`` the truncation, and any
        call with a factor below 1e-10, are evaluated bin by bin."""
        regular = background > 1e10 * CASH_TRUNCATION
        sum_b = np.bincount(group[regular], background[regular], n_groups)
        sum_n = np.bincount(group[regular], counts[regular], n_groups)
        with np.errstate(divide="ignore", invalid="ignore"):
            n_log_b = np.where(counts > 0, counts * np.log(background), 0.0)
        constant = float(np.sum(n_log_b[regular]))
        rest = ~regular
        rest_counts, rest_background, rest_group = counts[rest], background[rest], group[rest]
        direct = super().scaled_sum(counts, background, group, n_groups)

        def total(factors):
            f = np.asarray(factors, dtype=np.float64)
            if np.any(f < 1e-10):
                return direct(f)
            with np.errstate(divide="ignore", invalid="ignore"):
                n_log_f = np.where(sum_n > 0, sum_n * np.log(f), 0.0)
            value = 2.0 * (float(np.sum(f * sum_b - n_log_f)) - constant)
            if len(rest_counts):
                value += float(np.sum(cash(rest_counts, f[rest_group] * rest_background)))
            return value

        return total


@attrs.frozen(kw_only=True)
class WStatStatistic(FitStatistic):
    """W-statistic: Poisson On/Off likelihood with the background profiled per bin.

    For ON counts ``counts``, OFF counts ``counts_off``, ON/OFF exposure ratio
    ``alpha`` and predicted signal ``npred`` in the ON region, the OFF-region
    background ``b`` that maximises the likelihood of ``counts ~ Poisson(npred +
    alpha b)`` and ``counts_off ~ Poisson(b)`` is found in closed form and the
    statistic is ``-2 ln L`` there. See `cherenkit_stats.formulas.wstat`.

    ``alpha`` must be > 0 in every bin with ON or OFF counts. It may be 0 in empty
    bins (``counts = counts_off = 0``), which stacking writes for bins without data:
    there the statistic is ``2 npred`` whatever ``alpha`` is.

    Parameters
    ----------
    extra_terms : bool, optional
        Subtract the statistic of the saturated model, so that each bin is a
        non-negative goodness-of-fit value (as XSPEC and gammapy do). Fits do not
        depend on it. Default is True.

    References
    ----------
    .. [1] Arnaud, K., Gordon, C., Dorman, B., Rutkowski, K., "XSPEC: An X-Ray
       Spectral Fitting Package", User's Guide, Appendix B "Statistics in XSPEC",
       https://heasarc.gsfc.nasa.gov/docs/xanadu/xspec/manual/XSappendixStatistics.html
    .. [2] Wachter, K., Leach, R., Kellogg, E. 1979, "Parameter estimation in X-ray
       astronomy using maximum likelihood", ApJ 230, 274, :doi:`10.1086/157084`

    Examples
    --------
    >>> stat = WStatStatistic()
    >>> stat.stat_array([0.0, 2.0], [1.0, 0.0], counts_off=[4.0, 1.0], alpha=[0.1, 1.0])
    array([2.76248144, 0.33979807])
    >>> stat.npred_background([0.0, 2.0], [1.0, 0.0], counts_off=[4.0, 1.0], alpha=[0.1, 1.0])
    array([0.36363636, 1.5       ])
    """

    name: ClassVar[str] = "wstat"
    inputs: ClassVar[tuple[str, ...]] = ("counts_off", "alpha")
    profiles_background: ClassVar[bool] = True

    extra_terms: bool = parameter(
        True, help="Subtract the saturated model so each bin is a goodness of fit (≥ 0)."
    )

    def evaluate(self, counts, npred, *, counts_off, alpha):
        """Statistic per bin on checked float64 arrays (no validation)."""
        return wstat(counts, counts_off, alpha, npred, extra_terms=self.extra_terms)

    def npred_background(self, counts, npred, **data):
        """Profiled background in the ON region per bin.

        Parameters
        ----------
        counts : array_like
            ON counts per bin.
        npred : array_like
            Predicted signal counts in the ON region per bin.
        **data : array_like
            ``counts_off`` and ``alpha`` per bin.

        Returns
        -------
        npred_background : `numpy.ndarray` of float64
            ``alpha * mu_bkg``, the expected background counts in the ON region at
            the profiled OFF-region background ``mu_bkg``
            (`cherenkit_stats.formulas.wstat_profiled_background`), so that
            ``npred + npred_background`` is the total prediction for ``counts``.

        Raises
        ------
        StatisticInputError
            When an input is missing, misshapen, negative or not finite, or ``alpha``
            is 0 in a bin with counts.
        """
        a = self.check_inputs(counts, npred, data)
        mu_bkg = wstat_profiled_background(a["counts"], a["counts_off"], a["alpha"], a["npred"])
        return a["alpha"] * mu_bkg

    def check_inputs(self, counts, npred, data):
        """Validate and broadcast the inputs; ``alpha`` must be > 0 where there are counts.

        Returns a dict of float64 arrays of one shape with keys ``counts``,
        ``npred``, ``counts_off`` and ``alpha``.
        """
        arrays = super().check_inputs(counts, npred, data)
        bad = (arrays["alpha"] == 0) & ((arrays["counts"] > 0) | (arrays["counts_off"] > 0))
        if np.any(bad):
            raise StatisticInputError(
                self.name,
                "alpha",
                f"is 0 {_where(bad)} with ON or OFF counts; it must be > 0 there "
                "(alpha = 0 is accepted only in empty bins)",
            )
        return arrays


@attrs.frozen(kw_only=True)
class Chi2Statistic(FitStatistic):
    """Chi-square statistic: Gaussian likelihood of measurements with known errors.

    ``((counts - npred) / counts_err)²`` per bin, for values whose errors are
    Gaussian and known (e.g. fluxes, or counts well above 20). ``counts_err`` must
    be > 0. See `cherenkit_stats.formulas.chi2`.

    References
    ----------
    .. [1] Particle Data Group, Workman, R. L. et al. 2022, "Review of Particle
       Physics", chapter "Statistics" (method of least squares), PTEP 2022, 083C01,
       :doi:`10.1093/ptep/ptac097`

    Examples
    --------
    >>> Chi2Statistic().stat_array([3.0, 5.0], [1.0, 5.0], counts_err=[2.0, 1.0])
    array([1., 0.])
    """

    name: ClassVar[str] = "chi2"
    inputs: ClassVar[tuple[str, ...]] = ("counts_err",)

    def evaluate(self, counts, npred, *, counts_err):
        """Statistic per bin on checked float64 arrays (no validation)."""
        return chi2(counts, npred, counts_err)

    def check_inputs(self, counts, npred, data):
        """Validate and broadcast the inputs; ``counts_err`` must be > 0 everywhere.

        Returns a dict of float64 arrays of one shape with keys ``counts``,
        ``npred`` and ``counts_err``.
        """
        arrays = super().check_inputs(counts, npred, data)
        zero = arrays["counts_err"] == 0
        if np.any(zero):
            raise StatisticInputError(
                self.name, "counts_err", f"is 0 {_where(zero)}; errors must be > 0"
            )
        return arrays
