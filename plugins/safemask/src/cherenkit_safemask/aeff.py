"""Safe-mask methods from the effective area: ``aeff-default`` and ``aeff-max``."""

from __future__ import annotations

from typing import ClassVar

import attrs
import numpy as np

from cherenkit.component import parameter
from cherenkit.makers import SafeMaskMethod

from ._utils import energy_mask, first_crossing_loglog, require_observation, warn
from ._where import (
    WhereMixin,
    fixed_offset_parameter,
    irfs_parameter,
    nearest_pixel_values,
    position_parameter,
)

__all__ = ["AeffDefaultSafeMask", "AeffMaxSafeMask"]


@attrs.frozen(kw_only=True)
class AeffDefaultSafeMask(SafeMaskMethod):
    """Energy thresholds stored with the effective area (LO/HI_THRES).

    Keeps the reconstructed-energy bins lying fully inside ``[LO_THRES, HI_THRES]``
    (TeV, header keywords of the observation's effective area; in H.E.S.S. DL3 these
    are true-energy thresholds, applied to reconstructed energy as gammapy does). A
    missing (or zero) keyword leaves that side open and warns, as in gammapy 2.1.
    """

    name: ClassVar[str] = "aeff-default"

    def __call__(self, dataset, observation):
        require_observation(observation, self.name, "its effective-area header")
        aeff = observation.aeff
        bounds = []
        for key in ("LO_THRES", "HI_THRES"):
            value = aeff.meta.get(key) if aeff is not None else None
            if not value:
                warn(
                    f"aeff-default: no {key} keyword in the effective area of observation "
                    f"{getattr(observation, 'obs_id', '?')}; that side of the range stays open"
                )
                bounds.append(None)
            else:
                bounds.append(float(value) * _tev())
        return energy_mask(dataset, *bounds)


@attrs.frozen(kw_only=True)
class AeffMaxSafeMask(WhereMixin, SafeMaskMethod):
    """Energies where the effective area exceeds a percentage of its maximum.

    The threshold ``E_min`` is where the effective area first rises above
    ``aeff_percent`` % of its maximum; reconstructed-energy bins whose lower edge is
    ``>= E_min`` are safe (no upper limit).

    * ``irfs="DL4"`` (default): the effective area is the dataset's exposure divided
      by its live time, read at the nearest pixel to ``position`` (default: the map
      centre; for a spectrum, the region) or at ``fixed_offset`` north of the
      pointing. The curve through the true-energy bin *centres* is interpolated
      linearly in log E / log A between the first non-zero centre and the last one,
      and ``E_min`` is its first crossing of the threshold; without a crossing,
      ``E_min`` is the first non-zero centre. A zero effective area there makes the
      whole mask false (with a warning).
    * ``irfs="DL3"``: the observation's effective area at the offset of ``position``
      (or ``fixed_offset``, default 0) evaluated at its own true-energy bin *edges*;
      ``E_min`` is the lowest edge above the threshold.

    These are gammapy 2.1's rules (``SafeMaskMaker``, ``make_mask_energy_aeff_max``).
    Deliberate differences: the crossing is solved exactly on the log-log curve
    (gammapy uses Brent's method to about 1e-12 TeV, with the same bracket scan of
    100 log steps), and non-finite exposure counts as zero effective area (gammapy
    would propagate the NaN).
    """

    name: ClassVar[str] = "aeff-max"

    aeff_percent: float = parameter(
        10.0, gt=0, le=100, help="Threshold, in percent of the maximal effective area."
    )
    position: object = position_parameter()
    fixed_offset: object = fixed_offset_parameter()
    irfs: str = irfs_parameter()

    def __attrs_post_init__(self):
        self._check_where()

    def __call__(self, dataset, observation):
        self._check_fixed_offset(observation)
        if self.irfs == "DL3":
            energy_min = self.threshold_dl3(observation)
        else:
            energy_min = self.threshold_dl4(dataset, observation)
            if energy_min is None:
                return np.zeros(dataset.counts.geom.data_shape, dtype=bool)
        return energy_mask(dataset, energy_min)

    def threshold_dl3(self, observation):
        """``E_min`` (`~astropy.units.Quantity`, true energy) from the raw effective area."""
        import astropy.units as u

        require_observation(observation, self.name, 'irfs="DL3" uses its effective area')
        aeff = observation.aeff
        axis = aeff.axis("energy_true")
        offset = self._offset(observation)
        values = aeff.evaluate(energy_true=axis.edges, offset=offset).to_value(aeff.unit)
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        above = values > self.aeff_percent * np.max(values) / 100
        if not above.any():
            raise ValueError(
                f"aeff-max: the effective area of observation {observation.obs_id} is zero at "
                f"offset {offset:.3f}; no threshold can be defined"
            )
        return u.Quantity(axis.edges_value[above].min(), axis.unit)

    def threshold_dl4(self, dataset, observation=None):
        """``E_min`` (`~astropy.units.Quantity`, true energy) from the reduced exposure,
        or None where the effective area is zero."""
        import astropy.units as u

        exposure = dataset.exposure
        if exposure is None:
            raise ValueError(
                f"aeff-max with irfs='DL4' needs a dataset with an exposure map; "
                f"dataset {dataset.name!r} has none (make it with the 'exposure' selection, "
                "or use irfs='DL3')"
            )
        geom = dataset.counts.geom
        position = self._position(observation, geom)
        values = nearest_pixel_values(exposure, position)
        axis = exposure.geom.axis("energy_true")
        if values is None:
            values = np.zeros(axis.nbin)
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        # A = exposure / live time; the threshold is a fraction of the maximum, so the
        # live time cancels and is not needed
        values = np.where(np.isfinite(values), values, 0.0)
        positive = np.flatnonzero(values > 0)
        if positive.size == 0:
            warn(
                f"aeff-max: the effective area is zero at {position.to_string('dms')}; no safe "
                f"energy range for dataset {dataset.name!r}, mask set to all false"
            )
            return None
        centres = axis.center_value
        energy_min = centres[positive[0]]
        threshold = self.aeff_percent / 100 * values.max()
        crossing = first_crossing_loglog(centres, values, threshold, energy_min, centres[-1])
        if np.isfinite(crossing):
            energy_min = crossing
        return u.Quantity(energy_min, axis.unit)


def _tev():
    import astropy.units as u

    return u.TeV
