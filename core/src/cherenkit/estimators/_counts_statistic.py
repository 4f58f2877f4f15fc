"""Excess, TS and likelihood errors of many independent counting measurements at once.

Every quantity comes from a fit-statistic plugin (`cherenkit.modeling.FitStatistic`)
evaluated on plain float64 arrays, one element per measurement (e.g. per pixel):
no Python loop runs over the elements. Roots in the signal are found by a
vectorised Illinois (modified regula falsi) iteration on brackets that are widened
until they hold a sign change.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

__all__ = ["ExcessStatistic", "find_roots"]


def find_roots(func, lower, upper, *, xtol=1e-10, rtol=1e-13, ftol=1e-11, maxiter=200):
    """Root of ``func`` between ``lower`` and ``upper`` for many elements at once.

    Parameters
    ----------
    func : callable
        ``func(x, index) -> values``: ``x`` and the result are 1-d float64 arrays for
        the elements ``index`` (an integer index array).
    lower, upper : `~numpy.ndarray`, shape (n,)
        Bracket per element; ``func`` must change sign between them.
    xtol, rtol, ftol : float
        The iteration stops when the bracket is narrower than ``xtol + rtol |x|`` or
        ``|func(x)| <= ftol``.
    maxiter : int
        Maximal number of iterations (the last iterate is returned).

    Returns
    -------
    roots : `~numpy.ndarray`, shape (n,)
        NaN where the bracket holds no sign change (or ``func`` is not finite there).
    """
    lo = np.array(lower, dtype=np.float64)
    hi = np.array(upper, dtype=np.float64)
    everything = np.arange(lo.size)
    f_lo = func(lo, everything)
    f_hi = func(hi, everything)
    roots = np.full(lo.size, np.nan)
    roots[f_lo == 0.0] = lo[f_lo == 0.0]
    roots[f_hi == 0.0] = hi[f_hi == 0.0]
    active = np.flatnonzero(np.isfinite(f_lo) & np.isfinite(f_hi) & (f_lo * f_hi < 0.0))
    lo, hi, f_lo, f_hi = lo[active], hi[active], f_lo[active], f_hi[active]
    last_side = np.zeros(active.size, dtype=np.int8)  # -1: lo moved last, +1: hi moved last
    for _ in range(maxiter):
        if active.size == 0:
            break
        with np.errstate(invalid="ignore", divide="ignore"):
            x = hi - f_hi * (hi - lo) / (f_hi - f_lo)
        outside = ~((x > np.minimum(lo, hi)) & (x < np.maximum(lo, hi)))
        x[outside] = 0.5 * (lo[outside] + hi[outside])
        f_x = func(x, active)
        f_x = np.where(np.isfinite(f_x), f_x, f_hi)  # treat a failed evaluation as "beyond"
        move_hi = np.sign(f_x) == np.sign(f_hi)
        move_lo = ~move_hi
        # Illinois: halve the stale end's value when the same end moves twice in a row
        f_lo = np.where(move_hi & (last_side == 1), 0.5 * f_lo, f_lo)
        f_hi = np.where(move_lo & (last_side == -1), 0.5 * f_hi, f_hi)
        hi = np.where(move_hi, x, hi)
        f_hi = np.where(move_hi, f_x, f_hi)
        lo = np.where(move_lo, x, lo)
        f_lo = np.where(move_lo, f_x, f_lo)
        last_side = np.where(move_hi, 1, -1).astype(np.int8)
        done = (np.abs(f_x) <= ftol) | (np.abs(hi - lo) <= xtol + rtol * np.abs(x))
        roots[active[done]] = x[done]
        keep = ~done
        active, lo, hi, f_lo, f_hi, last_side = (
            a[keep] for a in (active, lo, hi, f_lo, f_hi, last_side)
        )
    if active.size:
        roots[active] = 0.5 * (lo + hi)
    return roots


def _bracket(func, start, step, *, max_doublings=60):
    """Bracket a root of ``func`` on one side of ``start``, where ``func(start) < 0``.

    Tries ``start + step`` (``step`` of either sign) and doubles the step until
    ``func`` is > 0 there. Returns ``(near, far)``: the last point tried where ``func``
    was <= 0 (or ``start``) and the first where it is > 0 (NaN where none was found).
    """
    near = start.copy()
    far = start + step
    value = func(far, np.arange(start.size))
    todo = np.flatnonzero(~(value > 0.0))
    for _ in range(max_doublings):
        if todo.size == 0:
            break
        near[todo] = far[todo]
        step[todo] *= 2.0
        far[todo] = start[todo] + step[todo]
        value = func(far[todo], todo)
        todo = todo[~(value > 0.0)]
    far[todo] = np.nan
    return near, far


class ExcessStatistic:
    """Excess of counts over a background and its likelihood statistics, per element.

    Two kinds of fit statistic are supported, told apart by
    ``statistic.profiles_background``:

    * a known background (e.g. ``cash``): the prediction for ``counts`` is
      ``npred_background + signal``;
    * a background profiled from OFF counts (e.g. ``wstat``): the prediction handed to
      the statistic is ``npred_signal + signal``, with ``counts_off`` and ``alpha`` as
      extra inputs; the background is ``alpha * counts_off``.

    The excess is the best-fit ``signal``, on top of what is already predicted.

    Parameters
    ----------
    statistic : `~cherenkit.modeling.FitStatistic`
        The fit-statistic plugin instance.
    counts : `~numpy.ndarray`, shape (n,)
        Observed counts, ≥ 0.
    npred_background : `~numpy.ndarray`, shape (n,), optional
        Known background (statistics that do not profile the background).
    counts_off, alpha : `~numpy.ndarray`, shape (n,), optional
        OFF counts and ON/OFF exposure ratio (> 0) (statistics that profile it).
    npred_signal : `~numpy.ndarray`, shape (n,), optional
        Signal already predicted by models (statistics that profile the background).
        Default is 0.
    """

    def __init__(
        self,
        statistic,
        counts,
        *,
        npred_background=None,
        counts_off=None,
        alpha=None,
        npred_signal=None,
    ):
        self.statistic = statistic
        self.counts = np.asarray(counts, dtype=np.float64)
        self.profiled = bool(statistic.profiles_background)
        expected = ("counts_off", "alpha") if self.profiled else ()
        if tuple(statistic.inputs) != expected:
            raise TypeError(
                f"the fit statistic {statistic.name!r} takes the extra inputs "
                f"{tuple(statistic.inputs)}; excess maps support a known background "
                "(no extra inputs, e.g. 'cash') or a background profiled from "
                "('counts_off', 'alpha') (e.g. 'wstat')"
            )
        if self.profiled:
            self.counts_off = np.asarray(counts_off, dtype=np.float64)
            self.alpha = np.asarray(alpha, dtype=np.float64)
            self.npred_background = self.alpha * self.counts_off
            self._offset = np.zeros_like(self.counts)
            if npred_signal is not None:
                self._offset = self._offset + np.asarray(npred_signal, dtype=np.float64)
        else:
            self.npred_background = np.asarray(npred_background, dtype=np.float64)
            self._offset = self.npred_background

    # --- the statistic as a function of the signal ------------------------------------

    def stat(self, signal, index=Ellipsis):
        """The statistic per element at the predicted ``signal`` (≥ 0 or < 0)."""
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return self._stat(np.asarray(signal, dtype=np.float64), index)

    def _stat(self, signal, index):
        counts = self.counts[index]
        npred = self._offset[index] + signal
        if not self.profiled:
            return self.statistic.evaluate(counts, npred)
        inputs = {"counts_off": self.counts_off[index], "alpha": self.alpha[index]}
        return self.statistic.evaluate(counts, npred, **inputs)

    # --- point estimates -----------------------------------------------------------

    @cached_property
    def excess(self):
        """Best-fit signal: ``counts - npred_background`` (- ``npred_signal``)."""
        if self.profiled:
            return self.counts - self.npred_background - self._offset
        return self.counts - self.npred_background

    @cached_property
    def stat_null(self):
        """Statistic without (extra) signal."""
        return self.stat(np.zeros_like(self.counts))

    @cached_property
    def stat_best(self):
        """Statistic at the best-fit signal."""
        return self.stat(self.excess)

    @cached_property
    def ts(self):
        """``stat_null - stat_best``, ≥ 0 (small negative round-off is clipped)."""
        return np.clip(self.stat_null - self.stat_best, 0.0, None)

    @property
    def sqrt_ts(self):
        """√TS with the sign of the excess."""
        return np.sign(self.excess) * np.sqrt(self.ts)

    @cached_property
    def error(self):
        """Symmetric 1σ error of the excess from the curvature of the statistic at the
        best fit: ``sqrt(counts)``, plus ``alpha² counts_off`` under the square root
        when the background is profiled from OFF counts."""
        if self.profiled:
            return np.sqrt(self.counts + self.alpha**2 * self.counts_off)
        return np.sqrt(self.counts)

    # --- likelihood intervals ------------------------------------------------------

    def _shifted(self, level):
        def func(signal, index):
            return self.stat(signal, index) - level[index]

        return func

    def errp(self, n_sigma=1.0):
        """Upward error: ``s - excess`` with ``stat(s) = stat_best + n_sigma²``, s above."""
        return self._above(n_sigma) - self.excess

    def upper_limit(self, n_sigma=2.0):
        """Signal above the best fit where the statistic has risen by ``n_sigma²``."""
        return self._above(n_sigma)

    def errn(self, n_sigma=1.0):
        """Downward error: ``excess - s`` with ``stat(s) = stat_best + n_sigma²``, s below.

        Where the statistic does not rise by ``n_sigma²`` below the best fit (zero counts
        with a known background: the prediction cannot go below 0), the error is the
        counts (so 0), as gammapy reports it.
        """
        best = self.excess
        level = self.stat_best + n_sigma**2
        func = self._shifted(level)
        step = -(n_sigma * self.error + n_sigma**2)
        near, far = _bracket(func, best, step, max_doublings=8)
        roots = find_roots(func, far, near)
        return np.where(np.isnan(roots) & ~np.isnan(best), self.counts, best - roots)

    def _above(self, n_sigma):
        best = self.excess
        level = self.stat_best + n_sigma**2
        func = self._shifted(level)
        # the Poisson upward error is about n σ + n² / 3 (n² / 2 without counts)
        step = n_sigma * self.error + n_sigma**2
        near, far = _bracket(func, best, step)
        return find_roots(func, near, far)
