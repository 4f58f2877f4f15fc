"""`RegionGeom`: one sky region (an ON region) with non-spatial axes, e.g. for spectra.

Data of a region map have the shape ``(..., n_axis_1, n_axis_0, 1, 1)``: the region
counts as a single pixel, as in gammapy. Region shapes come from the `regions`
package (`~regions.CircleSkyRegion`, ...). Pixel-based operations (``contains``,
``solid_angle``) use a TAN grid of 0.1 deg pixels centred on the region, as gammapy
does, so that the numbers agree.
"""

from __future__ import annotations

import attrs
import numpy as np

from .coord import MapCoord, parse_coords, skycoord_lonlat
from .geom import Geom, check_axes

__all__ = ["RegionGeom"]


def _parse_region(region):
    from regions import Regions, SkyRegion

    if isinstance(region, str):
        parsed = list(Regions.parse(region, format="ds9"))
        if len(parsed) != 1:
            raise ValueError(f"expected one region in {region!r}, got {len(parsed)}")
        region = parsed[0]
    if not isinstance(region, SkyRegion):
        raise TypeError(f"RegionGeom needs a sky region, got {type(region).__name__}")
    return region


@attrs.frozen(eq=False)
class RegionGeom(Geom):
    """Geometry of a region map: a sky region plus non-spatial axes.

    Parameters
    ----------
    region : `~regions.SkyRegion`
        The region, e.g. ``CircleSkyRegion(center, radius)``.
    axes : sequence of `MapAxis`
        Non-spatial axes.
    binsz_wcs : float
        Pixel size (deg) of the TAN grid used for pixel-based operations. Default 0.1.
    """

    region: object = attrs.field(converter=_parse_region)
    axes: tuple = attrs.field(default=(), converter=check_axes)
    binsz_wcs: float = attrs.field(default=0.1, converter=float)
    _cache: dict = attrs.field(factory=dict, init=False, repr=False)

    @classmethod
    def create(cls, region, *, axes=None, binsz_wcs=0.1):
        """Geometry from a region (object or DS9 string such as
        ``"icrs;circle(83.63, 22.01, 0.11)"``) and axes."""
        return cls(region, axes, binsz_wcs)

    @property
    def _image_shape(self):
        return (1, 1)

    @property
    def center_skydir(self):
        """Centre of the region, `~astropy.coordinates.SkyCoord`."""
        return self.region.center

    @property
    def frame(self):
        """Sky frame of the region centre ("icrs", "galactic", ...)."""
        return self.region.center.frame.name

    @property
    def wcs(self):
        """TAN WCS of ``binsz_wcs`` pixels centred on the region (for pixel operations)."""
        if "wcs" not in self._cache:
            from .wcs import WcsGeom

            self._cache["wcs"] = WcsGeom.create(
                skydir=self.center_skydir,
                binsz=self.binsz_wcs,
                npix=1,
                proj="TAN",
                frame=self.frame,
            ).wcs
        return self._cache["wcs"]

    def __eq__(self, other):
        if not isinstance(other, RegionGeom):
            return NotImplemented
        return self.axes == other.axes and self.region == other.region

    def __hash__(self):
        return hash((self.axes, repr(self.region)))

    def __repr__(self):
        return f"RegionGeom(region={self.region!r}, axes={self.axes_names})"

    def to_image(self):
        """The region without non-spatial axes."""
        return RegionGeom(self.region, (), self.binsz_wcs)

    def to_cube(self, axes):
        """The region with ``axes`` appended."""
        return RegionGeom(self.region, (*self.axes, *axes), self.binsz_wcs)

    def replace_axes(self, axes):
        """The region with other non-spatial axes."""
        return RegionGeom(self.region, tuple(axes), self.binsz_wcs)

    def solid_angle(self):
        """Solid angle of the region (sr), `~astropy.units.Quantity` scalar.

        The area of the region converted to pixels of `wcs` times the pixel area at
        the reference point, as gammapy computes it: for a circle of radius ``r``
        this is the flat ``π r²``, which exceeds the spherical cap ``2π (1 - cos r)``
        by the fraction ``r² / 12`` (3e-7 for r = 0.11 deg).
        """
        import astropy.units as u
        from astropy.wcs.utils import proj_plane_pixel_area

        area = self.region.to_pixel(self.wcs).area
        return u.Quantity(area * proj_plane_pixel_area(self.wcs), "deg2").to("sr")

    def bin_volume(self):
        """Solid angle × widths of the non-spatial bins, shape `data_shape`."""
        volume = self.solid_angle() * np.ones(self.data_shape)
        widths = self._axes_view([np.diff(ax.edges_value) for ax in self.axes])
        for ax, width in zip(self.axes, widths, strict=True):
            volume = volume * (width * ax.unit)
        return volume

    def _contains_lonlat(self, lon, lat):
        """Inside the region, decided on the `wcs` pixel grid as the regions package
        does (``region.contains(skycoord, wcs)``); circles on plain arrays."""
        from regions import CircleSkyRegion

        if isinstance(self.region, CircleSkyRegion):
            if "pixel_circle" not in self._cache:
                pixel = self.region.to_pixel(self.wcs)
                self._cache["pixel_circle"] = (pixel.center.x, pixel.center.y, pixel.radius)
            xc, yc, radius = self._cache["pixel_circle"]
            x, y = self.wcs.all_world2pix(np.asarray(lon, float), np.asarray(lat, float), 0)
            return np.hypot(x - xc, y - yc) < radius
        from astropy.coordinates import SkyCoord

        skycoord = SkyCoord(lon, lat, unit="deg", frame=self.frame)
        return np.asarray(self.region.contains(skycoord, self.wcs), dtype=bool)

    def contains(self, coords):
        """True for coordinates inside the region (and inside the non-spatial axes).

        ``coords`` may be a bare `~astropy.coordinates.SkyCoord` when the geometry has
        axes: then only the sky position is tested.
        """
        if type(coords).__name__ == "SkyCoord" and self.axes:
            return self._contains_lonlat(*skycoord_lonlat(coords, self.frame))
        return super().contains(coords)

    def _spatial_idx(self, lon, lat, *, clip=False):
        inside = self._contains_lonlat(lon, lat)
        idx = np.where(inside | clip, 0, -1).astype(np.int64)
        idx = np.where(np.isfinite(lon) & np.isfinite(lat), idx, -1)
        return idx, idx.copy()

    def get_coord(self):
        """Coordinates of the bin centres: the region centre with the axis centres."""
        lon, lat = skycoord_lonlat(self.center_skydir, self.frame)
        centres = self._axes_view([ax.center_value for ax in self.axes])
        axes = {
            ax.name: np.broadcast_to(c, self.data_shape) * ax.unit
            for ax, c in zip(self.axes, centres, strict=True)
        }
        shape = self.data_shape
        return MapCoord(
            np.broadcast_to(lon, shape), np.broadcast_to(lat, shape), frame=self.frame, axes=axes
        )

    def coord_to_pix(self, coords):
        """Pixel coordinates ``(x, y, *axis_pix)``; x = y = 0 inside the region, -1 outside."""
        lon, lat, values = parse_coords(coords, frame=self.frame, axes=self.axes)
        ix, iy = self._spatial_idx(lon, lat)
        return (
            ix.astype(float),
            iy.astype(float),
            *[ax.coord_to_pix_value(v) for ax, v in zip(self.axes, values, strict=True)],
        )
