"""Map reduction of the four H.E.S.S. Crab runs against gammapy 2.1
(``reference/gammapy/map_reduction.json``, ``without_fov``).

Per run (masks play no role): counts per energy bin exact, background per bin,
exposure sum/min/max per true-energy bin, live time.

Stacked: the reference used ``SafeMaskMaker(["aeff-default", "offset-max"],
offset_max="3 deg")``. For these runs aeff-default keeps every 1-10 TeV bin
(LO_THRES 0.66-0.87 TeV, HI_THRES 100 TeV; ``obs_table.json``), so the safe mask is
offset < 3 deg AND background > 0 (gammapy's built-in rule, also in our
SafeMaskMaker). A test plugin with the offset-max rule reproduces the reference's
safe-voxel counts exactly, and the stack is compared with it.
"""

import json

import astropy.units as u
import numpy as np
import pytest

from cherenkit.data import DataStore
from cherenkit.datasets import MapDataset
from cherenkit.makers import DatasetsMaker, MapDatasetMaker, SafeMaskMaker
from cherenkit.maps import MapAxis, WcsGeom

pytestmark = pytest.mark.data

OBS_IDS = [23523, 23526, 23559, 23592]


def _rel(actual, expected):
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    scale = np.where(expected == 0, 1.0, np.abs(expected))
    return np.max(np.abs(actual - expected) / scale)


@pytest.fixture(scope="module")
def reference(reference_dir):
    return json.loads((reference_dir / "gammapy" / "map_reduction.json").read_text())


@pytest.fixture(scope="module")
def observations(data_dir):
    store = DataStore.from_dir(data_dir / "hess-dl3-dr1")
    return store.get_observations(OBS_IDS)


def _reference_dataset(name="stacked", width=5):
    energy = MapAxis.from_energy_bounds(1, 10, 11, unit="TeV")
    geom = WcsGeom.create(
        skydir=(83.63, 22.01), width=width, binsz=0.02, frame="icrs", proj="CAR", axes=[energy]
    )
    return MapDataset.create(geom, binsz_irf=0.2, name=name)


@pytest.fixture(scope="module")
def per_run(observations):
    maker = DatasetsMaker([MapDatasetMaker()], stack_datasets=False, cutout_width=6 * u.deg)
    return maker.run(_reference_dataset(), observations)


def test_per_run_against_gammapy(per_run, reference):
    runs = reference["without_fov"]["runs"]
    assert per_run.names == [f"obs-{i}" for i in OBS_IDS]
    for dataset, ref in zip(per_run, runs, strict=True):
        assert list(dataset.counts.data.shape) == ref["counts_shape"]
        counts = dataset.counts.data.sum(axis=(1, 2))
        np.testing.assert_array_equal(counts, ref["counts_per_energy_bin"])
        background = dataset.background.data.sum(axis=(1, 2))
        assert _rel(background, ref["background_per_energy_bin"]) < 1e-6
        exposure = dataset.exposure.data
        assert _rel(exposure.sum(axis=(1, 2)), ref["exposure_sum_per_true_energy_bin_m2s"]) < 1e-9
        assert _rel(exposure.max(axis=(1, 2)), ref["exposure_max_per_true_energy_bin_m2s"]) < 1e-9
        assert _rel(exposure.min(axis=(1, 2)), ref["exposure_min_per_true_energy_bin_m2s"]) == 0
        assert dataset.livetime.to_value("s") == pytest.approx(ref["exposure_livetime_s"], 1e-12)
        assert dataset.mask_safe.data.all()


def test_stacked_against_gammapy(observations, reference, offset_plugin):
    safe = SafeMaskMaker(methods=["test-offset-max"], offset_max="3 deg")
    per_run = DatasetsMaker([MapDatasetMaker(), safe], stack_datasets=False).run(
        _reference_dataset(), observations
    )
    for dataset, ref in zip(per_run, reference["without_fov"]["runs"], strict=True):
        assert np.count_nonzero(dataset.mask_safe.data) == ref["n_mask_safe_voxels"]
        counts = dataset.counts.data[dataset.mask_safe.data].sum()
        assert counts == ref["counts_total_in_mask_safe"]
    stacked = _reference_dataset()
    for dataset in per_run:  # cutout width defaults to 2 x offset_max = 6 deg
        stacked.stack(dataset)
    ref = reference["without_fov"]["stacked"]
    np.testing.assert_array_equal(
        stacked.counts.data.sum(axis=(1, 2)), ref["counts_per_energy_bin"]
    )
    assert _rel(stacked.background.data.sum(axis=(1, 2)), ref["background_per_energy_bin"]) < 1e-6
    exposure = stacked.exposure.data
    # the reference stack is float32 (gammapy's empty maps): 1e-6 relative
    assert _rel(exposure.sum(axis=(1, 2)), ref["exposure_sum_per_true_energy_bin_m2s"]) < 1e-6
    assert _rel(exposure.max(axis=(1, 2)), ref["exposure_max_per_true_energy_bin_m2s"]) < 1e-6
    assert stacked.livetime.to_value("s") == pytest.approx(ref["exposure_livetime_s"], 1e-12)
    assert np.count_nonzero(stacked.mask_safe.data) == ref["n_mask_safe_voxels"]
    for fraction, key in ((0.68, "68"), (0.95, "95")):
        radius = stacked.psf.containment_radius(fraction, 1 * u.TeV).to_value("deg")
        assert radius == pytest.approx(ref[f"psf_containment_radius_{key}_at_1TeV_centre_deg"])
    kernel = stacked.edisp.get_edisp_kernel().data
    ref_kernel = reference["with_fov"]["stacked"]["edisp_kernel_centre"]  # FoV-independent
    assert kernel.sum() == pytest.approx(ref_kernel["sum_total"], rel=1e-6)
    assert _rel(kernel.sum(axis=1), ref_kernel["sum_over_reco_per_true_bin"]) < 1e-6
    assert _rel(kernel.sum(axis=0), ref_kernel["sum_over_true_per_reco_bin"]) < 1e-6
    # stacking as we go gives the same result as DatasetsMaker's stacking
    stacked_maker = DatasetsMaker([MapDatasetMaker(), safe]).run(
        _reference_dataset(), observations
    )[0]
    np.testing.assert_array_equal(stacked_maker.counts.data, stacked.counts.data)
    np.testing.assert_array_equal(stacked_maker.exposure.data, stacked.exposure.data)


@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_executors_give_identical_stacks(observations, executor):
    if executor == "dask":
        pytest.importorskip("dask.distributed")
    makers = [MapDatasetMaker()]
    obs = list(observations)[:2]
    serial = DatasetsMaker(makers, cutout_width=3 * u.deg).run(_reference_dataset(width=2), obs)[0]
    other = DatasetsMaker(makers, cutout_width=3 * u.deg, executor=executor, workers=2).run(
        _reference_dataset(width=2), obs
    )[0]
    for key in ("counts", "background", "exposure", "mask_safe"):
        np.testing.assert_array_equal(getattr(other, key).data, getattr(serial, key).data)
    np.testing.assert_array_equal(other.psf.psf_map.data, serial.psf.psf_map.data)
    np.testing.assert_array_equal(other.edisp.edisp_map.data, serial.edisp.edisp_map.data)
    assert other.livetime == serial.livetime
    assert serial.counts.data.sum() > 0
