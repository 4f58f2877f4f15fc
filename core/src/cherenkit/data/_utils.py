"""Helpers shared by the DL3 data classes: units, header meta, spherical geometry."""

from __future__ import annotations

import numpy as np

from cherenkit.errors import DataFormatError

# header keywords that describe the table layout, not the observation
_STRUCTURAL = ("TTYPE", "TFORM", "TUNIT", "TDIM", "TNULL", "TSCAL", "TZERO", "TDISP", "NAXIS")
_STRUCTURAL_EXACT = {
    "XTENSION",
    "BITPIX",
    "PCOUNT",
    "GCOUNT",
    "TFIELDS",
    "COMMENT",
    "HISTORY",
    "",
    "SIMPLE",
    "EXTEND",
}


def header_meta(header) -> dict:
    """The non-structural keywords of a FITS header as a plain dict."""
    meta = {}
    for key in header:
        if key in _STRUCTURAL_EXACT or key.startswith(_STRUCTURAL):
            continue
        meta[key] = header[key]
    return meta


def parse_unit(text, *, where, column):
    """An astropy unit from a ``TUNIT`` string (FITS or OGIP syntax), or None if blank.

    Raises
    ------
    cherenkit.errors.DataFormatError
        The string is not a unit.
    """
    import astropy.units as u

    text = "" if text is None else str(text).strip()
    if not text:
        return None
    for fmt in ("fits", "ogip", None):
        try:
            unit = u.Unit(text, format=fmt, parse_strict="raise")
        except (ValueError, TypeError):
            continue
        if not isinstance(unit, u.UnrecognizedUnit):
            return unit
    raise DataFormatError(where, f"column {column!r} has an unreadable unit {text!r} (TUNIT)")


def require_unit(unit, physical, *, where, column, expected):
    """Raise unless ``unit`` converts to ``expected`` (e.g. ``"deg"``)."""
    import astropy.units as u

    if unit is None:
        raise DataFormatError(
            where, f"column {column!r} has no unit (TUNIT); expected {physical} in {expected}"
        )
    if not unit.is_equivalent(u.Unit(expected)):
        raise DataFormatError(
            where,
            f"column {column!r} has unit {unit.to_string()!r}; expected {physical} ({expected})",
        )


def angular_separation_rad(lon1, lat1, lon2, lat2):
    """Great-circle distance (radians) by the Vincenty formula, stable at all angles.

    The same formula as `astropy.coordinates.angular_separation`, applied to
    plain float64 radians.
    """
    dlon = lon2 - lon1
    sin_dlon, cos_dlon = np.sin(dlon), np.cos(dlon)
    sin1, cos1 = np.sin(lat1), np.cos(lat1)
    sin2, cos2 = np.sin(lat2), np.cos(lat2)
    num1 = cos2 * sin_dlon
    num2 = cos1 * sin2 - sin1 * cos2 * cos_dlon
    denominator = sin1 * sin2 + cos1 * cos2 * cos_dlon
    return np.arctan2(np.hypot(num1, num2), denominator)


def sky_to_fov_rad(lon, lat, lon0, lat0):
    """Field-of-view coordinates of sky positions around a pointing (all radians).

    The frame is the sky rotated so that the pointing ``(lon0, lat0)`` lies at
    ``(0, 0)`` with the pole of the sky frame north, and with the longitude
    **reversed** (``fov_lon > 0`` towards decreasing RA), the convention of
    gammapy's ``FoVICRSFrame`` / ``sky_to_fov``. GADF leaves the sign open.

    Returns
    -------
    fov_lon, fov_lat : `numpy.ndarray`
        ``fov_lon`` in (-pi, pi], ``fov_lat`` in [-pi/2, pi/2].
    """
    dlon = lon - lon0
    cos_lat = np.cos(lat)
    x = cos_lat * np.cos(dlon) * np.cos(lat0) + np.sin(lat) * np.sin(lat0)
    y = cos_lat * np.sin(dlon)
    z = np.sin(lat) * np.cos(lat0) - cos_lat * np.cos(dlon) * np.sin(lat0)
    return np.arctan2(-y, x), np.arctan2(z, np.hypot(x, y))


def nearest_ids(value, ids, n=5):
    """The ``n`` ids numerically closest to ``value``, sorted."""
    ids = np.unique(np.asarray(list(ids), dtype=np.int64))
    if ids.size == 0:
        return []
    order = np.argsort(np.abs(ids - int(value)), kind="stable")[:n]
    return sorted(int(i) for i in ids[order])
