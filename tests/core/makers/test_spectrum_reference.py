"""SpectrumDatasetMaker on the four Crab runs against gammapy 2.1 (``spectrum_1d.json``):
counts (exact), containment-corrected exposure and edisp-kernel row sums per run."""

import json

import numpy as np
import pytest

from cherenkit.data import DataStore
from cherenkit.datasets import SpectrumDataset
from cherenkit.makers import SpectrumDatasetMaker
from cherenkit.maps import MapAxis, RegionGeom

pytestmark = pytest.mark.data


def test_spectrum_runs_against_gammapy(data_dir, reference_dir):
    reference = json.loads((reference_dir / "gammapy" / "spectrum_1d.json").read_text())
    store = DataStore.from_dir(data_dir / "hess-dl3-dr1")
    energy = MapAxis.from_energy_bounds(0.5, 50, 12, unit="TeV")
    energy_true = MapAxis.from_energy_bounds(0.05, 100, 50, unit="TeV", name="energy_true")
    geom = RegionGeom.create("icrs;circle(83.633, 22.014, 0.11)", axes=[energy])
    empty = SpectrumDataset.create(geom, energy_axis_true=energy_true, name="empty")
    maker = SpectrumDatasetMaker(
        selection=["counts", "exposure", "edisp"], containment_correction=True
    )
    for ref in reference["runs"]:
        dataset = maker.run(empty, store.obs(ref["obs_id"]))
        np.testing.assert_array_equal(dataset.counts.data.ravel(), ref["counts"])
        np.testing.assert_allclose(
            dataset.exposure.data.ravel(), ref["exposure_per_true_energy_bin_m2s"], rtol=1e-9
        )
        rows = dataset.edisp.edisp_map.data[:, :, 0, 0].sum(axis=1)
        np.testing.assert_allclose(
            rows, ref["edisp_kernel_sum_over_reco_per_true_bin"], rtol=1e-9, atol=1e-12
        )
        assert dataset.livetime.to_value("s") == pytest.approx(ref["livetime_s"], rel=1e-12)
