"""Estimators: quantities measured from reduced datasets, such as correlated excess
and significance maps (`ExcessMapEstimator`).

The API follows gammapy's ``gammapy.estimators``. Everything is loaded on first
access, so importing this package loads neither astropy nor scipy.
"""

from .._lazy import lazy_exports

_LAZY = {
    "ExcessMapEstimator": "excess_map",
    "ExcessMaps": "excess_map",
    "FluxPoints": "flux_points",
    "FluxPointsEstimator": "flux_points",
    "LightCurve": "light_curve",
    "LightCurveEstimator": "light_curve",
    "ScaleSpectralModel": "_norm_fit",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


__all__ = [*_LAZY]
