"""Checks of what users pass to the cleaning functions and classes.

Each check turns one argument into what the kernels take (C-contiguous float64
arrays, plain numbers) or raises one error that names the argument, what was
expected and what was received.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "as_count",
    "as_flag",
    "as_images",
    "as_mask",
    "as_threshold",
    "as_times",
    "kernels",
    "neighbor_arrays",
]

SINGLE = (1,)
BATCH = (2,)
EITHER = (1, 2)


def _n_pixels(geometry) -> int:
    try:
        return int(geometry.n_pixels)
    except AttributeError:
        raise TypeError(
            f"geometry must be a cherenkit.instrument.CameraGeometry, "
            f"got {geometry.__class__.__name__}"
        ) from None


_KERNELS = None


def kernels():
    """The numba kernels module, imported on first use (numba loads with it)."""
    global _KERNELS
    if _KERNELS is None:
        from . import _kernels

        _KERNELS = _kernels
    return _KERNELS


def neighbor_arrays(geometry) -> tuple[np.ndarray, np.ndarray]:
    """``indptr``, ``indices`` of the geometry's CSR neighbour matrix (shared, read-only)."""
    csr = geometry.neighbor_matrix_sparse
    return csr.indptr, csr.indices


def _expected(n_pixels: int, ndims) -> str:
    shapes = {1: f"({n_pixels},)", 2: f"(n_events, {n_pixels})"}
    return " or ".join(shapes[d] for d in ndims)


def _array(value, name: str, dtype) -> np.ndarray:
    if value is None:
        raise ValueError(f"{name} is required, got None")
    try:
        return np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be an array of numbers: {err}") from err


def as_images(geometry, image, ndims=EITHER, name: str = "image") -> np.ndarray:
    """``image`` as a C-contiguous float64 array after checking its shape.

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
    image : array_like
        Charges, shape (n_pixels,) or (n_events, n_pixels) as ``ndims`` allows.
    ndims : tuple of int
        Allowed numbers of dimensions.
    name : str
        Name of the argument in messages.

    Raises
    ------
    TypeError
        When ``geometry`` is not a camera geometry.
    ValueError
        When the array is not numeric or its shape does not fit the geometry.
    """
    n_pixels = _n_pixels(geometry)
    array = _array(image, name, np.float64)
    if array.ndim not in ndims or array.shape[-1] != n_pixels:
        raise ValueError(
            f"{name} has shape {array.shape}, but the geometry {str(geometry)!r} has "
            f"{n_pixels} pixels: expected {_expected(n_pixels, ndims)}"
        )
    return np.ascontiguousarray(array)


def as_times(times, images: np.ndarray, name: str, who: str) -> np.ndarray:
    """Arrival times (ns) as a float64 array of the shape of the checked ``images``."""
    if times is None:
        raise ValueError(
            f"{who} needs {name}: the pixel arrival times in ns, an array of the image's "
            f"shape {images.shape}, got None"
        )
    array = _array(times, name, np.float64)
    if array.shape != images.shape:
        raise ValueError(
            f"{name} has shape {array.shape}, but the image has shape {images.shape}: "
            "give one arrival time per pixel and event"
        )
    return np.ascontiguousarray(array)


def as_mask(geometry, mask, ndims, name: str = "mask") -> np.ndarray:
    """A boolean pixel mask after checking its dtype and shape."""
    n_pixels = _n_pixels(geometry)
    if mask is None:
        raise ValueError(f"{name} is required, got None")
    array = np.asarray(mask)
    if array.dtype != np.bool_:
        raise ValueError(f"{name} must be a boolean array, got dtype {array.dtype}")
    if array.ndim not in ndims or array.shape[-1] != n_pixels:
        raise ValueError(
            f"{name} has shape {array.shape}, but the geometry {str(geometry)!r} has "
            f"{n_pixels} pixels: expected {_expected(n_pixels, ndims)}"
        )
    return np.ascontiguousarray(array)


def as_threshold(value, name: str) -> float:
    """A threshold or time limit: one real number that is not NaN."""
    if type(value) is float or type(value) is int:  # the common case, without ABC checks
        value = float(value)
        if value == value:
            return value
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_):
        value = float(value)
        if not math.isnan(value):
            return value
        raise ValueError(f"{name} must be a number, got nan")
    shape = getattr(value, "shape", None)
    if shape:
        raise ValueError(
            f"{name} must be a single number (per-pixel values are not supported), "
            f"got an array of shape {shape}"
        )
    raise ValueError(f"{name} must be a number, got {value!r} ({value.__class__.__name__})")


def as_count(value, name: str) -> int:
    """A number of neighbours: an integer."""
    if type(value) is int:
        return value
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    raise ValueError(f"{name} must be an integer, got {value!r} ({value.__class__.__name__})")


def as_flag(value, name: str) -> bool:
    """A switch: a bool (numpy bools too)."""
    if value is True or value is False:
        return value
    if isinstance(value, bool | np.bool_):
        return bool(value)
    raise ValueError(f"{name} must be True or False, got {value!r} ({value.__class__.__name__})")
