"""Entry-point module of cherenkit-background: declares its background makers to cherenkit."""

from cherenkit import hookimpl

from .fov import FoVBackgroundMaker
from .reflected import ReflectedRegionsBackgroundMaker
from .ring import AdaptiveRingBackgroundMaker, RingBackgroundMaker

cherenkit_api = ">=1.0,<2"
"""Range of the cherenkit plugin API this distribution was built for."""


@hookimpl
def cherenkit_register_background_makers():
    """Declare the background makers ``fov``, ``reflected-regions``, ``ring`` and ``adaptive-ring``.

    Returns
    -------
    list of type
        `FoVBackgroundMaker`, `ReflectedRegionsBackgroundMaker`, `RingBackgroundMaker`
        and `AdaptiveRingBackgroundMaker`.
    """
    return [
        FoVBackgroundMaker,
        ReflectedRegionsBackgroundMaker,
        RingBackgroundMaker,
        AdaptiveRingBackgroundMaker,
    ]
