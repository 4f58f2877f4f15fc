"""Base class of the background-maker plugin kind."""

from __future__ import annotations

import abc
from typing import ClassVar

from ..component import Component

__all__ = ["BackgroundMaker"]


class BackgroundMaker(Component, abc.ABC):
    """Estimates the background of a reduced dataset.

    Contract:

    * ``run(dataset, observation)`` takes a `MapDataset` or `SpectrumDataset` made
      from one `Observation` and returns a new dataset (the input is not modified):
      the same type with a scaled or fitted background model, or an On/Off dataset
      (`MapDatasetOnOff`, `SpectrumDatasetOnOff`) with off counts and acceptances.
    * Exclusion regions are parameters (a boolean exclusion mask map).
    * When no background can be estimated (e.g. no reflected region fits), the
      returned dataset says so (zero off acceptance) and a warning names the
      observation; nothing is silently dropped.
    """

    kind: ClassVar[str] = "background-maker"

    @abc.abstractmethod
    def run(self, dataset, observation):
        """Return a new dataset with a background estimate."""
