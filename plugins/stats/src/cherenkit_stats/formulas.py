"""Fit statistics as plain numpy formulas: counts and predictions in, ``-2 ln L`` out.

The functions here take array-likes of any broadcastable shape, work in float64,
loop over nothing in Python and do not validate their inputs: the statistic classes
in `cherenkit_stats.statistics` check the arrays once and then call these. Every
result is finite for valid inputs, including empty bins and vanishing predictions.

The Poisson statistics run as numba ufuncs (`cherenkit_stats._kernels`), imported
on first use so that listing plugins does not pay for loading numba.
"""

from __future__ import annotations

import numpy as np

__all__ = ["CASH_TRUNCATION", "cash", "chi2", "wstat", "wstat_profiled_background"]

CASH_TRUNCATION = 1e-25
"""Smallest predicted count `cash` uses; smaller predictions are raised to it."""


def cash(counts, npred, *, truncation=CASH_TRUNCATION):
    """Cash statistic: ``-2 ln`` of the Poisson likelihood, without the factorial term.

    Parameters
    ----------
    counts : array_like of float
        Observed counts per bin, ≥ 0.
    npred : array_like of float
        Predicted counts per bin, ≥ 0.
    truncation : float, optional
        Predictions below this value are raised to it before both terms are
        computed, so that ``npred = 0`` stays finite. Default is 1e-25.

    Returns
    -------
    stat : `numpy.ndarray` of float64
        ``2 (mu - n ln mu)`` per bin with ``mu = max(npred, truncation)``, in the
        broadcast shape of the inputs. Only differences are meaningful: the
        statistic is not zero at the best fit.

    Notes
    -----
    The truncation follows gammapy, so an empty bin with ``npred = 0`` gives
    ``2e-25`` and a bin with counts but ``npred = 0`` gives a large finite value
    (``counts = 7`` → 805.9) instead of infinity.

    References
    ----------
    .. [1] Cash, W. 1979, "Parameter estimation in astronomy through application of
       the likelihood ratio", ApJ 228, 939, :doi:`10.1086/156922`

    Examples
    --------
    >>> cash([0.0, 2.0], [0.5, 2.0])
    array([1.        , 1.22741128])
    """
    from . import _kernels

    return _kernels.cash(counts, npred, truncation)


def wstat_profiled_background(n_on, n_off, alpha, mu_sig):
    """Background that maximises the On/Off Poisson likelihood for a given signal.

    The model is ``n_on ~ Poisson(mu_sig + alpha b)`` and ``n_off ~ Poisson(b)``, with
    ``b`` the expected background counts in the OFF region. Setting the derivative of
    the likelihood in ``b`` to zero gives
    ``alpha (1 + alpha) b² - C b - n_off mu_sig = 0`` with
    ``C = alpha (n_on + n_off) - (1 + alpha) mu_sig``, whose non-negative root is
    returned.

    Parameters
    ----------
    n_on : array_like of float
        Counts in the ON region per bin, ≥ 0.
    n_off : array_like of float
        Counts in the OFF region per bin, ≥ 0.
    alpha : array_like of float
        Ratio of ON to OFF exposure (acceptance) per bin, > 0.
    mu_sig : array_like of float
        Predicted signal counts in the ON region per bin, ≥ 0.

    Returns
    -------
    mu_bkg : `numpy.ndarray` of float64
        Profiled background counts in the OFF region per bin (the ON-region
        background is ``alpha * mu_bkg``), in the broadcast shape of the inputs.

    Notes
    -----
    The root is taken as ``(C + D) / (2 alpha (1 + alpha))`` with
    ``D = sqrt(C² + 4 alpha (1 + alpha) n_off mu_sig)`` when ``C ≥ 0`` and as the
    equivalent ``2 n_off mu_sig / (D - C)`` when ``C < 0``, which avoids the
    cancellation of the first form. The special cases of the XSPEC appendix are
    written out exactly:

    * ``n_on = 0``: ``mu_bkg = n_off / (1 + alpha)``, or ``-mu_sig / alpha`` when that is
      larger (a negative signal: the ON prediction may not go below 0);
    * ``n_off = 0`` and ``mu_sig < alpha n_on / (1 + alpha)``:
      ``mu_bkg = n_on / (1 + alpha) - mu_sig / alpha``;
    * ``n_off = 0`` otherwise (including ``n_on = 0``): ``mu_bkg = 0``.

    References
    ----------
    .. [1] Arnaud, K., Gordon, C., Dorman, B., Rutkowski, K., "XSPEC: An X-Ray
       Spectral Fitting Package", User's Guide, Appendix B "Statistics in XSPEC",
       https://heasarc.gsfc.nasa.gov/docs/xanadu/xspec/manual/XSappendixStatistics.html
    .. [2] Wachter, K., Leach, R., Kellogg, E. 1979, "Parameter estimation in X-ray
       astronomy using maximum likelihood", ApJ 230, 274, :doi:`10.1086/157084`

    Examples
    --------
    >>> wstat_profiled_background([0.0, 2.0], [4.0, 1.0], [0.1, 1.0], [1.0, 0.0])
    array([3.63636364, 1.5       ])
    """
    from . import _kernels

    return _kernels.profiled_background(n_on, n_off, alpha, mu_sig)


def wstat(n_on, n_off, alpha, mu_sig, *, extra_terms=True, mu_bkg=None):
    """W-statistic: Poisson On/Off likelihood with the background profiled out.

    ``-2 ln L`` of ``n_on ~ Poisson(mu_sig + alpha b)`` and ``n_off ~ Poisson(b)`` at
    the background ``b`` of `wstat_profiled_background`.

    Parameters
    ----------
    n_on : array_like of float
        Counts in the ON region per bin, ≥ 0.
    n_off : array_like of float
        Counts in the OFF region per bin, ≥ 0.
    alpha : array_like of float
        Ratio of ON to OFF exposure (acceptance) per bin, > 0.
    mu_sig : array_like of float
        Predicted signal counts in the ON region per bin, ≥ 0.
    extra_terms : bool, optional
        Add the terms ``2 (-n_on (1 - ln n_on) - n_off (1 - ln n_off))`` (0 for an
        empty count), i.e. subtract the statistic of the saturated model, so that
        each bin is a non-negative goodness-of-fit value as in XSPEC. They do not
        depend on the model, so fits are unchanged. Default is True.
    mu_bkg : array_like of float, optional
        Evaluate at this OFF-region background instead of the profiled one.

    Returns
    -------
    stat : `numpy.ndarray` of float64
        The statistic per bin, in the broadcast shape of the inputs.

    Notes
    -----
    With ``mu_on = mu_sig + alpha b`` the statistic is
    ``2 (mu_sig + (1 + alpha) b - n_on ln mu_on - n_off ln b)``, where a term
    ``n ln mu`` is 0 when ``n = 0``. With the extra terms this equals the sum of
    the Poisson deviances of the two regions,
    ``2 (mu_on - n_on + n_on ln(n_on / mu_on)) + 2 (b - n_off + n_off ln(n_off / b))``,
    which is how it is computed. At the profiled background the XSPEC special
    cases follow (shown with the extra terms):

    * ``n_on = 0``: ``2 mu_sig + 2 n_off ln(1 + alpha)``;
    * ``n_off = 0`` and ``mu_sig < alpha n_on / (1 + alpha)``:
      ``-2 mu_sig / alpha - 2 n_on ln(alpha / (1 + alpha))``;
    * ``n_off = 0`` otherwise: ``2 (mu_sig - n_on + n_on ln(n_on / mu_sig))``;
    * ``n_on = n_off = 0``: ``2 mu_sig``.

    References
    ----------
    .. [1] Arnaud, K., Gordon, C., Dorman, B., Rutkowski, K., "XSPEC: An X-Ray
       Spectral Fitting Package", User's Guide, Appendix B "Statistics in XSPEC",
       https://heasarc.gsfc.nasa.gov/docs/xanadu/xspec/manual/XSappendixStatistics.html
    .. [2] Wachter, K., Leach, R., Kellogg, E. 1979, "Parameter estimation in X-ray
       astronomy using maximum likelihood", ApJ 230, 274, :doi:`10.1086/157084`

    Examples
    --------
    >>> wstat([0.0, 1.0], [4.0, 0.0], [0.1, 0.2], [1.0, 0.5])
    array([2.76248144, 0.38629436])
    """
    from . import _kernels

    if mu_bkg is None:
        return _kernels.wstat(n_on, n_off, alpha, mu_sig, extra_terms)
    return _kernels.wstat_at(n_on, n_off, alpha, mu_sig, mu_bkg, extra_terms)


def chi2(counts, npred, counts_err):
    """Chi-square statistic with known Gaussian errors.

    Parameters
    ----------
    counts : array_like of float
        Measured values per bin.
    npred : array_like of float
        Predicted values per bin.
    counts_err : array_like of float
        Gaussian standard deviation of ``counts`` per bin, > 0 (a zero error makes
        the bin infinitely constraining and gives inf or nan).

    Returns
    -------
    stat : `numpy.ndarray` of float64
        ``((counts - npred) / counts_err)²`` per bin, in the broadcast shape of the
        inputs; ``-2 ln L`` of a Gaussian likelihood up to a model-independent term.

    References
    ----------
    .. [1] Particle Data Group, Workman, R. L. et al. 2022, "Review of Particle
       Physics", chapter "Statistics" (method of least squares), PTEP 2022, 083C01,
       :doi:`10.1093/ptep/ptac097`

    Examples
    --------
    >>> chi2([3.0, 5.0], [1.0, 5.0], [2.0, 1.0])
    array([1., 0.])
    """
    counts = np.asarray(counts, dtype=np.float64)
    residual = (counts - np.asarray(npred, dtype=np.float64)) / np.asarray(
        counts_err, dtype=np.float64
    )
    return residual * residual
