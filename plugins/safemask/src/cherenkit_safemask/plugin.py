"""Entry-point module of cherenkit-safemask: declares its safe-mask methods to cherenkit."""

from cherenkit import hookimpl

from .aeff import AeffDefaultSafeMask, AeffMaxSafeMask
from .background import BkgPeakSafeMask
from .edisp import EdispBiasSafeMask
from .offset import OffsetMaxSafeMask

cherenkit_api = ">=1.0,<2"
"""Range of the cherenkit plugin API this distribution was built for."""


@hookimpl
def cherenkit_register_safe_mask_methods():
    """Declare the safe-mask methods ``aeff-default``, ``aeff-max``, ``edisp-bias``,
    ``offset-max`` and ``bkg-peak``.

    Returns
    -------
    list of type
        The `cherenkit.makers.SafeMaskMethod` subclasses of this distribution.
    """
    return [
        AeffDefaultSafeMask,
        AeffMaxSafeMask,
        EdispBiasSafeMask,
        OffsetMaxSafeMask,
        BkgPeakSafeMask,
    ]
