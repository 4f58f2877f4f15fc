"""Fits and flux points: cherenkit against gammapy 2.1 on the four H.E.S.S. Crab runs.

Each library runs in its own fresh process (cwd outside the repository), reduces
the data the same way (not timed) and then times, median of 5 (3 for the 3-D fit)
after one warm-up:

* 1-D joint fits (wstat) of the four reflected-regions On/Off spectra (ON circle
  0.11 deg at the Crab, 0.5-50 TeV in 12 bins, true 0.05-100 TeV in 50 bins,
  containment-corrected exposure, safe mask aeff-max 10 %): power law from index 2.5,
  amplitude 3e-11 cm-2 s-1 TeV-1 (E0 = 1 TeV) and log-parabola from alpha 2.3,
  beta 0.1; ``Fit().run`` = MIGRAD + HESSE, from fresh models every time;
* flux points of the joint power-law fit on [1, 2, 4, 10] TeV (default options:
  norm, its error, TS; and with errn/errp and upper limits);
* the 3-D fit on the stacked FoV map dataset (250 x 250 x 11 bins): point source +
  power law + FoV background norm.

The best-fit values of both are printed side by side. Ratios are gammapy /
cherenkit (> 1: cherenkit faster).

    uv run python benchmarks/bench_fit.py
"""

import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

HERE = Path(__file__).parent
PEERS = HERE / ".venv-peers" / "bin" / "python"
DATA = HERE.parent.parent / "shared" / "data" / "hess-dl3-dr1"

SCRIPT = textwrap.dedent(
    """
    import json, statistics, sys, time, warnings, logging
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    import astropy.units as u
    import numpy as np
    from astropy.coordinates import SkyCoord
    from regions import CircleSkyRegion
    {setup}

    data = sys.argv[1]
    obs_ids = [23523, 23526, 23559, 23592]
    crab = SkyCoord(83.633, 22.014, unit="deg", frame="icrs")
    store = DataStore.from_dir(data)
    observations = store.get_observations(obs_ids)

    energy = MapAxis.from_energy_bounds(0.5 * u.TeV, 50 * u.TeV, 12, name="energy")
    energy_true = MapAxis.from_energy_bounds(0.05 * u.TeV, 100 * u.TeV, 50, name="energy_true")
    geom = RegionGeom.create(CircleSkyRegion(crab, 0.11 * u.deg), axes=[energy])
    empty = SpectrumDataset.create(geom, energy_axis_true=energy_true, name="empty")
    mask_geom = WcsGeom.create(skydir=crab, width=6, binsz=0.02, frame="icrs")
    exclusion = mask_geom.region_mask([CircleSkyRegion(crab, 0.5 * u.deg)], inside=False)
    maker = SpectrumDatasetMaker(selection=["counts", "exposure", "edisp"],
                                 containment_correction=True)
    background = ReflectedRegionsBackgroundMaker(exclusion_mask=exclusion)
    safe = SafeMaskMaker(methods=["aeff-max"], aeff_percent=10)
    spectra = Datasets()
    for obs in observations:
        dataset = maker.run(empty.copy(name=f"obs-{{obs.obs_id}}"), obs)
        spectra.append(safe.run(background.run(dataset, obs), obs))

    map_energy = MapAxis.from_energy_bounds(1 * u.TeV, 10 * u.TeV, 11, name="energy")
    map_geom = WcsGeom.create(skydir=(83.63, 22.01), width=5, binsz=0.02, frame="icrs",
                              proj="CAR", axes=[map_energy])
    stacked = MapDataset.create(map_geom, binsz_irf=0.2, name="stacked")
    fov_exclusion = map_geom.to_image().region_mask(
        [CircleSkyRegion(map_geom.center_skydir, 0.2 * u.deg)], inside=False)
    map_safe = SafeMaskMaker(methods=["aeff-default", "offset-max"], offset_max=3 * u.deg)
    fov = FoVBackgroundMaker(method="scale", exclusion_mask=fov_exclusion)
    for obs in observations:
        cutout = stacked.cutout(pointing(obs), width=6 * u.deg, name=f"map-{{obs.obs_id}}")
        dataset = map_safe.run(MapDatasetMaker().run(cutout, obs), obs)
        stacked.stack(fov.run(dataset))

    def pl():
        return PowerLawSpectralModel(index=2.5, amplitude="3e-11 cm-2 s-1 TeV-1",
                                     reference="1 TeV")

    def lp():
        return LogParabolaSpectralModel(alpha=2.3, beta=0.1, amplitude="3e-11 cm-2 s-1 TeV-1",
                                        reference="1 TeV")

    def fit_1d(make):
        spectra.models = [SkyModel(make(), name="crab")]
        result = Fit().run(spectra)
        return {{p.name: [float(p.value), float(p.error)] for p in spectra.models.parameters
                 if not p.frozen}} | {{"total_stat": float(result.total_stat)}}

    def flux_points(options):
        spectra.models = [SkyModel(pl(), name="crab")]
        Fit().run(spectra)
        def run():
            estimator = FluxPointsEstimator(energy_edges=[1, 2, 4, 10] * u.TeV, source="crab",
                                            selection_optional=options)
            return estimator.run(spectra)
        return run

    def fit_3d():
        stacked.models = Models([
            SkyModel(pl(), PointSpatialModel(lon_0="83.63 deg", lat_0="22.01 deg",
                                             frame="icrs"), name="crab"),
            FoVBackgroundModel(dataset_name="stacked")])
        result = Fit().run([stacked])
        return {{p.name: [float(p.value), float(p.error)] for p in stacked.models.parameters
                 if not p.frozen}} | {{"total_stat": float(result.total_stat)}}

    def median(func, repeat):
        result = func()  # warm-up
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            result = func()
            runs.append(time.perf_counter() - start)
        return statistics.median(runs), result

    timings, results = {{}}, {{}}
    timings["1-D joint fit, power law"], results["pl"] = median(lambda: fit_1d(pl), 5)
    timings["1-D joint fit, log-parabola"], results["lp"] = median(lambda: fit_1d(lp), 5)
    timings["flux points, 3 bins (norm, err, ts)"], points = median(flux_points(None), 5)
    results["flux_points_norm"] = [float(v) for v in np.ravel(points.norm)]
    timings["flux points, 3 bins, errn/errp + ul"], points = median(flux_points("all"), 5)
    results["flux_points_ul"] = [float(v) for v in np.ravel(points.norm_ul)]
    timings["3-D fit, point + PL + FoV bkg"], results["3d"] = median(fit_3d, 3)
    print(json.dumps({{"timings": timings, "results": results}}))
    """
)

PEER = """
from gammapy.data import DataStore
from gammapy.datasets import Datasets, MapDataset, SpectrumDataset
from gammapy.estimators import FluxPointsEstimator
from gammapy.makers import (FoVBackgroundMaker, MapDatasetMaker,
    ReflectedRegionsBackgroundMaker, SafeMaskMaker, SpectrumDatasetMaker)
from gammapy.maps import MapAxis, RegionGeom, WcsGeom
from gammapy.modeling import Fit
from gammapy.modeling.models import (FoVBackgroundModel, LogParabolaSpectralModel, Models,
    PointSpatialModel, PowerLawSpectralModel, SkyModel)

def pointing(obs):
    return obs.get_pointing_icrs(obs.tmid)
"""

OURS = """
from cherenkit.data import DataStore
from cherenkit.datasets import Datasets, MapDataset, SpectrumDataset
from cherenkit.estimators import FluxPointsEstimator
from cherenkit.makers import MapDatasetMaker, SafeMaskMaker, SpectrumDatasetMaker
from cherenkit.maps import MapAxis, RegionGeom, WcsGeom
from cherenkit.modeling import (Fit, FoVBackgroundModel, LogParabolaSpectralModel, Models,
    PowerLawSpectralModel, SkyModel)
from cherenkit.modeling.spatial import PointSpatialModel
from cherenkit_background import FoVBackgroundMaker, ReflectedRegionsBackgroundMaker

def pointing(obs):
    return obs.pointing
"""


def run(python, setup, workdir, label):
    script = Path(workdir) / f"bench_fit_{label}.py"
    script.write_text(SCRIPT.format(setup=setup))
    done = subprocess.run(
        [python, str(script), str(DATA)], cwd=workdir, capture_output=True, text=True
    )
    if done.returncode != 0:
        sys.exit(f"{label} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    if not PEERS.exists():
        sys.exit(f"peer environment missing: {PEERS} (see benchmarks/README.md)")
    with tempfile.TemporaryDirectory() as workdir:
        peer = run(str(PEERS), PEER, workdir, "gammapy")
        ours = run(sys.executable, OURS, workdir, "cherenkit")
    print(f"{'':42} {'gammapy 2.1':>12} {'cherenkit':>12} {'ratio':>8}")
    for key, theirs in peer["timings"].items():
        mine = ours["timings"][key]
        print(f"{key:42} {theirs:11.4f}s {mine:11.4f}s {theirs / mine:7.1f}x")
    print()
    for key in ("pl", "lp", "3d"):
        print(f"{key}: best fit (value, error) gammapy | cherenkit")
        for name, item in peer["results"][key].items():
            if name == "total_stat":
                print(f"  {name:10} {item:.6f} | {ours['results'][key][name]:.6f}")
                continue
            value, error = item
            mine = ours["results"][key].get(name, [float("nan")] * 2)
            print(f"  {name:10} {value:.6g} ± {error:.3g} | {mine[0]:.6g} ± {mine[1]:.3g}")
    for key in ("flux_points_norm", "flux_points_ul"):
        print(f"{key}: gammapy {peer['results'][key]} | cherenkit {ours['results'][key]}")


if __name__ == "__main__":
    main()
