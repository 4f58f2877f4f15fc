"""MARS cleaning: tailcuts plus a second ring of boundary pixels, as in MAGIC's MARS."""

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

__all__ = ["MarsCleaner", "mars_image_cleaning", "mars_image_cleaning_batch"]


def _run(geometry, images, picture, boundary, keep_isolated, min_neighbors):
    """MARS cleaning of checked float64 images ``[n_events, n_pixels]``."""
    indptr, indices = neighbor_arrays(geometry)
    out = np.zeros(images.shape, dtype=bool)
    return kernels().mars(
        images, indptr, indices, picture, boundary, keep_isolated, min_neighbors, out
    )


def _settings(picture_thresh, boundary_thresh, keep_isolated_pixels, min_number_picture_neighbors):
    return (
        as_threshold(picture_thresh, "picture_thresh"),
        as_threshold(boundary_thresh, "boundary_thresh"),
        as_flag(keep_isolated_pixels, "keep_isolated_pixels"),
        as_count(min_number_picture_neighbors, "min_number_picture_neighbors"),
    )


def mars_image_cleaning_batch(
    geometry,
    images,
    *,
    picture_thresh=7,
    boundary_thresh=5,
    keep_isolated_pixels=False,
    min_number_picture_neighbors=0,
):
    """MARS cleaning of many images of one camera (see `mars_image_cleaning`).

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        Camera of the images.
    images : array_like of float, shape (n_events, n_pixels)
        Pixel charges in photo-electrons.
    picture_thresh, boundary_thresh, keep_isolated_pixels, min_number_picture_neighbors
        As in `mars_image_cleaning`.

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


def mars_image_cleaning(
    geometry,
    image,
    *,
    picture_thresh=7,
    boundary_thresh=5,
    keep_isolated_pixels=False,
    min_number_picture_neighbors=0,
):
    """Three-level MARS cleaning of one image: core, boundary and second boundary ring.

    First `tailcuts_clean` with the same settings gives the core pixels and their
    first ring of boundary pixels. The mask then keeps

    * pixels of at least ``boundary_thresh`` next to a pixel of that first mask
      (the second ring), and
    * pixels of that first mask next to a pixel of at least ``boundary_thresh``
      (all of them when ``keep_isolated_pixels`` is set).

    This is ``ctapipe.image.mars_cleaning_1st_pass`` (same keywords, defaults and
    masks): both rings use ``boundary_thresh``. `MarsCleaner` has the defaults of
    ctapipe's ``MARSImageCleaner`` (10, 5, 2 neighbours). Use
    `mars_image_cleaning_batch` for many images at once: this function wraps it.

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        Camera of the image.
    image : array_like of float, shape (n_pixels,)
        Pixel charges in photo-electrons. A NaN pixel passes no threshold.
    picture_thresh : float, optional
        Core (picture) threshold in photo-electrons. Default is 7.
    boundary_thresh : float, optional
        Threshold of both boundary rings in photo-electrons. Default is 5.
    keep_isolated_pixels : bool, optional
        Keep core pixels without neighbours, in both steps. Default is False.
    min_number_picture_neighbors : int, optional
        Neighbours at or above ``picture_thresh`` that a core pixel needs (not
        applied when ``keep_isolated_pixels`` is set). Default is 0.

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
    .. [1] Zanin, R. et al. 2013, "MARS, the MAGIC Analysis and Reconstruction
       Software", Proc. 33rd ICRC (Rio de Janeiro), id 773
    .. [2] Aleksić, J. et al. (MAGIC Collaboration) 2016, "The major upgrade of the
       MAGIC telescopes, Part II: A performance study using observations of the
       Crab Nebula", Astropart. Phys. 72, 76, :doi:`10.1016/j.astropartphys.2015.02.005`

    Examples
    --------
    >>> import numpy as np
    >>> from cherenkit.instrument import CameraGeometry
    >>> row = CameraGeometry.make_rectangular(n_x=6, n_y=1)  # pixels 0-1-2-3-4-5
    >>> image = np.array([0.0, 12.0, 6.0, 6.0, 6.0, 1.0])
    >>> mars_image_cleaning(row, image, picture_thresh=10)  # tailcuts stops at pixel 2
    array([False,  True,  True,  True, False, False])
    """
    image = as_images(geometry, image, SINGLE)
    settings = _settings(
        picture_thresh, boundary_thresh, keep_isolated_pixels, min_number_picture_neighbors
    )
    return _run(geometry, image[np.newaxis], *settings)[0]


@attrs.frozen(kw_only=True)
class MarsCleaner(ImageCleaner):
    """Three-level picture/boundary cleaning as in MAGIC's MARS.

    Tailcuts (``picture_thresh``, ``boundary_thresh``) followed by a second ring:
    pixels of at least ``boundary_thresh`` next to a pixel the tailcuts kept. See
    `mars_image_cleaning`; the defaults here are those of ctapipe's
    ``MARSImageCleaner``.

    Called as ``cleaner(geometry, image)`` with ``image`` of shape (n_pixels,) or
    (n_events, n_pixels); ``peak_time`` is accepted and not used.

    References
    ----------
    .. [1] Zanin, R. et al. 2013, "MARS, the MAGIC Analysis and Reconstruction
       Software", Proc. 33rd ICRC (Rio de Janeiro), id 773
    .. [2] Aleksić, J. et al. (MAGIC Collaboration) 2016, "The major upgrade of the
       MAGIC telescopes, Part II: A performance study using observations of the
       Crab Nebula", Astropart. Phys. 72, 76, :doi:`10.1016/j.astropartphys.2015.02.005`
    """

    name: ClassVar[str] = "mars"
    picture_thresh: float = parameter(
        10.0, gt=0, help="Core (picture) threshold in photo-electrons (charge >= threshold)."
    )
    boundary_thresh: float = parameter(
        5.0, gt=0, help="Threshold of both boundary rings in photo-electrons."
    )
    keep_isolated_pixels: bool = parameter(
        False, help="Keep core pixels without neighbours (no neighbour requirement then)."
    )
    min_number_picture_neighbors: int = parameter(
        2, ge=0, help="Neighbours at or above picture_thresh that a core pixel needs."
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
