"""R0 → R1 as sim_telarray defines it: pedestal per sample, ADC → p.e., gain selection.

sim_telarray stores, per telescope, the pedestal summed over ``n_ped_slices``
samples and the factor ``dc_to_pe`` from ADC counts above pedestal to
photo-electrons ("category A" calibration). R1 is then, sample by sample,

    r1 = (r0 - pedestal_sum / n_ped_slices) * dc_to_pe

in the gain channel chosen per pixel. The functions here work on plain numpy arrays
of one telescope event and keep float32 throughout, so that the result is bit for
bit what the same arithmetic gives in ctapipe.
"""

from __future__ import annotations

import numpy as np

__all__ = ["calibrate_r1", "pedestal_per_sample", "select_gain_channel"]

HIGH_GAIN, LOW_GAIN = 0, 1


def pedestal_per_sample(pedestal_sum: np.ndarray, n_ped_slices: int) -> np.ndarray:
    """The pedestal of one sample from the pedestal summed over ``n_ped_slices`` samples.

    Parameters
    ----------
    pedestal_sum : `numpy.ndarray` of float32, shape (n_gains, n_pixels)
        Pedestal summed over ``n_ped_slices`` samples, ADC counts.
    n_ped_slices : int
        Number of samples in the sum.

    Returns
    -------
    `numpy.ndarray` of float32, shape (n_gains, n_pixels)
        ADC counts per sample.
    """
    pedestal_sum = np.asarray(pedestal_sum, dtype=np.float32)
    return pedestal_sum / np.float32(n_ped_slices)


def select_gain_channel(r0_waveform: np.ndarray, threshold: float) -> np.ndarray:
    """Choose the gain channel of each pixel: low gain where the high gain saturates.

    A pixel uses the low-gain channel when any of its high-gain R0 samples (raw ADC
    counts, pedestal included) is above ``threshold``, the high-gain channel
    otherwise. Cameras with a single channel always use channel 0.

    Parameters
    ----------
    r0_waveform : `numpy.ndarray` of uint16, shape (n_gains, n_pixels, n_samples)
    threshold : float
        ADC counts.

    Returns
    -------
    `numpy.ndarray` of int8, shape (n_pixels,)
        0 for high gain, 1 for low gain.

    Examples
    --------
    >>> r0 = np.array([[[10, 20], [10, 5000]], [[1, 2], [1, 300]]], dtype=np.uint16)
    >>> select_gain_channel(r0, threshold=4000)
    array([0, 1], dtype=int8)
    """
    n_gains, n_pixels = r0_waveform.shape[:2]
    if n_gains == 1:
        return np.zeros(n_pixels, dtype=np.int8)
    return (r0_waveform[HIGH_GAIN].max(axis=1) > threshold).astype(np.int8)


def calibrate_r1(
    r0_waveform: np.ndarray,
    pedestal: np.ndarray,
    dc_to_pe: np.ndarray,
    selected_gain_channel: np.ndarray | None = None,
) -> np.ndarray:
    """R1 waveforms: pedestal-subtracted samples in photo-electrons.

    Parameters
    ----------
    r0_waveform : `numpy.ndarray` of uint16, shape (n_gains, n_pixels, n_samples)
        Raw ADC samples.
    pedestal : `numpy.ndarray` of float32, shape (n_gains, n_pixels)
        Pedestal per sample (see `pedestal_per_sample`).
    dc_to_pe : `numpy.ndarray` of float32, shape (n_gains, n_pixels)
        Photo-electrons per ADC count above pedestal.
    selected_gain_channel : `numpy.ndarray` of int8, shape (n_pixels,), optional
        Channel to keep per pixel (see `select_gain_channel`). Default is None:
        calibrate every channel.

    Returns
    -------
    `numpy.ndarray` of float32
        Shape (n_pixels, n_samples) with ``selected_gain_channel``, else
        (n_gains, n_pixels, n_samples).

    Examples
    --------
    >>> r0 = np.full((1, 2, 3), 110, dtype=np.uint16)
    >>> ped = np.array([[100.0, 90.0]], np.float32)
    >>> dc_to_pe = np.array([[0.5, 0.25]], np.float32)
    >>> calibrate_r1(r0, ped, dc_to_pe, np.zeros(2, np.int8))
    array([[5., 5., 5.],
           [5., 5., 5.]], dtype=float32)
    """
    if selected_gain_channel is None:
        r1 = np.subtract(r0_waveform, pedestal[..., np.newaxis], dtype=np.float32)
        r1 *= dc_to_pe[..., np.newaxis]
        return r1
    n_gains, n_pixels = r0_waveform.shape[:2]
    if n_gains == 1 or not selected_gain_channel.any():
        samples, ped, factor = r0_waveform[HIGH_GAIN], pedestal[HIGH_GAIN], dc_to_pe[HIGH_GAIN]
    else:
        pixels = np.arange(n_pixels)
        samples = r0_waveform[selected_gain_channel, pixels]
        ped = pedestal[selected_gain_channel, pixels]
        factor = dc_to_pe[selected_gain_channel, pixels]
    r1 = np.subtract(samples, ped[:, np.newaxis], dtype=np.float32)
    r1 *= factor[:, np.newaxis]
    return r1
