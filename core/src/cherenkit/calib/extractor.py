"""Base class of the charge-extractor plugin kind."""

from __future__ import annotations

import abc
from typing import ClassVar

from ..component import Component

__all__ = ["ChargeExtractor"]


class ChargeExtractor(Component, abc.ABC):
    """Integrates calibrated waveforms into a charge and a peak time per pixel.

    Contract (batch-first):

    * Called as ``extractor(waveforms, *, camera)`` with ``waveforms`` a float64
      array ``[n_events, n_pixels, n_samples]`` of one telescope type, in
      photo-electrons per sample (R1, gain already selected), and ``camera`` the
      camera description of that type (geometry for neighbours, sampling rate and
      reference pulse for the integration correction).
    * Returns ``(charge, peak_time)``: float64 arrays ``[n_events, n_pixels]``,
      charge in photo-electrons, peak time in ns from the first sample.
    * A waveform array of the wrong rank or a window longer than the readout
      raises `cherenkit.errors.ParameterError` or `ValueError` naming the parameter.
    """

    kind: ClassVar[str] = "charge-extractor"

    @abc.abstractmethod
    def __call__(self, waveforms, *, camera):
        """Return ``(charge, peak_time)`` arrays ``[n_events, n_pixels]``."""
