"""Tabulated radial PSF versus true energy, offset and radius (GADF ``PSF_TABLE``).

``RPSF`` is :math:`dP/d\\Omega` in sr⁻¹ as a function of the angular distance
``rad`` from the true position.

References
----------
.. [GADF] "Data formats for gamma-ray astronomy", "PSF > PSF_TABLE":
   https://gamma-astro-data-formats.readthedocs.io/en/latest/irfs/full_enclosure/psf/psf_table/index.html
"""

from __future__ import annotations

import numpy as np

from ._psf_base import PSFMixin
from .core import IRF

__all__ = ["PSF3D"]


class PSF3D(PSFMixin, IRF):
    """Radial PSF density :math:`dP/d\\Omega(E_\\mathrm{true}, \\theta, r)` in sr⁻¹.

    Axes ``energy_true`` (log), ``offset`` and ``rad`` (linear); column ``RPSF``.
    H.E.S.S. DR1 (GADF 0.2) labels the HDU ``HDUCLAS2 = RPSF``.
    """

    tag = "psf_table"
    required_axes = ("energy_true", "offset", "rad")
    axis_columns = (("ENERG", "log", "TeV"), ("THETA", "lin", "deg"), ("RAD", "lin", "deg"))
    data_column = "RPSF"
    default_unit = "sr-1"
    hduclas2 = "RPSF"
    hduclas4 = "PSF_TABLE"
    extname = "PSF"

    def _cumulative(self):
        """(rad nodes = upper edges, containment at them) — cached."""
        cum = self._cache.get("cumulative")
        if cum is None:
            import astropy.units as u

            from cherenkit.maps import MapAxis

            rad = self.axis("rad")
            to_sr = (rad.unit**2 * self.unit).to(u.dimensionless_unscaled)
            ring = 2 * np.pi * rad.center_value * np.diff(rad.edges_value) * to_sr
            data = np.cumsum(np.asarray(self.data, dtype=np.float64) * ring, axis=-1)
            axis = MapAxis.from_nodes(
                rad.edges_value[1:], unit=rad.unit, name="rad", interp=rad.interp
            )
            cum = PSF3D(
                axes=[self.axis("energy_true"), self.axis("offset"), axis], data=data, unit=""
            )
            self._cache["cumulative"] = cum
        return cum

    def containment(self, rad, energy_true=None, offset=None):
        """Fraction of events within ``rad``.

        The cumulative sum of ``2 pi r dr RPSF`` over the rad bins, placed at the bins'
        upper edges and interpolated like the PSF itself (gammapy's definition); 0 for
        ``rad`` beyond the outermost node spacing.

        Returns
        -------
        containment : `~numpy.ndarray`
        """
        coords = {"rad": rad, "energy_true": energy_true, "offset": offset}
        coords = {k: v for k, v in coords.items() if v is not None}
        return self._cumulative().evaluate(**coords).value

    def containment_radius(self, fraction, energy_true=None, offset=None, *, factor=20):
        """Radius containing ``fraction`` of the events.

        The rad axis is upsampled ``factor`` times and the bin centre whose containment
        is closest to ``fraction`` is returned (gammapy's definition: a grid value, so
        the precision is the upsampled bin width, 0.05/20 deg on H.E.S.S. DR1 files).

        Parameters
        ----------
        fraction : float or `~numpy.ndarray`
        energy_true, offset : `~astropy.units.Quantity`
            Broadcast together with ``fraction``.
        factor : int
            Default is 20.

        Returns
        -------
        radius : `~astropy.units.Quantity`, deg
        """
        import astropy.units as u

        rad_axis = self.axis("rad")
        e = (
            self.axis("energy_true")._value(energy_true)
            if energy_true is not None
            else self.axis("energy_true").center_value
        )
        o = (
            self.axis("offset")._value(offset)
            if offset is not None
            else self.axis("offset").center_value
        )
        fraction = np.asarray(fraction, dtype=np.float64)
        shape = np.broadcast_shapes(np.shape(e), np.shape(o), fraction.shape)
        rad = rad_axis.upsample(factor).center_value
        # rad last, so that the search runs along contiguous memory
        cum = self._cumulative().evaluate_values(
            [np.asarray(e)[..., None], np.asarray(o)[..., None], rad]
        )
        target = fraction[..., None]
        if cum.shape == (*shape, rad.size):
            distance = np.subtract(cum, target, out=cum)
        else:
            distance = cum - target
        np.abs(distance, out=distance)
        idx = np.argmin(distance, axis=-1)
        return u.Quantity(rad[idx], rad_axis.unit).to("deg")

    def evaluate(self, method="linear", **coords):
        """PSF density (sr⁻¹) at ``rad``, ``energy_true``, ``offset`` (broadcast)."""
        return super().evaluate(method=method, **coords)
