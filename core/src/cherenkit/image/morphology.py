"""Morphology: connected groups ("islands") of the selected pixels."""

from __future__ import annotations

import numpy as np

from . import _inputs
from .containers import MorphologyContainer

__all__ = [
    "brightest_island",
    "largest_island",
    "morphology_parameters",
    "number_of_island_sizes",
    "number_of_islands",
]


def number_of_islands(geometry, mask):
    """Find the islands of a pixel mask: groups of selected pixels connected by neighbours.

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        The full camera (its neighbour graph).
    mask : array-like of bool, shape (n_pixels,)
        Selected pixels.

    Returns
    -------
    n_islands : int
    labels : `numpy.ndarray` of int32, shape (n_pixels,)
        0 for unselected pixels, else the island number 1..n_islands; islands are
        numbered in the order of their lowest pixel index (as in ctapipe).

    Raises
    ------
    ValueError
        When ``mask`` does not have one entry per pixel.
    """
    arrays = _inputs.camera_arrays(geometry)
    mask = _inputs.pixel_mask(mask, geometry, "mask")
    labels, morphology = _inputs.kernels("_islands").islands_batch(
        arrays.indptr, arrays.indices, mask[np.newaxis]
    )
    return int(morphology[0, 1]), labels[0]


def number_of_island_sizes(island_labels):
    """Numbers of small (1-2 pixels), medium (3-50) and large (> 50) islands.

    Parameters
    ----------
    island_labels : array-like of int
        Labels from `number_of_islands` (0 = no island).

    Returns
    -------
    n_small, n_medium, n_large : int
    """
    sizes = np.bincount(np.asarray(island_labels).ravel())[1:]
    sizes = sizes[sizes > 0]
    small = int(np.count_nonzero(sizes <= 2))
    large = int(np.count_nonzero(sizes > 50))
    return small, len(sizes) - small - large, large


def morphology_parameters(geometry, image_mask):
    """Number of selected pixels and of islands, by size.

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        The full camera.
    image_mask : array-like of bool, shape (n_pixels,)

    Returns
    -------
    `~cherenkit.image.MorphologyContainer`
    """
    arrays = _inputs.camera_arrays(geometry)
    mask = _inputs.pixel_mask(image_mask, geometry, "image_mask")
    _, rows = _inputs.kernels("_islands").islands_batch(
        arrays.indptr, arrays.indices, mask[np.newaxis]
    )
    return morphology_container(rows[0])


def morphology_container(row):
    n_pixels, n_islands, small, medium, large = (int(value) for value in row)
    return MorphologyContainer(
        n_pixels=n_pixels,
        n_islands=n_islands,
        n_small_islands=small,
        n_medium_islands=medium,
        n_large_islands=large,
    )


def largest_island(island_labels):
    """Mask of the island with the most pixels (the first such on a tie); all False if none."""
    labels = np.asarray(island_labels)
    if not np.any(labels > 0):
        return np.zeros(labels.shape, dtype=bool)
    return labels == np.argmax(np.bincount(labels[labels > 0]))


def brightest_island(n_islands, island_labels, image):
    """Mask of the island with the largest summed intensity; all False if none."""
    labels = np.asarray(island_labels)
    if n_islands == 0:
        return np.zeros(labels.shape, dtype=bool)
    selected = labels > 0
    brightness = np.bincount(
        labels[selected], weights=np.asarray(image)[selected], minlength=n_islands + 1
    )
    return labels == np.argmax(brightness)
