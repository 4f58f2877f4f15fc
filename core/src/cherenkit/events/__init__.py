"""Event data model and event sources.

* `EventSource`: ``EventSource(path)`` opens a file with the installed plugin that
  reads it; the base class of the event-source plugin kind.
* `ArrayEvent`, `TelescopeEvent`, `ShowerTruth`: per-event objects.
* `SimulationConfig`, `ShowerDistribution`: per-run simulation facts (``to_table()``).
* `EventBatch`, `TelescopeBatch`: the columnar form the hot paths consume.
"""

from .batch import SHOWER_COLUMNS, EventBatch, TelescopeBatch
from .containers import (
    EVENT_TYPES,
    ArrayEvent,
    ShowerDistribution,
    ShowerTruth,
    SimulationConfig,
    TelescopeEvent,
)
from .source import EventSource, compatible_sources

__all__ = [
    "EVENT_TYPES",
    "SHOWER_COLUMNS",
    "ArrayEvent",
    "EventBatch",
    "EventSource",
    "ShowerDistribution",
    "ShowerTruth",
    "SimulationConfig",
    "TelescopeBatch",
    "TelescopeEvent",
    "compatible_sources",
]
