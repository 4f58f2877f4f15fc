"""ImageProcessor on real events: ctapipe's default cleaning and parameters, batch-first."""

import json

import numpy as np
import pytest

from cherenkit.calib import CameraCalibrator
from cherenkit.errors import ConfigError, ParameterError
from cherenkit.events import EventBatch, EventSource
from cherenkit.image import ImageProcessor, ImageQualityCriteria

pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def lst_muons(data_dir, reference_dir):
    path = data_dir / "simtel" / "lst_muons.simtel.zst"
    with EventSource(path, focal_length_choice="equivalent") as source:
        subarray, events = source.subarray, list(source)
    reference = json.loads((reference_dir / "ctapipe" / "lst_muons.json").read_text())
    masks = np.load(reference_dir / "ctapipe" / "lst_muons.npz")
    batch = EventBatch.from_events(events, subarray)
    [tel_batch] = batch.telescopes.values()
    image, peak_time = CameraCalibrator(subarray).calibrate_batch(tel_batch)
    return subarray, tel_batch, image, peak_time, reference, masks


def test_default_cleaning_and_parameters_match_ctapipe(lst_muons):
    subarray, tel_batch, image, peak_time, reference, masks = lst_muons
    processor = ImageProcessor(subarray, focal_length_choice="equivalent")
    columns = processor.process_batch(tel_batch, image, peak_time)
    assert columns["image_mask"].shape == image.shape
    n_checked = 0
    for row, event in enumerate(reference["events"]):
        expected_mask = masks[f"e{event['index']}_t1_image_mask"]
        np.testing.assert_array_equal(columns["image_mask"][row], expected_mask)
        hillas = event["tel"]["1"]["image_parameters"]["hillas"]
        if not isinstance(hillas, dict) or hillas.get("intensity") in (None, "nan"):
            continue
        for field in ("intensity", "fov_lon", "fov_lat", "length", "width", "psi"):
            ours = columns[f"hillas_{field}"][row]
            np.testing.assert_allclose(
                getattr(ours, "value", ours), hillas[field], rtol=1e-6, atol=1e-9
            )
        n_checked += 1
    assert n_checked >= 20
    assert columns["is_good"].dtype == bool


def test_camera_frame_and_per_type_overrides(lst_muons):
    subarray, tel_batch, image, peak_time, reference, _ = lst_muons
    strict = ImageProcessor(
        subarray,
        {
            "name": "tailcuts",
            "per_telescope_type": {tel_batch.telescope_type: {"picture_thresh": 40.0}},
        },
        use_telescope_frame=False,
    )
    default = ImageProcessor(subarray, "tailcuts", use_telescope_frame=False)
    a = strict.process_batch(tel_batch, image, peak_time)
    b = default.process_batch(tel_batch, image, peak_time)
    assert "camera_frame_hillas_x" in a
    assert a["image_mask"].sum() < b["image_mask"].sum()  # a higher picture threshold keeps fewer
    x = reference["events"][0]["tel"]["1"]["image_parameters_camera_frame"]["hillas"]["x"]
    np.testing.assert_allclose(b["camera_frame_hillas_x"][0].value, x, rtol=1e-6)


def test_quality_selection_flags_images(lst_muons):
    subarray, tel_batch, image, peak_time, _, _ = lst_muons
    loose = ImageProcessor(subarray, focal_length_choice="equivalent").process_batch(
        tel_batch, image, peak_time
    )
    intensity = loose["hillas_intensity"]
    median = float(np.nanmedian(intensity))  # muon rings: every image is above 1000 p.e.
    tight = ImageProcessor(
        subarray,
        focal_length_choice="equivalent",
        quality=ImageQualityCriteria(min_intensity=median),
    ).process_batch(tel_batch, image, peak_time)
    assert np.array_equal(tight["is_good"], loose["is_good"] & (intensity > median))
    assert 0 < tight["is_good"].sum() < loose["is_good"].sum()


def test_bad_input(lst_muons):
    subarray, tel_batch, image, peak_time, _, _ = lst_muons
    with pytest.raises(ParameterError, match=r"has no effective focal length"):
        ImageProcessor(subarray).process_batch(tel_batch, image, peak_time)
    with pytest.raises(
        ParameterError,
        match=r"ImageProcessor.image: expected shape \(30, n_pixels\), got \(1855,\)",
    ):
        ImageProcessor(subarray, focal_length_choice="equivalent").process_batch(
            tel_batch, image[0], peak_time
        )
    with pytest.raises(ConfigError, match=r"No cleaner named 'tailcut'.*Did you mean 'tailcuts'\?"):
        ImageProcessor(subarray, "tailcut")
    with pytest.raises(
        ParameterError,
        match=r"ImageQualityCriteria.max_leakage_intensity_width_2: value 2.0 is out of range",
    ):
        ImageQualityCriteria(max_leakage_intensity_width_2=2)
