"""The built-in charge extractors on hand-made waveforms, and their contract."""

import subprocess
import sys

import astropy.units as u
import numpy as np
import pytest

from cherenkit import registry
from cherenkit.calib import (
    ChargeExtractor,
    ExtractorInputError,
    FullWaveformSum,
    GlobalPeakWindowSum,
    LocalPeakWindowSum,
    NeighborPeakWindowSum,
)
from cherenkit.errors import ParameterError
from cherenkit.testing import check_plugin_class

EXTRACTORS = [FullWaveformSum, LocalPeakWindowSum, NeighborPeakWindowSum, GlobalPeakWindowSum]
WINDOWED = EXTRACTORS[1:]

# Window of 3 samples from one before the peak; the tiny pulses need no correction
# in channel 0, so charges are plain sums. Waveforms (see conftest.tiny_waveforms):
#   pixel 0: [0, 0, 0, 0, 0, 5, 0, 0  ]
#   pixel 1: [3, 0, 0, 1, 0, 1, 0, 0  ]
#   pixel 2: [0, 0, 0, 0, 2, 0, 5.5, 0]
WINDOW = {"window_width": 3, "window_shift": 1}


def run(extractor, waveforms, camera, **kwargs):
    charge, peak_time = extractor(waveforms, camera=camera, **kwargs)
    assert charge.dtype == np.float32 and peak_time.dtype == np.float32
    assert charge.shape == peak_time.shape == waveforms.shape[:2]
    return charge[0], peak_time[0]


@pytest.mark.parametrize("cls", EXTRACTORS)
def test_plugin_contract(cls):
    check_plugin_class(cls)
    assert issubclass(cls, ChargeExtractor)
    assert registry.get("charge-extractor", cls.name) is cls


def test_default_parameters_are_ctapipe_s():
    for cls in WINDOWED:
        extractor = cls()
        assert (extractor.window_width, extractor.window_shift) == (7, 3)
        assert extractor.apply_integration_correction is True
    assert NeighborPeakWindowSum().local_weight == 0
    assert GlobalPeakWindowSum().pixel_fraction == 1.0


def test_loading_the_core_plugin_imports_no_numba():
    code = (
        "import sys, cherenkit.calib.plugin as p; p.cherenkit_register_charge_extractors(); "
        "print([m for m in ('numba', 'scipy', 'astropy.table', 'astropy.coordinates') "
        "if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_full_waveform(tiny_camera, tiny_waveforms):
    charge, peak_time = run(FullWaveformSum(), tiny_waveforms, tiny_camera)
    np.testing.assert_array_equal(charge, [5, 5, 7.5])
    # mean sample weighted by amplitude: 5; (0*3 + 3*1 + 5*1)/5; (4*2 + 6*5.5)/7.5
    np.testing.assert_allclose(peak_time, [5, 8 / 5, 41 / 7.5], rtol=1e-7)


def test_local_peak(tiny_camera, tiny_waveforms):
    charge, peak_time = run(LocalPeakWindowSum(**WINDOW), tiny_waveforms, tiny_camera)
    # peaks 5, 0 (noise; window clipped to samples 0..1), 6
    np.testing.assert_array_equal(charge, [5, 3, 5.5])
    np.testing.assert_array_equal(peak_time, [5, 0, 6])


def test_neighbor_peak(tiny_camera, tiny_waveforms):
    charge, peak_time = run(NeighborPeakWindowSum(**WINDOW), tiny_waveforms, tiny_camera)
    # pixel 0 and 2 see only pixel 1 (peak 0: windows 0..1 hold nothing, time = peak 0);
    # pixel 1 sees 0 + 2 = [.., 2, 5, 5.5, 0]: peak 6, window 5..7 holds its 1 at 5
    np.testing.assert_array_equal(charge, [0, 1, 0])
    np.testing.assert_array_equal(peak_time, [0, 5, 0])


def test_neighbor_peak_with_local_weight(tiny_camera, tiny_waveforms):
    extractor = NeighborPeakWindowSum(local_weight=1, **WINDOW)
    charge, peak_time = run(extractor, tiny_waveforms, tiny_camera)
    # peaks of 0+1 → 5, 0+1+2 → 5, 1+2 → 6
    np.testing.assert_array_equal(charge, [5, 1, 5.5])
    np.testing.assert_array_equal(peak_time, [5, 5, 6])


def test_neighbor_peak_skips_broken_neighbors(tiny_camera, tiny_waveforms):
    extractor = NeighborPeakWindowSum(
        window_width=2, window_shift=0, apply_integration_correction=False
    )
    # pixel 1 from 0 + 2 peaks at 6 (window 6..7: nothing, time = peak 6); without the
    # broken pixel 2 at 5 (window 5..6: its 1 at 5). Pixel 2 itself is still extracted.
    _, peak_time = run(extractor, tiny_waveforms, tiny_camera)
    assert peak_time[1] == 6
    broken = np.array([False, False, True])
    charge, peak_time = run(extractor, tiny_waveforms, tiny_camera, broken_pixels=broken)
    assert (charge[1], peak_time[1]) == (1, 5)
    assert (charge[2], peak_time[2]) == (0, 0)


def test_global_peak(tiny_camera, tiny_waveforms):
    charge, peak_time = run(GlobalPeakWindowSum(**WINDOW), tiny_waveforms, tiny_camera)
    # camera mean [1, 0, 0, 1/3, 2/3, 2, 1.83, 0]: peak 5, window 4..6 for all
    np.testing.assert_array_equal(charge, [5, 1, 7.5])
    np.testing.assert_allclose(peak_time, [5, 5, 41 / 7.5], rtol=1e-7)


def test_global_peak_from_the_brightest_pixels(tiny_camera, tiny_waveforms):
    # int(0.4 * 3) = 1 pixel: the one with the largest sample, pixel 2 (5.5 at 6)
    extractor = GlobalPeakWindowSum(pixel_fraction=0.4, **WINDOW)
    charge, peak_time = run(extractor, tiny_waveforms, tiny_camera)
    np.testing.assert_array_equal(charge, [5, 1, 5.5])
    np.testing.assert_array_equal(peak_time, [5, 5, 6])


def test_global_peak_without_broken_pixels(tiny_camera, tiny_waveforms):
    # mean of pixels 1 and 2: [1.5, 0, 0, 0.5, 1, 0.5, 2.75, 0] → peak 6, window 5..7
    broken = np.array([[True, False, False]])
    extractor = GlobalPeakWindowSum(**WINDOW)
    charge, _ = run(extractor, tiny_waveforms, tiny_camera, broken_pixels=broken)
    np.testing.assert_array_equal(charge, [5, 1, 5.5])


def test_peak_time_is_in_ns(make_camera, tiny_waveforms):
    slow = make_camera(sampling_rate=0.5 * u.GHz)  # 2 ns per sample
    _, peak_time = run(LocalPeakWindowSum(**WINDOW), tiny_waveforms, slow)
    np.testing.assert_array_equal(peak_time, [10, 0, 12])


@pytest.mark.parametrize("cls", WINDOWED)
def test_integration_correction_per_gain_channel(cls, tiny_camera, tiny_waveforms):
    # the tiny readout needs correction 1 in channel 0 and 3 in channel 1 (conftest)
    extractor = cls(**WINDOW)
    np.testing.assert_allclose(extractor.integration_correction(tiny_camera.readout), [1, 3])
    plain, _ = run(cls(apply_integration_correction=False, **WINDOW), tiny_waveforms, tiny_camera)
    gain = np.array([[0, 1, 1]], dtype=np.int8)
    charge, _ = run(extractor, tiny_waveforms, tiny_camera, selected_gain_channel=gain)
    np.testing.assert_allclose(charge, plain * np.array([1, 3, 3]), rtol=1e-7)
    assert cls(apply_integration_correction=False).integration_correction(
        tiny_camera.readout
    ).tolist() == [1, 1]


def test_full_waveform_applies_no_correction(tiny_camera, tiny_waveforms):
    gain = np.ones((1, 3), dtype=np.int8)
    charge, _ = run(FullWaveformSum(), tiny_waveforms, tiny_camera, selected_gain_channel=gain)
    np.testing.assert_array_equal(charge, [5, 5, 7.5])


@pytest.mark.parametrize("cls", EXTRACTORS)
def test_dtypes_and_inputs_untouched(cls, tiny_camera, tiny_waveforms):
    extractor = cls(**({} if cls is FullWaveformSum else WINDOW))
    expected = run(extractor, tiny_waveforms, tiny_camera)
    for dtype in (np.float64, np.int32):
        waveforms = (tiny_waveforms * 2).astype(dtype)  # integers stay exact
        copy = waveforms.copy()
        charge, peak_time = run(extractor, waveforms, tiny_camera)
        np.testing.assert_array_equal(charge, 2 * expected[0])
        np.testing.assert_array_equal(peak_time, expected[1])
        np.testing.assert_array_equal(waveforms, copy)


@pytest.mark.parametrize("cls", EXTRACTORS)
def test_batch_rows_are_independent(cls, tiny_camera, tiny_waveforms):
    rng = np.random.default_rng(1)
    batch = rng.normal(0, 1, (5, 3, 8)).astype(np.float32)
    batch[2] = tiny_waveforms[0]
    extractor = cls(**({} if cls is FullWaveformSum else WINDOW))
    charge, peak_time = extractor(batch, camera=tiny_camera)
    one = extractor(tiny_waveforms, camera=tiny_camera)
    np.testing.assert_array_equal(charge[2], one[0][0])
    np.testing.assert_array_equal(peak_time[2], one[1][0])
    empty = extractor(np.zeros((0, 3, 8), np.float32), camera=tiny_camera)
    assert empty[0].shape == empty[1].shape == (0, 3)


def test_nan_samples_give_nan_charge_only_in_their_window(tiny_camera, tiny_waveforms):
    waveforms = tiny_waveforms.copy()
    waveforms[0, 0, 4] = np.nan  # inside pixel 0's window 4..6, not its peak
    waveforms[0, 2, 0] = np.nan  # outside pixel 2's window 5..7
    charge, peak_time = run(LocalPeakWindowSum(**WINDOW), waveforms, tiny_camera)
    assert np.isnan(charge[0]) and peak_time[0] == 5
    np.testing.assert_array_equal(charge[1:], [3, 5.5])
    np.testing.assert_array_equal(peak_time[1:], [0, 6])
    charge, peak_time = run(FullWaveformSum(), waveforms, tiny_camera)
    assert np.isnan(charge[[0, 2]]).all() and charge[1] == 5
    np.testing.assert_allclose(peak_time, [5, 8 / 5, 41 / 7.5], rtol=1e-7)
    waveforms[0, 1] = np.nan  # a dead pixel: peak at 0, no time from its samples
    charge, peak_time = run(NeighborPeakWindowSum(**WINDOW), waveforms, tiny_camera)
    assert np.isnan(charge[1]) and np.isfinite(peak_time).all()


# --- against straightforward numpy versions on random waveforms ---------------------


def _window_sums(waveforms, peak, width, shift, rate_ghz):
    charge = np.zeros(peak.shape)
    peak_time = np.zeros(peak.shape)
    for index in np.ndindex(peak.shape):
        start = max(peak[index] - shift, 0)
        samples = waveforms[index][start : peak[index] - shift + width].astype(float)
        charge[index] = samples.sum()
        k = np.arange(start, start + samples.size)
        positive = samples > 0
        weight = samples[positive].sum()
        peak_time[index] = (k[positive] @ samples[positive] / weight) if weight else peak[index]
    return charge, peak_time / rate_ghz


@pytest.fixture(scope="module")
def random_case():
    from cherenkit.instrument import CameraDescription, CameraGeometry, CameraReadout

    geometry = CameraGeometry.make_rectangular(n_x=12, n_y=10)
    readout = CameraReadout(
        name="Random",
        sampling_rate=2 * u.GHz,
        reference_pulse_shape=np.ones((1, 10)),
        reference_pulse_sample_width=0.5 * u.ns,
        n_channels=1,
        n_pixels=120,
        n_samples=20,
    )
    camera = CameraDescription(name="Random", geometry=geometry, readout=readout)
    rng = np.random.default_rng(7)
    waveforms = rng.normal(0, 1, (6, 120, 20)).astype(np.float32)
    waveforms[:, :, 12] += rng.exponential(3, (6, 120)).astype(np.float32)
    broken = rng.random((6, 120)) < 0.1
    return camera, waveforms, broken


def _check(extractor, camera, waveforms, peak, **kwargs):
    charge, peak_time = extractor(waveforms, camera=camera, **kwargs)
    expected = _window_sums(waveforms, peak, extractor.window_width, extractor.window_shift, 2.0)
    correction = extractor.integration_correction(camera.readout)[0]
    assert correction > 1
    np.testing.assert_allclose(charge, expected[0] * correction, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(peak_time, expected[1], rtol=1e-5, atol=1e-5)


def test_local_peak_matches_numpy(random_case):
    camera, waveforms, _ = random_case
    extractor = LocalPeakWindowSum(window_width=5, window_shift=2)
    _check(extractor, camera, waveforms, waveforms.argmax(-1))


@pytest.mark.parametrize("local_weight", [0, 2])
def test_neighbor_peak_matches_numpy(random_case, local_weight):
    camera, waveforms, broken = random_case
    adjacency = camera.geometry.neighbor_matrix.astype(float)
    usable = np.where(broken[..., None], 0.0, waveforms.astype(float))
    summed = np.einsum("pq,nqs->nps", adjacency, usable) + local_weight * waveforms
    extractor = NeighborPeakWindowSum(window_width=4, window_shift=1, local_weight=local_weight)
    _check(extractor, camera, waveforms, summed.argmax(-1), broken_pixels=broken)


@pytest.mark.parametrize("fraction", [1.0, 0.25])
def test_global_peak_matches_numpy(random_case, fraction):
    camera, waveforms, broken = random_case
    if fraction == 1.0:
        mean = waveforms.mean(axis=-2, where=~broken[..., None])
    else:
        maxima = np.where(broken, -np.inf, waveforms.max(-1))
        brightest = np.argsort(maxima, axis=-1)[:, -int(fraction * 120) :]
        mean = np.take_along_axis(waveforms, brightest[..., None], axis=1).mean(axis=1)
    peak = np.broadcast_to(mean.argmax(-1)[:, None], waveforms.shape[:2])
    extractor = GlobalPeakWindowSum(window_width=6, window_shift=3, pixel_fraction=fraction)
    _check(extractor, camera, waveforms, peak, broken_pixels=broken)


# --- bad input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"window_width": 0}, r"LocalPeakWindowSum.window_width: value 0 is out of range"),
        ({"window_width": 2.5}, r"window_width: expected an integer"),
        ({"apply_integration_correction": 1}, r"expected true or false"),
    ],
)
def test_bad_parameters(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        LocalPeakWindowSum(**kwargs)


def test_bad_parameters_of_neighbor_and_global_peak():
    with pytest.raises(ParameterError, match=r"local_weight: value -1 is out of range"):
        NeighborPeakWindowSum(local_weight=-1)
    for fraction in (0.0, 1.5):
        with pytest.raises(ParameterError, match=r"pixel_fraction: value .* is out of range"):
            GlobalPeakWindowSum(pixel_fraction=fraction)


@pytest.mark.parametrize("cls", WINDOWED)
def test_window_longer_than_the_readout(cls, tiny_camera, tiny_waveforms):
    with pytest.raises(
        ParameterError, match=r"window_width: a window of 9 samples is longer than the 8-sample"
    ):
        cls(window_width=9)(tiny_waveforms, camera=tiny_camera)
    # a window that reaches past either end around a peak is clipped, not an error
    charge, _ = cls(window_width=8, window_shift=7)(tiny_waveforms, camera=tiny_camera)
    assert np.isfinite(charge).all()


@pytest.mark.parametrize("cls", EXTRACTORS)
def test_bad_waveforms(cls, tiny_camera, tiny_waveforms):
    extractor = cls(**({} if cls is FullWaveformSum else WINDOW))
    cases = [
        (tiny_waveforms[0], r"'waveforms': expected a 3-d array .* got shape \(3, 8\); for one"),
        (tiny_waveforms[None], r"expected a 3-d array \[n_events, n_pixels, n_samples\]"),
        (tiny_waveforms[:, :2], r"camera 'Tiny' has 3 pixels, the waveforms have 2"),
        (tiny_waveforms[..., :0], r"the waveforms have no samples"),
        (tiny_waveforms.astype(complex), r"expected real numbers, got dtype complex128"),
    ]
    for waveforms, message in cases:
        with pytest.raises(ExtractorInputError, match=message) as caught:
            extractor(waveforms, camera=tiny_camera)
        assert caught.value.input == "waveforms" and caught.value.extractor == cls.name


@pytest.mark.parametrize("cls", EXTRACTORS)
def test_bad_gain_channels_and_masks(cls, tiny_camera, tiny_waveforms):
    extractor = cls(**({} if cls is FullWaveformSum else WINDOW))
    cases = [
        ({"selected_gain_channel": np.zeros(3, int)}, "selected_gain_channel", r"shape \(1, 3\)"),
        (
            {"selected_gain_channel": np.full((1, 3), 2)},
            "selected_gain_channel",
            r"channels must lie in 0..1 for camera 'Tiny', got values 2..2",
        ),
        ({"selected_gain_channel": np.zeros((1, 3))}, "selected_gain_channel", "integer"),
        ({"broken_pixels": np.zeros(3, int)}, "broken_pixels", "expected a bool mask"),
        ({"broken_pixels": np.zeros(4, bool)}, "broken_pixels", r"shape \(1, 3\) or \(3,\)"),
    ]
    for kwargs, input, message in cases:
        with pytest.raises(ExtractorInputError, match=message) as caught:
            extractor(tiny_waveforms, camera=tiny_camera, **kwargs)
        assert caught.value.input == input
