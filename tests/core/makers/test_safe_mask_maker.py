"""SafeMaskMaker: methods looked up by name in the plugin registry."""

import types

import astropy.units as u
import pytest
from astropy.coordinates import SkyCoord

from cherenkit.datasets import MapDataset
from cherenkit.errors import ConfigError, PluginNotFoundError
from cherenkit.makers import SafeMaskMaker
from cherenkit.maps import MapAxis, WcsGeom


def _dataset():
    energy = MapAxis.from_energy_bounds(1, 10, 2, unit="TeV")
    geom = WcsGeom.create(skydir=(0, 0), npix=5, binsz=1.0, axes=[energy])
    dataset = MapDataset.create(geom, binsz_irf=1.0, name="d")
    dataset.background.data[...] = 1.0
    dataset.mask_safe.data[...] = True
    return dataset


def test_dispatch_to_a_registered_plugin(offset_plugin):
    maker = SafeMaskMaker(methods=["test-offset-max"], offset_max="1.2 deg")
    assert maker.offset_max == 1.2 * u.deg
    dataset = _dataset()
    dataset.background.data[1, 2, 2] = 0.0  # no usable background: never safe
    observation = types.SimpleNamespace(pointing=SkyCoord(0, 0, unit="deg"))
    result = maker.run(dataset, observation)
    # pixel centres at integer degrees; separation < 1.2 deg: the centre and its 4
    # neighbours (the diagonal ones are at 1.41 deg)
    assert result.mask_safe.data[0].sum() == 5
    assert result.mask_safe.data[1].sum() == 4
    assert dataset.mask_safe.data.all()  # the input keeps its mask
    assert result.counts is dataset.counts


def test_unknown_method_names_the_kind_and_choices(offset_plugin):
    with pytest.raises(PluginNotFoundError) as err:
        SafeMaskMaker(methods=["test-offset-mx"])
    message = str(err.value)
    assert "test-offset-mx" in message
    assert "test-offset-max" in message  # listed / suggested


def test_parameter_of_no_method_is_an_error(offset_plugin):
    with pytest.raises(ConfigError, match=r"offset_mx.*offset_max"):
        SafeMaskMaker(methods=["test-offset-max"], offset_mx="3 deg")
    with pytest.raises(ConfigError):
        SafeMaskMaker(methods=["test-offset-max"], offset_max=3)  # no unit
