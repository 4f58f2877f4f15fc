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
    from cherenkit.maps import MapAxis, WcsGeom
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

    image = stacked.to_image(name="crab-image")  # the safe data in one 1-10 TeV bin
    image_geom = image.counts.geom
    ring_exclusion = image_geom.to_image().region_mask(
        [CircleSkyRegion(CRAB, 0.3 * u.deg)], inside=False
    )
    maker = RingBackgroundMaker(r_in="0.5 deg", width="0.3 deg", exclusion_mask=ring_exclusion)
    return image, maker.run(image)


# --- flux points and light curves: the 1-D On/Off spectra of the four Crab runs ---------------


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
