"""Converters, validators and comparisons shared by the instrument classes.

Converters normalise what they recognise and pass anything else through untouched,
so that the validators (which know the field name) can raise one
`~cherenkit.errors.ParameterError` that says which field of which class is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable

import astropy.units as u
import numpy as np

from ..errors import ParameterError, format_ids

__all__ = [
    "as_angle",
    "as_float_array",
    "as_int",
    "as_int_array",
    "as_quantity",
    "check_choice",
    "check_int",
    "check_quantity",
    "check_str",
    "format_ids",
    "quantity_equal",
    "readonly",
]


def readonly(array: np.ndarray) -> np.ndarray:
    """Mark ``array`` read-only and return it (cached and stored arrays are shared)."""
    array.flags.writeable = False
    return array


def _owner(instance) -> str:
    return type(instance).__name__


def _describe(value) -> str:
    if isinstance(value, u.Quantity):
        return f"a Quantity in {value.unit or 'dimensionless'}"
    text = repr(value)
    return text if len(text) < 60 else f"a {type(value).__name__}"


# --- converters ----------------------------------------------------------------


def as_quantity(value):
    """A private read-only float64 copy of a Quantity (or a parsable string)."""
    if isinstance(value, str):
        try:
            value = u.Quantity(value)
        except (TypeError, ValueError):
            return value
    if isinstance(value, u.Quantity):
        return readonly(u.Quantity(value, dtype=np.float64, copy=True))
    return value


def as_angle(value):
    """An `~astropy.units.Quantity`, angle in degrees, from a Quantity or a string."""
    if isinstance(value, str | u.Quantity):
        try:
            return u.Quantity(value).to(u.deg)
        except (TypeError, ValueError, u.UnitsError):
            return value
    return value


def as_int_array(value):
    """A private read-only 1-d int64 copy of an array of integers."""
    try:
        array = np.array(value)
    except (TypeError, ValueError):
        return value
    if array.dtype.kind in "iu" or (array.size == 0 and array.dtype.kind == "f"):
        return readonly(array.astype(np.int64))
    return value


def as_float_array(value):
    """A private read-only float64 copy of an array of numbers."""
    if isinstance(value, u.Quantity):
        return value
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        return value
    return readonly(array)


def as_int(value):
    """A Python int from an integer (numpy or not); anything else unchanged."""
    if isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_):
        return int(value)
    return value


# --- validators ----------------------------------------------------------------


def check_str(instance, attribute, value):
    """Validator: a non-empty string."""
    if not isinstance(value, str) or not value:
        raise ParameterError(
            _owner(instance), attribute.name, f"expected a non-empty string, got {value!r}"
        )


def check_int(minimum: int = 0, *, optional: bool = False):
    """Validator factory: an int ``>= minimum`` (or None when ``optional``)."""

    def check(instance, attribute, value):
        if value is None and optional:
            return
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise ParameterError(
                _owner(instance),
                attribute.name,
                f"expected an integer >= {minimum}, got {value!r}",
            )

    return check


def check_choice(choices: Iterable[str]):
    """Validator factory: one of ``choices`` (listed in the error)."""
    choices = tuple(choices)

    def check(instance, attribute, value):
        if value not in choices:
            valid = ", ".join(repr(c) for c in choices)
            raise ParameterError(
                _owner(instance), attribute.name, f"got {value!r}, expected one of {valid}"
            )

    return check


def check_quantity(physical_type: str | tuple[str, ...], *, ndim: int | None = None):
    """Validator factory: a Quantity of ``physical_type`` (and ``ndim`` dimensions)."""
    types = (physical_type,) if isinstance(physical_type, str) else physical_type

    def check(instance, attribute, value):
        ok = isinstance(value, u.Quantity) and any(value.unit.physical_type == t for t in types)
        if not ok:
            expected = " or ".join(types)
            raise ParameterError(
                _owner(instance),
                attribute.name,
                f"expected a Quantity with a unit of {expected}, got {_describe(value)}",
            )
        if ndim is not None and value.ndim != ndim:
            raise ParameterError(
                _owner(instance),
                attribute.name,
                f"expected {ndim} dimension(s), got shape {value.shape}",
            )

    return check


# --- comparison and formatting -------------------------------------------------


def quantity_equal(a, b) -> bool:
    """Whether two Quantities hold the same values (NaN equals NaN, units converted)."""
    if not (isinstance(a, u.Quantity) and isinstance(b, u.Quantity)):
        return a is b or (a is not None and b is not None and np.array_equal(a, b))
    if a.shape != b.shape or not a.unit.is_equivalent(b.unit):
        return False
    return bool(np.array_equal(a.value, b.to_value(a.unit), equal_nan=True))
