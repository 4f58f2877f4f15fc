"""Base class of the event-source plugin kind."""

from __future__ import annotations

import abc
from typing import ClassVar

from ..component import Component

__all__ = ["EventSource"]


class EventSource(Component, abc.ABC):
    """Reads array events from a file: the first step of ``cherenkit process``.

    Contract (batch-first):

    * ``is_compatible(path)`` (classmethod) looks at the first bytes of a file and
      answers whether this source reads it; it never raises for foreign files.
    * Constructed as ``Source(path=..., max_events=None, allowed_tels=None, **parameters)``;
      usable as a context manager that closes the file.
    * ``subarray``: the `SubarrayDescription` of the telescopes in the file.
    * ``iter_batches(n)`` yields, per telescope type, columnar batches of up to ``n``
      telescope events: waveforms ``[n_events, n_gains, n_pixels, n_samples]``
      (float64; R1 in photo-electrons per sample), with event ids and times as 1-d
      arrays. This is what hot paths consume.
    * Iterating the source yields per-event objects for users who loop.
    * A file that is truncated, corrupt or of another format raises
      `cherenkit.errors.DataFormatError` naming the file and the problem.
    """

    kind: ClassVar[str] = "event-source"

    @classmethod
    @abc.abstractmethod
    def is_compatible(cls, path) -> bool:
        """Whether this source can read ``path`` (checks content, not the suffix)."""

    @property
    @abc.abstractmethod
    def subarray(self):
        """The `SubarrayDescription` of the telescopes in the file."""

    @abc.abstractmethod
    def iter_batches(self, n_events):
        """Yield columnar batches of up to ``n_events`` telescope events per type."""

    @abc.abstractmethod
    def __iter__(self):
        """Yield array events one by one."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Close the file. Sources holding no open file need not override this."""
