"""Calibration: from R1 waveforms to DL1 images."""

from .extractor import ChargeExtractor

__all__ = ["ChargeExtractor"]
