"""Base class of the safe-mask-method plugin kind."""

from __future__ import annotations

import abc
from typing import ClassVar

from ..component import Component

__all__ = ["SafeMaskMethod"]


class SafeMaskMethod(Component, abc.ABC):
    """One criterion for the bins of a dataset whose response is trustworthy.

    Contract:

    * Called as ``method(dataset, observation)`` on a dataset reduced from one
      observation; returns a boolean array of the dataset's counts shape
      ``[n_energy, ...spatial]``, true where the bin is safe.
    * `SafeMaskMaker(methods=[...])` applies several methods in order and combines
      their masks with logical AND; a method never modifies the dataset.
    * Thresholds are parameters with units (e.g. ``offset_max = "2.5 deg"``).
    """

    kind: ClassVar[str] = "safe-mask"

    @abc.abstractmethod
    def __call__(self, dataset, observation):
        """Return the boolean safe mask of the dataset's counts shape."""
