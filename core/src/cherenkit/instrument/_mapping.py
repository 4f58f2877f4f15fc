"""Camera plane ↔ field of view on plain arrays (no astropy.coordinates: light to import)."""

import numpy as np

__all__ = ["camera_to_fov", "fov_to_camera"]


def camera_to_fov(x_m, y_m, focal_length_m, rotation_rad=0.0):
    """Camera-plane positions to field-of-view offsets (equidistant mapping).

    Parameters
    ----------
    x_m, y_m : float or `numpy.ndarray`
        Positions in the focal plane, m.
    focal_length_m : float or `numpy.ndarray`
        Focal length, m.
    rotation_rad : float
        Camera rotation, rad: positions are first turned counter-clockwise by it.
        Default is 0.

    Returns
    -------
    fov_lon_rad, fov_lat_rad : float or `numpy.ndarray`
        ``y' / f`` and ``x' / f``.
    """
    if rotation_rad != 0:
        cos, sin = np.cos(rotation_rad), np.sin(rotation_rad)
        x_m, y_m = x_m * cos - y_m * sin, x_m * sin + y_m * cos
    return y_m / focal_length_m, x_m / focal_length_m


def fov_to_camera(fov_lon_rad, fov_lat_rad, focal_length_m, rotation_rad=0.0):
    """Inverse of `camera_to_fov`: returns ``x_m, y_m``."""
    x_m = fov_lat_rad * focal_length_m
    y_m = fov_lon_rad * focal_length_m
    if rotation_rad != 0:
        cos, sin = np.cos(rotation_rad), np.sin(rotation_rad)
        x_m, y_m = x_m * cos + y_m * sin, -x_m * sin + y_m * cos
    return x_m, y_m
