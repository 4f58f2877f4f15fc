"""Shared helpers of the safe-mask methods: plain numpy on floats, no plugin logic."""

from __future__ import annotations

import warnings

import numpy as np

__all__ = [
    "energy_mask",
    "first_crossing_loglog",
    "require_observation",
    "sky_position",
]

#: bins of the root bracketing scan (log-spaced), as gammapy's ``find_roots``
N_SCAN = 100
_TINY = np.finfo(np.float64).tiny


def require_observation(observation, method, why):
    """Raise a clear error when a method that needs the observation gets None."""
    if observation is None:
        raise ValueError(
            f"safe-mask method {method!r} needs the observation ({why}); "
            "call it as method(dataset, observation) or SafeMaskMaker.run(dataset, observation)"
        )
    return observation


def energy_mask(dataset, energy_min=None, energy_max=None):
    """Bins of the counts geometry lying fully inside ``[energy_min, energy_max]``.

    A reconstructed-energy bin is kept when its lower edge is ``>= energy_min`` and
    its upper edge ``<= energy_max`` (either bound may be None). Returns a bool
    array of the counts shape.
    """
    geom = dataset.counts.geom
    axis = geom.axis("energy")
    edges = axis.edges_value
    keep = np.ones(axis.nbin, dtype=bool)
    if energy_min is not None:
        keep &= edges[:-1] >= _to_axis_unit(energy_min, axis)
    if energy_max is not None:
        keep &= edges[1:] <= _to_axis_unit(energy_max, axis)
    shape = [1] * len(geom.data_shape)
    names = [ax.name for ax in geom.axes]  # data axes: last non-spatial axis first
    shape[len(names) - 1 - names.index("energy")] = axis.nbin
    return np.broadcast_to(keep.reshape(shape), geom.data_shape).copy()


def _to_axis_unit(energy, axis):
    import astropy.units as u

    return u.Quantity(energy).to_value(axis.unit)


def sky_position(value):
    """A ``(lon, lat)`` pair in deg (ICRS) as an astropy `SkyCoord`."""
    from astropy.coordinates import SkyCoord

    return SkyCoord(value[0], value[1], unit="deg", frame="icrs")


def _log_model(log_nodes, log_values, log_x):
    """Piecewise-linear interpolation in (ln E, ln value), extrapolated linearly."""
    out = np.interp(log_x, log_nodes, log_values)
    if log_nodes.size > 1:
        lo = log_x < log_nodes[0]
        hi = log_x > log_nodes[-1]
        slope_lo = (log_values[1] - log_values[0]) / (log_nodes[1] - log_nodes[0])
        slope_hi = (log_values[-1] - log_values[-2]) / (log_nodes[-1] - log_nodes[-2])
        out = np.where(lo, log_values[0] + slope_lo * (log_x - log_nodes[0]), out)
        out = np.where(hi, log_values[-1] + slope_hi * (log_x - log_nodes[-1]), out)
    return out


def first_crossing_loglog(energy, values, target, energy_min, energy_max):
    """Lowest energy in ``[energy_min, energy_max]`` where a tabulated curve crosses ``target``.

    The curve is interpolated linearly in ``(ln E, ln value)`` between the nodes
    ``(energy, values)``, values at or below 0 entering the log as the smallest
    normal float64 (gammapy's ``TemplateSpectralModel`` with its default log scales).
    As in gammapy's root finding, the range is scanned on ``N_SCAN`` log-spaced
    intervals and the first interval whose ends lie on different sides of ``target``
    holds the crossing; inside it the crossing is solved exactly (the curve is a
    power law between two nodes) instead of by Brent's method.

    Parameters
    ----------
    energy : `~numpy.ndarray`
        Increasing, positive node energies (any unit; the bounds in the same unit).
    values : `~numpy.ndarray`
        Curve values at the nodes.
    target : float
        Value to cross; must be > 0.
    energy_min, energy_max : float
        Search range.

    Returns
    -------
    energy : float
        The crossing, or NaN when the scan finds none.
    """
    if not target > 2 * _TINY:
        return np.nan
    log_nodes = np.log(np.asarray(energy, dtype=np.float64))
    log_values = np.log(np.clip(np.asarray(values, dtype=np.float64), _TINY, None))
    log_target = np.log(target)
    u = np.linspace(np.log(energy_min), np.log(energy_max), N_SCAN + 1)
    sign = np.sign(_log_model(log_nodes, log_values, u) - log_target)
    changes = np.flatnonzero(sign[:-1] != sign[1:])
    if changes.size == 0:
        return np.nan
    k = changes[0]
    # breakpoints of the piecewise-linear curve inside the bracket
    inner = log_nodes[(log_nodes > u[k]) & (log_nodes < u[k + 1])]
    points = np.concatenate([[u[k]], inner, [u[k + 1]]])
    diff = _log_model(log_nodes, log_values, points) - log_target
    for i in range(points.size - 1):
        d0, d1 = diff[i], diff[i + 1]
        if d0 == 0:
            return float(np.exp(points[i]))
        if np.sign(d0) != np.sign(d1):
            root = points[i] + d0 * (points[i + 1] - points[i]) / (d0 - d1)
            return float(np.exp(root))
    return float(np.exp(points[-1]))


def warn(message):
    """Emit a `UserWarning` from the caller of the safe-mask method."""
    warnings.warn(message, UserWarning, stacklevel=4)
