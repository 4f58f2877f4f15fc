"""Point-in-region tests for sky positions, using the `regions` package.

Circles and circular annuli on the sky are tested exactly on the sphere (great
circle distance to the centre); every other sky region is projected with a
gnomonic (TAN) WCS centred on it, or with the WCS the caller gives.
"""

from __future__ import annotations

import numpy as np

from ._utils import angular_separation_rad

__all__ = ["contains"]


def _as_list(regions):
    if isinstance(regions, str):
        from regions import Regions

        return list(Regions.parse(regions, format="ds9"))
    if isinstance(regions, (list, tuple)):
        return list(regions)
    try:
        from regions import Regions

        if isinstance(regions, Regions):
            return list(regions)
    except ImportError:  # pragma: no cover - regions is a dependency
        pass
    return [regions]


def _separation_rad(center, coords):
    center = center.icrs
    coords = coords.icrs
    return angular_separation_rad(
        center.ra.rad, center.dec.rad, coords.ra.rad.astype(float), coords.dec.rad.astype(float)
    )


def _tan_wcs(center):
    from astropy.wcs import WCS

    wcs = WCS(naxis=2)
    center = center.icrs
    wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    wcs.wcs.crval = [center.ra.deg, center.dec.deg]
    wcs.wcs.crpix = [0.0, 0.0]
    wcs.wcs.cdelt = [-0.001, 0.001]
    return wcs


def contains(regions, coords, *, wcs=None):
    """Mask of the positions inside any of ``regions``.

    Parameters
    ----------
    regions : `regions.Region`, list of them, `regions.Regions` or a DS9 string
    coords : `~astropy.coordinates.SkyCoord`
    wcs : `~astropy.wcs.WCS`, optional
        Projection for non-circular sky regions and needed for pixel regions.

    Returns
    -------
    mask : `numpy.ndarray` of bool
    """
    import regions as rg

    mask = np.zeros(coords.shape, dtype=bool)
    for region in _as_list(regions):
        if isinstance(region, rg.CircleSkyRegion):
            inside = _separation_rad(region.center, coords) < region.radius.to_value("rad")
        elif isinstance(region, rg.CircleAnnulusSkyRegion):
            sep = _separation_rad(region.center, coords)
            inside = (sep >= region.inner_radius.to_value("rad")) & (
                sep < region.outer_radius.to_value("rad")
            )
        elif isinstance(region, rg.SkyRegion):
            center = getattr(region, "center", None)
            if center is None:  # polygons: project around the first vertex
                center = region.vertices[0]
            projection = wcs if wcs is not None else _tan_wcs(center)
            inside = np.asarray(region.contains(coords, projection), dtype=bool)
        elif isinstance(region, rg.PixelRegion):
            if wcs is None:
                raise ValueError(f"a pixel region ({type(region).__name__}) needs a wcs")
            inside = np.asarray(region.contains(rg.PixCoord.from_sky(coords, wcs)), dtype=bool)
        else:
            raise TypeError(
                f"expected a regions.Region, a list of them or a DS9 string, got {type(region)}"
            )
        mask |= inside
    return mask
