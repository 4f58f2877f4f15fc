"""Models, fitting and fit statistics.

Parameters and models (`Parameter`, spectral and spatial models, `SkyModel`,
`FoVBackgroundModel`, `Models`), the `Fit` (iminuit) over `Datasets` with the
fit-statistic plugins, and the `FitStatistic` base class those plugins derive from.
The API follows gammapy's ``gammapy.modeling``. Names load on first access.
"""

from .._lazy import lazy_exports
from ..errors import StatisticInputError
from .statistic import FitStatistic

_LAZY = {
    "Parameter": "parameter",
    "Parameters": "parameter",
    "ModelBase": "core",
    "SpectralModel": "spectral",
    "PowerLawSpectralModel": "spectral",
    "LogParabolaSpectralModel": "spectral",
    "ConstantSpectralModel": "spectral",
    "PowerLawNormSpectralModel": "spectral",
    "PowerLaw2SpectralModel": "spectral",
    "ExpCutoffPowerLawSpectralModel": "spectral",
    "BrokenPowerLawSpectralModel": "spectral",
    "SmoothBrokenPowerLawSpectralModel": "spectral",
    "SpatialModel": "spatial",
    "PointSpatialModel": "spatial",
    "GaussianSpatialModel": "spatial",
    "DiskSpatialModel": "spatial",
    "ShellSpatialModel": "spatial",
    "TemplateSpatialModel": "spatial",
    "TemporalModel": "temporal",
    "ConstantTemporalModel": "temporal",
    "SkyModel": "models",
    "FoVBackgroundModel": "models",
    "Models": "models",
    "Fit": "fit",
    "FitResult": "fit",
    "FitError": "fit",
    "significance_from_ts": "fit",
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

__all__ = ["FitStatistic", "StatisticInputError", *_LAZY]
