"""Shared fixtures: where the public data and reference values are, and the reduced
Crab spectra that several test folders fit."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _shared_dir() -> Path:
    data = os.environ.get("CHERENKIT_DATA")
    if data:
        return Path(data).resolve().parent
    return (REPO.parent / "shared").resolve()


def _require(path: Path, what: str) -> Path:
    if not path.exists():
        reason = f"{what} not found at {path} (set CHERENKIT_DATA to the shared data folder)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """``../shared/reference``: values computed by ctapipe and gammapy."""
    return _require(_shared_dir() / "reference", "reference values")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """``../shared/data`` (or ``$CHERENKIT_DATA``): the public data sets."""
    data = os.environ.get("CHERENKIT_DATA")
    return _require(Path(data) if data else _shared_dir() / "data", "shared data")


@pytest.fixture(scope="session")
def crab_spectrum_runs(data_dir, reference_dir):
    """The four H.E.S.S. Crab On/Off spectrum datasets of ``spectrum_1d.json``, without
    models, reduced as the reference README states: ON circle 0.11 deg at (83.633,
    22.014), reco 0.5-50 TeV (12 bins), true 0.05-100 TeV (50 bins), containment-
    corrected exposure, reflected regions with a 0.5 deg exclusion, safe mask aeff-max
    10 % (checked against the reference's masks). Tests copy them before changing."""
    import json

    import astropy.units as u
    import numpy as np
    from astropy.coordinates import SkyCoord
    from regions import CircleSkyRegion

    from cherenkit.data import DataStore
    from cherenkit.datasets import Datasets, SpectrumDataset
    from cherenkit.makers import SafeMaskMaker, SpectrumDatasetMaker
    from cherenkit.maps import MapAxis, RegionGeom, WcsGeom
    from cherenkit_background import ReflectedRegionsBackgroundMaker

    crab = SkyCoord(83.633, 22.014, unit="deg")
    reference = json.loads((reference_dir / "gammapy" / "spectrum_1d.json").read_text())
    store = DataStore.from_dir(data_dir / "hess-dl3-dr1")
    energy = MapAxis.from_energy_bounds(0.5, 50, 12, unit="TeV")
    energy_true = MapAxis.from_energy_bounds(0.05, 100, 50, unit="TeV", name="energy_true")
    geom = RegionGeom.create("icrs;circle(83.633, 22.014, 0.11)", axes=[energy])
    empty = SpectrumDataset.create(geom, energy_axis_true=energy_true, name="empty")
    mask_geom = WcsGeom.create(skydir=crab, width=6, binsz=0.02, frame="icrs")
    exclusion = mask_geom.region_mask([CircleSkyRegion(crab, 0.5 * u.deg)], inside=False)
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
