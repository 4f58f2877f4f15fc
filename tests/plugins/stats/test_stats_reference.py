"""cherenkit-stats against gammapy 2.1 (``reference/gammapy/spectrum_1d.json``)."""

from __future__ import annotations

import numpy as np
import pytest

from cherenkit_stats import WStatStatistic, cash, wstat, wstat_profiled_background


def assert_close(actual, expected, *, rtol=1e-10, atol=1e-9):
    """Relative agreement, or absolute agreement for near-zero reference values."""
    np.testing.assert_allclose(actual, np.asarray(expected, dtype=float), rtol=rtol, atol=atol)


# --- made-up arrays through gammapy.stats.cash / gammapy.stats.wstat ----------------


def test_cash_formula_checks(spectrum_1d_reference):
    ref = spectrum_1d_reference["formula_checks"]["cash"]
    stat = cash(ref["counts"], ref["npred"])
    # atol=0: the (counts=0, npred=0) bin is 2e-25 and must come out as such.
    assert_close(stat, ref["cash_per_bin"], atol=0)
    assert_close(stat.sum(), ref["cash_sum"], atol=0)


@pytest.fixture
def wstat_checks(spectrum_1d_reference):
    ref = spectrum_1d_reference["formula_checks"]["wstat"]
    args = tuple(np.asarray(ref[k], dtype=float) for k in ("n_on", "n_off", "alpha", "mu_sig"))
    return ref, args


def test_wstat_formula_checks(wstat_checks):
    ref, args = wstat_checks
    # One bin (n_on=50, n_off=400, alpha=0.05, mu_sig=30) is a perfect fit: gammapy gives
    # 9.1e-13 there, rounding noise of terms of size 4e3, hence the absolute tolerance.
    assert_close(wstat(*args), ref["wstat_per_bin"])
    assert_close(wstat(*args).sum(), ref["wstat_sum"])
    assert_close(wstat(*args, extra_terms=False), ref["wstat_per_bin_without_extra_terms"])
    assert_close(wstat_profiled_background(*args), ref["mu_bkg_profiled"])


def test_wstat_statistic_formula_checks(wstat_checks):
    ref, (n_on, n_off, alpha, mu_sig) = wstat_checks
    stat = WStatStatistic()
    data = {"counts_off": n_off, "alpha": alpha}
    assert_close(stat.stat_array(n_on, mu_sig, **data), ref["wstat_per_bin"])
    assert_close(stat.stat_sum(n_on, mu_sig, **data), ref["wstat_sum"])
    raw = WStatStatistic(extra_terms=False).stat_array(n_on, mu_sig, **data)
    assert_close(raw, ref["wstat_per_bin_without_extra_terms"])
    # npred_background is the ON-region background, alpha times gammapy's mu_bkg.
    assert_close(stat.npred_background(n_on, mu_sig, **data), alpha * ref["mu_bkg_profiled"])


# --- the H.E.S.S. Crab On/Off spectra at a fixed power law --------------------------


DATASETS = ["obs-23523", "obs-23526", "obs-23559", "obs-23592", "stacked"]


def test_fixed_model_datasets(spectrum_1d_reference):
    assert sorted(spectrum_1d_reference["fixed_model_wstat"]["runs"]) == sorted(DATASETS)


@pytest.mark.parametrize("name", DATASETS)
def test_fixed_model_wstat(spectrum_1d_reference, name):
    if name == "stacked":
        run = spectrum_1d_reference["stacked"]
    else:
        (run,) = (run for run in spectrum_1d_reference["runs"] if run["name"] == name)
    fixed = spectrum_1d_reference["fixed_model_wstat"]["runs"][name]
    counts = run["counts"]
    npred = fixed["npred_signal_per_bin"]
    data = {"counts_off": run["counts_off"], "alpha": run["alpha"]}
    mask = np.asarray(fixed["mask_used"], dtype=bool)
    assert np.array_equal(mask, run["mask_safe"])
    stat = WStatStatistic()

    # gammapy's SpectrumDatasetOnOff.stat_array is wstat *with* the extra terms: without
    # them the bins would be large and negative (e.g. -734 in the first bin of obs-23523).
    assert_close(stat.stat_array(counts, npred, **data), fixed["stat_array_per_bin"], rtol=1e-6)
    assert_close(
        stat.stat_sum(counts, npred, mask=mask, **data), fixed["stat_sum_wstat"], rtol=1e-6
    )
    # gammapy's npred_background is the ON-region background alpha * mu_bkg.
    assert_close(
        stat.npred_background(counts, npred, **data),
        fixed["npred_background_per_bin"],
        rtol=1e-6,
    )


def test_stacked_alpha_zero_in_empty_bin(spectrum_1d_reference):
    # Stacking leaves alpha = 0 in the bin no run contributes to (no ON, no OFF counts);
    # the statistic accepts it there and gives 2 * npred = 0 like gammapy.
    stacked = spectrum_1d_reference["stacked"]
    assert stacked["alpha"][0] == 0 and stacked["counts"][0] == stacked["counts_off"][0] == 0
    fixed = spectrum_1d_reference["fixed_model_wstat"]["runs"]["stacked"]
    stat = WStatStatistic().stat_array(
        stacked["counts"],
        fixed["npred_signal_per_bin"],
        counts_off=stacked["counts_off"],
        alpha=stacked["alpha"],
    )
    assert stat[0] == 0.0
