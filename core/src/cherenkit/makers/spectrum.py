"""`SpectrumDatasetMaker`: one observation reduced onto a region (a spectrum)."""

from __future__ import annotations

from typing import ClassVar

import attrs
import numpy as np

from . import _reduction as red
from .map import MapDatasetMaker, _meta_table, _require, _selection

__all__ = ["SpectrumDatasetMaker"]

SPECTRUM_SELECTION = ("counts", "exposure", "background", "edisp")


@attrs.frozen(kw_only=True)
class SpectrumDatasetMaker:
    """Fill a `~cherenkit.datasets.SpectrumDataset` (one ON region) from one observation.

    IRFs are taken at the region centre (gammapy's ``use_region_center=True``); the
    background is the template at the centre × the region's solid angle.

    Parameters
    ----------
    selection : sequence of {"counts", "exposure", "background", "edisp"}
        Default is all four.
    containment_correction : bool
        Multiply the exposure by the PSF containment within the (circular) region
        radius, at the region centre. Default is False.
    background_oversampling : int, optional
        See `MapDatasetMaker`.
    """

    tag: ClassVar[str] = "SpectrumDatasetMaker"
    available_selection: ClassVar[tuple] = SPECTRUM_SELECTION

    selection: tuple = attrs.field(default=SPECTRUM_SELECTION, converter=_selection)
    containment_correction: bool = False
    background_oversampling: int | None = None

    def __attrs_post_init__(self):
        unknown = [s for s in self.selection if s not in self.available_selection]
        if unknown:
            raise ValueError(
                f"{type(self).__name__}: unknown selection {unknown}; valid: "
                f"{list(self.available_selection)}"
            )

    def make_exposure(self, geom, observation):
        """Exposure at the region centre (× PSF containment with ``containment_correction``)."""
        import astropy.units as u

        exposure = MapDatasetMaker.make_exposure(geom, observation)
        if self.containment_correction:
            radius = getattr(geom.region, "radius", None)
            if radius is None:
                raise TypeError(
                    "containment_correction needs a circular ON region, got "
                    f"{type(geom.region).__name__}"
                )
            psf = _require(observation, "psf")
            offset = red.pixel_offsets_deg(geom, observation.pointing).reshape(-1)[0]
            e_true = geom.axis("energy_true")
            containment = psf.containment(
                rad=u.Quantity(radius),
                energy_true=e_true.center,
                offset=u.Quantity(offset, "deg"),
            )
            containment = np.asarray(getattr(containment, "value", containment), dtype=float)
            exposure.data *= containment.reshape(-1, 1, 1)
        return exposure

    def run(self, dataset, observation):
        """A new dataset like ``dataset`` filled from ``observation`` (safe mask all true)."""
        from cherenkit.maps import Map

        maker = MapDatasetMaker(
            selection=[s for s in self.selection if s != "exposure"],
            background_oversampling=self.background_oversampling,
        )
        geom = dataset.counts.geom
        kwargs = {
            "name": dataset.name,
            "gti": observation.gti,
            "meta_table": _meta_table(observation),
            "mask_safe": Map.from_geom(geom, data=True, dtype=bool),
            "counts": maker.make_counts(geom, observation)
            if "counts" in self.selection
            else Map.from_geom(geom, unit=""),
        }
        if "exposure" in self.selection and dataset.exposure is not None:
            kwargs["exposure"] = self.make_exposure(dataset.exposure.geom, observation)
        if "background" in self.selection:
            kwargs["background"] = maker.make_background(geom, observation)
        if "edisp" in self.selection and dataset.edisp is not None:
            kwargs["edisp"] = maker.make_edisp_kernel(dataset.edisp.edisp_map.geom, observation)
        return type(dataset)(**kwargs)
