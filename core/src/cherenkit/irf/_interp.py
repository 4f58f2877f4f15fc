"""Multilinear interpolation on a regular (rectilinear) grid, in plain numpy.

Each axis is handled on its own (unbroadcast) coordinate array; the corner values
are then gathered with broadcast fancy indexing, so that an outer-product request
(e.g. 100 energies x 250 x 250 FoV positions) costs one gather per corner and no
per-point Python work.
"""

from __future__ import annotations

import itertools

import numpy as np


def _axis_terms(nodes, coord, method):
    """(index, weight) pairs of one axis for each coordinate (linear extrapolation outside)."""
    n = nodes.size
    if n == 1:
        return [(np.zeros(coord.shape, dtype=np.intp), None)]
    i = np.clip(np.searchsorted(nodes, coord, side="left") - 1, 0, n - 2)
    lo = nodes[i]
    with np.errstate(invalid="ignore"):
        t = (coord - lo) / (nodes[i + 1] - lo)
    if method == "nearest":
        with np.errstate(invalid="ignore"):
            return [(np.where(t <= 0.5, i, i + 1), None)]
    return [(i, 1.0 - t), (i + 1, t)]


def grid_interpolate(nodes, values, coords, *, method="linear"):
    """Interpolate ``values`` given on the grid ``nodes`` at ``coords``.

    Parameters
    ----------
    nodes : list of `~numpy.ndarray`
        Strictly increasing node positions per axis (already scaled).
    values : `~numpy.ndarray`
        Values on the grid (already scaled), shape ``tuple(len(n) for n in nodes)``.
    coords : list of `~numpy.ndarray`
        Coordinates per axis (already scaled), mutually broadcastable.
    method : {"linear", "nearest"}
        Default is "linear". Axes with a single node are constant.

    Returns
    -------
    out : `~numpy.ndarray`, float64, the broadcast shape of ``coords``
        Linear extrapolation beyond the outermost nodes; NaN coordinates give NaN.
    """
    if method not in ("linear", "nearest"):
        raise ValueError(f"method must be 'linear' or 'nearest', got {method!r}")
    coords = [np.asarray(c, dtype=np.float64) for c in coords]
    shape = np.broadcast_shapes(*(c.shape for c in coords))
    ndim = len(shape)
    coords = [c.reshape((1,) * (ndim - c.ndim) + c.shape) for c in coords]
    terms = [_axis_terms(n, c, method) for n, c in zip(nodes, coords, strict=True)]
    out = np.zeros(shape, dtype=np.float64)
    for corner in itertools.product(*terms):
        idx = tuple(term[0] for term in corner)
        gathered = values[idx]
        weight = None
        for _, w in corner:
            if w is not None:
                weight = w if weight is None else weight * w
        out += gathered if weight is None else weight * gathered
    # a NaN coordinate on a single-node axis or with "nearest" still gives NaN
    nan = np.zeros(shape, dtype=bool)
    for c in coords:
        nan = nan | np.isnan(c)
    if nan.any():
        out[nan] = np.nan
    return out
