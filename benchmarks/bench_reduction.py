"""Data reduction: cherenkit against gammapy 2.1 on the four H.E.S.S. Crab runs.

Input: the H.E.S.S. DL3 DR1 release (``../shared/data/hess-dl3-dr1``), runs 23523,
23526, 23559 and 23592. Each library runs in its own fresh process (cwd outside the
repository) and does the same work in the same order:

* map reduction (gammapy's analysis seed): ``WcsGeom`` centred on (83.63, 22.01) icrs,
  5 deg x 5 deg, 0.02 deg CAR pixels, reconstructed energy 1-10 TeV in 11 log bins
  (true energy: the same edges), IRF maps at 0.2 deg; for each run a 6 deg cut-out
  of the stacked dataset around the pointing, ``MapDatasetMaker()`` (counts,
  exposure, background, PSF, energy dispersion), ``SafeMaskMaker(["aeff-default",
  "offset-max"], offset_max=3 deg)``, ``FoVBackgroundMaker`` (method "scale",
  exclusion: a 0.2 deg circle at the centre), then ``stacked.stack(dataset)``;
* spectrum reduction with reflected regions: ON circle 0.11 deg at (83.633, 22.014),
  reco energy 0.5-50 TeV in 12 bins, true energy 0.05-100 TeV in 50 bins,
  ``SpectrumDatasetMaker(containment_correction=True)`` (counts, exposure, edisp),
  ``ReflectedRegionsBackgroundMaker`` (exclusion: a 0.5 deg circle around the Crab
  on a 6 deg, 0.02 deg grid), ``SafeMaskMaker(["aeff-max"], aeff_percent=10)``; one
  On/Off dataset per run.

What is timed: ``DataStore.from_dir``, ``get_observations`` and the loop, so the
lazy reading of each run's events and IRFs is inside the time for both libraries
(median of 5 after a warm-up pass that also puts the files in the OS cache).
Results written by both processes are compared here: stacked counts, background and
exposure (sums and per-bin maxima of the difference), safe voxels; per run ON and
OFF counts, alpha and safe bins of the spectra.

Memory: in a third and fourth fresh process (cherenkit only), the peak resident set
size (``resource.getrusage``) of ``DatasetsMaker`` stacking the first 10 and all 105
runs of the release into one coarse all-sky geometry (icrs CAR, 0.1 deg pixels, 1-10
TeV in 3 bins, IRF maps at 2 deg; cut-outs of 5 deg around each pointing;
``MapDatasetMaker``, ``SafeMaskMaker(offset-max 2.5 deg)``): a 5 deg x 5 deg map
cannot hold 105 runs pointed all over the sky. The all-sky maps are written once
after creation (zeros from calloc are not resident until touched), so they are in
the RSS of both processes and the difference between the two peaks is what 95 more
runs cost. The observations are passed as a generator: a list would keep each
run's events and IRFs (cached on its Observation once read) alive, ~2.8 MiB per run.

Ratios are gammapy / cherenkit (> 1: cherenkit faster).

    uv run python benchmarks/bench_reduction.py
"""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
PEERS = HERE / ".venv-peers" / "bin" / "python"
DATA = HERE.parent.parent / "shared" / "data" / "hess-dl3-dr1"
OBS_IDS = [23523, 23526, 23559, 23592]
REPEAT = 5

COMMON = textwrap.dedent(
    """
    import json, statistics, sys, time, warnings, logging
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    import astropy.units as u
    import numpy as np
    from astropy.coordinates import SkyCoord
    from regions import CircleSkyRegion
    {setup}

    data, out, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
    obs_ids = {obs_ids}
    crab = SkyCoord(83.633, 22.014, unit="deg", frame="icrs")

    def map_reduction():
        store = DataStore.from_dir(data)
        observations = store.get_observations(obs_ids)
        energy = MapAxis.from_energy_bounds(1 * u.TeV, 10 * u.TeV, 11, name="energy")
        geom = WcsGeom.create(
            skydir=(83.63, 22.01), width=5, binsz=0.02, frame="icrs", proj="CAR", axes=[energy]
        )
        stacked = MapDataset.create(geom, binsz_irf=0.2, name="stacked")
        exclusion = geom.to_image().region_mask(
            [CircleSkyRegion(geom.center_skydir, 0.2 * u.deg)], inside=False
        )
        maker = MapDatasetMaker()
        safe = SafeMaskMaker(methods=["aeff-default", "offset-max"], offset_max=3 * u.deg)
        fov = FoVBackgroundMaker(method="scale", exclusion_mask=exclusion)
        for obs in observations:
            cutout = stacked.cutout(pointing(obs), width=6 * u.deg, name=f"obs-{{obs.obs_id}}")
            dataset = maker.run(cutout, obs)
            dataset = safe.run(dataset, obs)
            dataset = fov.run(dataset)
            stacked.stack(dataset)
        return stacked

    def spectrum_reduction():
        store = DataStore.from_dir(data)
        observations = store.get_observations(obs_ids)
        energy = MapAxis.from_energy_bounds(0.5 * u.TeV, 50 * u.TeV, 12, name="energy")
        energy_true = MapAxis.from_energy_bounds(
            0.05 * u.TeV, 100 * u.TeV, 50, name="energy_true"
        )
        geom = RegionGeom.create(CircleSkyRegion(crab, 0.11 * u.deg), axes=[energy])
        empty = SpectrumDataset.create(geom, energy_axis_true=energy_true, name="empty")
        mask_geom = WcsGeom.create(skydir=crab, width=6, binsz=0.02, frame="icrs")
        exclusion = mask_geom.region_mask([CircleSkyRegion(crab, 0.5 * u.deg)], inside=False)
        maker = SpectrumDatasetMaker(
            selection=["counts", "exposure", "edisp"], containment_correction=True
        )
        background = ReflectedRegionsBackgroundMaker(exclusion_mask=exclusion)
        safe = SafeMaskMaker(methods=["aeff-max"], aeff_percent=10)
        datasets = []
        for obs in observations:
            dataset = maker.run(empty.copy(name=str(obs.obs_id)), obs)
            dataset = background.run(dataset, obs)
            datasets.append(safe.run(dataset, obs))
        return datasets

    def median(func, repeat):
        func()  # warm-up: lazy imports, files in the OS cache
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            result = func()
            runs.append(time.perf_counter() - start)
        return statistics.median(runs), runs, result

    timings = {{}}
    timings["map reduction, 4 runs, stacked"], map_runs, stacked = median(map_reduction, repeat)
    timings["spectrum reflected regions, 4 runs"], spec_runs, spectra = median(
        spectrum_reduction, repeat
    )
    values = {{
        "stacked_counts": np.asarray(stacked.counts.data, dtype=np.float64),
        "stacked_background": np.asarray(stacked.background.data, dtype=np.float64),
        "stacked_exposure": np.asarray(stacked.exposure.data, dtype=np.float64),
        "stacked_mask_safe": np.asarray(stacked.mask_safe.data, dtype=bool),
    }}
    for dataset in spectra:
        key = dataset.name
        values[f"on_{{key}}"] = np.asarray(dataset.counts.data, dtype=np.float64).ravel()
        values[f"off_{{key}}"] = np.asarray(dataset.counts_off.data, dtype=np.float64).ravel()
        values[f"alpha_{{key}}"] = np.asarray(dataset.alpha.data, dtype=np.float64).ravel()
        values[f"safe_{{key}}"] = np.asarray(dataset.mask_safe.data, dtype=bool).ravel()
    np.savez(out, **values)
    print(json.dumps({{"timings": timings, "runs": {{"map": map_runs, "spectrum": spec_runs}}}}))
    """
)

PEER = """
from gammapy.data import DataStore
from gammapy.datasets import MapDataset, SpectrumDataset
from gammapy.makers import (
    FoVBackgroundMaker,
    MapDatasetMaker,
    ReflectedRegionsBackgroundMaker,
    SafeMaskMaker,
    SpectrumDatasetMaker,
)
from gammapy.maps import MapAxis, RegionGeom, WcsGeom

def pointing(obs):
    return obs.get_pointing_icrs(obs.tmid)
"""

OURS = """
from cherenkit.data import DataStore
from cherenkit.datasets import MapDataset, SpectrumDataset
from cherenkit.makers import MapDatasetMaker, SafeMaskMaker, SpectrumDatasetMaker
from cherenkit.maps import MapAxis, RegionGeom, WcsGeom
from cherenkit_background import FoVBackgroundMaker, ReflectedRegionsBackgroundMaker

def pointing(obs):
    return obs.pointing
"""

MEMORY = textwrap.dedent(
    """
    import json, resource, sys, time, warnings
    warnings.simplefilter("ignore")
    import astropy.units as u
    from cherenkit.data import DataStore
    from cherenkit.datasets import MapDataset
    from cherenkit.makers import DatasetsMaker, MapDatasetMaker, SafeMaskMaker
    from cherenkit.maps import MapAxis, WcsGeom

    data, n_runs = sys.argv[1], int(sys.argv[2])
    store = DataStore.from_dir(data)
    obs_ids = sorted(int(i) for i in store.obs_table["OBS_ID"])[:n_runs]
    energy = MapAxis.from_energy_bounds(1 * u.TeV, 10 * u.TeV, 3, name="energy")
    geom = WcsGeom.create(
        skydir=(180.0, 0.0), width=(360.0, 180.0), binsz=0.1, frame="icrs", proj="CAR",
        axes=[energy],
    )
    stacked = MapDataset.create(geom, binsz_irf=2.0, name="all-sky")
    for m in (stacked.counts, stacked.background, stacked.exposure, stacked.mask_safe):
        m.data[...] = 0  # touch every page, so the RSS holds the whole all-sky maps now
    rss_geom = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    makers = [MapDatasetMaker(), SafeMaskMaker(methods=["offset-max"], offset_max="2.5 deg")]
    start = time.perf_counter()
    observations = (store.obs(obs_id) for obs_id in obs_ids)  # each freed after its turn
    result = DatasetsMaker(makers, cutout_width=5 * u.deg).run(stacked, observations)[0]
    seconds = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({
        "runs": len(obs_ids), "seconds": seconds, "peak_rss_mib": rss,
        "rss_after_create_mib": rss_geom, "counts": float(result.counts.data.sum()),
        "n_obs_stacked": len(result.meta_table),
    }))
    """
)


def run(python, setup, workdir, label):
    code = COMMON.format(setup=setup.strip(), obs_ids=OBS_IDS)
    out = Path(workdir) / f"{label}.npz"
    done = subprocess.run(
        [python, "-c", code, str(DATA), str(out), str(REPEAT)],
        capture_output=True,
        text=True,
        cwd=workdir,
        env=dict(os.environ, PYTHONWARNINGS="ignore"),
    )
    if done.returncode:
        sys.exit(f"{python} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    with np.load(out) as npz:
        result["values"] = {name: npz[name] for name in npz.files}
    return result


def memory(n_runs, workdir):
    done = subprocess.run(
        [sys.executable, "-c", MEMORY, str(DATA), str(n_runs)],
        capture_output=True,
        text=True,
        cwd=workdir,
        env=dict(os.environ, PYTHONWARNINGS="ignore"),
    )
    if done.returncode:
        sys.exit(f"memory run failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(ours, peer):
    """(max |difference| / max |peer|, sum ours, sum peer) of one array."""
    ours, peer = np.asarray(ours, np.float64), np.asarray(peer, np.float64)
    scale = max(float(np.max(np.abs(peer), initial=0.0)), 1e-300)
    diff = float(np.max(np.abs(ours - peer), initial=0.0)) / scale
    return diff, float(ours.sum()), float(peer.sum())


def main():
    if not PEERS.exists():
        sys.exit(f"peer environment missing: {PEERS} (see benchmarks/README.md)")
    if not DATA.exists():
        sys.exit(f"data missing: {DATA}")
    with tempfile.TemporaryDirectory() as workdir:
        ours = run(sys.executable, OURS, workdir, "cherenkit")
        peer = run(str(PEERS), PEER, workdir, "gammapy")
        mem = [memory(n, workdir) for n in (10, 105)]

    print(f"\nH.E.S.S. DL3 DR1, runs {OBS_IDS}")
    print(
        f"seconds, median of {REPEAT} after a warm-up, one fresh process per library; "
        "ratio = gammapy / cherenkit"
    )
    print(f"{'what':40s} {'cherenkit s':>12s} {'gammapy s':>12s} {'ratio':>7s}")
    for name, ours_s in ours["timings"].items():
        peer_s = peer["timings"][name]
        print(f"{name:40s} {ours_s:12.4f} {peer_s:12.4f} {peer_s / ours_s:7.1f}")

    print("\nagreement (max |cherenkit - gammapy| / max |gammapy|; sums cherenkit / gammapy)")
    for name, peer_values in peer["values"].items():
        ours_values = ours["values"][name]
        if ours_values.shape != peer_values.shape:
            print(f"  {name:28s} shape {ours_values.shape} != {peer_values.shape}")
            continue
        if peer_values.dtype == bool:
            n_ours, n_peer = int(ours_values.sum()), int(peer_values.sum())
            differ = int(np.count_nonzero(ours_values != peer_values))
            print(f"  {name:28s} true {n_ours} / {n_peer}, {differ} differ")
            continue
        diff, sum_ours, sum_peer = compare(ours_values, peer_values)
        print(f"  {name:28s} {diff:9.2e}   {sum_ours:.10g} / {sum_peer:.10g}")

    print("\npeak RSS, DatasetsMaker stacking into an all-sky 0.1 deg CAR map (cherenkit)")
    for m in mem:
        print(
            f"  {m['runs']:4d} runs: peak {m['peak_rss_mib']:8.1f} MiB "
            f"(after creating the empty all-sky dataset {m['rss_after_create_mib']:8.1f} MiB), "
            f"{m['seconds']:.1f} s, {m['n_obs_stacked']} runs stacked, "
            f"{m['counts']:.0f} counts"
        )
    growth = mem[1]["peak_rss_mib"] - mem[0]["peak_rss_mib"]
    print(f"  growth from {mem[0]['runs']} to {mem[1]['runs']} runs: {growth:+.1f} MiB")


if __name__ == "__main__":
    main()
