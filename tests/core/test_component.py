"""Parameters: conversion and validation of plugin parameters."""

import astropy.units as u
import attrs
import pytest

from cherenkit.component import Component, describe_parameters, parameter, toml_value
from cherenkit.errors import ParameterError


@attrs.frozen(kw_only=True)
class Example(Component):
    """An example component.

    More text.
    """

    name = "example"
    thresh: float = parameter(10.0, gt=0, help="A threshold.")
    count: int = parameter(2, ge=0, le=8)
    flag: bool = parameter(False)
    mode: str = parameter("a", choices=("a", "b"))
    offset: object = parameter("2.5 deg", unit="deg", gt=0)
    energy: object = parameter(None, unit="TeV")
    ratio: object = parameter(0.5, unit="")
    labels: tuple = parameter(["x"])


def test_defaults_are_converted():
    e = Example()
    assert e.thresh == 10.0 and isinstance(e.thresh, float)
    assert e.offset == 2.5 * u.deg and e.offset.unit == u.deg
    assert e.energy is None
    assert e.ratio == 0.5 * u.dimensionless_unscaled
    assert e.labels == ("x",)


def test_quantities_from_strings_and_quantities_are_stored_in_the_declared_unit():
    assert Example(offset="180 arcmin").offset.to_value(u.deg) == pytest.approx(3.0)
    assert Example(offset=0.1 * u.rad).offset.unit == u.deg
    assert Example(energy="500 GeV").energy.to_value(u.TeV) == pytest.approx(0.5)


def test_int_is_accepted_as_float_but_not_the_reverse():
    assert Example(thresh=7).thresh == 7.0
    with pytest.raises(ParameterError, match=r"Example.count: expected an integer, got 2.5"):
        Example(count=2.5)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"thresh": "ten"}, r"Example.thresh: expected a number, got 'ten' \(str\)"),
        ({"thresh": True}, r"expected a number, got True \(bool\)"),
        ({"thresh": 0}, r"value 0.0 is out of range: must be > 0"),
        ({"count": 9}, r"Example.count: value 9 is out of range: must be <= 8"),
        ({"flag": 1}, r"expected true or false, got 1 \(int\)"),
        ({"mode": "c"}, r"'c' is not one of the choices 'a', 'b'"),
        ({"offset": 3}, r"missing unit: expected an angle such as '3 deg'"),
        ({"offset": "3 TeV"}, r"wrong unit: 3.0 TeV is not convertible to deg \(angle\)"),
        ({"offset": "three deg"}, r"cannot read 'three deg' as a quantity"),
        ({"offset": "-1 deg"}, r"value -1.0 deg is out of range: must be > 0 deg"),
        ({"offset": [1, 2] * u.deg}, r"expected a single value"),
        ({"thresh": None}, r"a value is required \(float\)"),
        ({"labels": "x"}, r"expected a list, got 'x'"),
        ({"thresh": float("inf")}, r"expected a finite number, got inf"),
        ({"offset": "nan deg"}, r"expected a finite quantity, got nan deg"),
    ],
)
def test_bad_values_name_the_parameter_and_the_problem(kwargs, message):
    with pytest.raises(ParameterError, match=message) as info:
        Example(**kwargs)
    assert info.value.key == next(iter(kwargs))
    assert info.value.owner == "Example"


def test_parameter_needs_a_type_when_the_default_is_none():
    with pytest.raises(TypeError, match="needs type="):
        parameter(None)
    with pytest.raises(TypeError, match="must be bool, int, float, str or tuple"):
        parameter({"a": 1})


def test_describe_parameters_and_summary():
    described = {p["name"]: p for p in describe_parameters(Example)}
    assert described["thresh"] == {
        "name": "thresh",
        "type": "float",
        "default": "10.0",
        "unit": None,
        "bounds": "> 0",
        "choices": None,
        "help": "A threshold.",
    }
    assert described["offset"]["type"] == "quantity [deg]"
    assert described["offset"]["default"] == '"2.5 deg"'
    assert described["energy"]["default"] == "none"
    assert described["count"]["bounds"] == ">= 0, <= 8"
    assert described["mode"]["choices"] == ["a", "b"]
    assert Example.summary() == "An example component."


def test_toml_value():
    assert toml_value(3 * u.deg) == '"3 deg"'
    assert toml_value(True) == "true"
    assert toml_value(("a", 1.5)) == '["a", 1.5]'
