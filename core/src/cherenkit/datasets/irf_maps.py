"""IRF maps of a reduced dataset: the PSF and the energy-dispersion kernel per sky
pixel (on a coarser grid than the counts), each with the exposure that weights it
when datasets are stacked."""

from __future__ import annotations

import attrs
import numpy as np

from ._utils import stack_map, stack_slices

__all__ = ["EDispKernelMap", "PSFMap"]


def _squash(geom, name):
    return geom.replace_axes([ax.squash() if ax.name == name else ax for ax in geom.axes])


@attrs.define(eq=False, slots=False)
class _IRFMap:
    """An IRF map with its exposure map (true-energy exposure, the IRF axis squashed)."""

    _irf_axis = ""

    irf_map: object
    exposure_map: object = None

    def copy(self):
        """A deep copy."""
        return type(self)(
            self.irf_map.copy(), None if self.exposure_map is None else self.exposure_map.copy()
        )

    def cutout(self, position, width, *, mode="trim", min_npix=3):
        """The IRF (and exposure) map cut around ``position``; at least ``min_npix`` pixels
        wide, so that coarse IRF grids keep enough pixels to interpolate."""
        kwargs = {"mode": mode, "min_npix": min_npix}
        exposure = self.exposure_map
        return type(self)(
            self.irf_map.cutout(position, width, **kwargs),
            None if exposure is None else exposure.cutout(position, width, **kwargs),
        )

    def stack(self, other, *, weights=None, nan_to_num=True):
        """Add ``other`` in place, exposure-weighted: the result is the exposure-weighted
        mean IRF, and the exposures add.

        Parameters
        ----------
        other : same type
            On this map's IRF grid or a cut-out of it.
        weights : `~numpy.ndarray` of bool, optional
            Safe mask of ``other`` on its IRF grid, broadcastable to its IRF data; an
            axis other than true energy and the IRF axis is reduced with OR for the
            exposure.
        """
        if self.exposure_map is None or other.exposure_map is None:
            raise ValueError(f"{type(self).__name__}.stack needs the exposure maps of both")
        slices = stack_slices(self.irf_map.geom, other.irf_map.geom)
        if slices is None:
            return
        into, _ = slices
        data = self.irf_map.data
        data[into] *= self.exposure_map.data[into]
        weighted = other.irf_map.copy(data=other.irf_map.data * other.exposure_map.data)
        stack_map(self.irf_map, weighted, weights=weights, nan_to_num=nan_to_num)
        exposure_weights = weights
        if weights is not None:
            weights = np.asarray(weights)
            if weights.ndim == 4 and weights.shape[1] > 1:
                exposure_weights = np.logical_or.reduce(weights, axis=1, keepdims=True)
        stack_map(self.exposure_map, other.exposure_map, weights=exposure_weights)
        with np.errstate(invalid="ignore", divide="ignore"):
            data[into] /= self.exposure_map.data[into]
        data[into] = np.nan_to_num(data[into])

    def _nearest_pixel(self, position):
        geom = self.irf_map.geom
        if position is None:
            if hasattr(geom, "center_pix"):
                cx, cy = geom.center_pix
                return int(np.floor(cy + 0.5)), int(np.floor(cx + 0.5))
            return 0, 0
        if not hasattr(geom, "wcs") or getattr(geom, "region", None) is not None:
            return 0, 0
        from cherenkit.maps.coord import skycoord_lonlat

        lon, lat = skycoord_lonlat(position, geom.frame)
        ix, iy = geom._spatial_idx(np.atleast_1d(lon), np.atleast_1d(lat), clip=True)
        return int(iy[0]), int(ix[0])


class PSFMap(_IRFMap):
    """PSF density (sr⁻¹) per true energy, radius and sky pixel.

    ``psf_map`` has axes ``(rad, energy_true)``, data of shape
    ``(n_energy_true, n_rad, ny, nx)``; each radial profile is normalised to
    ``Σ psf · 2π r Δr = 1`` (r in rad). ``exposure_map`` has the rad axis squashed.
    """

    _irf_axis = "rad"

    @property
    def psf_map(self):
        """The PSF density map (sr⁻¹)."""
        return self.irf_map

    @classmethod
    def from_geom(cls, geom):
        """Zero PSF and exposure maps on ``geom`` (axes ``rad``, ``energy_true``)."""
        from cherenkit.maps import Map

        return cls(
            Map.from_geom(geom, unit="sr-1"),
            Map.from_geom(_squash(geom, "rad"), unit="m2 s"),
        )

    def containment_radius(self, fraction, energy_true, position=None, *, factor=20):
        """Radius containing ``fraction`` of the PSF at ``position`` (default: map centre).

        The PSF is interpolated bilinearly in the pixel grid to the position, then the
        radius is found like `cherenkit.irf.PSF3D.containment_radius` (containment on a
        ``factor`` times finer rad grid, the closest grid value; gammapy's definition).

        Returns
        -------
        radius : `~astropy.units.Quantity`, deg
        """
        import astropy.units as u

        from cherenkit.irf import PSF3D
        from cherenkit.maps import MapAxis

        geom = self.psf_map.geom
        rad, e_true = geom.axis("rad"), geom.axis("energy_true")
        if position is None:
            position = geom.center_skydir
        from cherenkit.maps.coord import skycoord_lonlat

        lon, lat = skycoord_lonlat(position, geom.frame)
        x, y = geom.wcs.wcs_world2pix(lon, lat, 0)
        ir, ie = np.meshgrid(np.arange(rad.nbin), np.arange(e_true.nbin))
        values = self.psf_map.interp_by_pix(
            (np.full(ir.shape, float(x)), np.full(ir.shape, float(y)), ir, ie)
        )
        offset = MapAxis.from_edges([0.0, 1.0], unit="deg", name="offset")
        psf = PSF3D(axes=[e_true, offset, rad], data=values[:, None, :], unit=self.psf_map.unit)
        return psf.containment_radius(
            fraction, energy_true=u.Quantity(energy_true), offset=0.5 * u.deg, factor=factor
        )


class EDispKernelMap(_IRFMap):
    """Energy-dispersion kernel per sky pixel: probability of each true-energy bin to land
    in each reconstructed-energy bin.

    ``edisp_map`` has axes ``(energy, energy_true)``, data of shape
    ``(n_energy_true, n_energy, ny, nx)``; ``exposure_map`` has the energy axis squashed.
    """

    _irf_axis = "energy"

    @property
    def edisp_map(self):
        """The kernel map (dimensionless)."""
        return self.irf_map

    @classmethod
    def from_geom(cls, geom):
        """Zero kernel and exposure maps on ``geom`` (axes ``energy``, ``energy_true``)."""
        from cherenkit.maps import Map

        return cls(
            Map.from_geom(geom, unit=""), Map.from_geom(_squash(geom, "energy"), unit="m2 s")
        )

    def get_edisp_kernel(self, position=None):
        """The `~cherenkit.irf.EDispKernel` of the pixel containing ``position``
        (default: the map centre)."""
        from cherenkit.irf import EDispKernel

        iy, ix = self._nearest_pixel(position)
        geom = self.edisp_map.geom
        return EDispKernel(
            energy_true=geom.axis("energy_true"),
            energy=geom.axis("energy"),
            data=self.edisp_map.data[:, :, iy, ix],
        )
