"""Cleaning masks against ctapipe 0.28: identical, pixel for pixel.

* Toy images (``toy_images.npz``): 20 images per camera (LSTCam, NectarCam, FlashCam,
  CHEC) with tailcuts masks for six settings, a MARS mask and FACT masks for two
  settings. Each is checked through the batch function, the per-image function and
  the plugin class.
* Real events: ``e{i}_t{tel}_image_mask`` is ctapipe's default cleaning (tailcuts
  10/5, two picture neighbours) of ``e{i}_t{tel}_default_image``; the default
  `TailcutsCleaner` must give the same masks, with geometries from the reference
  arrays and from the event source.
"""

import numpy as np
import pytest

from cherenkit_cleaning import (
    FactCleaner,
    MarsCleaner,
    TailcutsCleaner,
    fact_image_cleaning,
    fact_image_cleaning_batch,
    mars_image_cleaning,
    mars_image_cleaning_batch,
    tailcuts_clean,
    tailcuts_clean_batch,
)

from _data_files import SIMTEL_FILES

TOY_CAMERAS = ("LSTCam", "NectarCam", "FlashCam", "CHEC")

EVENT_FILES = ("lst_muons", "gct_checs_muons", "camsettings_v6", "gamma_prod6_tel_event_header_v4")
"""Reference files with cleaning masks (``calib_events`` holds calibration events
without gain selection, ``gamma_merged`` no events)."""


@pytest.fixture(params=TOY_CAMERAS)
def camera(request):
    return request.param


def _assert_same(ours, expected, label):
    differ = np.flatnonzero((ours != expected).reshape(len(expected), -1).any(axis=1))
    assert ours.shape == expected.shape, label
    assert ours.dtype == np.bool_, label
    assert differ.size == 0, f"{label}: masks differ in images {differ.tolist()}"


def test_every_tailcuts_setting_is_checked(toy_reference):
    settings = toy_reference.info["tailcuts_settings"]
    assert [s["index"] for s in settings] == list(range(6))
    assert toy_reference["LSTCam_tailcuts_masks"].shape == (20, 6, 1855)
    # the settings cover both branches of keep_isolated_pixels and of the neighbour count
    assert {(s["keep_isolated_pixels"], s["min_number_picture_neighbors"]) for s in settings} == {
        (False, 2),
        (True, 2),
        (False, 1),
        (True, 1),
    }


def test_toy_tailcuts_masks(toy_reference, camera):
    geometry = toy_reference.geometries[camera]
    images = toy_reference[f"{camera}_image"]
    expected = toy_reference[f"{camera}_tailcuts_masks"]
    for setting in toy_reference.info["tailcuts_settings"]:
        kwargs = {k: v for k, v in setting.items() if k != "index"}
        want = expected[:, setting["index"]]
        label = f"{camera} tailcuts {kwargs}"
        assert want.any(), label  # a setting that keeps nothing would prove nothing
        _assert_same(tailcuts_clean_batch(geometry, images, **kwargs), want, label)
        per_image = np.array([tailcuts_clean(geometry, image, **kwargs) for image in images])
        _assert_same(per_image, want, label + " per image")
        _assert_same(TailcutsCleaner(**kwargs)(geometry, images), want, label + " class")


def test_toy_tailcuts_cluster_counts(toy_reference, camera):
    """The pixel counts of the JSON summary agree with the npz masks we compare to."""
    masks = toy_reference[f"{camera}_tailcuts_masks"]
    for i, image in enumerate(toy_reference.info["cameras"][camera]["images"]):
        for entry in image["tailcuts"]:
            assert masks[i, entry["index"]].sum() == entry["n_pixels"]


def test_toy_mars_masks(toy_reference, camera):
    geometry = toy_reference.geometries[camera]
    images = toy_reference[f"{camera}_image"]
    want = toy_reference[f"{camera}_mars_mask"]
    kwargs = toy_reference.info["mars_cleaning_1st_pass_settings"]
    label = f"{camera} mars {kwargs}"
    assert want.any()
    _assert_same(mars_image_cleaning_batch(geometry, images, **kwargs), want, label)
    per_image = np.array([mars_image_cleaning(geometry, image, **kwargs) for image in images])
    _assert_same(per_image, want, label + " per image")
    _assert_same(MarsCleaner(**kwargs)(geometry, images), want, label + " class")
    # the second ring adds pixels to the tailcuts of the same settings in some image
    tailcuts = tailcuts_clean_batch(geometry, images, **kwargs)
    assert (want & ~tailcuts).any() and not (tailcuts & ~want).any()


def test_toy_fact_masks(toy_reference, camera):
    geometry = toy_reference.geometries[camera]
    images = toy_reference[f"{camera}_image"]
    times = toy_reference[f"{camera}_peak_time"]
    expected = toy_reference[f"{camera}_fact_masks"]
    for index, kwargs in enumerate(toy_reference.info["fact_image_cleaning_settings"]):
        want = expected[:, index]
        label = f"{camera} fact {kwargs}"
        assert want.any(), label
        _assert_same(fact_image_cleaning_batch(geometry, images, times, **kwargs), want, label)
        per_image = np.array(
            [
                fact_image_cleaning(geometry, i, t, **kwargs)
                for i, t in zip(images, times, strict=True)
            ]
        )
        _assert_same(per_image, want, label + " per image")
        _assert_same(FactCleaner(**kwargs)(geometry, images, times), want, label + " class")


# --- real events -------------------------------------------------------------------


def test_every_file_with_cleaning_masks_is_checked(reference_dir):
    with_masks = set()
    for name in SIMTEL_FILES:
        with np.load(reference_dir / "ctapipe" / f"{name}.npz") as npz:
            if any(key.endswith("_image_mask") for key in npz.files):
                with_masks.add(name)
    assert with_masks == set(EVENT_FILES)


@pytest.mark.parametrize("name", EVENT_FILES)
def test_default_cleaning_of_events(event_reference, name):
    ref = event_reference(name)
    cleaner = TailcutsCleaner()
    by_type = {}
    n_checked = 0
    for event, tel_id, image, want in ref.masks():
        geometry = ref.type_geometries[ref.type_of_tel[tel_id]]
        ours = cleaner(geometry, image)
        label = f"{name} event {event} tel {tel_id}"
        assert ours.shape == want.shape and ours.dtype == np.bool_, label
        np.testing.assert_array_equal(ours, want, err_msg=label)
        by_type.setdefault(ref.type_of_tel[tel_id], []).append((image, want))
        n_checked += 1
    assert n_checked == sum(len(e["tels_with_data"]) for e in ref.info["events"]) > 0
    assert any(mask.any() for pairs in by_type.values() for _, mask in pairs)
    # the same images as one batch per telescope type
    for type_index, pairs in by_type.items():
        images = np.array([image for image, _ in pairs])
        want = np.array([mask for _, mask in pairs])
        _assert_same(cleaner(ref.type_geometries[type_index], images), want, f"{name} batch")


@pytest.mark.data
@pytest.mark.parametrize("name", EVENT_FILES)
def test_default_cleaning_with_event_source_geometry(event_reference, simtel_path, name):
    from cherenkit.events import EventSource

    ref = event_reference(name)
    choice = ref.focal_length_choice.lower()
    with EventSource(simtel_path(name), focal_length_choice=choice) as source:
        subarray = source.subarray
    cleaner = TailcutsCleaner()
    n_checked = 0
    for event, tel_id, image, want in ref.masks():
        geometry = subarray.tel[tel_id].camera.geometry
        ours = cleaner(geometry, image)
        np.testing.assert_array_equal(ours, want, err_msg=f"{name} event {event} tel {tel_id}")
        n_checked += 1
    assert n_checked > 0
