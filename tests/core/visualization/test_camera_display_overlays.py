"""CameraDisplay overlays: the Hillas ellipse and axis where the image is, in both frames."""

import subprocess
import sys

import astropy.units as u
import numpy as np
import pytest
from matplotlib.patches import Ellipse

from cherenkit.image import CameraHillasParametersContainer, hillas_parameters
from cherenkit.visualization import CameraDisplay


@pytest.fixture
def cleaned(lst_geometry, lst_image):
    """The LST image, its pixels above 10 p.e., and their camera-frame Hillas parameters."""
    mask = lst_image > 10
    return lst_image, mask, hillas_parameters(lst_geometry[mask], lst_image[mask])


def test_ellipse_has_the_hillas_centre_size_and_angle(lst_geometry, cleaned, axes):
    image, _, hillas = cleaned
    display = CameraDisplay(lst_geometry, image, ax=axes)
    overlay = display.overlay_moments(hillas)
    ellipse = overlay.ellipse
    assert isinstance(ellipse, Ellipse) and ellipse in axes.patches
    assert ellipse.center == pytest.approx(
        (hillas.x.to_value(u.m), hillas.y.to_value(u.m)), abs=1e-12
    )
    assert ellipse.width == pytest.approx(2 * hillas.length.to_value(u.m), rel=1e-12)
    assert ellipse.height == pytest.approx(2 * hillas.width.to_value(u.m), rel=1e-12)
    assert ellipse.angle == pytest.approx(hillas.psi.to_value(u.deg), abs=1e-9)
    # the toy image was drawn at (0.3, -0.2) m, psi 35 deg: the overlay is on the image
    assert ellipse.center == pytest.approx((0.3, -0.2), abs=0.01)
    assert ellipse.angle == pytest.approx(35, abs=1)
    # the axis: through the centre along psi, twice as long as the ellipse
    x, y = overlay.axis.get_data()
    assert (np.mean(x), np.mean(y)) == pytest.approx(ellipse.center, abs=1e-12)
    assert np.rad2deg(np.arctan2(y[1] - y[0], x[1] - x[0])) == pytest.approx(
        ellipse.angle, abs=1e-9
    )
    assert np.hypot(x[1] - x[0], y[1] - y[0]) == pytest.approx(2 * ellipse.width, rel=1e-12)
    # the label states the numbers
    text = overlay.label.get_text()
    assert f"length {hillas.length.to_value(u.m):.3f} m" in text
    assert f"intensity {hillas.intensity:.0f} p.e." in text


def test_n_sigma_scales_the_ellipse_and_style_is_passed_on(lst_geometry, cleaned, axes):
    image, _, hillas = cleaned
    display = CameraDisplay(lst_geometry, image, ax=axes)
    overlay = display.overlay_moments(hillas, n_sigma=2, color="red", linewidth=3, with_label=False)
    assert overlay.ellipse.width == pytest.approx(4 * hillas.length.to_value(u.m))
    assert overlay.ellipse.height == pytest.approx(4 * hillas.width.to_value(u.m))
    assert overlay.ellipse.get_edgecolor() == (1, 0, 0, 1) and overlay.ellipse.get_linewidth() == 3
    assert overlay.label is None and len(axes.texts) == 0
    dashed = display.overlay_moments(hillas, edgecolor="yellow", linestyle="--").ellipse
    assert dashed.get_edgecolor() == (1, 1, 0, 1) and dashed.get_linestyle() == "--"
    with pytest.raises(ValueError, match="n_sigma must be a positive number, got 0"):
        display.overlay_moments(hillas, n_sigma=0)


def test_overlays_replace_each_other_unless_kept(lst_geometry, cleaned, axes):
    image, _, hillas = cleaned
    display = CameraDisplay(lst_geometry, image, ax=axes)
    first = display.overlay_moments(hillas)
    second = display.overlay_moments(hillas)
    assert first.ellipse not in axes.patches and second.ellipse in axes.patches
    assert len(axes.patches) == 1 and len(axes.lines) == 1 and len(axes.texts) == 1
    third = display.overlay_moments(hillas, keep_old=True, color="red")
    assert len(axes.patches) == 2 and len(axes.texts) == 2
    assert third.label.get_position()[1] < second.label.get_position()[1]  # stacked, not on top
    display.clear_overlays()
    assert len(axes.patches) == len(axes.lines) == len(axes.texts) == 0
    assert display.overlays == []


def test_telescope_frame_ellipse_lies_on_the_image(lst_geometry, cleaned, axes):
    """pix_x is fov_lat, pix_y fov_lon: the ellipse sits at (fov_lat, fov_lon), turned 90 deg - psi."""
    image, mask, camera_hillas = cleaned
    telescope = lst_geometry.transform_to_telescope_frame(28 * u.m)
    hillas = hillas_parameters(telescope[mask], image[mask])
    ellipse = CameraDisplay(telescope, image, ax=axes).overlay_moments(hillas).ellipse
    assert ellipse.center == pytest.approx(
        (hillas.fov_lat.to_value(u.deg), hillas.fov_lon.to_value(u.deg)), abs=1e-12
    )
    assert ellipse.angle == pytest.approx(90 - hillas.psi.to_value(u.deg), abs=1e-9)
    # the same place, size and direction as in the camera frame, scaled by 1 / 28 m
    deg_per_m = np.rad2deg(1 / 28)
    assert ellipse.center == pytest.approx(
        (camera_hillas.x.to_value(u.m) * deg_per_m, camera_hillas.y.to_value(u.m) * deg_per_m),
        rel=1e-9,
    )
    assert ellipse.width == pytest.approx(
        2 * camera_hillas.length.to_value(u.m) * deg_per_m, rel=1e-9
    )
    assert ellipse.angle == pytest.approx(camera_hillas.psi.to_value(u.deg), abs=1e-6)


def test_hillas_of_the_other_frame_is_refused(lst_geometry, cleaned, axes):
    image, mask, camera_hillas = cleaned
    telescope = lst_geometry.transform_to_telescope_frame(28 * u.m)
    with pytest.raises(
        TypeError,
        match="is in the telescope frame, so the Hillas parameters must be a HillasParametersContainer",
    ):
        CameraDisplay(telescope, image, ax=axes).overlay_moments(camera_hillas)
    hillas = hillas_parameters(telescope[mask], image[mask])
    with pytest.raises(
        TypeError,
        match="is in the camera frame, so the Hillas parameters must be a CameraHillasParametersContainer",
    ):
        CameraDisplay(lst_geometry, image, ax=axes).overlay_moments(hillas)


def test_a_hillas_without_an_axis_is_refused_clearly(lst_geometry, lst_image, axes):
    display = CameraDisplay(lst_geometry, lst_image, ax=axes)
    one_pixel = hillas_parameters(lst_geometry[[0]], lst_image[[0]])
    # one pixel: a centroid and zero length and width, but no direction
    with pytest.raises(ValueError, match="cannot draw the Hillas ellipse: psi not finite"):
        display.overlay_moments(one_pixel)
    with pytest.raises(
        ValueError, match=r"centroid, length, width, psi not finite \(is_valid=False"
    ):
        display.overlay_moments(CameraHillasParametersContainer())
    assert len(axes.patches) == 0


def test_add_ellipse_takes_quantities_or_numbers_with_radians(lst_geometry, axes):
    display = CameraDisplay(lst_geometry, ax=axes)
    ellipse = display.add_ellipse((10 * u.cm, -0.2), 0.4 * u.m, 0.1, 30 * u.deg, edgecolor="w")
    assert ellipse.center == pytest.approx((0.1, -0.2)) and ellipse.angle == pytest.approx(30)
    assert (ellipse.width, ellipse.height) == pytest.approx((0.4, 0.1))
    assert not ellipse.get_fill() and ellipse in display.overlays
    assert display.add_ellipse((0, 0), 0.2, 0.1, np.pi / 2).angle == pytest.approx(90)
    with pytest.raises(
        ValueError,
        match=r"centroid is in deg, but the display is in m \(camera 'ToyLSTCam', camera frame\)",
    ):
        display.add_ellipse((1 * u.deg, 0 * u.deg), 0.2, 0.1, 0)


def test_core_modules_do_not_import_matplotlib():
    """Only cherenkit.visualization brings matplotlib in."""
    code = (
        "import sys, cherenkit, cherenkit.instrument, cherenkit.image, cherenkit.events, "
        "cherenkit.calib; from cherenkit.image import hillas_parameters; "
        "print('matplotlib' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
