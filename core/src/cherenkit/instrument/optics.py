"""Optics of a telescope: size class, mirror, focal lengths."""

from __future__ import annotations

import astropy.units as u
import attrs
import numpy as np

from ..errors import ParameterError
from ._validation import (
    as_int,
    as_quantity,
    check_choice,
    check_int,
    check_quantity,
    check_str,
    quantity_equal,
)

__all__ = ["FOCAL_LENGTH_CHOICES", "REFLECTOR_SHAPES", "SIZE_TYPES", "OpticsDescription"]

SIZE_TYPES = ("LST", "MST", "SST", "UNKNOWN")
"""Telescope size classes (case-insensitive on input)."""

REFLECTOR_SHAPES = (
    "PARABOLIC",
    "DAVIES_COTTON",
    "HYBRID",
    "SCHWARZSCHILD_COUDER",
    "STRAIGHT",
    "UNKNOWN",
)
"""Reflector shapes, as ctapipe names them (case-insensitive on input; ``-`` or
spaces read as ``_``). ``HYBRID`` is the parabolic/Davies-Cotton mix of MSTs and
recent LST models, ``STRAIGHT`` a lens-like or straight-through optics."""

FOCAL_LENGTH_CHOICES = ("equivalent", "effective")
"""Which focal length maps the camera plane to the sky, see `OpticsDescription.focal_length`."""


def _as_upper_name(value):
    value = getattr(value, "name", value)  # enum members (ctapipe's SizeType, ...)
    if isinstance(value, str):
        return value.strip().upper().replace("-", "_").replace(" ", "_")
    return value


_SAME_QUANTITY = attrs.cmp_using(eq=quantity_equal)


@attrs.frozen(kw_only=True)
class OpticsDescription:
    """The optical system of a telescope type.

    Attributes
    ----------
    name : str
        Optics name, e.g. ``"LST"``, ``"MST"``, ``"ASTRI"``.
    size_type : {"LST", "MST", "SST", "UNKNOWN"}
        Size class.
    reflector_shape : {"PARABOLIC", "DAVIES_COTTON", "HYBRID", "SCHWARZSCHILD_COUDER", \
"STRAIGHT", "UNKNOWN"}
        Mirror layout.
    equivalent_focal_length : `~astropy.units.Quantity`, length
        Nominal (design) focal length.
    effective_focal_length : `~astropy.units.Quantity`, length
        Focal length that best maps image positions to sky angles (from ray
        tracing, includes coma); NaN when the file does not give one.
    mirror_area : `~astropy.units.Quantity`, area
        Total reflecting area.
    n_mirrors : int
        Number of mirror surfaces (1, or 2 for dual-mirror optics).
    n_mirror_tiles : int
        Number of mirror facets.

    Raises
    ------
    cherenkit.errors.ParameterError
        When a field has a wrong type, unit or value.
    """

    name: str = attrs.field(validator=check_str)
    size_type: str = attrs.field(converter=_as_upper_name, validator=check_choice(SIZE_TYPES))
    reflector_shape: str = attrs.field(
        converter=_as_upper_name, validator=check_choice(REFLECTOR_SHAPES)
    )
    equivalent_focal_length: u.Quantity = attrs.field(
        converter=as_quantity,
        validator=check_quantity("length", ndim=0),
        eq=_SAME_QUANTITY,
    )
    effective_focal_length: u.Quantity = attrs.field(
        converter=as_quantity,
        validator=check_quantity("length", ndim=0),
        eq=_SAME_QUANTITY,
    )
    mirror_area: u.Quantity = attrs.field(
        converter=as_quantity,
        validator=check_quantity("area", ndim=0),
        eq=_SAME_QUANTITY,
    )
    n_mirrors: int = attrs.field(converter=as_int, validator=check_int(0))
    n_mirror_tiles: int = attrs.field(converter=as_int, validator=check_int(0))

    def __hash__(self):
        # NaN focal lengths hash by identity in Python, so leave quantities out
        return hash(
            ("OpticsDescription", self.name, self.size_type, self.reflector_shape, self.n_mirrors)
        )

    def __str__(self):
        return self.name

    def focal_length(self, choice: str = "equivalent") -> u.Quantity:
        """The equivalent or the effective focal length.

        Parameters
        ----------
        choice : {"equivalent", "effective"}
            Default is ``"equivalent"``.

        Raises
        ------
        cherenkit.errors.ParameterError
            When ``choice`` is unknown, or is ``"effective"`` and that is NaN.
        """
        if choice not in FOCAL_LENGTH_CHOICES:
            raise ParameterError(
                "OpticsDescription.focal_length",
                "choice",
                f"got {choice!r}, expected one of 'equivalent', 'effective'",
            )
        value = getattr(self, f"{choice}_focal_length")
        if not np.isfinite(value.value):
            raise ParameterError(
                "OpticsDescription.focal_length",
                "choice",
                f"optics {self.name!r} has no {choice} focal length (it is {value}); "
                "use choice='equivalent'",
            )
        return value
