"""SimTelEventSource behaviour: dispatch, iteration, batches, options, printing."""

import astropy.units as u
import attrs
import numpy as np
import pytest

from cherenkit import registry
from cherenkit.events import EventBatch, EventSource
from cherenkit.testing import check_plugin_class
from cherenkit_simtel import SimTelEventSource, calibrate_r1, select_gain_channel

from _data_files import SIMTEL_FILES


def test_plugin_contract():
    check_plugin_class(SimTelEventSource)
    assert SimTelEventSource.summary() == "sim_telarray files (gzip or zstd) read through eventio."


def test_registered_under_its_name():
    assert registry.get("event-source", "simtel") is SimTelEventSource
    info = registry.get_registry().info("event-source", "simtel")
    assert info.distribution.startswith("cherenkit-simtel")


def test_template_without_path():
    template = SimTelEventSource(focal_length_choice="equivalent", max_events=3)
    assert template.subarray is None
    assert template.focal_length_choice == "equivalent"
    assert template.skip_calibration_events is True
    assert template.gain_selection_threshold == 4000.0
    assert template.select_gain is True


@pytest.mark.data
@pytest.mark.parametrize("name", SIMTEL_FILES)
def test_dispatch_picks_simtel(simtel_file, name):
    path = simtel_file(name)
    assert SimTelEventSource.is_compatible(path)
    with EventSource(path, focal_length_choice="equivalent") as source:
        assert type(source) is SimTelEventSource
        assert source.path == path


@pytest.mark.data
def test_template_opens_with_evolve(simtel_file):
    template = SimTelEventSource(focal_length_choice="equivalent", max_events=2)
    with attrs.evolve(template, path=simtel_file("lst_muons")) as source:
        assert [e.event_id for e in source] == [100, 200]


@pytest.mark.data
def test_max_events_and_reiteration(simtel_file):
    with SimTelEventSource(simtel_file("gct_checs_muons"), max_events=5) as source:
        first = [event.event_id for event in source]
        again = [event.event_id for event in source]  # reads the file again from its start
    assert first == again == [100, 200, 300, 400, 500]
    with SimTelEventSource(simtel_file("gct_checs_muons"), max_events=0) as source:
        assert list(source) == []


@pytest.mark.data
def test_close_during_iteration(simtel_file):
    source = SimTelEventSource(simtel_file("gct_checs_muons"))
    events = iter(source)
    next(events)
    source.close()
    with pytest.raises(ValueError, match="the event source was closed during iteration"):
        list(events)


@pytest.mark.data
def test_allowed_tels(simtel_file):
    path = simtel_file("camsettings_v6")
    with SimTelEventSource(path, allowed_tels=(1, 5, 9)) as source:
        assert source.subarray.tel_ids.tolist() == [1, 5, 9]
        assert source.subarray.name == "LaPalma-prod6"
        (event,) = list(source)
    assert event.tels_with_trigger.tolist() == [1, 5, 9]
    assert event.tels_with_data == [1, 5, 9]
    assert sorted(source.focal_lengths) == [1, 5, 9]


@pytest.mark.data
def test_allowed_tels_without_triggered_telescopes(simtel_file):
    # telescope 6 did not trigger: no event has data from it, so none is read
    with SimTelEventSource(simtel_file("camsettings_v6"), allowed_tels=(6,)) as source:
        assert list(source) == []


@pytest.mark.data
def test_event_contents(simtel_file):
    with SimTelEventSource(simtel_file("camsettings_v6")) as source:
        (event,) = list(source)
    tel = event.tel[1]
    readout = source.subarray.tel[1].camera.readout
    n_pixels, n_samples = readout.n_pixels, readout.n_samples
    assert tel.r0_waveform.shape == (2, n_pixels, n_samples)
    assert tel.r0_waveform.dtype == np.uint16
    assert tel.r1_waveform.shape == (n_pixels, n_samples)
    assert tel.r1_waveform.dtype == np.float32
    assert tel.selected_gain_channel.shape == (n_pixels,)
    assert tel.selected_gain_channel.dtype == np.int8
    assert tel.pedestal_per_sample.shape == tel.dc_to_pe.shape == (2, n_pixels)
    assert tel.pedestal_per_sample.dtype == tel.dc_to_pe.dtype == np.float32
    assert not tel.pedestal_per_sample.flags.writeable
    np.testing.assert_array_equal(
        tel.r1_waveform,
        calibrate_r1(tel.r0_waveform, tel.pedestal_per_sample, tel.dc_to_pe)[0],
    )
    assert tel.true_image.shape == (n_pixels,)
    # telescope trigger times lie within a microsecond of the array trigger
    for tel_event in event.tel.values():
        assert abs((tel_event.time - event.time).to_value(u.ns)) < 1000
    assert event.time.isot == "2022-06-02T08:22:05.583"


@pytest.mark.data
def test_gain_selection_threshold(simtel_file):
    path = simtel_file("lst_muons")
    with SimTelEventSource(path, focal_length_choice="equivalent", max_events=1) as source:
        tel = next(iter(source)).tel[1]
    high_gain = tel.r0_waveform[0]
    threshold = float(np.median(high_gain.max(axis=1)))  # about half the pixels above
    with SimTelEventSource(
        path, focal_length_choice="equivalent", max_events=1, gain_selection_threshold=threshold
    ) as source:
        selected = next(iter(source)).tel[1]
    low = high_gain.max(axis=1) > threshold
    assert 0 < low.sum() < len(low)
    np.testing.assert_array_equal(selected.selected_gain_channel, low.astype(np.int8))
    both = calibrate_r1(tel.r0_waveform, tel.pedestal_per_sample, tel.dc_to_pe)
    np.testing.assert_array_equal(selected.r1_waveform[low], both[1][low])
    np.testing.assert_array_equal(selected.r1_waveform[~low], both[0][~low])


@pytest.mark.data
def test_gain_selection_as_ctapipe_at_a_low_threshold(simtel_file):
    # ctapipe 0.28, SimTelEventSource(focal_length_choice="EQUIVALENT") with
    # ThresholdGainSelector.threshold = 330: R1 sum and low-gain pixels of events 0-2
    expected = [(2462.887173302275, 1731), (3817.934219688519, 1718), (3556.3903404374214, 1734)]
    options = {"focal_length_choice": "equivalent", "max_events": 3}
    with SimTelEventSource(
        simtel_file("lst_muons"), gain_selection_threshold=330.0, **options
    ) as source:
        ours = [
            (
                float(e.tel[1].r1_waveform.sum(dtype=np.float64)),
                int((e.tel[1].selected_gain_channel == 1).sum()),
            )
            for e in source
        ]
    assert ours == expected


@pytest.mark.data
def test_calibration_events(simtel_file):
    path = simtel_file("calib_events")
    with SimTelEventSource(path, focal_length_choice="equivalent") as source:
        assert list(source) == []  # skipped by default
    options = {"focal_length_choice": "equivalent", "skip_calibration_events": False}
    with SimTelEventSource(path, **options) as source:
        (event,) = list(source)
    with SimTelEventSource(path, select_gain=False, **options) as source:
        (all_gains,) = list(source)
    assert event.event_type == "SKY_PEDESTAL"
    assert event.simulation is None
    for tel_id, tel in event.tel.items():
        n_gains, n_pixels, n_samples = tel.r0_waveform.shape
        assert tel.r1_waveform.shape == (n_pixels, n_samples)  # gain-selected like physics
        assert all_gains.tel[tel_id].r1_waveform.shape == (n_gains, n_pixels, n_samples)
        assert all_gains.tel[tel_id].selected_gain_channel is None
        assert (tel.true_image == -1).all()  # the file stores true images, this has none


@pytest.mark.data
def test_iter_batches_per_telescope_type(simtel_file):
    with SimTelEventSource(simtel_file("gamma_prod6_tel_event_header_v4")) as source:
        (batch,) = list(source.iter_batches(10))
        subarray = source.subarray
    assert isinstance(batch, EventBatch)
    assert batch.n_events == 1
    assert batch.shower["energy_tev"] == pytest.approx([0.075], rel=1e-7)
    # LST-1 and LST-2..4 differ but share one type string: one batch holds both
    assert list(batch.telescopes) == ["LST_LST_LSTcam", "MST_MST_NectarCam"]
    lst, mst = batch.telescopes["LST_LST_LSTcam"], batch.telescopes["MST_MST_NectarCam"]
    assert lst.tel_id.tolist() == [1, 2, 3]
    assert mst.tel_id.tolist() == [5, 6, 7, 24]
    assert lst.r1_waveform.shape == (3, 1855, 40)
    assert mst.r1_waveform.shape == (4, 1855, 60)
    assert lst.r1_waveform.dtype == np.float32
    assert mst.true_image.shape == (4, 1855)
    for tel_batch in (lst, mst):
        for tel_id in tel_batch.tel_id:
            readout = subarray.tel[int(tel_id)].camera.readout
            assert tel_batch.r1_waveform.shape[1:] == (readout.n_pixels, readout.n_samples)


@pytest.mark.data
def test_iter_batches_sizes(simtel_file):
    with SimTelEventSource(simtel_file("lst_muons"), focal_length_choice="equivalent") as source:
        batches = list(source.iter_batches(8))
    assert [b.n_events for b in batches] == [8, 8, 8, 6]
    assert [b.telescopes["LST_LST_LSTCam"].r1_waveform.shape for b in batches] == [
        (8, 1855, 30),
        (8, 1855, 30),
        (8, 1855, 30),
        (6, 1855, 30),
    ]
    assert np.concatenate([b.event_id for b in batches]).tolist() == list(range(100, 3100, 100))


@pytest.mark.data
def test_printable_event(simtel_file):
    with SimTelEventSource(simtel_file("gct_checs_muons"), max_events=1) as source:
        (event,) = list(source)
    assert str(event).splitlines() == [
        "ArrayEvent obs_id=28 event_id=100 (#0 in file, SUBARRAY)",
        "  time: 2020-05-06T16:34:02.624",
        "  triggered: [1]; with data: [1]",
        "  array pointing: alt 90.000 deg, az 176.567 deg",
        "  shower: E = 0.1 TeV, alt 88.008 deg, az 240.662 deg, core (-0.6 m, 1.1 m), "
        "x_max 770 g / cm2, primary 2",
        "  tel 1: r0 uint16[1, 2048, 128], r1 float32[2048, 128], true image 398 p.e., "
        "pointing alt 90.000 deg, az 176.567 deg",
    ]


@pytest.mark.data
def test_subarray_of_a_file_without_events(simtel_file):
    with SimTelEventSource(simtel_file("gamma_merged"), focal_length_choice="equivalent") as source:
        assert list(source) == []
        assert source.subarray.n_tels == 194
        assert not source.has_true_images  # merge_simtel output never has them
        config = source.simulation_config[4601]
    assert config.shower_reuse == 20
    assert config.extra["corsika_wlen_min"] == 240.0


# --- calibration functions on hand-made arrays ------------------------------------------


def test_select_gain_channel():
    r0 = np.zeros((2, 3, 4), np.uint16)
    r0[0, 1, 2] = 4001  # above the threshold: low gain
    r0[0, 2, :] = 4000  # at the threshold: still high gain
    assert select_gain_channel(r0, 4000).tolist() == [0, 1, 0]
    assert select_gain_channel(r0[:1], 0).tolist() == [0, 0, 0]  # one channel: always 0


def test_calibrate_r1_per_channel_and_selected():
    r0 = np.array([[[100, 104], [50, 60]], [[10, 12], [20, 30]]], np.uint16)
    pedestal = np.array([[100.0, 50.0], [10.0, 20.0]], np.float32)
    dc_to_pe = np.array([[0.25, 0.5], [2.0, 1.0]], np.float32)
    # (r0 - pedestal) * dc_to_pe, channel by channel
    expected = np.array([[[0, 1], [0, 5]], [[0, 4], [0, 10]]], np.float32)
    np.testing.assert_array_equal(calibrate_r1(r0, pedestal, dc_to_pe), expected)
    selected = calibrate_r1(r0, pedestal, dc_to_pe, np.array([1, 0], np.int8))
    np.testing.assert_array_equal(selected, [[0, 4], [0, 5]])
    assert selected.dtype == np.float32
