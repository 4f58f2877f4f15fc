"""The built-in charge extractors: full-waveform, local-peak, neighbor-peak, global-peak.

Each is an attrs class whose fields are its parameters (names and defaults of
ctapipe 0.28) and whose ``__call__`` checks its input (see `ChargeExtractor`) and
runs numba kernels from `cherenkit.calib._kernels` over the whole batch. The kernels
are imported on the first call, so that loading the plugin stays cheap.

The three peak extractors differ only in how they find the peak sample ``peak`` of
each pixel. They then sum the window of samples ``peak - window_shift`` to
``peak - window_shift + window_width - 1``, clipped to the readout, and multiply
the sum by the `~cherenkit.calib.integration_correction` of the pixel's gain
channel. The peak time is the amplitude-weighted mean time of the positive samples
in the window, or the time of the peak sample when the window holds none, in ns
from the first sample.
Results agree with ctapipe 0.28's extractors bit for bit.
"""

from __future__ import annotations

from typing import ClassVar

import attrs
import numpy as np

from ..component import parameter
from ..errors import ParameterError
from .correction import readout_integration_correction
from .extractor import ChargeExtractor

__all__ = [
    "FullWaveformSum",
    "GlobalPeakWindowSum",
    "LocalPeakWindowSum",
    "NeighborPeakWindowSum",
]


def _outputs(shape):
    return np.empty(shape, dtype=np.float32), np.empty(shape, dtype=np.float32)


def _sampling_rate_ghz(camera) -> float:
    return float(camera.readout.sampling_rate.to_value("GHz"))


@attrs.frozen(kw_only=True)
class FullWaveformSum(ChargeExtractor):
    """Sum of every sample of each waveform, without integration correction.

    The peak time is the amplitude-weighted mean time of the positive samples
    (0 when there are none). It takes no parameters.
    """

    name: ClassVar[str] = "full-waveform"

    def __call__(self, waveforms, *, camera, selected_gain_channel=None, broken_pixels=None):
        from . import _kernels

        waveforms = self._waveforms(waveforms, camera)
        shape = waveforms.shape[:2]
        self._gain(selected_gain_channel, shape, camera)
        self._broken(broken_pixels, shape)
        charge, peak_time = _outputs(shape)
        _kernels.full_waveform_sum(waveforms, _sampling_rate_ghz(camera), charge, peak_time)
        return charge, peak_time


@attrs.frozen(kw_only=True)
class _PeakWindowSum(ChargeExtractor):
    """Shared parameters and checks of the extractors that sum a window around a peak."""

    window_width: int = parameter(7, ge=1, help="Samples in the integration window.")
    window_shift: int = parameter(
        3, help="Samples the window starts before the peak (window from peak - shift)."
    )
    apply_integration_correction: bool = parameter(
        True,
        help="Scale each charge by the inverse share of the reference pulse inside the window.",
    )

    def integration_correction(self, readout) -> np.ndarray:
        """Correction per gain channel of ``readout`` (ones when not applied).

        Parameters
        ----------
        readout : `~cherenkit.instrument.CameraReadout`

        Returns
        -------
        `numpy.ndarray` of float64, shape (n_channels,)
            See `cherenkit.calib.integration_correction`.
        """
        if not self.apply_integration_correction:
            return np.ones(readout.n_channels, dtype=np.float64)
        return readout_integration_correction(readout, self.window_width, self.window_shift)

    def _prepare(self, waveforms, camera, selected_gain_channel):
        waveforms = self._waveforms(waveforms, camera)
        n_samples = waveforms.shape[2]
        if self.window_width > n_samples:
            raise ParameterError(
                type(self).__name__,
                "window_width",
                f"a window of {self.window_width} samples is longer than the "
                f"{n_samples}-sample readout of camera {camera.name!r}; set "
                f"window_width <= {n_samples} for it (per_telescope_type in a config)",
            )
        gain = self._gain(selected_gain_channel, waveforms.shape[:2], camera)
        return waveforms, gain

    def _window(self, camera):
        """Arguments the kernels take after the peak search ones."""
        return (
            self.window_width,
            self.window_shift,
            _sampling_rate_ghz(camera),
            self.integration_correction(camera.readout),
        )


@attrs.frozen(kw_only=True)
class LocalPeakWindowSum(_PeakWindowSum):
    """Window sum around the largest sample of each pixel's own waveform.

    Each pixel finds its own peak: robust for bright pixels, biased upwards by
    noise fluctuations for faint ones. Window and peak time: see
    `cherenkit.calib.extractors`.
    """

    name: ClassVar[str] = "local-peak"

    def __call__(self, waveforms, *, camera, selected_gain_channel=None, broken_pixels=None):
        from . import _kernels

        waveforms, gain = self._prepare(waveforms, camera, selected_gain_channel)
        self._broken(broken_pixels, gain.shape)
        charge, peak_time = _outputs(gain.shape)
        _kernels.local_peak_window_sum(waveforms, *self._window(camera), gain, charge, peak_time)
        return charge, peak_time


@attrs.frozen(kw_only=True)
class NeighborPeakWindowSum(_PeakWindowSum):
    """Window sum around the peak of the summed waveforms of each pixel's neighbours.

    The peak of pixel ``p`` is the largest sample of the sum of its neighbours'
    waveforms (broken neighbours left out) plus ``local_weight`` times its own. A
    faint pixel next to bright ones is integrated where the shower light arrives,
    not where its noise peaks. ctapipe's default extractor. Window and peak time:
    see `cherenkit.calib.extractors`.
    """

    name: ClassVar[str] = "neighbor-peak"

    local_weight: int = parameter(
        0,
        ge=0,
        help="Weight of the pixel's own waveform in the neighbour sum (0: neighbours only).",
    )

    def __call__(self, waveforms, *, camera, selected_gain_channel=None, broken_pixels=None):
        from . import _kernels

        waveforms, gain = self._prepare(waveforms, camera, selected_gain_channel)
        broken = self._broken(broken_pixels, gain.shape)
        neighbors = camera.geometry.neighbor_matrix_sparse
        charge, peak_time = _outputs(gain.shape)
        _kernels.neighbor_peak_window_sum(
            waveforms,
            np.ascontiguousarray(neighbors.indptr, dtype=np.int64),
            np.ascontiguousarray(neighbors.indices, dtype=np.int64),
            self.local_weight,
            broken,
            *self._window(camera),
            gain,
            charge,
            peak_time,
        )
        return charge, peak_time


@attrs.frozen(kw_only=True)
class GlobalPeakWindowSum(_PeakWindowSum):
    """Window sum around the peak of the camera-average waveform of each event.

    Every pixel of an event is integrated in the same window, placed on the
    largest sample of the mean waveform of all pixels that are not broken or, with
    ``pixel_fraction < 1``, of the ``int(pixel_fraction * n_pixels)`` pixels (at
    least one) with the largest maximum sample. Window and peak time: see
    `cherenkit.calib.extractors`.
    """

    name: ClassVar[str] = "global-peak"

    pixel_fraction: float = parameter(
        1.0,
        gt=0,
        le=1,
        help="Fraction of the pixels, brightest first, averaged to find the peak (1: all).",
    )

    def __call__(self, waveforms, *, camera, selected_gain_channel=None, broken_pixels=None):
        from . import _kernels

        waveforms, gain = self._prepare(waveforms, camera, selected_gain_channel)
        broken = self._broken(broken_pixels, gain.shape)
        peaks = np.empty(len(waveforms), dtype=np.int64)
        if self.pixel_fraction < 1.0:
            n_brightest = max(int(self.pixel_fraction * waveforms.shape[1]), 1)
            _kernels.brightest_mean_peak(waveforms, n_brightest, broken, peaks)
        else:
            _kernels.camera_mean_peak(waveforms, broken, peaks)
        charge, peak_time = _outputs(gain.shape)
        _kernels.event_peak_window_sum(
            waveforms, peaks, *self._window(camera), gain, charge, peak_time
        )
        return charge, peak_time
