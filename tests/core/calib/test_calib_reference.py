"""DL1 images and peak times against ctapipe 0.28 on every sim_telarray file with events.

The references (``reference/ctapipe/<file>.json|npz``) hold, per event and telescope,
the image and peak time of ctapipe's ``CameraCalibrator`` with each extractor. Shower
events are gain-selected; calibration events are not (ctapipe keeps every gain
channel for them), so they are compared channel by channel with R1 read
``select_gain=False``. Peak times include sim_telarray's per-pixel time offsets
(``tm_calib``), which ctapipe subtracts; the simtel source carries them as
``time_shift`` and the calibrator subtracts them.
"""

import json

import numpy as np
import pytest

from cherenkit.calib import CameraCalibrator
from cherenkit.events import EventBatch, EventSource

pytestmark = pytest.mark.data

FILES = {  # reference name: (file, focal_length_choice), from the reference README
    "calib_events": ("calib_events.simtel.gz", "equivalent"),
    "camsettings_v6": ("camsettings_v6.simtel.zst", "effective"),
    "gamma_prod6_tel_event_header_v4": ("gamma_prod6_tel_event_header_v4.simtel.zst", "effective"),
    "gct_checs_muons": ("gct_checs_muons.simtel.zst", "effective"),
    "lst_muons": ("lst_muons.simtel.zst", "equivalent"),
}
EXTRACTORS = {  # ctapipe class name (or "default") → cherenkit extractor name
    "FullWaveformSum": "full-waveform",
    "LocalPeakWindowSum": "local-peak",
    "NeighborPeakWindowSum": "neighbor-peak",
    "GlobalPeakWindowSum": "global-peak",
    "default": None,
}
SHOWER_FILES = [name for name in FILES if name != "calib_events"]  # that one: a pedestal event
TOLERANCE = {"rtol": 1e-6, "atol": 1e-6}  # p.e. and ns; the results are in fact identical


class Reference:
    """One reference file: the events read by cherenkit and what ctapipe made of them."""

    def __init__(self, reference_dir, data_dir, name):
        file, focal_length = FILES[name]
        self.path = data_dir / "simtel" / file
        self.json = json.loads((reference_dir / "ctapipe" / f"{name}.json").read_text())
        self.npz = dict(np.load(reference_dir / "ctapipe" / f"{name}.npz"))
        options = {"focal_length_choice": focal_length, "skip_calibration_events": False}
        with EventSource(self.path, **options) as source:
            self.subarray = source.subarray
            self.events = list(source)
        with EventSource(self.path, select_gain=False, **options) as source:
            self.events_every_gain = list(source)

    def expected(self, index, tel_id, extractor):
        key = f"e{index}_t{tel_id}_{extractor}"
        return self.npz[f"{key}_image"], self.npz[f"{key}_peak_time"]

    def shower_events(self):
        return [e for e in self.events if e.event_type == "SUBARRAY"]

    def calibration_events(self):
        return [e for e in self.events_every_gain if e.event_type != "SUBARRAY"]


@pytest.fixture(scope="module")
def reference(reference_dir, data_dir):
    cache = {}

    def load(name):
        if name not in cache:
            cache[name] = Reference(reference_dir, data_dir, name)
        return cache[name]

    return load


def _calibrator(subarray, extractor, **kwargs):
    name = EXTRACTORS[extractor]
    return (
        CameraCalibrator(subarray, **kwargs)
        if name is None
        else CameraCalibrator(subarray, name, **kwargs)
    )


def test_every_file_with_events_is_covered(reference_dir):
    with_events = {
        path.stem
        for path in (reference_dir / "ctapipe").glob("*.json")
        if json.loads(path.read_text()).get("n_events")
    }
    assert with_events == set(FILES)


@pytest.mark.parametrize("extractor", EXTRACTORS)
@pytest.mark.parametrize("name", SHOWER_FILES)
def test_shower_events_in_batches(reference, name, extractor):
    ref = reference(name)
    events = ref.shower_events()
    assert events
    calibrator = _calibrator(ref.subarray, extractor)
    batch = EventBatch.from_events(events, ref.subarray)
    n_compared = 0
    for tel_batch in batch.telescopes.values():
        counts = batch.count[tel_batch.event_index]
        assert tel_batch.time_shift is not None  # sim_telarray's tm_calib, from the source
        image, peak_time = calibrator.calibrate_batch(tel_batch)
        for row, (count, tel_id) in enumerate(zip(counts, tel_batch.tel_id, strict=True)):
            expected_image, expected_time = ref.expected(count, tel_id, extractor)
            np.testing.assert_allclose(image[row], expected_image, **TOLERANCE)
            np.testing.assert_allclose(peak_time[row], expected_time, **TOLERANCE)
            n_compared += 1
    assert n_compared == sum(len(e.tel) for e in events)


@pytest.mark.parametrize("extractor", EXTRACTORS)
def test_calibration_events_every_gain_channel(reference, extractor):
    ref = reference("calib_events")
    events = ref.calibration_events()
    assert events, "calib_events holds a pedestal event"
    calibrator = _calibrator(ref.subarray, extractor)
    for event in events:
        result = calibrator(event)
        assert set(result) == set(event.tel)
        for tel_id, (image, peak_time) in result.items():
            expected_image, expected_time = ref.expected(event.count, tel_id, extractor)
            assert image.shape == expected_image.shape  # (n_channels, n_pixels)
            np.testing.assert_allclose(image, expected_image, **TOLERANCE)
            # ctapipe gives one row of zeros for one-sample cameras; broadcast it
            expected_time = np.broadcast_to(expected_time, peak_time.shape)
            np.testing.assert_allclose(peak_time, expected_time, **TOLERANCE)


@pytest.mark.parametrize("name", FILES)
def test_per_event_sums(reference, name):
    """The per-telescope sums of the JSON file, through the per-event call."""
    ref = reference(name)
    every_gain = {e.count: e for e in ref.calibration_events()}
    records = {e["index"]: e for e in ref.json["events"]}
    for extractor in EXTRACTORS:
        calibrator = _calibrator(ref.subarray, extractor)
        for event in ref.events:
            event = every_gain.get(event.count, event)
            result = calibrator(event)
            for tel_id, (image, peak_time) in result.items():
                dl1 = records[event.count]["tel"][str(tel_id)]["dl1"][extractor]
                assert list(image.shape) == dl1["image_shape"]
                np.testing.assert_allclose(image.sum(dtype=float), dl1["image_sum"], rtol=1e-6)
                np.testing.assert_allclose(image.max(), dl1["image_max"], rtol=1e-6)
                np.testing.assert_allclose(
                    peak_time.sum(dtype=float), dl1["peak_time_sum"], rtol=1e-6, atol=1e-3
                )


def test_peak_times_include_the_readout_time_offsets(reference):
    """Without subtracting tm_calib, LSTCam peak times are off by it (up to ns)."""
    ref = reference("lst_muons")
    event = ref.events[0]
    shift = event.tel[1].time_shift[0]  # high gain, every pixel of this event
    assert np.abs(shift).max() > 0.5
    raw = _calibrator(ref.subarray, "default", apply_peak_time_shift=False)(event)[1][1]
    _, expected = ref.expected(event.count, 1, "default")
    np.testing.assert_allclose(raw - shift, expected, **TOLERANCE)
    assert np.abs(raw - expected).max() > 0.5


@pytest.mark.parametrize("name", FILES)
def test_no_reference_event_has_broken_pixels(reference, name):
    """ctapipe's invalid-pixel step (NeighborAverage) only touches disabled pixels: none here."""
    eventio = pytest.importorskip("eventio")
    with eventio.SimTelFile(str(reference(name).path)) as simtel:
        disabled = {
            tel_id: len(description["disabled_pixels"]["HV_disabled"])
            for tel_id, description in simtel.telescope_descriptions.items()
        }
    assert not any(disabled.values()), disabled
