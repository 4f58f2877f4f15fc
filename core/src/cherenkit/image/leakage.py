"""Leakage: how much of an image lies at the edge of the camera."""

from __future__ import annotations

import numpy as np

from . import _inputs
from .containers import LeakageContainer

__all__ = ["leakage_parameters"]


def leakage_parameters(geometry, image, cleaning_mask):
    """Fractions of the selected pixels and of their intensity in the camera border.

    The border of width 1 is the outermost ring of pixels (those with fewer
    neighbours than the best-connected pixel, `CameraGeometry.get_border_pixel_mask`),
    the border of width 2 adds the ring inside it. Images that leak out of the
    camera have truncated Hillas parameters; these fractions let analyses cut them.

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        The full camera.
    image : array-like, shape (n_pixels,)
        Pixel intensities (photo-electrons).
    cleaning_mask : array-like of bool, shape (n_pixels,)
        Selected pixels.

    Returns
    -------
    `~cherenkit.image.LeakageContainer`
        NaN when no pixel is selected (0 / 0, as ctapipe).

    Raises
    ------
    ValueError
        When ``image`` or ``cleaning_mask`` does not have one entry per pixel.
    """
    arrays = _inputs.camera_arrays(geometry)
    image = _inputs.pixel_values(image, geometry, "image")
    mask = _inputs.pixel_mask(cleaning_mask, geometry, "cleaning_mask")
    rows = _inputs.kernels("_kernels").leakage_batch(
        arrays.border1, arrays.border2, image[np.newaxis], mask[np.newaxis]
    )
    return leakage_container(rows[0])


def leakage_container(row):
    return LeakageContainer(
        pixels_width_1=float(row[0]),
        pixels_width_2=float(row[1]),
        intensity_width_1=float(row[2]),
        intensity_width_2=float(row[3]),
    )
