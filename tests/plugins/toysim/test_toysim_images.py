"""Images: projective geometry against astropy, moments, photo-electron statistics, timing."""

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import AltAz, SkyCoord

from cherenkit.instrument import TelescopeFrame
from cherenkit_toysim._random import run_key
from cherenkit_toysim.images import (
    SPEED_OF_LIGHT,
    expected_images,
    image_models,
    pixel_peak_times,
    sample_signal,
)
from cherenkit_toysim.showers import ETA_SEA, SCALE_HEIGHT, draw_showers

from _toysim_helpers import hillas_moments, make_models

ALT, AZ = np.deg2rad(68.0), np.deg2rad(35.0)
TELESCOPES = np.array([[0.0, 0.0, 0.0], [150.0, 40.0, 0.0], [-60.0, -220.0, 5.0]])


@pytest.fixture(scope="module")
def geometry():
    """Showers within 2 deg of the pointing seen by three telescopes (f = 28 m)."""
    showers = draw_showers(
        run_key(21)[0],
        np.arange(40),
        energy_min_tev=0.3,
        energy_max_tev=30.0,
        spectral_index=-2.0,
        pointing_alt_rad=ALT,
        pointing_az_rad=AZ,
        viewcone_rad=np.deg2rad(2.0),
        scatter_radius_m=250.0,
        site_height_m=2200.0,
    )
    models = image_models(
        showers,
        TELESCOPES,
        focal_length_m=28.0,
        mirror_area_m2=386.0,
        psf_rad=0.0,
        pointing_alt_rad=ALT,
        pointing_az_rad=AZ,
        site_height_m=2200.0,
    )
    return showers, models


def to_camera(alt_rad, az_rad, focal_m=28.0):
    """Camera position of directions, through astropy and cherenkit.instrument."""
    frame = TelescopeFrame(telescope_pointing=AltAz(alt=ALT * u.rad, az=AZ * u.rad))
    coord = SkyCoord(AltAz(alt=alt_rad * u.rad, az=az_rad * u.rad)).transform_to(frame)
    return focal_m * coord.fov_lat.to_value(u.rad), focal_m * coord.fov_lon.to_value(u.rad)


def test_source_and_centroid_positions_match_astropy(geometry):
    showers, models = geometry
    x, y = to_camera(showers.alt_rad, showers.az_rad)
    for t in range(len(TELESCOPES)):
        np.testing.assert_allclose(models.source_x_m[:, t], x, atol=1e-9)
        np.testing.assert_allclose(models.source_y_m[:, t], y, atol=1e-9)
    # centroid: direction from each telescope to the shower maximum
    axis = np.stack(
        [
            np.cos(showers.alt_rad) * np.cos(showers.az_rad),
            -np.cos(showers.alt_rad) * np.sin(showers.az_rad),
            np.sin(showers.alt_rad),
        ],
        axis=-1,
    )
    core = np.stack([showers.core_x_m, showers.core_y_m, np.zeros(len(showers))], axis=-1)
    maximum = core + ((showers.h_max_m - 2200.0) / np.sin(showers.alt_rad))[:, None] * axis
    for t, position in enumerate(TELESCOPES):
        v = maximum - position
        alt = np.arcsin(v[:, 2] / np.linalg.norm(v, axis=1))
        az = np.arctan2(-v[:, 1], v[:, 0])
        x, y = to_camera(alt, az)
        np.testing.assert_allclose(models.cog_x_m[:, t], x, atol=1e-9)
        np.testing.assert_allclose(models.cog_y_m[:, t], y, atol=1e-9)


def test_image_axis_points_to_the_source(geometry):
    _, models = geometry
    dx = models.source_x_m - models.cog_x_m
    dy = models.source_y_m - models.cog_y_m
    along = dx * np.cos(models.psi_rad) + dy * np.sin(models.psi_rad)
    across = -dx * np.sin(models.psi_rad) + dy * np.cos(models.psi_rad)
    assert np.all(along > 0)  # psi points from the tail to the source
    # the source lies on the axis up to the curvature of great circles in (lon, lat)
    assert np.all(np.abs(across) < 0.005 * along + 1e-6)


def test_impact_distance_and_light_pool(geometry):
    showers, models = geometry
    # telescope 0 sits at the origin: its distance from the axis through the core
    r = np.hypot(showers.core_x_m, showers.core_y_m)
    assert np.all(models.impact_m[:, 0] <= r + 1e-9)
    assert np.all(models.impact_m[:, 0] >= r * np.sin(ALT - np.deg2rad(2.0)) - 1e-9)
    # brighter for higher energies at similar impact; fainter far outside the pool
    near = models.impact_m < 100
    per_tev = models.intensity_pe / showers.energy_tev[:, None]
    assert np.all(per_tev[near] > 5 * np.median(per_tev[models.impact_m > 300]))


def test_width_is_lateral_spread_over_distance(geometry):
    showers, models = geometry
    maximum_distance = (showers.h_max_m - 2200.0) / np.sin(showers.alt_rad)
    angle = models.width_m[:, 0] / 28.0
    expected = showers.lateral_spread_m / maximum_distance
    np.testing.assert_allclose(angle, expected, rtol=0.02)  # distance from tel 0 ~ to core


def expected_and_moments(camera, **values):
    models = make_models(**values)
    image = expected_images(camera, models)
    return models, image, hillas_moments(camera.pix_x_m, camera.pix_y_m, image)


@pytest.mark.parametrize(
    ("length", "width", "psi"), [(0.12, 0.04, 0.6), (0.18, 0.05, -1.2), (0.06, 0.06, 2.0)]
)
def test_moments_of_expected_images(lst_camera, length, width, psi):
    _, _, moments = expected_and_moments(
        lst_camera, length_m=length, width_m=width, psi_rad=psi, intensity_pe=800.0
    )
    assert moments["size"][0] == pytest.approx(800.0, rel=1e-4)  # contained
    assert moments["cog_x"][0] == pytest.approx(0.1, abs=1e-4)
    assert moments["cog_y"][0] == pytest.approx(-0.2, abs=1e-4)
    assert moments["length"][0] == pytest.approx(length, rel=0.01)
    assert moments["width"][0] == pytest.approx(width, rel=0.01)
    if length > width:
        d = np.angle(np.exp(2j * (moments["psi"][0] - psi)))  # axes are modulo 180 deg
        assert abs(d) < 1e-3


@pytest.mark.parametrize("width", [0.02, 0.01, 0.004])
def test_narrow_images_are_integrated_over_pixels(lst_camera, sst_camera, width):
    # narrower than a pixel: a pixel-centre sum would be off by tens of percent
    for camera in (lst_camera, sst_camera):
        scale = camera.pixel_width_m / 0.05
        total = []
        for shift in np.linspace(0, 1, 7):
            _, image, _ = expected_and_moments(
                camera,
                length_m=3 * width * scale,
                width_m=width * scale,
                cog_x_m=shift * camera.pixel_width_m,
                cog_y_m=0.3 * shift * camera.pixel_width_m,
            )
            total.append(image.sum())
        np.testing.assert_allclose(total, 500.0, rtol=0.02)


def test_the_camera_edge_cuts_images(lst_camera):
    _, image, _ = expected_and_moments(lst_camera, cog_x_m=1.3, cog_y_m=0.0, psi_rad=0.0)
    assert 0 < image.sum() < 0.5 * 500.0


def test_skewed_images_have_their_tail_away_from_the_source(lst_camera):
    _, image, moments = expected_and_moments(
        lst_camera, sigma_head_m=0.08, sigma_tail_m=0.16, psi_rad=0.3, cog_x_m=0.0
    )
    # split normal: mean behind the mode by sqrt(2/pi) (tail - head)
    shift = np.sqrt(2 / np.pi) * (0.16 - 0.08)
    dx = moments["cog_x"][0] - 0.0
    dy = moments["cog_y"][0] + 0.2
    assert dx * np.cos(0.3) + dy * np.sin(0.3) == pytest.approx(-shift, rel=0.01)
    along = (lst_camera.pix_x_m - moments["cog_x"][0]) * np.cos(0.3) + (
        lst_camera.pix_y_m - moments["cog_y"][0]
    ) * np.sin(0.3)
    third = np.sum(image[0] * along**3) / image.sum()
    assert third < 0  # skewed towards -psi, away from the source


def test_skewed_models_keep_the_mean_length(geometry):
    showers, models = geometry
    common = dict(
        focal_length_m=28.0,
        mirror_area_m2=386.0,
        psf_rad=0.0,
        pointing_alt_rad=ALT,
        pointing_az_rad=AZ,
        site_height_m=2200.0,
    )
    skewed = image_models(showers, TELESCOPES, skewed=True, **common)
    np.testing.assert_allclose(skewed.length_m, models.length_m, rtol=1e-12)
    assert np.all(skewed.sigma_tail_m > skewed.sigma_head_m)  # perspective stretches the tail


def test_photoelectrons_are_poisson(lst_camera):
    n_images = 2000
    models = make_models(n_images, intensity_pe=300.0, length_m=0.1, width_m=0.04)
    expected = expected_images(lst_camera, models)
    counts = sample_signal(expected, np.arange(n_images, dtype=np.uint64) * 7919 + 1)
    assert counts.dtype == np.int32
    total = counts.sum(axis=1)
    sigma_mean = np.sqrt(expected[0].sum() / n_images)
    assert abs(total.mean() - expected[0].sum()) < 3 * sigma_mean  # mean total p.e.
    # per pixel: mean and variance both equal the expected value (Poisson)
    bright = np.argsort(expected[0])[-5:]
    for p in bright:
        mu = expected[0, p]
        assert abs(counts[:, p].mean() - mu) < 4 * np.sqrt(mu / n_images)
        # variance of a sample variance: (mu + 2 mu^2) / n for a Poisson law
        assert abs(counts[:, p].var() - mu) < 4 * np.sqrt((mu + 2 * mu**2) / n_images)
    # large means go through the rejection sampler: check one of them too
    big = sample_signal(np.full((1, 20000), 250.0), np.array([3], np.uint64))[0]
    assert abs(big.mean() - 250.0) < 4 * np.sqrt(250.0 / 20000)
    assert abs(big.var() - 250.0) < 4 * 250.0 * np.sqrt(2 / 20000)


def test_time_gradient_from_light_paths():
    # one vertical shower, telescopes at increasing distances from the core
    showers = draw_showers(
        run_key(1)[0],
        np.arange(1),
        energy_min_tev=1.0,
        energy_max_tev=1.0 + 1e-9,
        spectral_index=-2.0,
        pointing_alt_rad=np.pi / 2,
        pointing_az_rad=0.0,
        viewcone_rad=0.0,
        scatter_radius_m=0.0,
        site_height_m=2200.0,
    )
    tels = np.array([[r, 0.0, 0.0] for r in (20.0, 60.0, 150.0, 300.0)])
    models = image_models(
        showers,
        tels,
        focal_length_m=28.0,
        mirror_area_m2=386.0,
        psf_rad=0.0,
        pointing_alt_rad=np.pi / 2,
        pointing_az_rad=0.0,
        site_height_m=2200.0,
    )
    gradient = models.time_gradient_ns_per_m[0]
    # inside the Cherenkov ring the lower end arrives first (n > 1), outside the upper
    assert gradient[0] > 0 and gradient[-1] < 0
    assert np.all(np.diff(gradient) < 0)
    # the size, from the arrival times of two emission points computed by hand
    h_max = showers.h_max_m[0] - 2200.0
    spread = showers.longitudinal_spread_m[0]
    for t, r in enumerate(tels[:, 0]):
        times, positions = [], []
        for z in (h_max + spread, h_max - min(spread, 0.8 * h_max)):
            heights = np.linspace(2200.0, 2200.0 + z, 20001)
            n = 1 + np.mean(ETA_SEA * np.exp(-heights / SCALE_HEIGHT))
            times.append((-z + n * np.hypot(z, r)) / SPEED_OF_LIGHT)
            positions.append(28.0 * np.arctan2(r, z))  # camera offset for a vertical view
        slope = (times[0] - times[1]) / abs(positions[0] - positions[1])
        assert gradient[t] == pytest.approx(slope, rel=1e-3)
    # a few ns per degree at 300 m
    assert 1 < -gradient[-1] * 28.0 * np.pi / 180 < 20


def test_pixel_peak_times(lst_camera):
    models = make_models(2, psi_rad=0.4, time_gradient_ns_per_m=np.array([10.0, -80.0]))
    times = pixel_peak_times(lst_camera, models, 16.0, t_min_ns=3.0, t_max_ns=30.0)
    along = (lst_camera.pix_x_m - 0.1) * np.cos(0.4) + (lst_camera.pix_y_m + 0.2) * np.sin(0.4)
    np.testing.assert_allclose(times[0], 16.0 + 10.0 * along, atol=1e-5)
    np.testing.assert_allclose(times[1], np.clip(16.0 - 80.0 * along, 3.0, 30.0), atol=1e-5)
