"""The event-source plugin kind, and ``EventSource(path)`` that picks one for a file."""

from __future__ import annotations

import abc
from pathlib import Path
from typing import ClassVar

import attrs

from ..component import Component, parameter
from ..errors import DataFormatError, ParameterError, format_ids, quoted_list

__all__ = ["EventSource", "compatible_sources"]


def _optional_path(value):
    return None if value is None else Path(value)


class _ChoosesPlugin(abc.ABCMeta):
    """Metaclass: ``EventSource(...)`` itself returns an instance of a plugin class."""

    def __call__(cls, *args, **kwargs):
        if cls is EventSource:
            return _open(*args, **kwargs)
        return super().__call__(*args, **kwargs)


@attrs.define(kw_only=True, eq=False)
class EventSource(Component, metaclass=_ChoosesPlugin):
    """Reads array events from a file: the first step of ``cherenkit process``.

    ``EventSource(path, max_events=None, allowed_tels=None, source=None, **parameters)``
    returns an instance of the installed plugin whose ``is_compatible(path)`` accepts
    the file, or of the plugin named by ``source``.

    Contract (batch-first):

    * ``is_compatible(path)`` (classmethod) looks at the first bytes of a file and
      answers whether this source reads it; it never raises, whatever the file.
    * A plugin is an attrs class (``@attrs.define(kw_only=True)``) extending this one
      with its own parameters; it opens ``path`` in `_open` (called after ``__init__``
      when ``path`` is set) and is a context manager that closes the file. A source
      built without a path is a configured template: ``attrs.evolve(template,
      path=...)`` opens it.
    * ``subarray``: the `~cherenkit.instrument.SubarrayDescription` after
      ``allowed_tels``; ``is_simulation``; ``simulation_config`` (obs_id →
      `SimulationConfig`); ``obs_ids``; ``shower_distributions`` (a
      `ShowerDistribution` per run: every simulated shower, triggered or not).
    * Iterating yields `ArrayEvent` objects; ``iter_batches(n)`` yields `EventBatch`
      objects of up to ``n`` array events with waveforms stacked per telescope type,
      float32 ``[n_tel_events, n_pixels, n_samples]`` in photo-electrons (R1). The
      base class builds batches from the per-event iteration; a source that produces
      columns natively overrides `iter_batches` and derives ``__iter__`` from it
      with `EventBatch.to_events`.
    * ``max_events`` stops after that many events; ``allowed_tels`` keeps only those
      telescopes (an id the file does not have is a `ParameterError`).
    * A file that is missing, truncated, corrupt or of another format raises
      `cherenkit.errors.DataFormatError` naming the file and the problem.
    """

    kind: ClassVar[str] = "event-source"

    path: Path | None = attrs.field(default=None, converter=_optional_path, kw_only=False)
    max_events: int | None = parameter(
        None, type=int, ge=0, help="Stop after this many events (all when unset)."
    )
    allowed_tels: tuple | None = parameter(
        None, type=tuple, help="Telescope ids to read (all when unset)."
    )

    def __attrs_post_init__(self):
        if self.path is not None:
            if not self.path.is_file():
                problem = "is a directory" if self.path.is_dir() else "no such file"
                raise DataFormatError(self.path, f"{problem}; expected an event file")
            self._open()

    @classmethod
    @abc.abstractmethod
    def is_compatible(cls, path) -> bool:
        """Whether this source can read ``path`` (checks content, not the suffix)."""

    @abc.abstractmethod
    def _open(self) -> None:
        """Open ``self.path`` and read what ``subarray`` needs; raise DataFormatError."""

    @property
    @abc.abstractmethod
    def subarray(self):
        """The `SubarrayDescription` of the telescopes read (after ``allowed_tels``)."""

    @property
    def is_simulation(self) -> bool:
        """Whether the file holds simulated events (with truth)."""
        return bool(self.simulation_config)

    @property
    def simulation_config(self) -> dict:
        """`SimulationConfig` per obs_id; empty for observed data."""
        return {}

    @property
    def obs_ids(self) -> list[int]:
        """Observation (run) ids in the file."""
        return sorted(self.simulation_config)

    @property
    def shower_distributions(self) -> list:
        """`ShowerDistribution` per run: all simulated showers in energy and core distance.

        What effective areas divide by: every shower the simulation drew, whether it
        triggered or not, including those of events cut by ``max_events``. One
        entry per run, in ``obs_ids`` order; empty for observed data and for
        simulations that do not record one (this default).

        A plugin documents when its distributions are available and at what cost
        (sim_telarray writes them at the end of the file, see ``simtel``). Accessing
        this property never changes what iterating the source yields.
        """
        return []

    @abc.abstractmethod
    def __iter__(self):
        """Yield `ArrayEvent` objects, at most ``max_events``."""

    def iter_batches(self, n_events: int = 100):
        """Yield `EventBatch` objects of up to ``n_events`` consecutive array events."""
        from .batch import EventBatch

        if n_events < 1:
            raise ParameterError(type(self).__name__, "n_events", "must be >= 1")
        chunk = []
        for event in self:
            chunk.append(event)
            if len(chunk) == n_events:
                yield EventBatch.from_events(chunk, self.subarray)
                chunk = []
        if chunk:
            yield EventBatch.from_events(chunk, self.subarray)

    def check_allowed_tels(self, tel_ids) -> None:
        """Raise ParameterError when ``allowed_tels`` names ids not in ``tel_ids``."""
        if self.allowed_tels is None:
            return
        unknown = sorted(set(self.allowed_tels) - {int(t) for t in tel_ids})
        if unknown:
            where = self.path if self.path is not None else f"the {self.name} source"
            raise ParameterError(
                type(self).__name__,
                "allowed_tels",
                f"{where} has no telescope {', '.join(map(str, unknown))}; "
                f"its telescopes are {format_ids(tel_ids)}",
            )

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Close the file. Sources holding no open file need not override this."""


def compatible_sources(path) -> list[str]:
    """Names of the installed event sources whose ``is_compatible`` accepts ``path``.

    A source whose check raises is treated as incompatible: ``is_compatible`` must
    never raise, and one broken plugin must not hide the others.
    """
    from .. import registry

    names = []
    for name in registry.names("event-source"):
        try:
            if registry.get("event-source", name).is_compatible(path):
                names.append(name)
        except Exception:
            continue
    return names


def _describe_content(path: Path) -> str:
    """A short guess at what a file is, for error messages."""
    head = path.read_bytes()[:512] if path.stat().st_size else b""
    if not head:
        return "the file is empty"
    if head.startswith(b"SIMPLE  ="):
        return "it looks like a FITS file"
    if head[:2] == b"\x1f\x8b":
        return "it is gzip-compressed, but no source recognised its content"
    if head[:4] == b"\x28\xb5\x2f\xfd":
        return "it is zstd-compressed, but no source recognised its content"
    if head.startswith(b"\x89HDF"):
        return "it looks like an HDF5 file"
    try:
        head.decode("utf-8")
        return "it looks like a text file"
    except UnicodeDecodeError:
        return "its first bytes match no known format"


def _open(path=None, *, source=None, **kwargs):
    """``EventSource(...)``: instantiate the chosen or the compatible plugin."""
    from .. import registry

    if path is None and source is None:
        raise ParameterError("EventSource", "path", "an input file (or source=NAME) is required")
    if source is None:
        path = Path(path)
        if not path.is_file():
            problem = "is a directory" if path.is_dir() else "no such file"
            raise DataFormatError(path, f"{problem}; expected an event file")
        names = compatible_sources(path)
        if not names:
            installed = registry.names("event-source")
            raise DataFormatError(
                path,
                f"no installed event source can read it ({_describe_content(path)}); "
                f"installed sources: {quoted_list(installed)}",
            )
        source = names[0]
    return registry.create("event-source", source, path=path, **kwargs)
