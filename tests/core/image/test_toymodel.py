"""Toy images: the densities are normalised and have the requested moments, and the
generated images carry them (checked statistically, so wrong physics fails)."""

import astropy.units as u
import numpy as np
import pytest

from cherenkit.image import Gaussian, SkewedGaussian, hillas_parameters, obtain_time_image
from cherenkit.instrument import CameraGeometry

PITCH = 0.01  # m


def _grid(half_width, step):
    values = np.arange(-half_width, half_width + step / 2, step)
    x, y = np.meshgrid(values, values)
    return x.ravel(), y.ravel()


def _models():
    common = {"x": 0.05 * u.m, "y": -0.02 * u.m, "length": 0.08 * u.m, "width": 0.03 * u.m}
    return [
        Gaussian(psi=35 * u.deg, **common),
        SkewedGaussian(psi=-60 * u.deg, skewness=0.5, **common),
        SkewedGaussian(psi=120 * u.deg, skewness=-0.8, **common),
    ]


@pytest.fixture(scope="module")
def camera():
    """A fine square-pixel camera: 1 cm pixels over 1.2 m x 1.2 m."""
    return CameraGeometry.make_rectangular(
        n_x=121, n_y=121, range_x=(-0.6, 0.6), range_y=(-0.6, 0.6)
    )


@pytest.mark.parametrize("model", _models(), ids=repr)
def test_pdf_integrates_to_one_with_the_requested_moments(model):
    step = 0.002
    x, y = _grid(0.8, step)
    p = model.pdf(x * u.m, y * u.m) * step**2
    assert p.sum() == pytest.approx(1.0, abs=1e-6)
    mean_x, mean_y = (p * x).sum(), (p * y).sum()
    assert mean_x == pytest.approx(0.05, abs=1e-6)
    assert mean_y == pytest.approx(-0.02, abs=1e-6)
    psi = model.psi.to_value(u.rad)
    longi = (x - mean_x) * np.cos(psi) + (y - mean_y) * np.sin(psi)
    trans = (y - mean_y) * np.cos(psi) - (x - mean_x) * np.sin(psi)
    assert np.sqrt((p * longi**2).sum()) == pytest.approx(0.08, rel=1e-5)
    assert np.sqrt((p * trans**2).sum()) == pytest.approx(0.03, rel=1e-5)
    assert (p * longi * trans).sum() == pytest.approx(0.0, abs=1e-9)
    skewness = (p * longi**3).sum() / 0.08**3
    assert skewness == pytest.approx(getattr(model, "skewness", 0.0), abs=1e-5)


def test_pdf_in_angles_is_per_square_degree():
    model = Gaussian(x=1 * u.deg, y=0 * u.deg, length=0.2 * u.deg, width=0.1 * u.deg, psi=0 * u.deg)
    peak = model.pdf(1 * u.deg, 0 * u.deg)
    assert peak == pytest.approx(1 / (2 * np.pi * 0.2 * 0.1))
    # positions in other units are converted
    assert model.pdf(60 * u.arcmin, 0 * u.arcmin) == pytest.approx(peak)


@pytest.mark.parametrize("model", _models(), ids=repr)
def test_generated_images_carry_intensity_and_moments(camera, model):
    rng = np.random.default_rng(42)
    intensity, n_images, nsb = 1000.0, 100, 3.0
    total = np.zeros(camera.n_pixels)
    sums = []
    for _ in range(n_images):
        image, signal, noise = model.generate_image(
            camera, intensity=intensity, nsb_level_pe=nsb, rng=rng
        )
        np.testing.assert_allclose(image, signal + noise - noise.mean())
        assert noise.mean() == pytest.approx(nsb, rel=0.05)  # 14641 Poisson(3) draws
        assert noise.var() == pytest.approx(nsb, rel=0.1)
        sums.append(signal.sum())
        total += signal
    # total signal per image: Poisson with mean = intensity (the camera holds the shower)
    assert np.mean(sums) == pytest.approx(intensity, abs=4 * np.sqrt(intensity / n_images))
    assert np.var(sums, ddof=1) == pytest.approx(intensity, rel=0.35)
    # moments of the summed signal: 1e5 photo-electrons, pixelisation adds pitch^2 / 12
    h = hillas_parameters(camera, total)
    assert h.x.to_value(u.m) == pytest.approx(0.05, abs=1e-3)
    assert h.y.to_value(u.m) == pytest.approx(-0.02, abs=1e-3)
    pixel_var = PITCH**2 / 12
    assert h.length.to_value(u.m) == pytest.approx(np.sqrt(0.08**2 + pixel_var), rel=0.01)
    assert h.width.to_value(u.m) == pytest.approx(np.sqrt(0.03**2 + pixel_var), rel=0.01)
    # Hillas psi lies in (-90, 90]: a model axis outside points the other way, which
    # turns the sign of the skewness
    psi = (model.psi.to_value(u.deg) + 90) % 180 - 90
    direction = 1 if psi == pytest.approx(model.psi.to_value(u.deg)) else -1
    assert h.psi.to_value(u.deg) == pytest.approx(psi, abs=1.0)
    assert h.skewness == pytest.approx(direction * getattr(model, "skewness", 0.0), abs=0.05)


def test_same_seed_same_image(camera):
    model = _models()[1]
    a = model.generate_image(camera, intensity=300, nsb_level_pe=1, rng=7)
    b = model.generate_image(camera, intensity=300, nsb_level_pe=1, rng=7)
    for first, second in zip(a, b, strict=True):
        np.testing.assert_array_equal(first, second)


def test_telescope_frame_axes_are_fov_lon_fov_lat(camera):
    telescope = camera.transform_to_telescope_frame(10 * u.m)
    model = Gaussian(
        x=0.3 * u.deg, y=-0.2 * u.deg, length=0.4 * u.deg, width=0.15 * u.deg, psi=25 * u.deg
    )
    h = hillas_parameters(telescope, model.expected_signal(telescope, 1e4))
    assert h.fov_lon.to_value(u.deg) == pytest.approx(0.3, abs=1e-3)
    assert h.fov_lat.to_value(u.deg) == pytest.approx(-0.2, abs=1e-3)
    assert h.psi.to_value(u.deg) == pytest.approx(25.0, abs=0.1)
    assert h.intensity == pytest.approx(1e4, rel=1e-3)


def test_time_image_grows_along_the_axis():
    x = np.array([0.0, 1.0, 0.0]) * u.m
    y = np.array([0.0, 0.0, 1.0]) * u.m
    times = obtain_time_image(x, y, 0 * u.m, 0 * u.m, 90 * u.deg, 5 * u.ns / u.m, 10 * u.ns)
    np.testing.assert_allclose(times, [10.0, 10.0, 15.0])


def test_bad_model_parameters_are_refused():
    with pytest.raises(ValueError, match="skewness must lie in"):
        SkewedGaussian(0 * u.m, 0 * u.m, 0.1 * u.m, 0.05 * u.m, 0 * u.deg, skewness=1.2)
    with pytest.raises(TypeError, match="length must be a scalar Quantity"):
        Gaussian(0 * u.m, 0 * u.m, 0.1, 0.05 * u.m, 0 * u.deg)
    with pytest.raises(u.UnitTypeError, match="psi must have a unit of angle"):
        Gaussian(0 * u.m, 0 * u.m, 0.1 * u.m, 0.05 * u.m, 3 * u.m)
    with pytest.raises(ValueError, match="must be > 0"):
        Gaussian(0 * u.m, 0 * u.m, 0.1 * u.m, 0 * u.m, 0 * u.deg)
