"""Crab: maps, spectrum, fits. The four H.E.S.S. DL3 DR1 Crab runs from DL3 to science.

The code and figures of ``docs/tutorials/crab-analysis.md``. From the repository root::

    uv run python docs/tutorials/crab_analysis.py [OUTDIR] [--data DIR]

It reads the Crab runs 23523, 23526, 23559 and 23592 of H.E.S.S. DL3 DR1 from
``DIR/hess-dl3-dr1`` (``--data``, else ``$CHERENKIT_DATA``, else ``../shared/data``
beside the repository) and writes the PNG figures, the flux points
(``crab-flux-points.ecsv``) and the fitted models (``crab-models.yaml``) into OUTDIR
(default: ``figures/crab-analysis/`` beside this script).

`main` runs every step, prints what the tutorial shows and returns the key numbers.
"""

import argparse
import io
import os
import time
from pathlib import Path

import astropy.units as u
import matplotlib.pyplot as plt
import numpy as np
from astropy.coordinates import SkyCoord
from PIL import Image
from regions import CircleSkyRegion
from scipy import stats

from cherenkit.data import DataStore
from cherenkit.datasets import Datasets, MapDataset, SpectrumDataset
from cherenkit.estimators import (
    ExcessMapEstimator,
    FluxPoints,
    FluxPointsEstimator,
    LightCurveEstimator,
)
from cherenkit.makers import MapDatasetMaker, SafeMaskMaker, SpectrumDatasetMaker
from cherenkit.maps import MapAxis, RegionGeom, WcsGeom
from cherenkit.modeling import (
    Fit,
    FoVBackgroundModel,
    LogParabolaSpectralModel,
    Models,
    PointSpatialModel,
    PowerLawSpectralModel,
    SkyModel,
    significance_from_ts,
)
from cherenkit_background import (
    FoVBackgroundMaker,
    ReflectedRegionsBackgroundMaker,
    RingBackgroundMaker,
)

HERE = Path(__file__).resolve().parent
DPI = 80  # small PNGs for the docs
OBS_IDS = [23523, 23526, 23559, 23592]
CRAB = SkyCoord(83.633, 22.014, unit="deg", frame="icrs")


def data_folder(path=None):
    """The shared data folder: ``path``, else $CHERENKIT_DATA, else ../shared/data."""
    if path is not None:
        return Path(path)
    if os.environ.get("CHERENKIT_DATA"):
        return Path(os.environ["CHERENKIT_DATA"])
    return HERE.parents[2] / "shared" / "data"


class Timer:
    """Wall-clock seconds of each step (time.perf_counter), printed as they end."""

    def __init__(self):
        self.seconds = {}

    def __call__(self, name):
        timer = self

        class _Step:
            def __enter__(self):
                self.start = time.perf_counter()

            def __exit__(self, *exc):
                timer.seconds[name] = time.perf_counter() - self.start
                print(f"[{name}: {timer.seconds[name]:.2f} s]")

        return _Step()


def save(fig, outdir, name, dpi=DPI):
    """Write one figure as ``<outdir>/<name>`` (a 256-colour PNG) and close it."""
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    image = Image.open(buffer).convert("RGB").quantize(256)
    image.save(outdir / name, optimize=True)
    print(f"wrote {name}")


# --- 1. data ------------------------------------------------------------------------------


def load_observations(data):
    data_store = DataStore.from_dir(data / "hess-dl3-dr1")
    observations = data_store.get_observations([23523, 23526, 23559, 23592])
    print(f"{len(observations)} observations: {' '.join(observations.ids)}")
    return observations


# --- 2. map reduction ---------------------------------------------------------------------


def reduce_maps(observations):
    energy_axis = MapAxis.from_energy_bounds(1, 10, 11, unit="TeV")
    geom = WcsGeom.create(
        skydir=(83.63, 22.01),
        width=5,
        binsz=0.02,
        frame="icrs",
        proj="CAR",
        axes=[energy_axis],
    )
    stacked = MapDataset.create(geom, binsz_irf=0.2, name="stacked")
    exclusion = geom.to_image().region_mask(
        [CircleSkyRegion(geom.center_skydir, 0.2 * u.deg)], inside=False
    )
    maker = MapDatasetMaker()
    safe_mask = SafeMaskMaker(methods=["aeff-default", "offset-max"], offset_max="3 deg")
    fov_background = FoVBackgroundMaker(method="scale", exclusion_mask=exclusion)
    for observation in observations:
        cutout = stacked.cutout(observation.pointing, width=6 * u.deg)
        dataset = maker.run(cutout, observation)
        dataset = safe_mask.run(dataset, observation)
        dataset = fov_background.run(dataset, observation)
        norm = dataset.background.meta["fov_background_norm"]
        print(f"run {observation.obs_id}: FoV background norm {norm:.4f}")
        stacked.stack(dataset)
    print(stacked)
    return stacked


# --- 3. significance map ------------------------------------------------------------------


def significance_map(stacked):
    image = stacked.to_image(name="crab-image")
    exclusion = image.counts.geom.to_image().region_mask(
        [CircleSkyRegion(CRAB, 0.3 * u.deg)], inside=False
    )
    ring = RingBackgroundMaker(r_in="0.5 deg", width="0.3 deg", exclusion_mask=exclusion)
    on_off = ring.run(image)
    estimator = ExcessMapEstimator(correlation_radius="0.1 deg", correlate_off=False)
    maps = estimator.run(on_off)
    at_crab = {"skycoord": CRAB, "energy": 3 * u.TeV}
    crab_sqrt_ts = float(maps["sqrt_ts"].get_by_coord(at_crab))
    crab_excess = float(maps["npred_excess"].get_by_coord(at_crab))
    print(f"Crab: sqrt_ts = {crab_sqrt_ts:.2f}, excess = {crab_excess:.1f} counts within 0.1 deg")
    print(f"maximum sqrt_ts = {np.nanmax(maps['sqrt_ts'].data):.2f}")
    return maps, exclusion


def off_source_distribution(maps, exclusion):
    sqrt_ts = maps["sqrt_ts"].data[0]
    off = sqrt_ts[exclusion.data & np.isfinite(sqrt_ts)]
    mu, sigma = stats.norm.fit(off)
    print(f"off source: {off.size} pixels, mean {mu:.3f}, width {sigma:.3f}")
    return off, mu, sigma


# --- 4. 1-D spectrum ----------------------------------------------------------------------


def reduce_spectra(observations):
    energy_axis = MapAxis.from_energy_bounds(0.5, 50, 12, unit="TeV")
    energy_axis_true = MapAxis.from_energy_bounds(0.05, 100, 50, unit="TeV", name="energy_true")
    geom = RegionGeom.create("icrs;circle(83.633, 22.014, 0.11)", axes=[energy_axis])
    empty = SpectrumDataset.create(geom, energy_axis_true=energy_axis_true, name="empty")
    mask_geom = WcsGeom.create(skydir=CRAB, width=6, binsz=0.02, frame="icrs")
    exclusion = mask_geom.region_mask([CircleSkyRegion(CRAB, 0.5 * u.deg)], inside=False)
    maker = SpectrumDatasetMaker(
        selection=["counts", "exposure", "edisp"], containment_correction=True
    )
    background = ReflectedRegionsBackgroundMaker(exclusion_mask=exclusion)
    safe_mask = SafeMaskMaker(methods=["aeff-max"], aeff_percent=10)
    datasets = Datasets()
    for observation in observations:
        dataset = maker.run(empty.copy(name=str(observation.obs_id)), observation)
        dataset = background.run(dataset, observation)
        dataset = safe_mask.run(dataset, observation)
        datasets.append(dataset)
    return datasets


def cumulative_significance(datasets):
    info = datasets.info_table(cumulative=True)
    info["up to run"] = datasets.names
    print_table(info["up to run", "counts", "counts_off", "alpha", "excess", "sqrt_ts", "livetime"])
    return info


# --- 5. fit -------------------------------------------------------------------------------


def fit_power_law(datasets):
    power_law = PowerLawSpectralModel(
        index=2.5, amplitude="3e-11 cm-2 s-1 TeV-1", reference="1 TeV"
    )
    datasets.models = SkyModel(power_law, name="crab")
    fit = Fit()
    result = fit.run(datasets)
    print(f"success: {result.success}, total stat: {result.total_stat:.4f}")
    print_table(datasets.models.to_parameters_table()["model", "name", "value", "unit", "error"])
    return fit, result


def fit_log_parabola(datasets, result):
    log_parabola = LogParabolaSpectralModel(
        alpha=2.3, beta=0.1, amplitude="3e-11 cm-2 s-1 TeV-1", reference="1 TeV"
    )
    curved = datasets.copy()
    curved.models = SkyModel(log_parabola, name="crab")
    result_lp = Fit().run(curved)
    print_table(curved.models.to_parameters_table()["model", "name", "value", "unit", "error"])
    ts = result.total_stat - result_lp.total_stat
    significance = float(significance_from_ts(ts))
    print(f"TS of the curvature: {ts:.3f}, i.e. {significance:.2f} sigma")
    return curved, ts, significance


def profile_and_contour(fit, datasets):
    power_law = datasets.models["crab"].spectral_model
    confidence = fit.confidence(datasets, power_law.index, sigma=1)
    print(
        f"index = {power_law.index.value:.4f} -{confidence['errn']:.4f} "
        f"+{confidence['errp']:.4f} (HESSE: ± {power_law.index.error:.4f})"
    )
    power_law.index.scan_n_values = 21
    profile = fit.stat_profile(datasets, power_law.index, reoptimize=True)
    contours = {
        sigma: fit.stat_contour(
            datasets, power_law.index, power_law.amplitude, numpoints=24, sigma=sigma
        )
        for sigma in (1, 2)
    }
    return confidence, profile, contours


# --- 6. flux points -----------------------------------------------------------------------


def flux_points(datasets, outdir):
    estimator = FluxPointsEstimator(
        energy_edges=[1, 2, 4, 10] * u.TeV, source="crab", selection_optional="all"
    )
    points = estimator.run(datasets)
    print_table(
        points.to_table(sed_type="dnde")[
            "e_min", "e_max", "dnde", "dnde_errn", "dnde_errp", "dnde_ul", "sqrt_ts"
        ]
    )
    print(f"norm: {' '.join(f'{norm:.4f}' for norm in points.norm)}")
    points.write(outdir / "crab-flux-points.ecsv", overwrite=True)
    points = FluxPoints.read(outdir / "crab-flux-points.ecsv")
    return points


# --- 7. light curve -----------------------------------------------------------------------


def light_curve(datasets):
    estimator = LightCurveEstimator(
        energy_edges=[1, 10] * u.TeV, source="crab", selection_optional=["errn-errp", "ul"]
    )
    curve = estimator.run(datasets)
    table = curve.to_table(sed_type="flux")
    table.add_column(datasets.names, name="run", index=0)
    table["time_min"].format = table["time_max"].format = ".4f"
    print_table(table["run", "time_min", "time_max", "flux", "flux_err", "sqrt_ts"])
    flux, error = table["flux"].quantity[:, 0], table["flux_err"].quantity[:, 0]
    mean = np.sum(flux / error**2) / np.sum(1 / error**2)
    chi2 = float(np.sum(((flux - mean) / error) ** 2))
    print(f"constant flux {mean:.4e}: chi2 = {chi2:.2f} for {len(flux) - 1} degrees of freedom")
    return curve, mean, chi2


# --- 8. 3-D fit ---------------------------------------------------------------------------


def fit_3d(stacked, outdir):
    spectral_model = PowerLawSpectralModel(
        index=2.5, amplitude="3e-11 cm-2 s-1 TeV-1", reference="1 TeV"
    )
    spatial_model = PointSpatialModel(lon_0="83.63 deg", lat_0="22.01 deg", frame="icrs")
    models = Models(
        [
            SkyModel(spectral_model, spatial_model, name="crab"),
            FoVBackgroundModel(dataset_name="stacked"),
        ]
    )
    stacked.models = models
    result = Fit().run([stacked])
    print(f"success: {result.success}, total stat: {result.total_stat:.4f}")
    print_table(models.to_parameters_table()["model", "name", "value", "unit", "error"])
    models.write(outdir / "crab-models.yaml", overwrite=True)
    models_read = Models.read(outdir / "crab-models.yaml")
    index = models_read["crab"].spectral_model.index
    print(f"read back: {models_read.names}, index {index.value:.4f}")
    return result, models_read


def residual_maps(stacked):
    residuals = ExcessMapEstimator(correlation_radius="0.1 deg").run(stacked)
    sqrt_ts = residuals["sqrt_ts"].data[0]
    print(f"residual sqrt_ts from {np.nanmin(sqrt_ts):.2f} to {np.nanmax(sqrt_ts):.2f}")
    near_crab = residuals.geom.to_image().separation(CRAB) < 0.3 * u.deg
    print(
        f"within 0.3 deg of the Crab: {np.nanmin(sqrt_ts[near_crab]):.2f} to "
        f"{np.nanmax(sqrt_ts[near_crab]):.2f}"
    )
    return residuals


# --- printing and figures -----------------------------------------------------------------


def print_table(table):
    """Print every row and column of a table, floats in 5 significant digits (unless
    the column has a format)."""
    for name in table.colnames:
        if table[name].dtype.kind == "f" and table[name].format is None:
            table[name].format = ".5g"
    print("\n".join(table.pformat(max_lines=-1, max_width=-1)))


def plot_map_peek(stacked, outdir):
    fig = stacked.peek(figsize=(9, 7.5))
    save(fig, outdir, "map_peek.png")


def plot_central_maps(maps, panels, outdir, name):
    """Side by side, the central 3 x 3 deg of maps[key] for each (key, title, options)."""
    fig = plt.figure(figsize=(10.5, 4))
    for i, (key, title, options) in enumerate(panels):
        image = maps[key].cutout(CRAB, 3 * u.deg)
        ax = fig.add_subplot(1, 2, i + 1, projection=image.geom.wcs)
        image.plot(ax=ax, fig=fig, add_cbar=True, **options)
        ax.set_title(title)
    save(fig, outdir, name)


def plot_significance_map(maps, outdir):
    panels = [
        (
            "sqrt_ts",
            "sqrt_ts (ring background, 0.1 deg)",
            {"cmap": "coolwarm", "vmin": -6, "vmax": 6},
        ),
        ("npred_excess", "excess counts within 0.1 deg", {"cmap": "viridis"}),
    ]
    plot_central_maps(maps, panels, outdir, "significance_map.png")


def plot_significance_distribution(maps, off, mu, sigma, outdir):
    all_pixels = maps["sqrt_ts"].data[np.isfinite(maps["sqrt_ts"].data)]
    fig, ax = plt.subplots(figsize=(6, 4.2))
    bins = np.linspace(-6, 36, 85)
    ax.hist(all_pixels, bins=bins, histtype="step", color="C0", label="all pixels")
    ax.hist(off, bins=bins, histtype="stepfilled", alpha=0.4, color="C1", label="off source")
    x = np.linspace(-6, 6, 200)
    gauss = off.size * (bins[1] - bins[0]) * stats.norm.pdf(x, mu, sigma)
    ax.plot(x, gauss, color="black", label=f"Gaussian: {mu:.2f} ± {sigma:.2f}")
    ax.set_yscale("log")
    ax.set_ylim(0.5, None)
    ax.set_xlabel("sqrt_ts")
    ax.set_ylabel("pixels")
    ax.legend()
    fig.tight_layout()
    save(fig, outdir, "significance_distribution.png")


def plot_spectrum(datasets, outdir):
    fig = datasets.stack_reduce(name="stacked").peek(figsize=(10, 7.5))
    save(fig, outdir, "spectrum_peek.png")


def plot_cumulative_significance(info, outdir):
    livetime = info["livetime"].quantity.to_value("h")
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    axes[0].plot(livetime, info["excess"], "o-")
    axes[0].set_ylabel("Excess counts")
    axes[1].plot(livetime, info["sqrt_ts"], "o-", label="Li & Ma")
    sqrt_t = info["sqrt_ts"][-1] * np.sqrt(livetime / livetime[-1])
    axes[1].plot(livetime, sqrt_t, ls="--", color="0.5", label=r"$\propto \sqrt{t}$")
    axes[1].set_ylabel("sqrt_ts")
    axes[1].legend()
    for ax in axes:
        ax.set_xlabel("Livetime [h]")
    fig.tight_layout()
    save(fig, outdir, "cumulative_significance.png")


def plot_stat_profile(profile, result, confidence, outdir):
    fig, ax = plt.subplots(figsize=(5.5, 4))
    ax.plot(profile["values"], profile["stat_scan"] - result.total_stat, "o-")
    ax.axhline(1, ls="--", color="0.5")
    best = result.parameters["index"].value
    for value in (best - confidence["errn"], best + confidence["errp"]):
        ax.axvline(value, ls=":", color="C1")
    ax.set_xlabel("index")
    ax.set_ylabel(r"$\Delta$ stat (amplitude re-fitted)")
    fig.tight_layout()
    save(fig, outdir, "stat_profile.png")


def plot_stat_contour(contours, result, outdir):
    fig, ax = plt.subplots(figsize=(5.5, 4))
    for sigma, contour in contours.items():  # closed: the last point is the first
        ax.plot(contour["index"], contour["amplitude"] * 1e11, label=f"{sigma} sigma")
    parameters = result.parameters
    ax.plot(parameters["index"].value, parameters["amplitude"].value * 1e11, "k+")
    ax.set_xlabel("index")
    ax.set_ylabel(r"amplitude [$10^{-11}$ cm$^{-2}$ s$^{-1}$ TeV$^{-1}$]")
    ax.legend()
    fig.tight_layout()
    save(fig, outdir, "stat_contour.png")


def plot_sed(points, datasets, curved, outdir):
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    energy_bounds = [1, 10] * u.TeV
    power_law = datasets.models["crab"].spectral_model
    power_law.plot(energy_bounds, ax=ax, sed_type="e2dnde", color="C0", label="power law")
    power_law.plot_error(energy_bounds, ax=ax, sed_type="e2dnde", facecolor="C0")
    log_parabola = curved.models["crab"].spectral_model
    log_parabola.plot(
        energy_bounds, ax=ax, sed_type="e2dnde", color="C2", ls="--", label="log-parabola"
    )
    points.plot_ts_profiles(ax=ax, sed_type="e2dnde")
    points.plot(ax=ax, sed_type="e2dnde", color="black", label="flux points")
    ax.legend()
    fig.tight_layout()
    save(fig, outdir, "sed.png")


def plot_light_curve(curve, mean, outdir):
    fig, ax = plt.subplots(figsize=(6.5, 4))
    curve.plot(ax=ax, sed_type="flux", marker="o")
    ax.axhline(mean.to_value("cm-2 s-1"), ls="--", color="0.5", label="constant flux")
    ax.set_ylim(0, None)
    ax.ticklabel_format(axis="x", useOffset=False)
    ax.legend()
    fig.tight_layout()
    save(fig, outdir, "light_curve.png")


def plot_residuals(residuals, outdir):
    panels = [
        (
            "npred_excess",
            "counts − npred within 0.1 deg",
            {"cmap": "coolwarm", "vmin": -20, "vmax": 20},
        ),
        ("sqrt_ts", "residual sqrt_ts (0.1 deg)", {"cmap": "coolwarm", "vmin": -5, "vmax": 5}),
    ]
    plot_central_maps(residuals, panels, outdir, "residuals.png")


# --- all steps ----------------------------------------------------------------------------


def main(outdir=HERE / "figures" / "crab-analysis", data=None):
    """Run the tutorial: print what it shows, write the figures and files into
    ``outdir``, and return the key numbers (a dict)."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    timer = Timer()
    start = time.perf_counter()
    with timer("data"):
        observations = load_observations(data_folder(data))
    with timer("map reduction"):
        stacked = reduce_maps(observations)
    plot_map_peek(stacked, outdir)
    with timer("ring background and excess map"):
        maps, exclusion = significance_map(stacked)
    off, mu, sigma = off_source_distribution(maps, exclusion)
    plot_significance_map(maps, outdir)
    plot_significance_distribution(maps, off, mu, sigma, outdir)
    with timer("spectrum reduction"):
        datasets = reduce_spectra(observations)
    info = cumulative_significance(datasets)
    plot_spectrum(datasets, outdir)
    plot_cumulative_significance(info, outdir)
    with timer("power-law fit"):
        fit, result = fit_power_law(datasets)
    with timer("log-parabola fit"):
        curved, ts, significance = fit_log_parabola(datasets, result)
    with timer("profile and contours"):
        confidence, profile, contours = profile_and_contour(fit, datasets)
    plot_stat_profile(profile, result, confidence, outdir)
    plot_stat_contour(contours, result, outdir)
    with timer("flux points"):
        points = flux_points(datasets, outdir)
    plot_sed(points, datasets, curved, outdir)
    with timer("light curve"):
        curve, mean, chi2 = light_curve(datasets)
    plot_light_curve(curve, mean, outdir)
    with timer("3-D fit"):
        result_3d, models_read = fit_3d(stacked, outdir)
    with timer("residual maps"):
        residuals = residual_maps(stacked)
    plot_residuals(residuals, outdir)
    timer.seconds["total"] = time.perf_counter() - start
    print(f"[total: {timer.seconds['total']:.2f} s]")

    power_law = datasets.models["crab"].spectral_model
    log_parabola = curved.models["crab"].spectral_model
    at_crab = {"skycoord": CRAB, "energy": 3 * u.TeV}
    return {
        "stacked_counts": int(stacked.counts.data[stacked.mask_safe.data].sum()),
        "crab_sqrt_ts": float(maps["sqrt_ts"].get_by_coord(at_crab)),
        "max_sqrt_ts": float(np.nanmax(maps["sqrt_ts"].data)),
        "off_mean": float(mu),
        "off_sigma": float(sigma),
        "cumulative_sqrt_ts": np.array(info["sqrt_ts"]),
        "cumulative_excess": np.array(info["excess"]),
        "index": power_law.index.value,
        "index_error": power_law.index.error,
        "amplitude": power_law.amplitude.value,
        "amplitude_error": power_law.amplitude.error,
        "total_stat": result.total_stat,
        "alpha": log_parabola.alpha.value,
        "beta": log_parabola.beta.value,
        "ts_curvature": ts,
        "significance_curvature": significance,
        "index_errn": confidence["errn"],
        "index_errp": confidence["errp"],
        "contour_points": {sigma: len(c["index"]) for sigma, c in contours.items()},
        "flux_points_norm": np.array(points.norm),
        "flux_points_sqrt_ts": np.array(points.sqrt_ts),
        "light_curve_flux": curve.to_table(sed_type="flux")["flux"].quantity[:, 0],
        "light_curve_chi2": chi2,
        "fit_3d": {p.name: (p.value, p.error) for p in result_3d.parameters.free_parameters},
        "fit_3d_total_stat": result_3d.total_stat,
        "models_read_index": models_read["crab"].spectral_model.index.value,
        "residual_sqrt_ts_range": (
            float(np.nanmin(residuals["sqrt_ts"].data)),
            float(np.nanmax(residuals["sqrt_ts"].data)),
        ),
        "timings": timer.seconds,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", nargs="?", type=Path, default=HERE / "figures" / "crab-analysis")
    parser.add_argument("--data", type=Path, help="the shared data folder (with hess-dl3-dr1/)")
    args = parser.parse_args()
    main(args.outdir, args.data)
