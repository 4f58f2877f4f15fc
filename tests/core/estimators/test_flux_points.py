"""`FluxPointsEstimator` and `FluxPoints` on spectrum datasets built by hand.

The datasets have 8 log bins from 1 to 100 TeV, the same true and reconstructed
axes and no energy dispersion, an exposure of 1e12 m² s in every bin and a
background of 2 counts per bin. Their counts are the prediction of a power law
(index 2.5, amplitude 1e-11 cm⁻² s⁻¹ TeV⁻¹ at 1 TeV) plus the background, exactly
(non-integer counts): the Cash statistic is minimal where the prediction equals the
counts, so every flux point has norm 1.
"""

import astropy.units as u
import matplotlib
import numpy as np
import pytest
from astropy.table import Table

from cherenkit.datasets import Datasets, SpectrumDataset
from cherenkit.errors import DataFormatError
from cherenkit.estimators import FluxPoints, FluxPointsEstimator, ScaleSpectralModel
from cherenkit.maps import MapAxis, RegionGeom
from cherenkit.modeling import FoVBackgroundModel, PowerLawSpectralModel, SkyModel

matplotlib.use("Agg")

EXPOSURE_M2_S = 1e12
BACKGROUND = 2.0
INDEX, AMPLITUDE = 2.5, 1e-11


def signal_counts(edges):
    r"""Power-law counts per bin: A E0 / (Γ - 1) [(E1/E0)^(1-Γ) - (E2/E0)^(1-Γ)] × exposure,
    with E0 = 1 TeV and the exposure in cm² s."""
    lo, hi = edges[:-1], edges[1:]
    integral = AMPLITUDE / (INDEX - 1) * (lo ** (1 - INDEX) - hi ** (1 - INDEX))
    return integral * EXPOSURE_M2_S * 1e4  # m² → cm²


def make_dataset(name="synthetic", empty_bins=()):
    energy = MapAxis.from_energy_bounds(1, 100, 8, unit="TeV")
    geom = RegionGeom.create("icrs;circle(83.63, 22.01, 0.1)", axes=[energy])
    dataset = SpectrumDataset.create(
        geom, energy_axis_true=energy.copy(name="energy_true"), name=name
    )
    dataset.edisp = None
    dataset.exposure.data[...] = EXPOSURE_M2_S
    dataset.background.data[...] = BACKGROUND
    counts = signal_counts(energy.edges.to_value("TeV")) + BACKGROUND
    counts[list(empty_bins)] = 0.0
    dataset.counts.data[...] = counts.reshape(-1, 1, 1)
    dataset.mask_safe.data[...] = True
    return dataset


def power_law():
    return PowerLawSpectralModel(index=INDEX, amplitude=AMPLITUDE, reference=1.0)


@pytest.fixture
def dataset():
    dataset = make_dataset()
    dataset.models = SkyModel(power_law(), name="source")
    return dataset


def test_signal_counts_are_the_prediction(dataset):
    """The fixture's counts are the dataset's own prediction (so the norms must be 1)."""
    np.testing.assert_allclose(
        dataset.npred().data.ravel(), dataset.counts.data.ravel(), rtol=1e-12
    )
    assert signal_counts(np.array([1.0, 100.0]))[0] == pytest.approx(
        1e-11 / 1.5 * (1 - 100**-1.5) * 1e16
    )


@pytest.mark.parametrize("edges", [[1, 100], [1, 10, 100], np.geomspace(1, 100, 9)])
def test_norms_are_one(dataset, edges):
    points = FluxPointsEstimator(energy_edges=edges * u.TeV, selection_optional="all").run(dataset)
    np.testing.assert_allclose(points.norm, 1.0, rtol=0, atol=1e-6)
    assert np.all(points.success)
    np.testing.assert_allclose(points.dnde, points.dnde_ref, rtol=1e-6)
    energy = points.energy_ref.to_value("TeV")
    np.testing.assert_allclose(
        points.dnde.to_value("cm-2 s-1 TeV-1"), AMPLITUDE * energy**-INDEX, rtol=1e-6
    )
    np.testing.assert_allclose(
        points.e2dnde.to_value("TeV cm-2 s-1"), AMPLITUDE * energy ** (2 - INDEX), rtol=1e-6
    )
    counts = signal_counts(points.energy_edges)
    np.testing.assert_allclose(points.flux.to_value("cm-2 s-1"), counts / 1e16, rtol=1e-6)
    np.testing.assert_allclose(points.npred_excess[:, 0], counts, rtol=1e-6)
    # errors: the curvature of the Cash statistic at the optimum is 2 Σ s²/n, so
    # σ² = 1 / Σ s²/(s + b) with the bins' signal s and counts n = s + b
    signal = signal_counts(np.geomspace(1, 100, 9))
    for i, (lo, hi) in enumerate(
        zip(points.energy_min.value, points.energy_max.value, strict=True)
    ):
        inside = (np.geomspace(1, 100, 9)[:-1] >= lo * 0.999) & (
            np.geomspace(1, 100, 9)[1:] <= hi * 1.001
        )
        s = signal[inside]
        expected = 1 / np.sqrt(np.sum(s**2 / (s + BACKGROUND)))
        assert points.norm_err[i] == pytest.approx(expected, rel=1e-5)
    assert np.all(points.norm_errn < points.norm_err) and np.all(points.norm_errp > points.norm_err)
    assert np.all(points.norm_ul > points.norm + 2 * points.norm_errn)
    assert not np.any(points.is_ul)
    assert np.all(points.ts > 0) and np.all(points.sqrt_ts > 0)


def test_ts_and_limits_by_hand(dataset):
    """One bin with counts n = s + b: TS = 2 [n ln(n/b) - s] and the statistic at the
    returned limits is exactly stat_min + n_sigma²."""
    points = FluxPointsEstimator(
        energy_edges=[1, 1.778279] * u.TeV, n_sigma=1.5, selection_optional=["errn-errp", "ul"]
    ).run(dataset)
    s = signal_counts(np.array([1.0, 10**0.25]))[0]
    n = s + BACKGROUND
    assert points.ts[0] == pytest.approx(2 * (n * np.log(n / BACKGROUND) - s), rel=1e-9)

    def stat(norm):
        mu = norm * s + BACKGROUND
        return 2 * (mu - n * np.log(mu))

    best = points.norm[0]
    assert best == pytest.approx(1, abs=1e-6)
    assert stat(best + points.norm_errp[0]) - stat(best) == pytest.approx(1.5**2, rel=1e-9)
    assert stat(best - points.norm_errn[0]) - stat(best) == pytest.approx(1.5**2, rel=1e-9)
    assert stat(points.norm_ul[0]) - stat(best) == pytest.approx(4, rel=1e-9)
    assert points.norm_err[0] == pytest.approx(1.5 * np.sqrt(n) / s, rel=1e-5)


def test_bin_without_counts_is_an_upper_limit():
    """An empty bin: Cash = 2 (b + norm s) falls down to norm = -b/s, where the
    prediction vanishes; TS = 2b, sqrt_ts < 0; the limit is where 2 (b + norm s)
    = 4, norm_ul = (2 - b)/s."""
    dataset = make_dataset(empty_bins=[5])
    dataset.models = SkyModel(power_law(), name="source")
    edges = np.geomspace(1, 100, 9)
    points = FluxPointsEstimator(energy_edges=edges * u.TeV, selection_optional="all").run(dataset)
    s = signal_counts(edges)[5]
    assert points.is_ul[5] and not np.any(np.delete(points.is_ul, 5))
    assert points.norm[5] == pytest.approx(-BACKGROUND / s, rel=1e-9)
    assert points.norm_ul[5] == pytest.approx((2 - BACKGROUND) / s, abs=1e-9)  # = 0 for b = 2
    assert points.ts[5] == pytest.approx(2 * BACKGROUND, rel=1e-9)
    assert points.sqrt_ts[5] == pytest.approx(-np.sqrt(2 * BACKGROUND), rel=1e-9)
    assert np.isnan(points.norm_errn[5])  # the statistic never rises below the bound
    assert points.counts[5, 0] == 0
    np.testing.assert_allclose(np.delete(points.norm, 5), 1.0, atol=1e-6)


def test_empty_bin_limit_formula():
    """As above with b = 0.5 (< 2, so the limit is positive): norm_ul = 1.5 / s."""
    dataset = make_dataset(empty_bins=[5])
    dataset.background.data[...] = 0.5
    counts = dataset.counts.data.ravel()
    counts[np.arange(8) != 5] -= BACKGROUND - 0.5
    dataset.counts.data[...] = counts.reshape(-1, 1, 1)
    dataset.models = SkyModel(power_law(), name="source")
    edges = np.geomspace(1, 100, 9)
    points = FluxPointsEstimator(energy_edges=edges * u.TeV, selection_optional=["ul"]).run(dataset)
    s = signal_counts(edges)[5]
    assert points.norm_ul[5] == pytest.approx(1.5 / s, rel=1e-9)
    assert points.norm[5] == pytest.approx(-0.5 / s, rel=1e-9)
    assert points.is_ul[5]


def test_reoptimize_fits_the_background_norm():
    """With a free background norm, reoptimize=True re-fits it with the source norm
    (here both stay 1); without it the background model stays frozen."""
    dataset = make_dataset()
    background = FoVBackgroundModel(dataset_name=dataset.name)
    dataset.models = [SkyModel(power_law(), name="source"), background]
    estimator = FluxPointsEstimator(
        energy_edges=[1, 10, 100] * u.TeV,
        source="source",
        reoptimize=True,
        selection_optional=["ul"],
    )
    points = estimator.run(dataset)
    np.testing.assert_allclose(points.norm, 1.0, atol=1e-4)
    frozen = FluxPointsEstimator(energy_edges=[1, 10, 100] * u.TeV).run(dataset)
    np.testing.assert_allclose(frozen.norm, 1.0, atol=1e-6)
    # a free background norm correlates with the source: larger errors
    assert np.all(points.norm_err > frozen.norm_err)
    assert background.spectral_model.norm.value == 1.0
    assert not background.spectral_model.norm.frozen


def test_joint_datasets_and_other_sources():
    """Two datasets fitted jointly; a second source's prediction is kept fixed."""
    first, second = make_dataset("a"), make_dataset("b")
    for d in (first, second):
        d.counts.data[...] += signal_counts(np.geomspace(1, 100, 9)).reshape(-1, 1, 1)
    datasets = Datasets([first, second])
    other = SkyModel(power_law(), name="other")
    datasets.models = [SkyModel(power_law(), name="source"), other]
    points = FluxPointsEstimator(energy_edges=[1, 10, 100] * u.TeV, source="source").run(datasets)
    np.testing.assert_allclose(points.norm, 1.0, atol=1e-6)
    assert points.counts.shape == (2, 2)
    np.testing.assert_allclose(points.npred, points.counts, rtol=1e-6)
    np.testing.assert_allclose(points.npred_excess * 2 + 4 * BACKGROUND, points.npred, rtol=1e-6)
    by_position = FluxPointsEstimator(energy_edges=[1, 10, 100] * u.TeV, source=0).run(datasets)
    np.testing.assert_array_equal(by_position.norm, points.norm)


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edges", "message"),
    [
        ([200, 300], "outside the datasets' energy axis"),
        ([0.01, 0.5], "outside the datasets' energy axis"),
        ([2.0, 2.1], "narrower than one bin"),
    ],
)
def test_energy_edges_without_bins(dataset, edges, message):
    with pytest.raises(ValueError, match=message):
        FluxPointsEstimator(energy_edges=edges * u.TeV).run(dataset)


def test_unknown_source(dataset):
    with pytest.raises(ValueError, match=r"no source named 'sourse'.*did you mean 'source'"):
        FluxPointsEstimator(source="sourse").run(dataset)
    with pytest.raises(ValueError, match="out of range"):
        FluxPointsEstimator(source=3).run(dataset)


def test_background_model_is_not_a_source():
    dataset = make_dataset()
    dataset.models = [SkyModel(power_law(), name="source"), FoVBackgroundModel(dataset.name)]
    with pytest.raises(ValueError, match="background model 'synthetic-bkg'"):
        FluxPointsEstimator(source=1).run(dataset)


def test_datasets_without_models():
    with pytest.raises(ValueError, match="the datasets have no models"):
        FluxPointsEstimator().run(make_dataset())
    with pytest.raises(ValueError, match="no datasets"):
        FluxPointsEstimator().run([])


def test_datasets_on_different_axes(dataset):
    other = SpectrumDataset.create(
        RegionGeom.create(
            "icrs;circle(83.63, 22.01, 0.1)",
            axes=[MapAxis.from_energy_bounds(1, 100, 4, unit="TeV")],
        ),
        name="coarse",
    )
    with pytest.raises(ValueError, match="energy axes differ"):
        FluxPointsEstimator().run([dataset, other])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"selection_optional": ["errn"]}, ValueError, "unknown option 'errn'"),
        ({"n_sigma": -1}, ValueError, "n_sigma must be a positive number"),
        ({"n_sigma_ul": "two"}, TypeError, "n_sigma_ul must be a positive number"),
        ({"energy_edges": [1, 10] * u.deg}, TypeError, "must be energies"),
        ({"energy_edges": [10, 1] * u.TeV}, ValueError, "increasing"),
        ({"source": 1.5}, TypeError, "source must be a model name or position"),
        ({"norm": {"nrom": 1}}, TypeError, "invalid Parameter keyword"),
    ],
)
def test_bad_options(kwargs, error, message):
    with pytest.raises(error, match=message):
        FluxPointsEstimator(**kwargs)


def test_norm_bounds_are_respected(dataset):
    points = FluxPointsEstimator(energy_edges=[1, 100] * u.TeV, norm={"max": 0.9}).run(dataset)
    assert points.norm[0] == pytest.approx(0.9)


# --- the container ----------------------------------------------------------------------------


@pytest.fixture
def points():
    dataset = make_dataset(empty_bins=[6, 7])  # the last point is an upper limit
    dataset.background.data[6:] = 0.5  # (2 - 2 × 0.5) / signal > 0: a positive limit
    dataset.models = SkyModel(power_law(), name="source")
    estimator = FluxPointsEstimator(
        energy_edges=np.geomspace(1, 100, 5) * u.TeV, selection_optional="all"
    )
    return estimator.run(dataset)


@pytest.mark.parametrize("suffix", [".ecsv", ".fits", ".fits.gz"])
def test_write_read_round_trip(points, tmp_path, suffix):
    path = tmp_path / f"points{suffix}"
    points.write(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary left
    back = FluxPoints.read(path)
    assert type(back) is FluxPoints
    np.testing.assert_allclose(back.energy_edges, points.energy_edges, rtol=1e-15)
    for key in points.available:
        np.testing.assert_array_equal(getattr(back, key), getattr(points, key), err_msg=key)
    for key in ("dnde", "dnde_ul", "e2dnde_errn", "flux_err", "eflux_errp"):
        np.testing.assert_array_equal(getattr(back, key), getattr(points, key), err_msg=key)
    assert back.datasets_names == ["synthetic"]
    assert back.meta == points.meta
    assert isinstance(back.reference_model, PowerLawSpectralModel)
    assert back.reference_model.index.value == INDEX
    with pytest.raises(FileExistsError, match="overwrite=True"):
        points.write(path)
    points.write(path, overwrite=True)


@pytest.mark.filterwarnings("ignore::astropy.io.fits.verify.VerifyWarning")
def test_read_errors(tmp_path):
    path = tmp_path / "other.ecsv"
    Table({"a": [1, 2]}).write(path)
    with pytest.raises(DataFormatError, match=r"other.ecsv: not a flux-points table.*'norm'"):
        FluxPoints.read(path)
    broken = tmp_path / "broken.fits"
    broken.write_bytes(b"SIMPLE  = T" + b" " * 100)
    with pytest.raises(DataFormatError, match=r"broken\.fits: not a readable fits table"):
        FluxPoints.read(broken)
    with pytest.raises(ValueError, match="unknown flux-points file type"):
        FluxPoints.read(tmp_path / "points.txt")


def test_tables(points):
    likelihood = points.to_table()
    assert likelihood.meta["SED_TYPE"] == "likelihood"
    for name in (
        "e_ref",
        "e_min",
        "e_max",
        "ref_dnde",
        "ref_flux",
        "ref_eflux",
        "norm",
        "norm_err",
        "norm_errn",
        "norm_errp",
        "norm_ul",
        "norm_scan",
        "stat_scan",
        "ts",
        "sqrt_ts",
        "stat",
        "stat_null",
        "is_ul",
        "success",
        "counts",
    ):
        assert name in likelihood.colnames, name
    assert likelihood["norm_scan"].shape == (4, 11)
    for sed_type, unit in [
        ("dnde", "cm-2 s-1 TeV-1"),
        ("e2dnde", "TeV cm-2 s-1"),
        ("flux", "cm-2 s-1"),
        ("eflux", "TeV cm-2 s-1"),
    ]:
        table = points.to_table(sed_type)
        for suffix in ("", "_err", "_errn", "_errp", "_ul"):
            assert table[f"{sed_type}{suffix}"].unit == u.Unit(unit)
        np.testing.assert_allclose(table[sed_type].quantity, getattr(points, sed_type))
    with pytest.raises(ValueError, match="sed_type must be one of"):
        points.to_table("flux_density")
    missing = FluxPointsEstimator(energy_edges=[1, 100] * u.TeV).run(make_dataset_with_model())
    with pytest.raises(AttributeError, match=r"no 'norm_ul'.*selection_optional=\['ul'\]"):
        missing.dnde_ul  # noqa: B018


def make_dataset_with_model():
    dataset = make_dataset()
    dataset.models = SkyModel(power_law(), name="source")
    return dataset


def test_eflux_and_e2dnde_relations(points):
    e_ref = points.energy_ref
    np.testing.assert_allclose(points.e2dnde, e_ref**2 * points.dnde)
    lo, hi = points.energy_min.value, points.energy_max.value
    # power law of index 2.5: ∫E dN/dE = A / (Γ - 2) (lo^(2-Γ) - hi^(2-Γ))
    eflux_ref = AMPLITUDE / (INDEX - 2) * (lo ** (2 - INDEX) - hi ** (2 - INDEX))
    np.testing.assert_allclose(points.eflux_ref.to_value("TeV cm-2 s-1"), eflux_ref, rtol=1e-12)
    np.testing.assert_allclose(points.eflux, points.norm * points.eflux_ref)


def test_plots(points):
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2)
    ax = points.plot(ax=left, sed_type="e2dnde", label="points")
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_xlabel() == "Energy [TeV]"
    assert "TeV" in ax.get_ylabel() and "cm" in ax.get_ylabel()
    assert len(ax.containers) == 2  # the points and the upper limit
    ul_container = ax.containers[1]
    ul_y = ul_container.lines[0].get_ydata()
    np.testing.assert_allclose(ul_y, points.e2dnde_ul.value[points.is_ul])
    points.plot_ts_profiles(ax=right)
    assert len(right.collections) == len(points)
    plt.close(fig)
    with pytest.raises(ValueError, match="sed_type"):
        points.plot(sed_type="norm")


def test_scale_spectral_model():
    model = power_law()
    scaled = ScaleSpectralModel(model)
    scaled.norm.value = 2.5
    energy = [1.0, 3.0, 10.0]
    np.testing.assert_allclose(scaled(energy), 2.5 * model(energy))
    np.testing.assert_allclose(scaled.integral(1, 10), 2.5 * model.integral(1, 10))
    np.testing.assert_allclose(scaled.energy_flux(1, 10), 2.5 * model.energy_flux(1, 10))
    assert scaled.parameters.names == ["norm", "index", "amplitude", "reference"]
    assert scaled.parameters["index"] is model.index
    back = ScaleSpectralModel.from_dict(scaled.to_dict())
    assert back.norm.value == 2.5 and back.model.index.value == INDEX
    copy = scaled.copy()
    assert copy.norm is not scaled.norm and copy.norm.value == 2.5
    with pytest.raises(TypeError, match="needs a SpectralModel"):
        ScaleSpectralModel("pl")
