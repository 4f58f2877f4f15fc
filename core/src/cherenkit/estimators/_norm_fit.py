"""The per-bin norm fit shared by `FluxPointsEstimator` and `LightCurveEstimator`.

The source's spectral model is wrapped in a `ScaleSpectralModel`, whose only free
parameter is a dimensionless ``norm`` multiplying it; in each energy group (and
time interval) the norm is fitted to the datasets with every other parameter
frozen, or, with ``reoptimize=True``, with the free parameters of the other models
fitted too (gammapy's ``FluxEstimator``, [1]_, [2]_).

Without re-optimisation the predicted counts are linear in the norm,
``npred(norm) = npred(0) + norm × (npred(1) - npred(0))``, so the statistic of a
group is a function of one variable on a few arrays of fitted bins. It is minimised
by a bracketing Brent search, its curvature gives the symmetric error, and the
profile-likelihood errors and upper limits ([3]_) are the roots of
``stat(norm) - stat_min - n²`` (Brent's root finder): exact to 1e-10 and much faster
than a general fit. With re-optimisation the generic `~cherenkit.modeling.Fit` is
used (MIGRAD, HESSE and its profile likelihood).

References
----------
.. [1] gammapy documentation, "Estimators",
   https://docs.gammapy.org/2.1/user-guide/estimators.html
.. [2] Nigro, C. et al. (2019), A&A 625, A10, doi:10.1051/0004-6361/201834938
   (joint-crab: flux points from a likelihood fit of the norm in energy bins).
.. [3] Rolke, W. A., López, A. M., Conrad, J. (2005), NIM A 551, 493,
   doi:10.1016/j.nima.2005.05.068 (profile-likelihood intervals and limits).
"""

from __future__ import annotations

import copy

import numpy as np

from ..modeling.parameter import Parameter, Parameters
from ..modeling.spectral import SpectralModel

__all__ = ["ScaleSpectralModel", "default_norm"]

OPTIONS = ("errn-errp", "ul", "scan")
"""The optional steps of the norm fit."""

_XTOL = 1e-10
GENERIC_TOL = 1e-4
"""MIGRAD's tolerance in the generic path: iminuit's default (0.1) leaves the norm
off its minimum by up to ~0.005 sigma, which would show in the flux points."""


def default_norm(norm=None):
    """The ``norm`` parameter of a flux estimate.

    Parameters
    ----------
    norm : `~cherenkit.modeling.Parameter` or dict, optional
        A parameter named ``"norm"`` (copied), or keyword arguments of `Parameter`
        that change the default: value 1, unbounded, log-spaced scan of 11 values from
        0.2 to 5.

    Returns
    -------
    `~cherenkit.modeling.Parameter`
    """
    if isinstance(norm, Parameter):
        if norm.name != "norm":
            raise ValueError(f"the norm parameter must be named 'norm', got {norm.name!r}")
        return norm.copy()
    kwargs = {"interp": "log", "scan_min": 0.2, "scan_max": 5.0, "scan_n_values": 11}
    if norm is not None:
        if not isinstance(norm, dict):
            raise TypeError(f"norm must be a Parameter or a dict, got {type(norm).__name__}")
        kwargs.update(norm)
    kwargs.pop("name", None)
    value = kwargs.pop("value", 1.0)
    try:
        return Parameter("norm", value, "", is_norm=True, **kwargs)
    except TypeError as err:
        raise TypeError(f"norm: invalid Parameter keyword ({err})") from None


class ScaleSpectralModel(SpectralModel):
    """A spectral model times a dimensionless ``norm``: ``norm × model(E)``.

    The parameters are ``norm`` followed by those of ``model`` (the same objects).

    Parameters
    ----------
    model : `~cherenkit.modeling.SpectralModel`
        The model that is scaled.
    norm : `~cherenkit.modeling.Parameter`, optional
        Default: `default_norm` (value 1).
    """

    tag = ("ScaleSpectralModel",)

    def __init__(self, model, norm=None):
        if not isinstance(model, SpectralModel):
            raise TypeError(f"ScaleSpectralModel needs a SpectralModel, got {type(model).__name__}")
        self.model = model
        self.unit = model.unit
        norm = default_norm() if norm is None else norm
        self._parameters = Parameters([norm, *model.parameters])

    @property
    def norm(self) -> Parameter:
        return self._parameters[0]

    def dnde_values(self, energy):
        return self.norm.value * self.model.dnde_values(energy)

    def integral_values(self, energy_min, energy_max):
        return self.norm.value * self.model.integral_values(energy_min, energy_max)

    def energy_flux_values(self, energy_min, energy_max):
        return self.norm.value * self.model.energy_flux_values(energy_min, energy_max)

    def copy(self, **kwargs):
        return ScaleSpectralModel(self.model.copy(), self.norm.copy())

    def to_dict(self) -> dict:
        return {
            "type": self.tag[0],
            "model": self.model.to_dict(),
            "parameters": [self.norm.to_dict()],
        }

    @classmethod
    def from_dict(cls, data: dict):
        model = SpectralModel.from_dict(data["model"])
        scale = cls(model)
        for item in data.get("parameters", []):
            if item.get("name") == "norm":
                scale.norm.update_from_dict(item, owner=cls.__name__)
        return scale

    def __repr__(self):
        return f"ScaleSpectralModel(norm={self.norm.value:.4g}, model={self.model!r})"


# --- setting up the datasets ----------------------------------------------------------------


class NormFitSetup:
    """Light copies of the datasets whose models scale the source by a free ``norm``.

    The copies share the data of the originals (maps are not copied); their models
    are copies, so the caller's datasets and models are left untouched. Each group
    sets its own ``mask_fit`` on the copies (`set_group`).

    Parameters
    ----------
    datasets : `~cherenkit.datasets.Datasets`
    source : str or int
        Name or position of the source in ``datasets.models``.
    norm : `~cherenkit.modeling.Parameter`
        Template of the norm (copied).
    reoptimize : bool
        Keep the other models' free parameters free.
    """

    def __init__(self, datasets, source, norm, reoptimize):
        from cherenkit.modeling import FoVBackgroundModel, SkyModel

        models = datasets.models
        if models is None or len(models) == 0:
            raise ValueError(
                "the datasets have no models: set datasets.models = SkyModel(...) with the "
                "source (fitted to all energies) before estimating flux points"
            )
        model = _select_source(models, source)
        if not isinstance(model, SkyModel) or isinstance(model, FoVBackgroundModel):
            raise ValueError(
                f"source {source!r} is the background model {model.name!r}; flux points "
                "need a SkyModel"
            )
        self.source_name = model.name
        self.reference_model = model.spectral_model.copy()
        models = models.copy()
        if not reoptimize:
            models.freeze()
        source_model = models[self.source_name]
        source_model.freeze()
        self.norm = default_norm(norm)
        self.norm.frozen = False
        source_model.spectral_model = ScaleSpectralModel(source_model.spectral_model, self.norm)
        self.models = models
        self.reoptimize = bool(reoptimize)
        self.clones = []
        self.user_mask_fit = []
        for dataset in datasets:
            clone = copy.copy(dataset)  # shares the maps; models and masks are its own
            clone.models = models
            self.clones.append(clone)
            self.user_mask_fit.append(
                None if dataset.mask_fit is None else np.asarray(dataset.mask_fit.data, bool)
            )

    def set_group(self, bins, selected=None):
        """Fit the reconstructed-energy bins ``bins`` (bool array over the energy axis)
        of the datasets whose positions are in ``selected`` (default: all).

        Returns
        -------
        contributing : list of int
            Positions of the selected datasets with at least one bin in the fit.
        """
        from cherenkit.maps import Map

        contributing = []
        selected = range(len(self.clones)) if selected is None else selected
        for i in selected:
            clone = self.clones[i]
            geom = clone.counts.geom
            shape = [1] * len(geom.data_shape)
            shape[geom._data_axis("energy")] = -1
            data = np.broadcast_to(np.reshape(bins, shape), geom.data_shape)
            if self.user_mask_fit[i] is not None:
                data = data & self.user_mask_fit[i]
            clone.mask_fit = Map.from_geom(geom, data=data, dtype=bool)
            mask = clone.mask
            if np.any(mask.data):
                contributing.append(i)
        return contributing


def _select_source(models, source):
    if isinstance(source, bool) or not isinstance(source, int | str | np.integer):
        raise TypeError(f"source must be a model name or position, got {source!r}")
    if isinstance(source, str):
        if source not in models.names:
            from ..errors import closest

            hint = closest(source, models.names)
            hint = f"; did you mean {hint!r}?" if hint else ""
            raise ValueError(
                f"no source named {source!r} in the datasets' models; models are "
                f"{models.names}{hint}"
            )
        return models[source]
    if not -len(models) <= int(source) < len(models):
        raise ValueError(
            f"source position {int(source)} is out of range: the datasets have "
            f"{len(models)} models {models.names}"
        )
    return models[int(source)]


# --- the fit of one group --------------------------------------------------------------------


def fit_norm(setup, datasets_idx, *, n_sigma, n_sigma_ul, selection, use_linear=True):
    """Fit the norm to the datasets ``datasets_idx`` of ``setup`` over their current
    ``mask_fit`` (`NormFitSetup.set_group`).

    Returns
    -------
    dict
        ``norm``, ``norm_err``, ``ts``, ``stat``, ``stat_null``, ``success`` and,
        as selected, ``norm_errn``, ``norm_errp``, ``norm_ul``, ``norm_scan``,
        ``stat_scan``; the norm is left at its best-fit value.
    """
    from cherenkit.datasets import Datasets

    datasets = Datasets([setup.clones[i] for i in datasets_idx])
    norm = setup.norm
    norm.value = 1.0
    profile = None
    if use_linear and not setup.reoptimize:
        profile = _LinearProfile.build(datasets, norm)
    if profile is None:
        result = _fit_generic(datasets, norm, setup.reoptimize, n_sigma, n_sigma_ul, selection)
    else:
        result = _fit_linear(profile, norm, n_sigma, n_sigma_ul, selection)
    norm.value = result["norm"] if np.isfinite(result["norm"]) else 1.0
    return result


def nan_result(norm, selection):
    """The result of a group without data."""
    result = {
        "norm": np.nan,
        "norm_err": np.nan,
        "ts": np.nan,
        "stat": np.nan,
        "stat_null": np.nan,
        "success": False,
    }
    if "errn-errp" in selection:
        result.update(norm_errn=np.nan, norm_errp=np.nan)
    if "ul" in selection:
        result["norm_ul"] = np.nan
    if "scan" in selection:
        values = norm.scan_values()
        result.update(norm_scan=values, stat_scan=np.full(len(values), np.nan))
    return result


class _LinearProfile:
    """The total statistic as a function of the norm, from the fitted bins' counts,
    predictions at norm 0 and the predicted source counts at norm 1."""

    def __init__(self, parts, lower):
        self.parts = parts
        self.lower = lower
        self.nfev = 0

    @classmethod
    def build(cls, datasets, norm):
        """None when a dataset does not provide its statistic inputs or when its
        prediction is not linear in the norm (the generic fit is used then)."""
        parts = []
        try:
            for dataset in datasets:
                norm.value = 0.0
                counts, npred0, inputs = dataset._stat_arrays()
                norm.value = 1.0
                _, npred1, _ = dataset._stat_arrays()
                parts.append((dataset.fit_statistic, counts, npred0, npred1 - npred0, inputs))
        except AttributeError:
            return None
        lower = -np.inf
        for statistic, _, npred0, source, _ in parts:
            positive = source > 0
            if np.any(positive) and not statistic.profiles_background:
                # below this the total prediction of a fitted bin would be negative
                lower = max(lower, float(np.max(-npred0[positive] / source[positive])))
        profile = cls(parts, lower)
        norm.value = 2.0
        check = float(sum(d.stat_sum() for d in datasets))
        norm.value = 1.0
        if not np.isclose(profile(2.0), check, rtol=1e-9, atol=1e-9):
            return None
        return profile

    def __call__(self, x):
        self.nfev += 1
        total = 0.0
        for statistic, counts, npred0, source, inputs in self.parts:
            total += float(np.sum(statistic.evaluate(counts, npred0 + x * source, **inputs)))
        return total if np.isfinite(total) else np.inf


def _fit_linear(profile, norm, n_sigma, n_sigma_ul, selection):
    lower = max(profile.lower, norm.min) if np.isfinite(norm.min) else profile.lower
    upper = norm.max if np.isfinite(norm.max) else np.inf
    best, success = _minimize_convex(profile, _clip(norm.value, lower, upper), lower, upper)
    stat = profile(best)
    error = _curvature_error(profile, best, lower, upper)
    result = {
        "norm": best,
        "norm_err": n_sigma * error,
        "ts": profile(0.0) - stat,
        "stat": stat,
        "stat_null": profile(0.0),
        "success": success,
    }
    step = error if np.isfinite(error) and error > 0 else 0.1 * max(abs(best), 1.0)
    if "errn-errp" in selection:
        target = stat + n_sigma**2
        result["norm_errp"] = _crossing(profile, target, best, step, upper) - best
        result["norm_errn"] = best - _crossing(profile, target, best, -step, lower)
    if "ul" in selection:
        result["norm_ul"] = _crossing(profile, stat + n_sigma_ul**2, best, step, upper)
    if "scan" in selection:
        values = norm.scan_values()
        result["norm_scan"] = values
        result["stat_scan"] = np.array([profile(v) for v in values])
    return result


def _clip(x, lower, upper):
    return float(min(max(x, lower), upper))


def _minimize_convex(f, x0, lower, upper, *, max_steps=200):
    """Minimum of a convex function on [lower, upper] (either may be infinite):
    a downhill walk with doubling steps brackets it, Brent's method refines it.

    Returns ``(x, success)``; success is False when no minimum is found within
    ``max_steps`` doublings (a statistic that keeps falling).
    """
    from scipy.optimize import minimize_scalar

    step = 0.1 * max(abs(x0), 1.0)
    f0 = f(x0)
    up, down = _clip(x0 + step, lower, upper), _clip(x0 - step, lower, upper)
    f_up, f_down = f(up), f(down)
    if f_up >= f0 and f_down >= f0:
        a, c = down, up
    else:
        sign = 1.0 if f_up < f_down else -1.0
        bound = upper if sign > 0 else lower
        a, x, fx = x0, (up if sign > 0 else down), min(f_up, f_down)
        for _ in range(max_steps):
            if x == bound:
                return x, True  # still falling at the bound: the minimum is there
            step *= 2.0
            nxt = _clip(x + sign * step, lower, upper)
            f_next = f(nxt)
            if f_next >= fx:
                c = nxt
                break
            a, x, fx = x, nxt, f_next
        else:
            return x, False
        a, c = min(a, c), max(a, c)
    res = minimize_scalar(
        f, bounds=(a, c), method="bounded", options={"xatol": _XTOL * max(1.0, abs(x0))}
    )
    x = float(res.x)
    # the bounded method never evaluates the ends: keep an end point when it is lower
    for end in (a, c):
        if f(end) < f(x):
            x = end
    return x, bool(res.success)


def _curvature_error(f, x, lower, upper):
    """``sqrt(2 / f''(x))``: the 1σ error of a ``-2 ln L`` statistic from its
    curvature at the minimum (central differences, one-sided at a bound)."""
    f0 = f(x)
    h = 1e-3 * max(abs(x), 1.0)
    for _ in range(2):  # then a step of 0.02 error: rounding and bias both below 1e-6
        if x - h >= lower and x + h <= upper:
            second = (f(x + h) + f(x - h) - 2.0 * f0) / h**2
        elif x + 2 * h <= upper:
            second = (f(x + 2 * h) - 2.0 * f(x + h) + f0) / h**2
        else:
            second = (f(x - 2 * h) - 2.0 * f(x - h) + f0) / h**2
        if not (np.isfinite(second) and second > 0):
            return np.nan
        error = float(np.sqrt(2.0 / second))
        h = 0.02 * error
    return error


def _crossing(f, target, start, step, limit, *, max_steps=100):
    """Where ``f`` reaches ``target`` walking from ``start`` (``f(start) < target``)
    in the direction of ``step``: doubling steps bracket it, Brent's method finds it.
    NaN when ``f`` stays below ``target`` up to ``limit``."""
    from scipy.optimize import brentq

    lo, hi = start, start
    for _ in range(max_steps):
        hi = lo + step
        if (hi - limit) * np.sign(step) >= 0:
            hi = limit
        if not np.isfinite(hi):
            return np.nan
        if f(hi) >= target:
            break
        if hi == limit:
            return np.nan
        lo, step = hi, 2.0 * step
    else:
        return np.nan
    a, b = min(lo, hi), max(lo, hi)
    return float(brentq(lambda v: f(v) - target, a, b, xtol=1e-12, rtol=1e-12))


# --- the generic fit (re-optimising other models) -------------------------------------------


def _fit_generic(datasets, norm, reoptimize, n_sigma, n_sigma_ul, selection):
    """The norm fit with `~cherenkit.modeling.Fit` (MIGRAD + HESSE and its profiles)."""
    from cherenkit.modeling.fit import Fit, FitError

    fit = Fit(optimize_opts={"tol": GENERIC_TOL})
    try:
        fit_result = fit.run(datasets)
    except FitError:
        return nan_result(norm, selection)
    best, stat = norm.value, fit_result.total_stat
    stat_null = _stat_at(fit, datasets, norm, 0.0, reoptimize)
    norm.value = best
    result = {
        "norm": best,
        "norm_err": n_sigma * norm.error,
        "ts": stat_null - stat,
        "stat": stat,
        "stat_null": stat_null,
        "success": fit_result.success,
    }
    if "errn-errp" in selection:
        conf = fit.confidence(datasets, norm, sigma=n_sigma, reoptimize=reoptimize)
        result.update(norm_errn=conf["errn"], norm_errp=conf["errp"])
    if "ul" in selection:
        result["norm_ul"] = fit.upper_limit(
            datasets, norm, n_sigma_ul=n_sigma_ul, reoptimize=reoptimize
        )
    if "scan" in selection:
        profile = fit.stat_profile(datasets, norm, reoptimize=reoptimize)
        result.update(norm_scan=profile["values"], stat_scan=profile["stat_scan"])
    norm.value = best
    return result


def _stat_at(fit, datasets, norm, value, reoptimize):
    """Total statistic with the norm fixed at ``value`` (others re-fitted when asked);
    the parameters are restored afterwards."""
    parameters = list(datasets.models.parameters)
    state = [(p.value, p.frozen) for p in parameters]
    try:
        norm.value, norm.frozen = value, True
        if reoptimize and any(not p.frozen for p in parameters):
            fit.optimize(datasets)
        return datasets.stat_sum()
    finally:
        for par, (v, frozen) in zip(parameters, state, strict=True):
            par.value, par.frozen = v, frozen
