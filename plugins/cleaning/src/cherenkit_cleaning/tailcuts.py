"""Tailcuts: the two-threshold picture/boundary cleaning of imaging Cherenkov cameras."""

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
    as_flag,
    as_images,
    as_threshold,
    kernels,
    neighbor_arrays,
)

__all__ = ["TailcutsCleaner", "tailcuts_clean", "tailcuts_clean_batch"]


def _run(geometry, images, picture, boundary, keep_isolated, min_neighbors):
    """Tailcuts of checked float64 images ``[n_events, n_pixels]``."""
    indptr, indices = neighbor_arrays(geometry)
    out = np.zeros(images.shape, dtype=bool)
    return kernels().tailcuts(
        images, indptr, indices, picture, boundary, keep_isolated, min_neighbors, out
    )


def _settings(picture_thresh, boundary_thresh, keep_isolated_pixels, min_number_picture_neighbors):
    return (
        as_threshold(picture_thresh, "picture_thresh"),
        as_threshold(boundary_thresh, "boundary_thresh"),
        as_flag(keep_isolated_pixels, "keep_isolated_pixels"),
        as_count(min_number_picture_neighbors, "min_number_picture_neighbors"),
    )


def tailcuts_clean_batch(
    geometry,
    images,
    *,
    picture_thresh=7,
    boundary_thresh=5,
    keep_isolated_pixels=False,
    min_number_picture_neighbors=0,
):
    """Picture/boundary cleaning of many images of one camera (see `tailcuts_clean`).

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        Camera of the images.
    images : array_like of float, shape (n_events, n_pixels)
        Pixel charges in photo-electrons.
    picture_thresh, boundary_thresh, keep_isolated_pixels, min_number_picture_neighbors
        As in `tailcuts_clean`.

    Returns
    -------
    mask : `numpy.ndarray` of bool, shape (n_events, n_pixels)
        Kept pixels of every image.

    Raises
    ------
    ValueError
        When ``images`` is not 2-d with one column per pixel of ``geometry``, or a
        setting is not a single number (an integer for the neighbour count).
    """
    images = as_images(geometry, images, BATCH, "images")
    settings = _settings(
        picture_thresh, boundary_thresh, keep_isolated_pixels, min_number_picture_neighbors
    )
    return _run(geometry, images, *settings)


def tailcuts_clean(
    geometry,
    image,
    *,
    picture_thresh=7,
    boundary_thresh=5,
    keep_isolated_pixels=False,
    min_number_picture_neighbors=0,
):
    """Picture/boundary ("tailcuts") cleaning of one image.

    A pixel is a *picture* pixel when its charge is at least ``picture_thresh``
    and, unless ``keep_isolated_pixels`` is set, at least
    ``min_number_picture_neighbors`` of its neighbours are at least
    ``picture_thresh`` too. The mask keeps

    * pixels of at least ``boundary_thresh`` next to a picture pixel, and
    * picture pixels next to a pixel of at least ``boundary_thresh`` (all picture
      pixels when ``keep_isolated_pixels`` is set).

    The keywords and their defaults are those of ``ctapipe.image.tailcuts_clean``,
    and the masks are the same; `TailcutsCleaner` has the defaults of ctapipe's
    image processor (10, 5, 2 neighbours). Use `tailcuts_clean_batch` for many
    images at once: this function wraps it.

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        Camera of the image; its neighbour graph decides what is next to what.
    image : array_like of float, shape (n_pixels,)
        Pixel charges in photo-electrons. A NaN pixel passes no threshold.
    picture_thresh : float, optional
        Picture threshold in photo-electrons. Default is 7.
    boundary_thresh : float, optional
        Boundary threshold in photo-electrons. Default is 5.
    keep_isolated_pixels : bool, optional
        Keep every picture pixel, with or without neighbours (the neighbour
        requirement is then not applied either). Default is False.
    min_number_picture_neighbors : int, optional
        Neighbours at or above ``picture_thresh`` that a picture pixel needs.
        Default is 0.

    Returns
    -------
    mask : `numpy.ndarray` of bool, shape (n_pixels,)
        True for the pixels kept.

    Raises
    ------
    ValueError
        When ``image`` is not 1-d with one value per pixel of ``geometry``, or a
        setting is not a single number (an integer for the neighbour count).
    References
    ----------
    .. [1] Hillas, A. M. 1985, "Cerenkov light images of EAS produced by primary gamma
       rays and by nuclei", Proc. 19th ICRC (La Jolla), vol. 3, p. 445,
       ADS 1985ICRC....3..445H
    .. [2] Punch, M. et al. 1992, "Detection of TeV photons from the active galaxy
       Markarian 421", Nature 358, 477, :doi:`10.1038/358477a0`
    .. [3] Reynolds, P. T. et al. 1993, "Survey of candidate gamma-ray sources at TeV
       energies using a high-resolution Cerenkov imaging system: 1988-1991", ApJ 404,
       206, ADS 1993ApJ...404..206R

    Examples
    --------
    >>> import numpy as np
    >>> from cherenkit.instrument import CameraGeometry
    >>> row = CameraGeometry.make_rectangular(n_x=5, n_y=1)  # pixels 0-1-2-3-4
    >>> tailcuts_clean(row, np.array([0.0, 6.0, 12.0, 3.0, 8.0]), picture_thresh=10)
    array([False,  True,  True, False, False])
    """
    image = as_images(geometry, image, SINGLE)
    settings = _settings(
        picture_thresh, boundary_thresh, keep_isolated_pixels, min_number_picture_neighbors
    )
    return _run(geometry, image[np.newaxis], *settings)[0]


@attrs.frozen(kw_only=True)
class TailcutsCleaner(ImageCleaner):
    """Two-threshold picture/boundary cleaning.

    Keeps the picture pixels (at least ``picture_thresh`` photo-electrons and, unless
    ``keep_isolated_pixels``, at least ``min_number_picture_neighbors`` neighbours
    that are too) that have a neighbour of at least ``boundary_thresh``, and the
    pixels of at least ``boundary_thresh`` next to a picture pixel. See
    `tailcuts_clean`; the defaults here are those of ctapipe's ``ImageProcessor``.

    Called as ``cleaner(geometry, image)`` with ``image`` of shape (n_pixels,) or
    (n_events, n_pixels); ``peak_time`` is accepted and not used.

    References
    ----------
    .. [1] Hillas, A. M. 1985, "Cerenkov light images of EAS produced by primary gamma
       rays and by nuclei", Proc. 19th ICRC (La Jolla), vol. 3, p. 445,
       ADS 1985ICRC....3..445H
    .. [2] Punch, M. et al. 1992, "Detection of TeV photons from the active galaxy
       Markarian 421", Nature 358, 477, :doi:`10.1038/358477a0`
    .. [3] Reynolds, P. T. et al. 1993, "Survey of candidate gamma-ray sources at TeV
       energies using a high-resolution Cerenkov imaging system: 1988-1991", ApJ 404,
       206, ADS 1993ApJ...404..206R

    Examples
    --------
    >>> import numpy as np
    >>> from cherenkit.instrument import CameraGeometry
    >>> row = CameraGeometry.make_rectangular(n_x=5, n_y=1)
    >>> images = np.array([[0.0, 6.0, 12.0, 11.0, 8.0], [0.0, 6.0, 12.0, 3.0, 8.0]])
    >>> TailcutsCleaner(min_number_picture_neighbors=1)(row, images)
    array([[False,  True,  True,  True,  True],
           [False, False, False, False, False]])
    """

    name: ClassVar[str] = "tailcuts"
    picture_thresh: float = parameter(
        10.0, gt=0, help="Picture threshold in photo-electrons (charge >= threshold)."
    )
    boundary_thresh: float = parameter(
        5.0, gt=0, help="Boundary threshold in photo-electrons, for neighbours of picture pixels."
    )
    keep_isolated_pixels: bool = parameter(
        False, help="Keep picture pixels without neighbours (no neighbour requirement then)."
    )
    min_number_picture_neighbors: int = parameter(
        2, ge=0, help="Neighbours at or above picture_thresh that a picture pixel needs."
    )

    def __call__(self, geometry, image, peak_time=None):
        """Mask of kept pixels, shape of ``image`` (see the class docstring)."""
        images = as_images(geometry, image, EITHER)
        mask = _run(
            geometry,
            images.reshape(-1, images.shape[-1]),
            self.picture_thresh,
            self.boundary_thresh,
            self.keep_isolated_pixels,
            self.min_number_picture_neighbors,
        )
        return mask.reshape(images.shape)
