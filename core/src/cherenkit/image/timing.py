"""Timing parameters: how the pulse peak time changes along the shower axis."""

from __future__ import annotations

import numpy as np

from . import _inputs
from ._layout import H_PSI, H_X, H_Y
from .containers import CameraTimingParametersContainer, TimingParametersContainer
from .hillas import hillas_row

__all__ = ["timing_parameters"]


def timing_parameters(geometry, image, peak_time, hillas_parameters, cleaning_mask=None):
    """Slope, intercept and deviation of the peak times along the shower axis.

    The peak times of the pixels are fitted with a straight line in the
    longitudinal coordinate (distance from the centroid along the major axis) by
    least trimmed squares: the line minimising the sum of the 85 % smallest
    squared residuals, so that stray pixels do not pull it. The deviation is the
    root-mean-square residual of all pixels. The search for that line is
    deterministic (see `cherenkit.image._lts`); ctapipe 0.28 draws its starting
    points from a process-wide random generator, so where the data admit several
    nearly equal lines the two may pick different ones.

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        The geometry given to `hillas_parameters` (camera or telescope frame).
    image : array-like, shape (n_pixels,)
        Pixel intensities (photo-electrons); they do not enter the fit.
    peak_time : array-like, shape (n_pixels,)
        Pulse peak times (ns). Pixels with a non-finite time are left out.
    hillas_parameters : CameraHillasParametersContainer or HillasParametersContainer
        Gives the centroid and the axis (`hillas_parameters` of the same geometry).
    cleaning_mask : array-like of bool, shape (n_pixels,), optional
        Pixels to use. Default is all pixels of ``geometry``.

    Returns
    -------
    CameraTimingParametersContainer or TimingParametersContainer
        ``slope`` in ``1 / m`` or ``1 / deg`` (peak-time units per length, as in
        ctapipe), ``intercept`` and ``deviation`` in peak-time units. NaN with
        ``is_valid`` False when the Hillas axis is undefined or fewer than 3
        pixels have a time.

    Raises
    ------
    ValueError
        When an array does not have one entry per pixel.
    TypeError
        When the Hillas container does not belong to the frame of ``geometry``.

    References
    ----------
    Rousseeuw, P. J. & Van Driessen, K. (2006), Computing LTS Regression for Large
    Data Sets, Data Min. Knowl. Discov. 12, 29, https://doi.org/10.1007/s10618-005-0024-4
    """
    pixels = _inputs.pixel_arrays(geometry)
    image = _inputs.pixel_values(image, geometry, "image")
    peak_time = _inputs.pixel_values(peak_time, geometry, "peak_time")
    if cleaning_mask is None:
        masks = _inputs.all_pixels(geometry.n_pixels)
    else:
        masks = _inputs.pixel_mask(cleaning_mask, geometry, "cleaning_mask")[np.newaxis]
    row = hillas_row(hillas_parameters, pixels.frame)
    rows, valid = _inputs.kernels("_lts").timing_batch(
        pixels.u,
        pixels.v,
        image[np.newaxis],
        peak_time[np.newaxis],
        masks,
        row[H_X : H_X + 1],
        row[H_Y : H_Y + 1],
        row[H_PSI : H_PSI + 1],
    )
    return timing_container(rows[0], bool(valid[0]), pixels.frame)


def timing_container(row, is_valid, frame):
    """The timing container of one kernel row (slope per m or per rad) in ``frame``."""
    slope, intercept, deviation = float(row[0]), float(row[1]), float(row[2])
    if frame.name == "camera":
        return CameraTimingParametersContainer(
            slope=slope,
            intercept=intercept,
            deviation=deviation,
            is_valid=is_valid,
        )
    return TimingParametersContainer(
        slope=slope / frame.scale,
        intercept=intercept,
        deviation=deviation,
        is_valid=is_valid,
    )
