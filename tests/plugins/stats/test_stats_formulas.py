"""The numpy formulas of cherenkit-stats: hand-worked values and properties."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import cherenkit_stats.formulas
from cherenkit_stats import cash, chi2, wstat, wstat_profiled_background

LN2, LN3 = math.log(2.0), math.log(3.0)

# Every formula must stay quiet (no divide/invalid warnings) on valid input.
pytestmark = pytest.mark.filterwarnings("error")


def test_doctests():
    assert doctest.testmod(cherenkit_stats.formulas).failed == 0


# --- cash ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "npred", "expected"),
    [
        # no counts: 2 * npred
        (0.0, 0.5, 1.0),
        (0.0, 3.25, 6.5),
        # npred = counts = 2: 2 (2 - 2 ln 2)
        (2.0, 2.0, 4.0 - 4.0 * LN2),
        # npred = 0 is raised to 1e-25: 2 (1e-25 - 7 ln 1e-25) = 2e-25 + 350 ln 10
        (7.0, 0.0, 2e-25 + 350.0 * math.log(10.0)),
        # both zero: 2 * 1e-25
        (0.0, 0.0, 2e-25),
    ],
)
def test_cash_values(counts, npred, expected):
    assert cash(counts, npred) == pytest.approx(expected, rel=1e-14, abs=0)


def test_cash_broadcasts():
    # counts (2, 1) against npred (3,): 2 (mu - n ln mu) for each pair
    stat = cash([[0.0], [1.0]], [1.0, 2.0, 4.0])
    expected = 2 * (np.array([1.0, 2.0, 4.0]) - np.array([[0.0], [1.0]]) * np.log([1.0, 2.0, 4.0]))
    assert stat.shape == (2, 3)
    np.testing.assert_allclose(stat, expected, rtol=1e-15)


@given(n=st.integers(1, 10_000), ratio=st.floats(1e-3, 1e3))
def test_cash_is_smallest_at_npred_equal_counts(n, ratio):
    at_counts = cash(float(n), float(n))
    elsewhere = cash(float(n), n * ratio)
    assert elsewhere >= at_counts - 1e-12 * abs(at_counts)


# --- wstat --------------------------------------------------------------------------


def test_wstat_no_on_counts():
    # n_on = 0: mu_bkg = n_off / (1 + alpha) = 4 / 1.1 and
    # W = 2 mu_sig + 2 n_off ln(1 + alpha) = 2 + 8 ln 1.1.
    # Without the extra terms add back 2 (n_off - n_off ln n_off) = 8 - 8 ln 4.
    args = (0.0, 4.0, 0.1, 1.0)
    assert wstat_profiled_background(*args) == pytest.approx(4.0 / 1.1, rel=1e-14)
    assert wstat(*args) == pytest.approx(2.0 + 8.0 * math.log(1.1), rel=1e-14)
    expected_raw = 2.0 + 8.0 * math.log(1.1) + 8.0 - 8.0 * math.log(4.0)
    assert wstat(*args, extra_terms=False) == pytest.approx(expected_raw, rel=1e-13)


def test_wstat_no_off_counts_signal_below_threshold():
    # n_off = 0, n_on = 6, alpha = 0.5: the threshold is alpha n_on / (1 + alpha) = 2.
    # mu_sig = 0.5 < 2: mu_bkg = n_on / (1 + alpha) - mu_sig / alpha = 4 - 1 = 3,
    # W = -2 mu_sig / alpha - 2 n_on ln(alpha / (1 + alpha)) = -2 + 12 ln 3,
    # raw = 2 (mu_sig + (1 + alpha) mu_bkg - n_on ln(mu_sig + alpha mu_bkg)) = 10 - 12 ln 2.
    args = (6.0, 0.0, 0.5, 0.5)
    assert wstat_profiled_background(*args) == pytest.approx(3.0, rel=1e-14)
    assert wstat(*args) == pytest.approx(-2.0 + 12.0 * LN3, rel=1e-14)
    assert wstat(*args, extra_terms=False) == pytest.approx(10.0 - 12.0 * LN2, rel=1e-14)


def test_wstat_no_off_counts_signal_above_threshold():
    # n_off = 0, n_on = 6, alpha = 0.5, mu_sig = 3 ≥ 2: mu_bkg = 0 and
    # W = 2 (mu_sig - n_on + n_on ln(n_on / mu_sig)) = -6 + 12 ln 2, raw = 2 (3 - 6 ln 3).
    args = (6.0, 0.0, 0.5, 3.0)
    assert wstat_profiled_background(*args) == 0.0
    assert wstat(*args) == pytest.approx(-6.0 + 12.0 * LN2, rel=1e-14)
    assert wstat(*args, extra_terms=False) == pytest.approx(6.0 - 12.0 * LN3, rel=1e-14)


def test_wstat_no_off_counts_is_continuous_at_threshold():
    # At mu_sig = 2 both n_off = 0 branches give -8 + 12 ln 3 and mu_bkg = 0.
    eps = 1e-9
    below, at, above = wstat(6.0, 0.0, 0.5, [2.0 - eps, 2.0, 2.0 + eps])
    assert at == pytest.approx(-8.0 + 12.0 * LN3, rel=1e-14)
    assert below == pytest.approx(at, abs=1e-8)
    assert above == pytest.approx(at, abs=1e-8)
    assert wstat_profiled_background(6.0, 0.0, 0.5, 2.0 - eps) == pytest.approx(0.0, abs=1e-8)


@pytest.mark.parametrize("alpha", [0.0, 0.3, 2.0])
def test_wstat_empty_bin(alpha):
    # n_on = n_off = 0: mu_bkg = 0 and W = 2 mu_sig, whatever alpha (also alpha = 0,
    # which stacking writes in empty bins); the extra terms are 0.
    assert wstat_profiled_background(0.0, 0.0, alpha, 1.5) == 0.0
    assert wstat(0.0, 0.0, alpha, 1.5) == 3.0
    assert wstat(0.0, 0.0, alpha, 1.5, extra_terms=False) == 3.0
    assert wstat(0.0, 0.0, alpha, 0.0) == 0.0


def test_wstat_general_case():
    # n_on = 2, n_off = 1, alpha = 1, mu_sig = 0: C = alpha (n_on + n_off) = 3, D = 3,
    # mu_bkg = (C + D) / (2 alpha (1 + alpha)) = 1.5 = mu_on, and
    # W = 2 (1.5 - 2 + 2 ln(2 / 1.5)) + 2 (1.5 - 1 + ln(1 / 1.5)) = 10 ln 2 - 6 ln 3.
    assert wstat_profiled_background(2.0, 1.0, 1.0, 0.0) == pytest.approx(1.5, rel=1e-15)
    assert wstat(2.0, 1.0, 1.0, 0.0) == pytest.approx(10 * LN2 - 6 * LN3, rel=1e-13)
    # n_on = 5, n_off = 3, alpha = 0.5, mu_sig = 2: C = 4 - 3 = 1, D = sqrt(1 + 18),
    # mu_bkg = (1 + sqrt 19) / 1.5.
    expected = (1.0 + math.sqrt(19.0)) / 1.5
    assert wstat_profiled_background(5.0, 3.0, 0.5, 2.0) == pytest.approx(expected, rel=1e-14)
    # n_on = 50, n_off = 400, alpha = 0.05, mu_sig = 30: C = 22.5 - 31.5 = -9, D = 51,
    # mu_bkg = 2 n_off mu_sig / (D - C) = 24000 / 60 = 400 = n_off, mu_on = 50 = n_on: W = 0.
    assert wstat_profiled_background(50.0, 400.0, 0.05, 30.0) == pytest.approx(400.0, rel=1e-15)
    assert wstat(50.0, 400.0, 0.05, 30.0) == pytest.approx(0.0, abs=1e-12)


def test_wstat_large_signal_has_no_cancellation():
    # n_on = 7, n_off = 11, alpha = 0.13, mu_sig = 1e12: C ≈ -1.13e12 and C + D ≈ 2.9,
    # so the textbook root (C + D) / (2 alpha (1 + alpha)) loses ~4e-5 to cancellation;
    # it is taken as 2 n_off mu_sig / (D - C). From the likelihood equation
    # (1 + alpha) - alpha n_on / (mu_sig + alpha b) - n_off / b = 0 the root is
    # b = n_off / (1 + alpha - alpha n_on / mu_sig) up to a relative 1e-24.
    n_on, n_off, alpha, mu_sig = 7.0, 11.0, 0.13, 1e12
    expected = n_off / (1.0 + alpha - alpha * n_on / mu_sig)
    mu_bkg = wstat_profiled_background(n_on, n_off, alpha, mu_sig)
    assert mu_bkg == pytest.approx(expected, rel=1e-14)


finite = {"allow_nan": False, "allow_infinity": False}
n_on_st = st.integers(0, 5000).map(float)
n_off_st = st.integers(0, 5000).map(float)
alpha_st = st.floats(1e-3, 20.0, **finite)
mu_sig_st = st.one_of(st.just(0.0), st.floats(1e-6, 5000.0, **finite))


def _scale(*values):
    return 1.0 + sum(abs(v) for v in values)


@given(n_on=n_on_st, n_off=n_off_st, alpha=alpha_st, mu_sig=mu_sig_st)
def test_wstat_is_non_negative_and_finite(n_on, n_off, alpha, mu_sig):
    stat = wstat(n_on, n_off, alpha, mu_sig)
    assert np.isfinite(stat)
    assert stat >= -1e-12 * _scale(n_on, n_off, mu_sig)
    assert wstat_profiled_background(n_on, n_off, alpha, mu_sig) >= 0.0


@given(n_on=n_on_st, n_off=n_off_st, alpha=alpha_st, mu_sig=mu_sig_st)
def test_wstat_extra_terms_do_not_depend_on_the_model(n_on, n_off, alpha, mu_sig):
    # 2 (-n_on (1 - ln n_on) - n_off (1 - ln n_off)), with 0 for a zero count
    terms = sum(2.0 * (-n + n * math.log(n)) for n in (n_on, n_off) if n > 0)
    difference = wstat(n_on, n_off, alpha, mu_sig) - wstat(
        n_on, n_off, alpha, mu_sig, extra_terms=False
    )
    assert difference == pytest.approx(terms, abs=1e-10 * _scale(n_on, n_off, mu_sig))


@given(n_on=n_on_st, n_off=n_off_st, alpha=alpha_st, mu_sig=mu_sig_st)
def test_profiled_background_minimises_wstat(n_on, n_off, alpha, mu_sig):
    best = wstat_profiled_background(n_on, n_off, alpha, mu_sig)
    at_best = wstat(n_on, n_off, alpha, mu_sig, extra_terms=False)
    tolerance = 1e-12 * _scale(n_on, n_off, mu_sig)
    shifted = [best * (1 + 1e-3) + 1e-6, best * (1 - 1e-3)] if best > 0 else [1e-6, 1e-3]
    for mu_bkg in shifted:
        other = wstat(n_on, n_off, alpha, mu_sig, extra_terms=False, mu_bkg=mu_bkg)
        assert other >= at_best - tolerance


@given(
    n_on=st.integers(0, 200).map(float),
    mu_sig=st.floats(0.0, 100.0, **finite),
    background=st.floats(0.1, 100.0, **finite),
)
def test_wstat_tends_to_cash_for_a_known_background(n_on, mu_sig, background):
    # With alpha -> 0 and n_off = background / alpha, the OFF region measures the ON
    # background exactly, and W tends to the Cash deviance
    # cash(n_on, mu_sig + b) - cash(n_on, n_on) of a known background b.
    alpha = 1e-7
    stat = wstat(n_on, background / alpha, alpha, mu_sig)
    expected = cash(n_on, mu_sig + background) - cash(n_on, n_on)
    assert stat == pytest.approx(expected, rel=1e-4, abs=1e-4)


# --- chi2 ---------------------------------------------------------------------------


def test_chi2_values():
    # ((3 - 1) / 2)^2 = 1, ((5 - 5) / 1)^2 = 0, ((0 - 3) / 0.5)^2 = 36
    np.testing.assert_array_equal(
        chi2([3.0, 5.0, 0.0], [1.0, 5.0, 3.0], [2.0, 1.0, 0.5]), [1, 0, 36]
    )


@given(
    counts=st.floats(0.0, 1e6, **finite),
    npred=st.floats(0.0, 1e6, **finite),
    err=st.floats(1e-3, 1e3, **finite),
)
def test_chi2_is_zero_at_counts(counts, npred, err):
    assert chi2(counts, counts, err) == 0.0
    stat = chi2(counts, npred, err)
    assert stat >= 0.0
    assert stat == chi2(npred, counts, err)
    # (a difference below 1e-154 squares to 0: float64 underflow)
    assert math.sqrt(stat) * err == pytest.approx(abs(counts - npred), rel=1e-12, abs=1e-150)


def test_wstat_empty_on_region_with_negative_signal_keeps_the_prediction_non_negative():
    # n_on = 0, n_off = 10, alpha = 0.2, mu_sig = -3: the unconstrained optimum
    # n_off / (1 + alpha) = 8.33 would predict mu_on = -3 + 1.67 < 0; the constrained one
    # is mu_bkg = -mu_sig / alpha = 15 (mu_on = 0), W = 2 (15 - 10 + 10 ln(10 / 15)).
    assert wstat_profiled_background(0.0, 10.0, 0.2, -3.0) == pytest.approx(15.0, rel=1e-15)
    expected = 2 * (0.0) + 2 * (15.0 - 10.0 + 10.0 * math.log(10.0 / 15.0))
    assert wstat(0.0, 10.0, 0.2, -3.0) == pytest.approx(expected, rel=1e-13)
    assert wstat(0.0, 10.0, 0.2, -3.0) >= 0.0
    # a small negative signal leaves the unconstrained optimum alone
    assert wstat_profiled_background(0.0, 10.0, 0.2, -1.0) == pytest.approx(10 / 1.2, rel=1e-15)
