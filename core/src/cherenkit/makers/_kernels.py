"""numba kernels of the map reduction: plain float64 arrays in, plain arrays out.

Imported only when a map with a 3-d background template is first reduced. No units,
no checks: `cherenkit.makers._reduction` converts and validates before calling.
"""

import math

import numba

from .. import NUMBA_CACHE

_JIT = {"cache": NUMBA_CACHE, "nogil": True}


@numba.njit(**_JIT)
def trilinear_energy_pixels(grid, e_idx, e_w, x_idx, x_w, y_idx, y_w, out):
    """Trilinear interpolation of ``grid[n_e, n_x, n_y]`` at (energy) × (pixels).

    ``out[j, p] = Σ_corners ((e_w[a, j] * x_w[b, p]) * y_w[c, p]) * grid[e_idx[a, j],
    x_idx[b, p], y_idx[c, p]]``, corners in the order (a, b, c) = (0, 0, 0), (0, 0, 1),
    ..., (1, 1, 1), summed from 0: bit for bit the generic path of
    `cherenkit.irf._interp.grid_interpolate` (``_corners``) for coordinates
    ``(energy[:, None], x[None, :], y[None, :])``.

    grid : (n_e, n_x, n_y); e_idx, e_w : (2, n_energy); x_idx, x_w, y_idx, y_w :
    (2, n_pixels); out : (n_energy, n_pixels), written and returned.
    """
    n_energy = e_idx.shape[1]
    n_pixels = x_idx.shape[1]
    for j in range(n_energy):
        for p in range(n_pixels):
            acc = 0.0
            for a in range(2):
                ie = e_idx[a, j]
                we = e_w[a, j]
                for b in range(2):
                    ix = x_idx[b, p]
                    wex = we * x_w[b, p]
                    for c in range(2):
                        acc += (wex * y_w[c, p]) * grid[ie, ix, y_idx[c, p]]
            out[j, p] = acc
    return out


@numba.njit(**_JIT)
def integrate_loglog_bins(values, edges, out):
    """∫ over each bin of a function known at the bin edges, as a power law per bin
    (the formula of `cherenkit.makers._reduction.integrate_loglog`, one pass, no
    temporaries).

    values : (n_edges, n_points); edges : (n_edges,) > 0; out : (n_edges - 1,
    n_points), written and returned. A bin whose end values are not both positive
    integrates to 0.
    """
    tiny = 2.2250738585072014e-308
    for i in range(edges.size - 1):
        x0, x1 = edges[i], edges[i + 1]
        log_x = math.log(x0 / x1)
        log_r = math.log(x1 / x0)
        r = x1 / x0
        for p in range(values.shape[1]):
            y0, y1 = values[i, p], values[i + 1, p]
            if y0 > 0.0 and y1 > 0.0:
                ratio = y0 / y1
                if ratio < tiny:
                    ratio = tiny
                gamma = 1.0 + math.log(ratio) / log_x
                if abs(gamma) <= 1e-8:
                    out[i, p] = y0 * x0 * log_r
                else:
                    out[i, p] = y0 * x0 / gamma * (math.pow(r, gamma) - 1.0)
            else:
                out[i, p] = 0.0
    return out
