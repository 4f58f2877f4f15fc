"""DL3 data store, observation loading and IRF evaluation: cherenkit against gammapy 2.1.

Input: the H.E.S.S. DL3 DR1 release (``../shared/data/hess-dl3-dr1``, HDU and
observation index in that folder, 105 runs). Each library runs in its own fresh
process (cwd outside the repository), doing the same work in the same order:

* import of the library's ``DataStore``; ``DataStore.from_dir``: the first call in the
  process (cherenkit imports astropy.io.fits and friends lazily, there), import + that
  first call, then the median of 5 further calls;
* all 105 runs: ``from_dir``, ``get_observations()`` and touching ``.events``,
  ``.gti``, ``.aeff``, ``.edisp``, ``.psf``, ``.bkg`` of each (median of 3 after a
  warm-up pass, so files are in the OS cache for both);
* IRFs of run 23523 evaluated on map-sized grids with each library's default
  interpolation options (median of 5 after a warm-up call):

  - aeff at 100 true energies x 250 x 250 offsets (offsets of a 250 x 250 FoV grid);
  - edisp pdf at 100 true energies x 50 migra x 50 offsets;
  - ``to_edisp_kernel`` at 1 deg with 100-bin true and reco energy axes;
  - PSF3D density at 100 energies x 100 rad x 10 offsets;
  - 68 % containment radius at 100 energies x 50 offsets;
  - Background3D at 100 energies x 250 x 250 fov_lon/fov_lat;
  - Background2D from ``to_2d()`` at 100 energies x the 250 x 250 offsets.

Values are written by both processes and compared here: the largest relative
difference over points where gammapy is non-zero, and the number of points where
exactly one of the two is zero. The containment radius is a grid value (an
upsampled rad-bin centre); where the containment is flat at the minimum both
libraries pick an arbitrary minimiser, so cells that differ are listed with the
difference of cherenkit's containment at the two radii.

Ratios are gammapy / cherenkit (> 1: cherenkit faster).

    uv run python benchmarks/bench_dl3.py
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
RUN = 23523

COMMON = textwrap.dedent(
    """
    import json, statistics, sys, time, warnings, logging
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    t0 = time.perf_counter()
    import astropy.units as u
    import numpy as np
    {setup}
    import_s = time.perf_counter() - t0

    data, run, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]

    def median(func, repeat):
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            func()
            runs.append(time.perf_counter() - start)
        return statistics.median(runs)

    timings = {{"import": import_s}}
    start = time.perf_counter()
    DataStore.from_dir(data)
    timings["from_dir, first call (lazy imports)"] = time.perf_counter() - start
    timings["import + first from_dir"] = time.perf_counter() - t0
    timings["from_dir"] = median(lambda: DataStore.from_dir(data), 5)

    def load_all():
        store = DataStore.from_dir(data)
        n_events = []
        for obs in store.get_observations():
            obs.events, obs.gti, obs.aeff, obs.edisp, obs.psf, obs.bkg
            n_events.append(len(obs.events.table))
        return n_events

    n_events = load_all()  # warm-up: files in the OS cache for both libraries
    timings["105 runs: events, gti, aeff, edisp, psf, bkg"] = median(load_all, 3)

    obs = DataStore.from_dir(data).obs(run)
    aeff, edisp, psf, bkg = obs.aeff, obs.edisp, obs.psf, obs.bkg
    energy = np.geomspace(0.1, 100, 100) * u.TeV
    fov = np.linspace(-3, 3, 250) * u.deg
    offset_map = np.hypot(fov[:, None], fov[None, :])
    migra = np.linspace(0.2, 3, 50)
    offset_50 = np.linspace(0, 2.5, 50) * u.deg
    offset_10 = np.linspace(0, 2.5, 10) * u.deg
    rad = np.linspace(0, 0.6, 100) * u.deg
    kernel_true = energy_axis(100, "energy_true")
    kernel_reco = energy_axis(100, "energy")

    cases = {{
        "aeff 100 E x 250x250 offsets": lambda: aeff.evaluate(
            energy_true=energy[:, None, None], offset=offset_map
        ).to_value("m2"),
        "edisp pdf 100 E x 50 migra x 50 offsets": lambda: edisp.evaluate(
            energy_true=energy[:, None, None], migra=migra[:, None], offset=offset_50
        ).to_value(""),
        "edisp to_edisp_kernel 100x100 at 1 deg": lambda: kernel_data(
            edisp, 1 * u.deg, kernel_true, kernel_reco
        ),
        "psf 100 E x 100 rad x 10 offsets": lambda: psf.evaluate(
            energy_true=energy[:, None, None], rad=rad[:, None], offset=offset_10
        ).to_value("sr-1"),
        "psf r68 100 E x 50 offsets": lambda: psf.containment_radius(
            0.68, energy_true=energy[:, None], offset=offset_50
        ).to_value("deg"),
        "bkg 3d 100 E x 250x250 fov": lambda: bkg.evaluate(
            energy=energy[:, None, None], fov_lon=fov[:, None], fov_lat=fov
        ).to_value("s-1 MeV-1 sr-1"),
        "bkg to_2d 100 E x 250x250 offsets": lambda: bkg.to_2d().evaluate(
            energy=energy[:, None, None], offset=offset_map
        ).to_value("s-1 MeV-1 sr-1"),
    }}
    values = {{}}
    for name, func in cases.items():
        values[name] = np.asarray(func(), dtype=np.float64)  # warm-up, kept for comparison
        timings[name] = median(func, 5)
    np.savez(out, **values)
    print(json.dumps({{"timings": timings, "n_events": n_events}}))
    """
)

PEER = """
from gammapy.data import DataStore
from gammapy.maps import MapAxis

def energy_axis(nbin, name):
    return MapAxis.from_energy_bounds(0.1, 100, nbin, unit="TeV", name=name)

def kernel_data(edisp, offset, energy_true, energy):
    kernel = edisp.to_edisp_kernel(offset, energy_axis_true=energy_true, energy_axis=energy)
    return kernel.pdf_matrix
"""

OURS = """
from cherenkit.data import DataStore
from cherenkit.maps import MapAxis

def energy_axis(nbin, name):
    return MapAxis.from_energy_bounds(0.1 * u.TeV, 100 * u.TeV, nbin, name=name)

def kernel_data(edisp, offset, energy_true, energy):
    return edisp.to_edisp_kernel(offset, energy_true=energy_true, energy=energy).pdf_matrix
"""


def run(python, setup, workdir, label):
    code = COMMON.format(setup=textwrap.indent(setup.strip(), ""))
    out = Path(workdir) / f"{label}.npz"
    done = subprocess.run(
        [python, "-c", code, str(DATA), str(RUN), str(out)],
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


def agreement(ours, peer):
    """(max relative difference where peer != 0, points where exactly one is 0, points)."""
    nonzero = peer != 0
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.abs(ours[nonzero] - peer[nonzero]) / np.abs(peer[nonzero])
    one_zero = int(np.count_nonzero((ours == 0) != (peer == 0)))
    return float(np.max(rel, initial=0.0)), one_zero, peer.size


def containment_at(radius_ours, radius_peer):
    """Radii that differ by > 1e-12 relative, and cherenkit's containment difference there."""
    import astropy.units as u

    from cherenkit.data import DataStore

    psf = DataStore.from_dir(DATA).obs(RUN).psf
    energy = np.geomspace(0.1, 100, 100)[:, None] * u.TeV
    offset = np.linspace(0, 2.5, 50) * u.deg
    ours = psf.containment(radius_ours * u.deg, energy_true=energy, offset=offset)
    peer = psf.containment(radius_peer * u.deg, energy_true=energy, offset=offset)
    differ = np.abs(radius_ours - radius_peer) > 1e-12 * np.abs(radius_peer)
    return int(differ.sum()), float(np.max(np.abs(ours - peer)[differ], initial=0.0))


def main():
    if not PEERS.exists():
        sys.exit(f"peer environment missing: {PEERS} (see benchmarks/README.md)")
    if not DATA.exists():
        sys.exit(f"data missing: {DATA}")
    with tempfile.TemporaryDirectory() as workdir:
        ours = run(sys.executable, OURS, workdir, "cherenkit")
        peer = run(str(PEERS), PEER, workdir, "gammapy")

    print(f"\nH.E.S.S. DL3 DR1, {len(ours['n_events'])} runs; IRFs of run {RUN}")
    print(
        "seconds, median of repeats in one fresh process per library; ratio = gammapy / cherenkit"
    )
    print(f"{'what':48s} {'cherenkit s':>12s} {'gammapy s':>12s} {'ratio':>7s}")
    for name, ours_s in ours["timings"].items():
        peer_s = peer["timings"][name]
        print(f"{name:48s} {ours_s:12.4f} {peer_s:12.4f} {peer_s / ours_s:7.1f}")

    same_events = ours["n_events"] == peer["n_events"]
    print(f"\nevents per run identical: {same_events} ({sum(ours['n_events'])} events)")
    print("value agreement (max relative difference where gammapy != 0; points with one zero)")
    for name, peer_values in peer["values"].items():
        ours_values = ours["values"][name]
        if ours_values.shape != peer_values.shape:
            print(f"  {name:48s} shape {ours_values.shape} != {peer_values.shape}")
            continue
        rel, one_zero, n = agreement(ours_values, peer_values)
        line = f"  {name:48s} {rel:9.2e}   {one_zero} of {n}"
        if "r68" in name:
            n_differ, dc = containment_at(ours_values, peer_values)
            line += (
                f"; {n_differ} radii differ by > 1e-12, where the containment is flat"
                f" (|Δ containment| <= {dc:.1e})"
            )
        print(line)


if __name__ == "__main__":
    main()
