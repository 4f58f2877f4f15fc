"""Entry-point module of cherenkit-analytic-disp: declares its reconstructor to cherenkit."""

from cherenkit import hookimpl

from .reconstructor import AnalyticDispReconstructor

cherenkit_api = ">=1.0,<2"
"""Range of the cherenkit plugin API this distribution was built for."""


@hookimpl
def cherenkit_register_reconstructors():
    """Declare the reconstructor ``analytic-disp``.

    Returns
    -------
    list of type
        `AnalyticDispReconstructor`.
    """
    return [AnalyticDispReconstructor]
