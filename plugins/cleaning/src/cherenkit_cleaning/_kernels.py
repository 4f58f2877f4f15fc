"""numba kernels of the cleaning methods: plain arrays in, boolean masks out.

Every batch kernel takes images (and arrival times) as C-contiguous float64 arrays
``[n_events, n_pixels]`` in photo-electrons (ns), the neighbour graph as the two
CSR arrays of `CameraGeometry.neighbor_matrix_sparse` (``indptr``, ``indices``:
the neighbours of pixel ``p`` are ``indices[indptr[p]:indptr[p + 1]]``), scalar
settings, and a zero-filled boolean ``out`` of the image shape that it fills and
returns. No units, no checks, no allocation that grows with the batch.

Work per image is proportional to the number of pixels above the lower threshold
(plus one comparison per pixel to find them): a scratch byte per pixel holds the
flags of the steps below, is set for those candidate pixels only, and is reset to
zero before the next image, so neighbour look-ups of any other pixel read zero.

A NaN pixel compares false with every threshold, so it never enters a mask; a NaN
arrival time compares false with every time limit.
"""

import numba
import numpy as np

from cherenkit import NUMBA_CACHE

# flags in the per-pixel scratch byte
_PICTURE = np.uint8(1)  # image >= picture threshold
_BOUNDARY = np.uint8(2)  # image >= boundary threshold
_CORE = np.uint8(4)  # picture pixel with enough picture neighbours
_STAGE_A = np.uint8(8)  # multi-step methods: pixels kept after a step
_STAGE_B = np.uint8(16)
_STAGE_C = np.uint8(32)

_JIT = {"cache": NUMBA_CACHE, "nogil": True}


@numba.njit(inline="always", **_JIT)
def _candidates(image, picture, boundary, cand, state):
    """Flag the pixels at or above a threshold; write their indices into ``cand``.

    Returns the number of those candidate pixels.
    """
    low = min(picture, boundary)
    n = 0
    for p in range(image.shape[0]):
        value = image[p]
        if value >= low:
            flags = np.uint8(0)
            if value >= picture:
                flags |= _PICTURE
            if value >= boundary:
                flags |= _BOUNDARY
            state[p] = flags
            cand[n] = p
            n += 1
    return n


@numba.njit(inline="always", **_JIT)
def _has_at_least(indptr, indices, state, p, flag, n):
    """Whether at least ``n`` neighbours of ``p`` have ``flag`` (stops counting there)."""
    if n <= 0:
        return True
    c = 0
    for j in range(indptr[p], indptr[p + 1]):
        if state[indices[j]] & flag:
            c += 1
            if c >= n:
                return True
    return False


@numba.njit(inline="always", **_JIT)
def _any(indptr, indices, state, p, flag):
    """Whether a neighbour of ``p`` has ``flag`` in its scratch byte."""
    for j in range(indptr[p], indptr[p + 1]):
        if state[indices[j]] & flag:
            return True
    return False


@numba.njit(inline="always", **_JIT)
def _count_in_time(indptr, indices, state, p, flag, time, time_limit):
    """Neighbours of ``p`` with ``flag`` whose arrival differs by less than ``time_limit``."""
    c = 0
    t = time[p]
    for j in range(indptr[p], indptr[p + 1]):
        q = indices[j]
        if state[q] & flag and abs(t - time[q]) < time_limit:
            c += 1
    return c


@numba.njit(inline="always", **_JIT)
def _mark_core(indptr, indices, cand, n, state, min_neighbors):
    """Flag picture pixels with at least ``min_neighbors`` picture neighbours as core."""
    for k in range(n):
        p = cand[k]
        if state[p] & _PICTURE:
            if _has_at_least(indptr, indices, state, p, _PICTURE, min_neighbors):
                state[p] |= _CORE


@numba.njit(inline="always", **_JIT)
def _reset(cand, n, state):
    for k in range(n):
        state[cand[k]] = 0


@numba.njit(inline="always", **_JIT)
def _tailcuts_image(
    image, indptr, indices, picture, boundary, keep_isolated, min_neighbors, state, cand, out
):
    """Tailcuts of one image into ``out``; leaves the flags in ``state`` for the caller."""
    n = _candidates(image, picture, boundary, cand, state)
    if keep_isolated:
        # the neighbour requirement does not apply when isolated pixels are kept
        for k in range(n):
            if state[cand[k]] & _PICTURE:
                state[cand[k]] |= _CORE
    else:
        _mark_core(indptr, indices, cand, n, state, min_neighbors)
    for k in range(n):
        p = cand[k]
        flags = state[p]
        keep = False
        if flags & _BOUNDARY:
            keep = _any(indptr, indices, state, p, _CORE)
        if not keep and flags & _CORE:
            keep = keep_isolated or _any(indptr, indices, state, p, _BOUNDARY)
        out[p] = keep
    return n


@numba.njit(**_JIT)
def tailcuts(
    images_pe, indptr, indices, picture_pe, boundary_pe, keep_isolated, min_neighbors, out
):
    """Picture/boundary cleaning of every image (see `cherenkit_cleaning.tailcuts_clean`)."""
    n_pixels = images_pe.shape[1]
    state = np.zeros(n_pixels, np.uint8)
    cand = np.empty(n_pixels, np.int64)
    for e in range(images_pe.shape[0]):
        n = _tailcuts_image(
            images_pe[e],
            indptr,
            indices,
            picture_pe,
            boundary_pe,
            keep_isolated,
            min_neighbors,
            state,
            cand,
            out[e],
        )
        _reset(cand, n, state)
    return out


@numba.njit(**_JIT)
def mars(images_pe, indptr, indices, picture_pe, boundary_pe, keep_isolated, min_neighbors, out):
    """Tailcuts plus one more ring of boundary pixels (see `mars_image_cleaning`)."""
    n_pixels = images_pe.shape[1]
    state = np.zeros(n_pixels, np.uint8)
    cand = np.empty(n_pixels, np.int64)
    for e in range(images_pe.shape[0]):
        mask = out[e]
        n = _tailcuts_image(
            images_pe[e],
            indptr,
            indices,
            picture_pe,
            boundary_pe,
            keep_isolated,
            min_neighbors,
            state,
            cand,
            mask,
        )
        # every pixel the tailcuts kept is a candidate (above one of the thresholds)
        for k in range(n):
            if mask[cand[k]]:
                state[cand[k]] |= _STAGE_A
        for k in range(n):
            p = cand[k]
            flags = state[p]
            keep = False
            if flags & _BOUNDARY:
                keep = _any(indptr, indices, state, p, _STAGE_A)
            if not keep and flags & _STAGE_A:
                keep = keep_isolated or _any(indptr, indices, state, p, _BOUNDARY)
            mask[p] = keep
        _reset(cand, n, state)
    return out


@numba.njit(inline="always", **_JIT)
def _time_delta_step(indptr, indices, cand, n, state, time, flag_in, flag_out, min_n, limit):
    """Flag ``flag_in`` pixels with ≥ ``min_n`` ``flag_in`` neighbours in time as ``flag_out``."""
    for k in range(n):
        p = cand[k]
        if state[p] & flag_in:
            if _count_in_time(indptr, indices, state, p, flag_in, time, limit) >= min_n:
                state[p] |= flag_out


@numba.njit(**_JIT)
def fact(
    images_pe,
    times_ns,
    indptr,
    indices,
    picture_pe,
    boundary_pe,
    min_neighbors,
    time_limit_ns,
    out,
):
    """FACT cleaning of every image (see `fact_image_cleaning` for the six steps)."""
    n_pixels = images_pe.shape[1]
    state = np.zeros(n_pixels, np.uint8)
    cand = np.empty(n_pixels, np.int64)
    for e in range(images_pe.shape[0]):
        image = images_pe[e]
        time = times_ns[e]
        mask = out[e]
        n = _candidates(image, picture_pe, boundary_pe, cand, state)
        # steps 1-2: picture pixels with enough picture neighbours
        _mark_core(indptr, indices, cand, n, state, min_neighbors)
        # step 3: those and their neighbours, if above the boundary threshold
        for k in range(n):
            p = cand[k]
            if state[p] & _BOUNDARY and (
                state[p] & _CORE or _any(indptr, indices, state, p, _CORE)
            ):
                state[p] |= _STAGE_A
        if min_neighbors <= 0:
            for k in range(n):
                mask[cand[k]] = (state[cand[k]] & _STAGE_A) != 0
        else:
            # step 4: enough selected neighbours within the time limit
            _time_delta_step(
                indptr,
                indices,
                cand,
                n,
                state,
                time,
                _STAGE_A,
                _STAGE_B,
                min_neighbors,
                time_limit_ns,
            )
            # step 5: enough selected neighbours
            for k in range(n):
                p = cand[k]
                if state[p] & _STAGE_B:
                    if _has_at_least(indptr, indices, state, p, _STAGE_B, min_neighbors):
                        state[p] |= _STAGE_C
            # step 6: enough selected neighbours within the time limit, again
            for k in range(n):
                p = cand[k]
                if state[p] & _STAGE_C:
                    c = _count_in_time(indptr, indices, state, p, _STAGE_C, time, time_limit_ns)
                    mask[p] = c >= min_neighbors
        _reset(cand, n, state)
    return out


@numba.njit(**_JIT)
def time_delta(masks, times_ns, indptr, indices, min_neighbors, time_limit_ns, out):
    """Keep mask pixels with enough mask neighbours within the time limit."""
    n_pixels = masks.shape[1]
    state = np.zeros(n_pixels, np.uint8)
    cand = np.empty(n_pixels, np.int64)
    for e in range(masks.shape[0]):
        mask = masks[e]
        n = 0
        for p in range(n_pixels):
            if mask[p]:
                cand[n] = p
                state[p] = _STAGE_A
                n += 1
        for k in range(n):
            p = cand[k]
            c = _count_in_time(indptr, indices, state, p, _STAGE_A, times_ns[e], time_limit_ns)
            out[e, p] = c >= min_neighbors
        _reset(cand, n, state)
    return out


@numba.njit(inline="always", **_JIT)
def _brightest_island_time(image, time, indptr, indices, cand, n, state, labels, stack, sums):
    """Image²-weighted mean arrival time of the brightest island of core pixels.

    Islands are the connected groups of ``_CORE`` pixels, labelled 1, 2, ... in the
    order of their lowest pixel index; the brightest has the largest summed image
    (the lowest label among equals). Sums run in pixel order. NaN when there is no
    core pixel.
    """
    n_islands = 0
    for k in range(n):
        seed = cand[k]
        if not state[seed] & _CORE or labels[seed] != 0:
            continue
        n_islands += 1
        labels[seed] = n_islands
        top = 0
        stack[top] = seed
        top += 1
        while top > 0:
            top -= 1
            p = stack[top]
            for j in range(indptr[p], indptr[p + 1]):
                q = indices[j]
                if state[q] & _CORE and labels[q] == 0:
                    labels[q] = n_islands
                    stack[top] = q
                    top += 1
    if n_islands == 0:
        return np.nan
    for i in range(n_islands + 1):
        sums[i] = 0.0
    for k in range(n):
        p = cand[k]
        if labels[p] != 0:
            sums[labels[p]] += image[p]
    brightest = 1
    for i in range(2, n_islands + 1):
        if sums[i] > sums[brightest]:
            brightest = i
    weighted = 0.0
    weights = 0.0
    for k in range(n):
        p = cand[k]
        if labels[p] == brightest:
            w = image[p] * image[p]
            weighted += time[p] * w
            weights += w
        labels[p] = 0
    return weighted / weights if weights != 0.0 else np.nan


@numba.njit(**_JIT)
def time_constrained(
    images_pe,
    times_ns,
    indptr,
    indices,
    picture_pe,
    boundary_pe,
    time_limit_core_ns,
    time_limit_boundary_ns,
    min_neighbors,
    out,
):
    """MAGIC time-constrained cleaning (see `time_constrained_clean`)."""
    n_pixels = images_pe.shape[1]
    state = np.zeros(n_pixels, np.uint8)
    cand = np.empty(n_pixels, np.int64)
    labels = np.zeros(n_pixels, np.int64)
    stack = np.empty(n_pixels, np.int64)
    sums = np.empty(n_pixels + 1, np.float64)
    for e in range(images_pe.shape[0]):
        image = images_pe[e]
        time = times_ns[e]
        mask = out[e]
        n = _candidates(image, picture_pe, boundary_pe, cand, state)
        _mark_core(indptr, indices, cand, n, state, min_neighbors)
        mean_time = _brightest_island_time(
            image, time, indptr, indices, cand, n, state, labels, stack, sums
        )
        # core pixels close in time to the main island; bright ones get twice the limit
        for k in range(n):
            p = cand[k]
            if state[p] & _CORE:
                limit = time_limit_core_ns
                if not image[p] < 2.0 * picture_pe:
                    limit = 2.0 * time_limit_core_ns
                if abs(time[p] - mean_time) < limit:
                    state[p] |= _STAGE_A
                    mask[p] = True
        # boundary pixels next to enough of those core pixels, close in time to them
        for k in range(n):
            p = cand[k]
            flags = state[p]
            if flags & _BOUNDARY and not flags & _STAGE_A:
                if _any(indptr, indices, state, p, _STAGE_A):
                    c = _count_in_time(
                        indptr, indices, state, p, _STAGE_A, time, time_limit_boundary_ns
                    )
                    mask[p] = c >= min_neighbors
        _reset(cand, n, state)
    return out
