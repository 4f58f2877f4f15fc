"""Calibration: from R1 waveforms to DL1 images and peak times.

* `ChargeExtractor`: base class of the charge-extractor plugin kind; its docstring
  is the contract (shapes, units, errors).
* The built-in extractors, registered through the entry point
  ``cherenkit.calib.plugin`` like any plugin: `FullWaveformSum` (``full-waveform``),
  `LocalPeakWindowSum` (``local-peak``), `NeighborPeakWindowSum`
  (``neighbor-peak``), `GlobalPeakWindowSum` (``global-peak``).
* `integration_correction`: the pulse share a window misses.
* `CameraCalibrator`: R1 → DL1 per telescope-type batch or per event.

Importing this package loads no numba; kernels compile on first use.
"""

from .calibrator import CameraCalibrator
from .correction import integration_correction
from .extractor import ChargeExtractor, ExtractorInputError
from .extractors import (
    FullWaveformSum,
    GlobalPeakWindowSum,
    LocalPeakWindowSum,
    NeighborPeakWindowSum,
)

__all__ = [
    "CameraCalibrator",
    "ChargeExtractor",
    "ExtractorInputError",
    "FullWaveformSum",
    "GlobalPeakWindowSum",
    "LocalPeakWindowSum",
    "NeighborPeakWindowSum",
    "integration_correction",
]
