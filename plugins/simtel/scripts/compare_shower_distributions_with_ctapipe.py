"""Compare `SimTelEventSource.shower_distributions` with ctapipe 0.28, exactly.

ctapipe is never a dependency: this script runs it in the separate peer
environment (``benchmarks/.venv-peers``, see benchmarks/) through a subprocess,
which writes ctapipe's ``simulated_shower_distributions`` of every file to an
npz, and compares them with cherenkit's, array by array, with ``==``.

Usage (from the repository root)::

    uv run python plugins/simtel/scripts/compare_shower_distributions_with_ctapipe.py \
        [--peer-python benchmarks/.venv-peers/bin/python] [FILE ...]

Files default to every file of ``../shared/data/simtel``. Exit status 1 on any
difference.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[3]

_CTAPIPE = r"""
import sys, warnings
import numpy as np
from ctapipe.io import SimTelEventSource

out, paths = sys.argv[1], sys.argv[2:]
arrays = {}
for i, path in enumerate(paths):
    with SimTelEventSource(path, focal_length_choice="EQUIVALENT") as source:
        for _ in source:
            pass
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            distributions = source.simulated_shower_distributions
    arrays[f"f{i}_n"] = np.array(len(distributions))
    for obs_id, d in distributions.items():
        arrays[f"f{i}_obs_id"] = np.array(obs_id)
        arrays[f"f{i}_n_entries"] = np.array(d.n_entries)
        arrays[f"f{i}_bins_energy"] = d.bins_energy.to_value("TeV")
        arrays[f"f{i}_bins_core_dist"] = d.bins_core_dist.to_value("m")
        arrays[f"f{i}_histogram"] = np.asarray(d.histogram)
np.savez(out, **arrays)
"""


def ctapipe_values(peer_python: Path, paths: list[Path]) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "ctapipe.npz"
        subprocess.run([str(peer_python), "-c", _CTAPIPE, str(out), *map(str, paths)], check=True)
        return dict(np.load(out))


def compare(paths: list[Path], peer_python: Path) -> bool:
    from cherenkit_simtel import SimTelEventSource

    theirs = ctapipe_values(peer_python, paths)
    all_equal = True
    for i, path in enumerate(paths):
        with SimTelEventSource(path, focal_length_choice="equivalent") as source:
            ours = source.shower_distributions  # before iterating: the header-only pass
            for _ in source:
                pass
        if len(ours) != int(theirs[f"f{i}_n"]):
            print(f"{path.name}: {len(ours)} distributions here, {theirs[f'f{i}_n']} in ctapipe")
            all_equal = False
            continue
        if not ours:
            print(f"{path.name}: no shower distribution (none in ctapipe either)")
            continue
        d = ours[0]
        checks = {
            "obs_id": d.obs_id == int(theirs[f"f{i}_obs_id"]),
            "n_entries": d.n_entries == int(theirs[f"f{i}_n_entries"]),
            "bins_energy": np.array_equal(
                d.bins_energy.to_value("TeV"), theirs[f"f{i}_bins_energy"]
            ),
            "bins_core_dist": np.array_equal(
                d.bins_core_dist.to_value("m"), theirs[f"f{i}_bins_core_dist"]
            ),
            "histogram": np.array_equal(d.histogram, theirs[f"f{i}_histogram"]),
        }
        status = "identical" if all(checks.values()) else "DIFFERENT"
        failed = [k for k, ok in checks.items() if not ok]
        print(
            f"{path.name}: {status} (obs_id {d.obs_id}, n_entries {d.n_entries}, "
            f"histogram {d.histogram.shape}, sum {d.n_showers:g})"
            + (f"; differs in {failed}" if failed else "")
        )
        all_equal &= not failed
    return all_equal


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument(
        "--peer-python", type=Path, default=REPO / "benchmarks" / ".venv-peers" / "bin" / "python"
    )
    args = parser.parse_args(argv)
    files = args.files or sorted((REPO.parent / "shared" / "data" / "simtel").glob("*.simtel*"))
    return 0 if compare(files, args.peer_python) else 1


if __name__ == "__main__":
    sys.exit(main())
