"""`ExcessMapEstimator` on small hand-made datasets, with expected values worked out
in the comments; its kernels (top-hat correlation, vectorised root finding); errors."""

import astropy.units as u
import numpy as np
import pytest
from scipy.special import lambertw

from cherenkit import registry
from cherenkit.datasets import MapDataset, MapDatasetOnOff
from cherenkit.estimators import ExcessMapEstimator, ExcessMaps
from cherenkit.estimators._correlate import correlate_images, tophat_kernel
from cherenkit.estimators._counts_statistic import ExcessStatistic, find_roots
from cherenkit.estimators._flux_maps import energy_overlap
from cherenkit.maps import Map, MapAxis, WcsGeom
from cherenkit.modeling import PowerLawNormSpectralModel, PowerLawSpectralModel

# 9 x 7 pixels of 0.1 deg; a correlation radius of 0.15 deg = 1.5 px keeps the offsets
# with dx² + dy² <= 2.25: the 3 x 3 block around each pixel.
RADIUS = "0.15 deg"
CENTRE = (3, 4)  # (iy, ix)


def _geom(nbin=2):
    energy = MapAxis.from_energy_bounds(1, 10, nbin, unit="TeV")
    return WcsGeom.create(skydir=(10, 20), npix=(9, 7), binsz=0.1, frame="icrs", axes=[energy])


def _li_ma(n_on, n_off, alpha):
    """Li & Ma (1983) eq. 17, signed; written out independently of the package."""
    total = n_on + n_off
    t_on = n_on * np.log((1 + alpha) / alpha * n_on / total) if n_on > 0 else 0.0
    t_off = n_off * np.log((1 + alpha) * n_off / total) if n_off > 0 else 0.0
    return np.sign(n_on - alpha * n_off) * np.sqrt(2 * (t_on + t_off))


@pytest.fixture
def cash_dataset():
    """Counts 20 + 3 (bin 0) and 5 (bin 1) around CENTRE, background 0.5 per bin and
    pixel, 100 counts in the unsafe pixel (6, 0)."""
    geom = _geom()
    dataset = MapDataset.create(geom, name="toy")
    dataset.counts.data[0, 3, 4] = 20
    dataset.counts.data[0, 3, 5] = 3
    dataset.counts.data[1, 3, 4] = 5
    dataset.counts.data[:, 6, 0] = 100
    dataset.background.data[...] = 0.5
    dataset.mask_safe.data[...] = True
    dataset.mask_safe.data[:, 6, 0] = False
    return dataset


@pytest.fixture
def on_off_dataset():
    """One energy bin: counts 28 at CENTRE; OFF counts 20 everywhere; acceptance 1;
    OFF acceptance 10 for x < 5 and 20 for x >= 5 (alpha 0.1 and 0.05)."""
    geom = _geom(nbin=1)
    counts = np.zeros(geom.data_shape)
    counts[0, 3, 4] = 28
    acceptance_off = np.where(np.arange(9) < 5, 10.0, 20.0) * np.ones(geom.data_shape)
    return MapDatasetOnOff(
        counts=Map.from_geom(geom, data=counts),
        counts_off=Map.from_geom(geom, data=20.0),
        acceptance=Map.from_geom(geom, data=1.0),
        acceptance_off=Map.from_geom(geom, data=acceptance_off),
        mask_safe=Map.from_geom(geom, data=True, dtype=bool),
        name="toy-onoff",
    )


# --- kernels -----------------------------------------------------------------------------


def test_tophat_kernel_pixels():
    # r = 5: size ceil(10) + 1 = 11, 81 offsets with dx² + dy² <= 25 (gammapy's 0.1 deg / 0.02)
    kernel = tophat_kernel(5.0)
    assert kernel.shape == (11, 11)
    assert kernel.sum() == 81
    assert kernel[5, 0] == kernel[0, 5] == kernel[1, 2] == 1  # (5, 0) and (3, 4) are inside
    assert kernel[0, 0] == kernel[1, 1] == 0
    # r = 1.5: the 3 x 3 block; r = 1: the cross of 5; r = 0.3: the pixel itself
    np.testing.assert_array_equal(tophat_kernel(1.5), np.ones((3, 3)))
    np.testing.assert_array_equal(tophat_kernel(1.0), [[0, 1, 0], [1, 1, 1], [0, 1, 0]])
    np.testing.assert_array_equal(tophat_kernel(0.3), [[1.0]])


def test_correlate_images_sums_over_the_footprint():
    rng = np.random.default_rng(3)
    data = rng.uniform(0, 2, (2, 6, 7))
    data[:, :, 5:] = 0.0  # an empty band: must come out exactly 0 where the cross sees only it
    kernel = tophat_kernel(1.0)
    out = correlate_images(data, kernel)
    padded = np.pad(data, ((0, 0), (1, 1), (1, 1)))
    expected = (
        padded[:, 1:-1, 1:-1]
        + padded[:, :-2, 1:-1]
        + padded[:, 2:, 1:-1]
        + padded[:, 1:-1, :-2]
        + padded[:, 1:-1, 2:]
    )
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=0)
    assert np.all(out[:, :, 6] == 0.0)
    counts = rng.poisson(3.0, (6, 7)).astype(float)
    summed = correlate_images(counts, tophat_kernel(1.5))
    assert summed[2, 3] == counts[1:4, 2:5].sum()  # exact integers
    assert summed[0, 0] == counts[:2, :2].sum()  # the image ends at its edge


def test_find_roots_vectorised():
    # roots of x² - c for c = 2, 9, 0.25 in [0, 10]; none for c = -1 (NaN)
    c = np.array([2.0, 9.0, 0.25, -1.0])
    roots = find_roots(lambda x, i: x**2 - c[i], np.zeros(4), np.full(4, 10.0))
    np.testing.assert_allclose(roots[:3], np.sqrt(c[:3]), rtol=0, atol=1e-10)
    assert np.isnan(roots[3])


# --- the known-background (cash) path -------------------------------------------------


def test_cash_values_by_hand(cash_dataset):
    result = ExcessMapEstimator(RADIUS).run(cash_dataset)
    assert isinstance(result, ExcessMaps)
    # one energy group 1-10 TeV by default (gammapy's default as well)
    assert result.geom.data_shape == (1, 7, 9)
    np.testing.assert_allclose(result.energy_axis.edges_value, [1, 10])
    iy, ix = CENTRE
    # centre: counts 20 + 3 + 5 = 28, background 9 px x 2 bins x 0.5 = 9
    n, b = 28.0, 9.0
    ts = 2 * (n * np.log(n / b) - (n - b))  # Cash likelihood ratio, = 23.5505...
    assert result["counts"].data[0, iy, ix] == 28
    assert result["npred"].data[0, iy, ix] == 28
    assert result["npred_background"].data[0, iy, ix] == pytest.approx(9.0, rel=1e-12)
    assert result["npred_excess"].data[0, iy, ix] == pytest.approx(19.0, rel=1e-12)
    assert result["ts"].data[0, iy, ix] == pytest.approx(ts, rel=1e-10)
    assert result["sqrt_ts"].data[0, iy, ix] == pytest.approx(np.sqrt(ts), rel=1e-10)
    assert result["npred_excess_err"].data[0, iy, ix] == pytest.approx(np.sqrt(28), rel=1e-12)
    # corner (0, 8): 2 x 2 pixels in the map, no counts: background 4, TS = 2 b = 8
    assert result["npred_background"].data[0, 0, 8] == pytest.approx(4.0, rel=1e-12)
    assert result["sqrt_ts"].data[0, 0, 8] == pytest.approx(-np.sqrt(8.0), rel=1e-10)
    # the unsafe pixel is NaN, and its 100 counts reach no neighbour
    assert np.all(np.isnan([m.data[0, 6, 0] for m in result.maps.values()]))
    assert result["counts"].data[0, 5, 1] == 0
    # its background is not summed either: (5, 1) sees 8 safe pixels x 2 bins x 0.5
    assert result["npred_background"].data[0, 5, 1] == pytest.approx(8.0, rel=1e-12)
    assert np.count_nonzero(np.isnan(result["ts"].data)) == 1


def test_cash_errors_against_the_closed_form(cash_dataset):
    # Cash with known background: errn/errp solve n ln(n/mu) - (n - mu) = n_sigma²/2 for
    # mu = n - errn and n + errp: mu = -n W(-exp(-1 - c/n)) on the branches 0 and -1
    estimator = ExcessMapEstimator(RADIUS, n_sigma=1.5, n_sigma_ul=3, selection_optional="all")
    result = estimator.run(cash_dataset)
    iy, ix = CENTRE
    n = 28.0
    c = 1.5**2 / 2
    errn = n * (lambertw(-np.exp(-1 - c / n), k=0).real + 1)
    errp = -n * (lambertw(-np.exp(-1 - c / n), k=-1).real + 1)
    c_ul = 3**2 / 2
    ul = 19 - n * (lambertw(-np.exp(-1 - c_ul / n), k=-1).real + 1)
    assert result["npred_excess_errn"].data[0, iy, ix] == pytest.approx(errn, rel=1e-8)
    assert result["npred_excess_errp"].data[0, iy, ix] == pytest.approx(errp, rel=1e-8)
    assert result["npred_excess_ul"].data[0, iy, ix] == pytest.approx(ul, rel=1e-8)
    assert result["npred_excess_err"].data[0, iy, ix] == pytest.approx(1.5 * np.sqrt(n))
    # no counts: the prediction cannot drop below 0, errn = 0; errp = n_sigma² / 2
    assert result["npred_excess_errn"].data[0, 0, 8] == 0
    assert result["npred_excess_errp"].data[0, 0, 8] == pytest.approx(c, rel=1e-8)


@pytest.mark.parametrize("stat_type", ["cash", "wstat"])
def test_errors_raise_the_statistic_by_n_sigma_squared(stat_type):
    rng = np.random.default_rng(11)
    n = 500
    counts = rng.poisson(rng.uniform(0.5, 40, n)).astype(float)
    statistic = registry.get("fit-statistic", stat_type)()
    if stat_type == "cash":
        inputs = {"npred_background": rng.uniform(0.1, 40, n)}
    else:
        inputs = {"counts_off": rng.poisson(100, n).astype(float), "alpha": rng.uniform(0.02, 1, n)}
    stat = ExcessStatistic(statistic, counts, **inputs)
    best = stat.excess
    for n_sigma in (1.0, 2.0):
        for signal in (best - stat.errn(n_sigma), best + stat.errp(n_sigma)):
            ok = counts > 0  # with no counts the prediction can only fall to 0
            delta = stat.stat(signal) - stat.stat_best
            np.testing.assert_allclose(delta[ok], n_sigma**2, atol=1e-6)
    np.testing.assert_allclose(stat.upper_limit(2.0), best + stat.errp(2.0), rtol=1e-9)
    has_counts = counts > 0
    assert np.all(stat.errn(1.0)[has_counts] > 0)
    if stat_type == "cash":  # the Poisson likelihood of the counts is skewed upwards
        assert np.all(stat.errp(1.0) > stat.errn(1.0))


# --- the On/Off (wstat) path -----------------------------------------------------------


def test_on_off_correlate_off_true_by_hand(on_off_dataset):
    result = ExcessMapEstimator(RADIUS, correlate_off=True).run(on_off_dataset)
    iy, ix = CENTRE
    # disk columns x = 3, 4, 5 with alpha 0.1, 0.1, 0.05; 3 rows of OFF counts 20:
    # counts_off = 180, sum(alpha off) = 3 (2 + 2 + 1) = 15, alpha = 15 / 180
    assert result["counts_off"].data[0, iy, ix] == 180
    assert result["alpha"].data[0, iy, ix] == pytest.approx(1 / 12, rel=1e-12)
    assert result["npred_background"].data[0, iy, ix] == pytest.approx(15, rel=1e-12)
    assert result["npred_excess"].data[0, iy, ix] == pytest.approx(13, rel=1e-12)
    expected = _li_ma(28, 180, 1 / 12)
    assert result["sqrt_ts"].data[0, iy, ix] == pytest.approx(expected, rel=1e-9)
    assert result["ts"].data[0, iy, ix] == pytest.approx(expected**2, rel=1e-9)
    err = np.sqrt(28 + 180 / 144)  # sqrt(n_on + alpha² n_off)
    assert result["npred_excess_err"].data[0, iy, ix] == pytest.approx(err, rel=1e-12)
    # corner (0, 0): no ON counts, 4 pixels of OFF counts, alpha 0.1:
    # Li & Ma → -sqrt(2 n_off ln(1 + alpha))
    assert result["counts"].data[0, 0, 0] == 0
    assert result["counts_off"].data[0, 0, 0] == 80
    expected = -np.sqrt(2 * 80 * np.log(1.1))
    assert result["sqrt_ts"].data[0, 0, 0] == pytest.approx(expected, rel=1e-7)


def test_on_off_correlate_off_false_by_hand(on_off_dataset):
    result = ExcessMapEstimator(RADIUS, correlate_off=False).run(on_off_dataset)
    iy, ix = CENTRE
    # OFF counts of the pixel (20); alpha = ON acceptance over the disk (9) / OFF
    # acceptance of the pixel (10) = 0.9; background 18
    assert result["counts_off"].data[0, iy, ix] == 20
    assert result["alpha"].data[0, iy, ix] == pytest.approx(0.9, rel=1e-12)
    assert result["npred_background"].data[0, iy, ix] == pytest.approx(18, rel=1e-12)
    assert result["sqrt_ts"].data[0, iy, ix] == pytest.approx(_li_ma(28, 20, 0.9), rel=1e-9)
    # one column to the right the pixel has OFF acceptance 20: alpha = 9 / 20
    assert result["alpha"].data[0, iy, ix + 1] == pytest.approx(0.45, rel=1e-12)


def test_on_off_optional_maps_and_upper_limit(on_off_dataset):
    estimator = ExcessMapEstimator(
        RADIUS, selection_optional=["ul", "acceptance_on", "acceptance_off"], n_sigma_ul=3
    )
    result = estimator.run(on_off_dataset)
    assert "npred_excess_errn" not in result and "npred_excess_ul" in result
    np.testing.assert_allclose(result["acceptance_on"].data, 1.0)
    assert result["acceptance_off"].data[0, 0, 0] == pytest.approx(10.0, rel=1e-12)
    assert result["acceptance_off"].data[0, 0, 8] == pytest.approx(20.0, rel=1e-12)
    iy, ix = CENTRE
    wstat = registry.get("fit-statistic", "wstat")()
    ul = result["npred_excess_ul"].data[0, iy, ix]
    alpha = 1 / 12

    def stat(signal):
        return wstat.stat_array(28.0, signal, counts_off=180.0, alpha=alpha)[()]

    assert stat(ul) - stat(13.0) == pytest.approx(9.0, abs=1e-6)
    assert ul > 13


def test_wstat_without_on_counts_below_zero_signal():
    """Zero ON counts and a negative signal: the best fit predicts no ON counts, the
    background sits at the OFF counts, and the statistic equals Li & Ma."""
    wstat = registry.get("fit-statistic", "wstat")()
    counts_off, alpha = np.array([80.0, 5.0]), np.array([0.1, 0.3])
    stat = ExcessStatistic(wstat, np.zeros(2), counts_off=counts_off, alpha=alpha)
    np.testing.assert_allclose(stat.stat_best, 0.0, atol=1e-7)
    np.testing.assert_allclose(stat.ts, 2 * counts_off * np.log(1 + alpha), rtol=1e-7)
    # below the best fit the background must rise to keep the ON prediction >= 0:
    # b = -s / alpha, and the statistic is the OFF deviance 2 (b - n + n ln(n / b))
    errn = stat.errn(1.0)
    b = -(stat.excess - errn) / alpha
    deviance = 2 * (b - counts_off + counts_off * np.log(counts_off / b))
    np.testing.assert_allclose(deviance, 1.0, atol=1e-6)


# --- energy groups, masks -------------------------------------------------------------


def test_energy_edges_group_the_bins():
    geom = _geom(nbin=4)  # edges 1, 1.778, 3.162, 5.623, 10 TeV
    dataset = MapDataset.create(geom)
    dataset.counts.data[:, 3, 4] = [1, 2, 4, 8]
    dataset.background.data[...] = [[[0.1]], [[0.2]], [[0.3]], [[0.4]]]
    dataset.mask_safe.data[...] = True
    dataset.mask_safe.data[1] = False  # bin 1 is not safe anywhere
    result = ExcessMapEstimator(RADIUS, energy_edges=[1, 3, 10] * u.TeV).run(dataset)
    # 3 TeV is nearest (in log) to the edge 3.162 TeV: groups {0, 1} and {2, 3}
    np.testing.assert_allclose(result.energy_axis.edges_value, [1, 10**0.5, 10], rtol=1e-12)
    assert result.geom.data_shape == (2, 7, 9)
    iy, ix = CENTRE
    np.testing.assert_array_equal(result["counts"].data[:, iy, ix], [1, 12])
    np.testing.assert_allclose(result["npred_background"].data[:, iy, ix], [0.9, 6.3], rtol=1e-12)
    # a group with no safe bin at all is NaN
    dataset.mask_safe.data[0] = False
    result = ExcessMapEstimator(RADIUS, energy_edges=[1, 3, 10] * u.TeV).run(dataset)
    assert np.all(np.isnan(result["sqrt_ts"].data[0]))
    assert np.all(np.isfinite(result["sqrt_ts"].data[1]))


def test_mask_fit_removes_pixels(cash_dataset):
    cash_dataset.mask_fit = Map.from_geom(cash_dataset.counts.geom, data=True, dtype=bool)
    cash_dataset.mask_fit.data[:, 3, 5] = False
    result = ExcessMapEstimator(RADIUS).run(cash_dataset)
    assert np.isnan(result["ts"].data[0, 3, 5])
    assert result["counts"].data[0, 3, 4] == 25  # the 3 counts at (3, 5) are left out


# --- flux maps ---------------------------------------------------------------------------

# The default reference spectrum, a power law of index 2 with 1e-12 cm-2 s-1 TeV-1 at 1 TeV,
# integrates to 1e-12 (1/a - 1/b) cm-2 s-1 over [a, b] TeV: 0.9e-12 over 1-10 TeV,
# 0.683772e-12 over 1-sqrt(10) TeV and 0.216228e-12 over sqrt(10)-10 TeV.
FLUX_BINS = 1e-12 * np.array([1 - 10**-0.5, 10**-0.5 - 0.1])
_SUFFIXES = ("", "_err", "_errn", "_errp", "_ul")


@pytest.fixture
def flux_dataset(cash_dataset):
    """``cash_dataset`` with an exposure of 1e9 m² s = 1e13 cm² s in both true-energy bins
    (x >= 5: twice that; the unsafe pixel (6, 0): 1e12 m² s) and no energy dispersion:
    9 reference counts per pixel (18 for x >= 5) in 1-10 TeV."""
    exposure = np.full(cash_dataset.exposure.data.shape, 1e9)
    exposure[:, :, 5:] = 2e9
    exposure[:, 6, 0] = 1e12
    cash_dataset.exposure.data[...] = exposure
    cash_dataset.edisp = None
    return cash_dataset


def test_flux_maps_by_hand(flux_dataset):
    result = ExcessMapEstimator(RADIUS, selection_optional="all").run(flux_dataset)
    iy, ix = CENTRE
    # the disk at the centre has 6 pixels with 9 reference counts (x = 3, 4) and 3 with
    # 18 (x = 5): 12 on average; excess 19 (see test_cash_values_by_hand)
    ref = 12.0
    assert result["npred_excess_ref"].data[0, iy, ix] == pytest.approx(ref, rel=1e-12)
    norm = 19.0 / ref
    assert result["norm"].data[0, iy, ix] == pytest.approx(norm, rel=1e-12)
    for suffix in ("_err", "_errn", "_errp", "_ul"):
        expected = result[f"npred_excess{suffix}"].data[0, iy, ix] / ref
        assert result[f"norm{suffix}"].data[0, iy, ix] == pytest.approx(expected, rel=1e-12)
    assert result["norm_err"].data[0, iy, ix] == pytest.approx(np.sqrt(28) / ref, rel=1e-12)
    # reference SED values in 1-10 TeV: dN/dE and E² dN/dE at e_ref = sqrt(10) TeV,
    # integral flux 0.9e-12 and energy flux 1e-12 ln(10)
    e_ref = np.sqrt(10.0)
    reference = {
        "dnde": (1e-12 / e_ref**2, "cm-2 s-1 TeV-1"),
        "e2dnde": (1e-12, "TeV cm-2 s-1"),
        "flux": (0.9e-12, "cm-2 s-1"),
        "eflux": (1e-12 * np.log(10), "TeV cm-2 s-1"),
    }
    assert result.energy_ref.to_value("TeV") == pytest.approx([e_ref], rel=1e-12)
    for sed_type, (value, unit) in reference.items():
        for suffix in ("", "_err", "_errn", "_errp", "_ul"):
            m = result[sed_type + suffix]
            assert m.unit == u.Unit(unit)
            expected = result[f"norm{suffix}"].data[0, iy, ix] * value
            assert m.data[0, iy, ix] == pytest.approx(expected, rel=1e-12)
    assert result["norm"].unit == u.dimensionless_unscaled
    # pixel (5, 0): of the disk's 6 pixels in the map, (6, 0) is not safe and left out of
    # both the sum and the pixel count, despite its exposure: 5 x 9 / 5 = 9
    assert result["npred_excess_ref"].data[0, 5, 0] == pytest.approx(9.0, rel=1e-12)
    assert np.isnan(result["norm"].data[0, 6, 0])
    # with an exposure that is flat in energy the flux does not depend on the spectrum:
    # flux = excess / exposure = 19 / (12 / 0.9e-12) at the centre
    assert result["flux"].data[0, iy, ix] == pytest.approx(19 * 0.9e-12 / ref, rel=1e-12)
    assert result.reference_model.parameters["index"].value == 2.0
    assert result.meta["spectral_model"] == "PowerLawSpectralModel"
    assert "ref. model" in str(result)


def test_flux_maps_quantities_and_counts_unchanged(flux_dataset, cash_dataset):
    counts_only = ExcessMapEstimator(RADIUS, selection_optional="all").run(
        MapDataset(
            counts=flux_dataset.counts,
            background=flux_dataset.background,
            mask_safe=flux_dataset.mask_safe,
            name="no-exposure",
        )
    )
    assert "norm" not in counts_only and counts_only.reference_model is None
    result = ExcessMapEstimator(RADIUS, selection_optional="all").run(flux_dataset)
    assert result.available_quantities[: len(counts_only)] == list(counts_only)
    flux = [f"{q}{s}" for q in ("dnde", "e2dnde", "flux", "eflux") for s in _SUFFIXES]
    expected = ["npred_excess_ref", *(f"norm{s}" for s in _SUFFIXES), *flux]
    assert result.available_quantities[len(counts_only) :] == expected
    for name in counts_only:
        np.testing.assert_array_equal(result[name].data, counts_only[name].data, err_msg=name)
    # without the optional maps: norm, norm_err and the SED maps with _err only
    plain = ExcessMapEstimator(RADIUS).run(flux_dataset)
    assert [k for k in plain if k.startswith(("norm", "flux"))] == [
        "norm",
        "norm_err",
        "flux",
        "flux_err",
    ]


def test_flux_maps_energy_groups_and_spectral_model(flux_dataset):
    iy, ix = CENTRE
    edges = [1, 10**0.5, 10] * u.TeV
    result = ExcessMapEstimator(RADIUS, energy_edges=edges).run(flux_dataset)
    # per group the mean exposure 1.333e13 cm² s (see test_flux_maps_by_hand) times the
    # integral of the spectrum over the group
    ref = 12.0 / 9.0 * 1e13 * FLUX_BINS
    np.testing.assert_allclose(result["npred_excess_ref"].data[:, iy, ix], ref, rtol=1e-12)
    # excess: 23 - 4.5 in 1-3.16 TeV, 5 - 4.5 in 3.16-10 TeV
    np.testing.assert_allclose(result["norm"].data[:, iy, ix], [18.5, 0.5] / ref, rtol=1e-12)
    e_ref = np.array([10**0.25, 10**0.75])
    np.testing.assert_allclose(result.energy_ref.to_value("TeV"), e_ref, rtol=1e-12)
    dnde = [18.5, 0.5] / ref * 1e-12 / e_ref**2
    np.testing.assert_allclose(result["dnde"].data[:, iy, ix], dnde, rtol=1e-12)
    # index 3: 1e-12 (1/a² - 1/b²) / 2 over [a, b]; the flux stays excess / exposure
    model = PowerLawSpectralModel(index=3.0, amplitude="2e-12 cm-2 s-1 TeV-1")
    result = ExcessMapEstimator(RADIUS, spectral_model=model).run(flux_dataset)
    ref = 12.0 / 9.0 * 1e13 * 1e-12 * (1 - 0.01)
    assert result["npred_excess_ref"].data[0, iy, ix] == pytest.approx(ref, rel=1e-12)
    assert result["flux"].data[0, iy, ix] == pytest.approx(19 * 0.9e-12 / 12, rel=1e-12)
    dnde = 19 / ref * 2e-12 / 10**1.5  # dN/dE of the model at sqrt(10) TeV
    assert result["dnde"].data[0, iy, ix] == pytest.approx(dnde, rel=1e-12)


def test_flux_maps_with_energy_dispersion(cash_dataset):
    """Kernel rows (true bin → reco bins): (0.8, 0.2) and (0.1, 0.9) at the centre of the
    edisp map, zeros elsewhere; exposure 1e13 cm² s everywhere."""
    iy, ix = CENTRE
    cash_dataset.exposure.data[...] = 1e9
    edisp = cash_dataset.edisp
    ny, nx = edisp.edisp_map.data.shape[-2:]
    cy, cx = ny // 2, nx // 2  # 4 x 4 IRF pixels: the centre pixel is (2, 2)
    edisp.edisp_map.data[..., cy, cx] = [[0.8, 0.2], [0.1, 0.9]]
    edisp.exposure_map.data[..., cy, cx] = 1.0
    estimator = ExcessMapEstimator(RADIUS, energy_edges=[1, 10**0.5, 10] * u.TeV)
    result = estimator.run(cash_dataset)
    kernel = np.array([[0.8, 0.2], [0.1, 0.9]])
    ref = 1e13 * FLUX_BINS @ kernel  # 5.686, 3.314 counts
    np.testing.assert_allclose(result["npred_excess_ref"].data[:, iy, ix], ref, rtol=1e-12)
    np.testing.assert_allclose(result["norm"].data[:, iy, ix], [18.5, 0.5] / ref, rtol=1e-12)
    # the kernel of the centre pixel is used everywhere
    np.testing.assert_allclose(result["npred_excess_ref"].data[:, 0, 0], ref, rtol=1e-12)
    # when the centre has no exposure, the nearest IRF pixel that has one: (2, 3)
    edisp.exposure_map.data[..., cy, cx] = 0.0
    edisp.edisp_map.data[..., cy, cx + 1] = [[1.0, 0.0], [0.0, 1.0]]
    edisp.exposure_map.data[..., cy, cx + 1] = 1.0
    edisp.exposure_map.data[..., 0, 0] = 1.0  # farther away
    result = estimator.run(cash_dataset)
    np.testing.assert_allclose(result["npred_excess_ref"].data[:, iy, ix], 1e13 * FLUX_BINS)
    # an empty kernel: no reference counts, NaN flux maps where the counts are finite
    edisp.edisp_map.data[...] = 0.0
    result = estimator.run(cash_dataset)
    assert np.all(result["npred_excess_ref"].data[np.isfinite(result["ts"].data)] == 0)
    assert np.all(np.isnan(result["norm"].data)) and np.all(np.isnan(result["flux"].data))


def test_flux_maps_where_the_exposure_is_zero(flux_dataset):
    flux_dataset.exposure.data[:, :, :2] = 0.0  # columns x = 0, 1
    result = ExcessMapEstimator(RADIUS).run(flux_dataset)
    finite = np.isfinite(result["ts"].data[0])
    # the disks of x = 0 reach x = 1 only; those of x = 1 reach x = 2
    assert np.all(np.isnan(result["norm"].data[0][:, 0]))
    assert np.all(finite[:6, 0]) and np.all(np.isfinite(result["norm"].data[0][:, 1]))
    # (3, 1): 3 of the 9 pixels (x = 2) have 9 reference counts: mean 3
    assert result["npred_excess_ref"].data[0, 3, 1] == pytest.approx(3.0, rel=1e-12)


def test_flux_maps_on_off(on_off_dataset):
    # 1 energy bin 1-10 TeV; exposure 1e13 cm² s: 9 reference counts per pixel
    on_off_dataset.exposure = Map.from_geom(
        on_off_dataset.counts.geom.to_image().to_cube(
            [on_off_dataset.counts.geom.axis("energy").copy(name="energy_true")]
        ),
        data=1e9,
        unit="m2 s",
    )
    result = ExcessMapEstimator(RADIUS, correlate_off=True).run(on_off_dataset)
    iy, ix = CENTRE
    assert result["norm"].data[0, iy, ix] == pytest.approx(13 / 9, rel=1e-12)  # excess 13
    assert result["flux"].data[0, iy, ix] == pytest.approx(13 * 1e-13, rel=1e-12)
    assert result["flux"].unit == u.Unit("cm-2 s-1")


def test_no_flux_maps_without_exposure(on_off_dataset, cash_dataset):
    assert on_off_dataset.exposure is None
    result = ExcessMapEstimator(RADIUS).run(on_off_dataset)
    assert not any(k.startswith(("norm", "flux", "dnde", "npred_excess_ref")) for k in result)
    # an exposure map of zeros (MapDataset.create) gives none either
    assert "norm" not in ExcessMapEstimator(RADIUS).run(cash_dataset)


def test_energy_overlap():
    edges = np.array([1, 2, 4.0])
    np.testing.assert_array_equal(energy_overlap(edges, edges), np.eye(2))
    # true [1, 2] lies in reco [1, 3]; [2, 4] half in [1, 3], half in [3, 10]; [4, 10] in [3, 10]
    overlap = energy_overlap(np.array([1, 2, 4, 10.0]), np.array([1, 3, 10.0]))
    np.testing.assert_allclose(overlap, [[1, 0], [0.5, 0.5], [0, 1]], rtol=0, atol=1e-15)
    # a true bin partly below the reco axis loses that part
    np.testing.assert_allclose(energy_overlap(np.array([0.5, 1.5]), np.array([1, 2.0])), [[0.5]])


def test_default_spectral_model_is_gammapys():
    model = ExcessMapEstimator().spectral_model
    assert isinstance(model, PowerLawSpectralModel)
    values = {p.name: (p.value, p.unit) for p in model.parameters}
    assert values["index"][0] == 2.0
    assert values["amplitude"][0] == 1e-12 and u.Unit(values["amplitude"][1]) == u.Unit(
        "cm-2 s-1 TeV-1"
    )
    assert values["reference"][0] == 1.0


# --- results --------------------------------------------------------------------------


def test_result_access_and_plots(cash_dataset):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    result = ExcessMapEstimator(RADIUS, selection_optional="errn-errp").run(cash_dataset)
    assert result.sqrt_ts is result["sqrt_ts"]
    assert result.available_quantities == [
        "counts",
        "npred",
        "npred_background",
        "npred_excess",
        "npred_excess_err",
        "ts",
        "sqrt_ts",
        "npred_excess_errn",
        "npred_excess_errp",
    ]
    assert "counts_off" not in result
    with pytest.raises(KeyError, match=r"no map 'flux'.*available: counts"):
        result["flux"]
    with pytest.raises(AttributeError, match="no attribute or map 'flux'"):
        _ = result.flux
    assert result.meta["stat_type"] == "cash" and result.meta["n_sigma"] == 1.0
    assert "quantities" in str(result)
    fig = result.peek()
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["sqrt_ts", "npred_excess"]
    plt.close(fig)


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"correlation_radius": 0.1}, TypeError, "correlation_radius must be"),
        ({"correlation_radius": "1 m"}, TypeError, "correlation_radius must be"),
        ({"correlation_radius": "-0.1 deg"}, ValueError, "correlation_radius must be a positive"),
        ({"correlation_radius": "0 deg"}, ValueError, "correlation_radius must be a positive"),
        ({"n_sigma": -1}, ValueError, "n_sigma must be a positive"),
        ({"n_sigma_ul": "x"}, TypeError, "n_sigma_ul must be a positive"),
        ({"selection_optional": ["sensitivity"]}, ValueError, "unknown option 'sensitivity'.*'ul'"),
        ({"energy_edges": [1, 10] * u.m}, TypeError, "energy_edges must be energies"),
        ({"energy_edges": [10, 1] * u.TeV}, ValueError, "energy_edges must be at least two"),
        ({"correlate_off": "yes"}, TypeError, "correlate_off must be True or False"),
        ({"spectral_model": "pl"}, TypeError, r"spectral_model must be a spectral model of dN/dE"),
        ({"spectral_model": PowerLawNormSpectralModel()}, TypeError, "in cm-2 s-1 TeV-1 such as"),
    ],
)
def test_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        ExcessMapEstimator(**kwargs)


def test_bad_datasets(cash_dataset):
    estimator = ExcessMapEstimator(RADIUS)
    with pytest.raises(ValueError, match=r"energy_edges .* outside the dataset's energy axis"):
        ExcessMapEstimator(RADIUS, energy_edges=[0.5, 10] * u.TeV).run(cash_dataset)
    with pytest.raises(ValueError, match="span no complete bin"):
        ExcessMapEstimator(RADIUS, energy_edges=[1, 1.1] * u.TeV).run(cash_dataset)
    cash_dataset.counts = None
    with pytest.raises(ValueError, match="'toy' has no counts"):
        estimator.run(cash_dataset)
    with pytest.raises(TypeError, match="needs a MapDataset or MapDatasetOnOff, got dict"):
        estimator.run({})
    from cherenkit.datasets import SpectrumDataset
    from cherenkit.maps import RegionGeom

    energy = MapAxis.from_energy_bounds(1, 10, 2, unit="TeV")
    spectrum = SpectrumDataset.create(RegionGeom.create("icrs;circle(10, 20, 0.1)", axes=[energy]))
    with pytest.raises(TypeError, match="needs a map dataset on a WcsGeom"):
        estimator.run(spectrum)


def test_on_off_without_off_counts(on_off_dataset):
    on_off_dataset.counts_off = None
    with pytest.raises(ValueError, match="'toy-onoff' has no counts_off"):
        ExcessMapEstimator(RADIUS).run(on_off_dataset)


def test_wstat_excess_on_top_of_a_predicted_signal():
    # n_on 30, n_off 100, alpha 0.1, models predict 8: excess 30 - 10 - 8 = 12; the null
    # hypothesis is the model prediction alone, the best fit is the same as without it
    wstat = registry.get("fit-statistic", "wstat")()
    inputs = {"counts_off": np.array([100.0]), "alpha": np.array([0.1])}
    stat = ExcessStatistic(wstat, np.array([30.0]), npred_signal=np.array([8.0]), **inputs)
    assert stat.excess[0] == pytest.approx(12.0, rel=1e-12)
    null = wstat.stat_array([30.0], [8.0], **inputs)
    best = wstat.stat_array([30.0], [20.0], **inputs)
    assert stat.ts[0] == pytest.approx(null[0] - best[0], rel=1e-12)
    plain = ExcessStatistic(wstat, np.array([30.0]), **inputs)
    assert plain.stat_best[0] == pytest.approx(stat.stat_best[0], abs=1e-12)
    assert 0 < stat.ts[0] < plain.ts[0]


def test_flux_maps_bad_exposure_or_edisp(flux_dataset):
    geom = flux_dataset.counts.geom
    flux_dataset.exposure = Map.from_geom(geom, data=1e9, unit="m2 s")  # reco axis
    with pytest.raises(ValueError, match=r"exposure of dataset 'toy' must have one axis "):
        ExcessMapEstimator(RADIUS).run(flux_dataset)
    three = MapAxis.from_energy_bounds(1, 10, 3, unit="TeV", name="energy_true")
    flux_dataset.exposure = Map.from_geom(geom.to_image().to_cube([three]), data=1e9)
    with pytest.raises(ValueError, match=r"must be an area times a time .* got unit ''"):
        ExcessMapEstimator(RADIUS).run(flux_dataset)
    flux_dataset.exposure = Map.from_geom(flux_dataset.exposure.geom, data=1e9, unit="m2 s")
    flux_dataset.edisp = MapDataset.create(geom).edisp  # 2 x 2 kernels
    with pytest.raises(ValueError, match=r"edisp kernel .* has 2 true x 2 reconstructed .* 3"):
        ExcessMapEstimator(RADIUS).run(flux_dataset)
    # without edisp, 3 true bins are shared among the 2 reco bins they overlap
    flux_dataset.edisp = None
    result = ExcessMapEstimator(RADIUS, energy_edges=[1, 10**0.5, 10] * u.TeV).run(flux_dataset)
    e = 10 ** np.linspace(0, 1, 4)  # true edges; reco edges 1, 3.16, 10
    flux_true = 1e13 * 1e-12 * (1 / e[:-1] - 1 / e[1:])
    overlap = energy_overlap(e, np.array([1, 10**0.5, 10]))
    expected = flux_true @ overlap
    np.testing.assert_allclose(result["npred_excess_ref"].data[:, 0, 0], expected, rtol=1e-12)
