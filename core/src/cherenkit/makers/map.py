"""`MapDatasetMaker`: one observation reduced onto the geometry of a reference dataset."""

from __future__ import annotations

from typing import ClassVar

import attrs
import numpy as np

from . import _reduction as red

__all__ = ["MapDatasetMaker"]

MAP_SELECTION = ("counts", "exposure", "background", "psf", "edisp")


def _selection(value):
    if isinstance(value, str):
        value = [value]
    return tuple(value)


def _meta_table(observation):
    import astropy.units as u
    from astropy.table import Table

    pointing = observation.pointing
    aeff = observation.aeff
    return Table(
        {
            "TELESCOP": [str((aeff.meta if aeff is not None else {}).get("TELESCOP", "Unknown"))],
            "OBS_ID": [int(observation.obs_id)],
            "RA_PNT": [float(pointing.ra.deg)] * u.deg,
            "DEC_PNT": [float(pointing.dec.deg)] * u.deg,
        }
    )


def _require(observation, what):
    value = getattr(observation, what)
    if value is None:
        from cherenkit.errors import DataFormatError

        raise DataFormatError(
            f"observation {observation.obs_id}",
            f"no {what!r} HDU in the data store, but the maker's selection asks for it; "
            f"drop {what!r} from selection or use a data store that has it",
        )
    return value


@attrs.frozen(kw_only=True)
class MapDatasetMaker:
    """Fill the maps of a dataset from one observation.

    Parameters
    ----------
    selection : sequence of {"counts", "exposure", "background", "psf", "edisp"}
        Maps to make. Default is all five. Maps not made are left empty (counts: zeros;
        the others: None).
    background_oversampling : int, optional
        Integrate the background on this many sub-bins per reconstructed-energy bin.

    Raises
    ------
    cherenkit.errors.DataFormatError
        The observation has no HDU (``events``, ``aeff``, ``bkg``, ``psf``, ``edisp``)
        that a map of ``selection`` needs; the message names the observation and the
        HDU.

    Notes
    -----
    A geometry that does not overlap the observation's field of view gives a defined
    empty dataset: no counts, and exposure, background and IRF maps of 0 (the IRFs
    are 0 beyond their offset axes).

    Conventions (gammapy's): the exposure uses the live time, the background the
    on time (GADF background rates are per on-time); IRFs are taken at the pixel
    centres, the PSF and the energy-dispersion kernel on the dataset's coarser IRF
    grid with their own exposure maps for stacking. See `cherenkit.makers._reduction`.
    """

    tag: ClassVar[str] = "MapDatasetMaker"
    available_selection: ClassVar[tuple] = MAP_SELECTION

    selection: tuple = attrs.field(default=MAP_SELECTION, converter=_selection)
    background_oversampling: int | None = attrs.field(default=None)

    def __attrs_post_init__(self):
        unknown = [s for s in self.selection if s not in self.available_selection]
        if unknown:
            raise ValueError(
                f"{type(self).__name__}: unknown selection {unknown}; valid: "
                f"{list(self.available_selection)}"
            )
        if self.background_oversampling is not None and int(self.background_oversampling) < 1:
            raise ValueError(
                f"background_oversampling must be a positive integer, got "
                f"{self.background_oversampling!r}"
            )

    # --- single products ---------------------------------------------------------------

    @staticmethod
    def make_counts(geom, observation):
        """Counts map: the events histogrammed into ``geom`` (pixel and energy bins)."""
        from cherenkit.maps import Map

        counts = Map.from_geom(geom, unit="")
        events = _require(observation, "events")
        table = events.table
        coords = {
            "lon": np.asarray(table["RA"], dtype=np.float64),
            "lat": np.asarray(table["DEC"], dtype=np.float64),
        }
        if geom.frame != "icrs":
            from astropy.coordinates import SkyCoord

            coords = {"skycoord": SkyCoord(coords["lon"], coords["lat"], unit="deg")}
        for name in geom.axes_names:
            column = "ENERGY" if name == "energy" else name.upper()
            coords[name] = table[column].quantity
        counts.fill_by_coord(coords)
        return counts

    @staticmethod
    def make_exposure(geom, observation):
        """Exposure map (m² s): effective area at the pixel centres × live time."""
        import astropy.units as u

        from cherenkit.maps import Map

        aeff = _require(observation, "aeff")
        livetime = observation.observation_live_time_duration.to_value(u.s)
        offsets = red.pixel_offsets_deg(geom, observation.pointing)
        data = red.exposure_values(aeff, geom.axis("energy_true"), offsets, livetime)
        meta = {"livetime": livetime, "is_pointlike": bool(aeff.is_pointlike)}
        return Map.from_geom(geom, data=data.reshape(geom.data_shape), unit="m2 s", meta=meta)

    def make_background(self, geom, observation):
        """Background map: the template integrated over each energy bin × solid angle ×
        on time."""
        import astropy.units as u

        from cherenkit.maps import Map

        bkg = _require(observation, "bkg")
        data = red.background_values(
            bkg,
            geom.axis("energy"),
            geom,
            observation.pointing,
            observation.observation_time_duration.to_value(u.s),
            alignment=observation.bkg_fov_alignment,
            oversampling=self.background_oversampling,
        )
        return Map.from_geom(geom, data=data.reshape(geom.data_shape), unit="")

    @classmethod
    def make_psf(cls, geom, observation):
        """`~cherenkit.datasets.PSFMap` on ``geom`` (axes rad, energy_true)."""
        from cherenkit.datasets import PSFMap
        from cherenkit.maps import Map

        psf = _require(observation, "psf")
        offsets = red.pixel_offsets_deg(geom, observation.pointing)
        data = red.psf_values(psf, geom.axis("energy_true"), geom.axis("rad"), offsets)
        exposure_geom = geom.replace_axes([geom.axis("rad").squash(), geom.axis("energy_true")])
        exposure = cls.make_exposure(
            exposure_geom.replace_axes([geom.axis("energy_true")]), observation
        )
        return PSFMap(
            Map.from_geom(geom, data=data, unit="sr-1"),
            Map.from_geom(
                exposure_geom, data=exposure.data[:, np.newaxis], unit="m2 s", meta=exposure.meta
            ),
        )

    @classmethod
    def make_edisp_kernel(cls, geom, observation):
        """`~cherenkit.datasets.EDispKernelMap` on ``geom`` (axes energy, energy_true)."""
        from cherenkit.datasets import EDispKernelMap
        from cherenkit.maps import Map

        edisp = _require(observation, "edisp")
        offsets = red.pixel_offsets_deg(geom, observation.pointing)
        energy, energy_true = geom.axis("energy"), geom.axis("energy_true")
        data = red.edisp_kernel_values(edisp, energy_true, energy, offsets)
        exposure_geom = geom.replace_axes([energy.squash(), energy_true])
        exposure = cls.make_exposure(geom.replace_axes([energy_true]), observation)
        return EDispKernelMap(
            Map.from_geom(geom, data=data.reshape(geom.data_shape), unit=""),
            Map.from_geom(
                exposure_geom,
                data=exposure.data[:, np.newaxis],
                unit="m2 s",
                meta=exposure.meta,
            ),
        )

    # --- the step ----------------------------------------------------------------------

    def run(self, dataset, observation):
        """A new dataset like ``dataset`` (same type, geometries and name) filled from
        ``observation``; its safe mask is all true and its GTI the observation's."""
        from cherenkit.maps import Map

        geom = dataset.counts.geom
        kwargs = {
            "name": dataset.name,
            "gti": observation.gti,
            "meta_table": _meta_table(observation),
            "mask_safe": Map.from_geom(geom, data=True, dtype=bool),
        }
        if "counts" in self.selection:
            kwargs["counts"] = self.make_counts(geom, observation)
        else:
            kwargs["counts"] = Map.from_geom(geom, unit="")
        if "exposure" in self.selection and dataset.exposure is not None:
            kwargs["exposure"] = self.make_exposure(dataset.exposure.geom, observation)
        if "background" in self.selection:
            kwargs["background"] = self.make_background(geom, observation)
        if "psf" in self.selection and dataset.psf is not None:
            kwargs["psf"] = self.make_psf(dataset.psf.psf_map.geom, observation)
        if "edisp" in self.selection and dataset.edisp is not None:
            kwargs["edisp"] = self.make_edisp_kernel(dataset.edisp.edisp_map.geom, observation)
        return type(dataset)(**kwargs)
