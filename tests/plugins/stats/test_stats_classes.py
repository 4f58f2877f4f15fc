"""The fit-statistic classes of cherenkit-stats: checks, masks, errors and the plugin."""

from __future__ import annotations

import doctest
import math
from importlib.metadata import entry_points, version

import numpy as np
import pluggy
import pytest

import cherenkit_stats
import cherenkit_stats.statistics
from cherenkit.errors import ParameterError
from cherenkit.modeling import FitStatistic, StatisticInputError
from cherenkit.testing import check_fit_statistic
from cherenkit_stats import (
    CashStatistic,
    Chi2Statistic,
    WStatStatistic,
    cash,
    chi2,
    wstat,
)
from cherenkit_stats import plugin as stats_plugin

ON = np.array([[0.0, 3.0, 10.0], [2.0, 0.0, 5.0]])
NPRED = np.array([[0.5, 2.0, 8.0], [1.0, 0.3, 5.0]])
OFF = np.array([[4.0, 0.0, 20.0], [1.0, 0.0, 6.0]])
ALPHA = 0.25


def test_doctests():
    assert doctest.testmod(cherenkit_stats.statistics).failed == 0


# --- values -------------------------------------------------------------------------


def test_classes_call_their_formulas():
    # The classes add checks and broadcasting only: same numbers as the formulas.
    np.testing.assert_array_equal(CashStatistic().stat_array(ON, NPRED), cash(ON, NPRED))
    wstat_array = WStatStatistic().stat_array(ON, NPRED, counts_off=OFF, alpha=ALPHA)
    np.testing.assert_array_equal(wstat_array, wstat(ON, OFF, ALPHA, NPRED))
    raw = WStatStatistic(extra_terms=False).stat_array(ON, NPRED, counts_off=OFF, alpha=ALPHA)
    np.testing.assert_array_equal(raw, wstat(ON, OFF, ALPHA, NPRED, extra_terms=False))
    err = np.full(ON.shape, 2.0)
    chi2_array = Chi2Statistic().stat_array(ON, NPRED, counts_err=err)
    np.testing.assert_array_equal(chi2_array, chi2(ON, NPRED, err))


def test_results_are_float64_in_the_broadcast_shape():
    # a scalar alpha and one row of OFF counts broadcast against (2, 3) bins
    stat = WStatStatistic().stat_array(ON, NPRED, counts_off=OFF[0], alpha=ALPHA)
    assert stat.shape == (2, 3)
    assert stat.dtype == np.float64
    ints = CashStatistic().stat_array([0, 2], [1, 2])
    # 2 * 1 for the empty bin; 2 (2 - 2 ln 2) for the other
    np.testing.assert_allclose(ints, [2.0, 4.0 - 4.0 * math.log(2.0)], rtol=1e-15)


def test_wstat_npred_background_is_the_on_region_background():
    # n_on = 0, n_off = 4, alpha = 0.25: mu_bkg = 4 / 1.25 = 3.2 in the OFF region,
    # alpha * mu_bkg = 0.8 in the ON region.
    stat = WStatStatistic()
    background = stat.npred_background([0.0], [1.0], counts_off=[4.0], alpha=[0.25])
    np.testing.assert_allclose(background, [0.8], rtol=1e-15)
    assert WStatStatistic.profiles_background
    assert not CashStatistic.profiles_background


def test_wstat_accepts_alpha_zero_in_empty_bins():
    # n_on = n_off = 0 with alpha = 0: W = 2 mu_sig = 3, no background.
    stat = WStatStatistic()
    data = {"counts_off": [0.0, 4.0], "alpha": [0.0, 0.25]}
    np.testing.assert_allclose(stat.stat_array([0.0, 0.0], [1.5, 1.0], **data)[0], 3.0)
    np.testing.assert_array_equal(stat.npred_background([0.0, 0.0], [1.5, 1.0], **data), [0, 0.8])


# --- stat_sum and masks ---------------------------------------------------------------


def test_stat_sum_with_mask():
    stat = CashStatistic()
    per_bin = stat.stat_array(ON, NPRED)
    mask = np.array([[True, False, True], [False, False, True]])
    assert stat.stat_sum(ON, NPRED, mask=mask) == pytest.approx(per_bin[mask].sum(), rel=1e-15)
    assert stat.stat_sum(ON, NPRED) == pytest.approx(per_bin.sum(), rel=1e-15)
    assert stat.stat_sum(ON, NPRED, mask=np.zeros(ON.shape, bool)) == 0.0
    # a mask per energy column broadcasts over the rows
    column = np.array([True, False, True])
    expected = per_bin[:, column].sum()
    assert stat.stat_sum(ON, NPRED, mask=column) == pytest.approx(expected, rel=1e-15)


def test_wstat_stat_sum_with_mask():
    stat = WStatStatistic()
    data = {"counts_off": OFF, "alpha": ALPHA}
    mask = np.array([[False, True, True], [True, True, False]])
    expected = stat.stat_array(ON, NPRED, **data)[mask].sum()
    assert stat.stat_sum(ON, NPRED, mask=mask, **data) == pytest.approx(expected, rel=1e-15)


def test_stat_sum_rejects_bad_masks():
    with pytest.raises(StatisticInputError, match=r"input 'mask': expected booleans, got int64"):
        CashStatistic().stat_sum(ON, NPRED, mask=np.ones(ON.shape, dtype=np.int64))
    with pytest.raises(StatisticInputError, match=r"shape \(4,\) does not match the bins"):
        CashStatistic().stat_sum(ON, NPRED, mask=np.ones(4, dtype=bool))


# --- errors ---------------------------------------------------------------------------


def test_wstat_without_counts_off():
    with pytest.raises(
        StatisticInputError,
        match=r"'wstat', input 'counts_off': missing; it takes counts, npred, counts_off, alpha",
    ) as info:
        WStatStatistic().stat_array(ON, NPRED, alpha=ALPHA)
    assert (info.value.statistic, info.value.input) == ("wstat", "counts_off")


def test_cash_with_an_unexpected_input():
    with pytest.raises(
        StatisticInputError,
        match=r"'cash', input 'counts_off': not an input of this statistic; it takes counts, npred",
    ):
        CashStatistic().stat_array(ON, NPRED, counts_off=OFF)


@pytest.mark.parametrize("statistic", [CashStatistic(), WStatStatistic(), Chi2Statistic()])
def test_negative_counts(statistic):
    data = {name: np.ones(ON.shape) for name in statistic.inputs}
    with pytest.raises(StatisticInputError, match=r"input 'counts': contains negative values"):
        statistic.stat_array(-ON - 1, NPRED, **data)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_npred(value):
    npred = NPRED.copy()
    npred[1, 2] = value
    with pytest.raises(
        StatisticInputError, match=r"'cash', input 'npred': contains NaN or infinite values"
    ):
        CashStatistic().stat_array(ON, npred)


def test_nan_counts_off():
    with pytest.raises(StatisticInputError, match=r"input 'counts_off': contains NaN"):
        WStatStatistic().stat_array(ON, NPRED, counts_off=np.full(ON.shape, np.nan), alpha=1.0)


def test_mismatched_shapes():
    with pytest.raises(
        StatisticInputError, match=r"input shapes do not broadcast: counts \(2, 3\), npred \(4,\)"
    ):
        CashStatistic().stat_array(ON, np.ones(4))
    with pytest.raises(StatisticInputError, match=r"do not broadcast: .*alpha \(2,\)"):
        WStatStatistic().stat_array(ON, NPRED, counts_off=OFF, alpha=[0.1, 0.2])


def test_chi2_with_zero_error():
    err = np.array([1.0, 0.0, 2.0, 0.0])
    with pytest.raises(
        StatisticInputError,
        match=r"'chi2', input 'counts_err': is 0 in 2 bins, the first at index \(1,\); "
        r"errors must be > 0",
    ) as info:
        Chi2Statistic().stat_array([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0, 1.0], counts_err=err)
    assert info.value.input == "counts_err"


def test_chi2_with_negative_error():
    with pytest.raises(StatisticInputError, match=r"'counts_err': contains negative values"):
        Chi2Statistic().stat_array([1.0], [1.0], counts_err=[-1.0])


def test_wstat_with_alpha_zero():
    # ON counts in bin (0, 1), OFF counts in bin (1, 2): both need alpha > 0.
    alpha = np.full(ON.shape, 0.2)
    alpha[0, 1] = alpha[1, 2] = 0.0
    message = (
        r"'wstat', input 'alpha': is 0 in 2 bins, the first at index \(0, 1\) with ON or OFF "
        r"counts; it must be > 0 there \(alpha = 0 is accepted only in empty bins\)"
    )
    with pytest.raises(StatisticInputError, match=message) as info:
        WStatStatistic().stat_array(ON, NPRED, counts_off=OFF, alpha=alpha)
    assert info.value.input == "alpha"
    with pytest.raises(StatisticInputError, match=message):
        WStatStatistic().npred_background(ON, NPRED, counts_off=OFF, alpha=alpha)
    with pytest.raises(StatisticInputError, match=r"is 0 in 1 bin, the first at index \(\)"):
        WStatStatistic().stat_sum(0.0, 1.0, counts_off=3.0, alpha=0.0)


def test_wstat_with_negative_alpha():
    with pytest.raises(StatisticInputError, match=r"input 'alpha': contains negative values"):
        WStatStatistic().stat_array(ON, NPRED, counts_off=OFF, alpha=-0.1)


@pytest.mark.parametrize("statistic", [CashStatistic(), Chi2Statistic()])
def test_npred_background_of_statistics_without_background(statistic):
    data = {name: np.ones(ON.shape) for name in statistic.inputs}
    with pytest.raises(
        StatisticInputError,
        match=rf"'{statistic.name}', input 'npred_background': this statistic does not profile",
    ):
        statistic.npred_background(ON, NPRED, **data)


def test_wstat_parameter():
    assert WStatStatistic().extra_terms is True
    assert WStatStatistic(extra_terms=False).extra_terms is False
    with pytest.raises(ParameterError, match=r"WStatStatistic.extra_terms: expected true or false"):
        WStatStatistic(extra_terms="no")
    with pytest.raises(TypeError):
        WStatStatistic(False)  # keyword only


# --- the plugin ---------------------------------------------------------------------


def test_plugin_module_declares_the_three_statistics():
    import cherenkit.hookspecs

    assert stats_plugin.cherenkit_api == ">=1.0,<2"
    manager = pluggy.PluginManager("cherenkit")
    manager.add_hookspecs(cherenkit.hookspecs)
    manager.register(stats_plugin)
    (declared,) = manager.hook.cherenkit_register_fit_statistics()
    assert declared == [CashStatistic, WStatStatistic, Chi2Statistic]
    assert [cls.name for cls in declared] == ["cash", "wstat", "chi2"]
    for cls in declared:
        assert issubclass(cls, FitStatistic)
        assert cls.kind == "fit-statistic"
        assert cls.summary() and cls.summary().endswith(".")
        assert "References" in cls.__doc__


def test_entry_point_names_the_plugin_module():
    (entry,) = [ep for ep in entry_points(group="cherenkit") if ep.name == "stats"]
    assert entry.value == "cherenkit_stats.plugin"
    assert entry.load() is stats_plugin


def test_package_metadata():
    assert cherenkit_stats.__version__ == version("cherenkit-stats")
    for name in cherenkit_stats.__all__:
        assert hasattr(cherenkit_stats, name), name


@pytest.mark.parametrize(
    "statistic",
    [CashStatistic(), WStatStatistic(), WStatStatistic(extra_terms=False), Chi2Statistic()],
    ids=repr,
)
def test_the_fit_statistic_contract(statistic):
    check_fit_statistic(statistic)


def test_cash_scaled_sum_closed_form_equals_bin_by_bin():
    """The per-group closed form of the Cash sum (used by fits whenever only a
    background norm changes) equals the bin-by-bin sum, also with empty bins, bins of
    zero or tiny background and factors at the fallback threshold."""
    from cherenkit.modeling import FitStatistic

    rng = np.random.default_rng(11)
    n = 5000
    background = rng.gamma(2.0, 0.3, n)
    background[:50] = 0.0
    background[50:60] = 1e-20
    counts = rng.poisson(background * 1.1).astype(float)
    counts[:5] = 2.0  # counts where nothing is predicted
    group = rng.integers(0, 7, n)
    statistic = CashStatistic()
    closed = statistic.scaled_sum(counts, background, group, 7)
    direct = FitStatistic.scaled_sum(statistic, counts, background, group, 7)
    for factors in (np.ones(7), np.linspace(0.5, 1.5, 7), np.full(7, 1e-11)):
        expected = float(np.sum(statistic.stat_array(counts, factors[group] * background)))
        assert direct(factors) == pytest.approx(expected, rel=1e-13)
        assert closed(factors) == pytest.approx(expected, rel=1e-12)
