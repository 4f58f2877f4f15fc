"""Helpers shared by the datasets: stacking a (cut-out) map into another, masks on
IRF grids, dataset names and summed counts statistics."""

from __future__ import annotations

import uuid

import numpy as np

__all__ = [
    "cash_sqrt_ts",
    "make_name",
    "mask_on_geom",
    "stack_map",
    "stack_slices",
    "wstat_sqrt_ts",
]


def make_name(name=None):
    """``name``, or a fresh 8-character hexadecimal one when None."""
    return uuid.uuid4().hex[:8] if name is None else str(name)


def stack_slices(target_geom, other_geom):
    """Index tuples ``(into target, into other)`` of the bins two geometries share.

    The geometries are equal, or ``other`` is a cut-out of ``target`` (same pixel grid,
    same non-spatial axes).

    Raises
    ------
    ValueError
        The geometries differ in their axes, or are not aligned on one pixel grid.
    """
    if target_geom == other_geom:
        return (Ellipsis,), (Ellipsis,)
    if target_geom.axes != other_geom.axes:
        raise ValueError(
            f"cannot stack maps with different non-spatial axes: {target_geom.axes_names} "
            f"and {other_geom.axes_names} (or different axis edges)"
        )
    if not hasattr(target_geom, "overlap_slices") or not hasattr(other_geom, "overlap_slices"):
        raise ValueError(
            f"can only stack equal region geometries; got {target_geom!r} and {other_geom!r}"
        )
    slices = target_geom.overlap_slices(other_geom)
    if slices is None:
        return None
    big, small = slices
    return (Ellipsis, *big), (Ellipsis, *small)


def stack_map(target, other, *, weights=None, nan_to_num=True):
    """Add ``other`` (optionally times ``weights``) into ``target`` in place.

    Parameters
    ----------
    target, other : `~cherenkit.maps.Map`
        ``other`` lies on ``target``'s geometry or on a cut-out of it; its unit must
        convert to ``target``'s.
    weights : `~numpy.ndarray` or `~cherenkit.maps.Map`, optional
        Broadcastable to ``other.data`` (bool masks are 0/1 weights).
    nan_to_num : bool
        Non-finite values of ``other`` count as 0. Default is True.
    """
    slices = stack_slices(target.geom, other.geom)
    if slices is None:
        return
    into, outof = slices
    data = other.data[outof]
    if other.unit != target.unit:
        data = data * other.unit.to(target.unit)
    if nan_to_num and data.dtype.kind == "f":
        data = np.where(np.isfinite(data), data, 0.0)
    if weights is not None:
        weights = np.asarray(getattr(weights, "data", weights))
        weights = np.broadcast_to(weights, other.data.shape)[outof]
        data = data & weights if data.dtype == bool else data * weights
    if target.data.dtype == bool:
        target.data[into] |= data.astype(bool)
    else:
        target.data[into] += data


def mask_on_geom(mask, geom_image, *, fill=False):
    """A boolean mask map sampled at the pixel centres of another image geometry.

    Each centre takes the value of the ``mask`` pixel that contains it ("nearest", as
    gammapy's ``interp_to_geom``); centres outside the mask get ``fill``, or with
    ``fill=None`` the value of the nearest border pixel. Non-spatial axes are kept.

    Returns
    -------
    mask : `~numpy.ndarray` of bool, shape ``(*mask.data.shape[:-2], ny, nx)``
    """
    data = np.asarray(mask.data, dtype=bool)
    if mask.geom.to_image() == geom_image:
        return data.copy()
    if not hasattr(mask.geom, "wcs") or getattr(mask.geom, "region", None) is not None:
        return np.broadcast_to(data, (*data.shape[:-2], *geom_image.data_shape)).copy()
    coord = geom_image.get_coord()
    lon, lat = coord.lon_deg, coord.lat_deg
    if geom_image.frame != mask.geom.frame:
        from cherenkit.maps.coord import skycoord_lonlat

        lon, lat = skycoord_lonlat(coord.skycoord, mask.geom.frame)
    x, y = mask.geom.wcs.wcs_world2pix(lon, lat, 0)
    ny, nx = data.shape[-2:]
    ix = np.floor(np.nan_to_num(x, nan=-1.0) + 0.5).astype(np.int64)
    iy = np.floor(np.nan_to_num(y, nan=-1.0) + 0.5).astype(np.int64)
    inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
    values = data[..., np.clip(iy, 0, ny - 1), np.clip(ix, 0, nx - 1)]
    if fill is not None:
        values = np.where(inside, values, bool(fill))
    return values


def cash_sqrt_ts(n_on, mu_bkg):
    """Signed √TS of an excess over a known background (Cash statistic).

    ``TS = 2 (mu - n + n ln(n / mu))``, sign of ``n - mu``; [Cash1979]_.

    References
    ----------
    .. [Cash1979] Cash, W., ApJ 228, 939 (1979), doi:10.1086/156922
    """
    n_on, mu = np.asarray(n_on, dtype=np.float64), np.asarray(mu_bkg, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(n_on > 0, n_on * np.log(n_on / mu), 0.0)
        ts = np.clip(2.0 * (mu - n_on + term), 0.0, None)
    return np.sign(n_on - mu) * np.sqrt(ts)


def wstat_sqrt_ts(n_on, n_off, alpha):
    """Signed √TS of an On/Off measurement with unknown background (Li & Ma eq. 17).

    References
    ----------
    .. [LiMa1983] Li, T.-P. & Ma, Y.-Q., ApJ 272, 317 (1983), doi:10.1086/161295
    """
    n_on = np.asarray(n_on, dtype=np.float64)
    n_off = np.asarray(n_off, dtype=np.float64)
    alpha = np.asarray(alpha, dtype=np.float64)
    total = n_on + n_off
    with np.errstate(divide="ignore", invalid="ignore"):
        t_on = np.where(n_on > 0, n_on * np.log((1 + alpha) / alpha * n_on / total), 0.0)
        t_off = np.where(n_off > 0, n_off * np.log((1 + alpha) * n_off / total), 0.0)
        ts = np.clip(2.0 * (t_on + t_off), 0.0, None)
    return np.sign(n_on - alpha * n_off) * np.sqrt(ts)
