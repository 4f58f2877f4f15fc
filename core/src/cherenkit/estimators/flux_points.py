"""`FluxPointsEstimator`: flux points from a likelihood fit of the source's norm in
energy groups, and the `FluxPoints` it returns.

In each energy group the source's spectral model (the *reference model*, usually
fitted to all energies before) is multiplied by a free ``norm`` that is fitted to
the datasets' bins in the group, all other parameters frozen (gammapy's method,
[1]_, [2]_). The flux point is then ``norm`` times the reference model's value in
the group: dN/dE at the group's log centre, E² dN/dE, the integral flux and the
energy flux.

References
----------
.. [1] gammapy documentation, "Flux points estimation",
   https://docs.gammapy.org/2.1/user-guide/estimators.html
.. [2] Ackermann, M. et al. (Fermi-LAT) (2015), ApJS 218, 23,
   doi:10.1088/0067-0049/218/2/23 (flux points from the likelihood of a norm per band).
"""

from __future__ import annotations

import logging

import attrs
import numpy as np

from ._flux_table import FluxPoints
from ._norm_fit import OPTIONS, NormFitSetup, default_norm, fit_norm, nan_result

__all__ = ["FluxPoints", "FluxPointsEstimator"]

log = logging.getLogger(__name__)

SQRT_TS_THRESHOLD_UL = 2.0
"""A point is an upper limit when its sqrt(TS) is below this (gammapy's default)."""


# --- validation of the options -------------------------------------------------------------


def positive_number(name):
    """attrs converter: a finite number > 0, else one error naming ``name``."""

    def convert(value):
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"{name} must be a positive number, got {value!r}") from None
        if not (np.isfinite(number) and number > 0):
            raise ValueError(f"{name} must be a positive number, got {value!r}")
        return number

    return convert


def selection_optional(value):
    """``None``, ``"all"`` or a subset of `OPTIONS` → a tuple of options."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = OPTIONS if value == "all" else [value]
    selection = tuple(value)
    unknown = [v for v in selection if v not in OPTIONS]
    if unknown:
        valid = ", ".join(repr(v) for v in ("all", *OPTIONS))
        raise ValueError(
            f"selection_optional: unknown option {unknown[0]!r}; valid are {valid} (or None)"
        )
    return selection


def energy_edges(value):
    """Energies → a 1-d increasing `~astropy.units.Quantity` (None stays None)."""
    if value is None:
        return None
    import astropy.units as u

    try:
        edges = u.Quantity(value, u.TeV) if not hasattr(value, "unit") else u.Quantity(value)
    except (TypeError, ValueError) as err:
        raise TypeError(f"energy_edges must be energies, e.g. [1, 10] * u.TeV ({err})") from None
    if edges.unit.physical_type != "energy":
        raise TypeError(f"energy_edges must be energies, e.g. [1, 10] * u.TeV, got {value!r}")
    edges = np.atleast_1d(edges).to("TeV")
    if edges.ndim != 1 or edges.size < 2 or not np.all(np.diff(edges.value) > 0):
        raise ValueError(
            f"energy_edges must be at least two increasing energies, got {edges.to_string()}"
        )
    return edges


def _source(value):
    if isinstance(value, bool) or not isinstance(value, int | str | np.integer):
        raise TypeError(f"source must be a model name or position, got {value!r}")
    return value


# --- energy groups ----------------------------------------------------------------------------


def energy_axis_of(datasets):
    """The reconstructed-energy axis shared by all datasets (error when they differ)."""
    axes = [d.counts.geom.axis("energy") for d in datasets]
    first = axes[0].edges.to_value("TeV")
    for dataset, axis in zip(datasets, axes, strict=True):
        edges = axis.edges.to_value("TeV")
        if edges.shape != first.shape or not np.allclose(edges, first, rtol=1e-6, atol=0):
            raise ValueError(
                f"the datasets' energy axes differ ({datasets[0].name!r}: {_range(first)} "
                f"in {len(first) - 1} bins, {dataset.name!r}: {_range(edges)} in "
                f"{len(edges) - 1} bins); flux points need one reconstructed-energy axis"
            )
    return axes[0]


def _range(edges):
    return f"{edges[0]:.4g}-{edges[-1]:.4g} TeV"


def energy_groups(axis, edges):
    """Snap the requested edges to the nearest edges of ``axis`` (in the axis'
    interpolation scale, as gammapy does) and return the groups of bins.

    Edges beyond the axis are moved to its ends.

    Returns
    -------
    snapped : `numpy.ndarray`, shape (n_groups + 1,)
        The groups' edges (TeV).
    bins : list of `numpy.ndarray` of bool
        For each group, the axis bins it holds.

    Raises
    ------
    ValueError
        When a group holds no bin of the axis (edges outside the axis or closer
        than one bin).
    """
    axis_edges = axis.edges.to_value("TeV")
    requested = edges.to_value("TeV")
    scale = np.log if axis.interp == "log" else (lambda x: x)
    position = np.interp(scale(requested), scale(axis_edges), np.arange(len(axis_edges)))
    index = np.round(position).astype(int)  # half to even, like gammapy's group_table
    bins = []
    for lo, hi, e_lo, e_hi in zip(
        index[:-1], index[1:], requested[:-1], requested[1:], strict=True
    ):
        if hi <= lo:
            where = (
                "outside"
                if e_hi <= axis_edges[0] or e_lo >= axis_edges[-1]
                else "narrower than one bin of"
            )
            raise ValueError(
                f"energy group {e_lo:.4g}-{e_hi:.4g} TeV is {where} the datasets' energy "
                f"axis ({_range(axis_edges)}, edges {np.array2string(axis_edges, precision=4)}); "
                "choose energy_edges that span at least one bin"
            )
        group = np.zeros(axis.nbin, bool)
        group[lo:hi] = True
        bins.append(group)
    return axis_edges[index], bins


# --- the estimator ----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class FluxPointsEstimator:
    """Flux points: the source's norm fitted in energy groups.

    For every group of reconstructed-energy bins the source's spectral model
    (the reference model) is multiplied by a free ``norm``; only the norm is fitted,
    over the datasets' bins in the group that are in ``mask_safe`` (and the
    datasets' own ``mask_fit``), jointly over the datasets. The results per group:

    * ``norm`` and ``norm_err`` (``n_sigma`` × the error from the curvature),
      ``stat`` (the total statistic at the best fit);
    * ``ts = stat(norm = 0) - stat``, ``stat_null`` and ``sqrt_ts = ±√ts`` (the sign
      of the norm); ``is_ul`` is true where ``sqrt_ts < 2`` (when upper limits were
      computed) or where there was nothing to fit;
    * per dataset, the ``counts``, the predicted counts ``npred`` and the predicted
      source counts ``npred_excess`` in the group at the best fit;
    * optionally (``selection_optional``) ``norm_errn``/``norm_errp``, where the
      profile statistic rises by ``n_sigma²`` below/above the best fit; ``norm_ul``,
      where it rises by ``n_sigma_ul²`` above it ([2]_); ``stat_scan`` over
      ``norm_scan`` (log-spaced from 0.2 to 5 by default).

    The method and the quantities are gammapy's ``FluxPointsEstimator`` ([1]_), whose
    results this reproduces; the norm is not bounded (gammapy's default), except
    that for statistics with a known background (Cash) it stops where the predicted
    counts of a fitted bin would turn negative.

    Parameters
    ----------
    energy_edges : `~astropy.units.Quantity`, energy
        Edges of the energy groups. Each is moved to the nearest edge of the
        datasets' reconstructed-energy axis (in the axis' log scale, as gammapy
        does), so the points' ``e_min``/``e_max`` are axis edges. Default is
        [1, 10] TeV.
    source : str or int
        Name or position of the source in the datasets' models. Default is 0.
    n_sigma : float
        Confidence level (sigma) of ``norm_err``, ``norm_errn``/``norm_errp``.
        Default is 1.
    n_sigma_ul : float
        Confidence level (sigma) of ``norm_ul``. Default is 2.
    selection_optional : None, "all" or list of {"errn-errp", "ul", "scan"}
        Optional steps. Default is None.
    reoptimize : bool
        Re-fit the free parameters of the other models (background models, other
        sources) in each group together with the norm, with
        `~cherenkit.modeling.Fit`; the source's own parameters stay frozen.
        Default is False.
    norm : `~cherenkit.modeling.Parameter` or dict, optional
        The norm's settings (bounds ``min``/``max``, ``scan_min``, ``scan_max``,
        ``scan_n_values``, ``interp``). Default: unbounded, scan from 0.2 to 5.

    References
    ----------
    .. [1] gammapy documentation, "FluxPointsEstimator",
       https://docs.gammapy.org/2.1/api/gammapy.estimators.FluxPointsEstimator.html
    .. [2] Rolke, W. A., López, A. M., Conrad, J. (2005), NIM A 551, 493,
       doi:10.1016/j.nima.2005.05.068 (profile-likelihood limits).

    Examples
    --------
    >>> import astropy.units as u
    >>> estimator = FluxPointsEstimator(energy_edges=[1, 2, 4, 10] * u.TeV, source="crab",
    ...                                 selection_optional="all")
    >>> flux_points = estimator.run(datasets)  # doctest: +SKIP
    >>> flux_points.to_table(sed_type="dnde")  # doctest: +SKIP
    """

    energy_edges: object = attrs.field(
        factory=lambda: energy_edges([1.0, 10.0]), converter=energy_edges, eq=False
    )
    source: object = attrs.field(default=0, converter=_source)
    n_sigma: float = attrs.field(default=1.0, converter=positive_number("n_sigma"))
    n_sigma_ul: float = attrs.field(default=2.0, converter=positive_number("n_sigma_ul"))
    selection_optional: tuple = attrs.field(default=None, converter=selection_optional)
    reoptimize: bool = attrs.field(default=False, converter=bool)
    norm: object = attrs.field(default=None, converter=default_norm, eq=False)

    def run(self, datasets):
        """Estimate the flux points.

        Parameters
        ----------
        datasets : `~cherenkit.datasets.Datasets`, list or a dataset
            Datasets with models (the source and everything else that predicts
            counts), on one reconstructed-energy axis.

        Returns
        -------
        `FluxPoints`

        Raises
        ------
        ValueError
            No datasets or no models, an unknown source, energy groups without bins
            or datasets on different energy axes.
        """
        datasets = as_datasets(datasets)
        axis = energy_axis_of(datasets)
        edges, bins = energy_groups(axis, self.energy_edges)
        setup = NormFitSetup(datasets, self.source, self.norm, self.reoptimize)
        rows = [estimate_group(setup, group, None, self._options()) for group in bins]
        return FluxPoints(
            energy_edges=edges,
            data=stack_rows(rows),
            reference_model=setup.reference_model,
            datasets_names=[d.name for d in datasets],
            meta=self._meta(),
        )

    def _options(self):
        return {
            "n_sigma": self.n_sigma,
            "n_sigma_ul": self.n_sigma_ul,
            "selection": self.selection_optional,
        }

    def _meta(self):
        return {
            "n_sigma": self.n_sigma,
            "n_sigma_ul": self.n_sigma_ul,
            "sqrt_ts_threshold_ul": SQRT_TS_THRESHOLD_UL,
        }


def as_datasets(datasets):
    """A `~cherenkit.datasets.Datasets` from a collection, a list or one dataset."""
    from cherenkit.datasets import Datasets

    if not isinstance(datasets, Datasets):
        many = isinstance(datasets, list | tuple)
        datasets = Datasets(datasets if many else [datasets])
    if len(datasets) == 0:
        raise ValueError("no datasets: flux points need at least one dataset with models")
    return datasets


def estimate_group(setup, bins, selected, options, *, use_linear=True):
    """Fit one group: the norm fit plus counts and predictions per dataset.

    Parameters
    ----------
    setup : `NormFitSetup`
    bins : `numpy.ndarray` of bool
        The energy bins of the group.
    selected : list of int, optional
        Positions of the datasets to use (default: all). The per-dataset values of
        the others are NaN.
    options : dict
        ``n_sigma``, ``n_sigma_ul`` and ``selection``.

    Returns
    -------
    dict
        The result of one group (scalars, and arrays over all datasets).
    """
    selection = options["selection"]
    contributing = setup.set_group(bins, selected)
    if contributing:
        result = fit_norm(setup, contributing, use_linear=use_linear, **options)
    else:
        names = [setup.clones[i].name for i in (selected or range(len(setup.clones)))]
        log.info("no dataset has fitted bins in this group (%s): the point is NaN", names)
        result = nan_result(setup.norm, selection)
    norm = result["norm"]
    ts = result["ts"]
    with np.errstate(invalid="ignore"):
        sqrt_ts = np.sqrt(np.clip(ts, 0, None)) * (1.0 if norm > 0 else -1.0)
    result["sqrt_ts"] = sqrt_ts if np.isfinite(ts) else np.nan
    if "ul" in selection:
        result["is_ul"] = bool(result["sqrt_ts"] < SQRT_TS_THRESHOLD_UL)
    else:
        result["is_ul"] = bool(np.isnan(norm))
    n = len(setup.clones)
    counts, npred, excess = (np.full(n, np.nan) for _ in range(3))
    for i in range(n) if selected is None else selected:
        clone = setup.clones[i]
        mask = np.asarray(clone.mask.data, bool)
        counts[i] = float(clone.counts.data[mask].sum())
        if i in contributing and np.isfinite(norm):
            npred[i] = float(clone.npred().data[mask].sum())
            signal = clone.npred_signal(model_names=[setup.source_name]).data
            excess[i] = float(signal[mask].sum())
        elif i not in contributing:
            npred[i] = excess[i] = 0.0
    result.update(counts=counts, npred=npred, npred_excess=excess)
    return result


def stack_rows(rows):
    """Per-group result dicts → one dict of arrays with the groups along axis 0."""
    keys = rows[0].keys()
    return {key: np.array([row[key] for row in rows]) for key in keys}
