"""FITS write/read of the reduced datasets (gammapy's ``MapDataset.write`` layout).

Every map must come back bit for bit (same dtype, unit, geometry), with the masks,
GTI, meta table and name, so that `info_dict` and `stat_sum` with the same model are
equal. Interoperability with gammapy 2.1 itself is checked outside the test suite
(the tests do not need gammapy); the layout it relies on (HDU names, tables) is
asserted here.
"""

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from astropy.time import Time

from cherenkit.data import GTI
from cherenkit.datasets import (
    Datasets,
    MapDataset,
    MapDatasetOnOff,
    SpectrumDataset,
    SpectrumDatasetOnOff,
)
from cherenkit.datasets.io import _write_atomic
from cherenkit.errors import DataFormatError
from cherenkit.maps import Map, MapAxis, RegionGeom, RegionNDMap, WcsGeom
from cherenkit.modeling import PowerLawSpectralModel, SkyModel
from cherenkit.modeling.spatial import PointSpatialModel

ENERGY = MapAxis.from_energy_bounds(1, 10, 3, unit="TeV")
ENERGY_TRUE = MapAxis.from_energy_bounds(0.5, 20, 4, unit="TeV", name="energy_true")
REGION = "icrs;circle(83.633, 22.014, 0.11)"


# --- building and comparing -----------------------------------------------------------


def _fill(dataset, seed):
    """Random but reproducible contents for every map of ``dataset``."""
    rng = np.random.default_rng(seed)
    dataset.counts.data[...] = rng.poisson(5.0, dataset.counts.data.shape)
    dataset.exposure.data[...] = 1e9 * (1 + rng.random(dataset.exposure.data.shape))
    dataset.exposure.meta["livetime"] = 1581.7367646954954
    dataset.mask_safe.data[...] = rng.random(dataset.mask_safe.data.shape) > 0.3
    dataset.mask_safe.data[1] = True
    dataset.mask_fit = dataset.mask_safe.copy(data=np.ones(dataset.mask_safe.data.shape, bool))
    dataset.mask_fit.data[0, 0, 0] = False
    if dataset.stat_type == "cash":
        dataset.background.data[...] = rng.random(dataset.background.data.shape)
    else:
        dataset.counts_off.data[...] = rng.poisson(20.0, dataset.counts_off.data.shape)
        dataset.acceptance_off.data[...] = 1.0 + 9.0 * rng.random(dataset.counts.data.shape)
    # a diagonal-ish energy-dispersion kernel and a Gaussian PSF of 0.1 deg
    kernel = dataset.edisp.edisp_map
    n_true, n_reco = kernel.data.shape[:2]
    kernel.data[...] = (np.eye(n_true, n_reco) * 0.8 + 0.05)[..., None, None]
    dataset.edisp.exposure_map.data[...] = 1e9
    if dataset.psf is not None:
        rad = dataset.psf.psf_map.geom.axis("rad").center.to_value("rad")
        sigma = np.deg2rad(0.1)
        profile = np.exp(-0.5 * (rad / sigma) ** 2) / (2 * np.pi * sigma**2)
        dataset.psf.psf_map.data[...] = profile[None, :, None, None]
        dataset.psf.exposure_map.data[...] = 1e9
    start = Time(["2004-12-04T22:00:00", "2004-12-04T22:30:00"], scale="tt")
    dataset.gti = GTI.create(start, start + [1200, 1687.0] * u.s)
    dataset.meta_table = Table(
        {
            "TELESCOP": ["HESS"],
            "OBS_ID": [23523],
            "RA_PNT": [83.63333] * u.deg,
            "DEC_PNT": [21.51444] * u.deg,
        }
    )
    return dataset


def _hand_built(cls):
    if cls in (SpectrumDataset, SpectrumDatasetOnOff):
        geom = RegionGeom.create(REGION, axes=[ENERGY])
    else:
        geom = WcsGeom.create(
            skydir=(83.63, 22.01), npix=(6, 5), binsz=0.1, frame="icrs", axes=[ENERGY]
        )
    dataset = cls.create(geom, energy_axis_true=ENERGY_TRUE, binsz_irf=0.2, name=f"hand-{cls.tag}")
    return _fill(dataset, seed=len(cls.tag))


def _model(dataset):
    spectral = PowerLawSpectralModel(index=2.5, amplitude="3e-11 cm-2 s-1 TeV-1", reference=1)
    if isinstance(dataset.counts.geom, RegionGeom):
        return SkyModel(spectral, name="crab")
    spatial = PointSpatialModel(lon_0="83.63 deg", lat_0="22.02 deg", frame="icrs")
    return SkyModel(spectral, spatial, name="crab")


def _maps(dataset):
    maps = {
        "counts": dataset.counts,
        "exposure": dataset.exposure,
        "background": dataset.background,
        "mask_safe": dataset.mask_safe,
        "mask_fit": dataset.mask_fit,
    }
    for key in ("counts_off", "acceptance", "acceptance_off"):
        maps[key] = getattr(dataset, key, None)
    for key in ("psf", "edisp"):
        irf = getattr(dataset, key)
        maps[f"{key}.irf_map"] = None if irf is None else irf.irf_map
        maps[f"{key}.exposure_map"] = None if irf is None else irf.exposure_map
    return maps


def _assert_info_equal(info, expected):
    assert info.keys() == expected.keys()
    for key, value in expected.items():
        if isinstance(value, u.Quantity):
            assert info[key].unit == value.unit, key
            np.testing.assert_array_equal(info[key].value, value.value, err_msg=key)
        else:
            np.testing.assert_equal(info[key], value, err_msg=key)


def _assert_same(read, dataset):
    assert type(read) is type(dataset)
    assert read.name == dataset.name
    for key, expected in _maps(dataset).items():
        got = _maps(read)[key]
        if expected is None:
            assert got is None, key
            continue
        assert type(got) is type(expected), key
        assert got.geom == expected.geom, key
        assert got.unit == expected.unit, key
        assert got.data.dtype == expected.data.dtype, key
        assert got.data.tobytes() == expected.data.tobytes(), key  # bit for bit
    assert read.exposure.meta == dataset.exposure.meta
    assert read.livetime == dataset.livetime
    np.testing.assert_array_equal(read.gti.met_start, dataset.gti.met_start)
    np.testing.assert_array_equal(read.gti.met_stop, dataset.gti.met_stop)
    assert abs((read.gti.time_ref - dataset.gti.time_ref).to_value(u.s)) < 1e-6
    assert read.gti.time_sum == dataset.gti.time_sum
    assert read.meta_table.colnames == dataset.meta_table.colnames
    for name in dataset.meta_table.colnames:
        assert read.meta_table[name].unit == dataset.meta_table[name].unit
        np.testing.assert_array_equal(read.meta_table[name], dataset.meta_table[name])
    _assert_info_equal(read.info_dict(), dataset.info_dict())
    read.models = [_model(read)]
    dataset.models = [_model(dataset)]
    stat = dataset.stat_sum()
    assert np.isfinite(stat) and stat > 0
    assert read.stat_sum() == stat
    _assert_info_equal(read.info_dict(), dataset.info_dict())


# --- hand-built datasets of every type --------------------------------------------------

ALL_TYPES = [MapDataset, MapDatasetOnOff, SpectrumDataset, SpectrumDatasetOnOff]


@pytest.mark.parametrize("cls", ALL_TYPES, ids=lambda c: c.tag)
def test_round_trip_hand_built(cls, tmp_path):
    dataset = _hand_built(cls)
    path = tmp_path / "dataset.fits"
    dataset.write(path)
    _assert_same(cls.read(path), dataset)
    assert [p.name for p in tmp_path.iterdir()] == ["dataset.fits"]  # no temporary left


@pytest.mark.parametrize("cls", ALL_TYPES, ids=lambda c: c.tag)
def test_layout_is_gammapys(cls, tmp_path):
    dataset = _hand_built(cls)
    dataset.write(tmp_path / "d.fits")
    with fits.open(tmp_path / "d.fits") as hdulist:
        names = [hdu.name for hdu in hdulist]
        assert hdulist[0].header["NAME"] == dataset.name
        assert hdulist[0].header["DSTYPE"] == cls.tag
        region = cls in (SpectrumDataset, SpectrumDatasetOnOff)
        maps = ["COUNTS", "EXPOSURE"]
        maps += [] if dataset.stat_type == "wstat" else ["BACKGROUND"]
        maps += ["EDISP", "EDISP_EXPOSURE"] + ([] if region else ["PSF", "PSF_EXPOSURE"])
        maps += ["MASK_SAFE", "MASK_FIT"]
        tail = (
            ["COUNTS_OFF", "ACCEPTANCE", "ACCEPTANCE_OFF"] if dataset.stat_type == "wstat" else []
        )
        expected = ["PRIMARY"]
        suffixes = ["", "_BANDS", "_REGION"] if region else ["", "_BANDS"]
        for name in maps:
            expected += [name + s for s in suffixes]
        expected += ["GTI", "META_TABLE"]
        for name in tail:
            expected += [name + s for s in suffixes]
        assert names == expected
        counts = hdulist["COUNTS"]
        if region:
            # one row per energy bin, the region as a FITS region table in pixels
            assert counts.columns.names == ["CHANNEL", "DATA"]
            np.testing.assert_array_equal(counts.data["DATA"].ravel(), dataset.counts.data.ravel())
            assert hdulist["COUNTS_REGION"].data["SHAPE"][0] == "circle"
            assert hdulist["COUNTS_REGION"].header["CTYPE1"] == "RA---TAN"
        else:
            assert counts.header["BANDSHDU"] == "COUNTS_BANDS"
            assert counts.data.shape == (3, 5, 6)
        assert hdulist["COUNTS"].header["AXCOLS1"] == "E_MIN,E_MAX"
        assert hdulist["EXPOSURE"].header["AXCOLS1"] == "ENERGY_TRUE_MIN,ENERGY_TRUE_MAX"
        assert hdulist["EXPOSURE_BANDS"].columns["ENERGY_TRUE_MIN"].unit == "TeV"
        # live time as gammapy writes it
        assert '"livetime": "1581.7367646954954 s"' in hdulist["EXPOSURE"].header["META"]
        assert hdulist["GTI"].columns["START"].unit == "s"
        np.testing.assert_array_equal(hdulist["GTI"].data["START"], dataset.gti.met_start.value)
        np.testing.assert_allclose(
            hdulist["GTI"].data["STOP"] - hdulist["GTI"].data["START"], [1200, 1687], rtol=1e-14
        )


def test_read_name_override_and_default(tmp_path):
    dataset = _hand_built(MapDataset)
    dataset.write(tmp_path / "d.fits")
    assert MapDataset.read(tmp_path / "d.fits", name="other").name == "other"
    assert MapDataset.read(str(tmp_path / "d.fits")).name == "hand-MapDataset"


def test_region_map_round_trip_is_exact(tmp_path):
    # pixel regions do not give the radius back exactly (1.1000011 pixels here); the
    # SKYREG card does
    geom = RegionGeom.create(REGION, axes=[ENERGY, ENERGY_TRUE])
    data = np.arange(np.prod(geom.data_shape), dtype=float).reshape(geom.data_shape)
    region_map = Map.from_geom(geom, data=data, unit="m2 s", meta={"livetime": 12.5})
    region_map.write(tmp_path / "r.fits")
    read = Map.read(tmp_path / "r.fits")
    assert isinstance(read, RegionNDMap)
    assert read.geom == geom
    assert read.geom.region.radius.to_value("deg") == 0.11
    assert read.unit == u.Unit("m2 s") and read.meta == {"livetime": 12.5}
    np.testing.assert_array_equal(read.data, data)
    # without the card (a gammapy file), the pixel table still gives the region
    with fits.open(tmp_path / "r.fits") as hdulist:
        del hdulist["SKYMAP_REGION"].header["SKYREG"]
        hdulist.writeto(tmp_path / "r_pixels.fits")
    read = Map.read(tmp_path / "r_pixels.fits")
    center = read.geom.region.center
    assert center.ra.deg == pytest.approx(83.633, abs=1e-10)
    assert center.dec.deg == pytest.approx(22.014, abs=1e-10)
    assert read.geom.region.radius.to_value("deg") == pytest.approx(0.11, rel=2e-6)


# --- collections ------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["folder", "index.yaml"])
def test_datasets_round_trip(tmp_path, target):
    datasets = Datasets(_hand_built(cls) for cls in ALL_TYPES)
    index = datasets.write(tmp_path / target)
    if target == "folder":
        assert index == tmp_path / "folder" / "datasets.yaml"
    else:
        assert index == tmp_path / "index.yaml"
    assert sorted(p.name for p in index.parent.iterdir()) == sorted(
        [index.name, *(f"{name}.fits" for name in datasets.names)]
    )
    read = Datasets.read(tmp_path / target)
    assert read.names == datasets.names
    for got, dataset in zip(read, datasets, strict=True):
        _assert_same(got, dataset)


def test_datasets_write_refuses_before_writing_anything(tmp_path):
    datasets = Datasets([_hand_built(MapDataset), _hand_built(SpectrumDatasetOnOff)])
    (tmp_path / "hand-SpectrumDatasetOnOff.fits").write_bytes(b"keep me")
    with pytest.raises(FileExistsError, match=r"hand-SpectrumDatasetOnOff\.fits exists"):
        datasets.write(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hand-SpectrumDatasetOnOff.fits"]
    assert (tmp_path / "hand-SpectrumDatasetOnOff.fits").read_bytes() == b"keep me"
    datasets.write(tmp_path, overwrite=True)
    assert Datasets.read(tmp_path).names == datasets.names


def test_datasets_failed_write_removes_the_files_it_made(tmp_path):
    good = _hand_built(MapDataset)
    bad = _hand_built(SpectrumDataset)
    bad.meta_table["NOTE"] = [object()]  # a column FITS cannot hold
    with pytest.raises((TypeError, ValueError)):
        Datasets([good, bad]).write(tmp_path / "out")
    assert list((tmp_path / "out").iterdir()) == []


def test_datasets_read_bad_index(tmp_path):
    (tmp_path / "datasets.yaml").write_text(
        "datasets:\n- {name: a, type: FluxPointsDataset, filename: a.fits}\n"
    )
    with pytest.raises(DataFormatError, match="type 'FluxPointsDataset'; cherenkit reads"):
        Datasets.read(tmp_path)
    (tmp_path / "datasets.yaml").write_text("just text\n")
    with pytest.raises(DataFormatError, match="'datasets' list"):
        Datasets.read(tmp_path / "datasets.yaml")
    with pytest.raises(FileNotFoundError, match="no datasets index"):
        Datasets.read(tmp_path / "elsewhere")


# --- bad input ---------------------------------------------------------------------------


def test_overwrite_refused_and_file_kept(tmp_path):
    path = tmp_path / "d.fits"
    first = _hand_built(MapDataset)
    first.write(path)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="pass overwrite=True"):
        _hand_built(SpectrumDataset).write(path)
    assert path.read_bytes() == before
    _hand_built(SpectrumDataset).write(path, overwrite=True)
    assert SpectrumDataset.read(path).name == "hand-SpectrumDataset"


def test_failed_write_leaves_no_file(tmp_path):
    dataset = _hand_built(MapDataset)
    dataset.meta_table["NOTE"] = [object()]
    with pytest.raises((TypeError, ValueError)):
        dataset.write(tmp_path / "d.fits")
    assert list(tmp_path.iterdir()) == []
    # an existing file is not touched by a failed overwrite
    (tmp_path / "d.fits").write_bytes(b"old")
    with pytest.raises((TypeError, ValueError)):
        dataset.write(tmp_path / "d.fits", overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["d.fits"]
    assert (tmp_path / "d.fits").read_bytes() == b"old"


def test_interrupted_write_removes_the_temporary(tmp_path):
    def write_half(tmp):
        tmp.write_bytes(b"SIMPLE  =   half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _write_atomic(tmp_path / "d.fits", write_half)
    assert list(tmp_path.iterdir()) == []


def test_not_fits_and_missing_file(tmp_path):
    path = tmp_path / "notes.fits"
    path.write_text("this is not a FITS file\n" * 10)
    with pytest.raises(DataFormatError, match="cannot be read as FITS") as err:
        MapDataset.read(path)
    assert err.value.file == str(path)
    with pytest.raises(FileNotFoundError, match="no such dataset file"):
        MapDataset.read(tmp_path / "missing.fits")


def test_truncated_file(tmp_path):
    _hand_built(MapDataset).write(tmp_path / "d.fits")
    content = (tmp_path / "d.fits").read_bytes()
    (tmp_path / "cut.fits").write_bytes(content[: len(content) // 2 + 100])
    with pytest.raises(DataFormatError, match=r"cannot be read as FITS.*truncated") as err:
        MapDataset.read(tmp_path / "cut.fits")
    assert err.value.file == str(tmp_path / "cut.fits")


def test_foreign_fits_file(tmp_path):
    path = tmp_path / "image.fits"
    geom = WcsGeom.create(skydir=(0, 0), npix=4, binsz=1.0)
    Map.from_geom(geom, data=1.0).write(path)  # a plain sky image, not a dataset
    with pytest.raises(DataFormatError, match=r"no COUNTS HDU.*\['PRIMARY'\]") as err:
        MapDataset.read(path)
    assert err.value.file == str(path)


def _without(path, out, *names):
    with fits.open(path) as hdulist:
        for name in names:
            del hdulist[name]
        hdulist.writeto(out)
    return out


def test_missing_hdus(tmp_path):
    _hand_built(MapDataset).write(tmp_path / "map.fits")
    broken = _without(tmp_path / "map.fits", tmp_path / "no_bands.fits", "COUNTS_BANDS")
    with pytest.raises(DataFormatError, match=r"HDU 'COUNTS'.*'COUNTS_BANDS' is missing"):
        MapDataset.read(broken)
    _hand_built(SpectrumDatasetOnOff).write(tmp_path / "spec.fits")
    broken = _without(tmp_path / "spec.fits", tmp_path / "no_region.fits", "EXPOSURE_REGION")
    with pytest.raises(DataFormatError, match="HDU 'EXPOSURE': no HDU 'EXPOSURE_REGION'"):
        SpectrumDatasetOnOff.read(broken)
    broken = _without(
        tmp_path / "spec.fits",
        tmp_path / "no_acceptance.fits",
        "ACCEPTANCE",
        "ACCEPTANCE_BANDS",
        "ACCEPTANCE_REGION",
    )
    with pytest.raises(DataFormatError, match="COUNTS_OFF but no ACCEPTANCE HDU") as err:
        SpectrumDatasetOnOff.read(broken)
    assert err.value.file == str(broken)


def test_wrong_shapes(tmp_path):
    dataset = _hand_built(MapDataset)
    other = WcsGeom.create(skydir=(83.63, 22.01), npix=(4, 4), binsz=0.1, axes=[ENERGY])
    dataset.background = Map.from_geom(other, data=0.5)
    dataset.write(tmp_path / "d.fits")
    with pytest.raises(DataFormatError, match=r"HDU 'BACKGROUND' has data of shape \(3, 4, 4\)"):
        MapDataset.read(tmp_path / "d.fits")
    # data that disagree with their own header
    _hand_built(MapDataset).write(tmp_path / "e.fits")
    with fits.open(tmp_path / "e.fits") as hdulist:
        hdulist["COUNTS"].data = hdulist["COUNTS"].data[:2]
        hdulist.writeto(tmp_path / "cut.fits")
    with pytest.raises(DataFormatError, match=r"HDU 'COUNTS': .*shape \(2, 5, 6\)"):
        MapDataset.read(tmp_path / "cut.fits")


def test_spectrum_class_refuses_a_sky_map_file(tmp_path):
    _hand_built(MapDataset).write(tmp_path / "map.fits")
    with pytest.raises(DataFormatError, match=r"needs a RegionGeom.*MapDataset\.read"):
        SpectrumDataset.read(tmp_path / "map.fits")


# --- real reductions (H.E.S.S. DL3 DR1) ---------------------------------------------------


@pytest.fixture(scope="module")
def crab_run_map_dataset(data_dir):
    from cherenkit.data import DataStore
    from cherenkit.makers import MapDatasetMaker, SafeMaskMaker

    store = DataStore.from_dir(data_dir / "hess-dl3-dr1")
    observation = store.obs(23523)
    energy = MapAxis.from_energy_bounds(1, 10, 5, unit="TeV")
    geom = WcsGeom.create(
        skydir=(83.63, 22.01), width=2, binsz=0.02, frame="icrs", proj="CAR", axes=[energy]
    )
    empty = MapDataset.create(geom, binsz_irf=0.2, name="run23523")
    dataset = MapDatasetMaker().run(empty, observation)
    safe = SafeMaskMaker(methods=["aeff-default", "offset-max"], offset_max="3 deg")
    return safe.run(dataset, observation)


@pytest.mark.data
@pytest.mark.slow
def test_round_trip_real_map_dataset(crab_run_map_dataset, tmp_path):
    dataset = crab_run_map_dataset.copy(name="run23523")
    dataset.write(tmp_path / "run23523.fits")
    read = MapDataset.read(tmp_path / "run23523.fits")
    # the H.E.S.S. run 23523 reduction: 789 counts in 2 x 2 deg, 1-10 TeV
    assert read.counts.data.sum() == 789
    _assert_same(read, dataset)


@pytest.mark.data
@pytest.mark.slow
def test_round_trip_real_on_off_spectrum(crab_spectrum_runs, tmp_path):
    dataset = crab_spectrum_runs[0].copy(name=crab_spectrum_runs[0].name)
    assert isinstance(dataset, SpectrumDatasetOnOff)
    dataset.write(tmp_path / "spectrum.fits")
    read = SpectrumDatasetOnOff.read(tmp_path / "spectrum.fits")
    _assert_same(read, dataset)
    index = Datasets(crab_spectrum_runs).write(tmp_path / "runs")
    runs = Datasets.read(index)
    assert runs.names == crab_spectrum_runs.names
    for got, expected in zip(runs, crab_spectrum_runs, strict=True):
        assert got.counts.data.tobytes() == expected.counts.data.tobytes()
        assert got.counts_off.data.tobytes() == expected.counts_off.data.tobytes()
        assert got.alpha.data.tobytes() == expected.alpha.data.tobytes()
