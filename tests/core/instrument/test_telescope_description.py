"""OpticsDescription, CameraReadout, CameraDescription and TelescopeDescription."""

import astropy.units as u
import numpy as np
import pytest

from cherenkit.errors import ParameterError
from cherenkit.instrument import (
    CameraDescription,
    CameraGeometry,
    CameraReadout,
    OpticsDescription,
    TelescopeDescription,
)


def optics(**changes):
    base = dict(
        name="ASTRI",
        size_type="sst",
        reflector_shape="schwarzschild-coudER",
        equivalent_focal_length=2.15 * u.m,
        effective_focal_length=np.nan * u.m,
        mirror_area=14.1 * u.m**2,
        n_mirrors=np.int64(2),
        n_mirror_tiles=2,
    )
    return OpticsDescription(**{**base, **changes})


def readout(**changes):
    base = dict(
        name="ASTRICam",
        sampling_rate=1 * u.GHz,
        reference_pulse_shape=np.ones((1, 10)),
        reference_pulse_sample_width=0.5 * u.ns,
        n_channels=1,
        n_pixels=9,
        n_samples=25,
    )
    return CameraReadout(**{**base, **changes})


def telescope():
    geometry = CameraGeometry.make_rectangular(n_x=3, n_y=3, name="ASTRICam")
    camera = CameraDescription(name="ASTRICam", geometry=geometry, readout=readout())
    return TelescopeDescription(name="ASTRI", optics=optics(), camera=camera)


def test_optics_normalises_names_and_compares_nan():
    o = optics()
    assert o.size_type == "SST" and o.reflector_shape == "SCHWARZSCHILD_COUDER"
    assert o.n_mirrors == 2 and type(o.n_mirrors) is int
    assert o == optics() and hash(o) == hash(optics())  # NaN effective focal length
    assert o != optics(mirror_area=14.2 * u.m**2)
    assert o.focal_length() == 2.15 * u.m
    assert str(o) == "ASTRI"


def test_optics_errors():
    with pytest.raises(ParameterError) as info:
        optics(size_type="XL")
    assert str(info.value) == (
        "OpticsDescription.size_type: got 'XL', expected one of 'LST', 'MST', 'SST', 'UNKNOWN'"
    )
    with pytest.raises(ParameterError) as info:
        optics(reflector_shape="spherical")
    assert str(info.value) == (
        "OpticsDescription.reflector_shape: got 'SPHERICAL', expected one of 'PARABOLIC', "
        "'DAVIES_COTTON', 'HYBRID', 'SCHWARZSCHILD_COUDER', 'STRAIGHT', 'UNKNOWN'"
    )
    with pytest.raises(ParameterError) as info:
        optics(equivalent_focal_length=2.15)
    assert str(info.value) == (
        "OpticsDescription.equivalent_focal_length: expected a Quantity with a unit of "
        "length, got 2.15"
    )
    with pytest.raises(ParameterError, match="n_mirror_tiles: expected an integer >= 0, got -1"):
        optics(n_mirror_tiles=-1)
    with pytest.raises(ParameterError) as info:
        optics().focal_length("effective")
    assert str(info.value) == (
        "OpticsDescription.focal_length.choice: optics 'ASTRI' has no effective focal length "
        "(it is nan m); use choice='equivalent'"
    )
    with pytest.raises(ParameterError, match="got 'nominal', expected one of 'equivalent'"):
        optics().focal_length("nominal")


def test_readout():
    r = readout(sampling_rate="2 GHz")
    assert r.sample_width == 0.5 * u.ns
    np.testing.assert_allclose(r.reference_pulse_sample_time.to_value(u.ns), np.arange(10) / 2)
    assert r == readout(sampling_rate=2000 * u.MHz)
    assert r != readout(sampling_rate=2 * u.GHz, reference_pulse_shape=np.zeros((1, 10)))
    assert r.n_samples_long is None


def test_readout_errors():
    with pytest.raises(ParameterError) as info:
        readout(reference_pulse_shape=np.ones((2, 10)))
    assert str(info.value) == (
        "CameraReadout.reference_pulse_shape: expected shape (n_channels=1, n_pulse_samples), "
        "got (2, 10)"
    )
    with pytest.raises(ParameterError, match=r"CameraReadout\.sampling_rate: expected a Quantity"):
        readout(sampling_rate=1 * u.ns)
    with pytest.raises(
        ParameterError, match=r"CameraReadout\.n_channels: expected an integer >= 1"
    ):
        readout(n_channels=0)


def test_camera_description_checks_pixel_count():
    geometry = CameraGeometry.make_rectangular(n_x=2, n_y=2)
    with pytest.raises(ParameterError) as info:
        CameraDescription(name="ASTRICam", geometry=geometry, readout=readout())
    assert str(info.value) == (
        "CameraDescription.readout: camera 'ASTRICam': the readout has 9 pixels but the "
        "geometry has 4"
    )


def test_telescope_type_string():
    tel = telescope()
    assert tel.type_string == str(tel) == "SST_ASTRI_ASTRICam"
    assert tel.type == "SST" and tel.optics_name == "ASTRI" and tel.camera_name == "ASTRICam"
    assert tel == telescope() and hash(tel) == hash(telescope())
    assert repr(tel) == (
        "TelescopeDescription(type='SST', optics_name='ASTRI', camera_name='ASTRICam')"
    )
    assert tel.camera.n_pixels == 9
