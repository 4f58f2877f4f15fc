"""Pixel outlines of a camera geometry as polygon vertices (numpy only, no matplotlib)."""

from __future__ import annotations

import astropy.units as u
import numpy as np

__all__ = [
    "CIRCLE_VERTICES",
    "drawing_rotation",
    "layout_rotation",
    "pixel_polygons",
    "shape_rotation",
    "unit_polygon",
]

CIRCLE_VERTICES = 36
"""Vertices of the polygon drawn for a round pixel (they lie on the circle)."""

# shape -> (number of vertices, direction of the first vertex at pix_rotation 0 in
# deg, circumradius / pixel_width). Hexagons are pointy-topped at rotation 0 (flat
# sides facing ±x, where their neighbours are) and pixel_width is flat to flat;
# squares are axis-aligned and pixel_width is their side.
_SHAPES = {
    "hexagon": (6, 90.0, 1.0 / np.sqrt(3.0)),
    "square": (4, 45.0, 1.0 / np.sqrt(2.0)),
    "circle": (CIRCLE_VERTICES, 90.0, 0.5),
}
# Rotations that leave a shape unchanged, and therefore the period of the direction
# from a pixel to its neighbours when the shapes tile: a side faces each neighbour.
_SYMMETRY_DEG = {"hexagon": 60.0, "square": 90.0}
_MIN_ALIGNMENT = 0.9  # resultant length of the neighbour directions (1: all agree)
_TOLERANCE_DEG = 1.0


def unit_polygon(pix_type: str, rotation_rad: float = 0.0) -> np.ndarray:
    """Vertices of a pixel of width 1 centred on the origin, shape (n_vertices, 2).

    Parameters
    ----------
    pix_type : {"hexagon", "square", "circle"}
    rotation_rad : float
        Counter-clockwise rotation of the shape, rad. Default is 0.

    Returns
    -------
    vertices : `numpy.ndarray`, shape (n_vertices, 2)
        Counter-clockwise. Width means flat-to-flat for hexagons, the side for
        squares and the diameter for circles, as `CameraGeometry.pixel_width`.
    """
    try:
        n_vertices, first_deg, radius = _SHAPES[pix_type]
    except KeyError:
        raise ValueError(
            f"unknown pixel shape {pix_type!r}; expected one of {', '.join(map(repr, _SHAPES))}"
        ) from None
    angles = np.deg2rad(first_deg) + rotation_rad + 2.0 * np.pi * np.arange(n_vertices) / n_vertices
    return radius * np.column_stack([np.cos(angles), np.sin(angles)])


def layout_rotation(geometry) -> float | None:
    """The pixel rotation at which each side faces a neighbour, as the layout shows it.

    The directions from pixels to their neighbours repeat every 60 deg on a
    hexagonal grid (90 deg on a square one); their mean, modulo that period, is the
    rotation whose shapes tile the grid (pointy-topped hexagons at 0 have sides
    facing 0, 60, 120 ... deg).

    Returns
    -------
    rotation : float or None
        In rad, in [-period / 2, period / 2). None for round pixels, without
        neighbours, or when the directions do not agree (not a regular grid).
    """
    period_deg = _SYMMETRY_DEG.get(geometry.pix_type)
    pairs = geometry.neighbor_pairs
    if period_deg is None or len(pairs) == 0:
        return None
    unit = geometry.unit
    x, y = geometry.pix_x.to_value(unit), geometry.pix_y.to_value(unit)
    direction = np.arctan2(y[pairs[:, 1]] - y[pairs[:, 0]], x[pairs[:, 1]] - x[pairs[:, 0]])
    turns = 360.0 / period_deg  # map the period onto a full circle
    resultant = np.mean(np.exp(1j * turns * direction))
    if np.abs(resultant) < _MIN_ALIGNMENT:
        return None
    return float(np.angle(resultant) / turns)


def shape_rotation(geometry) -> float:
    """Rotation (rad) of the pixel shapes on a display, from ``pix_rotation``.

    A display draws ``pix_x`` horizontally and ``pix_y`` vertically. In the camera
    frame ``pix_rotation`` turns the shapes counter-clockwise from x. In the
    telescope frame it is measured from ``fov_lon`` (``pix_y``) towards ``fov_lat``
    (``pix_x``), like ``psi`` (`CameraGeometry.transform_to_telescope_frame` turns
    ``r`` into ``90 deg - r``), so a shape direction ``d`` is drawn at ``90 deg - d``.
    """
    rotation = geometry.pix_rotation.to_value(u.rad)
    if geometry.frame == "camera" or geometry.pix_type not in _SHAPES:
        return rotation
    # vertex directions {90 - (first + r + k step)} = {first + r' + k step}, k any integer
    first = np.deg2rad(_SHAPES[geometry.pix_type][1])
    return np.pi / 2 - 2 * first - rotation


def drawing_rotation(geometry) -> float:
    """Rotation (rad) to draw the pixels with: `shape_rotation`, unless the layout disagrees.

    Hexagons or squares turned by ``pix_rotation`` must have a side towards each
    neighbour to tile the camera. Where they would not (by more than 1 deg, modulo
    the shape's symmetry), the rotation the layout shows is used instead: e.g.
    FlashCam read from sim_telarray files has ``pix_rotation`` 0 (pointy-topped
    hexagons) while its pixels stand in columns, which only flat-topped hexagons
    fill.
    """
    rotation = shape_rotation(geometry)
    layout = layout_rotation(geometry)
    if layout is None:
        return rotation
    period = np.deg2rad(_SYMMETRY_DEG[geometry.pix_type])
    offset = (rotation - layout + period / 2) % period - period / 2
    return rotation if abs(offset) <= np.deg2rad(_TOLERANCE_DEG) else layout


def pixel_polygons(geometry) -> np.ndarray:
    """Outline of every pixel, in the unit of the geometry's positions.

    The size of each pixel comes from its area (`CameraGeometry.pixel_width`), so
    a hexagon or square drawn from these vertices has exactly ``pix_area``; the
    shape is turned by ``pix_rotation`` (see `drawing_rotation` for the exception).
    ``cam_rotation`` is not applied here (draw ``geometry.derotate()`` for that).

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`

    Returns
    -------
    vertices : `numpy.ndarray` of float64, shape (n_pixels, n_vertices, 2)
        ``n_vertices`` is 6 for hexagons, 4 for squares and `CIRCLE_VERTICES` for
        circles.
    """
    unit = geometry.unit
    centres = np.column_stack([geometry.pix_x.to_value(unit), geometry.pix_y.to_value(unit)])
    width = geometry.pixel_width.to_value(unit)
    shape = unit_polygon(geometry.pix_type, drawing_rotation(geometry))
    return centres[:, np.newaxis, :] + width[:, np.newaxis, np.newaxis] * shape[np.newaxis]
