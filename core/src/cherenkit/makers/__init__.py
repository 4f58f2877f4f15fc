"""Makers: from observations to reduced datasets."""

from .background import BackgroundMaker
from .safe_mask import SafeMaskMethod

__all__ = ["BackgroundMaker", "SafeMaskMethod"]
