"""Configurable components: typed, validated parameters on attrs classes.

Every plugin class is an attrs class whose fields are its parameters. Fields are
declared with `parameter`, which records the type, unit, bounds and help text and
converts what users give (numbers, ``"3 deg"`` strings, quantities) into one checked
value. The same conversion runs for Python keyword arguments and for TOML values, so
scripts and config files build equal objects.

Examples
--------
>>> import attrs
>>> from cherenkit.component import Component, parameter
>>> @attrs.frozen(kw_only=True)
... class OffsetCut(Component):
...     '''Keep events closer than ``offset_max`` to the pointing.'''
...     name = "offset-cut"
...     offset_max: object = parameter("2.5 deg", unit="deg", gt=0, help="Largest offset.")
>>> OffsetCut(offset_max="3 deg").offset_max
<Quantity 3. deg>
>>> OffsetCut(offset_max=3)
Traceback (most recent call last):
...
cherenkit.errors.ParameterError: OffsetCut.offset_max: missing unit: expected an angle ...
"""

from __future__ import annotations

import math
import numbers
from typing import Any, ClassVar

import attrs

from .errors import ParameterError

__all__ = ["Component", "ParameterInfo", "describe_parameters", "parameter"]

_TYPE_NAMES = {bool: "bool", int: "int", float: "float", str: "str", tuple: "list"}


@attrs.frozen
class ParameterInfo:
    """What `parameter` records about a field (kept in the field's metadata).

    Attributes
    ----------
    type : type or str
        One of bool, int, float, str, tuple (a list in TOML), or
        ``"quantity"`` (an `~astropy.units.Quantity`) when ``unit`` is set.
    unit : str or None
        Unit the value is stored in; values must be convertible to it.
    optional : bool
        Whether None is accepted.
    bounds : tuple of (str, float)
        Comparisons the value must pass, e.g. ``(("gt", 0.0),)``.
    choices : tuple of str or None
        Allowed values of a string parameter.
    help : str
        One line for ``cherenkit plugins show`` and the config template.
    """

    type: type | str
    unit: str | None = None
    optional: bool = False
    bounds: tuple = ()
    choices: tuple | None = None
    help: str = ""

    @property
    def type_name(self) -> str:
        if self.unit is not None:
            return f"quantity [{self.unit}]"
        name = _TYPE_NAMES.get(self.type, self.type.__name__)
        return f"{name} or none" if self.optional else name


_COMPARISONS = {
    "gt": (lambda v, b: v > b, ">"),
    "ge": (lambda v, b: v >= b, ">="),
    "lt": (lambda v, b: v < b, "<"),
    "le": (lambda v, b: v <= b, "<="),
}


def parameter(
    default: Any,
    *,
    type: type | None = None,
    unit: str | None = None,
    gt: float | None = None,
    ge: float | None = None,
    lt: float | None = None,
    le: float | None = None,
    choices: tuple[str, ...] | None = None,
    help: str = "",
):
    """Declare a component parameter: an attrs field with checked conversion.

    Parameters
    ----------
    default : object
        The default value. It is converted like any user value, so a unit
        parameter may default to a string such as ``"3 deg"``.
    type : {bool, int, float, str, tuple}, optional
        The value type. Default is the type of ``default`` (an int default makes an
        int parameter: write ``10.0`` for a float). Required when ``default`` is None.
    unit : str, optional
        Make this a quantity parameter stored in ``unit``. Plain numbers are
        rejected unless the unit is dimensionless.
    gt, ge, lt, le : float, optional
        Bounds, in ``unit`` for quantity parameters.
    choices : tuple of str, optional
        Allowed values of a string parameter.
    help : str, optional
        One line shown by ``cherenkit plugins show`` and the config template.

    Returns
    -------
    attrs field
    """
    if unit is not None:
        value_type = "quantity"  # astropy is imported only when a value is converted
    elif type is not None:
        value_type = type
    elif default is None:
        raise TypeError("parameter(None) needs type=... to know what values to accept")
    else:
        value_type = default.__class__
        if value_type is list:
            value_type = tuple
    if unit is None and value_type not in _TYPE_NAMES:
        raise TypeError(f"parameter type must be bool, int, float, str or tuple, not {value_type}")
    bounds = tuple(
        (op, float(b))
        for op, b in (("gt", gt), ("ge", ge), ("lt", lt), ("le", le))
        if b is not None
    )
    info = ParameterInfo(
        type=value_type,
        unit=unit,
        optional=default is None,
        bounds=bounds,
        choices=tuple(choices) if choices is not None else None,
        help=help,
    )
    return attrs.field(
        default=default,
        converter=attrs.Converter(_convert, takes_self=True, takes_field=True),
        metadata={"cherenkit": info},
    )


def _convert(value, instance, field):
    info: ParameterInfo = field.metadata["cherenkit"]
    owner = instance.__class__.__name__

    def fail(problem):
        raise ParameterError(owner, field.name, problem)

    if value is None:
        if info.optional:
            return None
        fail(f"a value is required ({info.type_name})")
    if info.unit is not None:
        value = _to_quantity(value, info.unit, fail)
        compared = float(value.value)
    else:
        value = _to_type(value, info.type, fail)
        compared = value
    for op, bound in info.bounds:
        check, symbol = _COMPARISONS[op]
        if not check(compared, bound):
            unit = f" {info.unit}" if info.unit else ""
            fail(f"value {compared!r}{unit} is out of range: must be {symbol} {bound:g}{unit}")
    if info.choices is not None and value not in info.choices:
        fail(f"{value!r} is not one of the choices {', '.join(map(repr, info.choices))}")
    return value


def _to_type(value, value_type, fail):
    if value_type is bool:
        if isinstance(value, bool):
            return value
        fail(f"expected true or false, got {value!r} ({value.__class__.__name__})")
    if value_type is int:
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            return int(value)
        fail(f"expected an integer, got {value!r} ({value.__class__.__name__})")
    if value_type is float:
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            if not math.isfinite(value):
                fail(f"expected a finite number, got {value!r}")
            return float(value)
        fail(f"expected a number, got {value!r} ({value.__class__.__name__})")
    if value_type is str:
        if isinstance(value, str):
            return value
        fail(f"expected a string, got {value!r} ({value.__class__.__name__})")
    if value_type is tuple:
        if isinstance(value, list | tuple):
            return tuple(value)
        fail(f"expected a list, got {value!r} ({value.__class__.__name__})")
    return value


def _to_quantity(value, unit, fail):
    import astropy.units as u

    target = u.Unit(unit)
    physical = str(target.physical_type).split("/")[0]  # "energy", not "energy/torque/work"
    if isinstance(value, str):
        try:
            value = u.Quantity(value)
        except (TypeError, ValueError):
            fail(f"cannot read {value!r} as a quantity; expected e.g. '1 {unit}'")
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        if target.is_equivalent(u.dimensionless_unscaled):
            value = u.Quantity(value, u.dimensionless_unscaled)
        else:
            fail(
                f"missing unit: expected {'an' if physical[0] in 'aeiou' else 'a'} "
                f"{physical} such as '{value} {unit}', got the plain number {value!r}"
            )
    elif not isinstance(value, u.Quantity):
        fail(f"expected a quantity in {unit}, got {value!r} ({value.__class__.__name__})")
    if not value.isscalar:
        fail(f"expected a single value, got an array of shape {value.shape}")
    if not math.isfinite(value.value):
        fail(f"expected a finite quantity, got {value}")
    try:
        return value.to(target)
    except u.UnitConversionError:
        fail(f"wrong unit: {value} is not convertible to {unit} ({physical})")


class Component:
    """Base of every configurable plugin class.

    A subclass is an attrs class with a unique kebab-case ``name`` and fields
    declared with `parameter`. Its summary is the first line of its docstring.
    """

    name: ClassVar[str]
    kind: ClassVar[str]

    @classmethod
    def summary(cls) -> str:
        """The first line of the class docstring."""
        doc = (cls.__doc__ or "").strip()
        return doc.splitlines()[0].strip() if doc else ""


def describe_parameters(cls) -> list[dict]:
    """Describe the parameters of an attrs component class.

    Parameters
    ----------
    cls : type
        An attrs class whose fields were declared with `parameter`.

    Returns
    -------
    list of dict
        One entry per parameter with keys ``name``, ``type``, ``default`` (as
        TOML-ready text), ``unit``, ``bounds`` (e.g. ``"> 0"``) and ``help``.
    """
    described = []
    for field in attrs.fields(cls):
        info = field.metadata.get("cherenkit")
        if info is None:
            continue
        described.append(
            {
                "name": field.name,
                "type": info.type_name,
                "default": toml_value(field.default),
                "unit": info.unit,
                "bounds": ", ".join(f"{_COMPARISONS[op][1]} {b:g}" for op, b in info.bounds),
                "choices": list(info.choices) if info.choices else None,
                "help": info.help,
            }
        )
    return described


def toml_value(value) -> str:
    """Write a parameter value as TOML text (``"3 deg"`` for quantities)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if hasattr(value, "unit") and hasattr(value, "value"):
        return f'"{value.value:g} {value.unit.to_string()}"'.replace(" ]", "]")
    return repr(value)
