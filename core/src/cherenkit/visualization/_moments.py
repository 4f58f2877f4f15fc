"""Where a Hillas ellipse lies on a camera display (numpy and astropy only)."""

from __future__ import annotations

from typing import NamedTuple

import astropy.units as u
import numpy as np

__all__ = ["EllipseGeometry", "ellipse_on_display"]


class EllipseGeometry(NamedTuple):
    """A Hillas ellipse in the coordinates of a display (the unit of its axes).

    ``length`` and ``width`` are the standard deviations along and across the
    major axis; ``angle_deg`` is the direction of the major axis, counter-clockwise
    from the horizontal display axis, in (-90, 90].
    """

    x: float
    y: float
    length: float
    width: float
    angle_deg: float


def _wrap_axis_angle(angle_deg: float) -> float:
    """An axis direction (defined modulo 180 deg) in (-90, 90]."""
    angle = angle_deg % 180.0
    return angle - 180.0 if angle > 90.0 else angle


def ellipse_on_display(hillas, geometry) -> EllipseGeometry:
    """The ellipse of ``hillas`` in the coordinates a `CameraDisplay` of ``geometry`` uses.

    A display draws ``geometry.derotate()`` with ``pix_x`` along the horizontal axis
    and ``pix_y`` along the vertical one. In the camera frame the centroid is
    ``(x, y)`` and ``psi`` is measured from x towards y. In the telescope frame
    ``pix_x`` is ``fov_lat`` and ``pix_y`` is ``fov_lon``, so the centroid is
    ``(fov_lat, fov_lon)`` and, as ``psi`` is measured from ``fov_lon`` towards
    ``fov_lat``, the axis makes ``90 deg - psi`` with the horizontal. A camera
    rotation turns the ellipse with the pixels.

    Parameters
    ----------
    hillas : CameraHillasParametersContainer or HillasParametersContainer
        Computed with ``geometry`` (or a subset of its pixels).
    geometry : `~cherenkit.instrument.CameraGeometry`

    Returns
    -------
    EllipseGeometry

    Raises
    ------
    TypeError
        When the container does not belong to the frame of ``geometry``.
    ValueError
        When the centroid, length, width or psi is not finite (e.g. no pixel
        survived cleaning, or a single pixel did).
    """
    from cherenkit.image.containers import (
        CameraHillasParametersContainer,
        HillasParametersContainer,
    )

    unit = geometry.unit
    if geometry.frame == "camera":
        if not isinstance(hillas, CameraHillasParametersContainer):
            raise TypeError(
                f"geometry {geometry.name!r} is in the camera frame, so the Hillas parameters "
                "must be a CameraHillasParametersContainer (x, y in m), got "
                f"{type(hillas).__name__}; compute them with the same geometry"
            )
        x, y = hillas.x.to_value(unit), hillas.y.to_value(unit)
        angle = hillas.psi.to_value(u.deg)
    else:
        if not isinstance(hillas, HillasParametersContainer):
            raise TypeError(
                f"geometry {geometry.name!r} is in the telescope frame, so the Hillas "
                "parameters must be a HillasParametersContainer (fov_lon, fov_lat in deg), "
                f"got {type(hillas).__name__}; compute them with the same geometry"
            )
        x, y = hillas.fov_lat.to_value(unit), hillas.fov_lon.to_value(unit)
        angle = 90.0 - hillas.psi.to_value(u.deg)
    length, width = hillas.length.to_value(unit), hillas.width.to_value(unit)
    values = {"centroid": (x, y), "length": length, "width": width, "psi": angle}
    bad = [name for name, value in values.items() if not np.all(np.isfinite(value))]
    if bad:
        raise ValueError(
            f"cannot draw the Hillas ellipse: {', '.join(bad)} not finite (is_valid="
            f"{hillas.is_valid}, intensity={hillas.intensity:g}); the image needs at least "
            "two pixels with signal after cleaning"
        )
    rotation = geometry.cam_rotation.to_value(u.rad)
    if rotation != 0:  # the display shows geometry.derotate(): turn by -cam_rotation
        cos, sin = np.cos(rotation), np.sin(rotation)
        x, y = x * cos + y * sin, -x * sin + y * cos
        angle -= np.rad2deg(rotation)
    return EllipseGeometry(
        float(x), float(y), float(length), float(width), _wrap_axis_angle(float(angle))
    )
