"""Counter-based random numbers: every draw is a pure function of (seed, counters).

The toy simulation never threads one generator state through a run. Each random
number is a hash of the run key and a few integer counters (shower number, telescope
id, purpose, draw number), so a shower comes out the same whatever batch it is
simulated in, and shower ``i`` can be simulated without simulating ``0 .. i - 1``.

The hash is the output function of SplitMix64 (Steele, Lea & Flood 2014), which is
also the reference way of seeding the xoshiro generators; as a generator
(``state += GOLDEN; output = mix64(state)``) it passes BigCrush. The numba kernels
in `cherenkit_toysim._kernels` use the same constants and functions.

References
----------
G. L. Steele, D. Lea and C. H. Flood, "Fast splittable pseudorandom number
generators", OOPSLA 2014, doi:10.1145/2660193.2660195.
"""

from __future__ import annotations

import numpy as np

__all__ = ["STREAMS", "derive_keys", "mix64", "run_key", "uniforms"]

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)

STREAMS = {"shower": 1, "signal": 2, "noise": 3, "waveform": 4, "noise-pool": 5}
"""Purpose counters: independent streams for the shower, the signal photo-electrons,
the image noise, the waveform noise and the waveform noise library."""


def mix64(z):
    """SplitMix64 output function on uint64 values (wrapping arithmetic)."""
    z = np.asarray(z, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> _S30)) * _C1
        z = (z ^ (z >> _S27)) * _C2
    return z ^ (z >> _S31)


def run_key(seed) -> tuple[np.uint64, int]:
    """The 64-bit key of a run, and the entropy it came from.

    Parameters
    ----------
    seed : int or None
        Any non-negative integer; None draws fresh entropy from the OS.

    Returns
    -------
    key : `numpy.uint64`
    entropy : int
        The seed, or the fresh entropy: passing it as ``seed`` repeats the run.
    """
    sequence = np.random.SeedSequence(seed)
    return sequence.generate_state(1, np.uint64)[0], int(sequence.entropy)


def derive_keys(key, *counters):
    """Hash a key with integer counters (arrays broadcast) into new uint64 keys."""
    key = np.asarray(key, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for counter in counters:
            counter = np.asarray(counter).astype(np.uint64)
            key = mix64(key ^ mix64(counter * GOLDEN + GOLDEN))
    return key


def uniforms(keys, n: int) -> np.ndarray:
    """``n`` uniform numbers in the open interval (0, 1) per key.

    Parameters
    ----------
    keys : `numpy.ndarray` of uint64, shape (m,)
    n : int

    Returns
    -------
    `numpy.ndarray` of float64, shape (m, n)
        Draw ``j`` of key ``k`` is ``mix64(k + (j + 1) * GOLDEN)`` as a 53-bit fraction.
    """
    keys = np.asarray(keys, dtype=np.uint64)[:, np.newaxis]
    steps = np.arange(1, n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        bits = mix64(keys + steps * GOLDEN) >> _S11
    return (bits.astype(np.float64) + 0.5) * 2.0**-53
