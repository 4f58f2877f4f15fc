"""numba ufuncs of the Poisson statistics: one pass per bin, explicit special cases.

Plain float64 in and out, no checks; `cherenkit_stats.formulas` documents the
formulas and is the public entry point. Being ufuncs, the kernels broadcast their
arguments like any numpy operation.
"""

import math

import numba

from cherenkit import NUMBA_CACHE

_F8 = numba.float64


@numba.njit(cache=NUMBA_CACHE, inline="always")
def _xlogy(x, y):
    """``x ln y``, with 0 for ``x = 0`` whatever ``y`` is."""
    return 0.0 if x == 0.0 else x * math.log(y)


@numba.njit(cache=NUMBA_CACHE, inline="always")
def _deviance(n, mu):
    """Poisson deviance ``2 (mu - n + n ln(n / mu))``; ``2 mu`` for ``n = 0``."""
    return 2.0 * (mu - n + (0.0 if n == 0.0 else n * math.log(n / mu)))


@numba.njit(cache=NUMBA_CACHE)
def _profiled_background(n_on, n_off, alpha, mu_sig):
    """OFF-region background maximising the On/Off likelihood (see formulas)."""
    if n_on == 0.0:
        # the unconstrained optimum, or the smallest background that keeps the ON
        # prediction mu_sig + alpha mu_bkg from going negative (mu_sig < 0)
        if mu_sig < 0.0 and alpha > 0.0:
            return max(n_off / (1.0 + alpha), -mu_sig / alpha)
        return n_off / (1.0 + alpha)
    if n_off == 0.0:
        if mu_sig < alpha * n_on / (1.0 + alpha):
            return n_on / (1.0 + alpha) - mu_sig / alpha
        return 0.0
    c = alpha * (n_on + n_off) - (1.0 + alpha) * mu_sig
    d = math.sqrt(c * c + 4.0 * alpha * (1.0 + alpha) * n_off * mu_sig)
    if c >= 0.0:
        return (c + d) / (2.0 * alpha * (1.0 + alpha))
    return 2.0 * n_off * mu_sig / (d - c)  # the same root without cancellation


@numba.njit(cache=NUMBA_CACHE, inline="always")
def _wstat_at(n_on, n_off, alpha, mu_sig, mu_bkg, extra_terms):
    mu_on = mu_sig + alpha * mu_bkg
    if extra_terms:
        return _deviance(n_on, mu_on) + _deviance(n_off, mu_bkg)
    return 2.0 * (mu_on + mu_bkg - _xlogy(n_on, mu_on) - _xlogy(n_off, mu_bkg))


@numba.vectorize([_F8(_F8, _F8, _F8)], cache=NUMBA_CACHE)
def cash(counts, npred, truncation):
    """``2 (mu - n ln mu)`` with ``mu = max(npred, truncation)``."""
    mu = max(npred, truncation)
    return 2.0 * (mu - counts * math.log(mu))


@numba.vectorize([_F8(_F8, _F8, _F8, _F8)], cache=NUMBA_CACHE)
def profiled_background(n_on, n_off, alpha, mu_sig):
    """OFF-region background of the W statistic, per bin."""
    return _profiled_background(n_on, n_off, alpha, mu_sig)


@numba.vectorize([_F8(_F8, _F8, _F8, _F8, numba.boolean)], cache=NUMBA_CACHE)
def wstat(n_on, n_off, alpha, mu_sig, extra_terms):
    """W statistic at the profiled background, per bin."""
    mu_bkg = _profiled_background(n_on, n_off, alpha, mu_sig)
    return _wstat_at(n_on, n_off, alpha, mu_sig, mu_bkg, extra_terms)


@numba.vectorize([_F8(_F8, _F8, _F8, _F8, _F8, numba.boolean)], cache=NUMBA_CACHE)
def wstat_at(n_on, n_off, alpha, mu_sig, mu_bkg, extra_terms):
    """W-statistic likelihood at a given OFF-region background, per bin."""
    return _wstat_at(n_on, n_off, alpha, mu_sig, mu_bkg, extra_terms)
