"""Checks of per-pixel inputs to the displays (numpy and astropy only)."""

from __future__ import annotations

import astropy.units as u
import numpy as np

__all__ = ["pixel_mask", "pixel_values"]


def pixel_values(values, geometry, what: str) -> np.ndarray:
    """One number per pixel as a new read-only float64 array (masked entries → NaN).

    Raises
    ------
    ValueError
        When ``values`` is not 1-d with one entry per pixel of ``geometry``.
    TypeError
        When it does not hold numbers.
    """
    if isinstance(values, u.Quantity):
        values = values.value
    if isinstance(values, np.ma.MaskedArray):
        values = np.ma.filled(values.astype(np.float64), np.nan)
    array = np.asarray(values)
    n_pixels, name = geometry.n_pixels, geometry.name
    if array.ndim != 1:
        raise ValueError(
            f"{what} must be 1-d with one value per pixel ({n_pixels} for camera "
            f"{name!r}), got shape {array.shape}"
        )
    if len(array) != n_pixels:
        raise ValueError(
            f"{what} has {len(array)} values but camera {name!r} has {n_pixels} pixels; "
            "pass one value per pixel"
        )
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{what} must hold numbers, got an array of dtype {array.dtype}")
    array = array.astype(np.float64)  # always a copy
    array.flags.writeable = False
    return array


def pixel_mask(pixels, geometry) -> np.ndarray:
    """A new read-only boolean mask from a mask or from pixel indices.

    Raises
    ------
    ValueError
        When a mask does not have one entry per pixel, the input is neither a
        mask nor integers, or an index is out of range.
    """
    n_pixels, name = geometry.n_pixels, geometry.name
    array = np.asarray(pixels)
    if array.dtype == bool:
        if array.shape != (n_pixels,):
            raise ValueError(
                f"pixel mask has shape {array.shape} but camera {name!r} has {n_pixels} "
                "pixels; pass one entry per pixel"
            )
        mask = array.copy()
    elif array.size == 0:
        mask = np.zeros(n_pixels, dtype=bool)
    elif array.dtype.kind not in "iu" or array.ndim != 1:
        raise ValueError(
            "pixels must be a boolean mask or a 1-d array of pixel indices, got an array "
            f"of dtype {array.dtype} and shape {array.shape}"
        )
    else:
        bad = array[(array < -n_pixels) | (array >= n_pixels)]
        if bad.size:
            raise ValueError(
                f"pixel index {int(bad[0])} is out of range for camera {name!r} "
                f"with {n_pixels} pixels"
            )
        mask = np.zeros(n_pixels, dtype=bool)
        mask[array] = True
    mask.flags.writeable = False
    return mask
