"""Input checks and unit handling shared by the image-parameter wrappers.

Everything a kernel needs from a `CameraGeometry` is converted here, once, to plain
float64 arrays in kernel units (m in the camera frame; rad in the telescope frame,
with ``u`` = fov_lon = ``pix_y`` and ``v`` = fov_lat = ``pix_x``). numba is imported
only when a kernel is first used (`kernels`).
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

import astropy.units as u
import numpy as np

DEG_PER_RAD = 180.0 / np.pi
_M2 = u.m**2
PER_M = u.m**-1
PER_DEG = u.deg**-1
_HEXAGON_WIDTH = 2.0 / np.sqrt(3.0)  # flat-to-flat width**2 = this * area


class Frame(NamedTuple):
    """How kernel values map to output Quantities in one frame."""

    name: str  # "camera" or "telescope"
    length_unit: u.UnitBase  # of positions and sizes in the output
    scale: float  # output length = kernel length * scale


CAMERA = Frame("camera", u.m, 1.0)
TELESCOPE = Frame("telescope", u.deg, DEG_PER_RAD)


class PixelArrays(NamedTuple):
    """Per-pixel arrays of one geometry in kernel units."""

    frame: Frame
    u: np.ndarray
    v: np.ndarray
    area: np.ndarray


class CameraArrays(NamedTuple):
    """Everything the all-parameters kernel needs from a full camera geometry."""

    pixels: PixelArrays
    pixel_width: np.ndarray
    border1: np.ndarray
    border2: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray


_KERNEL_MODULES: dict = {}


def kernels(name: str):
    """The kernel module ``cherenkit.image.<name>`` (imports numba on first use)."""
    try:
        return _KERNEL_MODULES[name]
    except KeyError:
        module = _KERNEL_MODULES[name] = importlib.import_module(f"cherenkit.image.{name}")
        return module


# conversion factors by (from unit, to unit): comparing units costs more than the
# conversion of a sliced geometry's arrays, and a camera's unit objects repeat
_FACTORS: dict = {}


def _float_array(quantity, unit):
    """``quantity.to_value(unit)`` as contiguous float64 (the same scaling, cached)."""
    key = (quantity.unit, unit)
    factor = _FACTORS.get(key)
    if factor is None:
        factor = _FACTORS[key] = quantity.unit.to(unit)
    values = quantity.view(np.ndarray)
    if factor != 1.0:
        values = values * factor
    return np.ascontiguousarray(values, dtype=np.float64)


def frame_of(geometry) -> Frame:
    return CAMERA if geometry.frame == "camera" else TELESCOPE


def pixel_arrays(geometry) -> PixelArrays:
    """Positions along the frame axes and areas, in kernel units.

    Kept in the geometry's cache: ``hillas_parameters(g, ...)`` and
    ``timing_parameters(g, ...)`` on the same sliced geometry convert once.
    """
    return geometry._cached("kernel_pixel_arrays", lambda: _pixel_arrays(geometry))


def _pixel_arrays(geometry) -> PixelArrays:
    if geometry.frame == "camera":
        return PixelArrays(
            CAMERA,
            _float_array(geometry.pix_x, u.m),
            _float_array(geometry.pix_y, u.m),
            _float_array(geometry.pix_area, _M2),
        )
    return PixelArrays(
        TELESCOPE,
        _float_array(geometry.pix_y, u.rad),
        _float_array(geometry.pix_x, u.rad),
        _float_array(geometry.pix_area, u.sr),
    )


def pixel_width(geometry, area) -> np.ndarray:
    """Pixel widths from the areas (kernel units), as `CameraGeometry.pixel_width`:
    flat-to-flat for hexagons, side for squares, diameter for circles."""
    if geometry.pix_type == "hexagon":
        return np.sqrt(_HEXAGON_WIDTH * area)
    if geometry.pix_type == "square":
        return np.sqrt(area)
    return 2.0 * np.sqrt(area / np.pi)


def camera_arrays(geometry) -> CameraArrays:
    """`CameraArrays` of a geometry, computed once per geometry object (kept in its cache)."""
    return geometry._cached("kernel_camera_arrays", lambda: _camera_arrays(geometry))


def _camera_arrays(geometry) -> CameraArrays:
    pixels = pixel_arrays(geometry)
    csr = geometry.neighbor_matrix_sparse
    return CameraArrays(
        pixels,
        pixel_width(geometry, pixels.area),
        np.ascontiguousarray(geometry.get_border_pixel_mask(1), dtype=np.bool_),
        np.ascontiguousarray(geometry.get_border_pixel_mask(2), dtype=np.bool_),
        np.ascontiguousarray(csr.indptr, dtype=np.int64),
        np.ascontiguousarray(csr.indices, dtype=np.int64),
    )


def _shape_error(name, shape, expected, geometry, what):
    return ValueError(
        f"{name} has shape {shape}, but geometry {geometry.name!r} has {geometry.n_pixels} "
        f"pixels: expected {what} of shape {expected}"
    )


def pixel_values(values, geometry, name: str) -> np.ndarray:
    """One value per pixel as a float64 array; masked entries count as 0 (as ctapipe)."""
    if (
        type(values) is np.ndarray
        and values.dtype == np.float64
        and values.shape == (geometry.n_pixels,)
        and values.flags.c_contiguous
    ):
        return values  # what a sliced float64 image is: nothing to check or convert
    if isinstance(values, np.ma.MaskedArray):
        values = np.ma.filled(values, 0)
    if isinstance(values, u.Quantity):
        values = values.value
    array = np.asarray(values)
    expected = (geometry.n_pixels,)
    if array.shape != expected:
        raise _shape_error(name, array.shape, expected, geometry, "one value per pixel")
    if array.dtype.kind not in "fiu":
        raise TypeError(f"{name} must hold numbers, got an array of dtype {array.dtype}")
    return np.ascontiguousarray(array, dtype=np.float64)


def pixel_mask(mask, geometry, name: str) -> np.ndarray:
    """A boolean mask with one entry per pixel."""
    array = np.asarray(mask)
    expected = (geometry.n_pixels,)
    if array.shape != expected:
        raise _shape_error(name, array.shape, expected, geometry, "a boolean mask")
    if array.dtype != np.bool_:
        raise TypeError(f"{name} must be a boolean mask, got an array of dtype {array.dtype}")
    return np.ascontiguousarray(array)


def batch_values(values, geometry, name: str) -> np.ndarray:
    """Values ``[n_events, n_pixels]`` (a single image is promoted) as float64.

    float32 stays float32 (DL1 images are float32): the batch kernel reads each
    value into float64 scratch, so the results are the same, and converting a
    batch would cost more than all the parameters without timing.
    """
    if isinstance(values, np.ma.MaskedArray):
        values = np.ma.filled(values, 0)
    if isinstance(values, u.Quantity):
        values = values.value
    array = np.asarray(values)
    if array.ndim == 1:
        array = array[np.newaxis]
    if array.ndim != 2 or array.shape[1] != geometry.n_pixels:
        raise _shape_error(name, np.shape(values), "(n_events, n_pixels)", geometry, "images")
    dtype = np.float32 if array.dtype == np.float32 else np.float64
    return np.ascontiguousarray(array, dtype=dtype)


def batch_mask(mask, geometry, shape, name: str) -> np.ndarray:
    array = np.asarray(mask)
    if array.ndim == 1:
        array = array[np.newaxis]
    if array.shape != shape:
        raise ValueError(f"{name} has shape {np.shape(mask)}, expected {shape} like the images")
    if array.dtype != np.bool_:
        raise TypeError(f"{name} must be a boolean mask, got an array of dtype {array.dtype}")
    return np.ascontiguousarray(array)


def all_pixels(n_pixels: int) -> np.ndarray:
    """A batch of one mask selecting all ``n_pixels`` (read-only, shared)."""
    try:
        return _ALL_PIXELS[n_pixels]
    except KeyError:
        mask = np.ones((1, n_pixels), dtype=np.bool_)
        mask.flags.writeable = False
        if len(_ALL_PIXELS) > 4096:  # image sizes vary per cleaning; bound the memory
            _ALL_PIXELS.clear()
        _ALL_PIXELS[n_pixels] = mask
        return mask


_ALL_PIXELS: dict[int, np.ndarray] = {}


def quantity(value, unit: u.UnitBase) -> u.Quantity:
    """A scalar Quantity of a float, without the checks of ``Quantity()`` (3x faster).

    ``unit`` must be a `~astropy.units.UnitBase` (it is set as is).
    """
    out = np.array(value, dtype=np.float64).view(u.Quantity)
    out._unit = unit
    return out
