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

ACME_SOURCE = (
    HEADER
    + '''
from cherenkit.events import ArrayEvent, EventSource, TelescopeEvent
import astropy.units as u

MAGIC = b"ACME"

@attrs.define(kw_only=True, eq=False)
class AcmeSource(EventSource):
    """Reads ACME files: a magic, then one byte per event (its number of p.e.)."""
    name = "acme"
    scale: float = parameter(1.0, gt=0, help="p.e. per count")
    _counts: object = attrs.field(init=False, default=None, repr=False)

    @classmethod
    def is_compatible(cls, path):
        try:
            with open(path, "rb") as f:
                return f.read(4) == MAGIC
        except OSError:
            return False

    def _open(self):
        data = self.path.read_bytes()
        if not data.startswith(MAGIC):
            from cherenkit.errors import DataFormatError
            raise DataFormatError(self.path, "not an ACME file")
        self._counts = np.frombuffer(data[4:], np.uint8)
        self.check_allowed_tels([1])

    @property
    def subarray(self):
        return None

    def __iter__(self):
        n = len(self._counts) if self.max_events is None else min(self.max_events, len(self._counts))
        for i in range(n):
            tel = TelescopeEvent(tel_id=1, true_image=np.full(3, self._counts[i] * self.scale),
                                 pointing_alt=70 * u.deg, pointing_az=0 * u.deg)
            yield ArrayEvent(obs_id=1, event_id=i + 1, count=i, tel={1: tel},
                             tels_with_trigger=np.array([1]),
                             pointing_alt=70 * u.deg, pointing_az=0 * u.deg)

@hookimpl
def cherenkit_register_event_sources():
    return [AcmeSource]
'''
)
