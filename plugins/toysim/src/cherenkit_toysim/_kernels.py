"""numba kernels of the toy simulation: plain arrays in fixed units, no checks.

Units are in the argument names (``_m`` metres in the camera plane, ``_ns``, ``_pe``).
Random numbers come from SplitMix64 streams keyed per image (see
`cherenkit_toysim._random`): a kernel starts every image from its own key, so the
result for an image does not depend on the other images of the call.

References
----------
W. Hörmann, "The transformed rejection method for generating Poisson random
variables", Insurance: Mathematics and Economics 12 (1993) 39,
doi:10.1016/0167-6687(93)90997-4 (the PTRS algorithm used for large means).

G. E. P. Box and M. E. Muller, "A note on the generation of random normal
deviates", Ann. Math. Statist. 29 (1958) 610, doi:10.1214/aoms/1177706645.
"""

import math

import numba
import numpy as np

from cherenkit import NUMBA_CACHE

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_S21, _S42 = np.uint64(21), np.uint64(42)
_TO_UNIT = 2.0**-53
_CUT = 36.0  # the Gaussian is set to 0 beyond 6 sigma (exp(-18) of its peak)


@numba.njit(cache=NUMBA_CACHE, inline="always")
def _mix64(z):
    z = (z ^ (z >> _S30)) * _C1
    z = (z ^ (z >> _S27)) * _C2
    return z ^ (z >> _S31)


@numba.njit(cache=NUMBA_CACHE, inline="always")
def _step(state):
    """Advance a SplitMix64 state: (new state, 64 random bits)."""
    state = state + _GOLDEN
    return state, _mix64(state)


@numba.njit(cache=NUMBA_CACHE, inline="always")
def _uniform(state):
    """(new state, a uniform number in the open interval (0, 1))."""
    state, bits = _step(state)
    return state, (float(bits >> _S11) + 0.5) * _TO_UNIT


@numba.njit(cache=NUMBA_CACHE)
def _poisson(state, mean):
    """(new state, a Poisson number of mean ``mean``): inversion below 12, PTRS above."""
    if mean <= 0.0:
        return state, 0
    if mean < 12.0:
        state, u = _uniform(state)
        if mean < 0.01:  # P(0) = exp(-mean) by its series (error < 1e-12): no exp
            if u <= 1.0 - mean * (1.0 - 0.5 * mean * (1.0 - mean / 3.0 * (1.0 - 0.25 * mean))):
                return state, 0
        p = math.exp(-mean)
        cdf = p
        k = 0
        while u > cdf and k < 1000:
            k += 1
            p *= mean / k
            cdf += p
        return state, k
    slam = math.sqrt(mean)
    loglam = math.log(mean)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    log_invalpha = math.log(1.1239 + 1.1328 / (b - 3.4))
    vr = 0.9277 - 3.6224 / (b - 2.0)
    while True:
        state, u = _uniform(state)
        state, v = _uniform(state)
        u -= 0.5
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + mean + 0.43)
        if us >= 0.07 and v <= vr:
            return state, int(k)
        if k < 0 or (us < 0.013 and v > us):
            continue
        accept = -mean + k * loglam - math.lgamma(k + 1.0)
        if math.log(v) + log_invalpha - math.log(a / (us * us) + b) <= accept:
            return state, int(k)


@numba.njit(cache=NUMBA_CACHE, nogil=True)
def expected_images(
    pix_x_m,
    pix_y_m,
    pix_area_m2,
    pix_radius_m,
    sub_x_m,
    sub_y_m,
    sub_start,
    level,
    cog_x_m,
    cog_y_m,
    psi_rad,
    sigma_head_m,
    sigma_tail_m,
    width_m,
    intensity_pe,
    out,
):
    """Mean photo-electrons per pixel of split-Gaussian images (``out`` is zeroed).

    Image ``i`` is a 2-d Gaussian with standard deviation ``width`` across the
    axis ``psi`` and ``sigma_head`` (ahead of the centre, along ``+psi``) or
    ``sigma_tail`` (behind) along it, normalised to ``intensity``. A pixel gets the
    mean of the density over the sub-pixel points of ``level`` (points
    ``sub_start[level]:sub_start[level + 1]``, offsets from the pixel centre) times
    its area.
    """
    n_images = cog_x_m.shape[0]
    n_pixels = pix_x_m.shape[0]
    for i in range(n_images):
        cos_psi = math.cos(psi_rad[i])
        sin_psi = math.sin(psi_rad[i])
        head, tail, width = sigma_head_m[i], sigma_tail_m[i], width_m[i]
        longest = max(head, tail)
        norm = intensity_pe[i] / (math.pi * (head + tail) * width)
        first, stop = sub_start[level[i]], sub_start[level[i] + 1]
        weight = 1.0 / (stop - first)
        reach = math.sqrt(_CUT)
        margin = pix_radius_m if stop - first > 1 else 0.0  # sub-points reach the corners
        half_along = reach * longest + margin
        half_across = reach * width + margin
        box_x = half_along * abs(cos_psi) + half_across * abs(sin_psi)
        box_y = half_along * abs(sin_psi) + half_across * abs(cos_psi)
        for p in range(n_pixels):
            dx = pix_x_m[p] - cog_x_m[i]
            dy = pix_y_m[p] - cog_y_m[i]
            if abs(dx) > box_x or abs(dy) > box_y:
                continue
            along = dx * cos_psi + dy * sin_psi
            across = -dx * sin_psi + dy * cos_psi
            near_along = max(abs(along) - margin, 0.0) / longest
            near_across = max(abs(across) - margin, 0.0) / width
            if near_along * near_along + near_across * near_across > _CUT:
                continue
            density = 0.0
            for s in range(first, stop):
                sx = dx + sub_x_m[s]
                sy = dy + sub_y_m[s]
                a = sx * cos_psi + sy * sin_psi
                c = (-sx * sin_psi + sy * cos_psi) / width
                a = a / head if a > 0.0 else a / tail
                density += math.exp(-0.5 * (a * a + c * c))
            out[i, p] = norm * pix_area_m2[p] * density * weight
    return out


@numba.njit(cache=NUMBA_CACHE, nogil=True)
def sample_signal(expected_pe, keys, out):
    """Poisson photo-electrons of every pixel of every image (image ``i`` from ``keys[i]``)."""
    for i in range(expected_pe.shape[0]):
        state = keys[i]
        for p in range(expected_pe.shape[1]):
            mean = expected_pe[i, p]
            if mean > 0.0:
                state, k = _poisson(state, mean)
                out[i, p] = k
            else:
                out[i, p] = 0
    return out


@numba.njit(cache=NUMBA_CACHE, inline="always")
def _normal(state, pool, pool_mask, mix_cos, mix_sin):
    """(new state, a standard normal number from the noise library).

    Two library entries mixed with a random angle, ``cos(a) z1 + sin(a) z2``: exactly
    standard normal, and two draws share a value only if both entries coincide.
    """
    state, bits = _step(state)
    angle = (bits >> _S42) & np.uint64(mix_cos.shape[0] - 1)
    z = mix_cos[angle] * pool[bits & pool_mask] + mix_sin[angle] * pool[(bits >> _S21) & pool_mask]
    return state, z


@numba.njit(cache=NUMBA_CACHE, nogil=True)
def image_noise(
    keys, nsb_cdf, nsb_guide, nsb_mean_pe, sigma_pe, pool, pool_mask, mix_cos, mix_sin, out
):
    """Night-sky background minus its mean plus Gaussian noise, per pixel.

    ``out[i, p] = Poisson(nsb_mean_pe) - nsb_mean_pe + sigma_pe * N(0, 1)``. The Poisson
    number inverts the tabulated ``nsb_cdf`` (``nsb_cdf[k] = P(X <= k)``), starting from
    the guide table ``nsb_guide[j]`` = the first ``k`` with ``nsb_cdf[k] > j / len``
    (Chen & Asau); the normal number comes from the noise library (`_normal`).
    """
    n_guide = nsb_guide.shape[0]
    for i in range(out.shape[0]):
        state = keys[i]
        for p in range(out.shape[1]):
            state, u = _uniform(state)
            k = nsb_guide[int(u * n_guide)]
            while nsb_cdf[k] < u:
                k += 1
            state, z = _normal(state, pool, pool_mask, mix_cos, mix_sin)
            out[i, p] = k - nsb_mean_pe + sigma_pe * z
    return out


@numba.njit(cache=NUMBA_CACHE, nogil=True, fastmath=True)
def waveforms(
    true_pe,
    noise_pe,
    peak_time_ns,
    keys,
    pool,
    pool_cumsum,
    pool_mask,
    mix_cos,
    mix_sin,
    pulse,
    pulse_width_ns,
    pulse_peak_ns,
    sample_width_ns,
    sigma_sample_pe,
    out,
):
    """R1 waveforms: pulses of the signal photo-electrons plus white noise.

    Pixel ``p`` of image ``i`` gets ``true_pe`` pulses (``pulse``, sampled every
    ``pulse_width_ns``, maximum at ``pulse_peak_ns``, linearly interpolated) peaking
    at ``peak_time_ns``, scaled so that their samples add up to ``true_pe`` (those
    outside the window are lost), and noise samples ``sigma (z_k - mean(z)) + noise_pe / n``: the
    white noise of standard deviation ``sigma_sample_pe`` with its sum replaced by the
    pixel's image noise, so that the samples add up to ``true_pe + noise_pe`` exactly
    (up to pulse tails outside the window). ``z_k`` mixes two random segments of
    the standard normal ``pool`` with a random angle (``mix_cos``, ``mix_sin``);
    ``pool_cumsum[j]`` is the sum of the first ``j`` pool entries.
    """
    n_images, n_pixels, n_samples = out.shape
    n_pulse = pulse.shape[0]
    n_angles = np.uint64(mix_cos.shape[0] - 1)
    sigma = np.float32(sigma_sample_pe)
    shape = np.zeros(n_samples, np.float64)
    for i in range(n_images):
        state = keys[i]
        for p in range(n_pixels):
            state, bits = _step(state)
            first = bits & pool_mask
            second = (bits >> _S21) & pool_mask
            angle = (bits >> _S42) & n_angles
            c = np.float32(sigma * mix_cos[angle])
            s = np.float32(sigma * mix_sin[angle])
            total = c * (pool_cumsum[first + n_samples] - pool_cumsum[first]) + s * (
                pool_cumsum[second + n_samples] - pool_cumsum[second]
            )
            offset = np.float32((noise_pe[i, p] - total) / n_samples)
            row = out[i, p]
            a = pool[first : first + n_samples]
            b = pool[second : second + n_samples]
            for k in range(n_samples):
                row[k] = c * a[k] + s * b[k] + offset
            n_pe = true_pe[i, p]
            if n_pe <= 0:
                continue
            # the pulse sampled at the readout times, rescaled to add up to n_pe exactly
            start = peak_time_ns[i, p] - pulse_peak_ns  # time of the pulse's first sample
            k0 = math.ceil(start / sample_width_ns)
            k1 = math.floor((start + (n_pulse - 1) * pulse_width_ns) / sample_width_ns)
            total = 0.0
            for k in range(k0, k1 + 1):
                x = (k * sample_width_ns - start) / pulse_width_ns
                j = min(int(x), n_pulse - 2)
                f = x - j
                value = pulse[j] * (1.0 - f) + pulse[j + 1] * f
                total += value
                if 0 <= k < n_samples:
                    shape[k] = value
            if total <= 0.0:
                continue
            scale = n_pe / total
            for k in range(max(k0, 0), min(k1, n_samples - 1) + 1):
                row[k] += shape[k] * scale
    return out


@numba.njit(cache=NUMBA_CACHE, nogil=True)
def peak_times(
    pix_x_m,
    pix_y_m,
    cog_x_m,
    cog_y_m,
    psi_rad,
    gradient_ns_per_m,
    t_cog_ns,
    t_min_ns,
    t_max_ns,
    out,
):
    """``t_cog + gradient × (distance along psi from the centroid)``, clipped to the range."""
    for i in range(out.shape[0]):
        cos_psi = math.cos(psi_rad[i])
        sin_psi = math.sin(psi_rad[i])
        for p in range(out.shape[1]):
            along = (pix_x_m[p] - cog_x_m[i]) * cos_psi + (pix_y_m[p] - cog_y_m[i]) * sin_psi
            t = t_cog_ns + gradient_ns_per_m[i] * along
            out[i, p] = min(max(t, t_min_ns), t_max_ns)
    return out
