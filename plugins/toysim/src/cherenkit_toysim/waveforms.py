"""Noise and R1 waveforms of toy images.

Noise model, per pixel and event, over a readout window of ``n`` samples of width
``dt``:

* night-sky background: ``Poisson(r n dt) - r n dt`` photo-electrons for a rate ``r``
  (the pedestal removes the mean, as AC coupling does);
* electronic noise: Gaussian, ``sigma_el`` photo-electrons per sample.

In the image (the charge of the whole window) these add
``Poisson(r n dt) - r n dt + sqrt(n) sigma_el N(0, 1)``. In the waveform the noise
is white with ``sigma² = r dt + sigma_el²`` per sample: the same variance as the
background shot noise and the electronics in any window of samples (Campbell's
theorem), without the pulse-shape correlations of real background photons. The
white samples are shifted so that the waveform adds up exactly to the image charge
plus the image noise: the integral of a waveform is its image.

White noise for every sample is the expensive part of a simulation. It comes from a
noise library (`NoiseLibrary`, a white pool of standard normal numbers made once
per run): each pixel mixes two randomly placed segments of the pool with a random
angle, ``cos(a) z1 + sin(a) z2``, standard normal, uncorrelated from sample to
sample, and unrelated between pixels unless both segments happen to overlap. The
same library gives the Gaussian electronic noise of the images.

Signal photo-electrons become ``n_pe`` times the camera's reference pulse, peaking
at the pixel's arrival time and sampled at the readout rate; the sampled pulse is
scaled to add up to ``n_pe`` (R1 in photo-electrons per sample), so the samples of
a pixel add up to its signal plus its image noise.
"""

from __future__ import annotations

import numpy as np

from ._random import STREAMS, derive_keys

__all__ = ["NoiseLibrary", "image_noise", "poisson_tables", "r1_waveforms"]

POOL_BITS = 17
"""The noise library holds ``2**POOL_BITS`` normal numbers (plus padding)."""
N_ANGLES = 64
"""Number of mixing angles of the noise library."""


class NoiseLibrary:
    """A white, standard normal noise library (float32) for waveform noise.

    The pool has an exactly flat power spectrum: its discrete Fourier amplitudes are
    all equal and only the phases are random. Each entry is then a sum of many
    random-phase cosines, standard normal to high accuracy, and the empirical
    autocorrelation of the pool vanishes at every non-zero lag (circularly; the
    pool is padded with its own beginning), so segments carry no sample-to-sample
    correlation, however often they are reused. Its mean is exactly 0 and its
    variance exactly 1.

    Parameters
    ----------
    key : `numpy.uint64`
        Run key: the pool is a function of it.
    max_samples : int
        Longest waveform it serves.

    Attributes
    ----------
    pool : `numpy.ndarray` of float32, shape (2**POOL_BITS + max_samples,)
    cumsum : `numpy.ndarray` of float64
        ``cumsum[j]`` is the sum of ``pool[:j]``.
    mask : `numpy.uint64`
        ``2**POOL_BITS - 1``: random offsets are masked with it.
    mix_cos, mix_sin : `numpy.ndarray` of float64, shape (N_ANGLES,)
        The mixing angles.
    """

    def __init__(self, key, max_samples: int):
        seed = int(derive_keys(key, STREAMS["noise-pool"]))
        rng = np.random.Generator(np.random.PCG64(seed))
        size = 1 << POOL_BITS
        spectrum = np.exp(2j * np.pi * rng.random(size // 2 + 1))
        spectrum[0] = 0.0  # zero mean
        spectrum[-1] = 1.0 if rng.random() < 0.5 else -1.0  # the real Nyquist term
        pool = np.fft.irfft(spectrum, n=size)
        pool = (pool / pool.std()).astype(np.float32)
        self.pool = np.concatenate([pool, pool[:max_samples]])
        self.cumsum = np.concatenate([[0.0], np.cumsum(self.pool, dtype=np.float64)])
        self.mask = np.uint64(size - 1)
        angles = 2.0 * np.pi * (np.arange(N_ANGLES) + 0.5) / N_ANGLES
        self.mix_cos, self.mix_sin = np.cos(angles), np.sin(angles)
        self.max_samples = max_samples


def poisson_tables(mean: float):
    """Cumulative Poisson probabilities and their guide table, for inversion.

    Returns
    -------
    cdf : `numpy.ndarray` of float64
        ``P(X <= k)`` for ``k = 0 .. mean + 12 sqrt(mean) + 20``, the last set to 1.
    guide : `numpy.ndarray` of int64, shape (len(cdf),)
        ``guide[j]``: the smallest ``k`` with ``cdf[k] > j / len(cdf)``.
    """
    from scipy.special import gammaln

    k = np.arange(int(mean + 12.0 * np.sqrt(mean) + 20.0) + 1)
    if mean > 0:
        pmf = np.exp(k * np.log(mean) - mean - gammaln(k + 1.0))
    else:
        pmf = (k == 0).astype(np.float64)
    cdf = np.cumsum(pmf)
    cdf[-1] = 1.0
    guide = np.searchsorted(cdf, np.arange(len(cdf)) / len(cdf), side="right")
    return cdf, guide.astype(np.int64)


def image_noise(
    keys, n_pixels: int, library: NoiseLibrary, *, nsb_mean_pe: float, sigma_pe: float
) -> np.ndarray:
    """Background minus its mean plus Gaussian noise for every pixel of every image.

    Parameters
    ----------
    keys : `numpy.ndarray` of uint64, shape (n_images,)
        One random stream per image.
    n_pixels : int
    library : NoiseLibrary
        Source of the normal numbers.
    nsb_mean_pe : float
        Mean background photo-electrons per pixel in the window.
    sigma_pe : float
        Standard deviation of the electronic noise of the window charge.

    Returns
    -------
    `numpy.ndarray` of float32, shape (n_images, n_pixels)
    """
    from . import _kernels

    keys = np.asarray(keys, np.uint64)
    cdf, guide = poisson_tables(nsb_mean_pe)
    out = np.empty((len(keys), n_pixels), np.float32)
    return _kernels.image_noise(
        keys,
        cdf,
        guide,
        float(nsb_mean_pe),
        float(sigma_pe),
        library.pool,
        library.mask,
        library.mix_cos,
        library.mix_sin,
        out,
    )


def r1_waveforms(
    camera,
    true_pe,
    noise_pe,
    peak_time_ns,
    keys,
    library: NoiseLibrary,
    *,
    sigma_sample_pe: float,
    out: np.ndarray | None = None,
) -> np.ndarray:
    """R1 waveforms (photo-electrons per sample) of images.

    Parameters
    ----------
    camera : `cherenkit_toysim.cameras.CameraModel`
    true_pe : `numpy.ndarray` of int32, shape (n, n_pixels)
        Signal photo-electrons.
    noise_pe : `numpy.ndarray` of float32, shape (n, n_pixels)
        Image noise (`image_noise`): what the samples of each pixel add beyond the
        signal.
    peak_time_ns : `numpy.ndarray` of float32, shape (n, n_pixels)
        Arrival time of the signal (pulse maximum) from the start of the window.
    keys : `numpy.ndarray` of uint64, shape (n,)
    library : NoiseLibrary
    sigma_sample_pe : float
        White noise per sample.
    out : `numpy.ndarray` of float32, shape (n, n_pixels, n_samples), optional
        Where to write the waveforms (e.g. rows of a larger batch array).

    Returns
    -------
    `numpy.ndarray` of float32, shape (n, n_pixels, n_samples)
    """
    from . import _kernels

    if camera.n_samples > library.max_samples:
        raise ValueError(
            f"the noise library serves {library.max_samples} samples, not {camera.n_samples}"
        )
    shape = (len(keys), camera.n_pixels, camera.n_samples)
    if out is None:
        out = np.empty(shape, np.float32)
    elif out.shape != shape or out.dtype != np.float32 or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous float32 array of shape {shape}")
    return _kernels.waveforms(
        np.ascontiguousarray(true_pe, np.int32),
        np.ascontiguousarray(noise_pe, np.float32),
        np.ascontiguousarray(peak_time_ns, np.float32),
        np.asarray(keys, np.uint64),
        library.pool,
        library.cumsum,
        library.mask,
        library.mix_cos,
        library.mix_sin,
        camera.pulse,
        camera.pulse_width_ns,
        camera.pulse_peak_ns,
        camera.sample_width_ns,
        float(sigma_sample_pe),
        out,
    )
