"""Parameters of the spectral, spatial and temporal models: units, bounds, covariance
blocks and the errors of bad input."""

import astropy.units as u
import numpy as np
import pytest

from cherenkit.errors import ParameterError
from cherenkit.modeling import (
    DiskSpatialModel,
    ExpCutoffPowerLawSpectralModel,
    GaussianSpatialModel,
    Parameter,
    Parameters,
    PowerLaw2SpectralModel,
    ShellSpatialModel,
    SkyModel,
)


def test_values_are_converted_to_the_fixed_unit():
    model = GaussianSpatialModel(lon_0="1 rad", sigma=30 * u.arcmin)
    assert model.sigma.value == pytest.approx(0.5)
    assert model.lon_0.value == pytest.approx(np.degrees(1.0))
    model.sigma.value = "36 arcsec"
    assert model.sigma.value == pytest.approx(0.01)
    ecpl = ExpCutoffPowerLawSpectralModel(lambda_="0.5 PeV-1", amplitude="1e-10 m-2 s-1 GeV-1")
    assert ecpl.lambda_.value == pytest.approx(5e-4)
    assert ecpl.amplitude.value == pytest.approx(1e-11)


def test_default_bounds_and_flags_follow_gammapy():
    disk = DiskSpatialModel()
    assert (disk.r_0.min, disk.e.min, disk.e.max) == (0.0, 0.0, 1.0)
    assert (disk.phi.min, disk.phi.max, disk.edge_width.max) == (-180.0, 180.0, 1.0)
    assert disk.e.frozen and disk.phi.frozen and disk.edge_width.frozen
    assert not disk.r_0.frozen
    assert (disk.lat_0.min, disk.lat_0.max) == (-90.0, 90.0)
    assert np.isnan(disk.lon_0.min)
    pl2 = PowerLaw2SpectralModel()
    assert pl2.amplitude.is_norm and pl2.amplitude.interp == "log"
    assert not pl2.index.is_norm
    # each instance has its own parameter objects
    assert DiskSpatialModel().r_0 is not disk.r_0


def test_covariance_sub_blocks():
    model = SkyModel(ExpCutoffPowerLawSpectralModel(), GaussianSpatialModel(sigma=0.2), name="src")
    parameters = model.parameters
    assert len(parameters) == 10
    block = np.array([[0.04, 0.001], [0.001, 0.0025]])
    sub = [parameters["index"], parameters["sigma"]]
    parameters.set_subcovariance(sub, block)
    np.testing.assert_array_equal(parameters.get_subcovariance(sub), block)
    i, s = parameters.index("index"), parameters.index("sigma")
    assert parameters.covariance[i, s] == 0.001 and parameters.covariance[s, i] == 0.001
    assert np.count_nonzero(parameters.covariance) == 4
    # reversed order gives the transposed block; names work too
    np.testing.assert_array_equal(
        parameters.get_subcovariance(["sigma", "index"]), block[::-1, ::-1]
    )
    parameters.set_errors_from_covariance()
    assert parameters["index"].error == pytest.approx(0.2)
    assert parameters["sigma"].error == pytest.approx(0.05)
    assert parameters["lambda_"].error == 0.0
    # SkyModel covariance: block diagonal over its parts
    model.covariance = parameters.covariance
    np.testing.assert_array_equal(model.spatial_model.covariance[2, 2], 0.0025)
    assert model.covariance[i, s] == 0.0  # the cross term is not kept per part


def test_stacked_parameters_keep_links_once():
    shared = Parameter("lon_0", 83.6, "deg")
    a = GaussianSpatialModel(lon_0=shared)
    b = ShellSpatialModel(lon_0=shared)
    stacked = Parameters.from_stack([a.parameters, b.parameters])
    assert len(stacked) == 9
    assert len(stacked.unique_parameters) == 8
    shared.value = 80.0
    assert a.lon_0.value == b.lon_0.value == 80.0


def test_unknown_parameter_is_named_with_a_suggestion():
    with pytest.raises(
        ParameterError,
        match=r"GaussianSpatialModel\.sigmaa: unknown parameter; parameters are \['lon_0', 'lat_0', 'sigma', 'e', 'phi'\]; did you mean 'sigma'\?",
    ) as info:
        GaussianSpatialModel(sigmaa=0.1)
    assert (info.value.owner, info.value.key) == ("GaussianSpatialModel", "sigmaa")
    with pytest.raises(KeyError, match=r"no parameter 'radus'.*did you mean 'radius'"):
        ShellSpatialModel().parameters["radus"]


def test_unit_that_does_not_convert_is_named():
    with pytest.raises(
        ParameterError,
        match=r"DiskSpatialModel\.r_0: <Quantity 1\. TeV> cannot be converted to the unit 'deg': 'TeV' \(energy/torque/work\) and 'deg' \(angle\) are not convertible",
    ) as info:
        DiskSpatialModel(r_0="1 TeV")
    assert info.value.key == "r_0"
    model = ExpCutoffPowerLawSpectralModel()
    with pytest.raises(
        ParameterError, match=r"lambda_\.value: .*cannot be converted to the unit 'TeV-1'"
    ):
        model.lambda_.value = 3 * u.TeV
    assert model.lambda_.value == 0.1  # unchanged
    with pytest.raises(
        ParameterError, match=r"GaussianSpatialModel\.sigma: expected a number, got \[1, 2\]"
    ):
        GaussianSpatialModel(sigma=[1, 2])
