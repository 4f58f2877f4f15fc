"""CameraCalibrator on the tiny subarray (see conftest): selection, batches, events."""

from types import SimpleNamespace

import numpy as np
import pytest

from cherenkit.calib import CameraCalibrator, LocalPeakWindowSum, NeighborPeakWindowSum
from cherenkit.config import Config
from cherenkit.errors import ConfigError, ParameterError
from cherenkit.events import ArrayEvent, TelescopeBatch, TelescopeEvent

TYPE = "MST_TINY_Tiny"
WINDOW = {"window_width": 3, "window_shift": 1}


def telescope_batch(tel_ids, waveforms, gain=None):
    n = len(tel_ids)
    return TelescopeBatch(
        telescope_type=TYPE,
        event_index=np.arange(n),
        obs_id=np.ones(n, np.int64),
        event_id=np.arange(n),
        tel_id=np.asarray(tel_ids, np.int16),
        r1_waveform=waveforms,
        selected_gain_channel=gain,
        pointing_alt_rad=np.full(n, 1.2),
        pointing_az_rad=np.zeros(n),
    )


@pytest.fixture
def rows(tiny_waveforms):
    """Four telescope events: tel 1, 2, 4, 1; gains [0, 1, 1] in each."""
    rng = np.random.default_rng(3)
    waveforms = rng.normal(0, 1, (4, 3, 8)).astype(np.float32)
    waveforms[0] = tiny_waveforms[0]
    gain = np.tile(np.array([0, 1, 1], np.int8), (4, 1))
    return [1, 2, 4, 1], waveforms, gain


def test_default_is_ctapipe_s(tiny_subarray):
    calibrator = CameraCalibrator(tiny_subarray)
    extractor = calibrator.extractor_for(TYPE)
    assert extractor == NeighborPeakWindowSum()
    assert calibrator.apply_peak_time_shift is True
    assert "image_extractor=NeighborPeakWindowSum(window_width=7" in repr(calibrator)


def test_extractor_selection(tiny_subarray):
    by_keywords = CameraCalibrator(tiny_subarray, "local-peak", window_width=5)
    assert by_keywords.extractor_for(TYPE) == LocalPeakWindowSum(window_width=5)
    instance = CameraCalibrator(tiny_subarray, LocalPeakWindowSum(window_shift=2))
    assert instance.extractor_for(TYPE).window_shift == 2
    table = {
        "name": "local-peak",
        "window_width": 5,
        "per_telescope_type": {TYPE: {"window_width": 3}},
    }
    calibrator = CameraCalibrator(tiny_subarray, table)
    assert calibrator.extractor_for(TYPE).window_width == 3
    assert calibrator.extractor_for("SST_TINY_Sums").window_width == 5
    assert repr(calibrator).endswith(f"overridden for ['{TYPE}'])")
    config = Config.from_dict({"process": {"extractor": table}})
    from_config = CameraCalibrator(tiny_subarray, config.process.extractor)
    assert from_config.extractor_for(TYPE) == calibrator.extractor_for(TYPE)


def test_bad_selection(tiny_subarray):
    with pytest.raises(ConfigError, match=r"No charge-extractor named 'local-peek'.*local-peak"):
        CameraCalibrator(tiny_subarray, "local-peek")
    with pytest.raises(ConfigError, match=r"has no parameter 'window'.*window_width"):
        CameraCalibrator(tiny_subarray, "local-peak", window=5)
    with pytest.raises(ConfigError, match=r"window_width.*out of range"):
        CameraCalibrator(tiny_subarray, "local-peak", window_width=0)
    with pytest.raises(
        ParameterError, match=r"image_extractor: extractor parameters \(window_width\)"
    ):
        CameraCalibrator(tiny_subarray, LocalPeakWindowSum(), window_width=5)
    with pytest.raises(ParameterError, match=r"apply_peak_time_shift: expected true or false"):
        CameraCalibrator(tiny_subarray, apply_peak_time_shift="yes")


def test_batch_uses_each_telescope_s_camera(tiny_subarray, rows):
    tel_ids, waveforms, gain = rows
    calibrator = CameraCalibrator(tiny_subarray, "local-peak", **WINDOW)
    image, peak_time = calibrator.calibrate_batch(telescope_batch(tel_ids, waveforms, gain))
    assert image.shape == peak_time.shape == (4, 3) and image.dtype == np.float32
    extractor = LocalPeakWindowSum(**WINDOW)
    for row, tel_id in enumerate(tel_ids):
        camera = tiny_subarray.tel_descriptions[tel_id].camera
        expected = extractor(
            waveforms[row : row + 1], camera=camera, selected_gain_channel=gain[[row]]
        )
        np.testing.assert_array_equal(image[row], expected[0][0])
        np.testing.assert_array_equal(peak_time[row], expected[1][0])
    # tel 4 has the tiny type string but its reference pulses swapped: correction 3 in
    # channel 0, 1 in channel 1 (tel 1, 2: 1 and 3)
    plain = LocalPeakWindowSum(apply_integration_correction=False, **WINDOW)
    raw, _ = plain(waveforms, camera=tiny_subarray.tel_descriptions[1].camera)
    np.testing.assert_allclose(image[2] / raw[2], [3, 1, 1], rtol=1e-6)
    np.testing.assert_allclose(image[3] / raw[3], [1, 3, 3], rtol=1e-6)


def test_event_matches_batch(tiny_subarray, rows):
    tel_ids, waveforms, gain = rows
    calibrator = CameraCalibrator(tiny_subarray)
    image, peak_time = calibrator.calibrate_batch(
        telescope_batch(tel_ids[:3], waveforms[:3], gain[:3])
    )
    event = ArrayEvent(obs_id=1, event_id=1)
    for row, tel_id in enumerate(tel_ids[:3]):
        event.tel[tel_id] = TelescopeEvent(
            tel_id=tel_id, r1_waveform=waveforms[row], selected_gain_channel=gain[row]
        )
    event.tel[9] = TelescopeEvent(tel_id=9)  # no waveforms: left out
    result = calibrator(event)
    assert list(result) == [1, 2, 4]
    for row, tel_id in enumerate(tel_ids[:3]):
        np.testing.assert_array_equal(result[tel_id][0], image[row])
        np.testing.assert_array_equal(result[tel_id][1], peak_time[row])


def test_every_gain_channel(tiny_subarray, rows):
    """R1 that is not gain-selected gives one image per channel, each with its correction."""
    tel_ids, waveforms, _ = rows
    calibrator = CameraCalibrator(tiny_subarray, "local-peak", **WINDOW)
    both = np.stack([waveforms, 2 * waveforms], axis=1)  # [n, n_channels, pix, samples]
    image, peak_time = calibrator.calibrate_batch(telescope_batch(tel_ids, both))
    assert image.shape == peak_time.shape == (4, 2, 3)
    for channel in (0, 1):
        gain = np.full((4, 3), channel)
        expected = calibrator.calibrate_batch(telescope_batch(tel_ids, both[:, channel], gain))
        np.testing.assert_array_equal(image[:, channel], expected[0])
        np.testing.assert_array_equal(peak_time[:, channel], expected[1])
    single = calibrator.calibrate_telescope(both[0], tel_id=1)
    np.testing.assert_array_equal(single[0], image[0])
    np.testing.assert_array_equal(single[1], peak_time[0])


def test_one_sample_cameras_bypass_the_extractor(tiny_subarray):
    sums = np.array([[[4.0], [-1.0], [2.5]]], np.float32)
    image, peak_time = CameraCalibrator(tiny_subarray).calibrate_batch(telescope_batch([3], sums))
    np.testing.assert_array_equal(image, [[4, -1, 2.5]])
    np.testing.assert_array_equal(peak_time, np.zeros((1, 3)))
    every_channel = np.concatenate([sums, 2 * sums])  # [n_channels, n_pixels, 1]
    image, peak_time = CameraCalibrator(tiny_subarray).calibrate_telescope(every_channel, tel_id=3)
    np.testing.assert_array_equal(image, [[4, -1, 2.5], [8, -2, 5]])
    np.testing.assert_array_equal(peak_time, np.zeros((2, 3)))


def test_time_shift_per_gain_channel(tiny_subarray, rows):
    tel_ids, waveforms, gain = rows
    calibrator = CameraCalibrator(tiny_subarray, "local-peak", **WINDOW)
    batch = telescope_batch(tel_ids, waveforms, gain)
    _, unshifted = calibrator.calibrate_batch(batch)
    per_channel = np.zeros((4, 2, 3), np.float32)
    per_channel[:, 0] = 1.5
    per_channel[:, 1] = [10, 20, 30]
    selected = np.tile(np.array([1.5, 20, 30], np.float32), (4, 1))  # gains [0, 1, 1]
    expected = unshifted - selected
    _, peak_time = calibrator.calibrate_batch(batch, time_shift=per_channel)
    np.testing.assert_array_equal(peak_time, expected)
    _, peak_time = calibrator.calibrate_batch(batch, time_shift=selected)
    np.testing.assert_array_equal(peak_time, expected)
    # from the batch itself (a field event sources may carry)
    carrying = SimpleNamespace(**{f: getattr(batch, f) for f in ("telescope_type", "tel_id")})
    carrying.r1_waveform, carrying.selected_gain_channel = waveforms, gain
    carrying.time_shift = per_channel
    np.testing.assert_array_equal(calibrator.calibrate_batch(carrying)[1], expected)
    off = CameraCalibrator(tiny_subarray, "local-peak", apply_peak_time_shift=False, **WINDOW)
    np.testing.assert_array_equal(off.calibrate_batch(carrying)[1], unshifted)


def test_time_shift_of_events(tiny_subarray, rows):
    _, waveforms, gain = rows
    calibrator = CameraCalibrator(tiny_subarray, "local-peak", **WINDOW)
    shift = np.array([[1, 2, 3], [10, 20, 30]], np.float32)
    tel = SimpleNamespace(r1_waveform=waveforms[0], selected_gain_channel=gain[0], time_shift=shift)
    event = SimpleNamespace(tel={1: tel})
    _, unshifted = calibrator.calibrate_telescope(
        waveforms[0], tel_id=1, selected_gain_channel=gain[0]
    )
    np.testing.assert_array_equal(calibrator(event)[1][1], unshifted - [1, 20, 30])
    given = calibrator(event, time_shift={1: shift + 1})[1][1]
    np.testing.assert_array_equal(given, unshifted - [2, 21, 31])


def test_bad_input(tiny_subarray, rows):
    tel_ids, waveforms, gain = rows
    calibrator = CameraCalibrator(tiny_subarray)
    with pytest.raises(ParameterError, match=r"the MST_TINY_Tiny batch has no R1 waveforms"):
        calibrator.calibrate_batch(telescope_batch(tel_ids, None))
    with pytest.raises(ParameterError, match=r"tel_id: telescope 7 is not in subarray 'tiny'"):
        calibrator.calibrate_telescope(waveforms[0], tel_id=7)
    with pytest.raises(
        ParameterError, match=r"telescope 1: expected R1 of shape \(n_pixels, n_samples\)"
    ):
        calibrator.calibrate_telescope(waveforms[0, 0], tel_id=1)
    with pytest.raises(
        ParameterError, match=r"time_shift: expected shape \(n, n_channels, n_pixels\)"
    ):
        calibrator.calibrate_batch(
            telescope_batch(tel_ids, waveforms, gain), time_shift=np.zeros(3)
        )
