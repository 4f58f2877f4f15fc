"""The array helpers of the reflected-regions finder against astropy's high-level path."""

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from regions import CirclePixelRegion, CircleSkyRegion, PixCoord

from cherenkit.maps import WcsGeom
from cherenkit_background.reflected import (
    _circles_to_sky,
    _pixel_scale_arcsec,
    region_contains,
    regions_contain,
)


def _slow_scale(skycoord, wcs):
    x, y = wcs.world_to_pixel(skycoord)
    north = skycoord.directional_offset_by(0.0 * u.deg, 1.0 * u.arcsec)
    xn, yn = wcs.world_to_pixel(north)
    return np.asarray(x), np.asarray(y), 1.0 / np.hypot(xn - x, yn - y)


@pytest.mark.parametrize(
    ("lon0", "lat0", "frame"),
    [(83.63, 22.01, "icrs"), (184.56, -5.78, "galactic"), (10.0, 80.0, "icrs")],
)
def test_pixel_scale_matches_astropy(lon0, lat0, frame):
    rng = np.random.default_rng(1)
    geom = WcsGeom.create(skydir=(lon0, lat0), binsz=0.01, width=3.0, frame=frame, proj="TAN")
    wcs = geom.wcs
    lon = lon0 + rng.uniform(-1.5, 1.5, 200)
    lat = np.clip(lat0 + rng.uniform(-1.5, 1.5, 200), -89.9, 89.9)
    coords = SkyCoord(lon, lat, unit="deg", frame=frame)
    x, y, scale = _pixel_scale_arcsec(coords, wcs)
    x_ref, y_ref, scale_ref = _slow_scale(coords, wcs)
    np.testing.assert_allclose(x, x_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(y, y_ref, rtol=0, atol=1e-12)
    np.testing.assert_allclose(scale, scale_ref, rtol=1e-12, atol=0)
    for i in range(0, 200, 37):  # scalars, and a position in another frame
        assert _pixel_scale_arcsec(coords[i], wcs) == pytest.approx(
            tuple(float(v[i]) for v in (x_ref, y_ref, scale_ref)), rel=1e-12, abs=1e-12
        )
    other = coords.transform_to("fk5" if frame == "galactic" else "galactic")
    # another frame: both points go through a frame transform whose round-off (~1e-16)
    # the 1 arcsec finite difference magnifies ~2e5 times
    np.testing.assert_allclose(
        _pixel_scale_arcsec(other, wcs)[2], _slow_scale(other, wcs)[2], rtol=1e-9, atol=0
    )


def test_circles_to_sky_matches_astropy():
    rng = np.random.default_rng(2)
    geom = WcsGeom.create(skydir=(83.63, 22.01), binsz=0.01, width=2.3, frame="icrs", proj="TAN")
    wcs = geom.wcs
    x, y = rng.uniform(0, 230, 50), rng.uniform(0, 230, 50)
    radius = rng.uniform(1.0, 20.0, 50)
    for i, sky in enumerate(_circles_to_sky(x, y, radius, wcs)):
        center = wcs.pixel_to_world(x[i], y[i])
        _, _, scale = _slow_scale(center, wcs)
        assert sky.center.separation(center).deg < 1e-12
        assert sky.radius.to_value("arcsec") == pytest.approx(radius[i] * scale, rel=1e-12)


def test_regions_contain_matches_pixel_regions():
    rng = np.random.default_rng(3)
    geom = WcsGeom.create(skydir=(83.63, 22.01), binsz=0.01, width=2.3, frame="icrs", proj="TAN")
    wcs = geom.wcs
    events = SkyCoord(
        83.63 + rng.uniform(-1, 1, 5000), 22.01 + rng.uniform(-1, 1, 5000), unit="deg"
    )
    regions = [
        CircleSkyRegion(SkyCoord(83.63 + dx, 22.01 + dy, unit="deg"), r * u.deg)
        for dx, dy, r in rng.uniform([-0.8, -0.8, 0.05], [0.8, 0.8, 0.3], (6, 3))
    ]
    x, y = wcs.world_to_pixel(events)
    expected = np.zeros(len(events), dtype=bool)
    for region in regions:
        cx, cy, scale = _slow_scale(region.center, wcs)
        pix = CirclePixelRegion(
            PixCoord(float(cx), float(cy)), region.radius.to_value("arcsec") / scale
        )
        inside = pix.contains(PixCoord(x, y))
        np.testing.assert_array_equal(region_contains(region, events, wcs), inside)
        expected |= inside
    assert expected.any()
    np.testing.assert_array_equal(regions_contain(regions, events, wcs), expected)
