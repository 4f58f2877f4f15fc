"""Pixel adjacency from pixel positions: plain arrays in, plain arrays out.

No units and no geometry objects here; `~cherenkit.instrument.CameraGeometry`
calls these once and caches the result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

# scipy is imported where it is used: importing cherenkit.instrument (e.g. from a
# plugin module while the command line starts) should not pay for scipy

__all__ = [
    "NEIGHBOR_RULES",
    "border_mask",
    "find_neighbor_pairs",
    "induced_pairs",
    "pairs_to_csr",
]

NEIGHBOR_RULES = {
    # grid: (most neighbours a pixel can have, Minkowski p-norm, distance factor)
    "hexagon": (6, 2.0, 1.4),
    "circle": (6, 2.0, 1.4),
    "square": (4, 1.0, 1.5),
}
"""Neighbour search rule per pixel grid, see `find_neighbor_pairs`."""


def find_neighbor_pairs(x: np.ndarray, y: np.ndarray, grid: str) -> np.ndarray:
    """Undirected neighbour pairs of pixels at positions ``(x, y)``.

    The rule, per pixel: among its ``k`` nearest other pixels (``k`` = 6 on a
    hexagonal or circular-pixel grid, 4 on a square grid), keep those closer than
    ``factor`` times the distance to its nearest other pixel. Distances are
    Euclidean on hexagonal grids (``factor`` = 1.4: the second ring of a hexagonal
    grid starts at sqrt(3) ≈ 1.73 pitches) and Manhattan (L1) on square grids
    (``factor`` = 1.5: side neighbours are 1 pitch away, diagonal ones 2). The
    threshold is relative to each pixel's own nearest distance, so gaps between
    camera modules or a pitch that varies across the camera are handled without a
    global scale. This is the rule of ctapipe 0.28, which it reproduces pair for
    pair on every camera in the reference files. Unlike ctapipe, the relation is
    made symmetric (a pair is kept when either pixel selects the other), so
    ``neighbor_matrix`` is always symmetric; on regular cameras nothing changes.

    Parameters
    ----------
    x, y : `numpy.ndarray`, shape (n_pixels,)
        Pixel centres, any one length or angle unit (the rule is scale free).
    grid : {"hexagon", "circle", "square"}
        Pixel shape, which decides the grid the pixels sit on.

    Returns
    -------
    pairs : `numpy.ndarray` of int64, shape (n_pairs, 2)
        Pixel indices ``(i, j)`` with ``i < j``, sorted by ``i`` then ``j``.
    """
    n_pixels = len(x)
    if n_pixels < 2:
        return np.empty((0, 2), dtype=np.int64)
    from scipy.spatial import cKDTree

    max_neighbors, norm, factor = NEIGHBOR_RULES[grid]
    points = np.column_stack([np.asarray(x, np.float64), np.asarray(y, np.float64)])
    k = min(max_neighbors + 1, n_pixels)
    distance, index = cKDTree(points).query(points, k=k, p=norm)
    # the pixel itself is normally the first hit; drop it wherever it is, so that
    # coincident pixels cannot push a real neighbour out of the candidate list
    rows = np.arange(n_pixels)[:, np.newaxis]
    candidate = (index != rows) & (index < n_pixels)
    candidate &= np.cumsum(candidate, axis=1) <= max_neighbors
    nearest = np.where(candidate, distance, np.inf).min(axis=1, keepdims=True)
    keep = candidate & (distance < factor * nearest)
    i = np.broadcast_to(rows, index.shape)[keep]
    j = index[keep]
    code = np.unique(np.minimum(i, j) * n_pixels + np.maximum(i, j))
    return np.column_stack([code // n_pixels, code % n_pixels]).astype(np.int64)


def induced_pairs(pairs: np.ndarray, index: np.ndarray, n_parent: int) -> np.ndarray:
    """The pairs among the pixels ``index`` of a parent camera, renumbered."""
    new_index = np.full(n_parent, -1, dtype=np.int64)
    new_index[index] = np.arange(len(index))
    pairs = new_index[pairs]
    pairs = np.sort(pairs[(pairs >= 0).all(axis=1)], axis=1)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]


def pairs_to_csr(pairs: np.ndarray, n_pixels: int) -> csr_matrix:
    """Symmetric boolean adjacency matrix (CSR, sorted indices) of undirected pairs."""
    from scipy.sparse import csr_matrix

    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
    data = np.ones(len(rows), dtype=bool)
    matrix = csr_matrix((data, (rows, cols)), shape=(n_pixels, n_pixels), dtype=bool)
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix


def border_mask(adjacency: csr_matrix, width: int) -> np.ndarray:
    """Pixels within ``width - 1`` neighbour steps of the outermost pixels.

    The outermost pixels (``width`` = 1) are those with fewer neighbours than the
    best-connected pixel of the camera; each further width adds the neighbours of
    the pixels already selected.
    """
    n_neighbors = np.diff(adjacency.indptr)
    mask = n_neighbors < n_neighbors.max(initial=0)
    step = adjacency.astype(np.int32)
    for _ in range(width - 1):
        mask = mask | (step @ mask.astype(np.int32) > 0)
    return mask
