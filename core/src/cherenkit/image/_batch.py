"""numba kernel computing every image parameter of a batch of images in one pass.

This is the hot path of image processing: one loop over the images, one gather of
the selected pixels per image, then Hillas, timing, leakage, concentration,
morphology and the intensity and peak-time statistics on the compacted pixels.
Column layout: `cherenkit.image._layout`.
"""

import numba
import numpy as np

from ._islands import island_sizes, label_islands
from ._kernels import (
    AXIS,
    JIT,
    NO_INTENSITY,
    concentration_core,
    gather,
    hillas_core,
    hillas_is_valid,
    leakage_core,
    statistics_core,
)
from ._layout import (
    CONCENTRATION_OFFSET,
    H_PSI,
    H_X,
    H_Y,
    HILLAS_OFFSET,
    INTENSITY_STATS_OFFSET,
    LEAKAGE_OFFSET,
    N_CONCENTRATION,
    N_FLAGS,
    N_FLOAT_COLUMNS,
    N_HILLAS,
    N_LEAKAGE,
    N_MORPHOLOGY,
    N_STATISTICS,
    N_TIMING,
    PEAK_TIME_STATS_OFFSET,
    TIMING_OFFSET,
    VALID_HILLAS,
    VALID_TIMING,
)
from ._lts import timing_core


@numba.njit(**JIT)
def image_parameters_kernel(
    pix_u,
    pix_v,
    pix_area,
    pixel_width,
    border1,
    border2,
    indptr,
    indices,
    images,
    peak_times,
    masks,
    labels,
):
    """All image parameters of ``images[n_events, n_pixels]`` selected by ``masks``.

    Parameters
    ----------
    pix_u, pix_v, pix_area, pixel_width : float64 arrays (n_pixels,)
        Pixel positions along the frame axes (m or rad), areas (m² or sr), widths.
    border1, border2 : bool arrays (n_pixels,)
        Outer one and two pixel rings of the camera.
    indptr, indices : int arrays
        CSR neighbour graph of the camera.
    images : float64 (n_events, n_pixels)
    peak_times : float64 (n_events, n_pixels), or (0, n_pixels) for no times
    masks : bool (n_events, n_pixels)
    labels : int32 (n_events, n_pixels) zero-filled, filled with island labels; or
        (0, n_pixels) to skip storing them.

    Returns
    -------
    values : float64 (n_events, N_FLOAT_COLUMNS)
    morphology : int64 (n_events, N_MORPHOLOGY)
    flags : bool (n_events, N_FLAGS): Hillas valid, timing valid
    """
    n_events, n_pixels = images.shape
    has_time = peak_times.shape[0] == n_events
    store_labels = labels.shape[0] == n_events
    values = np.empty((n_events, N_FLOAT_COLUMNS))
    morphology = np.zeros((n_events, N_MORPHOLOGY), dtype=np.int64)
    flags = np.zeros((n_events, N_FLAGS), dtype=np.bool_)

    sel = np.empty(n_pixels, dtype=np.int64)
    u = np.empty(n_pixels)
    v = np.empty(n_pixels)
    area = np.empty(n_pixels)
    width = np.empty(n_pixels)
    w = np.empty(n_pixels)
    t = np.empty(n_pixels)
    x = np.empty(n_pixels)
    y = np.empty(n_pixels)
    wf = np.empty(n_pixels)
    res = np.empty(n_pixels)
    tmp = np.empty(n_pixels)
    stack = np.empty(n_pixels, dtype=np.int64)
    counts = np.empty(n_pixels + 1, dtype=np.int64)
    sizes = np.empty(3, dtype=np.int64)
    scratch_labels = np.zeros(n_pixels, dtype=np.int32)

    for e in range(n_events):
        row = values[e]
        n = gather(masks[e], sel)
        for k in range(n):
            p = sel[k]
            u[k] = pix_u[p]
            v[k] = pix_v[p]
            area[k] = pix_area[p]
            width[k] = pixel_width[p]
            w[k] = images[e, p]
        if has_time:
            for k in range(n):
                t[k] = peak_times[e, sel[k]]

        hillas = row[HILLAS_OFFSET : HILLAS_OFFSET + N_HILLAS]
        status = hillas_core(u, v, area, w, n, hillas)
        flags[e, VALID_HILLAS] = hillas_is_valid(status, hillas)

        timing = row[TIMING_OFFSET : TIMING_OFFSET + N_TIMING]
        timing[:] = np.nan
        if has_time and status == AXIS:
            flags[e, VALID_TIMING] = timing_core(
                u,
                v,
                t,
                w,
                n,
                hillas[H_X],
                hillas[H_Y],
                hillas[H_PSI],
                timing,
                x,
                y,
                wf,
                res,
                tmp,
            )

        leakage_core(sel, w, n, border1, border2, row[LEAKAGE_OFFSET : LEAKAGE_OFFSET + N_LEAKAGE])

        concentration = row[CONCENTRATION_OFFSET : CONCENTRATION_OFFSET + N_CONCENTRATION]
        if status == NO_INTENSITY:
            concentration[:] = np.nan
        else:
            concentration_core(u, v, width, w, n, hillas, concentration)

        statistics_core(w, n, row[INTENSITY_STATS_OFFSET : INTENSITY_STATS_OFFSET + N_STATISTICS])
        peak_time_stats = row[PEAK_TIME_STATS_OFFSET : PEAK_TIME_STATS_OFFSET + N_STATISTICS]
        if has_time:
            statistics_core(t, n, peak_time_stats)
        else:
            peak_time_stats[:] = np.nan

        island_labels = labels[e] if store_labels else scratch_labels
        n_islands = label_islands(sel, n, indptr, indices, island_labels, stack)
        island_sizes(sel, n, island_labels, n_islands, counts, sizes)
        morphology[e, 0] = n
        morphology[e, 1] = n_islands
        morphology[e, 2] = sizes[0]
        morphology[e, 3] = sizes[1]
        morphology[e, 4] = sizes[2]
        if not store_labels:
            for k in range(n):
                scratch_labels[sel[k]] = 0
    return values, morphology, flags
