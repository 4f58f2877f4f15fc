"""numba kernels of the image morphology: connected groups ("islands") of selected pixels.

The neighbour graph comes as the two CSR arrays of
`CameraGeometry.neighbor_matrix_sparse`: the neighbours of pixel ``p`` are
``indices[indptr[p]:indptr[p + 1]]``. Islands are numbered 1, 2, ... in the order of
their lowest pixel index (the numbering ctapipe produces); label 0 is a pixel that
is not selected.
"""

import numba
import numpy as np

from ._kernels import JIT, gather

SMALL_ISLAND_MAX = 2
"""Islands of at most this many pixels are small."""
LARGE_ISLAND_MIN = 51
"""Islands of at least this many pixels are large; the others (3 to 50) are medium."""


@numba.njit(**JIT)
def label_islands(sel, n, indptr, indices, labels, stack):
    """Label the islands formed by the ``n`` selected pixels ``sel[:n]`` (ascending).

    ``labels`` (one int32 per camera pixel) must be 0 everywhere on entry except
    that it is overwritten at the selected pixels; ``stack`` is a work array of at
    least ``n`` entries. Returns the number of islands.
    """
    for k in range(n):
        labels[sel[k]] = -1
    n_islands = 0
    for k in range(n):
        start = sel[k]
        if labels[start] != -1:
            continue
        n_islands += 1
        labels[start] = n_islands
        top = 0
        stack[top] = start
        top += 1
        while top > 0:
            top -= 1
            p = stack[top]
            for j in range(indptr[p], indptr[p + 1]):
                q = indices[j]
                if labels[q] == -1:
                    labels[q] = n_islands
                    stack[top] = q
                    top += 1
    return n_islands


@numba.njit(**JIT)
def island_sizes(sel, n, labels, n_islands, counts, out):
    """Small, medium and large island counts into ``out[0:3]`` (``counts``: work array)."""
    for i in range(n_islands + 1):
        counts[i] = 0
    for k in range(n):
        counts[labels[sel[k]]] += 1
    small = 0
    large = 0
    for i in range(1, n_islands + 1):
        if counts[i] <= SMALL_ISLAND_MAX:
            small += 1
        elif counts[i] >= LARGE_ISLAND_MIN:
            large += 1
    out[0] = small
    out[1] = n_islands - small - large
    out[2] = large


@numba.njit(**JIT)
def islands_batch(indptr, indices, masks):
    """Island labels and morphology of every mask.

    Returns ``(labels [n_events, n_pixels] int32, morphology [n_events, 5] int64)``
    with morphology columns n_pixels, n_islands, n_small, n_medium, n_large.
    """
    n_events, n_pixels = masks.shape
    labels = np.zeros((n_events, n_pixels), dtype=np.int32)
    morphology = np.zeros((n_events, 5), dtype=np.int64)
    sel = np.empty(n_pixels, dtype=np.int64)
    stack = np.empty(n_pixels, dtype=np.int64)
    counts = np.empty(n_pixels + 1, dtype=np.int64)
    sizes = np.empty(3, dtype=np.int64)
    for e in range(n_events):
        n = gather(masks[e], sel)
        n_islands = label_islands(sel, n, indptr, indices, labels[e], stack)
        island_sizes(sel, n, labels[e], n_islands, counts, sizes)
        morphology[e, 0] = n
        morphology[e, 1] = n_islands
        morphology[e, 2] = sizes[0]
        morphology[e, 3] = sizes[1]
        morphology[e, 4] = sizes[2]
    return labels, morphology
