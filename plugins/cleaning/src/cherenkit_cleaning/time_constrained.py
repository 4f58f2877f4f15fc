"""Time-constrained cleaning: MAGIC's core and boundary pixels within arrival-time windows."""

from __future__ import annotations

from typing import ClassVar

import attrs
import numpy as np

from cherenkit.component import parameter
from cherenkit.image import ImageCleaner

from ._inputs import (
    BATCH,
    EITHER,
    SINGLE,
    as_count,
    as_images,
    as_threshold,
    as_times,
    kernels,
    neighbor_arrays,
)

__all__ = ["TimeConstrainedCleaner", "time_constrained_clean", "time_constrained_clean_batch"]


def _run(geometry, images, times, picture, boundary, limit_core, limit_boundary, min_neighbors):
    """Time-constrained cleaning of checked float64 arrays ``[n_events, n_pixels]``."""
    indptr, indices = neighbor_arrays(geometry)
    out = np.zeros(images.shape, dtype=bool)
    return kernels().time_constrained(
        images,
        times,
        indptr,
        indices,
        picture,
        boundary,
        limit_core,
        limit_boundary,
        min_neighbors,
        out,
    )


def _settings(
    picture_thresh,
    boundary_thresh,
    time_limit_core,
    time_limit_boundary,
    min_number_picture_neighbors,
):
    return (
        as_threshold(picture_thresh, "picture_thresh"),
        as_threshold(boundary_thresh, "boundary_thresh"),
        as_threshold(time_limit_core, "time_limit_core"),
        as_threshold(time_limit_boundary, "time_limit_boundary"),
        as_count(min_number_picture_neighbors, "min_number_picture_neighbors"),
    )


def time_constrained_clean_batch(
    geometry,
    images,
    arrival_times,
    *,
    picture_thresh=7,
    boundary_thresh=5,
    time_limit_core=4.5,
    time_limit_boundary=1.5,
    min_number_picture_neighbors=1,
):
    """Time-constrained cleaning of many images of one camera (see `time_constrained_clean`).

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        Camera of the images.
    images : array_like of float, shape (n_events, n_pixels)
        Pixel charges in photo-electrons.
    arrival_times : array_like of float, shape (n_events, n_pixels)
        Pixel arrival (peak) times in ns.
    picture_thresh, boundary_thresh, time_limit_core, time_limit_boundary, \
min_number_picture_neighbors
        As in `time_constrained_clean`.

    Returns
    -------
    mask : `numpy.ndarray` of bool, shape (n_events, n_pixels)
        Kept pixels of every image.

    Raises
    ------
    ValueError
        When ``images`` is not 2-d with one column per pixel of ``geometry``,
        ``arrival_times`` is missing or of another shape, or a setting is not a
        single number (an integer for the neighbour count).
    """
    images = as_images(geometry, images, BATCH, "images")
    times = as_times(arrival_times, images, "arrival_times", "time_constrained_clean_batch")
    settings = _settings(
        picture_thresh,
        boundary_thresh,
        time_limit_core,
        time_limit_boundary,
        min_number_picture_neighbors,
    )
    return _run(geometry, images, times, *settings)


def time_constrained_clean(
    geometry,
    image,
    arrival_times,
    *,
    picture_thresh=7,
    boundary_thresh=5,
    time_limit_core=4.5,
    time_limit_boundary=1.5,
    min_number_picture_neighbors=1,
):
    """Time-constrained cleaning of one image, as in MAGIC's analysis.

    With ``N = min_number_picture_neighbors``:

    1. *Candidate core* pixels have a charge of at least ``picture_thresh`` and at
       least ``N`` neighbours that do too.
    2. Among the connected groups (islands) of candidate core pixels, the one with
       the largest summed charge gives the reference time: the mean arrival time of
       its pixels weighted by charge squared.
    3. *Core* pixels are the candidates that arrived less than ``time_limit_core``
       from that time (``2 * time_limit_core`` for pixels of at least
       ``2 * picture_thresh``).
    4. *Boundary* pixels have a charge of at least ``boundary_thresh``, are not
       core, and have at least ``N`` core neighbours (and at least one) that
       arrived less than ``time_limit_boundary`` from them.

    The mask keeps core and boundary pixels. The keywords, their defaults and the
    masks are those of ``ctapipe.image.time_constrained_clean`` (sums run in pixel
    order, so a reference time may differ from ctapipe's in the last bit; equal
    island sums choose the island with the lowest pixel index, as ctapipe does).
    `TimeConstrainedCleaner` has the defaults of ctapipe's
    ``TimeConstrainedImageCleaner`` (10, 5, 2 neighbours, 4.5 and 1.5 ns). Use
    `time_constrained_clean_batch` for many images at once: this function wraps it.

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        Camera of the image.
    image : array_like of float, shape (n_pixels,)
        Pixel charges in photo-electrons. A NaN pixel passes no threshold.
    arrival_times : array_like of float, shape (n_pixels,)
        Pixel arrival (peak) times in ns. A NaN time is never within a limit (a NaN
        in the brightest island makes the reference time NaN: no pixel is kept).
    picture_thresh : float, optional
        Core threshold in photo-electrons. Default is 7.
    boundary_thresh : float, optional
        Boundary threshold in photo-electrons. Default is 5.
    time_limit_core : float, optional
        Largest time difference of a core pixel to the reference time, in ns
        (exclusive). Default is 4.5.
    time_limit_boundary : float, optional
        Largest time difference of a boundary pixel to its core neighbours, in ns
        (exclusive). Default is 1.5.
    min_number_picture_neighbors : int, optional
        ``N`` above: neighbours a core candidate needs at the picture threshold, and
        core neighbours in time that a boundary pixel needs. Default is 1.

    Returns
    -------
    mask : `numpy.ndarray` of bool, shape (n_pixels,)
        True for the pixels kept.

    Raises
    ------
    ValueError
        When ``image`` is not 1-d with one value per pixel of ``geometry``,
        ``arrival_times`` is missing or of another shape, or a setting is not a
        single number (an integer for the neighbour count).

    References
    ----------
    .. [1] Aliu, E. et al. (MAGIC Collaboration) 2009, "Improving the performance of
       the single-dish Cherenkov telescope MAGIC through the use of signal timing",
       Astropart. Phys. 30, 293, :doi:`10.1016/j.astropartphys.2008.10.003`
    .. [2] Aleksić, J. et al. (MAGIC Collaboration) 2016, "The major upgrade of the
       MAGIC telescopes, Part II: A performance study using observations of the
       Crab Nebula", Astropart. Phys. 72, 76, :doi:`10.1016/j.astropartphys.2015.02.005`

    Examples
    --------
    >>> import numpy as np
    >>> from cherenkit.instrument import CameraGeometry
    >>> row = CameraGeometry.make_rectangular(n_x=6, n_y=1)  # pixels 0-1-2-3-4-5
    >>> image = np.array([6.0, 10.0, 10.0, 6.0, 9.0, 9.0])  # brightest island: 1, 2
    >>> times = np.array([10.0, 10.0, 11.0, 13.0, 20.0, 20.0])  # pixels 4, 5 are late
    >>> time_constrained_clean(row, image, times, picture_thresh=8)
    array([ True,  True,  True, False, False, False])
    """
    image = as_images(geometry, image, SINGLE)
    times = as_times(arrival_times, image, "arrival_times", "time_constrained_clean")
    settings = _settings(
        picture_thresh,
        boundary_thresh,
        time_limit_core,
        time_limit_boundary,
        min_number_picture_neighbors,
    )
    return _run(geometry, image[np.newaxis], times[np.newaxis], *settings)[0]


@attrs.frozen(kw_only=True)
class TimeConstrainedCleaner(ImageCleaner):
    """Tailcuts with core and boundary pixels constrained in arrival time.

    Core pixels (at least ``picture_thresh`` with ``min_number_picture_neighbors``
    neighbours that are too) must arrive within ``time_limit_core`` ns of the mean
    time of the brightest core island; boundary pixels (at least
    ``boundary_thresh``) within ``time_limit_boundary`` ns of enough core
    neighbours. See `time_constrained_clean`; the defaults here are those of
    ctapipe's ``TimeConstrainedImageCleaner``.

    Called as ``cleaner(geometry, image, peak_time)`` with ``image`` and
    ``peak_time`` (ns) of shape (n_pixels,) or (n_events, n_pixels).

    References
    ----------
    .. [1] Aliu, E. et al. (MAGIC Collaboration) 2009, "Improving the performance of
       the single-dish Cherenkov telescope MAGIC through the use of signal timing",
       Astropart. Phys. 30, 293, :doi:`10.1016/j.astropartphys.2008.10.003`
    """

    name: ClassVar[str] = "time-constrained"
    picture_thresh: float = parameter(
        10.0, gt=0, help="Core threshold in photo-electrons (charge >= threshold)."
    )
    boundary_thresh: float = parameter(
        5.0, gt=0, help="Boundary threshold in photo-electrons, for neighbours of core pixels."
    )
    time_limit_core: float = parameter(
        4.5, gt=0, help="Largest time difference of a core pixel to the island mean, in ns."
    )
    time_limit_boundary: float = parameter(
        1.5, gt=0, help="Largest time difference of a boundary pixel to core neighbours, in ns."
    )
    min_number_picture_neighbors: int = parameter(
        2, ge=0, help="Picture neighbours of a core pixel; core neighbours of a boundary pixel."
    )

    def __call__(self, geometry, image, peak_time=None):
        """Mask of kept pixels, shape of ``image`` (see the class docstring)."""
        images = as_images(geometry, image, EITHER)
        times = as_times(peak_time, images, "peak_time", "the 'time-constrained' cleaner")
        n_pixels = images.shape[-1]
        mask = _run(
            geometry,
            images.reshape(-1, n_pixels),
            times.reshape(-1, n_pixels),
            self.picture_thresh,
            self.boundary_thresh,
            self.time_limit_core,
            self.time_limit_boundary,
            self.min_number_picture_neighbors,
        )
        return mask.reshape(images.shape)
