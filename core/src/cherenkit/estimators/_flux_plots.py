"""Plots of `FluxPoints` and `LightCurve` (matplotlib)."""

from __future__ import annotations

import numpy as np

_LABELS = {
    "dnde": "dN/dE",
    "e2dnde": "E² dN/dE",
    "flux": "Flux",
    "eflux": "Energy flux",
    "norm": "Norm",
}


def _errors(points, sed_type, index=Ellipsis):
    """Values, (lower, upper) errors and upper limits (plain arrays) and the unit."""
    if sed_type == "norm":
        value, unit = points.norm[index], ""

        def get(suffix):
            return points._data[f"norm{suffix}"][index]
    else:
        quantity = points.sed(sed_type)
        value, unit = quantity.value[index], quantity.unit

        def get(suffix):
            return points.sed(sed_type, suffix).to_value(unit)[index]

    if "norm_errn" in points.available:
        errors = np.array([get("_errn"), get("_errp")])
    else:
        err = get("_err")
        errors = np.array([err, err])
    upper = get("_ul") if "norm_ul" in points.available else None
    return value, errors, upper, unit


def _draw(ax, x, xerr, value, errors, upper, is_ul, kwargs):
    kwargs.setdefault("marker", "o")
    kwargs.setdefault("linestyle", "none")
    points = ~is_ul
    container = ax.errorbar(
        x[points], value[points], xerr=xerr[:, points], yerr=errors[:, points], **kwargs
    )
    if upper is not None:
        is_ul = is_ul & (upper > 0)  # a limit at or below zero has no place on a log axis
    if upper is not None and np.any(is_ul):
        color = container[0].get_color()
        ul_kwargs = {k: v for k, v in kwargs.items() if k != "label"}
        ul_kwargs["color"] = color
        ax.errorbar(
            x[is_ul],
            upper[is_ul],
            xerr=xerr[:, is_ul],
            yerr=0.5 * upper[is_ul],
            uplims=True,
            **ul_kwargs,
        )
    return ax


def plot_flux_points(points, ax=None, sed_type="dnde", **kwargs):
    """See `FluxPoints.plot`."""
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    if sed_type not in ("dnde", "e2dnde", "flux", "eflux"):
        raise ValueError(f"sed_type must be 'dnde', 'e2dnde', 'flux' or 'eflux', got {sed_type!r}")
    value, errors, upper, unit = _errors(points, sed_type)
    e_ref = points.energy_ref.value
    xerr = np.array([e_ref - points.energy_min.value, points.energy_max.value - e_ref])
    is_ul = np.asarray(points.is_ul, bool) & (upper is not None)
    _draw(ax, e_ref, xerr, value, errors, upper, is_ul, kwargs)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("Energy [TeV]")
    ax.set_ylabel(f"{_LABELS[sed_type]} [{unit.to_string()}]")
    return ax


def plot_ts_profiles(points, ax=None, sed_type="dnde", **kwargs):
    """See `FluxPoints.plot_ts_profiles`."""
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    norm_scan, stat_scan = points.norm_scan, points.stat_scan
    reference = points.reference_values(sed_type)
    delta = stat_scan - np.asarray(points.stat)[:, np.newaxis]
    kwargs.setdefault("cmap", "Blues_r")
    kwargs.setdefault("vmin", 0)
    kwargs.setdefault("vmax", 4)
    mesh = None
    for i in range(len(points)):
        y = norm_scan[i] * reference.value[i]
        if not np.all(np.isfinite(delta[i])) or len(y) < 2:
            continue
        y_edges = np.sqrt(y[1:] * y[:-1]) if np.all(y > 0) else 0.5 * (y[1:] + y[:-1])
        y_edges = np.concatenate([[2 * y[0] - y_edges[0]], y_edges, [2 * y[-1] - y_edges[-1]]])
        x_edges = points.energy_edges[i : i + 2]
        mesh = ax.pcolormesh(x_edges, y_edges, delta[i][:, np.newaxis], **kwargs)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("Energy [TeV]")
    ax.set_ylabel(f"{_LABELS[sed_type]} [{reference.unit.to_string()}]")
    if mesh is not None:
        ax.figure.colorbar(mesh, ax=ax, label="ΔTS")
    return ax


def plot_light_curve(curve, ax=None, sed_type="flux", energy_index=0, **kwargs):
    """See `LightCurve.plot`."""
    import matplotlib.pyplot as plt

    ax = plt.gca() if ax is None else ax
    if sed_type not in _LABELS:
        raise ValueError(f"sed_type must be one of {sorted(_LABELS)}, got {sed_type!r}")
    if not -len(curve) <= energy_index < len(curve):
        raise ValueError(f"energy_index {energy_index} is out of range: {len(curve)} groups")
    index = (slice(None), energy_index)
    value, errors, upper, unit = _errors(curve, sed_type, index)
    t_min, t_max = curve.time_min.tt.mjd, curve.time_max.tt.mjd
    x = 0.5 * (t_min + t_max)
    xerr = np.array([x - t_min, t_max - x])
    is_ul = np.asarray(curve.is_ul, bool)[index] & (upper is not None)
    _draw(ax, x, xerr, value, errors, upper, is_ul, kwargs)
    e_lo, e_hi = curve.energy_edges[energy_index], curve.energy_edges[energy_index + 1]
    ax.set_xlabel("Time [MJD (TT)]")
    unit = unit.to_string() if hasattr(unit, "to_string") else str(unit)
    ax.set_ylabel(
        f"{_LABELS[sed_type]} ({e_lo:.3g}-{e_hi:.3g} TeV)" + (f" [{unit}]" if unit else "")
    )
    return ax
