"""Helpers shared by the background makers: exclusion masks on other grids, top-hat
and ring kernels, and image convolution. Plain numpy/scipy; scipy is imported on use."""

from __future__ import annotations

import math
import warnings

import numpy as np

__all__ = [
    "check_exclusion_mask",
    "convolve_images",
    "exclusion_on_geom",
    "odd_kernel_size",
    "ring_kernel",
    "tophat_kernel",
    "warn_failed",
]


class BackgroundMakerWarning(UserWarning):
    """A background maker could not estimate the background of a dataset."""


def warn_failed(maker, dataset, observation, problem):
    """Warn that ``maker`` failed on ``dataset`` (naming the observation) because of ``problem``."""
    obs_id = getattr(observation, "obs_id", None)
    where = (
        f"observation {obs_id}, dataset {dataset.name!r}"
        if obs_id is not None
        else (f"dataset {dataset.name!r}")
    )
    warnings.warn(
        f"{type(maker).__name__} ({maker.name!r}) failed for {where}: {problem}. "
        "Its safe mask is set to False.",
        BackgroundMakerWarning,
        stacklevel=3,
    )


def check_exclusion_mask(instance, attribute, value):
    """attrs validator: None or a boolean sky `~cherenkit.maps.Map` (True = usable)."""
    if value is None:
        return
    geom = getattr(value, "geom", None)
    data = getattr(value, "data", None)
    if geom is None or not hasattr(geom, "wcs") or getattr(geom, "region", None) is not None:
        raise TypeError(
            f"{type(instance).__name__}.{attribute.name}: expected a boolean WcsNDMap "
            f"(True where the sky may be used for the background), got {type(value).__name__}"
        )
    if np.asarray(data).dtype != bool:
        raise TypeError(
            f"{type(instance).__name__}.{attribute.name}: the exclusion mask must hold booleans "
            f"(True = usable), got dtype {np.asarray(data).dtype}; use geom.region_mask(regions, "
            "inside=False)"
        )


def exclusion_on_geom(exclusion_mask, geom):
    """The exclusion mask sampled at the pixel centres of an image geometry.

    Each pixel centre takes the value of the mask pixel that contains it (gammapy's
    nearest-pixel lookup); centres outside the mask are usable (True). A mask with
    non-spatial axes is reduced first: a pixel is usable when it is usable in any plane.

    Returns
    -------
    usable : `~numpy.ndarray` of bool, shape ``geom.to_image().data_shape``
    """
    image = geom.to_image()
    if exclusion_mask is None:
        return np.ones(image.data_shape, dtype=bool)
    data = np.asarray(exclusion_mask.data, dtype=bool)
    data = np.logical_or.reduce(data.reshape(-1, *data.shape[-2:]), axis=0)
    mask_image = exclusion_mask.geom.to_image()
    if mask_image == image:
        return data.copy()
    ix, iy = mask_image.coord_to_idx(image.get_coord())
    inside = (ix >= 0) & (iy >= 0)
    values = np.ones(ix.shape, dtype=bool)
    values[inside] = data[iy[inside], ix[inside]]
    return values


def odd_kernel_size(radius_pix):
    """Smallest odd integer >= ``2 * radius_pix`` (astropy's default kernel size)."""
    size = math.ceil(2.0 * radius_pix)
    return size + 1 if size % 2 == 0 else size


def _kernel_rr(radius_pix):
    size = odd_kernel_size(radius_pix)
    x = np.arange(size, dtype=np.float64) - (size - 1) // 2
    return x[np.newaxis, :] ** 2 + x[:, np.newaxis] ** 2


def ring_kernel(r_in_pix, width_pix):
    """0/1 ring kernel on integer pixel offsets: ``r_in² <= x² + y² <= (r_in + width)²``.

    The same array as astropy's ``Ring2DKernel(r_in_pix, width_pix)`` normalised to
    peak 1 (its "center" discretisation and odd size ``ceil(2 (r_in + width))``).
    """
    rr = _kernel_rr(r_in_pix + width_pix)
    return ((rr >= r_in_pix**2) & (rr <= (r_in_pix + width_pix) ** 2)).astype(np.float64)


def tophat_kernel(radius_pix):
    """0/1 disk kernel ``x² + y² <= radius²`` (astropy's ``Tophat2DKernel``, peak 1)."""
    rr = _kernel_rr(radius_pix)
    return (rr <= radius_pix**2).astype(np.float64)


def convolve_images(data, kernel):
    """Convolve every image plane of ``data`` (last two axes) with a 2-d kernel.

    FFT convolution with output of the input's shape ("same" mode, zero padding), as
    gammapy's ``Map.convolve``. Round-off of the FFT is removed: values below
    ``1e-10`` × the plane's absolute sum become 0, and when the input holds integers
    (counts) and the kernel is 0/1, the result is rounded to integers.

    Parameters
    ----------
    data : `~numpy.ndarray`, shape (..., ny, nx)
    kernel : `~numpy.ndarray`, shape (ky, kx)

    Returns
    -------
    `~numpy.ndarray` of float64, shape of ``data``
    """
    from scipy.signal import fftconvolve

    data = np.asarray(data, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if not data.size:
        return np.zeros(data.shape)
    full_kernel = kernel.reshape((1,) * (data.ndim - 2) + kernel.shape)
    out = fftconvolve(data, full_kernel, mode="same", axes=(-2, -1))
    scale = np.abs(data).sum(axis=(-2, -1), keepdims=True)
    out[np.abs(out) <= 1e-10 * scale] = 0.0
    if np.all(data == np.rint(data)) and np.all((kernel == 0) | (kernel == 1)):
        out = np.rint(out)
    return out
