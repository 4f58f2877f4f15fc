"""Sources of small third-party plugins, written to disk by `make_distribution`."""

HEADER = """
import attrs
import numpy as np
from cherenkit import hookimpl
from cherenkit.component import parameter
cherenkit_api = ">=1.0,<2"
"""

THRESHOLD_CLEANER = (
    HEADER
    + '''
from cherenkit.image import ImageCleaner

@attrs.frozen(kw_only=True)
class ThresholdCleaner(ImageCleaner):
    """Keep pixels above one threshold."""
    name = "threshold"
    picture_thresh: float = parameter(10.0, gt=0, help="Threshold in p.e.")
    min_pixels: int = parameter(3, ge=0, help="Smallest image kept.")
    mode: str = parameter("strict", choices=("strict", "loose"))

    def __call__(self, geometry, image, peak_time=None):
        mask = np.asarray(image) > self.picture_thresh
        return mask & (mask.sum(axis=-1, keepdims=True) >= self.min_pixels)

@hookimpl
def cherenkit_register_cleaners():
    return [ThresholdCleaner]
'''
)

OFFSET_METHOD = (
    HEADER
    + '''
from cherenkit.makers import SafeMaskMethod

@attrs.frozen(kw_only=True)
class OffsetCut(SafeMaskMethod):
    """Positions closer than offset_max to the pointing."""
    name = "offset-cut"
    offset_max: object = parameter("2.5 deg", unit="deg", gt=0, help="Largest offset.")
    energy_min: object = parameter(None, unit="TeV", help="Lowest energy.")

    def __call__(self, dataset, observation):
        return np.asarray(dataset) < self.offset_max.value

@hookimpl
def cherenkit_register_safe_mask_methods():
    return [OffsetCut]
'''
)
