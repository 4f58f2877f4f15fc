"""`LightCurveEstimator`: flux points per time interval.

The datasets are grouped by the time interval that contains them (their good time
intervals, first start to last stop); in each interval the source's norm is fitted
jointly to its datasets in each energy group, exactly as `FluxPointsEstimator`
does over all datasets ([1]_). Without time intervals every dataset is its own
interval: a run-wise light curve.

References
----------
.. [1] gammapy documentation, "Light curves",
   https://docs.gammapy.org/2.1/user-guide/estimators.html
"""

from __future__ import annotations

import logging

import attrs
import numpy as np

from ._flux_table import LightCurve
from ._norm_fit import NormFitSetup, default_norm
from .flux_points import (
    SQRT_TS_THRESHOLD_UL,
    _source,
    as_datasets,
    energy_axis_of,
    energy_edges,
    energy_groups,
    estimate_group,
    positive_number,
    selection_optional,
    stack_rows,
)

__all__ = ["LightCurve", "LightCurveEstimator"]

log = logging.getLogger(__name__)


def _time_intervals(value):
    """None, or ``(start, stop)`` pairs → `~astropy.time.Time` of shape (n, 2)."""
    if value is None:
        return None
    from astropy.time import Time

    try:
        pairs = [Time([start, stop]) for start, stop in value]
    except (TypeError, ValueError) as err:
        raise TypeError(
            "time_intervals must be a list of (start, stop) astropy Time pairs, e.g. "
            f"[(Time('2004-12-04'), Time('2004-12-05'))] ({err})"
        ) from None
    if not pairs:
        raise ValueError("time_intervals is empty; pass None for one point per dataset")
    for start, stop in pairs:
        if not stop > start:
            raise ValueError(
                f"time interval {start.isot} - {stop.isot} does not end after it starts"
            )
    return pairs


def _atol(value):
    import astropy.units as u

    atol = u.Quantity(value)
    if atol.unit.physical_type != "time" or atol.ndim != 0 or atol.value < 0:
        raise ValueError(f"atol must be a non-negative time such as '1e-6 s', got {value!r}")
    return atol.to("s")


@attrs.frozen(kw_only=True)
class LightCurveEstimator:
    """Light curves: the source's norm fitted per time interval (and energy group).

    A dataset belongs to an interval when its good time intervals lie inside it
    (first start ≥ interval start − ``atol``, last stop ≤ interval stop + ``atol``);
    intervals without datasets are left out. In each interval and energy group the
    norm of the source's spectral model is fitted to the interval's datasets jointly
    (see `FluxPointsEstimator` for the quantities).

    Parameters
    ----------
    time_intervals : list of (`~astropy.time.Time`, `~astropy.time.Time`), optional
        The intervals. Default (None): one interval per dataset, spanning its GTIs.
    energy_edges : `~astropy.units.Quantity`, optional
        Energy groups (moved to the nearest axis edges). Default: one group over the
        whole reconstructed-energy axis (the safe masks still apply).
    source : str or int
        Name or position of the source in the datasets' models. Default is 0.
    n_sigma, n_sigma_ul : float
        Confidence levels of the errors and of the upper limits. Defaults are 1, 2.
    selection_optional : None, "all" or list of {"errn-errp", "ul", "scan"}
        Optional steps. Default is None.
    reoptimize : bool
        Re-fit the other models' free parameters in each interval. Default is False.
    norm : `~cherenkit.modeling.Parameter` or dict, optional
        Settings of the norm (see `FluxPointsEstimator`).
    atol : str or `~astropy.units.Quantity`
        Tolerance of the interval membership. Default is "1e-6 s".

    Examples
    --------
    >>> estimator = LightCurveEstimator(energy_edges=[1, 10] * u.TeV, source="crab",
    ...                                 selection_optional=["ul"])  # doctest: +SKIP
    >>> light_curve = estimator.run(datasets)                      # doctest: +SKIP
    >>> light_curve.plot()                                          # doctest: +SKIP
    """

    time_intervals: object = attrs.field(default=None, converter=_time_intervals, eq=False)
    energy_edges: object = attrs.field(default=None, converter=energy_edges, eq=False)
    source: object = attrs.field(default=0, converter=_source)
    n_sigma: float = attrs.field(default=1.0, converter=positive_number("n_sigma"))
    n_sigma_ul: float = attrs.field(default=2.0, converter=positive_number("n_sigma_ul"))
    selection_optional: tuple = attrs.field(default=None, converter=selection_optional)
    reoptimize: bool = attrs.field(default=False, converter=bool)
    norm: object = attrs.field(default=None, converter=default_norm, eq=False)
    atol: object = attrs.field(default="1e-6 s", converter=_atol, eq=False)

    def run(self, datasets):
        """Estimate the light curve.

        Parameters
        ----------
        datasets : `~cherenkit.datasets.Datasets`, list or a dataset
            Datasets with models and GTIs, on one reconstructed-energy axis.

        Returns
        -------
        `LightCurve`

        Raises
        ------
        ValueError
            No datasets or models, a dataset without GTI, an unknown source, energy
            groups without bins, or no dataset inside any of the time intervals.
        """
        from astropy.time import Time

        datasets = as_datasets(datasets)
        axis = energy_axis_of(datasets)
        if self.energy_edges is None:
            edges, bins = axis.edges.to_value("TeV")[[0, -1]], [np.ones(axis.nbin, bool)]
        else:
            edges, bins = energy_groups(axis, self.energy_edges)
        starts, stops = _dataset_times(datasets)
        intervals = self.time_intervals
        if intervals is None:
            intervals = [Time([start, stop]) for start, stop in zip(starts, stops, strict=True)]
        setup = NormFitSetup(datasets, self.source, self.norm, self.reoptimize)
        options = {
            "n_sigma": self.n_sigma,
            "n_sigma_ul": self.n_sigma_ul,
            "selection": self.selection_optional,
        }
        rows, kept = [], []
        atol = self.atol.to_value("d")
        for interval in intervals:
            t_min, t_max = interval.tt.mjd
            inside = (starts.tt.mjd >= t_min - atol) & (stops.tt.mjd <= t_max + atol)
            selected = [int(i) for i in np.flatnonzero(inside)]
            if not selected:
                log.info("no dataset in the time interval %s - %s", *interval.isot)
                continue
            rows.append(stack_rows([estimate_group(setup, b, selected, options) for b in bins]))
            kept.append(interval)
        if not rows:
            raise ValueError(
                f"no dataset lies inside any of the {len(intervals)} time intervals (the "
                f"datasets span {starts.min().isot} - {stops.max().isot})"
            )
        return LightCurve(
            time_min=Time([k[0] for k in kept]),
            time_max=Time([k[1] for k in kept]),
            energy_edges=edges,
            data=stack_rows(rows),
            reference_model=setup.reference_model,
            datasets_names=[d.name for d in datasets],
            meta={
                "n_sigma": self.n_sigma,
                "n_sigma_ul": self.n_sigma_ul,
                "sqrt_ts_threshold_ul": SQRT_TS_THRESHOLD_UL,
            },
        )


def _dataset_times(datasets):
    """First GTI start and last GTI stop of each dataset (`~astropy.time.Time`)."""
    from astropy.time import Time

    starts, stops = [], []
    for dataset in datasets:
        gti = getattr(dataset, "gti", None)
        if gti is None or len(gti) == 0:
            raise ValueError(
                f"dataset {dataset.name!r} has no good time intervals (gti); a light curve "
                "needs the time of each dataset"
            )
        starts.append(gti.time_start[0].tt)
        stops.append(gti.time_stop[-1].tt)
    return Time(starts), Time(stops)
