"""Base class of the image-cleaner plugin kind."""

from __future__ import annotations

import abc
from typing import ClassVar

from ..component import Component

__all__ = ["ImageCleaner"]


class ImageCleaner(Component, abc.ABC):
    """Selects the pixels of a shower image.

    Contract (batch-first):

    * Called as ``cleaner(geometry, image, peak_time=None)`` with ``geometry`` the
      `CameraGeometry` of one telescope type and ``image`` / ``peak_time`` float64
      arrays ``[n_events, n_pixels]`` (photo-electrons, ns).
    * Returns a boolean mask ``[n_events, n_pixels]``; true keeps the pixel.
    * Cleaners that need times raise `ValueError` naming ``peak_time`` when it is
      None; a pixel axis that does not match the geometry raises `ValueError`.
    * Thresholds are parameters; ``[...cleaner.per_telescope_type.<type>]`` in the
      config overrides them for one telescope type.
    """

    kind: ClassVar[str] = "cleaner"

    @abc.abstractmethod
    def __call__(self, geometry, image, peak_time=None):
        """Return the boolean mask ``[n_events, n_pixels]`` of kept pixels."""
