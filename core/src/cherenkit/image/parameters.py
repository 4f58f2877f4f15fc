"""All image parameters at once: for one image, and for a batch of images.

These are what image processing calls: one numba pass per batch computes Hillas,
timing, leakage, concentration, morphology and the intensity and peak-time
statistics of every image from its cleaning mask (the kernel is
`cherenkit.image._batch.image_parameters_kernel`).
"""

from __future__ import annotations

import astropy.units as u
import numpy as np

from . import _inputs
from ._layout import (
    CONCENTRATION_OFFSET,
    GROUPS,
    HILLAS,
    HILLAS_OFFSET,
    INTENSITY_STATS_OFFSET,
    LEAKAGE_OFFSET,
    MORPHOLOGY,
    N_CONCENTRATION,
    N_HILLAS,
    N_LEAKAGE,
    N_STATISTICS,
    N_TIMING,
    PEAK_TIME_STATS_OFFSET,
    TIMING_OFFSET,
    VALID_HILLAS,
    VALID_TIMING,
)
from .concentration import concentration_container
from .containers import (
    CameraHillasParametersContainer,
    CameraTimingParametersContainer,
    HillasParametersContainer,
    ImageParametersContainer,
    IntensityStatisticsContainer,
    PeakTimeStatisticsContainer,
    TimingParametersContainer,
)
from .hillas import hillas_container
from .leakage import leakage_container
from .morphology import morphology_container
from .statistics import statistics_container
from .timing import timing_container

__all__ = ["image_parameters", "image_parameters_batch"]

_LENGTHS = {
    "r",
    "length",
    "length_uncertainty",
    "width",
    "width_uncertainty",
    "transverse_cog_uncertainty",
}
_ANGLES = {"phi", "psi", "psi_uncertainty"}


def _run(geometry, image, mask, peak_time, labels):
    arrays = _inputs.camera_arrays(geometry)
    pixels = arrays.pixels
    if peak_time is None:
        times = np.empty((0, geometry.n_pixels))
    else:
        times = _inputs.batch_values(peak_time, geometry, "peak_time")
        if times.shape != image.shape:
            raise ValueError(
                f"peak_time has shape {np.shape(peak_time)}, expected {image.shape} like the images"
            )
    values, morphology, flags = _inputs.kernels("_batch").image_parameters_kernel(
        pixels.u,
        pixels.v,
        pixels.area,
        arrays.pixel_width,
        arrays.border1,
        arrays.border2,
        arrays.indptr,
        arrays.indices,
        image,
        times,
        mask,
        labels,
    )
    return pixels.frame, values, morphology, flags


def image_parameters(geometry, image, mask, peak_time=None):
    """Every parameter of one image, as ctapipe's ``ImageProcessor`` computes them.

    Hillas, timing and concentration use the selected pixels, leakage and
    morphology the full camera with the mask; the statistics are those of the
    selected intensities and peak times. One kernel call, no sliced geometry.

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        The full camera, in the camera frame (results in m) or the telescope
        frame (results in deg).
    image : array-like, shape (n_pixels,)
        Pixel intensities (photo-electrons).
    mask : array-like of bool, shape (n_pixels,)
        Selected pixels (the cleaning mask).
    peak_time : array-like, shape (n_pixels,), optional
        Pulse peak times (ns). Without them timing and peak-time statistics are NaN.

    Returns
    -------
    `~cherenkit.image.ImageParametersContainer`
        Whatever cannot be computed is NaN (see the single functions); check
        ``hillas.is_valid``. Unlike ctapipe's ``ImageProcessor``, no quality cut
        is applied here.

    Raises
    ------
    ValueError
        When an array does not have one entry per pixel.
    """
    image = _inputs.pixel_values(image, geometry, "image")[np.newaxis]
    mask = _inputs.pixel_mask(mask, geometry, "mask")[np.newaxis]
    if peak_time is not None:
        peak_time = _inputs.pixel_values(peak_time, geometry, "peak_time")[np.newaxis]
    no_labels = np.empty((0, geometry.n_pixels), dtype=np.int32)
    frame, values, morphology, flags = _run(geometry, image, mask, peak_time, no_labels)
    row = values[0]
    hillas = hillas_container(
        row[HILLAS_OFFSET : HILLAS_OFFSET + N_HILLAS], bool(flags[0, VALID_HILLAS]), frame
    )
    if peak_time is None:
        timing = (
            CameraTimingParametersContainer()
            if frame.name == "camera"
            else TimingParametersContainer()
        )
    else:
        timing = timing_container(
            row[TIMING_OFFSET : TIMING_OFFSET + N_TIMING], bool(flags[0, VALID_TIMING]), frame
        )
    return ImageParametersContainer(
        hillas=hillas,
        timing=timing,
        leakage=leakage_container(row[LEAKAGE_OFFSET : LEAKAGE_OFFSET + N_LEAKAGE]),
        concentration=concentration_container(
            row[CONCENTRATION_OFFSET : CONCENTRATION_OFFSET + N_CONCENTRATION]
        ),
        morphology=morphology_container(morphology[0]),
        intensity_statistics=statistics_container(
            row[INTENSITY_STATS_OFFSET : INTENSITY_STATS_OFFSET + N_STATISTICS],
            IntensityStatisticsContainer,
        ),
        peak_time_statistics=statistics_container(
            row[PEAK_TIME_STATS_OFFSET : PEAK_TIME_STATS_OFFSET + N_STATISTICS],
            PeakTimeStatisticsContainer,
        ),
    )


def image_parameters_batch(geometry, image, mask, peak_time=None, *, island_labels=False):
    """Every parameter of a batch of images of one camera, as columns.

    The batch form of `image_parameters`: one numba pass over ``n_events``
    images, no Python per image.

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        The full camera, camera frame (m) or telescope frame (deg).
    image : array-like, shape (n_events, n_pixels)
        Pixel intensities (photo-electrons); one image of shape (n_pixels,) is a
        batch of one.
    mask : array-like of bool, shape (n_events, n_pixels)
        Selected pixels of each image.
    peak_time : array-like, shape (n_events, n_pixels), optional
        Pulse peak times (ns). Without them timing and peak-time columns are NaN.
    island_labels : bool
        Also return the island label of every pixel. Default is False.

    Returns
    -------
    dict of str to `~astropy.units.Quantity` or `numpy.ndarray`, each of shape (n_events,)
        Keys are ctapipe's column names: ``<prefix>_<field>`` with the prefixes
        of the containers (``hillas`` / ``camera_frame_hillas``, ``timing`` /
        ``camera_frame_timing``, ``leakage``, ``concentration``, ``morphology``,
        ``intensity``, ``peak_time``), plus ``<hillas prefix>_is_valid`` and
        ``<timing prefix>_is_valid``; with ``island_labels``, also
        ``island_labels`` (int32, shape (n_events, n_pixels)).

    Raises
    ------
    ValueError
        When the arrays do not have the shape (n_events, n_pixels) of the geometry
        or differ in shape.

    Examples
    --------
    >>> import numpy as np
    >>> from cherenkit.instrument import CameraGeometry
    >>> geometry = CameraGeometry.make_rectangular(n_x=10, n_y=10)
    >>> image = np.zeros((2, 100))
    >>> image[0, 44:47] = [10.0, 20.0, 10.0]
    >>> columns = image_parameters_batch(geometry, image, image > 0)
    >>> columns["camera_frame_hillas_intensity"]
    array([40., nan])
    >>> columns["morphology_n_islands"]
    array([1, 0])
    """
    image = _inputs.batch_values(image, geometry, "image")
    mask = _inputs.batch_mask(mask, geometry, image.shape, "mask")
    n_labels = image.shape[0] if island_labels else 0
    labels = np.zeros((n_labels, geometry.n_pixels), dtype=np.int32)
    frame, values, morphology, flags = _run(geometry, image, mask, peak_time, labels)

    hillas_prefix = (
        CameraHillasParametersContainer if frame.name == "camera" else HillasParametersContainer
    ).default_prefix
    timing_prefix = (
        CameraTimingParametersContainer if frame.name == "camera" else TimingParametersContainer
    ).default_prefix
    position_names = ("x", "y") if frame.name == "camera" else ("fov_lon", "fov_lat")
    slope_unit = _inputs.PER_M if frame.name == "camera" else _inputs.PER_DEG
    columns = {}
    for group, offset, names in GROUPS:
        for j, name in enumerate(names):
            column = np.ascontiguousarray(values[:, offset + j])
            if group == "hillas":
                if name in ("x", "y"):
                    name = position_names[HILLAS.index(name) - 1]
                if name in _LENGTHS or name in position_names:
                    column = u.Quantity(column * frame.scale, frame.length_unit, copy=False)
                elif name in _ANGLES:
                    column = u.Quantity(np.rad2deg(column), u.deg, copy=False)
                prefix = hillas_prefix
            elif group == "timing":
                if name == "slope":
                    column = u.Quantity(column / frame.scale, slope_unit, copy=False)
                prefix = timing_prefix
            else:
                prefix = group
            columns[f"{prefix}_{name}"] = column
    for j, name in enumerate(MORPHOLOGY):
        columns[f"morphology_{name}"] = np.ascontiguousarray(morphology[:, j])
    columns[f"{hillas_prefix}_is_valid"] = np.ascontiguousarray(flags[:, VALID_HILLAS])
    columns[f"{timing_prefix}_is_valid"] = np.ascontiguousarray(flags[:, VALID_TIMING])
    if island_labels:
        columns["island_labels"] = labels
    return columns
