"""Directions and the telescope frame as plain float64 vectors (ground frame).

The ground frame is cherenkit's (and sim_telarray's): x north, y west, z up, metres.
A direction ``(alt, az)`` (azimuth east of north) is the unit vector
``(cos alt cos az, -cos alt sin az, sin alt)``. Offsets from a pointing are those of
`cherenkit.instrument.TelescopeFrame` (astropy's sky-offset construction on AltAz):
``fov_lon`` grows with azimuth, ``fov_lat`` with altitude.
"""

from __future__ import annotations

import numpy as np

__all__ = ["altaz_to_ground", "pointing_basis", "to_fov"]


def altaz_to_ground(alt_rad, az_rad):
    """Unit vectors of directions, shape ``alt_rad.shape + (3,)``."""
    alt, az = np.asarray(alt_rad, np.float64), np.asarray(az_rad, np.float64)
    cos_alt = np.cos(alt)
    return np.stack([cos_alt * np.cos(az), -cos_alt * np.sin(az), np.sin(alt)], axis=-1)


def pointing_basis(alt_rad: float, az_rad: float):
    """The pointing direction and the unit vectors of growing ``fov_lon`` and ``fov_lat``.

    Returns
    -------
    pointing, e_lon, e_lat : `numpy.ndarray`, shape (3,)
        An orthonormal basis; ``e_lon`` points to larger azimuth (east of north),
        ``e_lat`` to larger altitude.
    """
    sin_alt, cos_alt = np.sin(alt_rad), np.cos(alt_rad)
    sin_az, cos_az = np.sin(az_rad), np.cos(az_rad)
    pointing = np.array([cos_alt * cos_az, -cos_alt * sin_az, sin_alt])
    e_lon = np.array([-sin_az, -cos_az, 0.0])
    e_lat = np.array([-sin_alt * cos_az, sin_alt * sin_az, cos_alt])
    return pointing, e_lon, e_lat


def to_fov(vectors, basis):
    """Telescope-frame offsets of direction vectors (need not be normalised).

    Parameters
    ----------
    vectors : `numpy.ndarray`, shape (..., 3)
    basis : tuple of three `numpy.ndarray` of shape (3,)
        From `pointing_basis`.

    Returns
    -------
    fov_lon_rad, fov_lat_rad : `numpy.ndarray`, shape (...)
    """
    pointing, e_lon, e_lat = basis
    along = vectors @ pointing
    lon = vectors @ e_lon
    lat = vectors @ e_lat
    return np.arctan2(lon, along), np.arctan2(lat, np.hypot(along, lon))
