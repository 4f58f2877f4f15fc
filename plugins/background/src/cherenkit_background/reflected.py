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


def _pixel_scale_arcsec(skycoord, wcs):
    """Pixel position of ``skycoord`` and the pixel size (arcsec) there along North.

    The scale is 1 arcsec over the pixel distance to the point 1 arcsec North, the
    rule of the `regions` package up to 0.10 (which gammapy 2.1's reference used;
    later versions use the mean of the Jacobian's singular values, which differs by
    ~1e-4 for a TAN grid 0.5 deg off its centre).
    """
    import astropy.units as u

    x, y = wcs.world_to_pixel(skycoord)
    north = skycoord.directional_offset_by(0.0 * u.deg, 1.0 * u.arcsec)
    xn, yn = wcs.world_to_pixel(north)
    return float(x), float(y), 1.0 / float(np.hypot(xn - x, yn - y))


def _circle_to_pixel(region, wcs):
    from regions import CirclePixelRegion, PixCoord

    x, y, scale = _pixel_scale_arcsec(region.center, wcs)
    return CirclePixelRegion(PixCoord(x, y), region.radius.to_value("arcsec") / scale)


def _circle_to_sky(region_pix, wcs):
    import astropy.units as u
    from regions import CircleSkyRegion

    center = wcs.pixel_to_world(region_pix.center.x, region_pix.center.y)
    _, _, scale = _pixel_scale_arcsec(center, wcs)
    return CircleSkyRegion(center, u.Quantity(region_pix.radius * scale, "arcsec").to("deg"))


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


def region_contains(region, skycoord, wcs):
    """True for the sky positions inside a sky region, tested in the pixels of ``wcs``."""
    from regions import PixCoord

    x, y = wcs.world_to_pixel(skycoord)
    return np.asarray(_to_pixel(region, wcs).contains(PixCoord(x, y)), dtype=bool)


def _angular_size(region_pix, geom, center_pix):
    """Largest angle (rad) between the region's pixel centres, seen from ``center_pix``."""
    from regions import PixCoord

    ny, nx = geom.data_shape_image
    iy, ix = np.mgrid[0:ny, 0:nx]
    inside = np.asarray(region_pix.contains(PixCoord(ix.ravel(), iy.ravel())), dtype=bool)
    ix, iy = ix.ravel()[inside], iy.ravel()[inside]
    if ix.size == 0:
        return 0.0
    angles = np.arctan2(center_pix.x - ix, center_pix.y - iy)
    size = angles.max() - angles.min()
    if size > np.pi:  # the region straddles the ±π cut: measure on [-2π, 0)
        wrapped = np.mod(angles, _FULL_CIRCLE) - _FULL_CIRCLE
        size = wrapped.max() - wrapped.min()
    return float(size)


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
    usable = exclusion_on_geom(exclusion_mask, geom)
    ex_y, ex_x = np.nonzero(~usable)
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
        found.append(_to_sky(test, wcs))
        if len(found) >= max_region_number:
            break
        angle += angle_min
    return found, wcs


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
            inside = np.zeros(len(events), dtype=bool)
            for region in regions_off:
                inside |= region_contains(region, skycoord, wcs)
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
