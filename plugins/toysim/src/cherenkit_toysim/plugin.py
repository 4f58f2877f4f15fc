"""Entry-point module of cherenkit-toysim: declares the ``toy`` event source to cherenkit."""

from cherenkit import hookimpl

from .source import ToyEventSource

cherenkit_api = ">=1.0,<2"
"""Range of the cherenkit plugin API this distribution was built for."""


@hookimpl
def cherenkit_register_event_sources():
    """Declare the event source ``toy``.

    Returns
    -------
    list of type
        `ToyEventSource`.
    """
    return [ToyEventSource]
