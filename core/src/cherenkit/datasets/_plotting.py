"""Quick-look plots of reduced datasets (matplotlib, imported only when a plot is made).

Each function takes the dataset first and an optional ``ax``; it returns the axes it
drew on (the figure for the ``peek`` functions). The dataset classes expose them as
thin methods (`MapDataset.peek`, `SpectrumDataset.plot_counts`, ...).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "excess_spectrum",
    "peek_map",
    "peek_spectrum",
    "plot_masks",
    "plot_spectrum_counts",
    "plot_spectrum_edisp",
    "plot_spectrum_excess",
    "plot_spectrum_exposure",
]

_UNSAFE_STYLE = {"color": "0.6", "alpha": 0.3, "lw": 0, "zorder": 0}


def _is_region(dataset):
    from cherenkit.maps import RegionGeom

    return isinstance(dataset._geom, RegionGeom)


def _is_on_off(dataset):
    return getattr(dataset, "counts_off", None) is not None


def _safe_weights(dataset):
    return None if dataset.mask_safe is None else dataset.mask_safe.data.astype(bool)


def _image(m, weights=None):
    """``m`` summed over every non-spatial axis (times ``weights``) as a 2-d map."""
    return m.sum_over_axes(keepdims=False, weights=weights)


def _spectrum(m, axis_name, weights=None):
    """``m`` summed over the region pixel and every axis but ``axis_name``: a 1-d array."""
    data = m.data if weights is None else m.data * weights
    axis = m.geom._data_axis(axis_name)
    other = tuple(i for i in range(data.ndim) if i != axis)
    return np.sum(data, axis=other)


def _energy_label(axis, what):
    unit = axis.unit.to_string()
    return f"{what} [{unit}]" if unit else what


def _mask_spectrum(mask, axis_name="energy"):
    """A boolean mask per bin of ``axis_name``: True where any pixel / other bin is set."""
    data = mask.data.astype(bool)
    axis = mask.geom._data_axis(axis_name)
    other = tuple(i for i in range(data.ndim) if i != axis)
    return np.any(data, axis=other)


def _shade_outside(ax, edges, selected, **style):
    """Grey vertical bands over the runs of bins where ``selected`` is False."""
    spans = []
    outside = ~np.asarray(selected, dtype=bool)
    i = 0
    while i < outside.size:
        if outside[i]:
            j = i
            while j + 1 < outside.size and outside[j + 1]:
                j += 1
            spans.append((edges[i], edges[j + 1]))
            i = j + 1
        else:
            i += 1
    kwargs = {**_UNSAFE_STYLE, **style}
    if "facecolor" in style or "edgecolor" in style:
        kwargs.pop("color")
    label = kwargs.pop("label", None)
    for k, (lo, hi) in enumerate(spans):
        ax.axvspan(lo, hi, label=label if k == 0 else None, **kwargs)
    return spans


def _shade_unsafe(ax, dataset, edges):
    if dataset.mask_safe is not None:
        _shade_outside(
            ax,
            edges,
            _mask_spectrum(dataset.mask_safe),
            gid="outside-mask-safe",
            label="outside safe range",
        )


def _bin_errorbar(ax, axis, values, yerr, **kwargs):
    """Points at the (log) bin centres with horizontal bars spanning each bin."""
    edges = axis.edges_value
    centers = axis.center_value
    xerr = np.vstack([centers - edges[:-1], edges[1:] - centers])
    return ax.errorbar(centers, values, yerr=yerr, xerr=xerr, **kwargs)


def _new_ax(ax, projection=None):
    import matplotlib.pyplot as plt

    if ax is not None:
        return ax
    if projection is None:
        return plt.gca()
    return plt.gcf().add_subplot(1, 1, 1, projection=projection)


def _empty_panel(ax, title, text):
    ax.set_title(title)
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return ax


# --- map datasets ----------------------------------------------------------------------


def peek_map(dataset, figsize=(12, 10)):
    """2 × 2 images: counts, excess, exposure and background (see `MapDataset.peek`)."""
    import matplotlib.pyplot as plt

    if _is_region(dataset):
        return peek_spectrum(dataset, figsize=figsize)
    weights = _safe_weights(dataset)
    counts = _image(dataset.counts, weights)
    # On/Off: alpha x counts_off (npred_background is the background profiled by wstat)
    on_off = getattr(dataset, "counts_off", None) is not None
    background = _image(dataset.background if on_off else dataset.npred_background(), weights)
    excess = counts.copy(data=counts.data - background.data)
    wcs = counts.geom.wcs
    fig = plt.figure(figsize=figsize)
    axes = [fig.add_subplot(2, 2, i + 1, projection=wcs) for i in range(4)]

    counts.plot(ax=axes[0], fig=fig, add_cbar=True, stretch="sqrt")
    axes[0].set_title("Counts (safe range)")

    limit = float(np.nanmax(np.abs(excess.data))) if excess.data.size else 0.0
    limit = limit if np.isfinite(limit) and limit > 0 else 1.0
    excess.plot(ax=axes[1], fig=fig, add_cbar=True, cmap="coolwarm", vmin=-limit, vmax=limit)
    axes[1].set_title("Excess (counts − background, safe range)")

    if dataset.exposure is None:
        _empty_panel(axes[2], "Exposure", "no exposure")
    else:
        _image(dataset.exposure).plot(ax=axes[2], fig=fig, add_cbar=True, cmap="viridis")
        axes[2].set_title("Exposure (summed over true energy)")

    background.plot(ax=axes[3], fig=fig, add_cbar=True, cmap="viridis")
    axes[3].set_title("Background (safe range)")
    fig.tight_layout()
    return fig


def plot_masks(dataset, ax=None):
    """``mask_safe`` (filled, OR over energy) and ``mask_fit`` (contour) of a sky dataset;
    for a region dataset, the energy bins outside each mask shaded."""
    from matplotlib.patches import Patch

    if _is_region(dataset):
        return _plot_masks_spectrum(dataset, ax)
    geom_image = dataset._geom.to_image()
    ax = _new_ax(ax, projection=geom_image.wcs)
    handles = []
    if dataset.mask_safe is not None:
        image = dataset.mask_safe.reduce_over_axes(func=np.logical_or)
        image.copy(data=image.data.astype(float)).plot(
            ax=ax, cmap="Greys", vmin=0.0, vmax=1.0, alpha=0.6, gid="mask-safe"
        )
        handles.append(Patch(facecolor="0.4", alpha=0.6, label="mask_safe"))
    if dataset.mask_fit is not None:
        image = dataset.mask_fit.reduce_over_axes(func=np.logical_or).data.astype(float)
        if image.min() != image.max():
            contour = ax.contour(image, levels=[0.5], colors="tab:red", linewidths=1.5)
            contour.set_gid("mask-fit")
        handles.append(Patch(facecolor="none", edgecolor="tab:red", label="mask_fit"))
    ax.set_title("Masks (OR over energy)")
    if handles:
        ax.legend(handles=handles, loc="upper right")
    return ax


def _plot_masks_spectrum(dataset, ax):
    axis = dataset._geom.axis("energy")
    ax = _new_ax(ax)
    edges = axis.edges_value
    if dataset.mask_safe is not None:
        _shade_outside(
            ax,
            edges,
            _mask_spectrum(dataset.mask_safe),
            gid="outside-mask-safe",
            label="outside mask_safe",
        )
    if dataset.mask_fit is not None:
        _shade_outside(
            ax,
            edges,
            _mask_spectrum(dataset.mask_fit),
            gid="outside-mask-fit",
            label="outside mask_fit",
            facecolor="none",
            alpha=1.0,
            hatch="//",
            edgecolor="tab:red",
        )
    ax.set_xlim(edges[0], edges[-1])
    ax.set_xscale("log")
    ax.set_yticks([])
    ax.set_xlabel(_energy_label(axis, "Reconstructed energy"))
    ax.set_title("Masks")
    ax.legend(loc="upper right")
    return ax


# --- spectrum datasets -----------------------------------------------------------------


def plot_spectrum_counts(dataset, ax=None):
    """Counts per reconstructed-energy bin (points, √n errors) with the predicted background
    (a step line; α × OFF counts for On/Off datasets); bins outside ``mask_safe`` shaded."""
    ax = _new_ax(ax)
    axis = dataset._geom.axis("energy")
    counts = _spectrum(dataset.counts, "energy")
    style = {"fmt": "o", "ms": 4, "color": "black"}
    _bin_errorbar(ax, axis, counts, np.sqrt(counts), label="Counts", **style)
    if _is_on_off(dataset):
        background = _spectrum(dataset.background, "energy")
        label = "Background (α × OFF counts)"
    else:
        background = _spectrum(dataset.npred_background(), "energy")
        label = "Background (npred_background)"
    ax.stairs(background, axis.edges_value, color="tab:blue", lw=1.5, label=label, gid="background")
    return _finish_reco_axis(ax, dataset, axis, "Counts")


def _finish_reco_axis(ax, dataset, axis, ylabel):
    """Shade the unsafe bins; log reconstructed-energy axis over the edges; labels."""
    _shade_unsafe(ax, dataset, axis.edges_value)
    ax.set_xscale("log")
    ax.set_xlim(axis.edges_value[0], axis.edges_value[-1])
    ax.set_xlabel(_energy_label(axis, "Reconstructed energy"))
    ax.set_ylabel(ylabel)
    ax.legend()
    return ax


def excess_spectrum(dataset):
    """Excess ``counts − background`` per reconstructed-energy bin and its error:
    ``√(n_on + α² n_off)`` for On/Off datasets, ``√n_on`` otherwise.

    Returns
    -------
    excess, error : `~numpy.ndarray`
    """
    counts = _spectrum(dataset.counts, "energy")
    if _is_on_off(dataset):
        alpha = dataset.alpha.data
        background = _spectrum(dataset.background, "energy")
        variance = counts + _spectrum(
            dataset.counts_off.copy(data=alpha**2 * dataset.counts_off.data), "energy"
        )
    else:
        background = _spectrum(dataset.npred_background(), "energy")
        variance = counts
    return counts - background, np.sqrt(variance)


def plot_spectrum_excess(dataset, ax=None):
    """Excess counts per reconstructed-energy bin with their errors (see `excess_spectrum`);
    bins outside ``mask_safe`` shaded."""
    ax = _new_ax(ax)
    axis = dataset._geom.axis("energy")
    excess, error = excess_spectrum(dataset)
    _bin_errorbar(ax, axis, excess, error, fmt="o", ms=4, color="black", label="Excess")
    ax.axhline(0.0, color="0.3", lw=0.8, ls="--")
    return _finish_reco_axis(ax, dataset, axis, "Excess counts")


def plot_spectrum_exposure(dataset, ax=None):
    """Exposure against true energy (step line, log-log where positive)."""
    ax = _new_ax(ax)
    if dataset.exposure is None:
        return _empty_panel(ax, "Exposure", "no exposure")
    axis = dataset.exposure.geom.axis("energy_true")
    values = _spectrum(dataset.exposure, "energy_true")
    ax.stairs(values, axis.edges_value, color="tab:green", lw=1.5, gid="exposure")
    ax.set_xscale("log")
    if np.any(values > 0):
        ax.set_yscale("log")
    ax.set_xlim(axis.edges_value[0], axis.edges_value[-1])
    ax.set_xlabel(_energy_label(axis, "True energy"))
    ax.set_ylabel(f"Exposure [{dataset.exposure.unit.to_string()}]")
    return ax


def plot_spectrum_edisp(dataset, ax=None):
    """The energy-dispersion kernel of the region (true energy on x, reconstructed on y)."""
    ax = _new_ax(ax)
    if dataset.edisp is None:
        return _empty_panel(ax, "Energy dispersion", "no energy dispersion")
    dataset.edisp.get_edisp_kernel().plot_matrix(ax=ax)
    ax.set_title("Energy dispersion")
    return ax


def peek_spectrum(dataset, figsize=(10, 8)):
    """2 × 2 panels: counts, excess, exposure and energy dispersion
    (see `SpectrumDataset.peek`)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=figsize)
    plot_spectrum_counts(dataset, ax=axes[0, 0]).set_title("Counts")
    plot_spectrum_excess(dataset, ax=axes[0, 1]).set_title("Excess")
    plot_spectrum_exposure(dataset, ax=axes[1, 0]).set_title("Exposure")
    plot_spectrum_edisp(dataset, ax=axes[1, 1])
    fig.tight_layout()
    return fig
