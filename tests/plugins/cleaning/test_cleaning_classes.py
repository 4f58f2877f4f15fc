"""The cleaner classes and functions as users meet them: plugin, config, shapes, errors."""

import doctest
import inspect
import subprocess
import sys
from importlib.metadata import entry_points

import astropy.units as u
import attrs
import numpy as np
import pytest

import cherenkit_cleaning
from cherenkit import registry
from cherenkit.config import Config
from cherenkit.errors import ConfigError, ParameterError
from cherenkit.image import ImageCleaner
from cherenkit.instrument import CameraGeometry
from cherenkit.testing import check_plugin_class
from cherenkit_cleaning import (
    FactCleaner,
    MarsCleaner,
    TailcutsCleaner,
    TimeConstrainedCleaner,
    apply_time_delta_cleaning,
    apply_time_delta_cleaning_batch,
    fact_image_cleaning,
    fact_image_cleaning_batch,
    mars_image_cleaning,
    mars_image_cleaning_batch,
    tailcuts_clean,
    tailcuts_clean_batch,
    time_constrained_clean,
    time_constrained_clean_batch,
)
from cherenkit_cleaning import plugin as cleaning_plugin

CLASSES = {
    TailcutsCleaner: (tailcuts_clean, tailcuts_clean_batch),
    MarsCleaner: (mars_image_cleaning, mars_image_cleaning_batch),
    FactCleaner: (fact_image_cleaning, fact_image_cleaning_batch),
    TimeConstrainedCleaner: (time_constrained_clean, time_constrained_clean_batch),
}
TIMED = (FactCleaner, TimeConstrainedCleaner)
GEOMETRY = CameraGeometry.make_rectangular(n_x=8, n_y=8)


def _example(n_events=3, seed=1):
    """Images with a bright compact blob on noise, and times with a gradient."""
    rng = np.random.default_rng(seed)
    images = rng.normal(0.0, 2.0, (n_events, 64))
    # a 3 x 3 blob around pixel 27 (x = 3, y = 3)
    images[:, [18, 19, 20, 26, 27, 28, 34, 35, 36]] += [[30, 40, 25, 35, 50, 30, 20, 25, 15]]
    times = 10.0 + 0.2 * (np.arange(64) % 8) + rng.normal(0, 0.2, (n_events, 64))
    return images, times


def _call(cls, geometry, image, peak_time):
    return cls()(geometry, image, peak_time if cls in TIMED else None)


@pytest.fixture(params=list(CLASSES), ids=lambda c: c.name)
def cls(request):
    return request.param


def test_doctests():
    for module in ("tailcuts", "mars", "fact", "time_constrained"):
        result = doctest.testmod(getattr(cherenkit_cleaning, module))
        assert result.attempted > 0 and result.failed == 0, module


# --- the plugin ----------------------------------------------------------------------


def test_contract(cls):
    check_plugin_class(cls)
    assert issubclass(cls, ImageCleaner)
    assert cls.kind == "cleaner"


def test_plugin_declares_the_four_cleaners():
    (ep,) = [e for e in entry_points(group="cherenkit") if e.name == "cleaning"]
    assert ep.value == "cherenkit_cleaning.plugin"
    assert ep.dist.name == "cherenkit-cleaning"
    assert cleaning_plugin.cherenkit_register_cleaners() == list(CLASSES)
    assert cleaning_plugin.cherenkit_api == ">=1.0,<2"
    assert {"tailcuts", "mars", "fact", "time-constrained"} <= set(registry.names("cleaner"))
    for cleaner in CLASSES:
        info = registry.get_registry().info("cleaner", cleaner.name)
        assert info.cls is cleaner and info.distribution == "cherenkit-cleaning"
    assert isinstance(registry.create("cleaner", "mars", picture_thresh=8), MarsCleaner)


def test_plugin_module_does_not_import_numba():
    code = (
        "import sys, cherenkit_cleaning.plugin; "
        "print([m for m in ('numba', 'scipy') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_class_parameters_are_the_function_keywords(cls):
    func, batch = CLASSES[cls]
    parameters = [f.name for f in attrs.fields(cls)]
    for f in (func, batch):
        keywords = [
            name
            for name, p in inspect.signature(f).parameters.items()
            if p.kind is inspect.Parameter.KEYWORD_ONLY
        ]
        assert sorted(keywords) == sorted(parameters), f.__name__


@pytest.mark.parametrize(
    ("func", "defaults"),
    [
        (
            tailcuts_clean,
            dict(
                picture_thresh=7,
                boundary_thresh=5,
                keep_isolated_pixels=False,
                min_number_picture_neighbors=0,
            ),
        ),
        (
            mars_image_cleaning,
            dict(
                picture_thresh=7,
                boundary_thresh=5,
                keep_isolated_pixels=False,
                min_number_picture_neighbors=0,
            ),
        ),
        (
            fact_image_cleaning,
            dict(picture_threshold=4, boundary_threshold=2, min_number_neighbors=2, time_limit=5),
        ),
        (
            time_constrained_clean,
            dict(
                picture_thresh=7,
                boundary_thresh=5,
                time_limit_core=4.5,
                time_limit_boundary=1.5,
                min_number_picture_neighbors=1,
            ),
        ),
    ],
)
def test_functions_have_ctapipes_keywords_and_defaults(func, defaults):
    signature = inspect.signature(func)
    found = {n: p.default for n, p in signature.parameters.items() if p.kind is p.KEYWORD_ONLY}
    assert found == defaults


def test_classes_have_ctapipes_image_processor_defaults():
    assert attrs.asdict(TailcutsCleaner()) == dict(
        picture_thresh=10.0,
        boundary_thresh=5.0,
        keep_isolated_pixels=False,
        min_number_picture_neighbors=2,
    )
    assert attrs.asdict(MarsCleaner()) == attrs.asdict(TailcutsCleaner())
    assert attrs.asdict(FactCleaner()) == dict(
        picture_threshold=10.0, boundary_threshold=5.0, min_number_neighbors=2, time_limit=5.0
    )
    assert attrs.asdict(TimeConstrainedCleaner()) == dict(
        picture_thresh=10.0,
        boundary_thresh=5.0,
        time_limit_core=4.5,
        time_limit_boundary=1.5,
        min_number_picture_neighbors=2,
    )


def test_config_builds_cleaners_with_per_telescope_type_overrides():
    config = Config.from_dict(
        {
            "process": {
                "cleaner": {
                    "name": "tailcuts",
                    "picture_thresh": 8,
                    "per_telescope_type": {"LST_LST_LSTCam": {"picture_thresh": 7.5}},
                }
            }
        }
    )
    [(_, _, selection)] = [c for c in config.choices() if c[0] == "process.cleaner"]
    assert selection.component == TailcutsCleaner(picture_thresh=8.0)
    assert selection.for_telescope_type("LST_LST_LSTCam") == TailcutsCleaner(picture_thresh=7.5)
    assert selection.for_telescope_type("MST_MST_FlashCam") == TailcutsCleaner(picture_thresh=8.0)


def test_bad_parameters_name_the_class_and_the_parameter():
    with pytest.raises(ParameterError, match=r"TailcutsCleaner.picture_thresh: .*must be > 0"):
        TailcutsCleaner(picture_thresh=-1)
    with pytest.raises(ParameterError, match=r"FactCleaner.min_number_neighbors: expected an int"):
        FactCleaner(min_number_neighbors=1.5)
    with pytest.raises(ParameterError, match=r"MarsCleaner.keep_isolated_pixels: expected true"):
        MarsCleaner(keep_isolated_pixels="yes")
    with pytest.raises(ConfigError, match=r"key 'time_limit_core'"):
        Config.from_dict(
            {"process": {"cleaner": {"name": "time-constrained", "time_limit_core": "x"}}}
        )


# --- shapes ---------------------------------------------------------------------------


def test_single_image_and_batch(cls):
    images, times = _example()
    batch = _call(cls, GEOMETRY, images, times)
    assert batch.shape == (3, 64) and batch.dtype == np.bool_
    assert batch.any(axis=1).all()  # the blob survives every method
    for i in range(3):
        single = _call(cls, GEOMETRY, images[i], times[i])
        assert single.shape == (64,) and single.dtype == np.bool_
        np.testing.assert_array_equal(single, batch[i])


def test_inputs_are_converted_not_modified(cls):
    images, times = _example()
    want = _call(cls, GEOMETRY, images, times)
    frozen = images.copy(), times.copy()
    images.flags.writeable = False
    # float32, Fortran order, strided views and lists give the same masks
    variants = [
        (images.astype(np.float32).astype(np.float64), times),
        (np.asfortranarray(images), np.asfortranarray(times)),
        (np.repeat(images, 2, axis=0)[::2], np.repeat(times, 2, axis=0)[::2]),
        (images.tolist(), times.tolist()),
    ]
    for image, time in variants:
        np.testing.assert_array_equal(_call(cls, GEOMETRY, image, time), want)
    np.testing.assert_array_equal(images, frozen[0])
    np.testing.assert_array_equal(times, frozen[1])
    assert _call(cls, GEOMETRY, images.astype(np.float32), times.astype(np.float32)).shape == (
        3,
        64,
    )


def test_a_batch_of_no_events(cls):
    mask = _call(cls, GEOMETRY, np.empty((0, 64)), np.empty((0, 64)))
    assert mask.shape == (0, 64) and mask.dtype == np.bool_


def test_all_zero_and_all_nan_images_keep_nothing(cls):
    zeros = np.zeros((2, 64))
    assert not _call(cls, GEOMETRY, zeros, zeros).any()
    nans = np.full((2, 64), np.nan)
    assert not _call(cls, GEOMETRY, nans, nans).any()


def test_nan_pixels_are_never_kept(cls):
    images, times = _example()
    images[:, 27] = np.nan  # the brightest pixel, in the middle of the blob
    mask = _call(cls, GEOMETRY, images, times)
    assert not mask[:, 27].any()
    assert mask.any()


def test_a_single_pixel_camera(cls):
    one = CameraGeometry(
        name="one",
        pix_id=[0],
        pix_x=[0.0] * u.m,
        pix_y=[0.0] * u.m,
        pix_area=[1.0] * u.m**2,
        pix_type="hexagon",
    )
    assert one.n_pixels == 1
    mask = _call(cls, one, np.array([[100.0], [0.0]]), np.zeros((2, 1)))
    # a pixel without neighbours has no picture neighbours: kept by none of the defaults
    assert mask.shape == (2, 1) and not mask.any()
    assert _call(cls, one, np.array([100.0]), np.zeros(1)).shape == (1,)
    isolated = tailcuts_clean(one, np.array([100.0]), keep_isolated_pixels=True)
    assert isolated.tolist() == [True]


# --- errors ---------------------------------------------------------------------------


def test_mismatched_image_shapes_name_both_shapes(cls):
    images, times = _example()
    with pytest.raises(
        ValueError,
        match=r"image has shape \(3, 63\), but the geometry 'RectangularCamera' has 64 pixels: "
        r"expected \(64,\) or \(n_events, 64\)",
    ):
        _call(cls, GEOMETRY, images[:, :63], times[:, :63])
    with pytest.raises(ValueError, match=r"image has shape \(2, 3, 64\)"):
        _call(cls, GEOMETRY, np.zeros((2, 3, 64)), np.zeros((2, 3, 64)))
    with pytest.raises(ValueError, match=r"image has shape \(\)"):
        _call(cls, GEOMETRY, 5.0, 1.0)
    with pytest.raises(ValueError, match=r"image must be an array of numbers"):
        _call(cls, GEOMETRY, ["a"] * 64, times[0])


@pytest.mark.parametrize("cls", TIMED, ids=lambda c: c.name)
def test_time_cleaners_need_peak_time(cls):
    images, times = _example()
    with pytest.raises(
        ValueError,
        match=rf"the '{cls.name}' cleaner needs peak_time: the pixel arrival times in ns, "
        r"an array of the image's shape \(3, 64\), got None",
    ):
        cls()(GEOMETRY, images)
    with pytest.raises(
        ValueError,
        match=r"peak_time has shape \(3, 63\), but the image has shape \(3, 64\)",
    ):
        cls()(GEOMETRY, images, times[:, :63])
    with pytest.raises(ValueError, match=r"peak_time has shape \(64,\), but the image has shape"):
        cls()(GEOMETRY, images, times[0])


def test_per_image_and_batch_functions_check_dimensions():
    images, times = _example()
    with pytest.raises(
        ValueError,
        match=r"image has shape \(3, 64\), but .* 64 pixels: expected \(64,\)$",
    ):
        tailcuts_clean(GEOMETRY, images)
    with pytest.raises(
        ValueError, match=r"images has shape \(64,\), but .*: expected \(n_events, 64\)$"
    ):
        mars_image_cleaning_batch(GEOMETRY, images[0])
    with pytest.raises(ValueError, match=r"fact_image_cleaning needs arrival_times: .* got None"):
        fact_image_cleaning(GEOMETRY, images[0], None)
    with pytest.raises(ValueError, match=r"arrival_times has shape \(3, 64\), but the image"):
        time_constrained_clean(GEOMETRY, images[0], times)
    with pytest.raises(ValueError, match=r"time_constrained_clean_batch needs arrival_times"):
        time_constrained_clean_batch(GEOMETRY, images, None)
    with pytest.raises(ValueError, match=r"fact_image_cleaning_batch needs arrival_times"):
        fact_image_cleaning_batch(GEOMETRY, images, None)
    with pytest.raises(TypeError, match=r"geometry must be a cherenkit.instrument.CameraGeometry"):
        tailcuts_clean("LSTCam", images[0])


def test_bad_settings_name_the_keyword():
    image = _example()[0][0]
    with pytest.raises(
        ValueError,
        match=r"picture_thresh must be a single number \(per-pixel values are not supported\), "
        r"got an array of shape \(64,\)",
    ):
        tailcuts_clean(GEOMETRY, image, picture_thresh=np.full(64, 7.0))
    with pytest.raises(ValueError, match=r"boundary_thresh must be a number, got nan"):
        mars_image_cleaning(GEOMETRY, image, boundary_thresh=float("nan"))
    with pytest.raises(ValueError, match=r"boundary_thresh must be a number, got '5' \(str\)"):
        tailcuts_clean(GEOMETRY, image, boundary_thresh="5")
    with pytest.raises(
        ValueError, match=r"min_number_neighbors must be an integer, got 2.0 \(float\)"
    ):
        fact_image_cleaning(GEOMETRY, image, image, min_number_neighbors=2.0)
    with pytest.raises(ValueError, match=r"keep_isolated_pixels must be True or False, got 1"):
        tailcuts_clean(GEOMETRY, image, keep_isolated_pixels=1)
    with pytest.raises(ValueError, match=r"time_limit must be a number, got None"):
        apply_time_delta_cleaning(
            GEOMETRY, image > 5, image, min_number_neighbors=1, time_limit=None
        )
    # numpy scalars and 0-d arrays are single numbers
    mask = tailcuts_clean(
        GEOMETRY, image, picture_thresh=np.float32(7), boundary_thresh=np.array(5)
    )
    np.testing.assert_array_equal(mask, tailcuts_clean(GEOMETRY, image))


def test_time_delta_masks_must_be_boolean():
    times = _example()[1]
    with pytest.raises(ValueError, match=r"mask must be a boolean array, got dtype int64"):
        apply_time_delta_cleaning(
            GEOMETRY, np.ones(64, dtype=np.int64), times[0], min_number_neighbors=1, time_limit=1
        )
    with pytest.raises(ValueError, match=r"masks has shape \(64,\), .* expected \(n_events, 64\)"):
        apply_time_delta_cleaning_batch(
            GEOMETRY, np.ones(64, bool), times[0], min_number_neighbors=1, time_limit=1
        )
    with pytest.raises(ValueError, match=r"apply_time_delta_cleaning needs arrival_times"):
        apply_time_delta_cleaning(
            GEOMETRY, np.ones(64, bool), None, min_number_neighbors=1, time_limit=1
        )
