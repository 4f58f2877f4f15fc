"""CameraFrame, TelescopeFrame and NominalFrame: conventions and round trips."""

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import AltAz, EarthLocation, SkyCoord
from astropy.time import Time

from cherenkit.errors import ParameterError
from cherenkit.instrument import (
    CameraFrame,
    NominalFrame,
    TelescopeFrame,
    camera_to_fov,
    fov_to_camera,
)

POINTING = SkyCoord(alt=70 * u.deg, az=0 * u.deg, frame=AltAz())


def test_camera_to_telescope_axes():
    """x maps to fov_lat, y to fov_lon, both as length / focal length in radians."""
    frame = CameraFrame(focal_length=28 * u.m)
    cam = SkyCoord(x=[0.28, 0.0] * u.m, y=[0.0, -0.14] * u.m, frame=frame)
    tel = cam.transform_to(TelescopeFrame())
    np.testing.assert_allclose(tel.fov_lat.to_value(u.rad), [0.01, 0.0], atol=1e-15)
    np.testing.assert_allclose(tel.fov_lon.to_value(u.rad), [0.0, -0.005], atol=1e-15)
    back = tel.transform_to(frame)
    np.testing.assert_allclose(back.x.to_value(u.m), [0.28, 0.0], atol=1e-15)
    np.testing.assert_allclose(back.y.to_value(u.m), [0.0, -0.14], atol=1e-15)


def test_camera_rotation():
    frame = CameraFrame(focal_length=1 * u.m, rotation=90 * u.deg)
    tel = SkyCoord(x=0.01 * u.m, y=0 * u.m, frame=frame).transform_to(TelescopeFrame())
    # x turned counter-clockwise by 90 deg becomes +y, which is fov_lon
    assert tel.fov_lon.to_value(u.rad) == pytest.approx(0.01)
    assert tel.fov_lat.to_value(u.rad) == pytest.approx(0, abs=1e-15)
    back = tel.transform_to(frame)
    assert back.x.to_value(u.m) == pytest.approx(0.01)
    assert back.y.to_value(u.m) == pytest.approx(0, abs=1e-15)


def test_plain_array_mapping_matches_frames():
    x, y = np.array([0.1, -0.3]), np.array([0.2, 0.05])
    lon, lat = camera_to_fov(x, y, 16.0, np.deg2rad(12))
    coord = SkyCoord(x=x * u.m, y=y * u.m, frame=CameraFrame(focal_length=16 * u.m,
                                                            rotation=12 * u.deg))  # fmt: skip
    tel = coord.transform_to(TelescopeFrame())
    np.testing.assert_allclose(tel.fov_lon.to_value(u.rad), lon, atol=1e-15)
    np.testing.assert_allclose(tel.fov_lat.to_value(u.rad), lat, atol=1e-15)
    np.testing.assert_allclose(fov_to_camera(lon, lat, 16.0, np.deg2rad(12)), [x, y], rtol=1e-14)


def test_telescope_frame_signs_on_the_sky():
    """fov_lon grows with azimuth, fov_lat with altitude (astropy's sky-offset frame)."""
    frame = TelescopeFrame(telescope_pointing=POINTING)
    east = SkyCoord(fov_lon=1 * u.deg, fov_lat=0 * u.deg, frame=frame).transform_to(AltAz())
    assert 0 < east.az.wrap_at(180 * u.deg).deg < 5  # 1 deg / cos(70 deg) ~ 2.9 deg
    assert east.alt.deg < 70
    up = SkyCoord(fov_lon=0 * u.deg, fov_lat=1 * u.deg, frame=frame).transform_to(AltAz())
    assert up.alt.deg == pytest.approx(71)
    assert up.az.deg == pytest.approx(0, abs=1e-9)


def test_camera_to_altaz_and_back():
    frame = CameraFrame(focal_length=28 * u.m, telescope_pointing=POINTING)
    cam = SkyCoord(x=[0.1, 0.0, -0.2] * u.m, y=[0.0, 0.1, 0.3] * u.m, frame=frame)
    sky = cam.transform_to(AltAz())
    # a star above the optical axis lands at x > 0, a star at larger azimuth at y > 0
    assert sky.alt.deg[0] > 70 and sky.az.wrap_at(180 * u.deg).deg[1] > 0
    back = sky.transform_to(frame)
    np.testing.assert_allclose(back.x.to_value(u.m), [0.1, 0.0, -0.2], atol=1e-12)
    np.testing.assert_allclose(back.y.to_value(u.m), [0.0, 0.1, 0.3], atol=1e-12)


def test_nominal_frame():
    origin = SkyCoord(alt=69 * u.deg, az=0 * u.deg, frame=AltAz())
    tel = SkyCoord(fov_lon=0 * u.deg, fov_lat=0 * u.deg,
                   frame=TelescopeFrame(telescope_pointing=POINTING))  # fmt: skip
    nom = tel.transform_to(NominalFrame(origin=origin))
    assert nom.fov_lat.deg == pytest.approx(1)
    assert nom.fov_lon.deg == pytest.approx(0, abs=1e-12)
    # another telescope frame, through AltAz
    other = tel.transform_to(TelescopeFrame(telescope_pointing=origin))
    assert other.fov_lat.deg == pytest.approx(1)
    again = nom.transform_to(TelescopeFrame(telescope_pointing=POINTING))
    assert again.fov_lat.deg == pytest.approx(0, abs=1e-12)


def test_offsets_wrap_at_180_deg():
    frame = TelescopeFrame(telescope_pointing=POINTING)
    coord = SkyCoord(fov_lon=-3 * u.deg, fov_lat=0 * u.deg, frame=frame)
    assert coord.fov_lon.deg == pytest.approx(-3)
    round_trip = coord.transform_to(AltAz()).transform_to(frame)
    assert round_trip.fov_lon.deg == pytest.approx(-3)


def test_time_and_place_are_respected():
    """A pointing at another time is followed through the sky, not just rotated."""
    location = EarthLocation(lon=-17.89 * u.deg, lat=28.76 * u.deg, height=2200 * u.m)
    t0 = Time("2024-01-01T00:00:00")
    pointing = SkyCoord(alt=70 * u.deg, az=10 * u.deg,
                        frame=AltAz(obstime=t0, location=location))  # fmt: skip
    star = SkyCoord(alt=70.5 * u.deg, az=10 * u.deg, frame=AltAz(obstime=t0, location=location))
    tel = star.transform_to(TelescopeFrame(telescope_pointing=pointing))
    assert tel.fov_lat.deg == pytest.approx(0.5)
    later = star.transform_to(AltAz(obstime=t0 + 10 * u.min, location=location))
    tel_later = later.transform_to(TelescopeFrame(telescope_pointing=pointing))
    # the same star, so the same offset from the pointing of t0
    assert tel_later.fov_lat.deg == pytest.approx(0.5, abs=1e-6)
    assert tel_later.fov_lon.deg == pytest.approx(0, abs=1e-6)


def test_missing_attributes_are_named():
    with pytest.raises(ParameterError) as info:
        SkyCoord(x=0.1 * u.m, y=0 * u.m, frame=CameraFrame()).transform_to(TelescopeFrame())
    assert str(info.value) == (
        "CameraFrame.focal_length: is 0.0 m; set a positive focal length to transform "
        "between the camera and the telescope frame"
    )
    with pytest.raises(ParameterError) as info:
        SkyCoord(fov_lon=0 * u.deg, fov_lat=0 * u.deg, frame=TelescopeFrame()).transform_to(AltAz())
    assert str(info.value) == (
        "TelescopeFrame.telescope_pointing: is not set; it is needed to transform to or from AltAz"
    )
    with pytest.raises(ParameterError, match=r"NominalFrame\.origin: is not set"):
        SkyCoord(alt=1 * u.deg, az=0 * u.deg, frame=AltAz()).transform_to(NominalFrame())
