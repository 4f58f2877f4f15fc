"""The background makers on the four H.E.S.S. Crab runs against gammapy 2.1
(``reference/gammapy/map_reduction.json``, ``spectrum_1d.json``, ``ring_background.json``).

Map reduction as in the reference README: WcsGeom (83.63, 22.01), 5 deg, 0.02 deg,
CAR, 1-10 TeV in 11 log bins, 6 deg cut-outs, ``MapDatasetMaker()``, then the safe
mask of ``SafeMaskMaker(["aeff-default", "offset-max"], offset_max="3 deg")``. The
safe-mask plugins are not used here: for these runs aeff-default keeps every
1-10 TeV bin (LO_THRES 0.66-0.87 TeV, HI_THRES 100 TeV), so the safe mask is set
directly as offset < 3 deg AND background > 0, which reproduces the reference's
safe-voxel counts (checked below).
"""

import json

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from regions import CircleSkyRegion

from cherenkit.data import DataStore
from cherenkit.datasets import MapDataset, SpectrumDataset
from cherenkit.makers import DatasetsMaker, MapDatasetMaker, SpectrumDatasetMaker
from cherenkit.maps import MapAxis, RegionGeom, WcsGeom
from cherenkit_background import (
    FoVBackgroundMaker,
    ReflectedRegionsBackgroundMaker,
    RingBackgroundMaker,
)

pytestmark = pytest.mark.data

OBS_IDS = [23523, 23526, 23559, 23592]
CRAB = SkyCoord(83.633, 22.014, unit="deg")


def _rel(actual, expected):
    actual, expected = np.asarray(actual, float), np.asarray(expected, float)
    scale = np.where(expected == 0, 1.0, np.abs(expected))
    return float(np.max(np.abs(actual - expected) / scale))


def _json(reference_dir, name):
    return json.loads((reference_dir / "gammapy" / name).read_text())


@pytest.fixture(scope="module")
def store(data_dir):
    return DataStore.from_dir(data_dir / "hess-dl3-dr1")


@pytest.fixture(scope="module")
def observations(store):
    return store.get_observations(OBS_IDS)


def _map_geom():
    energy = MapAxis.from_energy_bounds(1, 10, 11, unit="TeV")
    return WcsGeom.create(
        skydir=(83.63, 22.01), width=5, binsz=0.02, frame="icrs", proj="CAR", axes=[energy]
    )


@pytest.fixture(scope="module")
def fov_runs(observations):
    """Per-run datasets with the reference's safe mask, and the FoV-scaled ones."""
    geom = _map_geom()
    exclusion = geom.to_image().region_mask(
        [CircleSkyRegion(geom.center_skydir, 0.2 * u.deg)], inside=False
    )
    empty = MapDataset.create(geom, binsz_irf=0.2, name="stacked")
    runs = DatasetsMaker([MapDatasetMaker()], stack_datasets=False, cutout_width=6 * u.deg).run(
        empty, observations
    )
    maker = FoVBackgroundMaker(exclusion_mask=exclusion)
    scaled = []
    for dataset, observation in zip(runs, observations, strict=True):
        g = dataset.counts.geom
        offset = g.separation(observation.pointing) < 3 * u.deg
        dataset.mask_safe.data[...] = offset & (dataset.background.data > 0)
        scaled.append(maker.run(dataset, observation))
    return runs, scaled, exclusion


def test_fov_scale_against_gammapy(fov_runs, reference_dir):
    reference = _json(reference_dir, "map_reduction.json")["with_fov"]
    runs, scaled, _ = fov_runs
    stacked = MapDataset.create(_map_geom(), binsz_irf=0.2, name="stacked")
    for raw, dataset, ref in zip(runs, scaled, reference["runs"], strict=True):
        assert np.count_nonzero(raw.mask_safe.data) == ref["n_mask_safe_voxels"]
        meta = dataset.background.meta
        assert meta["fov_background_norm"] == pytest.approx(ref["fov_background_norm"], rel=1e-3)
        assert meta["fov_background_norm_err"] == pytest.approx(
            ref["fov_background_norm_err"], rel=1e-3
        )
        npred = dataset.npred_background().data
        assert _rel(npred.sum(axis=(1, 2)), ref["npred_background_per_energy_bin"]) < 1e-3
        masked = np.where(dataset.mask_safe.data, npred, 0.0).sum(axis=(1, 2))
        assert _rel(masked, ref["npred_background_per_energy_bin_in_mask_safe"]) < 1e-3
        # the input is not modified
        np.testing.assert_array_equal(raw.background.data.sum(axis=(1, 2)) > 0, True)
        assert raw.background is not dataset.background
        stacked.stack(dataset)
    ref = reference["stacked"]
    assert (
        _rel(stacked.background.data.sum(axis=(1, 2)), ref["npred_background_per_energy_bin"])
        < 1e-3
    )


def test_fov_fit_agrees_with_scale_on_the_crab_runs(fov_runs):
    runs, scaled, exclusion = fov_runs
    fit = FoVBackgroundMaker(method="fit", exclusion_mask=exclusion)
    for raw, dataset in zip(runs[:2], scaled[:2], strict=True):
        meta = fit.run(raw).background.meta
        assert meta["fov_background_norm"] == pytest.approx(
            dataset.background.meta["fov_background_norm"], rel=1e-8
        )
        assert meta["fov_background_norm_err"] == pytest.approx(
            dataset.background.meta["fov_background_norm_err"], rel=1e-5
        )


def test_reflected_regions_against_gammapy(store, reference_dir):
    reference = _json(reference_dir, "spectrum_1d.json")
    energy = MapAxis.from_energy_bounds(0.5, 50, 12, unit="TeV")
    energy_true = MapAxis.from_energy_bounds(0.05, 100, 50, unit="TeV", name="energy_true")
    geom = RegionGeom.create("icrs;circle(83.633, 22.014, 0.11)", axes=[energy])
    empty = SpectrumDataset.create(geom, energy_axis_true=energy_true, name="empty")
    mask_geom = WcsGeom.create(skydir=CRAB, width=6, binsz=0.02, frame="icrs")
    exclusion = mask_geom.region_mask([CircleSkyRegion(CRAB, 0.5 * u.deg)], inside=False)
    maker = SpectrumDatasetMaker(selection=["counts"])
    background_maker = ReflectedRegionsBackgroundMaker(exclusion_mask=exclusion)
    for ref in reference["runs"]:
        observation = store.obs(ref["obs_id"])
        on_off = background_maker.run(maker.run(empty, observation), observation)
        np.testing.assert_allclose(
            [observation.pointing.ra.deg, observation.pointing.dec.deg],
            ref["pointing_radec_deg"],
            rtol=1e-12,
        )
        regions = on_off.counts_off.meta["off_regions"]
        assert len(regions) == ref["n_reflected_regions"]
        centres = [[r.center.ra.deg, r.center.dec.deg] for r in regions]
        np.testing.assert_allclose(centres, ref["off_region_centers_radec_deg"], atol=1e-9)
        np.testing.assert_array_equal(on_off.counts.data.ravel(), ref["counts"])
        np.testing.assert_array_equal(on_off.counts_off.data.ravel(), ref["counts_off"])
        np.testing.assert_array_equal(on_off.acceptance.data.ravel(), ref["acceptance"])
        np.testing.assert_array_equal(on_off.acceptance_off.data.ravel(), ref["acceptance_off"])
        assert _rel(on_off.alpha.data.ravel(), ref["alpha"]) < 1e-12


def test_ring_against_gammapy(fov_runs, reference_dir):
    reference = _json(reference_dir, "ring_background.json")
    _, scaled, _ = fov_runs
    stacked = MapDataset.create(_map_geom(), binsz_irf=0.2, name="stacked")
    for dataset in scaled:
        stacked.stack(dataset)
    # to_image(): the safe data summed over energy, one 1-10 TeV bin
    image_geom = stacked.counts.geom.replace_axes([stacked.counts.geom.axis("energy").squash()])
    safe = stacked.mask_safe.data
    image = MapDataset(
        counts=_image(image_geom, np.where(safe, stacked.counts.data, 0.0)),
        background=_image(image_geom, np.where(safe, stacked.background.data, 0.0)),
        mask_safe=_image(image_geom, safe.any(axis=0), dtype=bool),
        name="image",
    )
    geom_image = image_geom.to_image()
    exclusion = geom_image.region_mask([CircleSkyRegion(CRAB, 0.3 * u.deg)], inside=False)
    on_off = RingBackgroundMaker(r_in="0.5 deg", width="0.3 deg", exclusion_mask=exclusion).run(
        image
    )
    at = reference["onoff_at_crab_pixel"]
    ix, iy = at["pixel_xy"]
    assert on_off.counts.data[0, iy, ix] == at["counts"]
    assert on_off.counts_off.data[0, iy, ix] == at["counts_off"]
    for key in ("acceptance", "acceptance_off", "alpha"):
        value = getattr(on_off, key).data[0, iy, ix]
        assert value == pytest.approx(at[key], rel=1e-3), key
    totals = reference["onoff_totals"]
    assert on_off.counts.data.sum() == totals["counts"]
    # gammapy's maps are float32: its sum of 2e7 has a spacing of 2 (we sum exactly)
    assert on_off.counts_off.data.sum() == pytest.approx(totals["counts_off"], rel=1e-7)
    assert on_off.acceptance.data.sum() == pytest.approx(totals["acceptance"], rel=1e-3)
    assert on_off.acceptance_off.data.sum() == pytest.approx(totals["acceptance_off"], rel=1e-3)


def _image(geom, data, dtype=float):
    from cherenkit.maps import Map

    return Map.from_geom(geom, data=np.asarray(data).sum(axis=0, keepdims=True).astype(dtype))
