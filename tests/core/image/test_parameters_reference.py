"""Leakage, concentration, morphology, islands and statistics against ctapipe 0.28, and
every parameter of the real events (camera and telescope frame) through the
all-parameters functions (timing: see test_timing.py).
"""

import astropy.units as u
import numpy as np
import pytest
from _image_reference import TOY_CAMERAS, number, reference_unit, relative_error

from cherenkit.image import (
    ImageParametersContainer,
    IntensityStatisticsContainer,
    PeakTimeStatisticsContainer,
    concentration_parameters,
    descriptive_statistics,
    hillas_parameters,
    image_parameters,
    image_parameters_batch,
    leakage_parameters,
    morphology_parameters,
    number_of_island_sizes,
    number_of_islands,
)

FLOAT32_EPS = np.finfo(np.float32).eps


def _same_partition(ours, ref):
    """Two labellings describe the same islands (whatever their numbers)."""
    assert np.array_equal(ours > 0, ref > 0)
    pairs = set(zip(ours[ours > 0].tolist(), ref[ref > 0].tolist(), strict=True))
    return len(pairs) == len({a for a, _ in pairs}) == len({b for _, b in pairs})


def _check_group(ours, ref, where, rtol=1e-6):
    for name, value in ref.items():
        if name == "_units":
            continue
        assert relative_error(getattr(ours, name), number(value)) <= rtol, (where, name)


@pytest.mark.parametrize("camera", TOY_CAMERAS)
def test_toy_leakage_concentration_morphology_statistics(toy, camera):
    geometry = toy.geometries[camera]
    images = toy.npz[f"{camera}_image"]
    times = toy.npz[f"{camera}_peak_time"]
    for i, k, analysis in toy.analyses(camera):
        where = (camera, i, k)
        mask = toy.mask(camera, i, k)
        _check_group(leakage_parameters(geometry, images[i], mask), analysis["leakage"], where)
        morphology = morphology_parameters(geometry, mask)
        for name, value in analysis["morphology"].items():
            assert getattr(morphology, name) == value, (where, name)
        if "error" in analysis["hillas"]:  # empty mask: ctapipe raises, we give NaN
            stats = descriptive_statistics(images[i][mask])
            assert np.isnan(stats.mean) and np.isnan(stats.max)
            continue
        hillas = hillas_parameters(geometry[mask], images[i][mask])
        concentration = concentration_parameters(geometry[mask], images[i][mask], hillas)
        _check_group(concentration, analysis["concentration"], where)
        intensity = descriptive_statistics(
            images[i][mask], container_class=IntensityStatisticsContainer
        )
        _check_group(intensity, analysis["intensity_statistics"], where)
        peak_time = descriptive_statistics(
            times[i][mask], container_class=PeakTimeStatisticsContainer
        )
        _check_group(peak_time, analysis["peak_time_statistics"], where)


@pytest.mark.parametrize("camera", TOY_CAMERAS)
def test_toy_island_labels(toy, camera):
    geometry = toy.geometries[camera]
    masks = toy.npz[f"{camera}_tailcuts_masks"]
    labels = toy.npz[f"{camera}_tailcuts_island_labels"]
    checked = 0
    for i in range(masks.shape[0]):
        for k in range(masks.shape[1]):
            n, ours = number_of_islands(geometry, masks[i, k])
            assert n == labels[i, k].max()
            assert _same_partition(ours, labels[i, k]), (i, k)
            # the numbering is ctapipe's too: by lowest pixel index
            assert np.array_equal(ours, labels[i, k]), (i, k)
            checked += n > 0
    assert checked > 50


def test_island_sizes_of_a_worked_example():
    labels = np.array([0, 1, 1, 2, 3, 3, 3] + [4] * 51 + [0])
    # island 1: 2 px (small), 2: 1 px (small), 3: 3 px (medium), 4: 51 px (large)
    assert number_of_island_sizes(labels) == (2, 1, 1)


def _check_event_parameters(params, ref, where, frame):
    assert isinstance(params, ImageParametersContainer)
    units = ref["hillas"]["_units"]
    for name, value in ref["hillas"].items():
        if name == "_units":
            continue
        ours = getattr(params.hillas, name)
        if name in units:
            ours = ours.to_value(units[name])
        if name in ("phi", "psi"):
            assert abs(np.deg2rad(ours - number(value))) <= 1e-9, (where, name)
        else:
            assert relative_error(ours, number(value)) <= 1e-6, (where, name)
    assert params.timing.slope.unit == reference_unit(ref["timing"]["_units"]["slope"])
    for group in ("leakage", "concentration"):
        _check_group(getattr(params, group), ref[group], where)
    for name, value in ref["morphology"].items():
        assert getattr(params.morphology, name) == value, (where, name)
    for group in ("intensity_statistics", "peak_time_statistics"):
        ours = getattr(params, group)
        _check_group(
            ours, {k: ref[group][k] for k in ("max", "min", "mean", "std")}, (where, group)
        )
        # ctapipe computes these in float32 (the images are float32), cherenkit in
        # float64: the standardised moments then differ by the float32 resolution
        # of the values relative to their spread (measured: at most 5 times that)
        resolution = FLOAT32_EPS * (abs(ours.mean) + ours.std) / ours.std
        for name in ("skewness", "kurtosis"):
            assert abs(getattr(ours, name) - number(ref[group][name])) <= 10 * resolution, (
                where,
                group,
                name,
            )


@pytest.mark.parametrize("frame", ["camera", "telescope"])
def test_event_files_agree_with_ctapipe(event_images, frame):
    checked = 0
    for item in event_images:
        ref = item.reference[frame]
        geometry = item.camera if frame == "camera" else item.telescope
        params = image_parameters(geometry, item.image, item.mask, item.peak_time)
        if np.isnan(number(ref["hillas"]["intensity"])):
            # ctapipe's ImageProcessor quality cut: selected intensity not > 0
            assert not params.hillas.intensity > 0
            assert not params.hillas.is_valid
            continue
        _check_event_parameters(params, ref, item.name, frame)
        checked += 1
    assert checked == 54


@pytest.mark.parametrize("frame", ["camera", "telescope"])
def test_batch_columns_equal_the_per_image_results(event_images, frame):
    # group the reference images by camera and run each group as one batch
    groups = {}
    for item in event_images:
        geometry = item.camera if frame == "camera" else item.telescope
        groups.setdefault(id(geometry), (geometry, []))[1].append(item)
    prefix = "camera_frame_" if frame == "camera" else ""
    positions = ("x", "y") if frame == "camera" else ("fov_lon", "fov_lat")
    for geometry, items in groups.values():
        columns = image_parameters_batch(
            geometry,
            np.stack([item.image for item in items]),
            np.stack([item.mask for item in items]),
            np.stack([item.peak_time for item in items]),
            island_labels=True,
        )
        for row, item in enumerate(items):
            single = image_parameters(geometry, item.image, item.mask, item.peak_time)
            expected = single.as_dict()
            assert set(expected) <= set(columns), set(expected) - set(columns)
            for key, value in expected.items():
                column = columns[key]
                got = column[row]
                if isinstance(value, u.Quantity):
                    assert column.unit == value.unit, key
                np.testing.assert_array_equal(np.asarray(got), np.asarray(value), err_msg=key)
            assert f"{prefix}hillas_{positions[0]}" in columns
            _, labels = number_of_islands(geometry, item.mask)
            np.testing.assert_array_equal(columns["island_labels"][row], labels)


def test_float32_batches_give_the_float64_results(event_images):
    # DL1 images are float32: the batch kernel takes them as they are (no conversion)
    geometry = event_images[0].camera
    items = [item for item in event_images if item.camera is geometry]
    stack = {
        name: np.stack([getattr(item, name) for item in items]) for name in ("image", "peak_time")
    }
    masks = np.stack([item.mask for item in items])
    single = image_parameters_batch(
        geometry, stack["image"].astype(np.float32), masks, stack["peak_time"].astype(np.float32)
    )
    double = image_parameters_batch(
        geometry,
        stack["image"].astype(np.float32).astype(np.float64),
        masks,
        stack["peak_time"].astype(np.float32).astype(np.float64),
    )
    assert len(items) > 1 and set(single) == set(double)
    for key in double:
        np.testing.assert_array_equal(np.asarray(single[key]), np.asarray(double[key]), key)


def test_two_gain_images_are_refused_with_the_shapes(calib_images):
    item = calib_images[0]
    assert item.image.shape == (2, item.camera.n_pixels)
    mask = np.ones(item.camera.n_pixels, dtype=bool)
    with pytest.raises(ValueError, match=r"image has shape \(2, 1855\).*1855 pixels"):
        image_parameters(item.camera, item.image, mask)
    with pytest.raises(ValueError, match=r"image has shape \(2, 1855\).*1855 pixels"):
        hillas_parameters(item.camera, item.image)
