"""Result containers: floats inside, Quantities outside, ctapipe's names."""

import astropy.units as u
import attrs
import numpy as np
import pytest

from cherenkit.image import (
    CameraTimingParametersContainer,
    HillasParametersContainer,
    ImageParametersContainer,
    LeakageContainer,
)


def test_quantities_are_converted_to_the_field_unit():
    hillas = HillasParametersContainer(length=0.36 * u.arcmin, psi=np.pi / 2 * u.rad, intensity=5)
    assert hillas.length.unit == u.deg and hillas.psi.unit == u.deg
    assert hillas.length.value == pytest.approx(0.006, rel=1e-15)
    assert hillas.psi.value == pytest.approx(90.0, rel=1e-15)
    assert np.isnan(hillas.width.value) and hillas.width.unit == u.deg  # default: not computed


def test_plain_numbers_are_taken_in_the_field_unit():
    timing = CameraTimingParametersContainer(slope=12.5, intercept=3.0)
    assert timing.slope == 12.5 / u.m
    with pytest.raises(u.UnitConversionError):
        CameraTimingParametersContainer(slope=1 * u.s)


def test_fields_read_as_fresh_quantities_and_are_frozen():
    hillas = HillasParametersContainer(width=0.1 * u.deg)
    width = hillas.width
    width += 1 * u.deg  # in place on the returned Quantity only
    assert hillas.width == 0.1 * u.deg
    with pytest.raises(AttributeError):
        hillas.width = 0.2 * u.deg
    assert attrs.evolve(hillas, width=0.2 * u.deg).width == 0.2 * u.deg


def test_as_dict_and_repr_use_the_public_names():
    hillas = HillasParametersContainer(fov_lon=1 * u.deg, intensity=10.0)
    values = hillas.as_dict(add_prefix=True)
    assert list(values)[:4] == [
        "hillas_intensity",
        "hillas_skewness",
        "hillas_kurtosis",
        "hillas_fov_lon",
    ]
    assert values["hillas_fov_lon"] == 1 * u.deg
    assert "fov_lon=1.0 deg" in repr(hillas) and "_fov_lon" not in repr(hillas)
    parameters = ImageParametersContainer(leakage=LeakageContainer(pixels_width_1=0.5))
    assert parameters.as_dict()["leakage_pixels_width_1"] == 0.5
