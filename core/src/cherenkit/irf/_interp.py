"""Multilinear interpolation on a regular (rectilinear) grid, in plain numpy.

Each axis is handled on its own (unbroadcast) coordinate array. Two paths give the
same values (to rounding, ~1e-15 relative):

* separable: when every output dimension is spanned by the coordinates of at most
  one grid axis (an outer-product request, e.g. 100 energies x 250 x 250 FoV
  positions), the grid is contracted one axis at a time, each a 1-d interpolation
  (two gathers), smallest intermediate first; the full output is touched by one
  contraction only;
* generic: otherwise (e.g. one point per event), the 2**d corner values are gathered
  with broadcast fancy indexing, one gather per corner.
"""

from __future__ import annotations

import itertools
import math

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
    dims = _separable_dims(coords)
    if dims is not None:
        out = _separable(nodes, values, coords, dims, shape, method)
    else:
        out = _corners(nodes, values, coords, shape, method)
    # a NaN coordinate on a single-node axis or with "nearest" still gives NaN
    for c in coords:
        nan = np.isnan(c)
        if nan.any():
            np.copyto(out, np.nan, where=nan)
    return out


def _corners(nodes, values, coords, shape, method):
    """Generic path: one broadcast gather per grid corner."""
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
    return out


def _separable_dims(coords):
    """Per axis, the output dimensions its coordinates span; None when two axes share one."""
    dims = []
    used = set()
    for c in coords:
        spanned = {d for d, size in enumerate(c.shape) if size != 1}
        if spanned & used:
            return None
        used |= spanned
        dims.append(tuple(sorted(spanned)))
    return dims


def _contraction_order(grid_shape, sizes, dims, out_size):
    """Axis order that touches the least memory; one not in output order costs a copy more."""
    best = None
    for order in itertools.permutations(range(len(grid_shape))):
        cost, done = 0, 1
        left = list(grid_shape)
        for k in order:
            done *= sizes[k]
            left[k] = 1
            cost += done * math.prod(left)
        out_dims = [d for k in order for d in dims[k]]
        if out_dims != sorted(out_dims):
            cost += out_size
        if best is None or cost < best[0]:
            best = (cost, order)
    return best[1]


def _separable(nodes, values, coords, dims, shape, method):
    """Separable path: contract the grid one axis at a time (see the module docstring)."""
    squeezed = [
        c.reshape(tuple(c.shape[d] for d in dk)) for c, dk in zip(coords, dims, strict=True)
    ]
    sizes = [c.size for c in squeezed]
    order = _contraction_order(values.shape, sizes, dims, math.prod(shape))
    a = np.asarray(values, dtype=np.float64)
    remaining = list(range(len(nodes)))
    done = 0  # leading dimensions of ``a`` that are output dimensions already
    out_dims = []
    for k in order:
        pos = done + remaining.index(k)
        remaining.remove(k)
        if pos != done:
            a = np.moveaxis(a, pos, done)
        terms = _axis_terms(nodes[k], squeezed[k], method)
        if len(terms) == 1:
            a = np.take(a, terms[0][0], axis=done)
        else:
            (i_lo, w_lo), (i_hi, w_hi) = terms
            expand = (...,) + (np.newaxis,) * len(remaining)
            lo = np.take(a, i_lo, axis=done)
            hi = np.take(a, i_hi, axis=done)
            lo *= w_lo[expand]
            hi *= w_hi[expand]
            lo += hi
            a = lo
        done += squeezed[k].ndim
        out_dims.extend(dims[k])
    # ``a`` holds the spanned output dimensions in ``out_dims`` order
    if out_dims != sorted(out_dims):
        a = a.transpose(np.argsort(out_dims))
    return np.ascontiguousarray(a).reshape(shape)
