"""numba kernels of the moment-based image parameters: Hillas, concentration, leakage,
descriptive statistics.

Plain float64 arrays in fixed units, no checks, no exceptions. Pixel positions are
given along the two axes ``u, v`` of the frame the parameters are wanted in (camera
frame: ``x, y`` in m; telescope frame: ``fov_lon, fov_lat`` in rad), pixel areas in
the square of that unit, angles come out in rad.

Two layers:

* ``*_core`` functions work on the *compacted* pixels of one image (the first ``n``
  entries of per-pixel work arrays) and write one row of results;
* ``*_batch`` functions loop over images ``[n_events, n_pixels]`` with boolean masks
  of the same shape, gather the selected pixels and call the cores. The per-image
  public functions call these with one image.

Invalid input (no pixel, zero or negative or non-finite intensity, NaN pixels) gives
NaN results and a false flag, never an exception (``error_model="numpy"``: a
division by zero gives inf/NaN as in numpy).
"""

import numba
import numpy as np

from cherenkit import NUMBA_CACHE

from ._layout import (
    H_INTENSITY,
    H_KURTOSIS,
    H_LENGTH,
    H_LENGTH_UNC,
    H_PHI,
    H_PSI,
    H_PSI_UNC,
    H_R,
    H_SKEWNESS,
    H_TRANSVERSE_COG_UNC,
    H_WIDTH,
    H_WIDTH_UNC,
    H_X,
    H_Y,
    N_CONCENTRATION,
    N_HILLAS,
    N_LEAKAGE,
    N_STATISTICS,
)

JIT = {"cache": NUMBA_CACHE, "nogil": True, "error_model": "numpy"}

EIGENVALUE_ATOL = np.finfo(np.float64).eps
"""Covariance eigenvalues with ``|value| <= EIGENVALUE_ATOL`` are set to 0 (as ctapipe)."""

# status returned by hillas_core
NO_INTENSITY = 0  # nothing computed: no pixel, intensity <= 0, NaN/inf pixel
CENTROID_ONLY = 1  # intensity and centroid; the shape is degenerate (length == 0)
AXIS = 2  # length > 0: psi, shape and uncertainties computed


@numba.njit(**JIT)
def gather(mask_row, sel):
    """Write the indices of the true entries of ``mask_row`` into ``sel``; return their count."""
    n = 0
    for p in range(mask_row.shape[0]):
        if mask_row[p]:
            sel[n] = p
            n += 1
    return n


@numba.njit(**JIT)
def hillas_core(u, v, area, w, n, out):
    """Hillas parameters of the first ``n`` compacted pixels into ``out[:N_HILLAS]``.

    ``u, v`` positions, ``area`` pixel areas, ``w`` pixel intensities. Moments are
    intensity-weighted population moments (ddof=0); length and width are the
    square roots of the eigenvalues of the covariance matrix, psi the angle of the
    major axis to the ``u`` axis in (-pi/2, pi/2]. The uncertainties follow
    ctapipe 0.28: psi and transverse-cog uncertainty from a weighted least-squares
    line (weights intensity / area) through the pixels in shower coordinates,
    length and width uncertainty by propagating the per-pixel contributions to
    the second moments.

    Returns one of ``NO_INTENSITY``, ``CENTROID_ONLY``, ``AXIS``.
    """
    for k in range(N_HILLAS):
        out[k] = np.nan
    size = 0.0
    sum_u = 0.0
    sum_v = 0.0
    for i in range(n):
        size += w[i]
        sum_u += w[i] * u[i]
        sum_v += w[i] * v[i]
    if not (size > 0.0 and np.isfinite(size) and np.isfinite(sum_u) and np.isfinite(sum_v)):
        return NO_INTENSITY
    cog_u = sum_u / size
    cog_v = sum_v / size
    out[H_INTENSITY] = size
    out[H_X] = cog_u
    out[H_Y] = cog_v
    out[H_R] = np.sqrt(cog_u * cog_u + cog_v * cog_v)
    out[H_PHI] = np.arctan2(cog_v, cog_u)

    s_uu = 0.0
    s_vv = 0.0
    s_uv = 0.0
    for i in range(n):
        du = u[i] - cog_u
        dv = v[i] - cog_v
        s_uu += w[i] * du * du
        s_vv += w[i] * dv * dv
        s_uv += w[i] * du * dv
    c_uu = s_uu / size
    c_vv = s_vv / size
    c_uv = s_uv / size

    # eigenvalues of the symmetric 2x2 covariance matrix
    half_diff = 0.5 * (c_uu - c_vv)
    mean = 0.5 * (c_uu + c_vv)
    root = np.sqrt(half_diff * half_diff + c_uv * c_uv)
    major = mean + root
    minor = mean - root
    if abs(major) <= EIGENVALUE_ATOL:
        major = 0.0
    if abs(minor) <= EIGENVALUE_ATOL:
        minor = 0.0
    length = np.sqrt(major)  # NaN for a negative eigenvalue (negative pixel weights)
    width = np.sqrt(minor)
    out[H_LENGTH] = length
    out[H_WIDTH] = width
    if not length > 0.0:
        return CENTROID_ONLY

    psi = 0.5 * np.arctan2(2.0 * c_uv, c_uu - c_vv)
    if psi <= -0.5 * np.pi:
        psi = 0.5 * np.pi
    out[H_PSI] = psi
    cos_psi = np.cos(psi)
    sin_psi = np.sin(psi)

    m3 = 0.0
    m4 = 0.0
    # weighted least squares of transverse vs longitudinal coordinate
    s_1 = 0.0
    s_l = 0.0
    s_ll = 0.0
    s_t = 0.0
    s_lt = 0.0
    # propagation of the second moments to length and width
    cos_2psi = np.cos(2.0 * psi)
    a = 0.5 * (1.0 + cos_2psi)
    b = 0.5 * (1.0 - cos_2psi)
    c = np.sin(2.0 * psi)
    var_length = 0.0
    var_width = 0.0
    for i in range(n):
        du = u[i] - cog_u
        dv = v[i] - cog_v
        longi = du * cos_psi + dv * sin_psi
        trans = -du * sin_psi + dv * cos_psi
        longi3 = longi * longi * longi
        m3 += w[i] * longi3
        m4 += w[i] * longi3 * longi
        weight = w[i] / area[i]
        s_1 += weight
        s_l += weight * longi
        s_ll += weight * longi * longi
        s_t += weight * trans
        s_lt += weight * longi * trans
        d_a = (du * du - c_uu) / size
        d_b = (dv * dv - c_vv) / size
        d_c = (du * dv - c_uv) / size
        term_l = a * d_a + b * d_b + c * d_c
        term_w = b * d_a + a * d_b - c * d_c
        var_length += term_l * term_l * w[i]
        var_width += term_w * term_w * w[i]

    out[H_SKEWNESS] = (m3 / size) / (length * length * length)
    out[H_KURTOSIS] = (m4 / size) / (length * length * length * length)

    det = s_ll * s_1 - s_l * s_l
    inv_00 = s_1 / det
    inv_01 = -s_l / det
    inv_11 = s_ll / det
    slope = inv_00 * s_lt + inv_01 * s_t  # residual angle of the axis in shower coordinates
    elongation = np.tan(0.5 * np.pi * width / length)
    out[H_PSI_UNC] = np.sqrt(inv_00 + slope * slope) * (1.0 + elongation * elongation)
    sin_slope = np.sin(slope)
    out[H_TRANSVERSE_COG_UNC] = np.sqrt(inv_11 * (1.0 + sin_slope * sin_slope))

    out[H_LENGTH_UNC] = np.sqrt(var_length) / (2.0 * length)
    if width != 0.0:
        out[H_WIDTH_UNC] = np.sqrt(var_width) / (2.0 * width)
    return AXIS


@numba.njit(**JIT)
def hillas_is_valid(status, row):
    """True when the image has an axis: intensity > 0, length > 0, finite width and psi."""
    return status == AXIS and np.isfinite(row[H_WIDTH]) and np.isfinite(row[H_PSI])


@numba.njit(**JIT)
def statistics_core(values, n, out):
    """max, min, mean, std (ddof=0), skewness, excess kurtosis of ``values[:n]``.

    NaN for no value or when a value is NaN; skewness and kurtosis are NaN when all
    values are equal (std = 0).
    """
    for k in range(N_STATISTICS):
        out[k] = np.nan
    if n == 0:
        return
    vmax = values[0]
    vmin = values[0]
    total = 0.0
    for i in range(n):
        x = values[i]
        if np.isnan(x):
            return
        vmax = max(vmax, x)
        vmin = min(vmin, x)
        total += x
    mean = total / n
    var = 0.0
    for i in range(n):
        d = values[i] - mean
        var += d * d
    std = np.sqrt(var / n)
    m3 = 0.0
    m4 = 0.0
    for i in range(n):
        z = (values[i] - mean) / std
        z3 = z * z * z
        m3 += z3
        m4 += z3 * z
    out[0] = vmax
    out[1] = vmin
    out[2] = mean
    out[3] = std
    out[4] = m3 / n
    out[5] = m4 / n - 3.0


@numba.njit(**JIT)
def concentration_core(u, v, width_pix, w, n, hillas, out):
    """Fractions of the intensity near the centroid, inside the ellipse, in the brightest pixel.

    ``cog``: pixels whose centre is closer to the centroid than their own width;
    ``core``: pixels inside the Hillas ellipse (0 when the width is 0);
    ``pixel``: brightest pixel. ``hillas`` is the row from `hillas_core`.
    """
    intensity = hillas[H_INTENSITY]
    for k in range(N_CONCENTRATION):
        out[k] = np.nan
    if not intensity > 0.0:
        return
    cog_u = hillas[H_X]
    cog_v = hillas[H_Y]
    length = hillas[H_LENGTH]
    width = hillas[H_WIDTH]
    psi = hillas[H_PSI]
    use_core = width != 0.0
    cos_psi = np.cos(psi)
    sin_psi = np.sin(psi)
    sum_cog = 0.0
    sum_core = 0.0
    brightest = -np.inf
    for i in range(n):
        du = u[i] - cog_u
        dv = v[i] - cog_v
        if du * du + dv * dv < width_pix[i] * width_pix[i]:
            sum_cog += w[i]
        if use_core:
            longi = du * cos_psi + dv * sin_psi
            trans = -du * sin_psi + dv * cos_psi
            if longi * longi / (length * length) + trans * trans / (width * width) <= 1.0:
                sum_core += w[i]
        brightest = max(brightest, w[i])
    out[0] = sum_cog / intensity
    out[1] = sum_core / intensity
    out[2] = brightest / intensity


@numba.njit(**JIT)
def leakage_core(sel, w, n, border1, border2, out):
    """Fractions of the pixels and of the intensity in the outer one and two pixel rings.

    ``sel[:n]`` are the selected pixel indices, ``w[:n]`` their intensities. NaN for
    no pixel (0 / 0), as ctapipe.
    """
    if n == 0:
        for k in range(N_LEAKAGE):
            out[k] = np.nan
        return
    n1 = 0
    n2 = 0
    sum1 = 0.0
    sum2 = 0.0
    total = 0.0
    for k in range(n):
        p = sel[k]
        total += w[k]
        if border1[p]:
            n1 += 1
            sum1 += w[k]
        if border2[p]:
            n2 += 1
            sum2 += w[k]
    out[0] = n1 / n
    out[1] = n2 / n
    out[2] = sum1 / total
    out[3] = sum2 / total


# --- batch drivers --------------------------------------------------------------------


@numba.njit(**JIT)
def hillas_batch(pix_u, pix_v, pix_area, images, masks):
    """Hillas parameters of every image: ``(rows [n_events, N_HILLAS], valid [n_events])``."""
    n_events, n_pixels = images.shape
    out = np.empty((n_events, N_HILLAS))
    valid = np.zeros(n_events, dtype=np.bool_)
    sel = np.empty(n_pixels, dtype=np.int64)
    u = np.empty(n_pixels)
    v = np.empty(n_pixels)
    area = np.empty(n_pixels)
    w = np.empty(n_pixels)
    for e in range(n_events):
        n = gather(masks[e], sel)
        for k in range(n):
            p = sel[k]
            u[k] = pix_u[p]
            v[k] = pix_v[p]
            area[k] = pix_area[p]
            w[k] = images[e, p]
        status = hillas_core(u, v, area, w, n, out[e])
        valid[e] = hillas_is_valid(status, out[e])
    return out, valid


@numba.njit(**JIT)
def statistics_batch(values, masks):
    """Descriptive statistics of the selected values of every row: ``[n_events, N_STATISTICS]``."""
    n_events, n_pixels = values.shape
    out = np.empty((n_events, N_STATISTICS))
    sel = np.empty(n_pixels, dtype=np.int64)
    buf = np.empty(n_pixels)
    for e in range(n_events):
        n = gather(masks[e], sel)
        for k in range(n):
            buf[k] = values[e, sel[k]]
        statistics_core(buf, n, out[e])
    return out


@numba.njit(**JIT)
def concentration_batch(pix_u, pix_v, pixel_width, images, masks, hillas):
    """Concentration of every image given its Hillas row: ``[n_events, N_CONCENTRATION]``."""
    n_events, n_pixels = images.shape
    out = np.empty((n_events, N_CONCENTRATION))
    sel = np.empty(n_pixels, dtype=np.int64)
    u = np.empty(n_pixels)
    v = np.empty(n_pixels)
    width = np.empty(n_pixels)
    w = np.empty(n_pixels)
    for e in range(n_events):
        n = gather(masks[e], sel)
        for k in range(n):
            p = sel[k]
            u[k] = pix_u[p]
            v[k] = pix_v[p]
            width[k] = pixel_width[p]
            w[k] = images[e, p]
        concentration_core(u, v, width, w, n, hillas[e], out[e])
    return out


@numba.njit(**JIT)
def leakage_batch(border1, border2, images, masks):
    """Leakage of every image: ``[n_events, N_LEAKAGE]``."""
    n_events, n_pixels = images.shape
    out = np.empty((n_events, N_LEAKAGE))
    sel = np.empty(n_pixels, dtype=np.int64)
    w = np.empty(n_pixels)
    for e in range(n_events):
        n = gather(masks[e], sel)
        for k in range(n):
            w[k] = images[e, sel[k]]
        leakage_core(sel, w, n, border1, border2, out[e])
    return out


@numba.njit(**JIT)
def shower_coordinates(u, v, cog_u, cog_v, psi, longi, trans):
    """Longitudinal and transverse coordinates of points ``u, v`` (into ``longi, trans``)."""
    cos_psi = np.cos(psi)
    sin_psi = np.sin(psi)
    for i in range(u.shape[0]):
        du = u[i] - cog_u
        dv = v[i] - cog_v
        longi[i] = du * cos_psi + dv * sin_psi
        trans[i] = -du * sin_psi + dv * cos_psi
