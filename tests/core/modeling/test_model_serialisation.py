"""YAML round trips of `Models` with every model type, gammapy model files, and the
errors of bad model files."""

import numpy as np
import pytest

from cherenkit.errors import ParameterError
from cherenkit.maps import WcsGeom
from cherenkit.modeling import (
    BrokenPowerLawSpectralModel,
    ConstantTemporalModel,
    DiskSpatialModel,
    ExpCutoffPowerLawSpectralModel,
    FoVBackgroundModel,
    GaussianSpatialModel,
    LogParabolaSpectralModel,
    Models,
    PointSpatialModel,
    PowerLaw2SpectralModel,
    PowerLawSpectralModel,
    ShellSpatialModel,
    SkyModel,
    SmoothBrokenPowerLawSpectralModel,
    TemplateSpatialModel,
)

# written by gammapy 2.1: Models([...]).to_yaml() (metadata block dropped)
GAMMAPY_YAML = """
components:
-   name: src
    type: SkyModel
    spectral:
        type: ExpCutoffPowerLawSpectralModel
        parameters:
        -   {name: index, value: 2.1}
        -   {name: amplitude, value: 1.0e-12, unit: TeV-1 s-1 cm-2}
        -   {name: reference, value: 1.0, unit: TeV}
        -   {name: lambda_, value: 0.05, unit: TeV-1}
        -   {name: alpha, value: 1.0}
    spatial:
        type: GaussianSpatialModel
        frame: galactic
        parameters:
        -   {name: lon_0, value: 0.1, unit: deg}
        -   {name: lat_0, value: -0.05, unit: deg}
        -   {name: sigma, value: 0.15, unit: deg, error: 0.01}
        -   {name: e, value: 0.5}
        -   {name: phi, value: 20.0, unit: deg}
-   name: shell
    type: SkyModel
    spectral:
        type: SmoothBrokenPowerLawSpectralModel
        parameters:
        -   {name: index1, value: 1.8}
        -   {name: index2, value: 2.9}
        -   {name: amplitude, value: 1.0e-12, unit: TeV-1 s-1 cm-2}
        -   {name: ebreak, value: 3.0, unit: TeV}
        -   {name: reference, value: 1.0, unit: TeV}
        -   {name: beta, value: 1.0}
    spatial:
        type: ShellSpatialModel
        frame: icrs
        parameters:
        -   {name: lon_0, value: 83.0, unit: deg}
        -   {name: lat_0, value: 22.0, unit: deg}
        -   {name: radius, value: 1.0, unit: deg}
        -   {name: width, value: 0.2, unit: deg}
    temporal:
        type: ConstantTemporalModel
        parameters: []
        scale: utc
"""


def _template(tmp_path):
    geom = WcsGeom.create(skydir=(10.0, 5.0), npix=(30, 20), binsz=0.02, frame="galactic")
    image = GaussianSpatialModel(lon_0=10.0, lat_0=5.0, sigma=0.05, frame="galactic")
    model = TemplateSpatialModel(image.evaluate_geom(geom))
    model.write(tmp_path / "template.fits")
    return model


def _all_models(tmp_path):
    spectra = [
        PowerLawSpectralModel(index=2.7),
        PowerLaw2SpectralModel(index=2.2, amplitude="3e-11 cm-2 s-1", emin="0.5 TeV"),
        ExpCutoffPowerLawSpectralModel(index=1.9, lambda_="0.07 TeV-1"),
        BrokenPowerLawSpectralModel(index1=1.5, index2=3.0, ebreak="2 TeV"),
        SmoothBrokenPowerLawSpectralModel(index1=1.5, index2=3.0, beta=0.5),
        LogParabolaSpectralModel(alpha=2.3, beta=0.1),
    ]
    spatials = [
        PointSpatialModel(lon_0=83.63, lat_0=22.01),
        GaussianSpatialModel(lon_0=184.5, lat_0=-5.8, sigma=0.2, e=0.3, phi=-40, frame="galactic"),
        DiskSpatialModel(lon_0=83.0, lat_0=21.0, r_0=0.4, edge_width=0.05),
        ShellSpatialModel(lon_0=82.0, lat_0=23.0, radius=0.6, width=0.1),
        _template(tmp_path),
        None,
    ]
    models = [
        SkyModel(spectral, spatial, name=f"src-{i}")
        for i, (spectral, spatial) in enumerate(zip(spectra, spatials, strict=True))
    ]
    models[0].temporal_model = ConstantTemporalModel()
    return Models([*models, FoVBackgroundModel("obs-1")])


def test_yaml_round_trip_preserves_everything(tmp_path):
    models = _all_models(tmp_path)
    # non-default errors, bounds and frozen flags
    gauss = models["src-1"].spatial_model
    gauss.sigma.error = 0.012
    gauss.sigma.min, gauss.sigma.max = 0.01, 2.0
    gauss.e.frozen = False
    models["src-2"].spectral_model.lambda_.error = 0.004
    models["src-0"].spatial_model.lon_0.frozen = True
    models["src-3"].spectral_model.ebreak.max = 50.0
    models["obs-1-bkg"].spectral_model.tilt.frozen = False
    path = tmp_path / "models.yaml"
    models.write(path)
    read = Models.read(path)
    assert read.names == models.names
    for old, new in zip(models, read, strict=True):
        assert type(new) is type(old)
        for part in ("spectral_model", "spatial_model", "temporal_model"):
            old_part, new_part = getattr(old, part, None), getattr(new, part, None)
            assert type(new_part) is type(old_part)
            if old_part is None:
                continue
            assert [p.to_dict() for p in new_part.parameters] == [
                p.to_dict() for p in old_part.parameters
            ]
            assert getattr(new_part, "frame", None) == getattr(old_part, "frame", None)
    assert read["src-1"].spatial_model.frame == "galactic"
    assert read["src-1"].spatial_model.sigma.error == 0.012
    assert read["src-1"].spatial_model.sigma.max == 2.0
    assert not read["src-1"].spatial_model.e.frozen
    assert read["src-0"].spatial_model.lon_0.frozen
    assert isinstance(read["src-0"].temporal_model, ConstantTemporalModel)
    template = read["src-4"].spatial_model
    assert template.filename == str(tmp_path / "template.fits")
    np.testing.assert_allclose(template.map.data, models["src-4"].spatial_model.map.data)
    assert template.frame == "galactic"
    # a second trip gives the same text
    assert read.to_yaml() == models.to_yaml()


def test_copies_are_independent(tmp_path):
    models = _all_models(tmp_path)
    for model in models:
        copy = model.copy(name=model.name)
        for old, new in zip(model.parameters, copy.parameters, strict=True):
            assert old is not new and old.to_dict() == new.to_dict()
    template = models["src-4"].spatial_model
    copy = template.copy()
    assert copy.map is not None and copy.filename == template.filename
    np.testing.assert_allclose(copy.map.data, template.map.data, rtol=1e-12)
    assert models["src-1"].spatial_model.copy().frame == "galactic"


def test_reads_gammapy_model_files(tmp_path):
    path = tmp_path / "gammapy.yaml"
    path.write_text(GAMMAPY_YAML)
    models = Models.read(path)
    src = models["src"]
    assert isinstance(src.spectral_model, ExpCutoffPowerLawSpectralModel)
    assert src.spectral_model.lambda_.value == 0.05
    assert src.spectral_model.alpha.frozen  # gammapy omits default frozen flags
    spatial = src.spatial_model
    assert isinstance(spatial, GaussianSpatialModel) and spatial.frame == "galactic"
    assert (spatial.sigma.value, spatial.sigma.error, spatial.e.value) == (0.15, 0.01, 0.5)
    shell = models["shell"]
    assert isinstance(shell.spatial_model, ShellSpatialModel)
    assert isinstance(shell.temporal_model, ConstantTemporalModel)
    assert shell.spectral_model.ebreak.value == 3.0


def test_unknown_model_type_names_the_type_and_the_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(GAMMAPY_YAML.replace("ShellSpatialModel", "ShelSpatialModel"))
    with pytest.raises(
        ValueError,
        match=r"bad\.yaml: unknown spatial model type 'ShelSpatialModel'; known types: .*'ShellSpatialModel'.*did you mean 'ShellSpatialModel'",
    ):
        Models.read(path)


def test_unknown_parameter_in_a_file_names_it(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(GAMMAPY_YAML.replace("name: sigma", "name: sigmaa"))
    with pytest.raises(
        ValueError,
        match=r"bad\.yaml: GaussianSpatialModel\.sigmaa: unknown parameter in the model file",
    ):
        Models.read(path)


def test_bad_unit_in_a_file_names_the_parameter(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(
        GAMMAPY_YAML.replace(
            "{name: radius, value: 1.0, unit: deg}", "{name: radius, value: 1.0, unit: TeV}"
        )
    )
    with pytest.raises(
        ValueError,
        match=r"bad\.yaml: ShellSpatialModel\.radius\.value: .*cannot be converted to the unit 'deg'",
    ):
        Models.read(path)


def test_template_needs_a_filename_to_be_written_and_an_existing_file_to_be_read(tmp_path):
    geom = WcsGeom.create(skydir=(0.0, 0.0), npix=10, binsz=0.1)
    template = TemplateSpatialModel(GaussianSpatialModel(sigma=0.2).evaluate_geom(geom))
    models = Models([SkyModel(PowerLawSpectralModel(), template, name="t")])
    with pytest.raises(
        ValueError, match="TemplateSpatialModel has no filename: write the map first"
    ):
        models.to_yaml()
    template.filename = str(tmp_path / "missing.fits")
    path = tmp_path / "t.yaml"
    models.write(path)
    with pytest.raises(
        FileNotFoundError,
        match=r"TemplateSpatialModel: template map file .*missing\.fits not found",
    ):
        Models.read(path)


def test_spatial_models_from_dict_dispatch_on_type():
    from cherenkit.modeling.spatial import SpatialModel

    data = DiskSpatialModel(r_0=0.3, frame="galactic").to_dict()
    assert data["type"] == "DiskSpatialModel" and data["frame"] == "galactic"
    model = SpatialModel.from_dict(data)
    assert isinstance(model, DiskSpatialModel) and model.r_0.value == 0.3
    with pytest.raises(ParameterError, match=r"DiskSpatialModel\.frame: expected one of"):
        SpatialModel.from_dict({**data, "frame": "fk4"})
