"""Concentration: fractions of the image intensity in its central parts."""

from __future__ import annotations

import numpy as np

from . import _inputs
from .containers import ConcentrationContainer
from .hillas import hillas_row

__all__ = ["concentration_parameters"]


def concentration_parameters(geometry, image, hillas_parameters, *, cleaning_mask=None):
    """Fractions of the intensity near the centroid, inside the ellipse and in one pixel.

    * ``cog``: in the pixels whose centre is closer to the centroid than their own
      width (flat-to-flat for hexagons, side for squares, diameter for circles);
    * ``core``: in the pixels whose centre lies inside the Hillas ellipse (0 when
      the width is 0);
    * ``pixel``: in the brightest pixel.

    All are relative to the Hillas intensity. Useful for gamma/hadron separation
    and energy estimation.

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        The geometry given to `hillas_parameters` (usually ``geometry[mask]``).
    image : array-like, shape (n_pixels,)
        Pixel intensities (photo-electrons).
    hillas_parameters : CameraHillasParametersContainer or HillasParametersContainer
        `hillas_parameters` of the same geometry.
    cleaning_mask : array-like of bool, shape (n_pixels,), optional
        Pixels to use. Default is all pixels of ``geometry``.

    Returns
    -------
    `~cherenkit.image.ConcentrationContainer`
        NaN when the Hillas intensity is not > 0.

    Raises
    ------
    ValueError
        When an array does not have one entry per pixel.
    TypeError
        When the Hillas container does not belong to the frame of ``geometry``.
    """
    pixels = _inputs.pixel_arrays(geometry)
    image = _inputs.pixel_values(image, geometry, "image")
    if cleaning_mask is None:
        masks = _inputs.all_pixels(geometry.n_pixels)
    else:
        masks = _inputs.pixel_mask(cleaning_mask, geometry, "cleaning_mask")[np.newaxis]
    row = hillas_row(hillas_parameters, pixels.frame)
    rows = _inputs.kernels("_kernels").concentration_batch(
        pixels.u,
        pixels.v,
        _inputs.pixel_width(geometry, pixels.area),
        image[np.newaxis],
        masks,
        row[np.newaxis],
    )
    return concentration_container(rows[0])


def concentration_container(row):
    return ConcentrationContainer(cog=float(row[0]), core=float(row[1]), pixel=float(row[2]))
