"""Smoothing kernels and batched plane-by-plane convolution for `WcsNDMap`.

Plain float64 arrays in pixel units; no maps, no astropy units. The last two axes of
``data`` are the image (y, x); every leading index is one image plane, and all planes
are filtered in one call. The kernels follow gammapy 2.1 ``WcsNDMap.smooth`` so that
both give the same numbers:

- ``"gauss"``: the Gaussian sampled at integer offsets ``|k| <= int(truncate * sigma + 0.5)``
  and applied as two 1-d passes, as `scipy.ndimage.gaussian_filter` does;
- ``"disk"``: uniform weights on the pixels whose centre lies within ``radius`` of the
  central pixel, on an odd square grid of side ``2 * radius`` rounded up to odd (the
  `astropy.convolution.Tophat2DKernel` grid);
- ``"box"``: ``int(width)`` uniform weights along each axis, as
  `scipy.ndimage.uniform_filter`; an even size centres the window half a pixel low
  (``[i - n // 2, i + (n - 1) // 2]``).

Every kernel is normalised to a sum of 1.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = []

KERNELS = ("gauss", "disk", "box")
MODES = ("reflect", "constant", "nearest", "mirror", "wrap")
CONVOLVE_METHODS = ("fft", "direct")


def gauss_kernel_1d(sigma_pix, *, truncate=4.0):
    """Sampled, normalised 1-d Gaussian.

    Parameters
    ----------
    sigma_pix : float
        Standard deviation in pixels, > 0.
    truncate : float
        Half-width of the kernel in units of ``sigma_pix``; the kernel has
        ``2 * int(truncate * sigma_pix + 0.5) + 1`` samples. Default is 4.0.

    Returns
    -------
    kernel : `numpy.ndarray`, shape (2 r + 1,)
        ``exp(-k² / 2σ²)`` at ``k = -r .. r``, divided by its sum.
    """
    radius = int(truncate * sigma_pix + 0.5)
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (offsets / sigma_pix) ** 2)
    return kernel / kernel.sum()


def box_kernel_1d(width_pix):
    """Uniform 1-d kernel of ``max(int(width_pix), 1)`` samples, each 1 / n."""
    size = max(int(width_pix), 1)
    return np.full(size, 1.0 / size)


def disk_kernel(radius_pix):
    """Normalised 2-d top-hat: equal weights where ``x² + y² <= radius²``.

    Parameters
    ----------
    radius_pix : float
        Radius in pixels, > 0.

    Returns
    -------
    kernel : `numpy.ndarray`, shape (n, n)
        ``n = 2 * radius_pix`` rounded up to an odd integer; the central pixel is
        ``(n // 2, n // 2)``.
    """
    size = math.ceil(2 * radius_pix)
    size += 1 - size % 2
    offsets = np.arange(size, dtype=np.float64) - size // 2
    inside = offsets[:, None] ** 2 + offsets[None, :] ** 2 <= radius_pix**2
    return inside / np.count_nonzero(inside)


def smooth_planes(data, width_pix, *, kernel, mode="reflect", cval=0.0, truncate=4.0):
    """Filter every image plane (the last two axes) of ``data`` with one kernel.

    Parameters
    ----------
    data : `numpy.ndarray`, shape (..., ny, nx)
        Converted to float64; NaN spreads to every pixel whose kernel footprint holds it.
    width_pix : float
        σ (``"gauss"``), radius (``"disk"``) or full width (``"box"``) in pixels, > 0.
    kernel : {"gauss", "disk", "box"}
    mode : {"reflect", "constant", "nearest", "mirror", "wrap"}
        How the image is extended beyond its edges (see `scipy.ndimage.correlate1d`).
        Default is "reflect".
    cval : float
        Value beyond the edges with ``mode="constant"``. Default is 0.
    truncate : float
        Gaussian half-width in σ. Default is 4.0.

    Returns
    -------
    smoothed : `numpy.ndarray` of float64, shape of ``data``
    """
    from scipy import ndimage

    data = np.asarray(data, dtype=np.float64)
    if kernel == "disk":
        weights = disk_kernel(width_pix)
        weights = weights.reshape((1,) * (data.ndim - 2) + weights.shape)
        return ndimage.correlate(data, weights, mode=mode, cval=cval)
    if kernel == "gauss":
        weights = gauss_kernel_1d(width_pix, truncate=truncate)
    else:
        weights = box_kernel_1d(width_pix)
    out = ndimage.correlate1d(data, weights, axis=-2, mode=mode, cval=cval)
    return ndimage.correlate1d(out, weights, axis=-1, mode=mode, cval=cval)


def convolve_planes(data, kernel, *, method="fft"):
    """Convolve every image plane with a 2-d kernel, output of the same shape.

    Parameters
    ----------
    data : `numpy.ndarray`, shape (..., ny, nx)
    kernel : `numpy.ndarray`, shape (ky, kx) or (..., ky, kx)
        One kernel for all planes, or one per plane (leading shape equal to that of
        ``data``). Not normalised here. The output pixel ``i`` is centred on kernel
        index ``k // 2`` (`scipy.signal.convolve` with ``mode="same"``).
    method : {"fft", "direct"}
        Default is "fft". Outside the image the data are zero.

    Returns
    -------
    convolved : `numpy.ndarray` of float64, shape of ``data``
    """
    from scipy import signal

    data = np.asarray(data, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim == 2:
        kernel = kernel.reshape((1,) * (data.ndim - 2) + kernel.shape)
    if method == "fft":
        return signal.fftconvolve(data, kernel, mode="same", axes=(-2, -1))
    out = np.empty_like(data)
    per_plane = kernel.shape[:-2] == data.shape[:-2]
    for idx in np.ndindex(data.shape[:-2]):
        plane_kernel = kernel[idx] if per_plane else kernel.reshape(kernel.shape[-2:])
        out[idx] = signal.convolve(data[idx], plane_kernel, mode="same", method="direct")
    return out


def width_to_pixels(width, pixel_scale_deg):
    """A smoothing width in pixels: from an angle (Quantity or string such as "0.1 deg"),
    a Quantity in ``pix`` or a plain number of pixels.

    ``pixel_scale_deg`` is the mean pixel size in degrees (gammapy converts with the mean
    of the two pixel scales too).

    Raises
    ------
    cherenkit.errors.ParameterError
        If ``width`` is not a finite positive angle or number of pixels.
    """
    import astropy.units as u

    from ..errors import ParameterError

    expected = 'a positive angle (e.g. "0.1 deg" or 0.1 * u.deg) or a number of pixels'
    try:
        quantity = u.Quantity(width)
    except (TypeError, ValueError) as err:
        raise ParameterError(
            "WcsNDMap.smooth", "width", f"expected {expected}, got {width!r}"
        ) from err
    if quantity.unit.physical_type == "angle":
        pixels = quantity.to_value(u.deg) / pixel_scale_deg
    elif quantity.unit in (u.dimensionless_unscaled, u.pix):
        pixels = quantity.value
    else:
        raise ParameterError(
            "WcsNDMap.smooth", "width", f"expected {expected}, got {width!r} in {quantity.unit}"
        )
    if np.ndim(pixels) != 0 or not np.isfinite(pixels) or pixels <= 0:
        raise ParameterError("WcsNDMap.smooth", "width", f"expected {expected}, got {width!r}")
    return float(pixels)
