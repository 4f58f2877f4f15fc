"""Rotations between horizontal coordinates and field-of-view offset frames, on plain arrays.

Everything here works on float64 numpy arrays in radians, one row per telescope
event; no units, no astropy. The offset frames are cherenkit's `TelescopeFrame`
and `NominalFrame` (`cherenkit.instrument.frames`): the sky rotated so that a
centre ``(alt0, az0)`` lies at the origin, ``fov_lon`` growing with azimuth and
``fov_lat`` with altitude. A horizontal unit vector ``h`` (x north, y east, z up:
``(cos alt cos az, cos alt sin az, sin alt)``) has the offset-frame unit vector
``M h`` with::

    M(alt0, az0) = R_y(-alt0) R_z(az0) =
        [[ cos alt0 cos az0,  cos alt0 sin az0,  sin alt0],
         [-sin az0,           cos az0,           0       ],
         [-sin alt0 cos az0, -sin alt0 sin az0,  cos alt0]]

(astropy's passive ``rotation_matrix`` convention), and ``fov_lon, fov_lat`` are
the longitude and latitude of ``M h``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "horizontal_to_ground",
    "offset_matrices",
    "offset_to_horizontal",
    "offset_to_offset",
    "spherical",
    "unit_vectors",
]


def unit_vectors(lon_rad, lat_rad):
    """Cartesian unit vectors, shape (n, 3), of longitudes and latitudes (rad)."""
    cos_lat = np.cos(lat_rad)
    return np.stack(
        [cos_lat * np.cos(lon_rad), cos_lat * np.sin(lon_rad), np.sin(lat_rad)], axis=-1
    )


def spherical(vectors):
    """Longitude and latitude (rad) of vectors of shape (n, 3); lon in (-pi, pi]."""
    x, y, z = vectors[..., 0], vectors[..., 1], vectors[..., 2]
    return np.arctan2(y, x), np.arctan2(z, np.hypot(x, y))


def offset_matrices(alt_rad, az_rad):
    """``M(alt, az)`` of the module docstring for every centre, shape (n, 3, 3)."""
    ca, sa = np.cos(alt_rad), np.sin(alt_rad)
    cz, sz = np.cos(az_rad), np.sin(az_rad)
    zero = np.zeros_like(ca)
    return np.stack(
        [
            np.stack([ca * cz, ca * sz, sa], axis=-1),
            np.stack([-sz, cz, zero], axis=-1),
            np.stack([-sa * cz, -sa * sz, ca], axis=-1),
        ],
        axis=-2,
    )


def offset_to_offset(lon_rad, lat_rad, from_alt_rad, from_az_rad, to_alt_rad, to_az_rad):
    """Offsets around the centres ``from`` → offsets around the centres ``to`` (all rad)."""
    horizontal = np.einsum(
        "nji,nj->ni", offset_matrices(from_alt_rad, from_az_rad), unit_vectors(lon_rad, lat_rad)
    )
    return spherical(np.einsum("nij,nj->ni", offset_matrices(to_alt_rad, to_az_rad), horizontal))


def offset_to_horizontal(lon_rad, lat_rad, centre_alt_rad, centre_az_rad):
    """Offsets around the centres → horizontal unit vectors (x north, y east, z up), (n, 3)."""
    return np.einsum(
        "nji,nj->ni",
        offset_matrices(centre_alt_rad, centre_az_rad),
        unit_vectors(lon_rad, lat_rad),
    )


def horizontal_to_ground(vectors):
    """Horizontal vectors (x north, y east) → the ground frame (x north, y west, z up)."""
    return vectors * np.array([1.0, -1.0, 1.0])
