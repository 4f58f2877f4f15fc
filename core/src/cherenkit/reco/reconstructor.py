"""Base class of the stereo-reconstructor plugin kind."""

from __future__ import annotations

import abc
from typing import ClassVar

from ..component import Component

__all__ = ["Reconstructor"]


class Reconstructor(Component, abc.ABC):
    """Reconstructs shower direction, core and height from several telescope images.

    Contract (batch-first):

    * Called as ``reconstructor(subarray, parameters)`` where ``parameters`` holds,
      for many array events at once, the per-telescope DL1 image parameters as
      columns (``obs_id``, ``event_id``, ``tel_id``, Hillas and leakage parameters;
      lengths in m in the camera frame or rad in the telescope frame) together with
      the telescope pointing (alt, az in rad).
    * Returns one row per array event: ``alt``, ``az`` (rad), ``core_x``, ``core_y``
      (m, ground frame), ``h_max`` (m), their uncertainties where defined, the
      telescopes used, and ``is_valid``. Events that cannot be reconstructed are
      returned with ``is_valid`` false and NaN values, never dropped.
    """

    kind: ClassVar[str] = "reconstructor"

    @abc.abstractmethod
    def __call__(self, subarray, parameters):
        """Return the reconstructed showers, one row per array event."""
