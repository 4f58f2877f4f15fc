"""Shower truth: spectrum, cores, view cone, depths, light pool."""

import numpy as np
import pytest
from scipy import stats

from cherenkit_toysim import showers as sh
from cherenkit_toysim._random import derive_keys, run_key, uniforms
from cherenkit_toysim._vectors import altaz_to_ground, pointing_basis

POINTING = {"pointing_alt_rad": np.deg2rad(70.0), "pointing_az_rad": np.deg2rad(20.0)}


def draw(n=200_000, seed=5, **kwargs):
    settings = {
        "energy_min_tev": 0.05,
        "energy_max_tev": 50.0,
        "spectral_index": -2.2,
        "viewcone_rad": np.deg2rad(3.0),
        "scatter_radius_m": 800.0,
        "site_height_m": 2200.0,
        **POINTING,
    }
    settings.update(kwargs)
    key, _ = run_key(seed)
    return sh.draw_showers(key, np.arange(n), **settings)


@pytest.fixture(scope="module")
def showers():
    return draw()


def test_power_law_slope(showers):
    # maximum-likelihood index of a power law truncated to [0.05, 50] TeV
    log_e = np.log(showers.energy_tev)
    lo, hi = np.log(0.05), np.log(50.0)

    def neg_log_like(index):
        g = index + 1.0
        norm = np.log((np.exp(g * hi) - np.exp(g * lo)) / g)
        return -(index * log_e.sum() - len(log_e) * norm)

    fit = __import__("scipy.optimize", fromlist=["x"]).minimize_scalar(
        neg_log_like, bounds=(-3.0, -1.5), method="bounded"
    )
    error = 1.0 / np.sqrt(len(log_e) * np.var(log_e))  # Fisher information of the index
    assert abs(fit.x - (-2.2)) < 3 * error
    assert showers.energy_tev.min() >= 0.05 and showers.energy_tev.max() <= 50.0


def test_index_minus_one_is_log_uniform():
    energy = draw(20_000, spectral_index=-1.0).energy_tev
    u = np.log(energy / 0.05) / np.log(50.0 / 0.05)
    assert stats.kstest(u, "uniform").pvalue > 1e-3


def test_cores_uniform_in_area(showers):
    r = np.hypot(showers.core_x_m, showers.core_y_m)
    assert r.max() <= 800.0
    assert stats.kstest((r / 800.0) ** 2, "uniform").pvalue > 1e-3  # uniform in area
    phi = np.arctan2(showers.core_y_m, showers.core_x_m)
    assert stats.kstest(phi, "uniform", args=(-np.pi, 2 * np.pi)).pvalue > 1e-3


def test_directions_uniform_in_the_view_cone(showers):
    pointing, _, _ = pointing_basis(POINTING["pointing_alt_rad"], POINTING["pointing_az_rad"])
    cos_offset = altaz_to_ground(showers.alt_rad, showers.az_rad) @ pointing
    offset = np.arccos(np.clip(cos_offset, -1, 1))
    assert offset.max() <= np.deg2rad(3.0) + 1e-9
    # uniform in solid angle: 1 - cos(offset) uniform up to 1 - cos(3 deg)
    u = (1 - cos_offset) / (1 - np.cos(np.deg2rad(3.0)))
    assert stats.kstest(u, "uniform").pvalue > 1e-3


def test_point_source_comes_from_the_pointing():
    showers = draw(100, viewcone_rad=0.0)
    np.testing.assert_allclose(showers.alt_rad, POINTING["pointing_alt_rad"], atol=1e-12)
    np.testing.assert_allclose(showers.az_rad, POINTING["pointing_az_rad"], atol=1e-12)


def test_depths_follow_the_heitler_model(showers):
    # X_max = X_1 + X_0 (ln(E / E_c) + 0.5 - 9/7), X_1 exponential with mean 9/7 X_0,
    # so that the mean is the PDG depth of maximum of photon cascades; a maximum
    # that would lie deeper than 90 % of the atmosphere above the site stays there
    cos_zenith = np.sin(showers.alt_rad)
    floor = 0.9 * sh.vertical_depth(2200.0)
    clamped = showers.x_max_g_cm2 * cos_zenith >= floor * (1 - 1e-12)
    assert 0 < clamped.sum() < 1e-3 * len(showers)
    depth = showers.x_max_g_cm2 - sh.RADIATION_LENGTH * (
        np.log(showers.energy_tev / sh.CRITICAL_ENERGY) + 0.5 - 9 / 7
    )
    np.testing.assert_allclose(depth[~clamped], showers.x_first_g_cm2[~clamped], rtol=1e-9)
    assert np.all(depth[clamped] < showers.x_first_g_cm2[clamped])
    mean = 9 / 7 * sh.RADIATION_LENGTH
    assert showers.x_first_g_cm2.mean() == pytest.approx(mean, rel=0.01)
    assert stats.kstest(showers.x_first_g_cm2, "expon", args=(0, mean)).pvalue > 1e-3
    # heights from depths in the isothermal atmosphere, maximum below first interaction
    np.testing.assert_allclose(
        sh.vertical_depth(showers.h_max_m), showers.x_max_g_cm2 * cos_zenith, rtol=1e-9
    )
    assert np.all(showers.h_first_int_m > showers.h_max_m)
    assert np.all(showers.h_max_m > 2200.0)
    # a TeV shower: maximum ~360 g/cm2 deep, ~8 km a.s.l. at 20 deg zenith
    one_tev = np.abs(np.log(showers.energy_tev)) < 0.1
    assert 340 < np.mean(showers.x_max_g_cm2[one_tev]) < 380
    assert 7500 < np.median(showers.h_max_m[one_tev]) < 9000


def test_same_shower_whatever_the_others():
    a, b = draw(50), draw(10)
    c = sh.draw_showers(
        run_key(5)[0],
        np.arange(30, 50),
        energy_min_tev=0.05,
        energy_max_tev=50.0,
        spectral_index=-2.2,
        viewcone_rad=np.deg2rad(3),
        scatter_radius_m=800.0,
        site_height_m=2200.0,
        **POINTING,
    )
    np.testing.assert_array_equal(a.energy_tev[:10], b.energy_tev)
    np.testing.assert_array_equal(a.core_x_m[30:], c.core_x_m)
    assert not np.array_equal(draw(10, seed=6).energy_tev, b.energy_tev)


def test_light_pool():
    energy, radius = 1.0, 120.0
    inside = sh.photoelectron_density(np.array([0.0, 60.0, 120.0]), energy, radius)
    np.testing.assert_allclose(inside, sh.PE_DENSITY)
    outside = sh.photoelectron_density(np.array([120.0 + 48.0]), energy, radius)
    np.testing.assert_allclose(outside, sh.PE_DENSITY * np.exp(-1.0))
    # proportional to energy; a wider pool at the same energy is fainter
    assert sh.photoelectron_density(0.0, 2.0, radius) == pytest.approx(2 * sh.PE_DENSITY)
    assert sh.photoelectron_density(0.0, 1.0, 240.0) == pytest.approx(sh.PE_DENSITY / 4)
    # Cherenkov angle ~1 deg at 10 km, pool radius ~100 m seen from 8 km below
    angle = sh.cherenkov_angle(10_000.0)
    assert 0.6 < np.rad2deg(angle) < 0.9
    assert 80 < 8000 * np.tan(angle) < 130


def test_mean_refractivity_is_the_path_average():
    heights = np.linspace(2200.0, 10_000.0, 100_001)
    numeric = np.mean(sh.ETA_SEA * np.exp(-heights / sh.SCALE_HEIGHT))
    assert sh.mean_refractivity(2200.0, 10_000.0) == pytest.approx(numeric, rel=1e-4)
    assert sh.mean_refractivity(3000.0, 3000.0) == pytest.approx(
        sh.ETA_SEA * np.exp(-3000.0 / sh.SCALE_HEIGHT)
    )


def test_counter_based_uniforms():
    key, entropy = run_key(123)
    assert entropy == 123
    keys = derive_keys(key, 1, np.arange(1000))
    assert len(np.unique(keys)) == 1000
    u = uniforms(keys, 4)
    assert u.shape == (1000, 4) and 0 < u.min() and u.max() < 1
    assert stats.kstest(u.ravel(), "uniform").pvalue > 1e-3
    np.testing.assert_array_equal(uniforms(keys[10:20], 4), u[10:20])
    # fresh entropy when no seed is given, and it repeats the run
    key_a, entropy_a = run_key(None)
    assert run_key(entropy_a)[0] == key_a
