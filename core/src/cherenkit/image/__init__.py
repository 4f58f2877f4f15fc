"""Image cleaning and image parameters.

Per-image functions take and return astropy Quantities the way ctapipe users call
them (`hillas_parameters`, `timing_parameters`, `leakage_parameters`,
`concentration_parameters`, `number_of_islands`, `morphology_parameters`,
`descriptive_statistics`); `image_parameters_batch` computes all of them for a
batch of images in one numba pass; `ImageProcessor` runs a cleaner plugin and
all parameters on telescope batches. `Gaussian` and `SkewedGaussian` generate toy
images.

Everything but `ImageCleaner` is loaded on first access, so importing this package
(as the cleaner plugins do) loads neither numba nor scipy.
"""

from .._lazy import lazy_exports
from .cleaning import ImageCleaner

_LAZY = {
    "hillas_parameters": "hillas",
    "camera_to_shower_coordinates": "hillas",
    "timing_parameters": "timing",
    "leakage_parameters": "leakage",
    "concentration_parameters": "concentration",
    "number_of_islands": "morphology",
    "number_of_island_sizes": "morphology",
    "morphology_parameters": "morphology",
    "largest_island": "morphology",
    "brightest_island": "morphology",
    "descriptive_statistics": "statistics",
    "image_parameters": "parameters",
    "image_parameters_batch": "parameters",
    "ImageProcessor": "processor",
    "ImageQualityCriteria": "processor",
    "ImageModel": "toymodel",
    "Gaussian": "toymodel",
    "SkewedGaussian": "toymodel",
    "obtain_time_image": "toymodel",
    "CameraHillasParametersContainer": "containers",
    "HillasParametersContainer": "containers",
    "CameraTimingParametersContainer": "containers",
    "TimingParametersContainer": "containers",
    "LeakageContainer": "containers",
    "ConcentrationContainer": "containers",
    "MorphologyContainer": "containers",
    "ImageStatisticsContainer": "containers",
    "IntensityStatisticsContainer": "containers",
    "PeakTimeStatisticsContainer": "containers",
    "ImageParametersContainer": "containers",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


__all__ = ["ImageCleaner", *_LAZY]
