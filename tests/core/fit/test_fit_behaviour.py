"""`Fit` on hand-made spectrum datasets: coverage of simulated fits, nested-model TS,
linked parameters, and the errors for bad input."""

import numpy as np
import pytest

from cherenkit.datasets import Datasets, SpectrumDataset, SpectrumDatasetOnOff
from cherenkit.errors import ParameterError
from cherenkit.maps import MapAxis, RegionGeom
from cherenkit.modeling import (
    LogParabolaSpectralModel,
    PowerLawSpectralModel,
    SkyModel,
    significance_from_ts,
)
from cherenkit.modeling.fit import Fit, FitError

EXPOSURE_M2S = 5e8  # ~ 1e5 m² × 1.4 h


def _dataset(name="toy", nbin=20, background=5.0):
    """A spectrum dataset with identical true and reco axes (no energy dispersion)."""
    energy = MapAxis.from_energy_bounds(0.3, 30, nbin, unit="TeV")
    geom = RegionGeom.create("icrs;circle(83.63, 22.01, 0.1)", axes=[energy])
    dataset = SpectrumDataset.create(
        geom, energy_axis_true=energy.copy(name="energy_true"), name=name
    )
    dataset.edisp = None
    dataset.exposure.data[...] = EXPOSURE_M2S
    dataset.background.data[...] = background
    dataset.mask_safe.data[...] = True
    return dataset


def _truth():
    return PowerLawSpectralModel(index=2.4, amplitude="4e-11 cm-2 s-1 TeV-1", reference="1 TeV")


def test_npred_is_exposure_times_integral():
    dataset = _dataset()
    model = _truth()
    dataset.models = SkyModel(model, name="src")
    edges = dataset.counts.geom.axis("energy").edges.to_value("TeV")
    i = edges[:-1] ** -1.4 - edges[1:] ** -1.4
    expected = 4e-11 / 1.4 * i * EXPOSURE_M2S * 1e4
    np.testing.assert_allclose(dataset.npred_signal().data.ravel(), expected, rtol=1e-12)
    np.testing.assert_allclose(dataset.npred().data.ravel(), expected + 5.0, rtol=1e-12)


def test_simulated_fits_are_unbiased_with_correct_coverage():
    """200 Poisson realisations of a known power law: pulls have mean 0 and width 1,
    and the 1σ HESSE intervals cover the truth ~68 % of the time."""
    rng = np.random.default_rng(7)
    dataset = _dataset()
    truth = _truth()
    dataset.models = SkyModel(truth.copy(), name="truth")
    npred = dataset.npred().data.copy()
    n = 200
    pulls = np.empty((n, 2))
    fit = Fit()
    for k in range(n):
        dataset.counts.data[...] = rng.poisson(npred)
        model = PowerLawSpectralModel(index=2.0, amplitude=1e-11, reference=1.0)
        dataset.models = SkyModel(model, name="fit")
        result = fit.run(dataset)
        assert result.success
        pulls[k] = [
            (model.index.value - 2.4) / model.index.error,
            (model.amplitude.value - 4e-11) / model.amplitude.error,
        ]
    mean, std = pulls.mean(axis=0), pulls.std(axis=0)
    assert np.all(np.abs(mean) < 3 / np.sqrt(n)), mean
    assert np.all(np.abs(std - 1) < 0.12), std
    coverage = np.mean(np.abs(pulls) < 1, axis=0)
    assert np.all(np.abs(coverage - 0.683) < 0.08), coverage


def test_nested_models_ts_and_wilks_significance():
    """Data from a curved spectrum: LogParabola vs PowerLaw (beta = 0) gives a TS whose
    significance is √TS for one extra parameter."""
    rng = np.random.default_rng(1)
    dataset = _dataset(nbin=24)
    dataset.exposure.data *= 10
    curved = LogParabolaSpectralModel(alpha=2.2, beta=0.25, amplitude=4e-11, reference=1.0)
    dataset.models = SkyModel(curved, name="truth")
    dataset.counts.data[...] = rng.poisson(dataset.npred().data)
    pl = PowerLawSpectralModel(index=2.2, amplitude=4e-11, reference=1.0)
    dataset.models = SkyModel(pl, name="pl")
    stat_pl = Fit().run(dataset).total_stat
    lp = LogParabolaSpectralModel(alpha=2.2, beta=0.0, amplitude=4e-11, reference=1.0)
    dataset.models = SkyModel(lp, name="lp")
    stat_lp = Fit().run(dataset).total_stat
    ts = stat_pl - stat_lp
    assert ts > 25  # beta = 0.25 is detected
    assert lp.beta.value == pytest.approx(0.25, abs=4 * lp.beta.error)
    assert significance_from_ts(ts) == pytest.approx(np.sqrt(ts))
    # two extra parameters: 5.99 is the 95 % point of χ²(2), i.e. 1.96 σ
    assert significance_from_ts(5.991464547107979, df=2) == pytest.approx(1.959964, rel=1e-5)


def test_joint_fit_with_a_shared_parameter():
    """Two datasets, one shared index: the joint fit equals the fit of the summed data
    (same exposure), and the shared index is fitted once."""
    rng = np.random.default_rng(3)
    a, b = _dataset("a"), _dataset("b")
    truth = _truth()
    for d in (a, b):
        d.models = SkyModel(truth, name="truth")
        d.counts.data[...] = rng.poisson(d.npred().data)
    index_a = PowerLawSpectralModel(index=2.0, amplitude=1e-11, reference=1.0)
    index_b = PowerLawSpectralModel(index=index_a.index, amplitude=index_a.amplitude,
                                    reference=1.0)  # fmt: skip
    a.models = SkyModel(index_a, name="src-a", datasets_names=["a"])
    b.models = SkyModel(index_b, name="src-b", datasets_names=["b"])
    datasets = Datasets([a, b])
    assert len(datasets.models.parameters.free_parameters) == 2
    Fit().run(datasets)
    summed = _dataset("sum", background=10.0)
    summed.exposure.data[...] *= 2
    summed.counts.data[...] = a.counts.data + b.counts.data
    single = PowerLawSpectralModel(index=2.0, amplitude=1e-11, reference=1.0)
    summed.models = SkyModel(single, name="src")
    Fit().run(summed)
    assert index_a.index.value == pytest.approx(single.index.value, rel=1e-4)
    assert index_a.index.error == pytest.approx(single.index.error, rel=1e-3)


def test_on_off_datasets_use_wstat_and_chosen_statistic():
    dataset = _dataset()
    on_off = SpectrumDatasetOnOff.from_map_dataset(
        dataset, acceptance=1.0, acceptance_off=5.0, counts_off=np.full((20, 1, 1), 25.0)
    )
    assert on_off.fit_statistic.name == "wstat"
    on_off.models = SkyModel(_truth(), name="src")
    on_off.counts.data[...] = np.rint(on_off.npred_signal().data + 5.0)
    result = Fit().run(on_off)
    assert result.success
    assert on_off.models["src"].spectral_model.index.value == pytest.approx(2.4, abs=0.05)
    dataset.stat_type = "cash"
    assert dataset.fit_statistic.name == "cash"
    dataset.stat_type = "no-such-statistic"
    with pytest.raises(Exception, match="no-such-statistic"):
        dataset.stat_sum()


# --- bad input -------------------------------------------------------------------------


def test_no_models_is_an_error():
    with pytest.raises(FitError, match="no models"):
        Fit().run(_dataset())


def test_empty_datasets_is_an_error():
    with pytest.raises(FitError, match="empty"):
        Fit().run(Datasets())


def test_all_bins_masked_is_an_error():
    dataset = _dataset()
    dataset.models = SkyModel(_truth(), name="src")
    dataset.mask_safe.data[...] = False
    with pytest.raises(FitError, match="no bins to fit"):
        Fit().run(dataset)


def test_no_free_parameters_is_an_error():
    dataset = _dataset()
    model = _truth()
    model.freeze()
    dataset.models = SkyModel(model, name="src")
    with pytest.raises(FitError, match=r"no free parameters.*index, amplitude"):
        Fit().run(dataset)


def test_start_value_outside_bounds_is_an_error():
    dataset = _dataset()
    model = _truth()
    model.index.min = 2.5
    dataset.models = SkyModel(model, name="src")
    with pytest.raises(ParameterError, match=r"index.*outside its bounds"):
        Fit().run(dataset)


def test_parameter_ending_at_its_bound_is_reported():
    rng = np.random.default_rng(5)
    dataset = _dataset()
    dataset.models = SkyModel(_truth(), name="truth")
    dataset.counts.data[...] = rng.poisson(dataset.npred().data)
    model = PowerLawSpectralModel(index=2.8, amplitude=4e-11, reference=1.0)
    model.index.min = 2.7  # the data want 2.4
    dataset.models = SkyModel(model, name="src")
    result = Fit().run(dataset)
    assert model.index.value == pytest.approx(2.7, abs=1e-3)
    assert "at a bound" in result.message and "index" in result.message


def test_statistic_not_finite_at_start_is_an_error():
    dataset = _dataset()
    model = _truth()
    model.amplitude.value = np.nan
    dataset.models = SkyModel(model, name="src")
    with pytest.raises(FitError, match="not finite at the start values"):
        Fit().run(dataset)
