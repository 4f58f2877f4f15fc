"""The integration correction on pulses whose rebinning is worked out by hand."""

import astropy.units as u
import numpy as np
import pytest

from cherenkit.calib import integration_correction
from cherenkit.calib.correction import readout_integration_correction

# Sampled every 0.5 ns over 4 ns, read out in 1 ns samples (edges 0, 1, 2, 3):
# [0 + 1, 3 + 1, 0 + 0 + 0] = [1, 4, 0] (the value at 3.5 ns is past the last edge)
PULSE = np.array([[0.0, 1.0, 3.0, 1.0, 0.0, 0.0, 0.0, 0.0]])


@pytest.mark.parametrize(
    ("width", "shift", "expected"),
    [
        (1, 0, 5 / 4),  # the peak sample only: 4 of 5
        (2, 1, 1.0),  # samples 0..1: everything
        (2, 0, 5 / 4),  # samples 1..2
        (7, 3, 1.0),  # longer than the rebinned pulse: clipped to it
        (1, 1, 5 / 1),  # sample 0 only
    ],
)
def test_hand_computed(width, shift, expected):
    correction = integration_correction(PULSE, 0.5, 1.0, width, shift)
    assert correction.dtype == np.float64 and correction.shape == (1,)
    np.testing.assert_allclose(correction, [expected], rtol=1e-14)


def test_window_outside_the_pulse_gives_one():
    # window from sample 1 + 5 = 6 is past the 3 rebinned samples: nothing to correct
    np.testing.assert_array_equal(integration_correction(PULSE, 0.5, 1.0, 2, -5), [1.0])


def test_channels_are_independent(tiny_camera):
    # see conftest: channel 0 fits the window, channel 1 has 5 of 15 inside it
    pulses = tiny_camera.readout.reference_pulse_shape
    np.testing.assert_allclose(integration_correction(pulses, 0.5, 1.0, 3, 1), [1, 3])


def test_normalisation_does_not_matter():
    a = integration_correction(PULSE, 0.5, 1.0, 1, 0)
    b = integration_correction(PULSE * 123.4, 0.5, 1.0, 1, 0)
    np.testing.assert_allclose(a, b, rtol=1e-14)


def test_smooth_pulse_window_share():
    # a Gaussian pulse (sigma 2 ns) sampled every 0.1 ns, read out every 1 ns: the peak is
    # in readout sample 20, and the window of samples 18..22 holds the pulse samples at
    # 18.0 .. 22.9 ns, each standing for 0.1 ns around it: ±2.5 ns around the centre
    t = np.arange(400) * 0.1
    pulse = np.exp(-0.5 * ((t - 20.45) / 2.0) ** 2)[np.newaxis]
    correction = integration_correction(pulse, 0.1, 1.0, 5, 2)
    share = 0.7887  # erf(2.5 / (2 sqrt 2))
    np.testing.assert_allclose(1 / correction, [share], rtol=1e-3)


def test_readout_correction_is_cached_and_read_only(tiny_camera):
    first = readout_integration_correction(tiny_camera.readout, 3, 1)
    assert readout_integration_correction(tiny_camera.readout, 3, 1) is first
    assert not first.flags.writeable
    np.testing.assert_allclose(first, [1, 3])
    assert tiny_camera.readout.sample_width == 1 * u.ns
