"""1-D fits of the four H.E.S.S. Crab runs against gammapy 2.1 (``spectrum_1d.json``).

The reduction is the shared ``crab_spectrum_runs`` fixture (tests/conftest.py). Fits:
wstat, joint over the runs and on the stack, power law and log-parabola from the
reference's start values.
"""

import json

import numpy as np
import pytest
from astropy.coordinates import SkyCoord

from cherenkit.datasets import Datasets
from cherenkit.modeling import (
    LogParabolaSpectralModel,
    PowerLawSpectralModel,
    SkyModel,
)
from cherenkit.modeling.fit import Fit

pytestmark = pytest.mark.data

CRAB = SkyCoord(83.633, 22.014, unit="deg")


@pytest.fixture(scope="module")
def reference(reference_dir):
    return json.loads((reference_dir / "gammapy" / "spectrum_1d.json").read_text())


@pytest.fixture(scope="module")
def runs(crab_spectrum_runs):
    return crab_spectrum_runs


def _datasets(runs, kind):
    if kind == "joint":
        return runs.copy()
    return Datasets([runs.stack_reduce(name="stacked")])


def _power_law():
    return PowerLawSpectralModel(index=2.5, amplitude="3e-11 cm-2 s-1 TeV-1", reference="1 TeV")


def _log_parabola():
    return LogParabolaSpectralModel(
        alpha=2.3, beta=0.1, amplitude="3e-11 cm-2 s-1 TeV-1", reference="1 TeV"
    )


@pytest.mark.parametrize("kind", ["joint", "stacked"])
def test_fixed_model_wstat_per_bin(runs, reference, kind):
    fixed = reference["fixed_model_wstat"]["runs"]
    datasets = _datasets(runs, kind)
    model = PowerLawSpectralModel(index=2.6, amplitude=4.5e-11, reference=1.0)
    datasets.models = SkyModel(model, name="crab")
    # per run the inputs are the reference's to ~1e-15; the stack differs by ~1e-7
    # (float32 sums in gammapy's stacked exposure and kernel)
    rtol, atol = (1e-12, 1e-12) if kind == "joint" else (1e-6, 1e-6)
    for dataset in datasets:
        ref = fixed[dataset.name]
        assert dataset.stat_sum() == pytest.approx(ref["stat_sum_wstat"], rel=rtol)
        np.testing.assert_allclose(
            dataset.npred_signal().data.ravel(), ref["npred_signal_per_bin"], rtol=rtol
        )
        np.testing.assert_allclose(
            dataset.npred_background().data.ravel(),
            ref["npred_background_per_bin"],
            rtol=rtol,
            atol=1e-12,
        )
        stat = dataset.stat_array().ravel()
        used = np.asarray(ref["mask_used"], bool)
        np.testing.assert_allclose(
            stat[used], np.asarray(ref["stat_array_per_bin"])[used], rtol=rtol, atol=atol
        )


@pytest.mark.parametrize(
    ("key", "kind", "make_model"),
    [
        ("joint_pl", "joint", _power_law),
        ("joint_lp", "joint", _log_parabola),
        ("stacked_pl", "stacked", _power_law),
        ("stacked_lp", "stacked", _log_parabola),
    ],
)
def test_fit_against_gammapy(runs, reference, key, kind, make_model):
    ref = reference["fits"][key]
    datasets = _datasets(runs, kind)
    model = make_model()
    datasets.models = SkyModel(model, name="crab")
    result = Fit().run(datasets)
    assert result.success, result.message
    assert result.total_stat == pytest.approx(ref["total_stat"], rel=1e-6)
    for name, expected in ref["parameters"].items():
        par = model.parameters[name]
        if expected["frozen"]:
            assert par.value == expected["value"]
            continue
        # the bar: within 0.1 of the error; the optimum agrees far better
        assert abs(par.value - expected["value"]) < 0.01 * expected["error"], name
        assert par.error == pytest.approx(expected["error"], rel=0.01), name
    free = [model.parameters[n] for n in ref["free_parameter_order"]]
    covariance = model.parameters.get_subcovariance(free)
    np.testing.assert_allclose(covariance, ref["covariance"], rtol=0.02)
    for dataset in datasets:
        expected = ref["per_dataset_at_best_fit"][dataset.name]
        assert dataset.stat_sum() == pytest.approx(expected["stat_sum"], rel=1e-5)
        np.testing.assert_allclose(
            dataset.npred_signal().data.ravel(), expected["npred_signal_per_bin"], rtol=1e-4
        )


def test_profile_errors_and_upper_limit(runs):
    """Profile-likelihood errors of the joint power law: the statistic rises by exactly
    1 (4 for the limit) at the returned values, and they are close to HESSE's."""
    datasets = runs.copy()
    model = _power_law()
    datasets.models = SkyModel(model, name="crab")
    fit = Fit()
    fit.run(datasets)
    best, stat_min, error = model.index.value, datasets.stat_sum(), model.index.error
    conf = fit.confidence(datasets, model.index, sigma=1)
    assert conf["success"]
    assert model.index.value == best  # restored
    assert conf["errp"] == pytest.approx(error, rel=0.05)
    assert conf["errn"] == pytest.approx(error, rel=0.05)
    assert conf["errp"] > conf["errn"]  # the spectrum gets less constrained when softer
    for value in (best + conf["errp"], best - conf["errn"]):
        model.index.value = value
        model.index.frozen = True
        fit.optimize(datasets)
        assert datasets.stat_sum() - stat_min == pytest.approx(1.0, abs=1e-3)
        model.index.frozen = False
        model.index.value = best
    fit.run(datasets)
    limit = fit.upper_limit(datasets, model.amplitude, n_sigma_ul=2)
    assert limit > model.amplitude.value + 1.5 * model.amplitude.error
    profile = fit.stat_profile(datasets, model.index)
    values, stats = profile["index_scan"], profile["stat_scan"]
    assert len(values) == 11
    assert values[np.argmin(stats)] == pytest.approx(best, abs=0.5 * (values[1] - values[0]))
    # without re-optimising, ±2σ (the scan ends) costs more than the profile's 4
    assert stats[0] - stat_min > 4 and stats[-1] - stat_min > 4


@pytest.mark.parametrize("cumulative", [False, True])
def test_info_table_significance_and_excess(runs, reference, cumulative):
    """Per-run and cumulative counts, excess and Li & Ma significance; the cumulative
    reference went through gammapy's float32 stacked alpha (rel ~1e-7)."""
    ref = reference["info_table_cumulative" if cumulative else "info_table_per_run"]
    table = runs.info_table(cumulative=cumulative)
    np.testing.assert_array_equal(table["counts"], ref["counts"])
    rtol = 1e-6 if cumulative else 1e-9
    np.testing.assert_allclose(table["excess"], ref["excess"], rtol=rtol)
    np.testing.assert_allclose(table["sqrt_ts"], ref["sqrt_ts"], rtol=rtol)
    np.testing.assert_allclose(table["alpha"], ref["alpha"], rtol=rtol)
    if cumulative:
        np.testing.assert_array_equal(table["counts_off"], ref["counts_off"])
        total = reference["significance_total"]
        assert table["sqrt_ts"][-1] == pytest.approx(total["sqrt_ts"], rel=1e-6)
        assert table["excess"][-1] == pytest.approx(total["excess"], rel=1e-6)


def test_confidence_contour_lies_at_delta_stat_sigma_squared(runs):
    """With two free parameters, every point of the 1σ contour (MNCONTOUR) raises the
    statistic by 1 above the minimum; the contour encloses the best fit and its extent
    along the index is the profile (MINOS-like) error."""
    datasets = runs.copy()
    model = _power_law()
    datasets.models = SkyModel(model, name="crab")
    fit = Fit()
    fit.run(datasets)
    best = model.index.value, model.amplitude.value
    stat_min = datasets.stat_sum()
    contour = fit.stat_contour(datasets, model.index, model.amplitude, numpoints=12)
    assert contour["success"]
    assert (model.index.value, model.amplitude.value) == best  # restored
    index, amplitude = contour["index"], contour["amplitude"]
    assert len(index) >= 12
    for x, y in zip(index, amplitude, strict=True):
        model.index.value, model.amplitude.value = x, y
        assert datasets.stat_sum() - stat_min == pytest.approx(1.0, abs=2e-3)
    model.index.value, model.amplitude.value = best
    assert index.min() < best[0] < index.max()
    conf = fit.confidence(datasets, model.index)
    assert index.max() - best[0] == pytest.approx(conf["errp"], rel=0.02)
    assert best[0] - index.min() == pytest.approx(conf["errn"], rel=0.02)
