"""numba kernels of the charge extractors: plain arrays in, plain arrays out.

Every batch kernel takes waveforms ``[n, n_pixels, n_samples]`` (float32 or float64,
C-contiguous), finds a peak sample per pixel in its own way, sums a window around
it and writes float32 charge and peak time ``[n, n_pixels]`` into ``charge`` and
``peak_time``. No units (sampling rate in GHz, times in ns), no config, no checks:
the extractor classes validate and convert before calling.

Arithmetic follows ctapipe 0.28 step by step, so that images agree bit for bit:
window sums accumulate in float64 and are stored as float32; the integration
correction multiplies the stored float32 sum in float64; the peak time is rounded
to float32 before and after the division by the sampling rate. A NaN sample is
never a peak (comparisons with NaN are false), makes the sum of any window that
holds it NaN and is left out of the peak time.

This module is imported only when an extractor first runs.
"""

import numba
import numpy as np

from .. import NUMBA_CACHE

_JIT = {"cache": NUMBA_CACHE, "nogil": True}
_INLINE = {**_JIT, "inline": "always"}


@numba.njit(**_INLINE)
def _argmax(values):
    """Index of the first largest value, NaN ignored; 0 when every value is NaN."""
    best = -np.inf
    index = 0
    for k in range(values.shape[0]):
        if values[k] > best:
            best = values[k]
            index = k
    return index


@numba.njit(**_INLINE)
def _sum_window(samples, peak, width, shift, sampling_rate_ghz):
    """Sum of ``samples[peak - shift : peak - shift + width]`` (clipped to the readout).

    Returns the sum (float64) and the peak time in ns (float32): the mean sample
    index of the positive samples in the window weighted by their amplitude, or
    ``peak`` when the window holds no positive sample, over the sampling rate.
    """
    start = peak - shift
    end = start + width
    if start < 0:
        start = 0
    if end > samples.shape[0]:
        end = samples.shape[0]
    total = 0.0
    weighted = 0.0
    positive = 0.0
    for k in range(start, end):
        value = np.float64(samples[k])
        total += value
        above = value if value > 0 else 0.0  # a select, not a branch; + 0.0 changes nothing
        weighted += above * k
        positive += above
    if positive > 0:
        time_samples = np.float32(weighted / positive)
    else:
        time_samples = np.float32(peak)
    return total, np.float32(np.float64(time_samples) / sampling_rate_ghz)


@numba.njit(**_INLINE)
def _store(total, correction, channel):
    """The float32 charge of a float64 window sum, integration correction applied."""
    return np.float32(np.float64(np.float32(total)) * correction[channel])


@numba.njit(**_JIT)
def full_waveform_sum(waveforms, sampling_rate_ghz, charge, peak_time):
    """Sum of every sample; peak time from every positive sample (0 when none)."""
    n_events, n_pixels, n_samples = waveforms.shape
    for i in range(n_events):
        for p in range(n_pixels):
            total, time = _sum_window(waveforms[i, p], 0, n_samples, 0, sampling_rate_ghz)
            charge[i, p] = np.float32(total)
            peak_time[i, p] = time


@numba.njit(**_JIT)
def local_peak_window_sum(
    waveforms, width, shift, sampling_rate_ghz, correction, gain, charge, peak_time
):
    """Window around each pixel's own largest sample.

    ``correction[gain[i, p]]`` multiplies the sum of pixel ``p`` in event ``i``.
    """
    n_events, n_pixels, _ = waveforms.shape
    for i in range(n_events):
        for p in range(n_pixels):
            samples = waveforms[i, p]
            peak = _argmax(samples)
            total, time = _sum_window(samples, peak, width, shift, sampling_rate_ghz)
            charge[i, p] = _store(total, correction, gain[i, p])
            peak_time[i, p] = time


@numba.njit(**_JIT)
def neighbor_peak_window_sum(
    waveforms,
    indptr,
    indices,
    local_weight,
    broken,
    width,
    shift,
    sampling_rate_ghz,
    correction,
    gain,
    charge,
    peak_time,
):
    """Window around the largest sample of the summed neighbour waveforms.

    The neighbours of pixel ``p`` are ``indices[indptr[p]:indptr[p + 1]]`` (CSR);
    broken neighbours (``broken[i, q]``) are left out, and the pixel's own waveform
    enters ``local_weight`` times first. The sum runs in float64, over a float64
    copy of each event (converted once, not once per neighbour).
    """
    n_events, n_pixels, n_samples = waveforms.shape
    event = np.empty((n_pixels, n_samples), dtype=np.float64)
    summed = np.empty(n_samples, dtype=np.float64)
    peaks = np.empty(n_pixels, dtype=np.int64)
    weight = np.float64(local_weight)
    for i in range(n_events):
        for p in range(n_pixels):
            for k in range(n_samples):
                event[p, k] = waveforms[i, p, k]
        for p in range(n_pixels):
            own = event[p]
            for k in range(n_samples):
                summed[k] = own[k] * weight
            for j in range(indptr[p], indptr[p + 1]):
                q = indices[j]
                if broken[i, q]:
                    continue
                neighbor = event[q]
                for k in range(n_samples):
                    summed[k] += neighbor[k]
            peaks[p] = _argmax(summed)
        for p in range(n_pixels):
            total, time = _sum_window(waveforms[i, p], peaks[p], width, shift, sampling_rate_ghz)
            charge[i, p] = _store(total, correction, gain[i, p])
            peak_time[i, p] = time


@numba.njit(**_JIT)
def camera_mean_peak(waveforms, broken, peaks):
    """``peaks[i]``: largest sample of the mean waveform of the pixels not broken in event ``i``.

    The sum runs over pixels in index order in the waveform dtype, then is divided in
    float64 (as numpy's ``mean(axis=-2, where=...)`` does); 0 when every pixel is broken.
    """
    n_events, n_pixels, n_samples = waveforms.shape
    summed = np.zeros(n_samples, dtype=waveforms.dtype)
    mean = np.zeros(n_samples, dtype=waveforms.dtype)
    for i in range(n_events):
        summed[:] = 0
        count = 0
        for p in range(n_pixels):
            if broken[i, p]:
                continue
            count += 1
            for k in range(n_samples):
                summed[k] += waveforms[i, p, k]
        if count == 0:
            peaks[i] = 0
            continue
        for k in range(n_samples):
            mean[k] = np.float64(summed[k]) / count
        peaks[i] = _argmax(mean)


@numba.njit(**_JIT)
def brightest_mean_peak(waveforms, n_brightest, broken, peaks):
    """``peaks[i]``: largest sample of the mean waveform of the ``n_brightest`` pixels.

    Pixels are ranked by their largest sample (broken ones count as -inf), highest
    first and, on ties, highest index first; the sum runs in that order in the
    waveform dtype and is divided in it.
    """
    n_events, n_pixels, n_samples = waveforms.shape
    summed = np.zeros(n_samples, dtype=waveforms.dtype)
    mean = np.zeros(n_samples, dtype=waveforms.dtype)
    maxima = np.empty(n_pixels, dtype=waveforms.dtype)
    divisor = np.float32(n_brightest)
    for i in range(n_events):
        for p in range(n_pixels):
            maxima[p] = -np.inf if broken[i, p] else waveforms[i, p].max()
        order = np.argsort(maxima, kind="mergesort")  # stable: ties in index order
        summed[:] = 0
        for j in range(n_brightest):
            p = order[n_pixels - 1 - j]
            for k in range(n_samples):
                summed[k] += waveforms[i, p, k]
        for k in range(n_samples):
            mean[k] = summed[k] / divisor
        peaks[i] = _argmax(mean)


@numba.njit(**_JIT)
def event_peak_window_sum(
    waveforms, peaks, width, shift, sampling_rate_ghz, correction, gain, charge, peak_time
):
    """Window around sample ``peaks[i]`` for every pixel of event ``i``."""
    n_events, n_pixels, _ = waveforms.shape
    for i in range(n_events):
        for p in range(n_pixels):
            total, time = _sum_window(waveforms[i, p], peaks[i], width, shift, sampling_rate_ghz)
            charge[i, p] = _store(total, correction, gain[i, p])
            peak_time[i, p] = time
