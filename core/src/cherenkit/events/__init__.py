"""Event data model and the event-source base class."""

from .source import EventSource

__all__ = ["EventSource"]
