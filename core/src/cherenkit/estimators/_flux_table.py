"""`FluxPoints` and `LightCurve`: the fitted norms per energy group (and time
interval) with the reference model that turns them into fluxes.

The containers hold plain arrays (``norm``, ``norm_err``, ``ts``, ...) with the
energy groups along the last axis (after the time intervals of a light curve), and
per dataset (``counts``, ``npred``, ``npred_excess``) one more axis. Flux quantities
are ``norm × reference`` with the reference model's values in each group
(gammapy's "likelihood" SED format, [1]_): ``dnde`` at the log centre ``e_ref``,
``e2dnde = e_ref² dnde``, the integral ``flux`` and the energy flux ``eflux`` over
the group.

References
----------
.. [1] Gamma Astro Data Formats, "Flux points",
   https://gamma-astro-data-formats.readthedocs.io/en/latest/spectra/flux_points/index.html
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from ..errors import DataFormatError

__all__ = ["FluxPoints", "LightCurve"]

SED_TYPES = ("dnde", "e2dnde", "flux", "eflux")
SED_UNITS = {
    "dnde": "cm-2 s-1 TeV-1",
    "e2dnde": "TeV cm-2 s-1",
    "flux": "cm-2 s-1",
    "eflux": "TeV cm-2 s-1",
}
_NORM_SUFFIXES = ("", "_err", "_errn", "_errp", "_ul")
_OPTIONAL = {"_errn": "errn-errp", "_errp": "errn-errp", "_ul": "ul", "_scan": "scan"}
_PER_DATASET = ("counts", "npred", "npred_excess")
_COMMON = ("ts", "sqrt_ts", "stat", "stat_null", "is_ul", "success", *_PER_DATASET)
_REQUIRED = ("e_min", "e_max", "ref_dnde", "ref_flux", "ref_eflux", "norm")


class FluxPoints:
    """Flux points: the fitted norm of a reference model in energy groups.

    Use `FluxPointsEstimator` to make them, `read` to load them.

    Parameters
    ----------
    energy_edges : array_like, shape (n + 1,)
        Edges of the energy groups (TeV).
    data : dict of `numpy.ndarray`
        ``norm``, ``norm_err``, ``ts``, ``sqrt_ts``, ``stat``, ``stat_null``,
        ``is_ul``, ``success`` (shape (n,)), ``counts``, ``npred``, ``npred_excess``
        (shape (n, n_datasets)) and optionally ``norm_errn``, ``norm_errp``,
        ``norm_ul``, ``norm_scan``, ``stat_scan`` (shape (n, n_scan)).
    reference_model : `~cherenkit.modeling.SpectralModel`, optional
        The model the norms scale; needed unless ``reference`` is given.
    reference : dict, optional
        ``dnde`` (at ``e_ref``), ``flux`` and ``eflux`` of the reference model per
        group, in `SED_UNITS`. Default: computed from ``reference_model``.
    datasets_names : list of str
        Names of the datasets (the last axis of the per-dataset arrays).
    meta : dict, optional
        ``n_sigma``, ``n_sigma_ul``, ``sqrt_ts_threshold_ul``.
    """

    _row_axis = "energy"

    def __init__(
        self,
        *,
        energy_edges,
        data,
        reference_model=None,
        reference=None,
        datasets_names=(),
        meta=None,
    ):
        self.energy_edges = np.asarray(energy_edges, dtype=float)
        self._data = {key: np.asarray(value) for key, value in data.items()}
        self.reference_model = reference_model
        self.datasets_names = list(datasets_names)
        self.meta = dict(meta or {})
        lo, hi = self.energy_edges[:-1], self.energy_edges[1:]
        if reference is None:
            if reference_model is None:
                raise ValueError("FluxPoints need a reference_model or reference values")
            reference = {
                "dnde": reference_model.dnde_values(np.sqrt(lo * hi)),
                "flux": reference_model.integral_values(lo, hi),
                "eflux": reference_model.energy_flux_values(lo, hi),
            }
        self._reference = {
            key: np.asarray(reference[key], dtype=float) for key in ("dnde", "flux", "eflux")
        }

    # --- energies and plain arrays -------------------------------------------------------

    def __len__(self):
        return len(self.energy_edges) - 1

    @property
    def available(self) -> list[str]:
        """Names of the quantities held (``norm``, ``ts``, ...)."""
        return list(self._data)

    def _get(self, name):
        try:
            return self._data[name]
        except KeyError:
            option = next((o for s, o in _OPTIONAL.items() if name.endswith(s)), None)
            hint = f"; run the estimator with selection_optional=[{option!r}]" if option else ""
            raise AttributeError(
                f"{type(self).__name__} hold no {name!r} (they hold {self.available}){hint}"
            ) from None

    @property
    def energy_min(self):
        """Lower edges of the groups (`~astropy.units.Quantity`, TeV)."""
        return _quantity(self.energy_edges[:-1], "TeV")

    @property
    def energy_max(self):
        """Upper edges of the groups (`~astropy.units.Quantity`, TeV)."""
        return _quantity(self.energy_edges[1:], "TeV")

    @property
    def energy_ref(self):
        """Log centres ``sqrt(e_min e_max)`` of the groups (`~astropy.units.Quantity`, TeV)."""
        return _quantity(np.sqrt(self.energy_edges[:-1] * self.energy_edges[1:]), "TeV")

    def reference_values(self, sed_type):
        """The reference model's ``sed_type`` per group (`~astropy.units.Quantity`)."""
        if sed_type == "e2dnde":
            values = self.energy_ref.value**2 * self._reference["dnde"]
        elif sed_type in self._reference:
            values = self._reference[sed_type]
        else:
            raise ValueError(f"sed_type must be one of {SED_TYPES}, got {sed_type!r}")
        return _quantity(values, SED_UNITS[sed_type])

    def sed(self, sed_type, quantity=""):
        """``norm{quantity}`` × the reference ``sed_type``, e.g. ``sed("dnde", "_ul")``
        (`~astropy.units.Quantity`)."""
        if quantity not in _NORM_SUFFIXES:
            raise ValueError(f"quantity must be one of {_NORM_SUFFIXES}, got {quantity!r}")
        return self._get(f"norm{quantity}") * self.reference_values(sed_type)

    # --- tables ------------------------------------------------------------------------

    def to_table(self, sed_type="likelihood"):
        """The points as an `~astropy.table.Table` with gammapy's column names.

        Parameters
        ----------
        sed_type : {"likelihood", "dnde", "e2dnde", "flux", "eflux"}
            "likelihood": the norms with the reference values ``ref_dnde``,
            ``ref_flux``, ``ref_eflux`` (what `write` stores); otherwise the fluxes
            ``{sed_type}``, ``{sed_type}_err`` (and ``_errn``, ``_errp``, ``_ul``
            where computed). Both hold ``e_ref``, ``e_min``, ``e_max``, ``ts``,
            ``sqrt_ts``, ``stat``, ``stat_null``, ``is_ul``, ``success`` and the
            per-dataset ``counts``, ``npred``, ``npred_excess``.

        Returns
        -------
        `~astropy.table.Table`
        """
        from astropy.table import Table

        if sed_type not in ("likelihood", *SED_TYPES):
            raise ValueError(
                f"sed_type must be one of {('likelihood', *SED_TYPES)}, got {sed_type!r}"
            )
        table = Table(meta=self._table_meta(sed_type))
        self._add_leading_columns(table)
        shape = self._data["norm"].shape
        if sed_type == "likelihood":
            for key in ("dnde", "flux", "eflux"):
                table[f"ref_{key}"] = np.broadcast_to(self.reference_values(key), shape) * np.ones(
                    shape
                )
            for suffix in (*_NORM_SUFFIXES, "_scan"):
                if f"norm{suffix}" in self._data:
                    table[f"norm{suffix}"] = self._data[f"norm{suffix}"]
            if "stat_scan" in self._data:
                table["stat_scan"] = self._data["stat_scan"]
        else:
            for suffix in _NORM_SUFFIXES:
                if f"norm{suffix}" in self._data:
                    table[f"{sed_type}{suffix}"] = self.sed(sed_type, suffix)
        for key in _COMMON:
            if key in self._data:
                table[key] = self._data[key]
        return table

    def _add_leading_columns(self, table):
        table["e_ref"] = self.energy_ref
        table["e_min"] = self.energy_min
        table["e_max"] = self.energy_max

    def _table_meta(self, sed_type):
        meta = {"SED_TYPE": sed_type}
        for key, name in (
            ("n_sigma", "N_SIGMA"),
            ("n_sigma_ul", "N_SIG_UL"),
            ("sqrt_ts_threshold_ul", "UL_THRES"),
        ):
            if key in self.meta:
                meta[name] = float(self.meta[key])
        meta["DATASETS"] = json.dumps(self.datasets_names)
        if self.reference_model is not None:
            meta["REFMODEL"] = json.dumps(self.reference_model.to_dict())
        return meta

    # --- files -------------------------------------------------------------------------

    def write(self, path, *, overwrite=False):
        """Write the points (the "likelihood" table) to ECSV (``.ecsv``) or FITS
        (``.fits``, ``.fits.gz``), atomically: a temporary file beside ``path`` is
        renamed into place, so an interrupted write leaves no partial file.

        Raises
        ------
        FileExistsError
            When ``path`` exists and ``overwrite`` is False.
        """
        path = Path(path)
        fmt = _file_format(path)
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
        table = self.to_table("likelihood")
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp{''.join(path.suffixes)}")
        try:
            table.write(tmp, format=fmt, overwrite=True)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    @classmethod
    def read(cls, path):
        """Read points written by `write` (a `LightCurve` when the file has times).

        Raises
        ------
        DataFormatError
            When the file is not a table of flux points.
        """
        from astropy.table import Table

        path = Path(path)
        fmt = _file_format(path)
        try:
            table = Table.read(path, format=fmt)
        except FileNotFoundError:
            raise
        except Exception as err:
            raise DataFormatError(path, f"not a readable {fmt} table: {err}") from None
        missing = [c for c in _REQUIRED if c not in table.colnames]
        if missing:
            raise DataFormatError(
                path,
                f"not a flux-points table in the 'likelihood' format: missing columns "
                f"{missing} (has {table.colnames})",
            )
        target = LightCurve if "time_min" in table.colnames else FluxPoints
        try:
            return target._from_table(table)
        except (KeyError, ValueError, TypeError) as err:
            raise DataFormatError(path, f"cannot read the flux points: {err}") from None

    @classmethod
    def _from_table(cls, table, **extra):
        meta = {k.upper(): v for k, v in table.meta.items()}
        e_min = _plain(table["e_min"], "TeV")
        e_max = _plain(table["e_max"], "TeV")
        if e_min.ndim == 2:  # light curves repeat the energies on each row
            e_min, e_max = e_min[0], e_max[0]
        edges = np.append(e_min, e_max[-1])
        reference = {
            key: _plain(table[f"ref_{key}"], SED_UNITS[key]) for key in ("dnde", "flux", "eflux")
        }
        if reference["dnde"].ndim == 2:
            reference = {key: value[0] for key, value in reference.items()}
        keys = [f"norm{s}" for s in (*_NORM_SUFFIXES, "_scan")] + ["stat_scan", *_COMMON]
        data = {key: np.asarray(table[key]) for key in keys if key in table.colnames}
        model = None
        if "REFMODEL" in meta:
            from cherenkit.modeling.spectral import SpectralModel

            model = SpectralModel.from_dict(json.loads(meta["REFMODEL"]))
        names = json.loads(meta["DATASETS"]) if "DATASETS" in meta else []
        settings = {}
        for key, name in (
            ("n_sigma", "N_SIGMA"),
            ("n_sigma_ul", "N_SIG_UL"),
            ("sqrt_ts_threshold_ul", "UL_THRES"),
        ):
            if name in meta:
                settings[key] = float(meta[name])
        return cls(
            energy_edges=edges,
            data=data,
            reference_model=model,
            reference=reference,
            datasets_names=names,
            meta=settings,
            **extra,
        )

    # --- plots -------------------------------------------------------------------------

    def plot(self, ax=None, sed_type="dnde", **kwargs):
        """Plot the points against energy (log-log): error bars (asymmetric where
        computed) spanning the groups, upper limits as downward arrows where
        ``is_ul``.

        Parameters
        ----------
        ax : `~matplotlib.axes.Axes`, optional
            Default: the current axes.
        sed_type : {"dnde", "e2dnde", "flux", "eflux"}
        **kwargs
            Passed to `~matplotlib.axes.Axes.errorbar`.

        Returns
        -------
        ax : `~matplotlib.axes.Axes`
        """
        from ._flux_plots import plot_flux_points

        return plot_flux_points(self, ax=ax, sed_type=sed_type, **kwargs)

    def plot_ts_profiles(self, ax=None, sed_type="dnde", **kwargs):
        """Show the likelihood profiles (``stat_scan - stat``, i.e. ΔTS) of each group
        as a colour map over energy and flux (needs ``selection_optional=["scan"]``).

        Parameters
        ----------
        ax : `~matplotlib.axes.Axes`, optional
        sed_type : {"dnde", "e2dnde", "flux", "eflux"}
        **kwargs
            Passed to `~matplotlib.axes.Axes.pcolormesh`.

        Returns
        -------
        ax : `~matplotlib.axes.Axes`
        """
        from ._flux_plots import plot_ts_profiles

        return plot_ts_profiles(self, ax=ax, sed_type=sed_type, **kwargs)

    def __repr__(self):
        return (
            f"{type(self).__name__}(n={len(self)}, energy={self.energy_edges[0]:.4g}-"
            f"{self.energy_edges[-1]:.4g} TeV, quantities={self.available})"
        )


def _add_quantity_properties():
    """``dnde``, ``dnde_err``, ..., ``eflux_ul`` and the plain norm arrays as properties."""

    def sed_property(sed_type, suffix):
        def fget(self):
            return self.sed(sed_type, suffix)

        return property(
            fget,
            doc=f"``norm{suffix}`` × reference {sed_type} "
            f"(`~astropy.units.Quantity`, {SED_UNITS[sed_type]}).",
        )

    def data_property(name):
        return property(lambda self: self._get(name), doc=f"``{name}`` per point (array).")

    for sed_type in SED_TYPES:
        for suffix in _NORM_SUFFIXES:
            setattr(FluxPoints, f"{sed_type}{suffix}", sed_property(sed_type, suffix))
        setattr(
            FluxPoints,
            f"{sed_type}_ref",
            property(
                lambda self, s=sed_type: self.reference_values(s),
                doc=f"Reference {sed_type} per group.",
            ),
        )
    names = [f"norm{s}" for s in (*_NORM_SUFFIXES, "_scan")] + ["stat_scan", *_COMMON]
    for name in names:
        setattr(FluxPoints, name, data_property(name))


_add_quantity_properties()


class LightCurve(FluxPoints):
    """Flux points per time interval: the arrays have shape (n_time, n_energy) and
    (n_time, n_energy, n_datasets) for the per-dataset ones (NaN for the datasets
    outside an interval).

    Parameters
    ----------
    time_min, time_max : `~astropy.time.Time`, shape (n_time,)
        The intervals.
    other parameters
        As `FluxPoints`.
    """

    _row_axis = "time"

    def __init__(self, *, time_min, time_max, **kwargs):
        from astropy.time import Time

        super().__init__(**kwargs)
        self.time_min = Time(time_min)
        self.time_max = Time(time_max)

    @property
    def n_time(self) -> int:
        return len(self.time_min)

    def _add_leading_columns(self, table):
        n_time, n_energy = self.n_time, len(self)
        table["time_min"] = self.time_min.tt.mjd
        table["time_max"] = self.time_max.tt.mjd
        for name, values in (
            ("e_ref", self.energy_ref),
            ("e_min", self.energy_min),
            ("e_max", self.energy_max),
        ):
            table[name] = np.broadcast_to(values, (n_time, n_energy)) * np.ones((n_time, 1))

    def _table_meta(self, sed_type):
        meta = super()._table_meta(sed_type)
        meta["TIMESYS"] = "tt"
        meta["TIMEUNIT"] = "d"
        meta["MJDREFI"], meta["MJDREFF"] = 0, 0.0
        return meta

    @classmethod
    def _from_table(cls, table, **extra):
        from astropy.time import Time

        scale = str(table.meta.get("TIMESYS", "tt")).lower()
        time_min = Time(np.asarray(table["time_min"], float), format="mjd", scale=scale)
        time_max = Time(np.asarray(table["time_max"], float), format="mjd", scale=scale)
        return super()._from_table(table, time_min=time_min, time_max=time_max, **extra)

    def plot(self, ax=None, sed_type="flux", energy_index=0, **kwargs):
        """Plot the light curve: ``sed_type`` against time (MJD) for one energy group,
        error bars over each interval, upper limits as downward arrows.

        Parameters
        ----------
        ax : `~matplotlib.axes.Axes`, optional
        sed_type : {"flux", "eflux", "dnde", "e2dnde", "norm"}
            Default is "flux".
        energy_index : int
            The energy group to show. Default is 0.
        **kwargs
            Passed to `~matplotlib.axes.Axes.errorbar`.

        Returns
        -------
        ax : `~matplotlib.axes.Axes`
        """
        from ._flux_plots import plot_light_curve

        return plot_light_curve(self, ax=ax, sed_type=sed_type, energy_index=energy_index, **kwargs)

    def __repr__(self):
        return (
            f"LightCurve(n_time={self.n_time}, n_energy={len(self)}, "
            f"energy={self.energy_edges[0]:.4g}-{self.energy_edges[-1]:.4g} TeV, "
            f"quantities={self.available})"
        )


def _quantity(values, unit):
    import astropy.units as u

    return u.Quantity(values, unit)


def _plain(column, unit):
    """Column values in ``unit`` (plain numbers when the column has no unit)."""
    if getattr(column, "unit", None) is not None:
        return np.asarray(column.quantity.to_value(unit), dtype=float)
    return np.asarray(column, dtype=float)


def _file_format(path):
    name = path.name.lower()
    if name.endswith(".ecsv"):
        return "ascii.ecsv"
    if name.endswith((".fits", ".fits.gz", ".fit", ".fts")):
        return "fits"
    raise ValueError(
        f"{path}: unknown flux-points file type; use a name ending in .ecsv, .fits or .fits.gz"
    )
