"""Entry-point module of cherenkit-cleaning: declares its image cleaners to cherenkit."""

from cherenkit import hookimpl

from .fact import FactCleaner
from .mars import MarsCleaner
from .tailcuts import TailcutsCleaner
from .time_constrained import TimeConstrainedCleaner

cherenkit_api = ">=1.0,<2"
"""Range of the cherenkit plugin API this distribution was built for."""


@hookimpl
def cherenkit_register_cleaners():
    """Declare the image cleaners ``tailcuts``, ``mars``, ``fact`` and ``time-constrained``.

    Returns
    -------
    list of type
        `TailcutsCleaner`, `MarsCleaner`, `FactCleaner` and `TimeConstrainedCleaner`.
    """
    return [TailcutsCleaner, MarsCleaner, FactCleaner, TimeConstrainedCleaner]
