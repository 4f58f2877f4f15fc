"""Fixtures for the calibration tests: a tiny camera, and the ctapipe reference files."""

import astropy.units as u
import numpy as np
import pytest

from cherenkit.instrument import CameraDescription, CameraGeometry, CameraReadout

# Reference pulses of the tiny camera, sampled every 0.5 ns over 8 ns. Rebinned
# into 1 ns readout samples (two pulse samples each; the one at 7.5 ns lies past
# the last edge at 7 ns and is dropped, the one at 7.0 ns is kept):
#   channel 0: [0+1, 3+1, 0, 0, 0, 0, 0]      → all in a 3-sample window: correction 1
#   channel 1: [2, 2, 2, 2, 2, 2, 1+1+1 = 3]  → peak at 6; a 3-sample window from
#              sample 5 is clipped to samples 5..6 = 5 of 15: correction 3
TINY_PULSES = np.array([[0, 1, 3, 1] + [0] * 12, [1] * 16], dtype=float)


@pytest.fixture(scope="session")
def tiny_camera():
    """Three square pixels in a row (neighbours 0-1 and 1-2), 8 samples at 1 GHz, 2 gains."""
    return _make_camera()


@pytest.fixture(scope="session")
def make_camera():
    """Factory: ``make_camera(name, n_samples=8, sampling_rate=1 GHz, pulses=...)``."""
    return _make_camera


@pytest.fixture(scope="session")
def tiny_waveforms():
    """One event of the tiny camera, [1, 3, 8] float32 (expected results in the tests).

    pixel 0: one pulse of 5 at sample 5
    pixel 1: noise of 3 at sample 0, small pulses of 1 at samples 3 and 5
    pixel 2: 2 at sample 4 and 5.5 at sample 6
    """
    return np.array(
        [
            [
                [0, 0, 0, 0, 0, 5, 0, 0],
                [3, 0, 0, 1, 0, 1, 0, 0],
                [0, 0, 0, 0, 2, 0, 5.5, 0],
            ]
        ],
        dtype=np.float32,
    )


def _make_camera(name="Tiny", *, n_samples=8, sampling_rate=1 * u.GHz, pulses=TINY_PULSES):
    """A camera with the tiny geometry and a readout of the given kind."""
    geometry = CameraGeometry.make_rectangular(n_x=3, n_y=1, name=name)
    readout = CameraReadout(
        name=name,
        sampling_rate=sampling_rate,
        reference_pulse_shape=pulses,
        reference_pulse_sample_width=0.5 * u.ns,
        n_channels=len(pulses),
        n_pixels=3,
        n_samples=n_samples,
    )
    return CameraDescription(name=name, geometry=geometry, readout=readout)


@pytest.fixture(scope="session")
def tiny_subarray():
    """Telescopes 1, 2: the tiny camera; 3: a one-sample (sums only) camera; 4: the
    tiny type string with a different reference pulse."""
    from astropy.coordinates import EarthLocation

    from cherenkit.instrument import OpticsDescription, SubarrayDescription, TelescopeDescription

    optics = OpticsDescription(
        name="TINY",
        size_type="MST",
        reflector_shape="PARABOLIC",
        equivalent_focal_length=10 * u.m,
        effective_focal_length=10 * u.m,
        mirror_area=100 * u.m**2,
        n_mirrors=1,
        n_mirror_tiles=10,
    )

    def telescope(camera):
        return TelescopeDescription(name="TINY", optics=optics, camera=camera)

    other_pulse = TINY_PULSES[::-1].copy()  # channel 1 has correction 1, channel 0 has 3
    tels = {
        1: telescope(_make_camera()),
        2: telescope(_make_camera()),
        3: telescope(_make_camera("Sums", n_samples=1)),
        4: telescope(_make_camera(pulses=other_pulse)),
    }
    return SubarrayDescription(
        name="tiny",
        tel_positions={t: [t, 0, 0] * u.m for t in tels},
        tel_descriptions=tels,
        reference_location=EarthLocation.from_geodetic(0 * u.deg, 0 * u.deg, 2000 * u.m),
    )
