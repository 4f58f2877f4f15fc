"""Entry-point module of cherenkit-stereo: declares its stereo reconstructors to cherenkit."""

from cherenkit import hookimpl

from .hillas import HillasReconstructor
from .intersection import HillasIntersection

cherenkit_api = ">=1.0,<2"
"""Range of the cherenkit plugin API this distribution was built for."""


@hookimpl
def cherenkit_register_reconstructors():
    """Declare the stereo reconstructors ``hillas`` and ``hillas-intersection``.

    Returns
    -------
    list of type
        `HillasReconstructor` and `HillasIntersection`.
    """
    return [HillasReconstructor, HillasIntersection]
