"""Safe-mask method on the field of view: ``offset-max``."""

from __future__ import annotations

from typing import ClassVar

import attrs
import numpy as np

from cherenkit.component import parameter
from cherenkit.makers import SafeMaskMethod

from ._utils import require_observation

__all__ = ["OffsetMaxSafeMask"]


@attrs.frozen(kw_only=True)
class OffsetMaxSafeMask(SafeMaskMethod):
    """Positions closer to the pointing than a maximum offset.

    A sky pixel is safe in every energy bin when the angular distance of its centre
    from the observation's pointing is strictly below ``offset_max``; a spectrum
    (region dataset) uses its region centre. This is gammapy 2.1's rule
    (``make_mask_offset_max``).
    """

    name: ClassVar[str] = "offset-max"

    offset_max: object = parameter(
        "3 deg", unit="deg", gt=0, help="Largest offset from the pointing of a safe pixel."
    )

    def __call__(self, dataset, observation):
        require_observation(observation, self.name, "its pointing")
        geom = dataset.counts.geom
        pointing = observation.pointing
        if hasattr(geom, "separation") and getattr(geom, "region", None) is None:
            separation = geom.separation(pointing)
        else:
            separation = geom.center_skydir.separation(pointing)
        inside = np.asarray(separation.to_value("deg") < self.offset_max.to_value("deg"))
        return np.broadcast_to(inside, geom.data_shape).copy()
