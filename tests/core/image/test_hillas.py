"""Hillas parameters and shower coordinates: small worked examples, then ctapipe's toy images."""

import astropy.units as u
import numpy as np
import pytest
from _image_reference import TOY_CAMERAS, number, relative_error

from cherenkit.image import (
    CameraHillasParametersContainer,
    HillasParametersContainer,
    camera_to_shower_coordinates,
    hillas_parameters,
)
from cherenkit.instrument import CameraGeometry

ANGLES = ("phi", "psi", "psi_uncertainty")


def _line_camera():
    """Five square pixels of area 1 m² at x = 0..4 m on y = 0."""
    return CameraGeometry(
        name="line",
        pix_id=np.arange(5),
        pix_x=np.arange(5.0) * u.m,
        pix_y=np.zeros(5) * u.m,
        pix_area=np.ones(5) * u.m**2,
        pix_type="square",
    )


def test_moments_of_a_worked_example():
    # pixels (x, y, w): (0,0,1) (2,0,1) (1,1,2) (1,-1,2): centroid (1, 0);
    # var_x = (1 + 1) / 6 = 1/3, var_y = (2 + 2) / 6 = 2/3, cov = 0
    # -> length = sqrt(2/3) along y (psi = 90 deg), width = sqrt(1/3)
    geometry = CameraGeometry(
        name="cross",
        pix_id=np.arange(4),
        pix_x=[0.0, 2.0, 1.0, 1.0] * u.m,
        pix_y=[0.0, 0.0, 1.0, -1.0] * u.m,
        pix_area=np.ones(4) * u.m**2,
        pix_type="square",
    )
    h = hillas_parameters(geometry, [1.0, 1.0, 2.0, 2.0])
    assert isinstance(h, CameraHillasParametersContainer)
    assert h.is_valid
    assert h.intensity == 6.0
    assert h.x.to_value(u.m) == pytest.approx(1.0)
    assert h.y.to_value(u.m) == pytest.approx(0.0, abs=1e-15)
    assert h.r.to_value(u.m) == pytest.approx(1.0)
    assert h.length.to_value(u.m) == pytest.approx(np.sqrt(2 / 3))
    assert h.width.to_value(u.m) == pytest.approx(np.sqrt(1 / 3))
    assert h.psi.to_value(u.deg) == pytest.approx(90.0)
    # along y the light sits at +-1 with weight 2 each and at 0 with weight 2:
    # m4 = (2 + 2) / 6 = 2/3 -> kurtosis = m4 / length^4 = 1.5; symmetric -> skewness 0
    assert h.kurtosis == pytest.approx(1.5)
    assert h.skewness == pytest.approx(0.0, abs=1e-12)


def test_skewness_sign_follows_the_tail():
    # light at x = 0 (weight 3) and x = 4 (weight 1): mean 1, tail towards +x
    image = np.array([3.0, 0.0, 0.0, 0.0, 1.0])
    h = hillas_parameters(_line_camera(), image)
    assert h.psi.to_value(u.deg) == pytest.approx(0.0, abs=1e-12)
    # m2 = (3 * 1 + 9) / 4 = 3, m3 = (-3 + 27) / 4 = 6 -> skewness = 6 / 3**1.5
    assert h.skewness == pytest.approx(6 / 3**1.5)
    assert h.width.to_value(u.m) == 0.0
    assert np.isnan(h.width_uncertainty)  # as ctapipe: undefined for width 0
    assert h.is_valid


def test_single_pixel_has_a_centroid_but_no_axis():
    image = np.array([0.0, 0.0, 5.0, 0.0, 0.0])
    h = hillas_parameters(_line_camera(), image)
    assert not h.is_valid
    assert h.intensity == 5.0
    assert h.x.to_value(u.m) == 2.0
    assert h.length.to_value(u.m) == 0.0
    for name in ("psi", "psi_uncertainty", "length_uncertainty", "skewness", "kurtosis"):
        assert np.isnan(getattr(h, name)), name


def test_mask_keyword_equals_sliced_geometry(toy):
    geometry = toy.geometries["LSTCam"]
    mask = toy.mask("LSTCam", 5, 0)
    image = toy.npz["LSTCam_image"][5]
    sliced = hillas_parameters(geometry[mask], image[mask])
    masked = hillas_parameters(geometry, image, cleaning_mask=mask)
    for name, value in sliced.as_dict().items():
        np.testing.assert_allclose(getattr(masked, name), value, rtol=1e-13, err_msg=name)


@pytest.mark.parametrize("camera", TOY_CAMERAS)
def test_toy_images_agree_with_ctapipe(toy, camera):
    geometry = toy.geometries[camera]
    images = toy.npz[f"{camera}_image"]
    checked = 0
    for i, k, analysis in toy.analyses(camera):
        mask = toy.mask(camera, i, k)
        h = hillas_parameters(geometry[mask], images[i][mask])
        ref = analysis["hillas"]
        if "error" in ref:  # ctapipe: "size=0, cannot calculate HillasParameters"
            assert not h.is_valid and np.isnan(h.intensity), (i, k)
            continue
        units = ref["_units"]
        for name, value in ref.items():
            if name == "_units":
                continue
            ours = getattr(h, name)
            expected = number(value)
            if name in ANGLES:
                ours = ours.to_value(u.rad)
                expected = np.deg2rad(expected)
                assert ours == pytest.approx(expected, abs=1e-9, nan_ok=True), (i, k, name)
                continue
            if name in units:
                ours = ours.to_value(units[name])
            assert relative_error(ours, expected) <= 1e-6, (i, k, name, ours, expected)
        assert h.is_valid == (number(ref["length"]) > 0)
        checked += 1
    assert checked >= 20


@pytest.mark.parametrize("camera", TOY_CAMERAS)
def test_camera_to_shower_coordinates_agree_with_ctapipe(toy, camera):
    geometry = toy.geometries[camera]
    longitudinal = toy.npz[f"{camera}_shower_longitudinal_m"]
    transverse = toy.npz[f"{camera}_shower_transverse_m"]
    for i, image in enumerate(toy.info["cameras"][camera]["images"]):
        for j, analysis in enumerate(image["analyses"]):
            ref = analysis["hillas"]
            if "error" in ref:
                continue
            longi, trans = camera_to_shower_coordinates(
                geometry.pix_x,
                geometry.pix_y,
                ref["x"] * u.m,
                ref["y"] * u.m,
                ref["psi"] * u.deg,
            )
            np.testing.assert_allclose(
                longi.to_value(u.m), longitudinal[i, j], rtol=1e-6, atol=1e-12
            )
            np.testing.assert_allclose(trans.to_value(u.m), transverse[i, j], rtol=1e-6, atol=1e-12)


def test_camera_to_shower_coordinates_on_plain_numbers():
    longi, trans = camera_to_shower_coordinates(
        np.array([1.0, 0.0]), np.array([0.0, 1.0]), 0.0, 0.0, np.pi / 2
    )
    np.testing.assert_allclose(longi, [0.0, 1.0], atol=1e-15)
    np.testing.assert_allclose(trans, [-1.0, 0.0], atol=1e-15)


def test_telescope_frame_swaps_axes_like_ctapipe(toy):
    # ctapipe's telescope frame has fov_lon = y / f and fov_lat = x / f: psi becomes
    # 90 deg - psi, the axis direction flips, so the skewness changes sign
    geometry = toy.geometries["LSTCam"]
    f = 28.0 * u.m
    mask = toy.mask("LSTCam", 5, 0)
    image = toy.npz["LSTCam_image"][5]
    cam = hillas_parameters(geometry, image, cleaning_mask=mask)
    tel = hillas_parameters(geometry.transform_to_telescope_frame(f), image, cleaning_mask=mask)
    assert isinstance(tel, HillasParametersContainer)
    rad_per_m = 1 / f.to_value(u.m)
    assert tel.fov_lon.to_value(u.rad) == pytest.approx(cam.y.to_value(u.m) * rad_per_m)
    assert tel.fov_lat.to_value(u.rad) == pytest.approx(cam.x.to_value(u.m) * rad_per_m)
    assert tel.length.to_value(u.rad) == pytest.approx(cam.length.to_value(u.m) * rad_per_m)
    psi = (90.0 - cam.psi.to_value(u.deg) + 90.0) % 180.0 - 90.0
    assert tel.psi.to_value(u.deg) == pytest.approx(psi)
    assert tel.skewness == pytest.approx(-cam.skewness)
    # dimensionless in both frames
    assert tel.psi_uncertainty.to_value(u.deg) == pytest.approx(cam.psi_uncertainty.to_value(u.deg))
