"""`ReflectedRegionsBackgroundMaker`: OFF regions made by rotating the ON region around
the pointing position, for spectra (`~cherenkit.datasets.SpectrumDatasetOnOff`)."""

from __future__ import annotations

from typing import ClassVar

import attrs
import numpy as np

from cherenkit.component import parameter
from cherenkit.makers import BackgroundMaker

from ._utils import check_exclusion_mask, exclusion_on_geom, warn_failed

__all__ = ["ReflectedRegionsBackgroundMaker", "find_reflected_regions"]

_FULL_CIRCLE = 2.0 * np.pi


def _reference_geom(region, center, binsz_deg):
    """TAN grid centred on the rotation point, wide enough for every reflected region:
    ``4 × distance(region, center) + 0.3 deg`` across, in the region's frame."""
    from cherenkit.maps import WcsGeom

    width = 4.0 * region.center.separation(center).deg + 0.3
    return WcsGeom.create(
        skydir=center, binsz=binsz_deg, width=width, frame=region.center.frame.name, proj="TAN"
    )


def _celestial_frame(wcs):
    from astropy.wcs.utils import wcs_to_celestial_frame

    return wcs_to_celestial_frame(wcs)


def _lonlat_deg(skycoord, frame):
    """Longitude and latitude (deg, float arrays) of ``skycoord`` in ``frame``: the values
    astropy's high-level ``world_to_pixel`` hands to the WCS (one transform for all)."""
    if not skycoord.frame.is_equivalent_frame(frame):
        skycoord = skycoord.transform_to(frame)
    sph = skycoord.spherical
    return (
        np.asarray(sph.lon.to_value("deg"), dtype=np.float64),
        np.asarray(sph.lat.to_value("deg"), dtype=np.float64),
    )


def _centre_lonlat_deg(skycoord, frame):
    """`_lonlat_deg` of a scalar position already in ``frame``, read from its spherical
    data directly when it has one (no representation transform)."""
    data = skycoord.data
    if hasattr(data, "lon") and hasattr(data, "lat"):
        return float(data.lon.to_value("deg")), float(data.lat.to_value("deg"))
    return _lonlat_deg(skycoord, frame)


def _world_to_pixel_deg(lon, lat, wcs):
    """Pixel ``x, y`` (0-based) of positions given in degrees in the WCS's own frame."""
    x, y = wcs.all_world2pix(lon, lat, 0)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def _offset_north_deg(lon, lat, distance_rad):
    """The point ``distance_rad`` North of ``lon, lat`` (deg), as
    `astropy.coordinates.angles.utils.offset_by` with position angle 0 computes it (the
    same operations in the same order, so the result is bit-identical)."""
    import astropy.units as u

    deg_to_rad = u.deg.to(u.rad)
    rad_to_deg = u.rad.to(u.deg)
    a360 = u.deg.to(u.rad, 360.0)
    cos_a = np.cos(distance_rad)
    sin_a = np.sin(distance_rad)
    cos_c = np.sin(lat * deg_to_rad)
    sin_c = np.cos(lat * deg_to_rad)
    cos_b_pa, sin_b_pa = np.cos(0.0), np.sin(0.0)
    cos_b = cos_c * cos_a + sin_c * sin_a * cos_b_pa
    xsin_a = sin_a * sin_b_pa * sin_c
    xcos_a = cos_a - cos_b * cos_c
    big_a = np.arctan2(xsin_a, xcos_a)
    big_a = np.where(sin_c < 1e-12, (90.0 + cos_c * 90.0) * deg_to_rad, big_a)
    out = np.atleast_1d(lon * deg_to_rad + big_a).astype(np.float64)
    out_of_range = (out < 0.0) | (out >= a360)
    if out_of_range.any():  # Angle.wrap_at(360 deg) in radians
        out -= ((out - 0.0) // a360) * a360
        out[out >= a360] -= a360
        out[out < 0.0] += a360
    return out.reshape(np.shape(big_a)) * rad_to_deg, np.arcsin(cos_b) * rad_to_deg


def _pixel_scale_deg(lon, lat, wcs):
    """Pixel positions of ``lon, lat`` (deg, the WCS's frame) and the pixel size (arcsec)
    there along North.

    The scale is 1 arcsec over the pixel distance to the point 1 arcsec North, the
    rule of the `regions` package up to 0.10 (which gammapy 2.1's reference used;
    later versions use the mean of the Jacobian's singular values, which differs by
    ~1e-4 for a TAN grid 0.5 deg off its centre).
    """
    import astropy.units as u

    x, y = _world_to_pixel_deg(lon, lat, wcs)
    lon_n, lat_n = _offset_north_deg(lon, lat, (1.0 * u.arcsec).to_value(u.rad))
    xn, yn = _world_to_pixel_deg(lon_n, lat_n, wcs)
    return x, y, 1.0 / np.hypot(xn - x, yn - y)


def _pixel_scale_arcsec(skycoord, wcs):
    """`_pixel_scale_deg` of a `~astropy.coordinates.SkyCoord`; scalars for a scalar
    ``skycoord``. In another frame than the WCS's, North is that frame's North (as in
    astropy's ``directional_offset_by``) and both points are transformed."""
    import astropy.units as u
    from astropy.coordinates import SkyCoord, UnitSphericalRepresentation

    frame = _celestial_frame(wcs)
    if skycoord.frame.is_equivalent_frame(frame):
        x, y, scale = _pixel_scale_deg(*_lonlat_deg(skycoord, frame), wcs)
    else:
        own = skycoord.represent_as(UnitSphericalRepresentation)
        lon_n, lat_n = _offset_north_deg(
            own.lon.to_value("deg"), own.lat.to_value("deg"), (1.0 * u.arcsec).to_value(u.rad)
        )
        north = SkyCoord(lon_n, lat_n, unit="deg", frame=skycoord.frame)
        x, y = _world_to_pixel_deg(*_lonlat_deg(skycoord, frame), wcs)
        xn, yn = _world_to_pixel_deg(*_lonlat_deg(north, frame), wcs)
        scale = 1.0 / np.hypot(xn - x, yn - y)
    if np.ndim(x) == 0:
        return float(x), float(y), float(scale)
    return x, y, scale


def _circles_to_pixel(regions, wcs):
    """Pixel centres ``x, y`` and radii of circular sky regions, all in one pass."""
    frame = _celestial_frame(wcs)
    if all(region.center.frame.is_equivalent_frame(frame) for region in regions):
        lonlat = np.array([_centre_lonlat_deg(r.center, frame) for r in regions], np.float64)
        x, y, scale = _pixel_scale_deg(lonlat[:, 0], lonlat[:, 1], wcs)
    else:
        x, y, scale = np.array([_pixel_scale_arcsec(r.center, wcs) for r in regions]).T
    radius = np.array([region.radius.to_value("arcsec") for region in regions]) / scale
    return x, y, radius


def _circle_to_pixel(region, wcs):
    from regions import CirclePixelRegion, PixCoord

    x, y, radius = _circles_to_pixel([region], wcs)
    return CirclePixelRegion(PixCoord(float(x[0]), float(y[0])), float(radius[0]))


def _circles_to_sky(x, y, radius, wcs):
    """Circular sky regions of pixel centres ``x, y`` and pixel radii (arrays)."""
    import astropy.units as u
    from astropy.coordinates import SkyCoord
    from regions import CircleSkyRegion

    frame = _celestial_frame(wcs)
    lon, lat = wcs.all_pix2world(np.asarray(x, float), np.asarray(y, float), 0)
    _, _, scale = _pixel_scale_deg(lon, lat, wcs)
    radius_deg = u.Quantity(np.asarray(radius) * scale, "arcsec").to(u.deg)
    centres = SkyCoord(lon, lat, unit=(u.deg, u.deg), frame=frame)  # indexed: one build
    return [CircleSkyRegion(centres[i], radius_deg[i]) for i in range(len(lon))]


def _circle_to_sky(region_pix, wcs):
    x, y = np.array([region_pix.center.x]), np.array([region_pix.center.y])
    return _circles_to_sky(x, y, np.array([region_pix.radius]), wcs)[0]


def _to_pixel(region, wcs):
    from regions import CircleSkyRegion

    if isinstance(region, CircleSkyRegion):
        return _circle_to_pixel(region, wcs)
    return region.to_pixel(wcs)


def _to_sky(region_pix, wcs):
    from regions import CirclePixelRegion

    if isinstance(region_pix, CirclePixelRegion):
        return _circle_to_sky(region_pix, wcs)
    return region_pix.to_sky(wcs)


def _to_sky_all(regions_pix, wcs):
    """`_to_sky` of every pixel region; the circles converted together."""
    from regions import CirclePixelRegion

    out = [None] * len(regions_pix)
    circles = [i for i, r in enumerate(regions_pix) if isinstance(r, CirclePixelRegion)]
    if circles:
        x = np.array([regions_pix[i].center.x for i in circles], dtype=np.float64)
        y = np.array([regions_pix[i].center.y for i in circles], dtype=np.float64)
        radius = np.array([regions_pix[i].radius for i in circles], dtype=np.float64)
        for i, sky in zip(circles, _circles_to_sky(x, y, radius, wcs), strict=True):
            out[i] = sky
    for i, region_pix in enumerate(regions_pix):
        if out[i] is None:
            out[i] = region_pix.to_sky(wcs)
    return out


def regions_contain(regions, skycoord, wcs):
    """True for the sky positions inside any of the sky ``regions``, tested in the pixels
    of ``wcs``. The positions are converted to pixels once; circles are tested together."""
    from regions import CircleSkyRegion, PixCoord

    lon, lat = _lonlat_deg(skycoord, _celestial_frame(wcs))
    x, y = _world_to_pixel_deg(lon, lat, wcs)
    inside = np.zeros(x.shape, dtype=bool)
    circles = [r for r in regions if isinstance(r, CircleSkyRegion)]
    if circles:
        cx, cy, radius = _circles_to_pixel(circles, wcs)
        for i in range(len(circles)):
            inside |= np.hypot(x - cx[i], y - cy[i]) < radius[i]
    pix = PixCoord(x, y)
    for region in regions:
        if not isinstance(region, CircleSkyRegion):
            inside |= np.asarray(region.to_pixel(wcs).contains(pix), dtype=bool)
    return inside


def region_contains(region, skycoord, wcs):
    """True for the sky positions inside a sky region, tested in the pixels of ``wcs``."""
    return regions_contain([region], skycoord, wcs)


def _angular_size(region_pix, geom, center_pix):
    """Largest angle (rad) between the region's pixel centres, seen from ``center_pix``."""
    from regions import CirclePixelRegion, PixCoord

    ny, nx = geom.data_shape_image
    if isinstance(region_pix, CirclePixelRegion):  # only the pixels of its bounding box
        cx, cy, r = region_pix.center.x, region_pix.center.y, region_pix.radius
        x0, x1 = max(int(np.floor(cx - r)), 0), min(int(np.ceil(cx + r)) + 1, nx)
        y0, y1 = max(int(np.floor(cy - r)), 0), min(int(np.ceil(cy + r)) + 1, ny)
        iy, ix = np.mgrid[y0 : max(y1, y0), x0 : max(x1, x0)]
        inside = np.hypot(ix - cx, iy - cy) < r  # CirclePixelRegion.contains
    else:
        iy, ix = np.mgrid[0:ny, 0:nx]
        inside = np.asarray(region_pix.contains(PixCoord(ix, iy)), dtype=bool)
    ix, iy = ix[inside], iy[inside]
    if ix.size == 0:
        return 0.0
    angles = np.arctan2(center_pix.x - ix, center_pix.y - iy)
    size = angles.max() - angles.min()
    if size > np.pi:  # the region straddles the ±π cut: measure on [-2π, 0)
        wrapped = np.mod(angles, _FULL_CIRCLE) - _FULL_CIRCLE
        size = wrapped.max() - wrapped.min()
    return float(size)


def _excluded_pixels(exclusion_mask, geom, region_pix, center_pix):
    """``x, y`` of the excluded pixel centres of ``geom`` that a rotation of ``region_pix``
    around ``center_pix`` can reach.

    For a circle only the annulus ``|distance to the centre − circle's distance| <=
    radius + 1`` pixel is looked up in the mask (no rotated circle holds a pixel centre
    outside it); otherwise every pixel, as `exclusion_on_geom`.
    """
    from regions import CirclePixelRegion

    if exclusion_mask is None:
        return np.zeros(0, np.intp), np.zeros(0, np.intp)
    if not isinstance(region_pix, CirclePixelRegion):
        ex_y, ex_x = np.nonzero(~exclusion_on_geom(exclusion_mask, geom))
        return ex_x, ex_y
    from cherenkit.maps import MapCoord

    image = geom.to_image()
    ny, nx = image.data_shape
    iy, ix = np.mgrid[0:ny, 0:nx]
    distance = np.hypot(region_pix.center.x - center_pix.x, region_pix.center.y - center_pix.y)
    reach = np.abs(np.hypot(ix - center_pix.x, iy - center_pix.y) - distance)
    near = reach <= region_pix.radius + 1.0
    ix, iy = ix[near], iy[near]
    data = np.asarray(exclusion_mask.data, dtype=bool)
    data = np.logical_or.reduce(data.reshape(-1, *data.shape[-2:]), axis=0)
    mask_image = exclusion_mask.geom.to_image()
    if mask_image == image:
        usable = data[iy, ix]
    else:  # exclusion_on_geom's nearest-pixel lookup, at these pixel centres only
        lon, lat = image.wcs.wcs_pix2world(ix.astype(np.float64), iy.astype(np.float64), 0)
        mx, my = mask_image.coord_to_idx(MapCoord(lon, lat, frame=image.frame, axes={}))
        inside = (mx >= 0) & (my >= 0)
        usable = np.ones(mx.shape, dtype=bool)
        usable[inside] = data[my[inside], mx[inside]]
    return ix[~usable], iy[~usable]


def find_reflected_regions(
    region,
    center,
    *,
    exclusion_mask=None,
    angle_increment=0.1,
    min_distance=0.0,
    min_distance_input=0.1,
    max_region_number=10000,
    binsz=0.01,
):
    """OFF regions: the ON region rotated around ``center``, avoiding excluded pixels.

    On a TAN pixel grid of ``binsz`` deg centred on ``center`` (wide enough for all
    rotations), the region is rotated by ``angle_min + min_distance_input``, then
    stepped on: by ``angle_min`` (its angular size seen from the centre plus
    ``min_distance``) after a region is accepted, by ``angle_increment`` after one
    that contains an excluded pixel centre, while the angle stays below
    ``2π − angle_min − min_distance_input``. This is gammapy's
    ``ReflectedRegionsFinder``.

    Parameters
    ----------
    region : `~regions.SkyRegion`
        The ON region.
    center : `~astropy.coordinates.SkyCoord`
        Rotation point (the pointing position).
    exclusion_mask : `~cherenkit.maps.WcsNDMap` of bool, optional
        True where the sky may be used; pixels outside it are usable.
    angle_increment, min_distance, min_distance_input : float
        Angles in radians.
    max_region_number : int
    binsz : float
        Pixel size (deg) of the grid.

    Returns
    -------
    regions : list of `~regions.SkyRegion`
    wcs : `~astropy.wcs.WCS`
        The grid's WCS (the regions contain sky positions through it).
    """
    from regions import PixCoord, PointSkyRegion

    if isinstance(region, PointSkyRegion):
        raise TypeError("reflected regions need an extended ON region, got a PointSkyRegion")
    geom = _reference_geom(region, center, binsz)
    wcs = geom.wcs
    center_pix = PixCoord.from_sky(center, wcs)
    region_pix = _to_pixel(region, wcs)
    ex_x, ex_y = _excluded_pixels(exclusion_mask, geom, region_pix, center_pix)
    excluded = PixCoord(ex_x, ex_y)
    has_excluded = ex_x.size > 0

    angle_min = _angular_size(region_pix, geom, center_pix) + min_distance
    angle_max = _FULL_CIRCLE - angle_min - min_distance_input
    angle = angle_min + min_distance_input
    found = []
    import astropy.units as u

    while angle < angle_max:
        test = region_pix.rotate(center_pix, u.Quantity(angle, "rad"))
        if has_excluded and np.any(test.contains(excluded)):
            angle += angle_increment
            continue
        found.append(test)
        if len(found) >= max_region_number:
            break
        angle += angle_min
    return _to_sky_all(found, wcs), wcs


@attrs.frozen(kw_only=True)
class ReflectedRegionsBackgroundMaker(BackgroundMaker):
    """OFF regions reflected around the pointing; produces On/Off spectra.

    The ON region of a `~cherenkit.datasets.SpectrumDataset` is rotated around the
    observation's pointing position (see `find_reflected_regions`); the events in
    the OFF regions are counted per reconstructed-energy bin. The result is a
    `~cherenkit.datasets.SpectrumDatasetOnOff` with ``acceptance = 1`` and
    ``acceptance_off`` = the number of OFF regions, so ``alpha = 1 / n_regions``.
    The OFF regions are in ``counts_off.meta["off_regions"]``.

    When no OFF region fits, ``counts_off`` is 0, ``acceptance_off`` 0,
    ``mask_safe`` all False, and a warning names the observation.

    Parameters
    ----------
    angle_increment : angle
        Step after a rotation that hits an excluded pixel. Default is 0.1 rad.
    min_distance : angle
        Extra rotation between two OFF regions. Default is 0 rad.
    min_distance_input : angle
        Extra rotation between the ON region and the first OFF region. Default is 0.1 rad.
    max_region_number : int
        Default is 10000.
    binsz : angle
        Pixel size of the grid the regions are placed on. Default is 0.01 deg.
    exclusion_mask : `~cherenkit.maps.WcsNDMap` of bool, optional
        True where the sky may be used. Not a config parameter (pass it in Python).
    """

    name: ClassVar[str] = "reflected-regions"

    angle_increment: object = parameter(
        "0.1 rad", unit="rad", gt=0, help="Rotation step after a region hits an exclusion."
    )
    min_distance: object = parameter(
        "0 rad", unit="rad", ge=0, help="Extra rotation between two OFF regions."
    )
    min_distance_input: object = parameter(
        "0.1 rad", unit="rad", ge=0, help="Extra rotation between the ON and the first OFF region."
    )
    max_region_number: int = parameter(10000, ge=1, help="Largest number of OFF regions.")
    binsz: object = parameter(
        "0.01 deg", unit="deg", gt=0, help="Pixel size of the grid the regions are placed on."
    )
    exclusion_mask: object = attrs.field(
        default=None, eq=False, repr=False, validator=check_exclusion_mask
    )

    def find_regions(self, region, center):
        """The OFF regions of an ON ``region`` for the rotation point ``center``, and the WCS."""
        return find_reflected_regions(
            region,
            center,
            exclusion_mask=self.exclusion_mask,
            angle_increment=self.angle_increment.to_value("rad"),
            min_distance=self.min_distance.to_value("rad"),
            min_distance_input=self.min_distance_input.to_value("rad"),
            max_region_number=self.max_region_number,
            binsz=self.binsz.to_value("deg"),
        )

    def run(self, dataset, observation):
        """A `~cherenkit.datasets.SpectrumDatasetOnOff` with OFF counts of ``observation``."""
        from astropy.coordinates import SkyCoord

        from cherenkit.datasets import SpectrumDatasetOnOff
        from cherenkit.maps import Map, RegionGeom

        geom = dataset.counts.geom if dataset.counts is not None else None
        if not isinstance(geom, RegionGeom):
            raise TypeError(
                f"{type(self).__name__} needs a SpectrumDataset (a RegionGeom ON region), got "
                f"{type(dataset).__name__}"
            )
        regions_off, wcs = self.find_regions(geom.region, observation.pointing)
        counts_off = Map.from_geom(geom)
        if regions_off:
            events = observation.events.table
            skycoord = SkyCoord(
                np.asarray(events["RA"], float), np.asarray(events["DEC"], float), unit="deg"
            )
            inside = regions_contain(regions_off, skycoord, wcs)
            idx = [np.zeros(int(inside.sum()), dtype=np.int64)] * 2
            for name in geom.axes_names:
                column = "ENERGY" if name == "energy" else name.upper()
                idx.append(geom.axis(name).coord_to_idx(events[column].quantity[inside]))
            counts_off.fill_by_idx(tuple(idx))
        counts_off.meta["off_regions"] = list(regions_off)
        counts_off.meta["off_regions_wcs"] = wcs
        out = SpectrumDatasetOnOff.from_map_dataset(
            dataset,
            acceptance=1.0,
            acceptance_off=float(len(regions_off)),
            counts_off=counts_off,
            name=dataset.name,
        )
        if not regions_off:
            warn_failed(self, dataset, observation, "no OFF region found outside the exclusions")
            if out.mask_safe is not None:
                out.mask_safe.data[...] = False
        return out
