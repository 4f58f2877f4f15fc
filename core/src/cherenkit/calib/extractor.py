"""Base class of the charge-extractor plugin kind, and its input checks."""

from __future__ import annotations

import abc
from typing import ClassVar

import numpy as np

from ..component import Component
from ..errors import CherenkitError

__all__ = ["ChargeExtractor", "ExtractorInputError"]


class ExtractorInputError(CherenkitError, ValueError):
    """The arrays given to a charge extractor are misshapen or of the wrong kind.

    Attributes
    ----------
    extractor : str
        Name of the extractor, e.g. ``"neighbor-peak"``.
    input : str
        The argument at fault, e.g. ``"waveforms"``.
    problem : str
        What was expected and what was received.
    """

    def __init__(self, extractor: str, input: str, problem: str):
        self.extractor, self.input, self.problem = extractor, input, problem
        super().__init__(f"charge extractor {extractor!r}, input {input!r}: {problem}")


class ChargeExtractor(Component, abc.ABC):
    """Integrates calibrated waveforms into a charge and a peak time per pixel.

    Contract (batch-first)::

        charge, peak_time = extractor(
            waveforms, *, camera, selected_gain_channel=None, broken_pixels=None
        )

    * ``waveforms``: array ``[n, n_pixels, n_samples]`` of telescope events of one
      camera, in photo-electrons per sample (R1/DL0, one gain channel per pixel).
      float32 and float64 are used as given; other real dtypes are converted to
      float32.
    * ``camera``: the `~cherenkit.instrument.CameraDescription` of that camera:
      ``readout.sampling_rate`` turns samples into ns, ``readout.reference_pulse_shape``
      and ``readout.reference_pulse_sample_width`` give the integration correction,
      ``geometry.neighbor_matrix_sparse`` the neighbours.
    * ``selected_gain_channel``: integer array ``[n, n_pixels]``, optional: the
      gain channel each waveform comes from, which picks the row of the reference
      pulse (and so the integration correction) per pixel. None means channel 0
      everywhere. To extract every channel of data that is not gain-selected, stack
      the channels as separate rows of ``waveforms`` and pass each row's channel.
    * ``broken_pixels``: bool array ``[n, n_pixels]`` (or ``[n_pixels]`` for all
      rows), optional: pixels left out when a peak is searched from *other* pixels
      (neighbour and camera-average peaks). Their own charge is still extracted;
      replacing it is the job of an invalid-pixel step after extraction.
    * Returns ``(charge, peak_time)``: float32 arrays ``[n, n_pixels]``, charge in
      photo-electrons (times the integration correction where the extractor applies
      one), peak time in ns from the first sample.
    * Extractors that accept ``window_width`` raise `cherenkit.errors.ParameterError`
      naming it when it is longer than the readout; wrong ranks, pixel counts,
      dtypes or gain channels raise `ExtractorInputError` naming the argument.
      Inputs are never modified.
    * NaN samples (e.g. a dead channel) give a defined result, not an error: a NaN
      is never chosen as a peak, makes the charge of any window that holds it NaN
      and is left out of the peak time.

    Subclasses implement ``__call__``; `_waveforms`, `_gain` and `_broken` do the
    checks and conversions above.
    """

    kind: ClassVar[str] = "charge-extractor"

    @abc.abstractmethod
    def __call__(self, waveforms, *, camera, selected_gain_channel=None, broken_pixels=None):
        """Return ``(charge, peak_time)``, float32 arrays ``[n, n_pixels]``."""

    # --- checks shared by the built-in extractors -----------------------------------

    def _fail(self, input: str, problem: str):
        raise ExtractorInputError(self.name, input, problem)

    def _waveforms(self, waveforms, camera) -> np.ndarray:
        """``waveforms`` as a C-contiguous float32/float64 array [n, n_pixels, n_samples]."""
        array = np.asarray(waveforms)
        if array.dtype.kind not in "fiub":
            self._fail("waveforms", f"expected real numbers, got dtype {array.dtype}")
        if array.ndim != 3:
            hint = "; for one telescope event use waveforms[np.newaxis]" if array.ndim == 2 else ""
            self._fail(
                "waveforms",
                f"expected a 3-d array [n_events, n_pixels, n_samples], got shape "
                f"{array.shape}{hint}",
            )
        n_pixels = camera.geometry.n_pixels
        if array.shape[1] != n_pixels:
            self._fail(
                "waveforms",
                f"camera {camera.name!r} has {n_pixels} pixels, the waveforms have "
                f"{array.shape[1]} (shape {array.shape})",
            )
        if array.shape[2] == 0:
            self._fail("waveforms", f"the waveforms have no samples (shape {array.shape})")
        if array.dtype not in (np.float32, np.float64):
            array = array.astype(np.float32)
        return np.ascontiguousarray(array)

    def _gain(self, selected_gain_channel, shape, camera) -> np.ndarray:
        """Gain channel per waveform as an int64 array [n, n_pixels] (zeros for None)."""
        if selected_gain_channel is None:
            return np.zeros(shape, dtype=np.int64)
        gain = np.asarray(selected_gain_channel)
        if gain.dtype.kind not in "iub":
            self._fail(
                "selected_gain_channel", f"expected integer channels, got dtype {gain.dtype}"
            )
        if gain.shape != shape:
            self._fail(
                "selected_gain_channel",
                f"expected shape {shape} (one channel per waveform), got {gain.shape}",
            )
        n_channels = camera.readout.n_channels
        if gain.size and (gain.min() < 0 or gain.max() >= n_channels):
            self._fail(
                "selected_gain_channel",
                f"channels must lie in 0..{n_channels - 1} for camera {camera.name!r}, "
                f"got values {int(gain.min())}..{int(gain.max())}",
            )
        return np.ascontiguousarray(gain, dtype=np.int64)

    def _broken(self, broken_pixels, shape) -> np.ndarray:
        """Broken-pixel mask as a bool array [n, n_pixels] (all False for None)."""
        if broken_pixels is None:
            return np.zeros(shape, dtype=np.bool_)
        broken = np.asarray(broken_pixels)
        if broken.dtype != np.bool_:
            self._fail("broken_pixels", f"expected a bool mask, got dtype {broken.dtype}")
        if broken.shape == shape[1:]:
            broken = np.broadcast_to(broken, shape)
        if broken.shape != shape:
            self._fail(
                "broken_pixels",
                f"expected shape {shape} or {shape[1:]}, got {broken.shape}",
            )
        return np.ascontiguousarray(broken)
