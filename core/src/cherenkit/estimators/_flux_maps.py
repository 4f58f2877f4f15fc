"""Flux maps of `ExcessMapEstimator`: the counts per pixel that a point source with the
reference spectrum would give, the reference model's SED values per energy group, and
the norm and SED maps made from them. Units are converted here, once."""

from __future__ import annotations

import numpy as np

from ._flux_table import SED_TYPES, SED_UNITS

__all__ = ["energy_overlap", "flux_maps", "reference_counts", "sed_reference"]

_SUFFIXES = ("", "_err", "_errn", "_errp", "_ul")


def energy_overlap(edges_true, edges_reco):
    """Fraction of each true-energy bin that lies in each reconstructed-energy bin.

    The response of a perfect energy estimate: the identity matrix when both axes
    have the same edges. The overlap is measured linearly in energy.

    Parameters
    ----------
    edges_true : `~numpy.ndarray`, shape (n_true + 1,)
        Increasing edges of the true-energy bins.
    edges_reco : `~numpy.ndarray`, shape (n_reco + 1,)
        Increasing edges of the reconstructed-energy bins, in the unit of ``edges_true``.

    Returns
    -------
    overlap : `~numpy.ndarray` of float64, shape (n_true, n_reco)
    """
    t_lo, t_hi = edges_true[:-1, None], edges_true[1:, None]
    r_lo, r_hi = edges_reco[None, :-1], edges_reco[None, 1:]
    inside = np.clip(np.minimum(t_hi, r_hi) - np.maximum(t_lo, r_lo), 0.0, None)
    return inside / (t_hi - t_lo)


def _edisp_at_centre(edisp):
    """The ``(n_true, n_reco)`` kernel at the centre pixel of the edisp map, or at the
    pixel nearest to it where the map has exposure when the centre has none."""
    data = np.asarray(edisp.edisp_map.data, dtype=np.float64)
    ny, nx = data.shape[-2:]
    iy, ix = (ny - 1) // 2 + (ny - 1) % 2, (nx - 1) // 2 + (nx - 1) % 2  # round half up
    exposure = edisp.exposure_map
    if exposure is not None:
        covered = np.any(np.asarray(exposure.data).reshape(-1, ny, nx) > 0, axis=0)
        if not covered[iy, ix] and covered.any():
            ys, xs = np.nonzero(covered)
            nearest = np.argmin((ys - iy) ** 2 + (xs - ix) ** 2)
            iy, ix = int(ys[nearest]), int(xs[nearest])
    return data[:, :, iy, ix]


def reference_counts(dataset, spectral_model):
    """Counts that a point source with ``spectral_model`` would give in each pixel.

    For every pixel and reconstructed-energy bin: the spectral model integrated over
    each true-energy bin, times the exposure of the pixel, redistributed over
    reconstructed energy with the energy-dispersion kernel at the centre of the edisp
    map (the nearest pixel with exposure when the centre has none). Without an edisp
    map the true-energy bins are shared among the reconstructed-energy bins they
    overlap (`energy_overlap`). The PSF is ignored: all counts stay in the pixel.

    Parameters
    ----------
    dataset : `~cherenkit.datasets.MapDataset` or `~cherenkit.datasets.MapDatasetOnOff`
        With ``exposure`` on the counts' sky pixels and a true-energy axis
        ``energy_true``.
    spectral_model : `~cherenkit.modeling.SpectralModel`
        dN/dE in cm⁻² s⁻¹ TeV⁻¹.

    Returns
    -------
    counts : `~numpy.ndarray` of float64, shape (n_reco, ny, nx), or None
        None when the dataset has no exposure or an exposure that is nowhere > 0.

    Raises
    ------
    ValueError
        The exposure or the edisp kernel does not fit the counts' geometry, or the
        exposure's unit is not an area times a time.
    """
    import astropy.units as u

    exposure = getattr(dataset, "exposure", None)
    if exposure is None:
        return None
    data = np.asarray(exposure.data, dtype=np.float64)
    if not np.any(data > 0):
        return None
    geom = dataset.counts.geom
    reco = geom.axis("energy")
    n_reco, ny, nx = geom.data_shape
    names = list(exposure.geom.axes_names)
    if names != ["energy_true"] or data.shape[1:] != (ny, nx):
        raise ValueError(
            f"ExcessMapEstimator: the exposure of dataset {dataset.name!r} must have one "
            f"axis 'energy_true' and the counts' {ny} x {nx} sky pixels, got axes {names} "
            f"and shape {data.shape}"
        )
    true = exposure.geom.axis("energy_true")
    edges_true = true.edges.to_value("TeV")
    flux = spectral_model.integral_values(edges_true[:-1], edges_true[1:])  # cm-2 s-1
    try:
        to_cm2_s = u.Unit(exposure.unit).to("cm2 s")
    except u.UnitConversionError:
        raise ValueError(
            f"ExcessMapEstimator: the exposure of dataset {dataset.name!r} must be an area "
            f"times a time (e.g. 'm2 s'), got unit {str(exposure.unit)!r}"
        ) from None
    counts_true = np.nan_to_num(data) * (to_cm2_s * flux)[:, None, None]

    if getattr(dataset, "edisp", None) is None:
        kernel = energy_overlap(edges_true, reco.edges.to_value("TeV"))
    else:
        kernel = _edisp_at_centre(dataset.edisp)
        if kernel.shape != (true.nbin, n_reco):
            raise ValueError(
                f"ExcessMapEstimator: the edisp kernel of dataset {dataset.name!r} has "
                f"{kernel.shape[0]} true x {kernel.shape[1]} reconstructed energy bins; "
                f"the exposure has {true.nbin} and the counts {n_reco}"
            )
    counts = kernel.T @ counts_true.reshape(true.nbin, ny * nx)
    return counts.reshape(n_reco, ny, nx)


def sed_reference(spectral_model, edges_tev):
    """The reference model's SED values in energy groups.

    Parameters
    ----------
    spectral_model : `~cherenkit.modeling.SpectralModel`
        dN/dE in cm⁻² s⁻¹ TeV⁻¹.
    edges_tev : `~numpy.ndarray`, shape (n + 1,)
        Edges of the groups (TeV).

    Returns
    -------
    reference : dict of str to `~numpy.ndarray`, shape (n,)
        ``dnde`` at the log centre ``e_ref = sqrt(e_min e_max)`` (cm⁻² s⁻¹ TeV⁻¹),
        ``e2dnde = e_ref² dnde`` (TeV cm⁻² s⁻¹), the integral ``flux`` over the group
        (cm⁻² s⁻¹) and the energy flux ``eflux`` (TeV cm⁻² s⁻¹).
    """
    lo, hi = edges_tev[:-1], edges_tev[1:]
    e_ref = np.sqrt(lo * hi)
    dnde = np.asarray(spectral_model.dnde_values(e_ref), dtype=np.float64)
    return {
        "dnde": dnde,
        "e2dnde": e_ref**2 * dnde,
        "flux": np.asarray(spectral_model.integral_values(lo, hi), dtype=np.float64),
        "eflux": np.asarray(spectral_model.energy_flux_values(lo, hi), dtype=np.float64),
    }


def flux_maps(maps, reference, valid, spectral_model):
    """The norm maps and their SED maps from the excess maps and the reference counts.

    Parameters
    ----------
    maps : dict of str to `~cherenkit.maps.Map`
        The counts-space maps, at least ``npred_excess``; each of ``npred_excess_err``,
        ``_errn``, ``_errp``, ``_ul`` present gives the norm and SED maps of that name.
    reference : `~numpy.ndarray`, shape (n_groups, ny, nx)
        Correlated reference counts (counts per unit norm).
    valid : `~numpy.ndarray` of bool, shape (n_groups, ny, nx)
        Pixels with data; the other pixels are NaN in every map.
    spectral_model : `~cherenkit.modeling.SpectralModel`
        The reference spectrum (dN/dE in cm⁻² s⁻¹ TeV⁻¹).

    Returns
    -------
    maps : dict of str to `~cherenkit.maps.Map`
        ``npred_excess_ref``; ``norm{suffix}`` (NaN where the reference counts are not
        > 0); ``{sed}{suffix}`` for ``sed`` in ``dnde``, ``e2dnde``, ``flux``, ``eflux``
        (see `sed_reference`), in `~cherenkit.estimators._flux_table.SED_UNITS`.
    """
    import astropy.units as u

    from cherenkit.maps import Map

    geom = maps["npred_excess"].geom
    has_reference = valid & (reference > 0)
    out = {"npred_excess_ref": np.where(valid, reference, np.nan)}
    with np.errstate(invalid="ignore", divide="ignore"):
        for suffix in _SUFFIXES:
            excess = maps.get(f"npred_excess{suffix}")
            if excess is not None:
                out[f"norm{suffix}"] = np.where(has_reference, excess.data / reference, np.nan)
    norms = [key for key in out if key.startswith("norm")]
    sed = sed_reference(spectral_model, geom.axis("energy").edges.to_value("TeV"))
    result = {key: Map.from_geom(geom, data=data) for key, data in out.items()}
    for sed_type in SED_TYPES:
        factor = sed[sed_type][:, None, None]
        unit = u.Unit(SED_UNITS[sed_type])  # parsed once, not per map
        for key in norms:
            result[sed_type + key[4:]] = Map.from_geom(geom, data=out[key] * factor, unit=unit)
    return result
