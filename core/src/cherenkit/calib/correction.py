"""Integration correction: the share of a unit pulse that a window misses."""

from __future__ import annotations

import functools
import math

import numpy as np

__all__ = ["integration_correction", "readout_integration_correction"]


def integration_correction(
    reference_pulse_shape,
    reference_pulse_sample_width_ns: float,
    sample_width_ns: float,
    window_width: int,
    window_shift: int,
) -> np.ndarray:
    """Factor that makes a window sum over a noise-free unit pulse equal 1.

    The finely sampled reference pulse is rebinned into readout samples: the
    pulse value at time ``k * reference_pulse_sample_width_ns`` goes into readout
    sample ``j`` when it lies in ``[j, j + 1) * sample_width_ns``. Sample edges are
    the multiples of ``sample_width_ns`` below the end of the pulse record; pulse
    content after the last edge is dropped (content exactly on it is kept in the
    last sample, as `numpy.histogram` counts it). The rebinned pulse is normalised
    to unit area. The window starts ``window_shift`` samples before its largest
    sample and is ``window_width`` samples long, clipped to the rebinned pulse; the
    correction is one over the pulse area inside it. This is the definition of
    ctapipe 0.28, reproduced to the last bit.

    Parameters
    ----------
    reference_pulse_shape : array_like, shape (n_channels, n_pulse_samples)
        Single photo-electron pulse of every gain channel, any normalisation.
    reference_pulse_sample_width_ns : float
        Time between two samples of ``reference_pulse_shape``, ns.
    sample_width_ns : float
        Time between two readout samples (one over the sampling rate), ns.
    window_width : int
        Samples in the window.
    window_shift : int
        Samples the window starts before the peak.

    Returns
    -------
    `numpy.ndarray` of float64, shape (n_channels,)
        The correction per channel; 1 where the window misses the pulse entirely.

    Examples
    --------
    A pulse sampled every 0.5 ns and read out in 1 ns samples rebins to
    ``[0 + 1, 3 + 1, 0 + 0 + 0] = [1, 4, 0]``: a one-sample window on the peak holds
    4/5 of the area, a two-sample window starting one sample earlier all of it.

    >>> pulse = np.array([[0.0, 1.0, 3.0, 1.0, 0.0, 0.0, 0.0, 0.0]])
    >>> integration_correction(pulse, 0.5, 1.0, window_width=1, window_shift=0)
    array([1.25])
    >>> integration_correction(pulse, 0.5, 1.0, window_width=2, window_shift=1)
    array([1.])
    """
    pulses = np.atleast_2d(np.asarray(reference_pulse_shape, dtype=np.float64))
    n_pulse_samples = pulses.shape[1]
    record_ns = n_pulse_samples * reference_pulse_sample_width_ns
    pulse_times = np.arange(n_pulse_samples) * reference_pulse_sample_width_ns
    # readout sample edges that start within the pulse record (as numpy.arange counts them)
    n_edges = math.ceil(record_ns / sample_width_ns)
    edges = np.arange(n_edges) * sample_width_ns
    correction = np.ones(len(pulses), dtype=np.float64)
    if n_edges < 2:
        return correction
    for channel, pulse in enumerate(pulses):
        content, _ = np.histogram(pulse_times, edges, weights=pulse)
        density = content / np.diff(edges) / content.sum()
        start = max(int(np.argmax(density)) - window_shift, 0)
        end = min(start + window_width, density.size)
        if start < end:
            correction[channel] = 1.0 / np.sum(density[start:end] * sample_width_ns)
    return correction


@functools.lru_cache(maxsize=256)
def readout_integration_correction(readout, window_width: int, window_shift: int) -> np.ndarray:
    """`integration_correction` for a `~cherenkit.instrument.CameraReadout` (cached).

    Returns
    -------
    `numpy.ndarray` of float64, shape (n_channels,), read-only
    """
    correction = integration_correction(
        readout.reference_pulse_shape,
        readout.reference_pulse_sample_width.to_value("ns"),
        readout.sample_width.to_value("ns"),
        window_width,
        window_shift,
    )
    correction.flags.writeable = False
    return correction
