"""`FoVBackgroundMaker`: renormalise the IRF background template of a map dataset on the
counts outside the exclusion regions."""

from __future__ import annotations

from typing import ClassVar

import attrs
import numpy as np

from cherenkit.component import parameter
from cherenkit.makers import BackgroundMaker

from ._utils import check_exclusion_mask, exclusion_on_geom, warn_failed

__all__ = ["FoVBackgroundMaker", "fov_background_scale"]


def fov_background_scale(counts, background):
    """Norm and error of a background template scaled to the counts.

    ``norm = N / B`` and ``error = sqrt(N) / B`` for the summed counts ``N`` and
    background ``B`` (the maximum-likelihood norm of a Poisson fit of one
    normalisation, and its error from the curvature).

    Parameters
    ----------
    counts, background : array_like
        The bins to use (already masked).

    Returns
    -------
    norm, error : float
    """
    n = float(np.sum(counts))
    b = float(np.sum(background))
    with np.errstate(divide="ignore", invalid="ignore"):
        return n / b, np.sqrt(n) / b


@attrs.frozen(kw_only=True)
class FoVBackgroundMaker(BackgroundMaker):
    """Field-of-view background: scale or fit the IRF background outside exclusions.

    The background template of a `~cherenkit.datasets.MapDataset` is multiplied by
    ``norm × (E / reference)^(-tilt)`` (E: the reconstructed-energy bin centre; the
    ``pl-norm`` model of gammapy's ``FoVBackgroundModel``). ``norm`` (and, with
    ``fit_tilt``, ``tilt``) are found on the bins that are safe, inside ``mask_fit``
    and not excluded:

    * ``"scale"``: ``norm = N / B`` (summed counts over summed background),
      error ``sqrt(N) / B``;
    * ``"fit"``: a likelihood fit with the fit statistic ``statistic`` (default
      ``cash``, from the fit-statistic plugins); errors from the curvature of the
      statistic at the best fit (covariance ``2 H⁻¹``). With one free norm and the
      Cash statistic the result is that of ``"scale"``.

    The returned dataset is a new one whose ``background`` (and ``mask_safe``) are new
    maps; it shares the maps it does not change (counts, exposure, PSF, energy
    dispersion) with the input, so copy it before changing those in place. The
    values are recorded in ``background.meta`` as ``fov_background_norm``,
    ``fov_background_norm_err``, ``fov_background_tilt`` and
    ``fov_background_tilt_err``. When the background cannot be normalised (no
    counts or no background outside the exclusions, a non-finite norm, or a fit
    that fails), the dataset comes back unscaled with ``mask_safe`` all False and a
    warning names the observation, as in gammapy.

    Parameters
    ----------
    method : {"scale", "fit"}
        Default is "scale".
    exclusion_mask : `~cherenkit.maps.WcsNDMap` of bool, optional
        True where the sky may be used. Not a config parameter (pass it in Python).
    fit_tilt : bool
        Fit the spectral tilt with the norm (method "fit" only). Default is False.
    reference_energy : `~astropy.units.Quantity`
        Reference energy of the tilt. Default is 1 TeV.
    min_counts, min_npred_background : float
        Fail unless more counts / more background than this lie outside the
        exclusions. Default is 0.
    statistic : str
        Fit statistic (a ``fit-statistic`` plugin name) of method "fit". Default is "cash".
    """

    name: ClassVar[str] = "fov"

    method: str = parameter(
        "scale", choices=("scale", "fit"), help="'scale' (N/B) or 'fit' (likelihood fit)."
    )
    fit_tilt: bool = parameter(False, help="Also fit a spectral tilt (method 'fit').")
    reference_energy: object = parameter(
        "1 TeV", unit="TeV", gt=0, help="Reference energy of the spectral tilt."
    )
    min_counts: float = parameter(
        0.0, ge=0, help="Fail unless more counts than this lie outside the exclusions."
    )
    min_npred_background: float = parameter(
        0.0, ge=0, help="Fail unless more background than this lies outside the exclusions."
    )
    statistic: str = parameter("cash", help="Fit statistic of method 'fit' (plugin name).")
    exclusion_mask: object = attrs.field(
        default=None, eq=False, repr=False, validator=check_exclusion_mask
    )

    def _fit_mask(self, dataset):
        geom = dataset.counts.geom
        mask = np.broadcast_to(exclusion_on_geom(self.exclusion_mask, geom), geom.data_shape)
        if dataset.mask_safe is not None:
            mask = mask & dataset.mask_safe.data.astype(bool)
        if dataset.mask_fit is not None:
            mask = mask & dataset.mask_fit.data.astype(bool)
        return mask & np.isfinite(dataset.npred_background().data)

    def _energy_ratio(self, geom):
        energy = geom.axis("energy")
        ratio = energy.center.to_value(self.reference_energy.unit) / self.reference_energy.value
        shape = [1] * len(geom.data_shape)
        shape[geom._data_axis("energy")] = energy.nbin
        return np.asarray(ratio, dtype=np.float64).reshape(shape)

    def run(self, dataset, observation=None):
        """A copy of ``dataset`` with the background renormalised (see the class docstring)."""
        from cherenkit.maps import RegionGeom

        if dataset.counts is None or isinstance(dataset.counts.geom, RegionGeom):
            raise TypeError(
                f"{type(self).__name__} needs a MapDataset on a WcsGeom with counts, got "
                f"{type(dataset).__name__}"
                + ("" if dataset.counts is None else f" on {type(dataset.counts.geom).__name__}")
            )
        if dataset.stat_type != "cash":
            raise TypeError(
                f"{type(self).__name__} scales a background template; got the On/Off dataset "
                f"{type(dataset).__name__} {dataset.name!r}"
            )
        if "energy" not in dataset.counts.geom.axes_names:
            raise ValueError(f"dataset {dataset.name!r} has no 'energy' axis")
        # a new dataset that shares the maps it does not change (no deep copy)
        mask_safe = None if dataset.mask_safe is None else dataset.mask_safe.copy()
        out = attrs.evolve(dataset, mask_safe=mask_safe)
        background = dataset.npred_background().copy()
        mask = self._fit_mask(dataset)
        counts = dataset.counts.data[mask]
        bkg = background.data[mask]
        n, b = float(counts.sum()), float(bkg.sum())
        problem = None
        norm0 = n / b if b != 0 else np.nan
        if not np.isfinite(norm0):
            problem = "non-finite normalisation (no background outside the exclusions)"
        elif b <= self.min_npred_background:
            problem = f"only {b:.6g} background counts outside the exclusions"
        elif n <= self.min_counts:
            problem = f"only {n:.0f} counts outside the exclusions"
        norm, norm_err, tilt, tilt_err = 1.0, np.nan, 0.0, np.nan
        if problem is None:
            if self.method == "scale":
                norm, norm_err = fov_background_scale(counts, bkg)
            else:
                ratio = np.broadcast_to(self._energy_ratio(background.geom), mask.shape)[mask]
                result = self._fit(counts, bkg, ratio, norm0)
                if result is None:
                    problem = "the likelihood fit of the norm did not converge"
                else:
                    norm, norm_err, tilt, tilt_err = result
        if problem is not None:
            warn_failed(self, dataset, observation, problem)
            if out.mask_safe is not None:
                out.mask_safe.data[...] = False
        else:
            background.data = background.data * (
                norm * self._energy_ratio(background.geom) ** -tilt
            )
        background.meta.update(
            fov_background_norm=float(norm),
            fov_background_norm_err=float(norm_err),
            fov_background_tilt=float(tilt),
            fov_background_tilt_err=float(tilt_err),
        )
        out.background = background
        return out

    def _fit(self, counts, bkg, ratio, norm0):
        """Best (norm, tilt) and errors; None when the fit fails."""
        from scipy.optimize import minimize

        from cherenkit import registry

        statistic = registry.get("fit-statistic", self.statistic)()
        counts = np.asarray(counts, dtype=np.float64)
        log_ratio = np.log(ratio)

        def stat(p):
            norm, tilt = p[0], (p[1] if self.fit_tilt else 0.0)
            npred = norm * bkg * np.exp(-tilt * log_ratio)
            return float(np.sum(statistic.evaluate(counts, npred)))

        start = np.array([norm0, 0.0]) if self.fit_tilt else np.array([norm0])
        result = minimize(
            stat,
            start,
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 20000},
        )
        if not result.success or not np.all(np.isfinite(result.x)) or result.x[0] <= 0:
            return None
        best = result.x
        steps = np.maximum(np.abs(best), 1.0) * 1e-4
        for _ in range(3):  # Newton steps on the finite-difference derivatives
            gradient = _gradient(stat, best, steps)
            hessian = _hessian(stat, best, steps)
            try:
                best = best - np.linalg.solve(hessian, gradient)
            except np.linalg.LinAlgError:
                return None
        hessian = _hessian(stat, best, steps)
        try:
            covariance = 2.0 * np.linalg.inv(hessian)
        except np.linalg.LinAlgError:
            return None
        errors = np.sqrt(np.clip(np.diag(covariance), 0.0, None))
        if self.fit_tilt:
            return best[0], errors[0], best[1], errors[1]
        return best[0], errors[0], 0.0, np.nan


def _gradient(func, x, steps):
    """Central finite-difference gradient of ``func`` at ``x``."""
    gradient = np.empty(x.size)
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = steps[i]
        gradient[i] = (func(x + e) - func(x - e)) / (2.0 * steps[i])
    return gradient


def _hessian(func, x, steps):
    """Central finite-difference Hessian of ``func`` at ``x``."""
    n = x.size
    hessian = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            ei = np.zeros(n)
            ej = np.zeros(n)
            ei[i] = steps[i]
            ej[j] = steps[j]
            value = (
                func(x + ei + ej) - func(x + ei - ej) - func(x - ei + ej) + func(x - ei - ej)
            ) / (4.0 * steps[i] * steps[j])
            hessian[i, j] = hessian[j, i] = value
    return hessian
