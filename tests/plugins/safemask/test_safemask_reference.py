"""The five safe-mask methods against gammapy 2.1 (``reference/gammapy/safe_masks.json``)
on the four H.E.S.S. Crab runs.

Datasets are built as the reference README describes:

* map: 1-10 TeV in 11 log bins (true energy the same edges), WcsGeom centred on
  (83.63, 22.01), 5 deg wide, 0.02 deg pixels, CAR; IRF pixels 0.2 deg; a 6 deg
  cut-out around each pointing; ``MapDatasetMaker()`` with all products.
* spectrum: ON circle of 0.11 deg at (83.633, 22.014), reco 0.5-50 TeV (12 bins),
  true 0.05-100 TeV (50 bins), ``SpectrumDatasetMaker(containment_correction=True)``
  with counts, exposure and edisp. The reference is an On/Off dataset after
  ``ReflectedRegionsBackgroundMaker``. The methods that do not look at the
  background get the plain spectrum; ``bkg-peak`` (DL4) gets an On/Off dataset
  whose OFF counts and acceptances are gammapy's (``spectrum_1d.json``), until the
  reflected-regions maker of cherenkit-background is checked end to end.

Each method runs alone through ``SafeMaskMaker`` (which also removes the bins
without a usable background, as gammapy's maker always does). Masks must agree
exactly; the continuous thresholds to 1e-4 relative (measured: ~2e-13).
"""

import json

import astropy.units as u
import numpy as np
import pytest

from cherenkit.data import DataStore
from cherenkit.datasets import MapDataset, SpectrumDataset, SpectrumDatasetOnOff
from cherenkit.makers import DatasetsMaker, MapDatasetMaker, SafeMaskMaker, SpectrumDatasetMaker
from cherenkit.maps import MapAxis, RegionGeom, WcsGeom
from cherenkit_safemask import AeffMaxSafeMask, BkgPeakSafeMask, EdispBiasSafeMask

pytestmark = pytest.mark.data

OBS_IDS = [23523, 23526, 23559, 23592]
METHODS = {
    "aeff-default": ("aeff-default", {}),
    "aeff-max_10pct": ("aeff-max", {"aeff_percent": 10}),
    "edisp-bias_10pct": ("edisp-bias", {"bias_percent": 10}),
    "offset-max_2.5deg": ("offset-max", {"offset_max": "2.5 deg"}),
    "bkg-peak": ("bkg-peak", {}),
}
RTOL_THRESHOLD = 1e-4


@pytest.fixture(scope="module")
def reference(reference_dir):
    return json.loads((reference_dir / "gammapy" / "safe_masks.json").read_text())["runs"]


@pytest.fixture(scope="module")
def spectrum_reference(reference_dir):
    runs = json.loads((reference_dir / "gammapy" / "spectrum_1d.json").read_text())["runs"]
    return {run["obs_id"]: run for run in runs}


@pytest.fixture(scope="module")
def observations(data_dir):
    store = DataStore.from_dir(data_dir / "hess-dl3-dr1")
    return store.get_observations(OBS_IDS)


@pytest.fixture(scope="module")
def map_datasets(observations):
    energy = MapAxis.from_energy_bounds(1, 10, 11, unit="TeV")
    geom = WcsGeom.create(
        skydir=(83.63, 22.01), width=5, binsz=0.02, frame="icrs", proj="CAR", axes=[energy]
    )
    empty = MapDataset.create(geom, binsz_irf=0.2, name="stacked")
    maker = DatasetsMaker([MapDatasetMaker()], stack_datasets=False, cutout_width=6 * u.deg)
    return dict(zip(OBS_IDS, maker.run(empty, observations), strict=True))


@pytest.fixture(scope="module")
def spectrum_datasets(observations):
    energy = MapAxis.from_energy_bounds(0.5, 50, 12, unit="TeV")
    energy_true = MapAxis.from_energy_bounds(0.05, 100, 50, unit="TeV", name="energy_true")
    geom = RegionGeom.create("icrs;circle(83.633, 22.014, 0.11)", axes=[energy])
    empty = SpectrumDataset.create(geom, energy_axis_true=energy_true, name="empty")
    maker = SpectrumDatasetMaker(
        selection=["counts", "exposure", "edisp"], containment_correction=True
    )
    return {obs.obs_id: maker.run(empty, obs) for obs in observations}


def _run(name, params, dataset, observation):
    return SafeMaskMaker([name], **params).run(dataset, observation).mask_safe.data


def _range(mask_1d, axis):
    safe = np.flatnonzero(mask_1d)
    return [axis.edges_value[safe[0]], axis.edges_value[safe[-1] + 1]]


def _check_map(mask, ref, geom):
    energy = geom.axis("energy")
    assert np.count_nonzero(mask) == ref["n_safe_voxels"]
    assert mask.size == ref["n_voxels"]
    per_bin = np.count_nonzero(mask.reshape(energy.nbin, -1), axis=1)
    np.testing.assert_array_equal(per_bin, ref["n_safe_pixels_per_energy_bin"])
    any_pixel = np.logical_or.reduce(mask.reshape(energy.nbin, -1), axis=1)
    np.testing.assert_allclose(
        _range(any_pixel, energy), ref["energy_range_any_pixel_TeV"], rtol=1e-12
    )
    for key in ("at_crab_pixel", "at_cutout_centre_pixel"):
        x, y = ref[key]["pixel_xy"]
        np.testing.assert_array_equal(mask[:, y, x], ref[key]["mask"])
        expected = [ref[key]["energy_min_TeV"], ref[key]["energy_max_TeV"]]
        np.testing.assert_allclose(_range(mask[:, y, x], energy), expected, rtol=1e-12)


@pytest.mark.parametrize("obs_id", OBS_IDS)
@pytest.mark.parametrize("key", list(METHODS))
def test_map_masks(key, obs_id, reference, map_datasets, observations):
    dataset, observation = map_datasets[obs_id], observations[OBS_IDS.index(obs_id)]
    ref = reference[str(obs_id)]
    geom = dataset.counts.geom
    # the reference pixels: the Crab and the cut-out centre (the pointing)
    pix = geom.wcs.wcs_world2pix([observation.pointing.ra.deg], [observation.pointing.dec.deg], 0)
    centre = [int(np.floor(p[0] + 0.5)) for p in pix]
    assert centre == ref["map"][key]["at_cutout_centre_pixel"]["pixel_xy"]
    name, params = METHODS[key]
    _check_map(_run(name, params, dataset, observation), ref["map"][key], geom)
    if key in ref["map_dl3"]:
        mask = _run(name, {**params, "irfs": "DL3"}, dataset, observation)
        _check_map(mask, ref["map_dl3"][key], geom)


def _on_off(dataset, run):
    shape = dataset.counts.data.shape
    return SpectrumDatasetOnOff.from_map_dataset(
        dataset,
        counts_off=np.reshape(run["counts_off"], shape),
        acceptance=np.reshape(run["acceptance"], shape),
        acceptance_off=np.reshape(run["acceptance_off"], shape),
    )


@pytest.mark.parametrize("obs_id", OBS_IDS)
@pytest.mark.parametrize("key", list(METHODS))
def test_spectrum_masks(
    key, obs_id, reference, spectrum_reference, spectrum_datasets, observations
):
    dataset, observation = spectrum_datasets[obs_id], observations[OBS_IDS.index(obs_id)]
    ref = reference[str(obs_id)]
    name, params = METHODS[key]
    if name == "bkg-peak":  # DL4 looks at the On/Off background
        dataset_dl4 = _on_off(dataset, spectrum_reference[obs_id])
    else:
        dataset_dl4 = dataset
    energy = dataset.counts.geom.axis("energy")
    for variant, extra, data in (
        ("spectrum", {}, dataset_dl4),
        ("spectrum_dl3", {"irfs": "DL3"}, dataset),
    ):
        if key not in ref[variant]:
            continue
        mask = _run(name, {**params, **extra}, data, observation).ravel()
        np.testing.assert_array_equal(mask, ref[variant][key]["mask"])
        np.testing.assert_allclose(
            _range(mask, energy), ref[variant][key]["energy_range_TeV"], rtol=1e-12
        )


@pytest.mark.parametrize("obs_id", OBS_IDS)
def test_continuous_thresholds(obs_id, reference, spectrum_datasets, observations):
    dataset, observation = spectrum_datasets[obs_id], observations[OBS_IDS.index(obs_id)]
    ref = reference[str(obs_id)]["continuous_thresholds"]
    got = {
        "aeff_default_LO_THRES_TeV": observation.aeff.lo_threshold,
        "aeff_default_HI_THRES_TeV": observation.aeff.hi_threshold,
        "aeff_max_10pct_DL3_offset0_energy_true_TeV": AeffMaxSafeMask(irfs="DL3").threshold_dl3(
            observation
        ),
        "edisp_bias_10pct_DL3_offset0_energy_TeV": EdispBiasSafeMask(irfs="DL3").threshold(
            dataset, observation
        ),
        "bkg_peak_DL3_energy_TeV": BkgPeakSafeMask(irfs="DL3").threshold(dataset, observation),
        "aeff_max_10pct_DL4_spectrum_energy_true_TeV": AeffMaxSafeMask().threshold_dl4(
            dataset, observation
        ),
        "edisp_bias_10pct_DL4_spectrum_energy_TeV": EdispBiasSafeMask().threshold(
            dataset, observation
        ),
    }
    assert set(got) == set(ref)
    for key, value in got.items():
        assert value.to_value("TeV") == pytest.approx(ref[key], rel=RTOL_THRESHOLD), key
