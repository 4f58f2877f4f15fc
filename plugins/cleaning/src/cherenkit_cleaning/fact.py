"""FACT cleaning: charge thresholds and neighbour counts with arrival-time constraints."""

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
    as_mask,
    as_threshold,
    as_times,
    kernels,
    neighbor_arrays,
)

__all__ = [
    "FactCleaner",
    "apply_time_delta_cleaning",
    "apply_time_delta_cleaning_batch",
    "fact_image_cleaning",
    "fact_image_cleaning_batch",
]


def _run(geometry, images, times, picture, boundary, min_neighbors, time_limit):
    """FACT cleaning of checked float64 images and times ``[n_events, n_pixels]``."""
    indptr, indices = neighbor_arrays(geometry)
    out = np.zeros(images.shape, dtype=bool)
    return kernels().fact(
        images, times, indptr, indices, picture, boundary, min_neighbors, time_limit, out
    )


def _settings(picture_threshold, boundary_threshold, min_number_neighbors, time_limit):
    return (
        as_threshold(picture_threshold, "picture_threshold"),
        as_threshold(boundary_threshold, "boundary_threshold"),
        as_count(min_number_neighbors, "min_number_neighbors"),
        as_threshold(time_limit, "time_limit"),
    )


def fact_image_cleaning_batch(
    geometry,
    images,
    arrival_times,
    *,
    picture_threshold=4,
    boundary_threshold=2,
    min_number_neighbors=2,
    time_limit=5,
):
    """FACT cleaning of many images of one camera (see `fact_image_cleaning`).

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        Camera of the images.
    images : array_like of float, shape (n_events, n_pixels)
        Pixel charges in photo-electrons.
    arrival_times : array_like of float, shape (n_events, n_pixels)
        Pixel arrival (peak) times in ns.
    picture_threshold, boundary_threshold, min_number_neighbors, time_limit
        As in `fact_image_cleaning`.

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
    times = as_times(arrival_times, images, "arrival_times", "fact_image_cleaning_batch")
    settings = _settings(picture_threshold, boundary_threshold, min_number_neighbors, time_limit)
    return _run(geometry, images, times, *settings)


def fact_image_cleaning(
    geometry,
    image,
    arrival_times,
    *,
    picture_threshold=4,
    boundary_threshold=2,
    min_number_neighbors=2,
    time_limit=5,
):
    """FACT cleaning of one image: thresholds, neighbour counts and arrival times.

    With ``N = min_number_neighbors``, a pixel is kept when it passes the six
    steps of the FACT analysis (FACT-Tools' ``TwoLevelTimeNeighbor``):

    1. charge at least ``picture_threshold``;
    2. of those, the pixels with at least ``N`` neighbours from step 1;
    3. those, and their neighbours, whose charge is at least ``boundary_threshold``
       (the result when ``N <= 0``);
    4. of those, the pixels with at least ``N`` neighbours from step 3 whose
       arrival times differ from theirs by less than ``time_limit``;
    5. of those, the pixels with at least ``N`` neighbours from step 4;
    6. of those, the pixels with at least ``N`` neighbours from step 5 whose
       arrival times differ from theirs by less than ``time_limit``.

    The keywords, their defaults and the masks are those of
    ``ctapipe.image.fact_image_cleaning``; `FactCleaner` has the defaults of
    ctapipe's ``FACTImageCleaner`` (10, 5, 2 neighbours, 5 ns). Use
    `fact_image_cleaning_batch` for many images at once: this function wraps it.

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        Camera of the image.
    image : array_like of float, shape (n_pixels,)
        Pixel charges in photo-electrons. A NaN pixel passes no threshold.
    arrival_times : array_like of float, shape (n_pixels,)
        Pixel arrival (peak) times in ns. A NaN time is never within the limit.
    picture_threshold : float, optional
        Picture threshold in photo-electrons. Default is 4.
    boundary_threshold : float, optional
        Boundary threshold in photo-electrons. Default is 2.
    min_number_neighbors : int, optional
        Neighbours a pixel needs in steps 2, 4, 5 and 6. Default is 2.
    time_limit : float, optional
        Largest arrival-time difference to a neighbour, in ns (exclusive).
        Default is 5.

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
    .. [1] Temme, T. F. 2016, "On the hunt for photons: analysis of Crab Nebula data
       obtained by the first G-APD Cherenkov telescope", PhD thesis, TU Dortmund,
       :doi:`10.17877/DE290R-17773`
    .. [2] Brügge, K., Nöthe, M., Buß, J. et al. 2019, "FACT-Tools" v1.1.3,
       :doi:`10.5281/zenodo.3529353`

    Examples
    --------
    >>> import numpy as np
    >>> from cherenkit.instrument import CameraGeometry
    >>> row = CameraGeometry.make_rectangular(n_x=6, n_y=1)  # pixels 0-1-2-3-4-5
    >>> image = np.array([3.0, 5.0, 6.0, 5.0, 3.0, 0.0])
    >>> times = np.array([10.0, 11.0, 12.0, 13.0, 30.0, 0.0])  # pixel 4 is late
    >>> fact_image_cleaning(row, image, times, min_number_neighbors=1)
    array([ True,  True,  True,  True, False, False])
    """
    image = as_images(geometry, image, SINGLE)
    times = as_times(arrival_times, image, "arrival_times", "fact_image_cleaning")
    settings = _settings(picture_threshold, boundary_threshold, min_number_neighbors, time_limit)
    return _run(geometry, image[np.newaxis], times[np.newaxis], *settings)[0]


def _run_time_delta(geometry, masks, times, min_neighbors, time_limit):
    indptr, indices = neighbor_arrays(geometry)
    out = np.zeros(masks.shape, dtype=bool)
    return kernels().time_delta(masks, times, indptr, indices, min_neighbors, time_limit, out)


def apply_time_delta_cleaning_batch(
    geometry, masks, arrival_times, *, min_number_neighbors, time_limit
):
    """Time-delta cleaning of many masks of one camera (see `apply_time_delta_cleaning`).

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        Camera of the masks.
    masks : array_like of bool, shape (n_events, n_pixels)
        Pixels selected so far.
    arrival_times : array_like of float, shape (n_events, n_pixels)
        Pixel arrival (peak) times in ns.
    min_number_neighbors, time_limit
        As in `apply_time_delta_cleaning`.

    Returns
    -------
    mask : `numpy.ndarray` of bool, shape (n_events, n_pixels)
        The selected pixels that keep enough neighbours in time.

    Raises
    ------
    ValueError
        When ``masks`` is not a 2-d boolean array with one column per pixel,
        ``arrival_times`` is missing or of another shape, or a setting is not a
        single number (an integer for the neighbour count).
    """
    masks = as_mask(geometry, masks, BATCH, "masks")
    times = as_times(arrival_times, masks, "arrival_times", "apply_time_delta_cleaning_batch")
    return _run_time_delta(
        geometry,
        masks,
        times,
        as_count(min_number_neighbors, "min_number_neighbors"),
        as_threshold(time_limit, "time_limit"),
    )


def apply_time_delta_cleaning(geometry, mask, arrival_times, *, min_number_neighbors, time_limit):
    """Drop selected pixels that lack selected neighbours close in arrival time.

    A pixel of ``mask`` stays when at least ``min_number_neighbors`` of its
    neighbours are in ``mask`` too and arrived less than ``time_limit`` before or
    after it. All pixels are judged on the input mask (removals do not cascade).
    The keywords and the masks are those of ``ctapipe.image.apply_time_delta_cleaning``,
    a step of the FACT cleaning and of the LST-1 analysis (lstchain). Use
    `apply_time_delta_cleaning_batch` for many masks at once: this function wraps it.

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        Camera of the mask.
    mask : array_like of bool, shape (n_pixels,)
        Pixels selected so far, e.g. by `tailcuts_clean`.
    arrival_times : array_like of float, shape (n_pixels,)
        Pixel arrival (peak) times in ns. A NaN time is never within the limit.
    min_number_neighbors : int
        Selected neighbours within the time limit that a pixel needs.
    time_limit : float
        Largest arrival-time difference to a neighbour, in ns (exclusive).

    Returns
    -------
    mask : `numpy.ndarray` of bool, shape (n_pixels,)
        The selected pixels that keep enough neighbours in time.

    Raises
    ------
    ValueError
        When ``mask`` is not a 1-d boolean array with one value per pixel,
        ``arrival_times`` is missing or of another shape, or a setting is not a
        single number (an integer for the neighbour count).

    References
    ----------
    .. [1] Temme, T. F. 2016, "On the hunt for photons: analysis of Crab Nebula data
       obtained by the first G-APD Cherenkov telescope", PhD thesis, TU Dortmund,
       :doi:`10.17877/DE290R-17773`
    .. [2] Abe, H. et al. (CTA-LST Project) 2023, "Observations of the Crab Nebula and
       Pulsar with the Large-sized Telescope Prototype of the Cherenkov Telescope
       Array", ApJ 956, 80, :doi:`10.3847/1538-4357/ace89d`

    Examples
    --------
    >>> import numpy as np
    >>> from cherenkit.instrument import CameraGeometry
    >>> row = CameraGeometry.make_rectangular(n_x=4, n_y=1)  # pixels 0-1-2-3
    >>> mask = np.array([True, True, True, False])
    >>> times = np.array([10.0, 11.0, 20.0, 11.0])
    >>> apply_time_delta_cleaning(row, mask, times, min_number_neighbors=1, time_limit=2)
    array([ True,  True, False, False])
    """
    mask = as_mask(geometry, mask, SINGLE)
    times = as_times(arrival_times, mask, "arrival_times", "apply_time_delta_cleaning")
    return _run_time_delta(
        geometry,
        mask[np.newaxis],
        times[np.newaxis],
        as_count(min_number_neighbors, "min_number_neighbors"),
        as_threshold(time_limit, "time_limit"),
    )[0]


@attrs.frozen(kw_only=True)
class FactCleaner(ImageCleaner):
    """FACT cleaning: thresholds plus arrival-time constraints.

    Picture pixels with enough picture neighbours, grown by their neighbours above
    the boundary threshold, then pruned to pixels with at least
    ``min_number_neighbors`` selected neighbours, twice with an arrival-time window
    of ``time_limit`` ns. See `fact_image_cleaning`; the defaults here are those of
    ctapipe's ``FACTImageCleaner``.

    Called as ``cleaner(geometry, image, peak_time)`` with ``image`` and
    ``peak_time`` (ns) of shape (n_pixels,) or (n_events, n_pixels).

    References
    ----------
    .. [1] Temme, T. F. 2016, "On the hunt for photons: analysis of Crab Nebula data
       obtained by the first G-APD Cherenkov telescope", PhD thesis, TU Dortmund,
       :doi:`10.17877/DE290R-17773`
    .. [2] Brügge, K., Nöthe, M., Buß, J. et al. 2019, "FACT-Tools" v1.1.3,
       :doi:`10.5281/zenodo.3529353`
    """

    name: ClassVar[str] = "fact"
    picture_threshold: float = parameter(
        10.0, gt=0, help="Picture threshold in photo-electrons (charge >= threshold)."
    )
    boundary_threshold: float = parameter(
        5.0, gt=0, help="Boundary threshold in photo-electrons, for neighbours of picture pixels."
    )
    min_number_neighbors: int = parameter(
        2, ge=0, help="Selected neighbours a pixel needs in the neighbour and time steps."
    )
    time_limit: float = parameter(
        5.0, gt=0, help="Largest arrival-time difference to a neighbour, in ns (exclusive)."
    )

    def __call__(self, geometry, image, peak_time=None):
        """Mask of kept pixels, shape of ``image`` (see the class docstring)."""
        images = as_images(geometry, image, EITHER)
        times = as_times(peak_time, images, "peak_time", "the 'fact' cleaner")
        n_pixels = images.shape[-1]
        mask = _run(
            geometry,
            images.reshape(-1, n_pixels),
            times.reshape(-1, n_pixels),
            self.picture_threshold,
            self.boundary_threshold,
            self.min_number_neighbors,
            self.time_limit,
        )
        return mask.reshape(images.shape)
