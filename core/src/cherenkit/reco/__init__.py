"""Stereo shower reconstruction."""

from .reconstructor import Reconstructor

__all__ = ["Reconstructor"]
