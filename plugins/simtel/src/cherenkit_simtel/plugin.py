"""Entry-point module of cherenkit-simtel: declares its event source to cherenkit."""

from cherenkit import hookimpl

from .source import SimTelEventSource

cherenkit_api = ">=1.0,<2"
"""Range of the cherenkit plugin API this distribution was built for."""


@hookimpl
def cherenkit_register_event_sources():
    """Declare the event source ``simtel``.

    Returns
    -------
    list of type
        `SimTelEventSource`.
    """
    return [SimTelEventSource]
