"""`ExcessMapEstimator`: correlated counts, excess, TS, significance and flux maps of a
map dataset, and the `ExcessMaps` it returns."""

from __future__ import annotations

from typing import ClassVar

import attrs
import numpy as np

from ._correlate import correlate_images, tophat_kernel
from ._counts_statistic import ExcessStatistic
from ._flux_maps import flux_maps, reference_counts
from .flux_points import positive_number

__all__ = ["ExcessMapEstimator", "ExcessMaps"]

_OPTIONS = ("errn-errp", "ul", "alpha", "acceptance_on", "acceptance_off")


def _correlation_radius(value):
    import astropy.units as u

    try:
        radius = u.Quantity(value)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"correlation_radius must be an angle such as '0.1 deg' or 0.1 * u.deg, "
            f"got {value!r} ({err})"
        ) from None
    if radius.unit.physical_type != "angle" or radius.ndim != 0:
        raise TypeError(
            f"correlation_radius must be a single angle such as '0.1 deg', got {value!r}"
        )
    if not (np.isfinite(radius.value) and radius.value > 0):
        raise ValueError(f"correlation_radius must be a positive angle, got {radius}")
    return radius.to("deg")


def _selection(value):
    if value is None:
        return ()
    if isinstance(value, str):
        if value == "all":
            return _OPTIONS
        value = [value]
    selection = tuple(value)
    unknown = [v for v in selection if v not in _OPTIONS]
    if unknown:
        valid = ", ".join(repr(v) for v in ("all", *_OPTIONS))
        raise ValueError(
            f"selection_optional: unknown option {unknown[0]!r}; valid are {valid} (or None)"
        )
    return selection


def _energy_edges(value):
    if value is None:
        return None
    import astropy.units as u

    try:
        edges = u.Quantity(value)
    except (TypeError, ValueError) as err:
        raise TypeError(f"energy_edges must be energies, e.g. [1, 10] * u.TeV ({err})") from None
    if edges.unit.physical_type != "energy":
        raise TypeError(f"energy_edges must be energies, e.g. [1, 10] * u.TeV, got {value!r}")
    edges = np.atleast_1d(edges)
    if edges.ndim != 1 or edges.size < 2 or not np.all(np.diff(edges.value) > 0):
        raise ValueError(
            f"energy_edges must be at least two increasing energies, got {edges.to_string()}"
        )
    return edges


def _default_spectral_model():
    from cherenkit.modeling import PowerLawSpectralModel

    return PowerLawSpectralModel(index=2.0)


def _check_spectral_model(instance, attribute, value):
    from cherenkit.modeling import SpectralModel
    from cherenkit.modeling.spectral import DNDE_UNIT

    if not isinstance(value, SpectralModel) or value.unit != DNDE_UNIT:
        raise TypeError(
            f"spectral_model must be a spectral model of dN/dE in {DNDE_UNIT} such as "
            f"PowerLawSpectralModel(index=2), got {value!r}"
        )


def _correlate_off(value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"correlate_off must be True or False, got {value!r}")
    return bool(value)


@attrs.frozen(kw_only=True)
class ExcessMapEstimator:
    """Correlated excess, TS and significance maps of a map dataset.

    In every energy group, the counts and the background of the dataset are summed
    over a disk of radius ``correlation_radius`` around each pixel (a top-hat
    correlation: the values of the pixels whose centres lie within the radius are
    added, not averaged). The excess over the background in that disk, its test
    statistic and its likelihood errors come from the dataset's fit statistic
    (``dataset.stat_type``, a ``fit-statistic`` plugin: ``cash`` for a
    `~cherenkit.datasets.MapDataset`, ``wstat`` for a
    `~cherenkit.datasets.MapDatasetOnOff`):

    * ``ts = stat(signal = 0) - stat(signal = excess)``, with the background profiled
      for On/Off data; for On/Off counts it is the square of the Li & Ma (1983)
      eq. 17 significance, for a known background the Cash (1979) likelihood ratio;
    * ``sqrt_ts = sign(excess) √ts``;
    * ``npred_excess_errn/errp``: where the statistic has risen by ``n_sigma²``
      below/above the best fit; ``npred_excess_ul``: the signal where it has risen by
      ``n_sigma_ul²`` above the best fit (both found by root finding over all pixels
      at once);
    * ``npred_excess_err``: ``n_sigma`` times the symmetric error from the curvature
      at the best fit, ``√counts`` (cash) or ``√(counts + alpha² counts_off)`` (wstat).

    The excess is counted on top of everything the dataset already predicts: its
    background and, where source models are set on the dataset, their predicted
    counts (so that the TS map of one source is made with all other sources modelled).

    Where the dataset has an exposure, the excess is also given as the norm of a
    reference spectrum (``spectral_model``) and as fluxes:

    * ``npred_excess_ref``: the counts of a point source with the reference spectrum,
      per pixel: the spectrum integrated over each true-energy bin times the pixel's
      exposure, redistributed over reconstructed energy with the energy-dispersion
      kernel at the centre of the edisp map (without edisp: each true-energy bin goes
      to the reconstructed-energy bins it overlaps), summed over the safe bins of the
      group, then averaged over the pixels of the disk that have data. The PSF is
      ignored: the source's counts are taken to lie within the disk;
    * ``norm = npred_excess / npred_excess_ref``; ``norm_err``, ``norm_errn``,
      ``norm_errp`` and ``norm_ul`` divide the excess errors and upper limit the same
      way;
    * ``dnde``, ``e2dnde``, ``flux`` and ``eflux``, each with ``_err`` and, where the
      norm has them, ``_errn``, ``_errp`` and ``_ul``: the norm maps times the
      reference model's dN/dE and E² dN/dE at the log centre ``sqrt(e_min e_max)``
      of the group, its integral flux and its energy flux over the group (in
      cm⁻² s⁻¹ TeV⁻¹, TeV cm⁻² s⁻¹, cm⁻² s⁻¹ and TeV cm⁻² s⁻¹).

    Datasets without an exposure map, or whose exposure is zero everywhere (an empty
    `~cherenkit.datasets.MapDataset.create`), give no flux maps; where the reference
    counts are zero the flux maps are NaN.

    The quantities and options follow gammapy's ``ExcessMapEstimator`` (gammapy 2.1),
    whose results this reproduces. The sensitivity maps (gammapy's "sensitivity"
    option) are not computed.

    Parameters
    ----------
    correlation_radius : str or `~astropy.units.Quantity`, angle
        Radius of the correlation disk, > 0. It is converted to pixels with the mean
        pixel size of the map. Default is "0.1 deg".
    n_sigma : float
        Confidence level of ``npred_excess_err``, ``_errn`` and ``_errp`` in sigma,
        > 0. Default is 1.
    n_sigma_ul : float
        Confidence level of ``npred_excess_ul`` in sigma, > 0. Default is 2.
    selection_optional : None, "all" or list of str
        Extra maps, from {"errn-errp", "ul", "alpha", "acceptance_on",
        "acceptance_off"}: the asymmetric errors, the upper limits, and for On/Off
        datasets the ON and OFF acceptances ("alpha" is accepted for gammapy
        compatibility; On/Off results always hold ``alpha`` and ``counts_off``).
        Default is None (no extra maps).
    energy_edges : `~astropy.units.Quantity`, optional
        Edges of the energy groups. Each is moved to the nearest edge of the
        dataset's energy axis (in the axis' scale, as gammapy does); they must lie
        within the axis. Default is None: one group spanning the whole axis (gammapy's
        default too).
    correlate_off : bool
        For On/Off datasets: also sum the OFF counts over the disk, with ``alpha``
        the OFF-count weighted mean alpha in the disk (``Σ alpha counts_off / Σ
        counts_off``). When False, the OFF counts of the centre pixel are used, with
        ``alpha`` = (ON acceptance summed over the disk) / (OFF acceptance of the
        pixel): the right choice for OFF counts that are already sums over a ring
        (`~cherenkit_background.RingBackgroundMaker`). Default is True.
    spectral_model : `~cherenkit.modeling.SpectralModel`, optional
        Reference spectrum of the flux maps, a dN/dE model (cm⁻² s⁻¹ TeV⁻¹). Default
        is gammapy's: a power law of index 2 with amplitude 1e-12 cm⁻² s⁻¹ TeV⁻¹ at
        1 TeV.

    Notes
    -----
    Only the safe data enter (``mask_safe``, and ``mask_fit`` where set): the counts,
    background, OFF counts and acceptances of each group are the sums over its safe
    energy bins, and pixels outside the mask count as empty in the disk sums. Pixels
    without data are NaN in every map: pixels that are not safe in any bin of the
    group, and for On/Off datasets pixels whose ``alpha`` is not positive and finite
    (no OFF acceptance; with ``correlate_off=True`` also no OFF counts in the disk).

    References
    ----------
    .. [1] Li, T.-P. & Ma, Y.-Q. 1983, "Analysis methods for results in gamma-ray
       astronomy", ApJ 272, 317, :doi:`10.1086/161295`
    .. [2] Cash, W. 1979, "Parameter estimation in astronomy through application of
       the likelihood ratio", ApJ 228, 939, :doi:`10.1086/156922`
    .. [3] gammapy ``ExcessMapEstimator``,
       https://docs.gammapy.org/2.1/api/gammapy.estimators.ExcessMapEstimator.html

    Examples
    --------
    >>> import numpy as np
    >>> from cherenkit.datasets import MapDataset
    >>> from cherenkit.maps import MapAxis, WcsGeom
    >>> energy = MapAxis.from_energy_bounds(1, 10, 2, unit="TeV")
    >>> geom = WcsGeom.create(skydir=(83.63, 22.01), npix=20, binsz=0.05, axes=[energy])
    >>> dataset = MapDataset.create(geom)
    >>> dataset.counts.data[:, 10, 10] = 30.0
    >>> dataset.background.data[...] = 0.05
    >>> dataset.mask_safe.data[...] = True
    >>> result = ExcessMapEstimator(correlation_radius="0.1 deg").run(dataset)
    >>> float(result["counts"].data[0, 10, 10])  # 30 counts in each of the 2 energy bins
    60.0
    >>> float(result["npred_excess"].data[0, 10, 10])  # minus 13 pixels x 2 bins x 0.05
    58.7
    >>> round(float(result["sqrt_ts"].data[0, 10, 10]), 3)
    18.505
    >>> "flux" in result  # the exposure of an empty dataset is zero
    False

    With an exposure of 1e8 m² s in each true-energy bin and no energy dispersion,
    the power law of index 2 (1e-12 cm⁻² s⁻¹ TeV⁻¹ at 1 TeV) gives 0.9e-12 cm⁻² s⁻¹
    × 1e12 cm² s = 0.9 counts per pixel in 1-10 TeV:

    >>> dataset.exposure.data[...] = 1e8
    >>> dataset.edisp = None
    >>> result = ExcessMapEstimator(correlation_radius="0.1 deg").run(dataset)
    >>> round(float(result["npred_excess_ref"].data[0, 10, 10]), 6)
    0.9
    >>> round(float(result["norm"].data[0, 10, 10]), 3)  # 58.7 / 0.9
    65.222
    >>> flux = result["flux"].quantity[0, 10, 10]  # norm x 0.9e-12 cm-2 s-1
    >>> f"{flux.to_value('cm-2 s-1'):.4g}"
    '5.87e-11'
    """

    available_options: ClassVar[tuple[str, ...]] = _OPTIONS

    correlation_radius: object = attrs.field(
        default="0.1 deg", converter=_correlation_radius, kw_only=False
    )
    n_sigma: float = attrs.field(default=1.0, converter=positive_number("n_sigma"))
    n_sigma_ul: float = attrs.field(default=2.0, converter=positive_number("n_sigma_ul"))
    selection_optional: tuple = attrs.field(default=None, converter=_selection)
    energy_edges: object = attrs.field(default=None, converter=_energy_edges, eq=False)
    correlate_off: bool = attrs.field(default=True, converter=_correlate_off)
    spectral_model: object = attrs.field(
        factory=_default_spectral_model, validator=_check_spectral_model, eq=False
    )

    def run(self, dataset):
        """Excess maps of ``dataset``.

        Parameters
        ----------
        dataset : `~cherenkit.datasets.MapDataset` or `~cherenkit.datasets.MapDatasetOnOff`
            With counts on a `~cherenkit.maps.WcsGeom` with an energy axis; a
            background (MapDataset) or OFF counts and acceptances (MapDatasetOnOff).

        Returns
        -------
        maps : `ExcessMaps`
            Maps on the dataset's sky image with one energy bin per group: ``counts``
            (correlated), ``npred`` (= counts at the best fit), ``npred_background``,
            ``npred_excess``, ``npred_excess_err``, ``ts``, ``sqrt_ts``; with
            ``selection_optional`` also ``npred_excess_errn``, ``npred_excess_errp``,
            ``npred_excess_ul``; for On/Off datasets ``counts_off`` and ``alpha`` as
            used in the statistic, and optionally ``acceptance_on`` and
            ``acceptance_off``. With an exposure also ``npred_excess_ref``, ``norm``,
            ``norm_err``, the ``dnde``, ``e2dnde``, ``flux`` and ``eflux`` maps and
            their errors, and with ``selection_optional`` their asymmetric errors and
            upper limits (see the class description).

        Raises
        ------
        TypeError
            ``dataset`` is not a map dataset on a WCS geometry, or its statistic is
            not supported.
        ValueError
            The dataset lacks counts, background or OFF data, ``energy_edges`` lies
            outside its energy axis, or its exposure or edisp kernel does not fit its
            counts.
        """
        from cherenkit import registry

        geom = _check_dataset(dataset)
        edges_idx = self._group_edges(geom.axis("energy"))
        groups = _GroupedDataset(dataset, edges_idx)
        kernel = tophat_kernel(self._radius_pix(geom))
        statistic = registry.get("fit-statistic", dataset.stat_type)()

        on = correlate_images(groups.sum(dataset.counts.data), kernel)
        extra = {}
        if not statistic.profiles_background:
            background = correlate_images(groups.sum(dataset.npred().data), kernel)
            inputs = {"npred_background": background}
        else:
            counts_off, alpha, extra = self._off_inputs(dataset, groups, kernel)
            inputs = {"counts_off": counts_off, "alpha": alpha}
            if getattr(dataset, "models", None):  # the signal the models already predict
                signal = groups.sum(dataset.npred_signal().data)
                inputs["npred_signal"] = correlate_images(signal, kernel)

        valid = groups.mask & np.isfinite(on)
        for values in inputs.values():
            valid &= np.isfinite(values) & (values >= 0)
        if "alpha" in inputs:
            valid &= inputs["alpha"] > 0

        stat = ExcessStatistic(
            statistic, on[valid], **{key: value[valid] for key, value in inputs.items()}
        )
        quantities = {
            "counts": stat.counts,
            "npred": stat.counts,
            "npred_background": stat.npred_background,
            "npred_excess": stat.excess,
            "npred_excess_err": self.n_sigma * stat.error,
            "ts": stat.ts,
            "sqrt_ts": stat.sqrt_ts,
        }
        if "errn-errp" in self.selection_optional:
            quantities["npred_excess_errn"] = stat.errn(self.n_sigma)
            quantities["npred_excess_errp"] = stat.errp(self.n_sigma)
        if "ul" in self.selection_optional:
            quantities["npred_excess_ul"] = stat.upper_limit(self.n_sigma_ul)
        if "alpha" in inputs:
            quantities["counts_off"] = inputs["counts_off"][valid]
            quantities["alpha"] = inputs["alpha"][valid]
            for key in ("acceptance_on", "acceptance_off"):
                if key in self.selection_optional:
                    quantities[key] = extra[key][valid]

        from cherenkit.maps import Map

        out_geom = geom.replace_axes([groups.axis])
        maps = {}
        for name, values in quantities.items():
            data = np.full(out_geom.data_shape, np.nan)
            data[valid] = values
            maps[name] = Map.from_geom(out_geom, data=data)
        reference = self._reference_counts(dataset, groups, kernel)
        if reference is not None:
            maps.update(flux_maps(maps, reference, valid, self.spectral_model))
        meta = {
            "correlation_radius": self.correlation_radius.to_string(),
            "correlate_off": self.correlate_off,
            "n_sigma": self.n_sigma,
            "n_sigma_ul": self.n_sigma_ul,
            "stat_type": dataset.stat_type,
            "dataset": dataset.name,
        }
        model = None
        if reference is not None:
            model = self.spectral_model.copy()
            meta["spectral_model"] = type(model).__name__
        return ExcessMaps(maps=maps, meta=meta, reference_model=model)

    # --- pieces of run -----------------------------------------------------------------

    def _radius_pix(self, geom):
        scale = float(np.mean(np.abs(geom.pixel_scales.deg)))
        return self.correlation_radius.to_value("deg") / scale

    def _group_edges(self, axis):
        """Indices into the axis edges of the group edges."""
        if self.energy_edges is None:
            return np.array([0, axis.nbin])
        edges = self.energy_edges.to_value(axis.unit)
        lo, hi = axis.edges_value[0], axis.edges_value[-1]
        tol = 1e-6 * (hi - lo)
        if np.any(edges < lo - tol) or np.any(edges > hi + tol):
            raise ValueError(
                f"energy_edges {self.energy_edges.to_string()} reach outside the dataset's "
                f"energy axis [{lo:g}, {hi:g}] {axis.unit.to_string()}"
            )
        pix = np.clip(axis.coord_to_pix_value(edges), -0.5, axis.nbin - 0.5)
        idx = np.unique(np.round(pix + 0.5).astype(np.int64))
        if idx.size < 2:
            raise ValueError(
                f"energy_edges {self.energy_edges.to_string()} span no complete bin of the "
                f"dataset's energy axis (edges {np.array2string(axis.edges_value, precision=4)} "
                f"{axis.unit.to_string()})"
            )
        return idx

    def _reference_counts(self, dataset, groups, kernel):
        """Correlated reference counts (`reference_counts` summed over the safe bins of
        each group, averaged over the disk pixels with data), or None."""
        counts = reference_counts(dataset, self.spectral_model)
        if counts is None:
            return None
        n_pixels = correlate_images(groups.mask.astype(np.float64), kernel)
        with np.errstate(invalid="ignore", divide="ignore"):
            return correlate_images(groups.sum(counts), kernel) / n_pixels

    def _off_inputs(self, dataset, groups, kernel):
        """Correlated OFF counts, alpha and the acceptances for an On/Off dataset."""
        counts_off = groups.sum(dataset.counts_off.data)
        background = groups.sum(dataset.alpha.data * dataset.counts_off.data)
        acceptance = groups.sum(dataset.acceptance.data)
        # OFF acceptance of the group keeping its mean alpha (Σ alpha OFF / Σ OFF)
        with np.errstate(invalid="ignore", divide="ignore"):
            alpha_group = np.where(
                counts_off > 0,
                background / counts_off,
                acceptance / groups.sum(dataset.acceptance_off.data),
            )
            acceptance_off = acceptance / alpha_group
            if self.correlate_off:
                counts_off = correlate_images(counts_off, kernel)
                alpha = correlate_images(background, kernel) / counts_off
            else:
                alpha = correlate_images(acceptance, kernel) / acceptance_off
        extra = {"acceptance_on": acceptance, "acceptance_off": acceptance_off}
        return counts_off, alpha, extra


def _check_dataset(dataset):
    counts = getattr(dataset, "counts", None)
    if not hasattr(dataset, "stat_type") or not hasattr(dataset, "mask_safe"):
        raise TypeError(
            f"ExcessMapEstimator.run needs a MapDataset or MapDatasetOnOff, got "
            f"{type(dataset).__name__}"
        )
    if counts is None:
        raise ValueError(
            f"ExcessMapEstimator.run: dataset {dataset.name!r} has no counts; excess maps "
            "need counts"
        )
    geom = counts.geom
    if not hasattr(geom, "wcs") or getattr(geom, "region", None) is not None:
        raise TypeError(
            f"ExcessMapEstimator.run needs a map dataset on a WcsGeom, got "
            f"{type(dataset).__name__} {dataset.name!r} on {type(geom).__name__}"
        )
    if list(geom.axes_names) != ["energy"]:
        raise ValueError(
            f"ExcessMapEstimator.run: the counts of dataset {dataset.name!r} must have one "
            f"non-spatial axis named 'energy', got {list(geom.axes_names)}"
        )
    if dataset.stat_type == "wstat":
        missing = [
            k for k in ("counts_off", "acceptance", "acceptance_off") if getattr(dataset, k) is None
        ]
        if missing:
            raise ValueError(
                f"ExcessMapEstimator.run: On/Off dataset {dataset.name!r} has no "
                f"{', '.join(missing)}"
            )
    elif getattr(dataset, "background", None) is None:
        raise ValueError(
            f"ExcessMapEstimator.run: dataset {dataset.name!r} has no background; excess "
            "maps need the predicted background counts"
        )
    return geom


class _GroupedDataset:
    """Sums over the safe bins of energy groups; the group masks."""

    def __init__(self, dataset, edges_idx):
        from cherenkit.maps import MapAxis

        geom = dataset.counts.geom
        axis = geom.axis("energy")
        self.axis = MapAxis.from_edges(
            axis.edges_value[edges_idx], unit=axis.unit, name="energy", interp=axis.interp
        )
        self._first, self._stop = int(edges_idx[0]), int(edges_idx[-1])
        self._starts = np.asarray(edges_idx[:-1], dtype=np.int64) - self._first
        shape = geom.data_shape
        safe = np.ones(shape, bool)
        if dataset.mask_safe is not None:
            safe = np.broadcast_to(np.asarray(dataset.mask_safe.data, bool), shape)
        self._safe = safe
        mask = self._reduce(safe, np.logical_or)
        if getattr(dataset, "mask_fit", None) is not None:
            fit = np.broadcast_to(np.asarray(dataset.mask_fit.data, bool), shape)
            mask = mask & self._reduce(fit, np.logical_or)
        self.mask = mask

    def _reduce(self, data, ufunc):
        return ufunc.reduceat(data[self._first : self._stop], self._starts, axis=0)

    def sum(self, data):
        """Sum over the safe bins of each group, zero outside the group mask (float64)."""
        data = np.asarray(data, dtype=np.float64)
        data = np.where(self._safe & np.isfinite(data), data, 0.0)
        return np.where(self.mask, self._reduce(data, np.add), 0.0)


@attrs.frozen
class ExcessMaps:
    """The maps computed by `ExcessMapEstimator`, by name.

    Access a map as ``maps["sqrt_ts"]`` or ``maps.sqrt_ts``; ``list(maps)`` gives the
    names. Each is a `~cherenkit.maps.WcsNDMap` on the dataset's sky image with one
    energy bin per group, NaN where there are no data.

    Parameters
    ----------
    maps : dict of str to `~cherenkit.maps.Map`
    meta : dict
        The estimator's settings and the dataset's statistic and name.
    reference_model : `~cherenkit.modeling.SpectralModel` or None
        The reference spectrum of the flux maps (a copy of the estimator's
        ``spectral_model``); None when there are no flux maps.
    """

    maps: dict
    meta: dict = attrs.field(factory=dict)
    reference_model: object = None

    def __getitem__(self, name):
        try:
            return self.maps[name]
        except KeyError:
            raise KeyError(
                f"no map {name!r} in these excess maps; available: {', '.join(self.maps)}"
            ) from None

    def __getattr__(self, name):
        if name.startswith("__") or name in ("maps", "meta", "reference_model"):
            raise AttributeError(name)
        maps = object.__getattribute__(self, "maps")
        if name in maps:
            return maps[name]
        raise AttributeError(
            f"{type(self).__name__} has no attribute or map {name!r}; maps: {', '.join(maps)}"
        )

    def __contains__(self, name):
        return name in self.maps

    def __iter__(self):
        return iter(self.maps)

    def __len__(self):
        return len(self.maps)

    def keys(self):
        """The map names."""
        return self.maps.keys()

    def items(self):
        """``(name, map)`` pairs."""
        return self.maps.items()

    @property
    def available_quantities(self):
        """The map names, as a list (gammapy's name)."""
        return list(self.maps)

    @property
    def geom(self):
        """The geometry of the maps (`~cherenkit.maps.WcsGeom`)."""
        return self.maps["sqrt_ts"].geom

    @property
    def energy_axis(self):
        """The energy groups (`~cherenkit.maps.MapAxis`)."""
        return self.geom.axis("energy")

    @property
    def energy_ref(self):
        """Log centres ``sqrt(e_min e_max)`` of the energy groups, where the ``dnde``
        and ``e2dnde`` maps are given (`~astropy.units.Quantity`)."""
        edges = self.energy_axis.edges
        return np.sqrt(edges[:-1] * edges[1:])

    def __str__(self):
        lines = [
            type(self).__name__,
            "-" * len(type(self).__name__),
            f"  geom          : {type(self.geom).__name__} {self.geom.data_shape}",
            f"  energy groups : {np.array2string(self.energy_axis.edges_value, precision=4)} "
            f"{self.energy_axis.unit.to_string()}",
            f"  quantities    : {self.available_quantities}",
        ]
        if self.reference_model is not None:
            lines.append(f"  ref. model    : {self.reference_model!r}")
        lines += [f"  {key:<14}: {value}" for key, value in self.meta.items()]
        return "\n".join(lines)

    def plot(self, name="sqrt_ts", *, energy_idx=0, ax=None, add_cbar=True, **kwargs):
        """Show one map in one energy group (see `~cherenkit.maps.WcsNDMap.plot`).

        Returns
        -------
        ax : `~astropy.visualization.wcsaxes.WCSAxes`
        """
        m = self[name]
        image = m.copy(geom=m.geom.to_image(), data=m.data[energy_idx])
        ax = image.plot(ax=ax, add_cbar=add_cbar, **kwargs)
        ax.set_title(name)
        return ax

    def peek(self, *, energy_idx=0, figsize=(12, 5)):
        """Side by side: ``sqrt_ts`` and ``npred_excess`` in one energy group.

        Returns
        -------
        fig : `~matplotlib.figure.Figure`
        """
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=figsize)
        wcs = self.geom.wcs
        for i, (name, cmap) in enumerate((("sqrt_ts", "coolwarm"), ("npred_excess", "viridis"))):
            ax = fig.add_subplot(1, 2, i + 1, projection=wcs)
            self.plot(name, energy_idx=energy_idx, ax=ax, cmap=cmap)
        return fig
