"""Bad input: NaN parameters with a false flag, or one clear error naming the shapes.

No input may raise from inside a numba kernel.
"""

import astropy.units as u
import numpy as np
import pytest

from cherenkit.image import (
    concentration_parameters,
    descriptive_statistics,
    hillas_parameters,
    image_parameters,
    image_parameters_batch,
    leakage_parameters,
    morphology_parameters,
    number_of_islands,
    timing_parameters,
)
from cherenkit.instrument import CameraGeometry


@pytest.fixture(scope="module")
def geometry():
    return CameraGeometry.make_rectangular(n_x=8, n_y=8)


@pytest.fixture(scope="module")
def shower():
    """An 8x8 image with a 3x2-pixel blob and linear peak times."""
    image = np.zeros(64)
    image[[18, 19, 20, 26, 27, 28]] = [5.0, 20.0, 7.0, 8.0, 30.0, 6.0]
    return image, np.linspace(10, 20, 64)


def _assert_all_nan(params):
    h = params.hillas
    assert not h.is_valid
    assert not params.timing.is_valid
    for name in ("intensity", "length", "width", "psi", "skewness"):
        assert np.isnan(getattr(h, name)), name
    assert np.isnan(params.timing.slope)
    assert np.isnan(params.concentration.cog)


def test_empty_mask(geometry, shower):
    image, peak_time = shower
    mask = np.zeros(64, dtype=bool)
    params = image_parameters(geometry, image, mask, peak_time)
    _assert_all_nan(params)
    assert np.isnan(params.leakage.pixels_width_1)  # 0 / 0, as ctapipe
    assert params.morphology.n_pixels == 0 and params.morphology.n_islands == 0
    assert np.isnan(params.intensity_statistics.mean)


def test_all_zero_image(geometry):
    params = image_parameters(geometry, np.zeros(64), np.ones(64, dtype=bool), np.zeros(64))
    _assert_all_nan(params)
    assert params.morphology.n_islands == 1
    assert params.intensity_statistics.max == 0.0
    assert np.isnan(params.intensity_statistics.skewness)  # all values equal


def test_negative_total_intensity(geometry, shower):
    image, _ = shower
    h = hillas_parameters(geometry, -image)
    assert not h.is_valid and np.isnan(h.intensity)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_pixel(geometry, shower, bad):
    image, peak_time = shower
    mask = image > 0
    image = image.copy()
    image[19] = bad
    params = image_parameters(geometry, image, mask, peak_time)
    _assert_all_nan(params)
    assert not np.isfinite(params.intensity_statistics.mean)  # as numpy: inf or NaN
    # a pixel outside the mask does not matter
    image[19] = 20.0
    image[0] = bad
    assert image_parameters(geometry, image, mask, peak_time).hillas.is_valid


def test_nan_peak_time_only_drops_that_pixel_from_the_fit(geometry, shower):
    image, peak_time = shower
    peak_time = peak_time.copy()
    peak_time[20] = np.nan
    params = image_parameters(geometry, image, image > 0, peak_time)
    assert params.hillas.is_valid
    assert params.timing.is_valid
    assert np.isnan(params.peak_time_statistics.mean)


def test_single_pixel_island(geometry):
    image = np.zeros(64)
    image[27] = 12.0
    mask = image > 0
    params = image_parameters(geometry, image, mask, np.full(64, 5.0))
    assert not params.hillas.is_valid
    assert params.hillas.intensity == 12.0  # the centroid exists, the axis does not
    assert not params.timing.is_valid
    assert params.concentration.pixel == 1.0
    assert params.morphology.n_small_islands == 1
    assert params.intensity_statistics.std == 0.0


def test_mixed_batch_keeps_good_images_good(geometry, shower):
    image, peak_time = shower
    images = np.stack([image, np.zeros(64), image])
    images[2, 19] = np.nan
    masks = images > 0
    masks[2] = image > 0
    columns = image_parameters_batch(geometry, images, masks, np.stack([peak_time] * 3))
    assert columns["camera_frame_hillas_is_valid"].tolist() == [True, False, False]
    assert columns["camera_frame_timing_is_valid"].tolist() == [True, False, False]
    assert np.isfinite(columns["camera_frame_hillas_length"][0])
    assert np.isnan(columns["camera_frame_hillas_length"][1:]).all()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda g: hillas_parameters(g, np.ones(63)), r"image has shape \(63,\).*64 pixels"),
        (
            lambda g: hillas_parameters(g, np.ones(64), cleaning_mask=np.ones(10, bool)),
            r"cleaning_mask has shape \(10,\).*64 pixels",
        ),
        (
            lambda g: leakage_parameters(g, np.ones(64), np.ones((2, 64), bool)),
            r"cleaning_mask has shape \(2, 64\)",
        ),
        (lambda g: number_of_islands(g, np.ones(65, bool)), r"mask has shape \(65,\).*64 pixels"),
        (
            lambda g: image_parameters_batch(g, np.ones((3, 64)), np.ones((2, 64), bool)),
            r"mask has shape \(2, 64\), expected \(3, 64\)",
        ),
        (
            lambda g: image_parameters_batch(
                g, np.ones((3, 64)), np.ones((3, 64), bool), np.ones((3, 60))
            ),
            r"peak_time has shape \(3, 60\).*64 pixels",
        ),
        (
            lambda g: image_parameters_batch(g, np.ones((2, 3, 64)), np.ones((2, 3, 64), bool)),
            r"image has shape \(2, 3, 64\).*\(n_events, n_pixels\)",
        ),
        (lambda g: descriptive_statistics(np.ones((2, 2))), r"values must be 1-d, got shape"),
    ],
)
def test_shape_errors_name_the_shapes(geometry, call, message):
    with pytest.raises(ValueError, match=message):
        call(geometry)


def test_masks_must_be_boolean(geometry):
    with pytest.raises(TypeError, match="must be a boolean mask, got an array of dtype int64"):
        morphology_parameters(geometry, np.ones(64, dtype=np.int64))


def test_frame_mismatch_is_refused(geometry, shower):
    image, peak_time = shower
    hillas = hillas_parameters(geometry, image)
    telescope = geometry.transform_to_telescope_frame(10 * u.m)
    with pytest.raises(TypeError, match="telescope frame"):
        concentration_parameters(telescope, image, hillas)
    with pytest.raises(TypeError, match="telescope frame"):
        timing_parameters(telescope, image, peak_time, hillas)


def test_masked_array_pixels_count_as_zero(geometry, shower):
    image, _ = shower
    masked = np.ma.masked_array(image, mask=image < 10)
    a = hillas_parameters(geometry, masked)
    b = hillas_parameters(geometry, np.where(image < 10, 0.0, image))
    assert a.intensity == b.intensity == 50.0
