"""Noise and waveforms: background and electronic noise statistics, pulses, integrals."""

import numpy as np
import pytest
from scipy import stats

from cherenkit_toysim.waveforms import NoiseLibrary, image_noise, poisson_tables, r1_waveforms

from _toysim_helpers import make_models

KEY = np.uint64(0xC0FFEE)


@pytest.fixture(scope="module")
def library():
    return NoiseLibrary(KEY, 64)


def keys(n, offset=0):
    return (np.arange(n, dtype=np.uint64) + np.uint64(offset)) * np.uint64(2654435761)


def test_poisson_tables():
    cdf, guide = poisson_tables(4.0)
    np.testing.assert_allclose(cdf[:10], stats.poisson.cdf(np.arange(10), 4.0), rtol=1e-12)
    assert cdf[-1] == 1.0 and np.all(np.diff(cdf) >= 0)
    for j, k in enumerate(guide):
        assert cdf[k] > j / len(cdf) and (k == 0 or cdf[k - 1] <= j / len(cdf))
    assert poisson_tables(0.0)[0].tolist() == [1.0] * len(poisson_tables(0.0)[0])


def test_background_is_poisson_minus_its_mean(library):
    noise = image_noise(keys(400), 1000, library, nsb_mean_pe=4.0, sigma_pe=0.0).ravel()
    counts = noise + 4.0
    np.testing.assert_allclose(counts, np.round(counts), atol=1e-5)  # whole photo-electrons
    n = len(counts)
    assert abs(noise.mean()) < 4 * np.sqrt(4.0 / n)
    observed = np.bincount(np.round(counts).astype(int), minlength=20)[:20]
    expected = stats.poisson.pmf(np.arange(20), 4.0) * n
    chi2 = np.sum((observed - expected) ** 2 / expected)
    assert stats.chi2.sf(chi2, 19) > 1e-3


def test_electronic_noise_is_gaussian(library):
    noise = image_noise(keys(400), 1000, library, nsb_mean_pe=0.0, sigma_pe=1.5).ravel()
    assert abs(noise.mean()) < 4 * 1.5 / np.sqrt(len(noise))
    assert noise.std() == pytest.approx(1.5, rel=0.01)
    assert stats.kstest(noise / 1.5, "norm").pvalue > 1e-3
    # pixels and images are independent
    image = noise.reshape(400, 1000)
    assert abs(np.corrcoef(image[:, 0], image[:, 1])[0, 1]) < 4 / np.sqrt(400)
    assert abs(np.corrcoef(image[:, :500].ravel(), image[:, 500:].ravel())[0, 1]) < 0.01


def test_background_and_electronics_add(library):
    noise = image_noise(keys(300, 7), 1855, library, nsb_mean_pe=4.0, sigma_pe=1.2)
    assert noise.var() == pytest.approx(4.0 + 1.2**2, rel=0.02)


def waveform_run(camera, library, *, true_pe, noise_pe, peak, sigma=0.0, n=None):
    n = true_pe.shape[0] if n is None else n
    return r1_waveforms(
        camera,
        true_pe,
        noise_pe,
        np.full(true_pe.shape, peak, np.float32),
        keys(n, 99),
        library,
        sigma_sample_pe=sigma,
    )


def test_waveform_integral_is_the_image_charge(lst_camera, library):
    rng = np.random.default_rng(1)
    true_pe = rng.poisson(3.0, (20, lst_camera.n_pixels)).astype(np.int32)
    noise_pe = rng.normal(0.0, 2.0, true_pe.shape).astype(np.float32)
    waveforms = waveform_run(
        lst_camera, library, true_pe=true_pe, noise_pe=noise_pe, peak=16.0, sigma=0.5
    )
    assert waveforms.dtype == np.float32
    assert waveforms.shape == (20, lst_camera.n_pixels, 40)
    np.testing.assert_allclose(waveforms.sum(axis=2), true_pe + noise_pe, atol=2e-3)


def test_pulse_shape_and_time(lst_camera, library):
    true_pe = np.zeros((3, lst_camera.n_pixels), np.int32)
    true_pe[:, 0] = 100
    zero = np.zeros(true_pe.shape, np.float32)
    for peak in (8.0, 16.3, 25.5):
        waveform = waveform_run(lst_camera, library, true_pe=true_pe, noise_pe=zero, peak=peak)
        samples = waveform[0, 0].astype(np.float64)
        assert samples.sum() == pytest.approx(100.0, rel=1e-4)
        assert abs(np.argmax(samples) - peak) <= 0.5 + 1e-6
        # the samples are the unit-area pulse at the sample times (1 ns apart), rescaled
        # by less than a percent to add up to the photo-electrons exactly
        t = np.arange(40) - peak + lst_camera.pulse_peak_ns
        pulse = np.interp(t, np.arange(len(lst_camera.pulse)) * 0.1, lst_camera.pulse, 0, 0)
        assert pulse.sum() == pytest.approx(1.0, rel=0.005)
        np.testing.assert_allclose(samples, 100.0 * pulse / pulse.sum(), atol=1e-4)
        assert np.all(waveform[0, 1:] == 0.0)


def test_noise_samples_are_white(lst_camera, library):
    true_pe = np.zeros((50, lst_camera.n_pixels), np.int32)
    noise_pe = np.zeros(true_pe.shape, np.float32)  # a zero sum: sigma of z - mean(z)
    sigma = 0.4
    waveforms = waveform_run(
        lst_camera, library, true_pe=true_pe, noise_pe=noise_pe, peak=16.0, sigma=sigma
    )
    samples = waveforms.reshape(-1, 40).astype(np.float64)
    # z_k - mean(z): variance sigma^2 (1 - 1/n), covariance -sigma^2 / n
    assert samples.var() == pytest.approx(sigma**2 * (1 - 1 / 40), rel=0.01)
    lag = np.mean(samples[:, :-1] * samples[:, 1:])
    assert lag == pytest.approx(-(sigma**2) / 40, abs=3e-4)
    assert stats.kstest(samples[:, 5] / (sigma * np.sqrt(1 - 1 / 40)), "norm").pvalue > 1e-3
    # with the image noise as sum, samples are uncorrelated with variance sigma^2
    noise_pe = np.random.default_rng(3).normal(0, sigma * np.sqrt(40), true_pe.shape)
    waveforms = waveform_run(
        lst_camera,
        library,
        true_pe=true_pe,
        noise_pe=noise_pe.astype(np.float32),
        peak=16.0,
        sigma=sigma,
    )
    samples = waveforms.reshape(-1, 40).astype(np.float64)
    assert samples.var() == pytest.approx(sigma**2, rel=0.01)
    assert abs(np.mean(samples[:, :-1] * samples[:, 1:])) < 3e-4
    # neighbouring pixels do not share noise
    pixels = waveforms[:, :, 10].astype(np.float64)
    assert abs(np.corrcoef(pixels[:, :-1].ravel(), pixels[:, 1:].ravel())[0, 1]) < 0.01


def test_library_is_a_function_of_the_key():
    a, b = NoiseLibrary(KEY, 40), NoiseLibrary(KEY, 40)
    np.testing.assert_array_equal(a.pool, b.pool)
    assert not np.array_equal(a.pool, NoiseLibrary(np.uint64(1), 40).pool)
    np.testing.assert_array_equal(a.pool[-40:], a.pool[:40])  # padded for the last segments
    np.testing.assert_allclose(a.cumsum[1:], np.cumsum(a.pool, dtype=np.float64))
    assert a.pool.std() == pytest.approx(1.0, rel=0.01)


def test_waveform_checks(lst_camera, library):
    models = make_models(1)
    assert models.shape == (1,)
    with pytest.raises(ValueError, match="serves 64 samples, not 80"):
        short = NoiseLibrary(KEY, 64)
        import attrs

        r1_waveforms(
            attrs.evolve(lst_camera, n_samples=80),
            np.zeros((1, 1855), np.int32),
            np.zeros((1, 1855), np.float32),
            np.zeros((1, 1855), np.float32),
            keys(1),
            short,
            sigma_sample_pe=0.1,
        )
    with pytest.raises(ValueError, match=r"out must be a C-contiguous float32 array of shape"):
        r1_waveforms(
            lst_camera,
            np.zeros((1, 1855), np.int32),
            np.zeros((1, 1855), np.float32),
            np.zeros((1, 1855), np.float32),
            keys(1),
            library,
            sigma_sample_pe=0.1,
            out=np.zeros((1, 1855, 40)),
        )
