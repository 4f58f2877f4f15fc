"""Reduction kernels: IRFs projected onto map geometries around a fixed pointing.

Plain float64 arrays inside; every function evaluates its IRF once, on the product
grid of (energy) × (pixels) where the IRF axes allow it. Conventions are gammapy's:

* exposure = A_eff(E_true centre, offset of the pixel centre) × live time;
* background = ∫ rate dE over each reco-energy bin (log-log trapezoid between the
  bin edges, i.e. a power law per bin) × solid angle of the pixel × on time (dead
  time included, as GADF background rates are per on-time); the template is first
  completed along energy (empty bins interpolated in log between filled ones) and a
  2-d template is padded by one offset bin at each end (edge values);
* PSF per pixel at the true-energy and rad bin centres, normalised per profile;
* energy-dispersion kernel per pixel: migration density at the true-energy centres,
  normalised, its cumulative sum linearly interpolated at E_reco edges / E_true.
"""

from __future__ import annotations

import numpy as np

from cherenkit.irf.core import _scale

__all__ = [
    "background_values",
    "edisp_kernel_values",
    "exposure_values",
    "fill_background_energy_gaps",
    "pixel_lonlat_icrs",
    "psf_values",
]


def pixel_lonlat_icrs(geom):
    """RA, Dec (deg) of the image pixel centres of ``geom`` (a region: its centre)."""
    coord = geom.to_image().get_coord()
    lon, lat = np.asarray(coord.lon_deg), np.asarray(coord.lat_deg)
    if coord.frame != "icrs":
        from cherenkit.maps.coord import skycoord_lonlat

        lon, lat = skycoord_lonlat(coord.skycoord, "icrs")
    return np.array(lon, dtype=np.float64), np.array(lat, dtype=np.float64)


def _image_cached(geom, name, key, compute):
    """``compute()``, kept in the image-level cache of a `WcsGeom` for one ``key`` at a
    time (the last pointing): the products of one observation share their sky image
    (counts, background, exposure) or their IRF image (PSF, edisp and their exposures).
    The cached array is read-only."""
    cache = getattr(geom, "_cache", None)
    if cache is None:
        return compute()
    entry = cache.get(name)
    if entry is not None and entry[0] == key:
        return entry[1]
    value = compute()
    value.flags.writeable = False
    cache[name] = (key, value)
    return value


def _pointing_rad(pointing):
    icrs = pointing.icrs
    return float(icrs.ra.rad), float(icrs.dec.rad)


def pixel_offsets_deg(geom, pointing):
    """Angular distance (deg) of each image pixel centre from ``pointing`` (read-only)."""
    from cherenkit.data._utils import angular_separation_rad

    ra0, dec0 = _pointing_rad(pointing)

    def compute():
        ra, dec = np.deg2rad(pixel_lonlat_icrs(geom))
        return np.rad2deg(angular_separation_rad(ra0, dec0, ra, dec))

    return _image_cached(geom, "offsets_deg", (ra0, dec0), compute)


def _in_unit(axis, values, unit):
    """Plain ``values`` given in ``unit`` converted to the unit of an IRF axis."""
    import astropy.units as u

    factor = u.Unit(unit).to(axis.unit) if str(axis.unit) != str(unit) else 1.0
    return np.asarray(values, dtype=np.float64) * factor


def exposure_values(aeff, energy_true, offsets_deg, livetime_s):
    """Exposure (m² s), shape ``(n_energy_true, *offsets.shape)``.

    Parameters
    ----------
    aeff : `~cherenkit.irf.EffectiveAreaTable2D`
    energy_true : `~cherenkit.maps.MapAxis`
    offsets_deg : `~numpy.ndarray`
    livetime_s : float
    """
    import astropy.units as u

    e = _in_unit(aeff.axis("energy_true"), energy_true.center_value, energy_true.unit)
    off = _in_unit(aeff.axis("offset"), offsets_deg, "deg")
    shape = (-1,) + (1,) * off.ndim
    values = aeff.evaluate_values([e.reshape(shape), off[np.newaxis]])
    return values * (livetime_s * aeff.unit.to(u.m**2))


def fill_background_energy_gaps(bkg):
    """The background template with empty (zero or non-finite) bins filled along energy.

    Each empty bin between two filled bins of the same spatial bin is interpolated
    linearly in bin index of the log of the rate (gammapy's
    ``interp_missing_data(axis_name="energy")``); empty bins at the ends stay.
    Returns ``bkg`` itself when nothing changes.
    """
    import attrs

    data = np.asarray(bkg.data)
    missing = ~np.isfinite(data) | (data == 0)
    if not missing.any():
        return bkg
    n = data.shape[0]
    idx = np.arange(n).reshape((-1,) + (1,) * (data.ndim - 1))
    prev = np.maximum.accumulate(np.where(missing, -1, idx), axis=0)
    nxt = np.minimum.accumulate(np.where(missing, n, idx)[::-1], axis=0)[::-1]
    fillable = missing & (prev >= 0) & (nxt < n)
    if not fillable.any():
        return bkg
    tiny = np.finfo(data.dtype if data.dtype.kind == "f" else np.float64).tiny
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.log(np.clip(np.nan_to_num(data.astype(np.float64), nan=0.0), tiny, np.inf))
    p = np.clip(prev, 0, n - 1)
    q = np.clip(nxt, 0, n - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (idx - p) / np.where(q > p, q - p, 1)
    value = np.take_along_axis(scaled, p, 0) * (1 - t) + np.take_along_axis(scaled, q, 0) * t
    value = np.exp(value)
    value = np.where(
        np.abs(value) - np.finfo(np.float64).tiny <= np.finfo(np.float64).tiny, 0.0, value
    )
    filled = np.array(data, copy=True)
    filled[fillable] = value[fillable]
    return attrs.evolve(bkg, data=filled)


def pad_offset(bkg):
    """A 2-d background template with one more offset bin at each end (edge values)."""
    import attrs

    offset = bkg.axis("offset")
    edges = offset.edges_value
    edges = np.concatenate(
        [[edges[0] - (edges[1] - edges[0])], edges, [edges[-1] + (edges[-1] - edges[-2])]]
    )
    axes = [
        ax if ax.name != "offset" else offset.copy(nodes=edges, node_type="edges")
        for ax in bkg.axes
    ]
    i = bkg.required_axes.index("offset")
    pad = [(0, 0)] * bkg.data.ndim
    pad[i] = (1, 1)
    return attrs.evolve(bkg, axes=axes, data=np.pad(bkg.data, pad, mode="edge"))


def integrate_loglog(values, edges, axis=0):
    """∫ over each bin of a function given at the bin edges, as a power law per bin.

    ``values`` at ``edges`` along ``axis``; a bin whose end values are not both
    positive integrates to 0 (gammapy's ``trapz_loglog``). Float64 arrays of two or
    more dimensions go through one numba loop (`cherenkit.makers._kernels.
    integrate_loglog_bins`, the same formula; libm's log and pow may differ from
    numpy's in the last bit, which moves bins by ≲1e-12 relative).
    """
    values = np.moveaxis(values, axis, 0)
    if values.ndim >= 2 and values.dtype == np.float64:
        from ._kernels import integrate_loglog_bins

        flat = np.ascontiguousarray(values.reshape(values.shape[0], -1))
        out = np.empty((flat.shape[0] - 1, flat.shape[1]))
        integrate_loglog_bins(flat, np.ascontiguousarray(edges, dtype=np.float64), out)
        return np.moveaxis(out.reshape(-1, *values.shape[1:]), 0, axis)
    shape = (-1,) + (1,) * (values.ndim - 1)
    x0, x1 = edges[:-1].reshape(shape), edges[1:].reshape(shape)
    y0, y1 = values[:-1], values[1:]
    tiny = np.finfo(np.float64).tiny
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        log_ratio = np.log(np.clip(y0 / y1, tiny, np.inf))
        index = -log_ratio / np.log(x0 / x1)
        index = np.where(np.isnan(index), np.inf, index)
        gamma = 1.0 - index
        integral = y0 * x0 / gamma * (np.power(x1 / x0, gamma) - 1.0)
        flat = np.abs(gamma) <= 1e-8  # np.isclose(gamma, 0.0), without its overhead
        if flat.any():
            integral = np.where(flat, y0 * x0 * np.log(x1 / x0), integral)
    return np.moveaxis(integral, 0, axis)


def evaluate_energy_pixels(irf, energy, pixel_coords):
    """``irf.evaluate_values([energy[:, None], x[None], y[None]])`` (flattened pixels) for
    a 3-d IRF (energy, x, y) whose two spatial axes are both given per pixel, bit for bit.

    The generic path of `~cherenkit.irf.IRF.evaluate_values` gathers the 8 grid corners
    of each (energy, pixel) point with eight broadcast fancy-index passes over the
    output; here one numba loop (`cherenkit.makers._kernels.trilinear_energy_pixels`)
    does the same products and sums in the same order, then the rest of
    ``evaluate_values`` follows unchanged (values scale, zero outside the axis edges,
    negative and non-finite values set to 0). The order matters: the background is
    then integrated with a power law per bin, whose formula loses up to ~1e7 of
    relative precision where the index is close to -1, so a reordered sum would move
    such bins by ~1e-9. Falls back to ``evaluate_values`` when an axis has one node.

    Parameters
    ----------
    irf : `~cherenkit.irf.IRF`
        Three axes, energy first, in the units of its axes.
    energy : `~numpy.ndarray`, shape (n_energy,)
    pixel_coords : list of two `~numpy.ndarray` of one shape (the pixels)

    Returns
    -------
    values : `~numpy.ndarray`, shape ``(n_energy, *pixels.shape)``, float64
    """
    from cherenkit.irf._interp import _axis_terms

    energy = np.asarray(energy, dtype=np.float64)
    x, y = (np.asarray(c, dtype=np.float64) for c in pixel_coords)
    shape = x.shape
    nodes, grid, edges = irf._scaled_grid()
    if len(nodes) != 3 or min(n.size for n in nodes) < 2 or x.shape != y.shape:
        return irf.evaluate_values([energy.reshape(-1, 1), x.reshape(1, -1), y.reshape(1, -1)])
    from ._kernels import trilinear_energy_pixels

    coords = [energy, x.ravel(), y.ravel()]
    scaled, invalid = [], []
    for axis, v, e in zip(irf.axes, coords, edges, strict=True):
        with np.errstate(invalid="ignore", divide="ignore"):
            scaled.append(_scale(v, axis.interp))
            invalid.append(~((v >= e[0]) & (v <= e[-1])))
    terms = [_axis_terms(n, c, "linear") for n, c in zip(nodes, scaled, strict=True)]
    idx = [np.stack([t[0][0], t[1][0]]).astype(np.intp) for t in terms]
    w = [np.stack([t[0][1], t[1][1]]) for t in terms]
    out = np.empty((energy.size, x.size))
    trilinear_energy_pixels(
        np.ascontiguousarray(grid), idx[0], w[0], idx[1], w[1], idx[2], w[2], out
    )
    # the rest of IRF.evaluate_values, unchanged
    if irf.values_scale == "log":
        np.exp(out, out=out)
    if any(inv.any() for inv in invalid):
        mask = invalid[0][:, np.newaxis] | (invalid[1] | invalid[2])[np.newaxis]
        if mask.any():
            np.copyto(out, 0.0, where=mask)
    np.maximum(out, 0.0, out=out)
    if not np.isfinite(out.sum()):
        out[~np.isfinite(out)] = 0.0
    return out.reshape(energy.size, *shape)


def background_values(
    bkg, energy, geom, pointing, ontime_s, *, alignment="RADEC", oversampling=None
):
    """Predicted background counts, shape ``(n_energy, ny, nx)`` (a region: ``(n, 1, 1)``).

    Parameters
    ----------
    bkg : `~cherenkit.irf.Background3D` or `~cherenkit.irf.Background2D`
    energy : `~cherenkit.maps.MapAxis`
        Reconstructed-energy axis.
    geom : `~cherenkit.maps.WcsGeom` or `~cherenkit.maps.RegionGeom`
    pointing : `~astropy.coordinates.SkyCoord`
    ontime_s : float
        Observation time, dead time included.
    alignment : {"RADEC", "REVERSE_LON_RADEC", "ALTAZ"}
        Orientation of the template's FoV axes (`Observation.bkg_fov_alignment`).
    oversampling : int, optional
        Integrate on ``oversampling`` times finer energy bins, then sum them.
    """
    import astropy.units as u

    from cherenkit.data._utils import sky_to_fov_rad

    factor = int(oversampling or 1)
    fine = energy.upsample(factor) if factor > 1 else energy
    bkg = fill_background_energy_gaps(bkg)
    e_axis = bkg.axis("energy")
    edges = _in_unit(e_axis, fine.edges_value, fine.unit)
    if "offset" in bkg.required_axes:
        bkg = pad_offset(bkg)
        off = _in_unit(bkg.axis("offset"), pixel_offsets_deg(geom, pointing), "deg")
        rate = bkg.evaluate_values([edges.reshape(-1, 1, 1), off[np.newaxis]])
        counts = integrate_loglog(rate, edges, axis=0)
    else:
        if alignment not in ("RADEC", "REVERSE_LON_RADEC"):
            raise NotImplementedError(
                f"a 3-d background template aligned with {alignment!r} (FoV rotating on the "
                "sky) is not supported yet; only RADEC-aligned templates are"
            )
        ra0, dec0 = _pointing_rad(pointing)

        def compute():
            ra, dec = np.deg2rad(pixel_lonlat_icrs(geom))
            return np.rad2deg(np.stack(sky_to_fov_rad(ra, dec, ra0, dec0)))

        lon, lat = _image_cached(geom, "fov_lonlat_deg", (ra0, dec0), compute)
        if alignment == "REVERSE_LON_RADEC":
            lon = -lon
        lon = _in_unit(bkg.axis("fov_lon"), lon, "deg")
        lat = _in_unit(bkg.axis("fov_lat"), lat, "deg")
        rate = evaluate_energy_pixels(bkg, edges, [lon, lat])
        counts = integrate_loglog(rate, edges, axis=0)
    if factor > 1:
        counts = counts.reshape(energy.nbin, factor, *counts.shape[1:]).sum(axis=1)
    solid_angle = geom.to_image().solid_angle().to_value("sr")
    scale = (bkg.unit * e_axis.unit * u.s * u.sr).to(u.dimensionless_unscaled)
    return counts * (np.asarray(solid_angle) * ontime_s * scale)


def psf_values(psf, energy_true, rad, offsets_deg):
    """PSF density (sr⁻¹), shape ``(n_energy_true, n_rad, *offsets.shape)``, each radial
    profile normalised to ``Σ psf 2π r Δr = 1`` (0 where the profile is empty)."""
    import astropy.units as u

    shape_e = (-1, 1) + (1,) * offsets_deg.ndim
    shape_r = (1, -1) + (1,) * offsets_deg.ndim
    values = psf.evaluate(
        rad=u.Quantity(rad.center_value.reshape(shape_r), rad.unit),
        energy_true=u.Quantity(energy_true.center_value.reshape(shape_e), energy_true.unit),
        offset=u.Quantity(offsets_deg[np.newaxis, np.newaxis], "deg"),
    )
    values = np.asarray(values.to_value("sr-1"), dtype=np.float64)
    r = rad.center_value * rad.unit.to(u.rad)
    dr = np.diff(rad.edges_value) * rad.unit.to(u.rad)
    ring = (2 * np.pi * r * dr).reshape(shape_r)
    norm = np.sum(values * ring, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = values / norm
    return np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)


def edisp_kernel_values(edisp, energy_true, energy, offsets_deg, *, threshold=1e-8):
    """Energy-dispersion kernels, shape ``(n_energy_true, n_energy, *offsets.shape)``.

    Entries below ``threshold`` are set to 0.
    """
    migra = edisp.axis("migra")
    e_true = _in_unit(edisp.axis("energy_true"), energy_true.center_value, energy_true.unit)
    extra = (1,) * offsets_deg.ndim
    off = _in_unit(edisp.axis("offset"), offsets_deg, "deg")
    pdf = edisp.evaluate_values(
        [
            e_true.reshape((-1, 1, *extra)),
            migra.center_value.reshape((1, -1, *extra)),
            off[np.newaxis, np.newaxis],
        ]
    )
    cdf = np.zeros((pdf.shape[0], pdf.shape[1] + 1, *pdf.shape[2:]))
    widths = np.diff(migra.edges_value).reshape((1, -1, *extra))
    pdf *= widths
    np.cumsum(pdf, axis=1, out=cdf[:, 1:])
    reco = _in_unit(edisp.axis("energy_true"), energy.edges_value, energy.unit)
    mu = reco[np.newaxis, :] / e_true[:, np.newaxis]
    nodes = migra.edges_value
    k = np.clip(np.searchsorted(nodes, mu, side="right") - 1, 0, nodes.size - 2)
    t = np.clip((mu - nodes[k]) / (nodes[k + 1] - nodes[k]), 0.0, 1.0)
    rows = np.arange(mu.shape[0])[:, np.newaxis]
    t = t.reshape(t.shape + extra)
    # the normalised cdf is needed at the gathered migration edges only
    total = cdf[:, -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.nan_to_num(cdf[rows, k] / total)
        hi = np.nan_to_num(cdf[rows, k + 1] / total)
    at_edges = lo * (1.0 - t) + hi * t
    kernel = np.clip(np.diff(at_edges, axis=1), 0.0, np.inf)
    kernel[kernel < threshold] = 0.0
    return kernel
