"""docs/tutorials/crab-analysis.md: its code is the script's, and the script's `main`
makes the figures and files, prints what the page shows and finds the published
numbers (gammapy 2.1 values from ``reference/gammapy``, see
``test_fit_spectrum_reference.py``, ``test_fit_map_reference.py`` and
``tests/core/estimators``)."""

import importlib.util
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest

TUTORIALS = Path(__file__).resolve().parents[3] / "docs" / "tutorials"
MARKDOWN = TUTORIALS / "crab-analysis.md"
SCRIPT = TUTORIALS / "crab_analysis.py"
FIGURES = sorted(
    [
        "cumulative_significance.png",
        "light_curve.png",
        "map_peek.png",
        "residuals.png",
        "sed.png",
        "significance_distribution.png",
        "significance_map.png",
        "spectrum_peek.png",
        "stat_contour.png",
        "stat_profile.png",
    ]
)
MAX_FIGURE_BYTES = 100_000


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", MARKDOWN.read_text(), flags=re.DOTALL)


def embedded_figures():
    return re.findall(r"!\[[^\]]*\]\((figures/[^)]+\.png)\)", MARKDOWN.read_text())


def load_script():
    spec = importlib.util.spec_from_file_location("crab_analysis_tutorial", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_code_block_of_the_tutorial_is_in_the_script():
    """The page shows whole functions of the script, or their bodies (dedented)."""
    script = SCRIPT.read_text()
    code = blocks("python")
    assert len(code) >= 10
    missing = [
        block
        for block in code
        if block not in script and textwrap.indent(block, "    ") not in script
    ]
    assert missing == [], "tutorial code that the script does not run:\n" + "\n".join(missing)


def test_the_embedded_figures_are_committed_and_small():
    names = embedded_figures()
    assert sorted(Path(name).name for name in names) == FIGURES
    sizes = {name: (TUTORIALS / name).stat().st_size for name in names}
    assert all(5_000 < size < MAX_FIGURE_BYTES for size in sizes.values()), sizes


@pytest.fixture(scope="module")
def run(tmp_path_factory, data_dir):
    """``(outdir, results, printed lines)`` of one run of the tutorial's `main`."""
    import matplotlib

    matplotlib.use("Agg")
    import contextlib
    import io

    outdir = tmp_path_factory.mktemp("crab-analysis")
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        results = load_script().main(outdir, data_dir)
    return outdir, results, [line.rstrip() for line in stdout.getvalue().splitlines()]


@pytest.mark.data
@pytest.mark.slow
def test_the_script_writes_the_figures_and_files(run):
    outdir, _, _ = run
    assert sorted(path.name for path in outdir.glob("*.png")) == FIGURES
    sizes = {path.name: path.stat().st_size for path in outdir.glob("*.png")}
    assert all(5_000 < size < MAX_FIGURE_BYTES for size in sizes.values()), sizes
    assert (outdir / "crab-flux-points.ecsv").stat().st_size > 1_000
    assert "PowerLawSpectralModel" in (outdir / "crab-models.yaml").read_text()


@pytest.mark.data
@pytest.mark.slow
def test_the_script_prints_what_the_tutorial_shows(run):
    _, _, printed = run
    for text in blocks("text"):
        for line in text.splitlines():
            assert line.rstrip() in printed, line
    timed = [line for line in printed if re.fullmatch(r"\[[A-Za-z0-9 -]+: \d+\.\d\d s\]", line)]
    assert len(timed) == 12


@pytest.mark.data
@pytest.mark.slow
def test_maps_and_significance(run):
    _, results, printed = run
    # gammapy 2.1: FoV norms 0.95911 / 1.04012 / 0.95275 / 0.99174, 7972 counts
    norms = [float(m) for m in re.findall(r"FoV background norm (\S+)", "\n".join(printed))]
    np.testing.assert_allclose(norms, [0.9591, 1.0401, 0.9527, 0.9917], atol=1e-4)
    assert results["stacked_counts"] == 7972
    # ring background, correlated over 0.1 deg (correlate_off=False): gammapy 33.1183, 33.5936
    assert results["crab_sqrt_ts"] == pytest.approx(33.1182517892967, rel=1e-6)
    assert results["max_sqrt_ts"] == pytest.approx(33.5936119809166, rel=1e-6)
    # away from the Crab the significance is a unit Gaussian
    assert abs(results["off_mean"]) < 0.1
    assert 0.97 < results["off_sigma"] < 1.08


@pytest.mark.data
@pytest.mark.slow
def test_spectrum_fits_and_profile(run):
    _, results, _ = run
    np.testing.assert_allclose(
        results["cumulative_sqrt_ts"], [20.446, 26.6646, 34.3886, 39.9163], atol=1e-3
    )
    assert results["cumulative_excess"][-1] == pytest.approx(465.5983, rel=1e-5)
    assert results["index"] == pytest.approx(2.67669, abs=1e-4)
    assert results["index_error"] == pytest.approx(0.07001, rel=0.01)
    assert results["amplitude"] == pytest.approx(4.46819e-11, rel=1e-4)
    assert results["total_stat"] == pytest.approx(68.40558, abs=1e-3)
    assert results["alpha"] == pytest.approx(2.29664, abs=2e-3)
    assert results["beta"] == pytest.approx(0.21196, abs=2e-3)
    # 68.4056 - 61.9890 (gammapy's joint power law and log-parabola)
    assert results["ts_curvature"] == pytest.approx(6.4166, abs=2e-3)
    assert results["significance_curvature"] == pytest.approx(np.sqrt(6.4166), abs=1e-3)
    # profile errors: asymmetric, softer side wider, both near HESSE's
    assert results["index_errn"] == pytest.approx(0.0691, abs=2e-4)
    assert results["index_errp"] == pytest.approx(0.0710, abs=2e-4)
    # MNCONTOUR's 24 points, closed by repeating the first
    assert results["contour_points"] == {1: 25, 2: 25}


@pytest.mark.data
@pytest.mark.slow
def test_flux_points_and_light_curve(run):
    _, results, _ = run
    # gammapy 2.1: 1.03301, 1.12953, 1.02315 (its MIGRAD stops up to 5e-4 short)
    np.testing.assert_allclose(results["flux_points_norm"], [1.0330, 1.1295, 1.0237], atol=2e-4)
    np.testing.assert_allclose(results["flux_points_norm"], [1.03301, 1.12953, 1.02315], rtol=1e-3)
    np.testing.assert_allclose(results["flux_points_sqrt_ts"], [25.016, 13.411, 13.337], atol=2e-3)
    flux = results["light_curve_flux"].to_value("cm-2 s-1")
    np.testing.assert_allclose(flux, [2.3704e-11, 2.0667e-11, 2.3962e-11, 3.0370e-11], rtol=1e-3)
    assert results["light_curve_chi2"] == pytest.approx(4.93, abs=0.01)


@pytest.mark.data
@pytest.mark.slow
def test_3d_fit_and_model_file(run):
    _, results, _ = run
    fit = results["fit_3d"]
    # gammapy 2.1 on the same reduction: index 2.7961 ± 0.1128, amplitude 6.123e-11
    assert abs(fit["index"][0] - 2.79606) < 0.1 * 0.1128
    assert abs(fit["amplitude"][0] - 6.1232e-11) < 0.1 * 5.654e-12
    assert abs(fit["lat_0"][0] - 22.0238) < 0.1 * 0.00288
    assert fit["norm"][0] == pytest.approx(0.98789, abs=0.1 * 0.0115)
    assert results["fit_3d_total_stat"] == pytest.approx(81273.6, abs=1.0)
    assert results["models_read_index"] == fit["index"][0]
    low, high = results["residual_sqrt_ts_range"]
    assert -5 < low < -3 and 3 < high < 5
