"""Source of a small third-party safe-mask plugin, written to disk by `make_distribution`."""

OFFSET_MAX_METHOD = '''
import attrs
import numpy as np
from cherenkit import hookimpl
from cherenkit.component import parameter
from cherenkit.makers import SafeMaskMethod
cherenkit_api = ">=1.0,<2"

@attrs.frozen(kw_only=True)
class TestOffsetMax(SafeMaskMethod):
    """Pixels closer than offset_max to the pointing (gammapy's offset-max rule)."""
    name = "test-offset-max"
    offset_max: object = parameter("3 deg", unit="deg", gt=0, help="Largest offset.")

    def __call__(self, dataset, observation):
        geom = dataset.counts.geom
        separation = geom.separation(observation.pointing)
        return np.broadcast_to(separation < self.offset_max, geom.data_shape)

@hookimpl
def cherenkit_register_safe_mask_methods():
    return [TestOffsetMax]
'''
