"""`MapDataset` and `MapDatasetOnOff`: binned sky cubes ready for a likelihood fit.

A map dataset holds, on one sky geometry with a reconstructed-energy axis, the
``counts`` and the ``background`` (predicted counts), the ``exposure`` (effective
area × live time, m² s) on a true-energy axis, a `PSFMap` and an `EDispKernelMap`
on a coarser IRF grid, and the boolean ``mask_safe`` / ``mask_fit``.

Stacking (`MapDataset.stack`) follows gammapy: the other dataset's safe mask is
applied to its counts and background; its exposure is weighted by its safe mask
reduced over energy (a pixel counts when any energy bin is safe); the IRF maps are
averaged with exposure weights; the safe masks are OR-ed.
"""

from __future__ import annotations

import attrs
import numpy as np

from ._models import ModelsMixin
from ._utils import cash_sqrt_ts, make_name, mask_on_geom, stack_map, wstat_sqrt_ts

__all__ = ["BINSZ_IRF_DEFAULT", "MapDataset", "MapDatasetOnOff", "create_map_dataset_geoms"]

BINSZ_IRF_DEFAULT = 0.2
"""Default pixel size (deg) of the PSF and energy-dispersion maps."""


def _default_rad_axis():
    from cherenkit.maps import MapAxis

    return MapAxis.from_edges(np.linspace(0.0, 0.66, 67), unit="deg", name="rad")


def _irf_image(geom_image, binsz_irf):
    """Image geometry of the IRF maps: the same centre and extent, pixels of ``binsz_irf``."""
    from cherenkit.maps import WcsGeom

    if not isinstance(geom_image, WcsGeom):
        return geom_image
    width = geom_image.width.to_value("deg")
    npix = np.maximum(np.rint(width / binsz_irf).astype(int), 1)
    return WcsGeom.create(
        skydir=geom_image.center_skydir,
        binsz=binsz_irf,
        npix=(int(npix[0]), int(npix[1])),
        frame=geom_image.frame,
        proj=geom_image.projection,
    )


def create_map_dataset_geoms(
    geom,
    *,
    energy_axis_true=None,
    migra_axis=None,
    rad_axis=None,
    binsz_irf=None,
    reco_psf=False,
):
    """Geometries of the maps of a dataset built on ``geom``.

    Parameters
    ----------
    geom : `~cherenkit.maps.WcsGeom` or `~cherenkit.maps.RegionGeom`
        Counts geometry, with an ``energy`` axis (reconstructed energy).
    energy_axis_true : `~cherenkit.maps.MapAxis`, optional
        True-energy axis of the exposure and IRF maps. Default: the edges of
        ``energy``, renamed ``energy_true``.
    migra_axis : `~cherenkit.maps.MapAxis`, optional
        Not supported yet (energy dispersion as migration maps); must be None.
    rad_axis : `~cherenkit.maps.MapAxis`, optional
        Radius axis of the PSF map. Default is 0–0.66 deg in 66 bins.
    binsz_irf : float, optional
        Pixel size (deg) of the IRF maps. Default is `BINSZ_IRF_DEFAULT`.
    reco_psf : bool
        PSF on the reconstructed-energy axis instead of true energy. Default is False.

    Returns
    -------
    geoms : dict
        ``geom``, ``geom_exposure``, ``geom_psf`` (None for a region), ``geom_edisp``.
    """
    from cherenkit.maps import RegionGeom

    if migra_axis is not None:
        raise NotImplementedError(
            "energy dispersion maps on a migration axis (EDispMap) are not implemented; "
            "leave migra_axis=None to get an EDispKernelMap"
        )
    energy = geom.axis("energy")
    if energy_axis_true is None:
        energy_axis_true = energy.copy(name="energy_true")
    elif energy_axis_true.name != "energy_true":
        raise ValueError(
            f"energy_axis_true must be named 'energy_true', got {energy_axis_true.name!r}"
        )
    others = [ax for ax in geom.axes if ax.name != "energy"]
    image = geom.to_image()
    is_region = isinstance(geom, RegionGeom)
    binsz_irf = BINSZ_IRF_DEFAULT if binsz_irf is None else float(binsz_irf)
    irf_image = image if is_region else _irf_image(image, binsz_irf)
    rad_axis = rad_axis or _default_rad_axis()
    geom_psf = None
    if not is_region:
        psf_energy = energy if reco_psf else energy_axis_true
        if reco_psf:
            raise NotImplementedError("reco_psf=True (RecoPSFMap) is not implemented yet")
        geom_psf = irf_image.to_cube([rad_axis, psf_energy, *others])
    return {
        "geom": geom,
        "geom_exposure": image.to_cube([energy_axis_true, *others]),
        "geom_psf": geom_psf,
        "geom_edisp": irf_image.to_cube([energy, energy_axis_true, *others]),
    }


def _copy_map(m):
    return None if m is None else m.copy()


@attrs.define(kw_only=True, eq=False, slots=False)
class MapDataset(ModelsMixin):
    """Binned counts with the exposure, background and IRF maps that predict them.

    Parameters
    ----------
    counts : `~cherenkit.maps.Map`
        Counts per sky pixel and reconstructed-energy bin.
    exposure : `~cherenkit.maps.Map`, optional
        Exposure (m² s) per sky pixel and true-energy bin.
    background : `~cherenkit.maps.Map`, optional
        Predicted background counts, on the counts geometry.
    psf : `PSFMap`, optional
    edisp : `EDispKernelMap`, optional
    mask_safe, mask_fit : `~cherenkit.maps.Map` of bool, optional
        Bins inside the safe range / used in the fit.
    gti : `~cherenkit.data.GTI`, optional
        Good time intervals of the observations.
    meta_table : `~astropy.table.Table`, optional
        One row per observation (OBS_ID, pointing, ...).
    name : str, optional
        Default is a random 8-character name.
    """

    stat_type = "cash"
    tag = "MapDataset"

    counts: object = None
    exposure: object = None
    background: object = None
    psf: object = None
    edisp: object = None
    mask_safe: object = None
    mask_fit: object = None
    gti: object = None
    meta_table: object = None
    name: str = attrs.field(default=None, converter=make_name)

    # --- construction ----------------------------------------------------------------

    @classmethod
    def create(
        cls,
        geom,
        energy_axis_true=None,
        migra_axis=None,
        rad_axis=None,
        binsz_irf=None,
        reco_psf=False,
        name=None,
    ):
        """An empty dataset (zero maps, nothing safe) on ``geom``.

        See `create_map_dataset_geoms` for the parameters.
        """
        geoms = create_map_dataset_geoms(
            geom,
            energy_axis_true=energy_axis_true,
            migra_axis=migra_axis,
            rad_axis=rad_axis,
            binsz_irf=binsz_irf,
            reco_psf=reco_psf,
        )
        return cls.from_geoms(**geoms, name=name)

    @classmethod
    def from_geoms(cls, geom, geom_exposure=None, geom_psf=None, geom_edisp=None, name=None):
        """An empty dataset from the geometries of its maps."""
        from cherenkit.maps import Map

        from .irf_maps import EDispKernelMap, PSFMap

        kwargs = {
            "counts": Map.from_geom(geom, unit=""),
            "background": Map.from_geom(geom, unit=""),
            "mask_safe": Map.from_geom(geom, dtype=bool),
        }
        if geom_exposure is not None:
            kwargs["exposure"] = Map.from_geom(geom_exposure, unit="m2 s")
        if geom_psf is not None:
            kwargs["psf"] = PSFMap.from_geom(geom_psf)
        if geom_edisp is not None:
            kwargs["edisp"] = EDispKernelMap.from_geom(geom_edisp)
        return cls(name=name, **kwargs)

    @property
    def geoms(self):
        """The geometries of the maps (the keywords of `from_geoms`)."""
        return {
            "geom": self._geom,
            "geom_exposure": None if self.exposure is None else self.exposure.geom,
            "geom_psf": None if self.psf is None else self.psf.psf_map.geom,
            "geom_edisp": None if self.edisp is None else self.edisp.edisp_map.geom,
        }

    @property
    def _geom(self):
        for m in (self.counts, self.mask_safe, self.exposure):
            if m is not None:
                return m.geom
        raise ValueError(f"{type(self).__name__} {self.name!r} has no counts geometry")

    def copy(self, name=None):
        """A deep copy of the maps, named ``name`` (default: a new random name); models
        are not copied (set ``models`` on the copy)."""
        changes = {
            field.name: _copy_field(getattr(self, field.name))
            for field in attrs.fields(type(self))
            if field.name != "name" and (field.name != "background" or self.stat_type == "cash")
        }
        return type(self)(name=name, **changes)

    # --- FITS I/O ----------------------------------------------------------------------

    def write(self, filename, overwrite=False):
        """Write the dataset to a FITS file in gammapy's layout (HDUs COUNTS, EXPOSURE,
        BACKGROUND, EDISP, PSF, MASK_SAFE, ... ; see `cherenkit.datasets.io`).

        Models are not written (gammapy neither): set ``models`` again after `read`.
        The file is written under a temporary name and renamed at the end.

        Parameters
        ----------
        filename : str or path-like
        overwrite : bool
            Replace an existing file. Default is False.

        Raises
        ------
        FileExistsError
            The file exists and ``overwrite`` is False.
        """
        from .io import write_dataset

        write_dataset(self, filename, overwrite=overwrite)

    @classmethod
    def read(cls, filename, name=None):
        """Read a dataset of this class from a FITS file written by `write` or by
        gammapy's ``write``; the file holds no models.

        Parameters
        ----------
        filename : str or path-like
        name : str, optional
            Default is the name stored in the file.

        Returns
        -------
        dataset : this class

        Raises
        ------
        cherenkit.errors.DataFormatError
            The file is not FITS, lacks the COUNTS HDU, or holds maps that cannot be
            read or do not fit together (the message names the HDU).
        """
        from .io import read_dataset

        return read_dataset(filename, cls=cls, name=name)

    # --- derived maps ------------------------------------------------------------------

    @property
    def livetime(self):
        """Live time (`~astropy.units.Quantity`, s) from the exposure meta, or NaN."""
        import astropy.units as u

        if self.exposure is None:
            return u.Quantity(np.nan, "s")
        return u.Quantity(self.exposure.meta.get("livetime", np.nan), "s")

    @property
    def mask(self):
        """``mask_safe`` AND ``mask_fit`` (either alone when the other is missing), or None."""
        if self.mask_safe is None:
            return self.mask_fit
        if self.mask_fit is None:
            return self.mask_safe
        return self.mask_safe & self.mask_fit

    @property
    def mask_safe_image(self):
        """``mask_safe`` reduced over the non-spatial axes with OR (a 2-d map), or None."""
        if self.mask_safe is None:
            return None
        return self.mask_safe.reduce_over_axes(func=np.logical_or)

    def _mask_safe_irf(self, irf_map, *, keep_energy):
        """Safe mask on the pixel grid of an IRF map (nearest pixel), shaped to weight it:
        ``(1, n_energy, ny, nx)`` with ``keep_energy``, else the image ``(1, 1, ny, nx)``
        (pixels outside the counts map are not safe)."""
        geom_irf = irf_map.geom.to_image()
        if keep_energy:
            return mask_on_geom(self.mask_safe, geom_irf, fill=None)[np.newaxis]
        image = self.mask_safe.copy(
            geom=self.mask_safe.geom.to_image(),
            data=np.logical_or.reduce(
                self.mask_safe.data.reshape(-1, *self.mask_safe.data.shape[-2:]), axis=0
            ),
        )
        return mask_on_geom(image, geom_irf, fill=False)[np.newaxis, np.newaxis]

    # --- stacking and cut-outs ---------------------------------------------------------

    def stack(self, other, *, nan_to_num=True):
        """Add ``other`` into this dataset in place, applying ``other``'s safe mask.

        Counts and background are added where ``other`` is safe; the exposure where
        ``other`` is safe in any energy bin; the PSF and energy-dispersion maps are
        averaged with exposure weights; masks are OR-ed; GTIs are joined; the live
        time adds when ``other`` has any safe bin. This dataset's own mask is not
        applied (use `to_masked` first for that). ``other`` may be a cut-out of this
        dataset's geometry.
        """
        import astropy.units as u

        mask = None if other.mask_safe is None else other.mask_safe.data
        if self.counts is not None and other.counts is not None:
            stack_map(self.counts, other.counts, weights=mask, nan_to_num=nan_to_num)
        if self.exposure is not None and other.exposure is not None:
            image = None
            if other.mask_safe is not None:
                image = np.logical_or.reduce(other.mask_safe.data, axis=0, keepdims=True)
            stack_map(self.exposure, other.exposure, weights=image, nan_to_num=nan_to_num)
            has_safe = image is None or bool(np.any(image))
            if "livetime" in other.exposure.meta and has_safe:
                total = u.Quantity(self.exposure.meta.get("livetime", 0.0), "s")
                self.exposure.meta["livetime"] = total + u.Quantity(
                    other.exposure.meta["livetime"], "s"
                )
        if self.stat_type == "cash" and other.background is not None:
            if self.background is None:
                from cherenkit.maps import Map

                self.background = Map.from_geom(self._geom)
            stack_map(
                self.background, other.npred_background(), weights=mask, nan_to_num=nan_to_num
            )
        if self.psf is not None and other.psf is not None:
            weights = None
            if other.mask_safe is not None:
                weights = other._mask_safe_irf(other.psf.psf_map, keep_energy=False)
            self.psf.stack(other.psf, weights=weights, nan_to_num=nan_to_num)
        if self.edisp is not None and other.edisp is not None:
            weights = None
            if other.mask_safe is not None:
                weights = other._mask_safe_irf(other.edisp.edisp_map, keep_energy=True)
            self.edisp.stack(other.edisp, weights=weights, nan_to_num=nan_to_num)
        if self.mask_safe is not None and other.mask_safe is not None:
            stack_map(self.mask_safe, other.mask_safe)
        if other.mask_fit is not None:
            if self.mask_fit is None:
                self.mask_fit = other.mask_fit.copy()
            else:
                stack_map(self.mask_fit, other.mask_fit)
        self.gti = _stack_gti(self.gti, other.gti)
        self.meta_table = _stack_tables(self.meta_table, other.meta_table)

    def to_masked(self, name=None, *, nan_to_num=True):
        """A dataset with the safe mask applied (an empty dataset stacked with this one)."""
        dataset = type(self).from_geoms(**self.geoms, name=name)
        dataset.stack(self, nan_to_num=nan_to_num)
        return dataset

    def to_image(self, name=None):
        """The dataset summed over reconstructed energy within ``mask_safe``: one energy
        bin spanning the whole axis (gammapy's ``to_image``).

        Counts and predicted background (with its background model) are summed over
        the safe bins; the safe mask is set where any bin was safe; the exposure and
        PSF keep their true-energy axes; the energy-dispersion kernel is summed over the
        safe reconstructed-energy bins of each of its pixels. Models are not carried
        over. On/Off datasets are not supported: make the image first, then its OFF
        counts (e.g. with the ring background maker).
        """
        from cherenkit.maps import Map

        if self.stat_type != "cash" or getattr(self, "counts_off", None) is not None:
            raise TypeError(
                f"to_image of the On/Off dataset {self.name!r} is not supported; build the "
                "image of the MapDataset, then its OFF counts (e.g. RingBackgroundMaker)"
            )
        geom = self.counts.geom
        image_geom = geom.replace_axes([geom.axis("energy").squash()])
        safe = np.ones(geom.data_shape, bool) if self.mask_safe is None else self.mask_safe.data
        background = self.npred_background().data if self.background is not None else None
        edisp = None
        if self.edisp is not None:
            kernel = self.edisp.edisp_map
            kernel_geom = kernel.geom.replace_axes(
                [ax.squash() if ax.name == "energy" else ax for ax in kernel.geom.axes]
            )
            data = kernel.data
            if self.mask_safe is not None:  # the safe reco bins of each IRF pixel only
                data = data * self._mask_safe_irf(kernel, keep_energy=True)
            edisp = type(self.edisp)(
                Map.from_geom(kernel_geom, data=data.sum(axis=1, keepdims=True)),
                _copy_map(self.edisp.exposure_map),
            )

        def summed(data):
            return np.where(safe, data, 0.0).sum(axis=0, keepdims=True)

        return MapDataset(
            name=name,
            counts=Map.from_geom(image_geom, data=summed(self.counts.data)),
            background=(
                None if background is None else Map.from_geom(image_geom, data=summed(background))
            ),
            exposure=_copy_map(self.exposure),
            psf=_copy_field(self.psf),
            edisp=edisp,
            mask_safe=Map.from_geom(image_geom, data=safe.any(axis=0, keepdims=True)),
            gti=_copy_field(self.gti),
            meta_table=_copy_field(self.meta_table),
        )

    def cutout(self, position, width, *, mode="trim", name=None):
        """The dataset cut to ``width`` around ``position`` (see `~cherenkit.maps.WcsGeom.cutout`).

        The IRF maps keep at least 3 pixels along each direction.
        """
        kwargs = {"gti": _copy_field(self.gti), "meta_table": _copy_field(self.meta_table)}
        cut = {"position": position, "width": width, "mode": mode}
        keys = ["counts", "exposure", "mask_safe", "mask_fit"]
        if self.stat_type == "cash":
            keys.append("background")
        for key in keys:
            value = getattr(self, key)
            kwargs[key] = None if value is None else value.cutout(**cut)
        for key in ("psf", "edisp"):
            value = getattr(self, key)
            kwargs[key] = None if value is None else value.cutout(**cut)
        kwargs.update(self._cutout_extra(cut))
        return type(self)(name=name, **kwargs)

    def _cutout_extra(self, cut):
        return {}

    # --- summaries ---------------------------------------------------------------------

    def _summed_statistic(self, mask):
        counts = float(self.counts.data[mask].sum())
        background = float(self.npred_background().data[mask].sum())
        return counts, background, counts - background, float(cash_sqrt_ts(counts, background))

    def info_dict(self, in_safe_data_range=True):
        """Summary numbers, summed over all bins (or the safe bins).

        Keys: name, counts, background, excess, sqrt_ts, npred, npred_background,
        npred_signal, exposure_min, exposure_max (m² s, over the pixels with exposure
        that are safe in any energy bin), livetime and ontime (s), counts_rate,
        background_rate, excess_rate (s⁻¹), n_bins, n_fit_bins, stat_type, stat_sum.
        """
        import astropy.units as u

        mask = (Ellipsis,)
        if in_safe_data_range and self.mask_safe is not None:
            mask = self.mask_safe.data.astype(bool)
        info = {"name": self.name}
        counts, background, excess, sqrt_ts = 0, np.nan, np.nan, np.nan
        if self.counts is not None:
            counts, background, excess, sqrt_ts = self._summed_statistic(mask)
            if self.background is None and self.stat_type == "cash":
                background, excess, sqrt_ts = np.nan, np.nan, np.nan
        info.update(
            counts=int(counts),
            excess=float(excess),
            sqrt_ts=float(sqrt_ts),
            background=float(background),
        )
        info["npred_background"] = float(background)
        info["npred_signal"] = np.nan
        if self.counts is not None and self.exposure is not None and self.models is not None:
            info["npred_signal"] = float(self._npred_signal_data()[mask].sum())
        info["npred"] = float(background + np.nan_to_num(info["npred_signal"]))
        exposure_min = exposure_max = u.Quantity(np.nan, "m2 s")
        livetime = self.livetime
        if self.exposure is not None:
            selected = self.exposure.data > 0
            if self.mask_safe is not None:
                image = np.logical_or.reduce(self.mask_safe.data, axis=0, keepdims=True)
                selected = selected & image
            if not selected.any():
                selected = (Ellipsis,)
            values = self.exposure.quantity[selected]
            exposure_min, exposure_max = values.min(), values.max()
        info["exposure_min"] = exposure_min
        info["exposure_max"] = exposure_max
        info["livetime"] = livetime
        info["ontime"] = u.Quantity(np.nan, "s") if self.gti is None else self.gti.time_sum.to("s")
        for key in ("counts", "background", "excess"):
            info[f"{key}_rate"] = info[key] / livetime
        info["n_bins"] = int(0 if self.counts is None else self.counts.data.size)
        mask_all = self.mask
        info["n_fit_bins"] = int(
            info["n_bins"] if mask_all is None else np.count_nonzero(mask_all.data)
        )
        info["stat_type"] = self.stat_type
        info["stat_sum"] = np.nan
        if self.counts is not None:
            try:
                info["stat_sum"] = self.stat_sum()
            except (ValueError, KeyError):  # no statistic inputs / plugin: not summarised
                pass
        return info

    def _summary_lines(self, info):
        return []

    def __str__(self):
        from cherenkit.modeling import Parameters

        info = self.info_dict()
        parameters = self.models.parameters if self.models is not None else Parameters()
        title = type(self).__name__
        rows = [
            ("Name", f"{info['name']}"),
            None,
            ("Total counts", f"{info['counts']:.0f}"),
            ("Total background counts", f"{info['background']:.2f}"),
            ("Total excess counts", f"{info['excess']:.2f}"),
            None,
            ("Predicted counts", f"{info['npred']:.2f}"),
            ("Predicted background counts", f"{info['npred_background']:.2f}"),
            ("Predicted excess counts", f"{info['npred_signal']:.2f}"),
            None,
            ("Exposure min", f"{info['exposure_min']:.2e}"),
            ("Exposure max", f"{info['exposure_max']:.2e}"),
            None,
            ("Number of total bins", f"{info['n_bins']}"),
            ("Number of fit bins", f"{info['n_fit_bins']}"),
            None,
            ("Fit statistic type", f"{info['stat_type']}"),
            ("Fit statistic value (-2 log(L))", f"{info['stat_sum']:.2f}"),
            None,
            ("Number of models", f"{len(self.models or ())}"),
            ("Number of parameters", f"{len(parameters)}"),
            ("Number of free parameters", f"{len(parameters.free_parameters)}"),
            *self._summary_lines(info),
        ]
        lines = [title, "-" * len(title), ""]
        for row in rows:
            lines.append("" if row is None else f"  {row[0]:32}: {row[1]}")
        return "\n".join(lines) + "\n"

    def __repr__(self):
        return f"{type(self).__name__}(name={self.name!r}, geom={self._geom!r})"

    # --- plots -------------------------------------------------------------------------

    def peek(self, figsize=(12, 10)):
        """Quick look: counts, excess (counts − background), exposure and background images.

        Counts, excess and background are summed over energy within ``mask_safe``; the
        exposure is summed over true energy.

        Parameters
        ----------
        figsize : tuple of float
            Figure size in inches. Default is (12, 10).

        Returns
        -------
        fig : `~matplotlib.figure.Figure`
        """
        from ._plotting import peek_map

        return peek_map(self, figsize=figsize)

    def plot_masks(self, ax=None):
        """Show ``mask_safe`` (filled; a pixel is set when any energy bin is) and, when
        present, ``mask_fit`` (contour). For a spectrum dataset, the energy bins outside
        each mask are shaded instead.

        Parameters
        ----------
        ax : `~astropy.visualization.wcsaxes.WCSAxes`, optional
            Default: a new WCSAxes on the current figure.

        Returns
        -------
        ax : `~matplotlib.axes.Axes`
        """
        from ._plotting import plot_masks

        return plot_masks(self, ax=ax)


@attrs.define(kw_only=True, eq=False, slots=False)
class MapDatasetOnOff(MapDataset):
    """A map dataset whose background comes from OFF counts: ``background = alpha × counts_off``
    with ``alpha = acceptance / acceptance_off`` (0 where ``acceptance_off`` is 0).

    Parameters
    ----------
    counts_off : `~cherenkit.maps.Map`
        Counts in the OFF region(s), on the counts geometry.
    acceptance, acceptance_off : `~cherenkit.maps.Map`
        Relative exposure of the ON and OFF measurements.
    other parameters
        As `MapDataset` (no ``background``).
    """

    stat_type = "wstat"
    tag = "MapDatasetOnOff"

    counts_off: object = None
    acceptance: object = None
    acceptance_off: object = None

    @classmethod
    def from_geoms(cls, geom, geom_exposure=None, geom_psf=None, geom_edisp=None, name=None):
        """An empty On/Off dataset (acceptances 1 and 1, zero counts)."""
        from cherenkit.maps import Map

        base = MapDataset.from_geoms(geom, geom_exposure, geom_psf, geom_edisp)
        return cls(
            name=name,
            counts=base.counts,
            exposure=base.exposure,
            psf=base.psf,
            edisp=base.edisp,
            mask_safe=base.mask_safe,
            counts_off=Map.from_geom(geom),
            acceptance=Map.from_geom(geom, data=1.0),
            acceptance_off=Map.from_geom(geom, data=1.0),
        )

    @classmethod
    def from_map_dataset(cls, dataset, *, acceptance, acceptance_off, counts_off=None, name=None):
        """On/Off dataset from a `MapDataset` plus OFF measurement (its background is dropped).

        ``acceptance`` / ``acceptance_off`` are Maps or numbers (broadcast to the geometry).
        """
        from cherenkit.maps import Map

        geom = dataset._geom

        def as_map(value):
            return value.copy() if hasattr(value, "geom") else Map.from_geom(geom, data=value)

        return cls(
            name=name if name is not None else dataset.name,
            counts=_copy_map(dataset.counts),
            exposure=_copy_map(dataset.exposure),
            psf=_copy_field(dataset.psf),
            edisp=_copy_field(dataset.edisp),
            mask_safe=_copy_map(dataset.mask_safe),
            mask_fit=_copy_map(dataset.mask_fit),
            gti=_copy_field(dataset.gti),
            meta_table=_copy_field(dataset.meta_table),
            counts_off=Map.from_geom(geom) if counts_off is None else as_map(counts_off),
            acceptance=as_map(acceptance),
            acceptance_off=as_map(acceptance_off),
        )

    def to_map_dataset(self, name=None):
        """A `MapDataset` whose background is ``alpha × counts_off``."""
        return MapDataset(
            name=name if name is not None else self.name,
            counts=_copy_map(self.counts),
            exposure=_copy_map(self.exposure),
            background=self.background,
            psf=_copy_field(self.psf),
            edisp=_copy_field(self.edisp),
            mask_safe=_copy_map(self.mask_safe),
            mask_fit=_copy_map(self.mask_fit),
            gti=_copy_field(self.gti),
            meta_table=_copy_field(self.meta_table),
        )

    @property
    def alpha(self):
        """``acceptance / acceptance_off``, 0 where that is not finite."""
        from cherenkit.maps import Map

        with np.errstate(invalid="ignore", divide="ignore"):
            data = self.acceptance.data / self.acceptance_off.data
        return Map.from_geom(self._geom, data=np.nan_to_num(data, posinf=0.0, neginf=0.0))

    @property
    def background(self):
        """``alpha × counts_off`` (None without OFF counts)."""
        if self.counts_off is None:
            return None
        return self.counts_off.copy(data=self.alpha.data * self.counts_off.data, unit="")

    @background.setter
    def background(self, value):
        if value is not None:
            raise AttributeError(
                f"{type(self).__name__}.background is alpha * counts_off and cannot be set"
            )

    def _summed_statistic(self, mask):
        counts = float(self.counts.data[mask].sum())
        if self.counts_off is None:
            return counts, np.nan, np.nan, np.nan
        n_off = float(self.counts_off.data[mask].sum())
        bkg = float((self.alpha.data * self.counts_off.data)[mask].sum())
        alpha = bkg / n_off if n_off > 0 else np.nan
        sqrt_ts = float(wstat_sqrt_ts(counts, n_off, alpha)) if n_off > 0 else np.nan
        return counts, bkg, counts - bkg, sqrt_ts

    def info_dict(self, in_safe_data_range=True):
        """`MapDataset.info_dict` plus counts_off, acceptance, acceptance_off and alpha."""
        info = super().info_dict(in_safe_data_range)
        mask = (Ellipsis,)
        if in_safe_data_range and self.mask_safe is not None:
            mask = self.mask_safe.data.astype(bool)
        n_off = 0.0 if self.counts_off is None else float(self.counts_off.data[mask].sum())
        acceptance = 1.0 if self.acceptance is None else float(self.acceptance.data[mask].sum())
        alpha = np.nan
        if self.counts_off is not None and n_off > 0:
            alpha = float((self.alpha.data * self.counts_off.data)[mask].sum()) / n_off
        info["counts_off"] = int(n_off)
        info["acceptance"] = acceptance
        info["acceptance_off"] = acceptance / alpha if alpha else np.nan
        info["alpha"] = alpha
        return info

    def _summary_lines(self, info):
        return [
            ("Total counts_off", f"{info['counts_off']:.0f}"),
            ("Acceptance", f"{info['acceptance']:.0f}"),
            ("Acceptance off", f"{info['acceptance_off']:.0f}"),
        ]

    def stack(self, other, *, nan_to_num=True):
        """Stack another On/Off dataset in place (gammapy's rule).

        OFF counts add (``other``'s where safe); the acceptance adds (``other``'s where
        safe); ``acceptance_off`` is set so that the stacked alpha is the OFF-count
        weighted mean ``Σ αᵢ OFFᵢ / Σ OFFᵢ``, and where no OFF counts are left, the
        average alpha of the whole stack.
        """
        if not isinstance(other, MapDatasetOnOff):
            raise TypeError(
                f"can only stack a MapDatasetOnOff into a MapDatasetOnOff, got "
                f"{type(other).__name__}"
            )
        from cherenkit.maps import Map

        geom = self._geom
        mask = None if other.mask_safe is None else other.mask_safe.data
        total_off, total_alpha_off, total_acc = (Map.from_geom(geom) for _ in range(3))
        stack_map(total_acc, self.acceptance, nan_to_num=nan_to_num)
        stack_map(total_acc, other.acceptance, weights=mask, nan_to_num=nan_to_num)
        for dataset, weights in ((self, None), (other, mask)):
            if dataset.counts_off is None:
                continue
            stack_map(total_off, dataset.counts_off, weights=weights, nan_to_num=nan_to_num)
            stack_map(total_alpha_off, dataset.background, weights=weights, nan_to_num=nan_to_num)
        with np.errstate(divide="ignore", invalid="ignore"):
            acceptance_off = total_acc.data * total_off.data / total_alpha_off.data
            average_alpha = total_alpha_off.data.sum() / total_off.data.sum()
        empty = total_off.data == 0
        acceptance_off[empty] = total_acc.data[empty] / average_alpha
        self.acceptance = total_acc
        self.acceptance_off = Map.from_geom(geom, data=acceptance_off)
        self.counts_off = total_off
        MapDataset.stack(self, other, nan_to_num=nan_to_num)

    def _cutout_extra(self, cut):
        return {
            key: None if getattr(self, key) is None else getattr(self, key).cutout(**cut)
            for key in ("counts_off", "acceptance", "acceptance_off")
        }

    def cutout(self, position, width, *, mode="trim", name=None):
        """See `MapDataset.cutout`; the OFF counts and acceptances are cut too."""
        return super().cutout(position, width, mode=mode, name=name)


def _copy_field(value):
    if value is None:
        return None
    if hasattr(value, "copy"):
        return value.copy()
    import copy

    return copy.deepcopy(value)


def _stack_gti(gti, other):
    if other is None:
        return gti
    if gti is None or len(gti) == 0:
        return other.copy() if hasattr(other, "copy") else other
    if len(other) == 0:
        return gti
    from cherenkit.data import GTI

    return GTI.stack([gti, other]).union()


def _stack_tables(table, other):
    if other is None:
        return table
    if table is None:
        return other.copy()
    from astropy.table import vstack

    return vstack([table, other])
