"""Where the IRF-based methods evaluate: parameters and helpers shared by aeff-max and
edisp-bias (``position``, ``fixed_offset``, ``irfs``)."""

from __future__ import annotations

import math
import numbers

import attrs
import numpy as np

from cherenkit.component import parameter
from cherenkit.errors import ParameterError

from ._utils import sky_position

__all__ = [
    "WhereMixin",
    "fixed_offset_parameter",
    "irfs_parameter",
    "nearest_pixel_values",
    "position_parameter",
]


def irfs_parameter():
    """The ``irfs`` parameter: reduced ("DL4") or raw ("DL3") IRFs."""
    return parameter(
        "DL4",
        choices=("DL4", "DL3"),
        help="Use the dataset's reduced IRFs (DL4) or the observation's raw IRFs (DL3).",
    )


def _skycoord_to_pair(value):
    """Accept a SkyCoord (converted to ICRS deg) besides a [lon, lat] list."""
    if value is None or isinstance(value, list | tuple):
        return value
    if hasattr(value, "icrs") and hasattr(value, "frame"):
        icrs = value.icrs
        return (float(icrs.ra.deg), float(icrs.dec.deg))
    return value


def position_parameter():
    """The optional ``position``: ICRS (RA, Dec) in deg, or a SkyCoord from Python."""
    field = parameter(
        None,
        type=tuple,
        help="Sky position [RA, Dec] (ICRS deg) where the IRFs are evaluated; "
        "default: the dataset centre (DL4) or the pointing (DL3).",
    )
    return attrs.field(
        default=None,
        converter=attrs.converters.pipe(_skycoord_to_pair, field.converter),
        metadata=field.metadata,
    )


def fixed_offset_parameter():
    """The optional ``fixed_offset`` from the pointing."""
    return parameter(
        None,
        unit="deg",
        ge=0,
        help="Evaluate the IRFs at this offset from the pointing instead of a position.",
    )


class WhereMixin:
    """Checks and helpers for classes with ``position``, ``fixed_offset`` and ``irfs``."""

    def _check_where(self):
        owner = type(self).__name__
        if self.position is not None:
            pair = self.position
            ok = len(pair) == 2 and all(
                isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)
                for v in pair
            )
            if not ok or not -90 <= pair[1] <= 90:
                raise ParameterError(
                    owner,
                    "position",
                    f"expected [RA, Dec] in deg (ICRS, |Dec| <= 90) or a SkyCoord, got {pair!r}",
                )
            object.__setattr__(self, "position", (float(pair[0]), float(pair[1])))
            if self.fixed_offset is not None:
                raise ParameterError(
                    owner,
                    "fixed_offset",
                    "position and fixed_offset are mutually exclusive; give one of them",
                )

    @property
    def position_skycoord(self):
        """``position`` as an ICRS `~astropy.coordinates.SkyCoord`, or None."""
        return None if self.position is None else sky_position(self.position)

    def _offset(self, observation):
        """Offset from the pointing where the raw (DL3) IRFs are evaluated."""
        import astropy.units as u

        if self.fixed_offset is not None:
            return self.fixed_offset
        if self.position is not None:
            return observation.pointing.icrs.separation(self.position_skycoord).to(u.deg)
        return 0.0 * u.deg

    def _position(self, observation, geom):
        """Sky position where the reduced (DL4) IRFs are read."""
        import astropy.units as u

        if self.fixed_offset is not None and observation is not None:
            return observation.pointing.icrs.directional_offset_by(0 * u.deg, self.fixed_offset)
        if self.position is not None:
            return self.position_skycoord
        return geom.center_skydir

    def _check_fixed_offset(self, observation):
        if self.fixed_offset is not None and observation is None:
            raise ValueError(
                f"safe-mask method {self.name!r} with fixed_offset={self.fixed_offset} needs the "
                "observation (its pointing); pass it to method(dataset, observation)"
            )


def nearest_pixel_values(map_, position):
    """Values of a map's pixel nearest to ``position``: shape of the non-spatial axes.

    For a region map, its only pixel. Returns None when ``position`` is outside a
    WCS map (gammapy's nearest interpolation gives no value there).
    """
    geom = map_.geom
    data = np.asarray(map_.data)
    if getattr(geom, "region", None) is not None or not hasattr(geom, "wcs"):
        return data[..., 0, 0]
    from cherenkit.maps.coord import skycoord_lonlat

    lon, lat = skycoord_lonlat(position, geom.frame)
    x, y = geom.wcs.wcs_world2pix(np.atleast_1d(lon), np.atleast_1d(lat), 0)
    nx, ny = geom.npix
    # round half down, as a nearest-neighbour grid interpolation does
    ix, iy = int(np.ceil(x[0] - 0.5)), int(np.ceil(y[0] - 0.5))
    if not (-0.5 <= x[0] <= nx - 0.5 and -0.5 <= y[0] <= ny - 0.5):
        return None
    ix, iy = min(max(ix, 0), nx - 1), min(max(iy, 0), ny - 1)
    return data[..., iy, ix]
