"""Top-hat correlation of image stacks: plain float64 arrays, no maps, no units."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["correlate_images", "tophat_kernel"]


def tophat_kernel(radius_pix):
    """0/1 disk kernel of radius ``radius_pix`` pixels.

    The kernel has ``n = 2 ceil(radius_pix) + 1`` (rounded up to odd) pixels per side
    and is 1 at the pixel offsets ``(dx, dy)`` with ``dx² + dy² <= radius_pix²``,
    i.e. the pixel centres inside the disk. It is not normalised: correlating with
    it sums the values inside the disk. This is the discretisation (pixel-centre
    sampling, same size) of astropy's ``Tophat2DKernel`` scaled to a peak of 1,
    which gammapy's ``ExcessMapEstimator`` uses.

    Parameters
    ----------
    radius_pix : float
        Radius in pixels, > 0.

    Returns
    -------
    kernel : `numpy.ndarray` of float64, shape (n, n)
    """
    size = math.ceil(2.0 * radius_pix)
    size += 1 - size % 2
    offsets = np.arange(size, dtype=np.float64) - size // 2
    return (offsets[:, None] ** 2 + offsets[None, :] ** 2 <= radius_pix**2).astype(np.float64)


def correlate_images(data, kernel):
    """Sum of each image plane of ``data`` over the kernel footprint around every pixel.

    FFT convolution (`scipy.signal.fftconvolve`, output of the input's shape, zero
    outside the image) of all planes at once. The round-off of the FFT is removed:
    integer-valued input (counts) convolved with a 0/1 kernel gives exact integers,
    and pixels whose footprint holds only zeros get exactly 0. For non-negative
    input the result is clipped at 0.

    Parameters
    ----------
    data : `~numpy.ndarray`, shape (..., ny, nx)
        Finite values.
    kernel : `~numpy.ndarray`, shape (ky, kx)
        Odd-sized kernel, centred on its middle pixel and symmetric under a rotation
        by 180 degrees (so that convolution and correlation agree).

    Returns
    -------
    correlated : `~numpy.ndarray` of float64, shape of ``data``
    """
    from scipy.signal import fftconvolve

    data = np.asarray(data, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if data.size == 0:
        return np.zeros(data.shape)
    full_kernel = kernel.reshape((1,) * (data.ndim - 2) + kernel.shape)
    out = fftconvolve(data, full_kernel, mode="same", axes=(-2, -1))
    binary = bool(np.all((kernel == 0.0) | (kernel == 1.0)))
    if binary and np.all(data == np.rint(data)):
        return np.rint(out) + 0.0  # + 0.0 turns -0.0 into 0.0
    support = fftconvolve(
        (data != 0.0).astype(np.float64),
        (full_kernel != 0.0).astype(np.float64),
        mode="same",
        axes=(-2, -1),
    )
    out[np.rint(support) == 0.0] = 0.0
    if np.all(data >= 0.0):
        np.clip(out, 0.0, None, out=out)
    return out
