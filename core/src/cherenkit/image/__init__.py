"""Image cleaning and image parameters."""

from .cleaning import ImageCleaner

__all__ = ["ImageCleaner"]
