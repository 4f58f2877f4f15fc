"""`Fit`: maximum-likelihood fits of models to datasets with iminuit.

The objective is the sum of the datasets' statistics (each dataset's fit-statistic
plugin, ``-2 ln L``), over the free parameters of all the datasets' models (a
parameter shared by several models or datasets is fitted once: a joint likelihood).
MIGRAD minimises it (``errordef = 1``), HESSE gives the covariance; asymmetric errors,
upper limits and likelihood profiles come from the profile likelihood (re-optimising
the other free parameters), and ``mncontour`` gives confidence contours.

The fitter varies dimensionless factors ``value / scale`` with the scales chosen so
that the factors are of order one (`Parameter.autoscale`), which is what MIGRAD needs
for parameters such as amplitudes of 1e-11.

References
----------
.. [1] James, F. and Roos, M. (1975), Comput. Phys. Commun. 10, 343 (MINUIT).
.. [2] Wilks, S. S. (1938), Ann. Math. Statist. 9, 60 (the TS distribution).
.. [3] Rolke, W. A., López, A. M., Conrad, J. (2005), NIM A 551, 493 (profile
   likelihood intervals and limits).
"""

from __future__ import annotations

import contextlib
import time

import numpy as np

from ..errors import CherenkitError

__all__ = [
    "CovarianceResult",
    "Fit",
    "FitError",
    "FitResult",
    "OptimizeResult",
    "significance_from_ts",
]


class FitError(CherenkitError, ValueError):
    """A fit cannot be set up or evaluated (no free parameters, nothing to fit, the
    statistic is not finite at the start values, ...)."""


def significance_from_ts(ts, df=1):
    """Gaussian significance of a test statistic with ``df`` degrees of freedom
    (Wilks' theorem: TS ~ χ²(df) under the null hypothesis), signed like ``ts``'s
    square root for df = 1.

    Parameters
    ----------
    ts : float or array_like
        ``stat(null) - stat(alternative)``.
    df : int
        Number of parameters freed in the alternative.
    """
    from scipy import stats

    ts = np.asarray(ts, dtype=float)
    if df == 1:
        return np.sign(ts) * np.sqrt(np.abs(ts))
    p_value = stats.chi2.sf(np.clip(ts, 0, None), df)
    return stats.norm.isf(p_value / 2)


def _as_datasets(datasets):
    from cherenkit.datasets import Datasets

    if isinstance(datasets, Datasets):
        return datasets
    if hasattr(datasets, "stat_sum") and hasattr(datasets, "name"):
        return Datasets([datasets])
    return Datasets(datasets)


class _Objective:
    """Total statistic of ``datasets`` as a function of the free parameters' factors."""

    def __init__(self, datasets, store_trace=False):
        self.datasets = _as_datasets(datasets)
        if len(self.datasets) == 0:
            raise FitError("nothing to fit: the datasets are empty")
        models = self.datasets.models
        if models is None or len(models) == 0:
            raise FitError("nothing to fit: the datasets have no models (set dataset.models)")
        self.models = models
        self.parameters = models.parameters  # unique objects, all of them
        self.free = self.parameters.free_parameters
        self.store_trace = store_trace
        self.trace = []
        self.nfev = 0
        for dataset in self.datasets:
            mask = dataset.mask
            if dataset.counts is None:
                raise FitError(f"dataset {dataset.name!r} has no counts")
            if mask is not None and not np.any(mask.data):
                raise FitError(
                    f"dataset {dataset.name!r} has no bins to fit: mask_safe/mask_fit "
                    "exclude all of them"
                )

    def check_free(self):
        if len(self.free) == 0:
            raise FitError(
                "the models have no free parameters "
                f"({', '.join(self.parameters.names)} are all frozen)"
            )
        for par in self.free:
            par.check_bounds()

    def __call__(self, factors):
        for par, factor in zip(self.free, factors, strict=True):
            par.factor = factor
        total = self.total()
        self.nfev += 1
        if self.store_trace:
            self.trace.append((total, *[p.value for p in self.free]))
        return total

    def total(self):
        return float(sum(d.stat_sum() for d in self.datasets))

    def check_finite(self):
        with np.errstate(invalid="ignore", divide="ignore"):
            total = self.total()
        if not np.isfinite(total):
            values = ", ".join(f"{p.name}={p.value:.4g}" for p in self.free)
            with np.errstate(invalid="ignore", divide="ignore"):
                per = {d.name: d.stat_sum() for d in self.datasets}
            raise FitError(
                f"the fit statistic is not finite at the start values ({values}); per "
                f"dataset: {per}"
            )
        return total


class OptimizeResult:
    """Outcome of `Fit.optimize`: success, message, number of evaluations, the total
    statistic at the end, the best-fit parameters (the models' own objects, now at the
    best-fit values) and, with ``store_trace``, the parameter values of every call."""

    def __init__(self, *, models, success, message, nfev, total_stat, backend, trace=None):
        self.models = models
        self.success = bool(success)
        self.message = str(message)
        self.nfev = int(nfev)
        self.total_stat = float(total_stat)
        self.backend = backend
        self.trace = trace

    @property
    def parameters(self):
        return self.models.parameters

    def __repr__(self):
        return (
            f"OptimizeResult(backend={self.backend!r}, success={self.success}, "
            f"message={self.message!r}, nfev={self.nfev}, total_stat={self.total_stat:.5f})"
        )


class CovarianceResult:
    """Outcome of `Fit.covariance`: the covariance matrix of all parameters (zeros for
    frozen ones) in their units, and whether HESSE succeeded."""

    def __init__(self, *, matrix, success, message, backend):
        self.matrix = matrix
        self.success = bool(success)
        self.message = str(message)
        self.backend = backend

    def __repr__(self):
        return f"CovarianceResult(success={self.success}, message={self.message!r})"


class FitResult:
    """`Fit.run`'s outcome: the optimisation and the covariance results together."""

    def __init__(self, optimize_result, covariance_result):
        self.optimize_result = optimize_result
        self.covariance_result = covariance_result

    models = property(lambda self: self.optimize_result.models)
    parameters = property(lambda self: self.optimize_result.parameters)
    total_stat = property(lambda self: self.optimize_result.total_stat)
    nfev = property(lambda self: self.optimize_result.nfev)
    trace = property(lambda self: self.optimize_result.trace)

    @property
    def success(self):
        """Both MIGRAD and HESSE succeeded."""
        return self.optimize_result.success and self.covariance_result.success

    @property
    def message(self):
        return f"{self.optimize_result.message}; covariance: {self.covariance_result.message}"

    def __repr__(self):
        return (
            f"FitResult(success={self.success}, total_stat={self.total_stat:.5f}, "
            f"nfev={self.nfev}, message={self.message!r})"
        )

    def __str__(self):
        lines = [repr(self), "", str(self.parameters.to_table())]
        return "\n".join(lines)


class Fit:
    """Fit models to datasets (iminuit).

    Parameters
    ----------
    backend : {"minuit"}
        The optimiser; only iminuit is built in.
    optimize_opts : dict, optional
        ``tol`` (MIGRAD's EDM tolerance, default 0.1 as in iminuit), ``strategy``
        (0, 1 or 2; default 1) and ``ncall`` (maximum calls).
    covariance_opts : dict, optional
        ``strategy`` for HESSE.
    store_trace : bool
        Keep the parameter values of every statistic evaluation (`OptimizeResult.trace`).

    Examples
    --------
    >>> fit = Fit()                                       # doctest: +SKIP
    >>> result = fit.run(datasets)                        # doctest: +SKIP
    >>> datasets.models.to_parameters_table()             # doctest: +SKIP
    """

    def __init__(self, backend="minuit", optimize_opts=None, covariance_opts=None,
                 store_trace=False):  # fmt: skip
        if backend != "minuit":
            raise ValueError(f"unknown fit backend {backend!r}; available: 'minuit'")
        self.backend = backend
        self.optimize_opts = dict(optimize_opts or {})
        self.covariance_opts = dict(covariance_opts or {})
        unknown = set(self.optimize_opts) - {"tol", "strategy", "ncall"}
        if unknown:
            raise ValueError(f"unknown optimize_opts {sorted(unknown)}; use tol, strategy, ncall")
        self.store_trace = store_trace
        self._minuit = None

    # --- the main steps ----------------------------------------------------------------

    def run(self, datasets):
        """`optimize`, then `covariance`; returns a `FitResult`."""
        optimize_result = self.optimize(datasets)
        covariance_result = self.covariance(datasets)
        return FitResult(optimize_result, covariance_result)

    def _minuit_for(self, objective):
        from iminuit import Minuit

        free = objective.free
        minuit = Minuit(objective, [p.factor for p in free], name=[_par_id(p, i) for i, p in
                                                                   enumerate(free)])  # fmt: skip
        minuit.errordef = Minuit.LEAST_SQUARES  # 1: the statistic is -2 ln L
        minuit.errors = [_initial_step(p) for p in free]
        minuit.limits = [
            (
                None if not np.isfinite(p.factor_min) else p.factor_min,
                None if not np.isfinite(p.factor_max) else p.factor_max,
            )
            for p in free
        ]
        minuit.strategy = self.optimize_opts.get("strategy", 1)
        minuit.tol = self.optimize_opts.get("tol", 0.1)
        minuit.print_level = 0
        return minuit

    def optimize(self, datasets):
        """Minimise the total statistic over the free parameters (MIGRAD).

        The models' parameters are left at the best-fit values.

        Raises
        ------
        FitError
            No models, no free parameters, no bins to fit, a start value outside its
            bounds or a statistic that is not finite at the start.
        """
        objective = _Objective(datasets, store_trace=self.store_trace)
        objective.check_free()
        with _fit_sessions(objective.datasets):
            objective.free.autoscale()
            objective.check_finite()
            minuit = self._minuit_for(objective)
            start = time.perf_counter()
            minuit.migrad(ncall=self.optimize_opts.get("ncall"))
            elapsed = time.perf_counter() - start
            for par, factor in zip(objective.free, minuit.values, strict=True):
                par.factor = factor
            self._minuit = (minuit, objective)
            message = _migrad_message(minuit, objective.free)
            trace = None
            if self.store_trace:
                from astropy.table import Table

                names = ["total_stat", *[p.name for p in objective.free]]
                trace = Table(rows=objective.trace, names=names) if objective.trace else None
            result = OptimizeResult(
                models=objective.models,
                success=minuit.valid,
                message=message,
                nfev=minuit.nfcn,
                total_stat=objective.total(),
                backend=self.backend,
                trace=trace,
            )
        result.time_s = elapsed
        return result

    def covariance(self, datasets):
        """Covariance of the free parameters from the Hessian at the current values
        (HESSE), written to the models (covariance matrices and parameter errors).

        Returns
        -------
        `CovarianceResult`
        """
        objective = _Objective(datasets)
        objective.check_free()
        minuit = self._reuse_minuit(objective)
        if "strategy" in self.covariance_opts:
            minuit.strategy = self.covariance_opts["strategy"]
        with _fit_sessions(objective.datasets):
            minuit.hesse()
        free, parameters = objective.free, objective.parameters
        n = len(parameters)
        matrix = np.zeros((n, n))
        success = minuit.covariance is not None and minuit.accurate
        if minuit.covariance is not None:
            index = [parameters.index(p) for p in free]
            scales = np.array([p.scale for p in free])
            matrix[np.ix_(index, index)] = np.array(minuit.covariance) * np.outer(scales, scales)
        for par, factor in zip(free, minuit.values, strict=True):
            par.factor = factor
        objective.models.covariance = matrix
        for i, par in enumerate(parameters):
            par.error = float(np.sqrt(matrix[i, i])) if matrix[i, i] > 0 else 0.0
        message = "Hesse terminated successfully." if success else "Hesse failed"
        if minuit.covariance is not None and not minuit.accurate:
            message = "Hesse: covariance not accurate (forced positive definite or made up)"
        return CovarianceResult(
            matrix=matrix, success=success, message=message, backend=self.backend
        )

    def _reuse_minuit(self, objective):
        """The Minuit object of the last `optimize` when it fitted the same parameters
        (so HESSE starts from MIGRAD's state); a new one otherwise."""
        if self._minuit is not None:
            minuit, previous = self._minuit
            same = (
                len(previous.free) == len(objective.free)
                and all(a is b for a, b in zip(previous.free, objective.free, strict=True))
                and [d.name for d in previous.datasets] == [d.name for d in objective.datasets]
            )
            if same and np.allclose(minuit.values, [p.factor for p in objective.free]):
                return minuit
        objective.free.autoscale()
        return self._minuit_for(objective)

    # --- profile likelihood ------------------------------------------------------------

    def _profile_value(self, datasets, parameter, value, reoptimize):
        """Total statistic with ``parameter`` fixed at ``value`` (others re-fitted when
        ``reoptimize``)."""
        frozen, original = parameter.frozen, parameter.value
        parameter.value = value
        parameter.frozen = True
        try:
            objective = _Objective(datasets)
            if reoptimize and len(objective.free) > 0:
                self.optimize(datasets)
            return objective.total()
        finally:
            parameter.frozen = frozen
            if not reoptimize:
                parameter.value = original

    def stat_profile(self, datasets, parameter, reoptimize=False):
        """The total statistic scanned over ``parameter.scan_values()``.

        Parameters
        ----------
        datasets : `~cherenkit.datasets.Datasets` or list
        parameter : `Parameter` or str
            A parameter of the datasets' models (a name must be unique).
        reoptimize : bool
            Re-fit the other free parameters at each value (a profile likelihood).

        Returns
        -------
        dict
            ``"<name>_scan"`` and ``"values"`` (the scanned values), ``"stat_scan"``
            (the statistic at each) and ``"fit_results"`` (optimisation results when
            re-optimising).
        """
        datasets = _as_datasets(datasets)
        parameter = _find_parameter(datasets, parameter)
        values = parameter.scan_values()
        state = _save_state(datasets)
        stats = []
        try:
            for value in values:
                stats.append(self._profile_value(datasets, parameter, value, reoptimize))
                _restore_state(state)
        finally:
            _restore_state(state)
        return {
            f"{parameter.name}_scan": values,
            "values": values,
            "stat_scan": np.array(stats),
        }

    def stat_surface(self, datasets, x, y, reoptimize=False):
        """The total statistic on the grid ``x.scan_values() × y.scan_values()``.

        Returns
        -------
        dict
            ``"<x>_scan"``, ``"<y>_scan"`` and ``"stat_scan"`` of shape (n_x, n_y).
        """
        datasets = _as_datasets(datasets)
        x, y = _find_parameter(datasets, x), _find_parameter(datasets, y)
        xs, ys = x.scan_values(), y.scan_values()
        state = _save_state(datasets)
        frozen = x.frozen, y.frozen
        surface = np.empty((len(xs), len(ys)))
        try:
            x.frozen = y.frozen = True
            for i, xv in enumerate(xs):
                for j, yv in enumerate(ys):
                    x.value, y.value = xv, yv
                    if reoptimize and len(_Objective(datasets).free) > 0:
                        self.optimize(datasets)
                    surface[i, j] = _Objective(datasets).total()
                    _restore_state(state)
        finally:
            x.frozen, y.frozen = frozen
            _restore_state(state)
        return {f"{x.name}_scan": xs, f"{y.name}_scan": ys, "stat_scan": surface}

    def _crossing(self, datasets, parameter, target, start, step, reoptimize, *,
                  limit=None, max_steps=60):  # fmt: skip
        """Value where the profile statistic reaches ``target``, walking from ``start``
        in steps of ``step`` (doubling) to bracket it, then root finding (brentq)."""
        from scipy.optimize import brentq

        def excess(value):
            return self._profile_value(datasets, parameter, value, reoptimize) - target

        lo, f_lo = start, excess(start)
        if f_lo > 0:
            return np.nan, False
        hi = start
        for _ in range(max_steps):
            hi = lo + step
            if limit is not None and (hi - limit) * np.sign(step) > 0:
                hi = limit
            f_hi = excess(hi)
            if f_hi > 0:
                break
            if limit is not None and hi == limit:
                return np.nan, False
            lo, f_lo, step = hi, f_hi, 2 * step
        else:
            return np.nan, False
        root = brentq(excess, min(lo, hi), max(lo, hi), xtol=1e-6 * abs(parameter.scale or 1),
                      rtol=1e-8)  # fmt: skip
        return float(root), True

    def confidence(self, datasets, parameter, sigma=1, reoptimize=True):
        """Asymmetric errors from the profile likelihood: the values where the total
        statistic rises by ``sigma²`` above its minimum, below and above the best fit.

        The datasets' models must be at the best fit (run `optimize` first); they are
        restored afterwards.

        Returns
        -------
        dict
            ``errp``, ``errn`` (positive numbers, in the parameter's unit),
            ``success`` and ``message``.
        """
        datasets = _as_datasets(datasets)
        parameter = _find_parameter(datasets, parameter)
        state = _save_state(datasets)
        try:
            best, stat_min = parameter.value, _Objective(datasets).total()
            target = stat_min + sigma**2
            step = sigma * (parameter.error if parameter.error > 0 else 0.1 * abs(best) or 0.1)
            upper, ok_up = self._crossing(
                datasets, parameter, target, best, step, reoptimize, limit=_finite(parameter.max)
            )
            _restore_state(state)
            lower, ok_lo = self._crossing(
                datasets, parameter, target, best, -step, reoptimize, limit=_finite(parameter.min)
            )
        finally:
            _restore_state(state)
        success = ok_up and ok_lo
        message = "profile crossings found" if success else (
            "the statistic does not rise by sigma² within the parameter's bounds on the "
            + ("upper" if not ok_up else "lower")
            + " side"
        )  # fmt: skip
        return {
            "errp": upper - best if ok_up else np.nan,
            "errn": best - lower if ok_lo else np.nan,
            "success": success,
            "message": message,
        }

    def upper_limit(self, datasets, parameter, n_sigma_ul=2, reoptimize=True):
        """One-sided upper limit: the value above the best fit where the profile
        statistic rises by ``n_sigma_ul²`` (gammapy's convention; 2σ ≈ 95 % two-sided).

        Returns
        -------
        float
            The limit in the parameter's unit (NaN when the statistic never rises enough
            within the bounds).
        """
        datasets = _as_datasets(datasets)
        parameter = _find_parameter(datasets, parameter)
        state = _save_state(datasets)
        try:
            best, stat_min = parameter.value, _Objective(datasets).total()
            step = parameter.error if parameter.error > 0 else 0.1 * abs(best) or 0.1
            value, _ = self._crossing(datasets, parameter, stat_min + n_sigma_ul**2, best, step,
                                      reoptimize, limit=_finite(parameter.max))  # fmt: skip
        finally:
            _restore_state(state)
        return value

    def stat_contour(self, datasets, x, y, numpoints=10, sigma=1):
        """Confidence contour of two parameters (MINUIT's MNCONTOUR) around the best fit,
        at the level where the profile statistic rises by ``sigma²``.

        Returns
        -------
        dict
            ``"<x>"`` and ``"<y>"``: the contour points (in the parameters' units; the
            contour is closed, so there are ``numpoints + 1`` with the first repeated)
            and ``"success"``.
        """
        datasets = _as_datasets(datasets)
        x, y = _find_parameter(datasets, x), _find_parameter(datasets, y)
        state = _save_state(datasets)
        try:
            objective = _Objective(datasets)
            objective.check_free()
            minuit = self._reuse_minuit(objective)
            if not minuit.valid:
                minuit.migrad()
            free = list(objective.free)
            ix, iy = _index_of(free, x), _index_of(free, y)
            from scipy import stats

            cl = float(stats.chi2.cdf(sigma**2, 2))
            success, message = True, ""
            try:
                with _fit_sessions(objective.datasets):
                    points = minuit.mncontour(ix, iy, cl=cl, size=numpoints)
            except RuntimeError as err:
                points, success, message = np.full((0, 2), np.nan), False, str(err)
            points = np.asarray(points, dtype=float) * np.array([x.scale, y.scale])
        finally:
            _restore_state(state)
        result = {x.name: points[:, 0], y.name: points[:, 1], "success": success}
        if not success:
            result["message"] = message
        return result


# --- helpers -----------------------------------------------------------------------------


@contextlib.contextmanager
def _fit_sessions(datasets):
    """Open every dataset's `fit_session` (cached masked data) for one minimisation."""
    with contextlib.ExitStack() as stack:
        for dataset in datasets:
            stack.enter_context(dataset.fit_session())
        yield


def _initial_step(parameter):
    """MIGRAD's first step (factor units): the parameter's error when known, else 0.01
    deg for angles (positions, sizes) and 1 % of the value for everything else."""
    if parameter.error > 0 and np.isfinite(parameter.error):
        return parameter.error / parameter.scale
    if parameter.unit == "deg":
        return 0.01 / parameter.scale
    return max(0.01 * abs(parameter.factor), 0.01)


def _par_id(parameter, i):
    return f"par_{i:03d}_{parameter.name}"


def _finite(value):
    return float(value) if np.isfinite(value) else None


def _index_of(free, parameter):
    for i, p in enumerate(free):
        if p is parameter:
            return i
    raise FitError(f"parameter {parameter.name!r} is frozen; a contour needs free parameters")


def _find_parameter(datasets, parameter):
    """A parameter object of the datasets' models, from an object or a unique name."""
    models = datasets.models
    if models is None:
        raise FitError("the datasets have no models")
    parameters = models.parameters
    if isinstance(parameter, str):
        matches = [p for p in parameters if p.name == parameter]
        if len(matches) != 1:
            raise FitError(
                f"parameter name {parameter!r} matches {len(matches)} parameters of "
                f"{models.names}; pass the Parameter object (e.g. model.spectral_model.index)"
            )
        return matches[0]
    if parameter not in parameters:
        raise FitError(f"{parameter!r} is not a parameter of the datasets' models")
    return parameter


def _save_state(datasets):
    models = datasets.models
    parameters = list(models.parameters)
    return parameters, [(p.value, p.frozen, p.scale) for p in parameters]


def _restore_state(state):
    parameters, values = state
    for par, (value, frozen, scale) in zip(parameters, values, strict=True):
        par.value, par.frozen, par.scale = value, frozen, scale


def _migrad_message(minuit, free):
    fmin = minuit.fmin
    if minuit.valid:
        message = "Optimization terminated successfully."
    elif fmin.has_reached_call_limit:
        message = "Optimization failed: call limit reached"
    elif fmin.is_above_max_edm:
        message = f"Optimization failed: EDM {fmin.edm:.3g} above the goal {fmin.edm_goal:.3g}"
    else:
        message = "Optimization failed"
    at_bound = [p.name for p in free if p.at_bound()]
    if at_bound:
        message += f"; at a bound (errors unreliable): {', '.join(at_bound)}"
    return message
