"""The ring-background On/Off image of the four H.E.S.S. Crab runs, built as in
``reference/gammapy/README.md`` (ring_background row) and
``tests/plugins/background/test_background_reference.py``.

Stacked FoV map dataset (WcsGeom (83.63, 22.01), 5 deg, 0.02 deg, CAR, 1-10 TeV in
11 log bins, 6 deg cut-outs, safe mask offset < 3 deg and background > 0, FoV
background scaled outside a 0.2 deg circle) → image (the safe data summed over
energy, safe where any bin is) → RingBackgroundMaker(r_in 0.5 deg, width 0.3 deg,
exclusion circle 0.3 deg at the Crab).
"""

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord

OBS_IDS = [23523, 23526, 23559, 23592]
CRAB = SkyCoord(83.633, 22.014, unit="deg")


@pytest.fixture(scope="session")
def crab_ring_datasets(data_dir):
    """``(image, on_off)``: the Crab image MapDataset and its ring On/Off dataset."""
    from regions import CircleSkyRegion

    from cherenkit.data import DataStore
    from cherenkit.datasets import MapDataset
    from cherenkit.makers import DatasetsMaker, MapDatasetMaker
    from cherenkit.maps import Map, MapAxis, WcsGeom
    from cherenkit_background import FoVBackgroundMaker, RingBackgroundMaker

    observations = DataStore.from_dir(data_dir / "hess-dl3-dr1").get_observations(OBS_IDS)
    energy = MapAxis.from_energy_bounds(1, 10, 11, unit="TeV")
    geom = WcsGeom.create(
        skydir=(83.63, 22.01), width=5, binsz=0.02, frame="icrs", proj="CAR", axes=[energy]
    )
    fov_exclusion = geom.to_image().region_mask(
        [CircleSkyRegion(geom.center_skydir, 0.2 * u.deg)], inside=False
    )
    empty = MapDataset.create(geom, binsz_irf=0.2, name="stacked")
    runs = DatasetsMaker([MapDatasetMaker()], stack_datasets=False, cutout_width=6 * u.deg).run(
        empty, observations
    )
    fov = FoVBackgroundMaker(exclusion_mask=fov_exclusion)
    stacked = MapDataset.create(geom, binsz_irf=0.2, name="stacked")
    for dataset, observation in zip(runs, observations, strict=True):
        offset = dataset.counts.geom.separation(observation.pointing) < 3 * u.deg
        dataset.mask_safe.data[...] = offset & (dataset.background.data > 0)
        stacked.stack(fov.run(dataset, observation))

    # to_image(): the safe data summed over energy in one 1-10 TeV bin
    image_geom = geom.replace_axes([energy.squash()])
    safe = stacked.mask_safe.data
    image = MapDataset(
        counts=Map.from_geom(image_geom, data=np.where(safe, stacked.counts.data, 0).sum(0)),
        background=Map.from_geom(
            image_geom, data=np.where(safe, stacked.background.data, 0).sum(0)
        ),
        mask_safe=Map.from_geom(image_geom, data=safe.any(axis=0, keepdims=True), dtype=bool),
        name="crab-image",
    )
    ring_exclusion = image_geom.to_image().region_mask(
        [CircleSkyRegion(CRAB, 0.3 * u.deg)], inside=False
    )
    maker = RingBackgroundMaker(r_in="0.5 deg", width="0.3 deg", exclusion_mask=ring_exclusion)
    return image, maker.run(image)


# --- flux points and light curves: the 1-D On/Off spectra of the four Crab runs ---------------


@pytest.fixture(scope="session")
def crab_spectrum_runs(data_dir, reference_dir):
    """The four Crab On/Off spectrum datasets of ``spectrum_1d.json`` (reduced as in
    ``tests/core/fit/test_fit_spectrum_reference.py``), without models."""
    import json

    from regions import CircleSkyRegion

    from cherenkit.data import DataStore
    from cherenkit.datasets import Datasets, SpectrumDataset
    from cherenkit.makers import SafeMaskMaker, SpectrumDatasetMaker
    from cherenkit.maps import MapAxis, RegionGeom, WcsGeom
    from cherenkit_background import ReflectedRegionsBackgroundMaker

    reference = json.loads((reference_dir / "gammapy" / "spectrum_1d.json").read_text())
    store = DataStore.from_dir(data_dir / "hess-dl3-dr1")
    energy = MapAxis.from_energy_bounds(0.5, 50, 12, unit="TeV")
    energy_true = MapAxis.from_energy_bounds(0.05, 100, 50, unit="TeV", name="energy_true")
    geom = RegionGeom.create("icrs;circle(83.633, 22.014, 0.11)", axes=[energy])
    empty = SpectrumDataset.create(geom, energy_axis_true=energy_true, name="empty")
    mask_geom = WcsGeom.create(skydir=CRAB, width=6, binsz=0.02, frame="icrs")
    exclusion = mask_geom.region_mask([CircleSkyRegion(CRAB, 0.5 * u.deg)], inside=False)
    maker = SpectrumDatasetMaker(
        selection=["counts", "exposure", "edisp"], containment_correction=True
    )
    background = ReflectedRegionsBackgroundMaker(exclusion_mask=exclusion)
    safe = SafeMaskMaker(methods=["aeff-max"], aeff_percent=10)
    datasets = Datasets()
    for ref in reference["runs"]:
        observation = store.obs(ref["obs_id"])
        dataset = maker.run(empty.copy(name=ref["name"]), observation)
        dataset = safe.run(background.run(dataset, observation), observation)
        np.testing.assert_array_equal(dataset.mask_safe.data.ravel(), ref["mask_safe"])
        datasets.append(dataset)
    return datasets


@pytest.fixture
def crab_joint_pl(crab_spectrum_runs):
    """``(datasets, fit_result)``: copies of the four runs with the joint power law
    fitted from the reference's start values (index 2.5, amplitude 3e-11, E0 1 TeV)."""
    from cherenkit.modeling import PowerLawSpectralModel, SkyModel
    from cherenkit.modeling.fit import Fit

    datasets = crab_spectrum_runs.copy()
    model = PowerLawSpectralModel(index=2.5, amplitude="3e-11 cm-2 s-1 TeV-1", reference="1 TeV")
    datasets.models = SkyModel(model, name="crab")
    result = Fit().run(datasets)
    assert result.success, result.message
    return datasets, result
