"""Stereo shower reconstruction: the reconstructor plugin kind and ShowerProcessor."""

from .reconstructor import (
    DL2_COLUMNS,
    REQUIRED_PARAMETERS,
    Reconstructor,
    StereoParameters,
    empty_result,
)
from .shower_processor import ShowerProcessor, stereo_parameters

__all__ = [
    "DL2_COLUMNS",
    "REQUIRED_PARAMETERS",
    "Reconstructor",
    "ShowerProcessor",
    "StereoParameters",
    "empty_result",
    "stereo_parameters",
]
