"""Reading sim_telarray files: cherenkit-simtel against ctapipe 0.28's SimTelEventSource.

For every file of ``../shared/data/simtel`` (or ``$CHERENKIT_DATA/simtel``), one
fresh subprocess per library reads the whole file again and again (at least
``MIN_PASSES`` times and ``MIN_SECONDS``): open it (run header, subarray), then
stream every event, calibration events included, with its R1 waveforms. Reported
are the medians over the passes of the time to open and the time per streamed
event, the resulting events and compressed megabytes per second of whole passes,
and the peak resident memory (``resource.getrusage``): the total, how much
streaming added to what imports and the first opening had used, and how much the
passes after the first added (0 when memory is flat). A checksum (the sum of the R1
samples of the shower events) shows that both did the same work.

Run from the repository root, with ctapipe in the peers' environment::

    uv pip install --python benchmarks/.venv-peers/bin/python "ctapipe==0.28.0" "eventio==2.1.1"
    uv run python benchmarks/bench_simtel_read.py

Ratios are oriented so that > 1 means cherenkit is faster (or leaner).
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

PEERS = Path(__file__).parent / ".venv-peers" / "bin" / "python"
MIN_PASSES, MIN_SECONDS = 5, 2.0

# The same driver runs in both environments; only the reader differs.
DRIVER = textwrap.dedent(
    """
    import json, resource, statistics, sys, time
    import numpy as np

    path, choice = sys.argv[1], sys.argv[2]
    min_passes, min_seconds = int(sys.argv[3]), float(sys.argv[4])

    def peak_mb():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    {setup}

    open_source(path, choice).close()  # first use: lazy imports, caches
    baseline = peak_mb()
    open_s, stream_s, checksum, n_events = [], [], 0.0, 0
    begin = time.perf_counter()
    while len(open_s) < min_passes or time.perf_counter() - begin < min_seconds:
        start = time.perf_counter()
        source = open_source(path, choice)
        opened = time.perf_counter()
        n_events = 0
        for is_shower, r1_sum in r1_sums(source):
            n_events += 1
            if not open_s and is_shower:
                checksum += r1_sum
        stream_s.append(time.perf_counter() - opened)
        open_s.append(opened - start)
        source.close()
        if len(open_s) == 1:
            after_first = peak_mb()
    print(json.dumps({{
        "open_s": statistics.median(open_s), "stream_s": statistics.median(stream_s),
        "passes": len(open_s), "events": n_events, "checksum": checksum,
        "peak_mb": peak_mb(), "baseline_mb": baseline, "after_first_pass_mb": after_first,
    }}))
    """
)

OURS = """
from cherenkit_simtel import SimTelEventSource

def open_source(path, choice):
    return SimTelEventSource(path, focal_length_choice=choice, skip_calibration_events=False)

def r1_sums(source):
    # per array event: whether it is a shower event, and its R1 samples summed
    for event in source:
        total = sum(float(t.r1_waveform.sum(dtype=np.float64)) for t in event.tel.values())
        yield event.event_type == "SUBARRAY", total
"""

PEER = """
from ctapipe.io import SimTelEventSource

def open_source(path, choice):
    return SimTelEventSource(
        path, focal_length_choice=choice.upper(), skip_calibration_events=False
    )

def r1_sums(source):
    for event in source:
        total = sum(float(t.waveform.sum(dtype=np.float64)) for t in event.r1.tel.values())
        yield event.trigger.event_type.name == "SUBARRAY", total
"""

# focal length each file allows (most lack the effective one)
FOCAL_LENGTH = {
    "camsettings_v6": "effective",
    "gamma_prod6_tel_event_header_v4": "effective",
    "gct_checs_muons": "effective",
}


def simtel_dir() -> Path:
    data = os.environ.get("CHERENKIT_DATA")
    root = Path(data) if data else Path(__file__).resolve().parents[2] / "shared" / "data"
    return root / "simtel"


def run(python, setup, path, choice):
    code = DRIVER.format(setup=setup.strip())
    args = [str(path), choice, str(MIN_PASSES), str(MIN_SECONDS)]
    done = subprocess.run([str(python), "-c", code, *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{python} failed on {path.name}:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cell(ours, peer, fmt, higher_is_better):
    ratio = ours / peer if higher_is_better else peer / ours
    return f"{ours:{fmt}} {peer:{fmt}} {ratio:5.2f}"


def _row(name, mb, ours, peer) -> str:
    n = ours["events"]
    agree = n == peer["events"] and (
        abs(ours["checksum"] - peer["checksum"]) <= 1e-6 * abs(peer["checksum"]) + 1e-6
    )
    cells = [f"{name:31s} {mb:4.1f} {n:3d}"]
    cells.append(_cell(ours["open_s"] * 1e3, peer["open_s"] * 1e3, "5.0f", False))
    if n:
        per_event = [r["stream_s"] / n * 1e3 for r in (ours, peer)]
        cells.append(_cell(*per_event, "5.2f", False))
    else:
        cells.append(f"{'(no events)':>17s}")
    pass_s = [r["open_s"] + r["stream_s"] for r in (ours, peer)]
    cells.append(_cell(n / pass_s[0], n / pass_s[1], "5.0f", True) if n else f"{'-':>17s}")
    cells.append(_cell(mb / pass_s[0], mb / pass_s[1], "5.1f", True))
    cells.append(_cell(ours["peak_mb"], peer["peak_mb"], "4.0f", False))
    grown = [r["peak_mb"] - r["baseline_mb"] for r in (ours, peer)]
    later = [r["peak_mb"] - r["after_first_pass_mb"] for r in (ours, peer)]
    cells.append(f"{grown[0]:4.0f} {grown[1]:4.0f}")
    cells.append(f"{later[0]:4.0f} {later[1]:4.0f}")
    cells.append(str(agree))
    return " │ ".join(cells)


def main():
    if not PEERS.exists():
        sys.exit(f"peer environment missing: {PEERS} (see benchmarks/README.md)")
    files = sorted(simtel_dir().glob("*.simtel*"))
    if not files:
        sys.exit(f"no sim_telarray files in {simtel_dir()} (set CHERENKIT_DATA)")
    header = (
        f"{'file':31s} {'MB':>4s} {'ev':>3s} │ {'open ms':>17s} │ {'stream ms/event':>17s} │ "
        f"{'events/s':>17s} │ {'MB/s':>17s} │ {'peak RSS MB':>15s} │ {'+MB':>9s} │ "
        f"{'+MB2':>9s} │ agree"
    )
    print("each cell: cherenkit | ctapipe 0.28 | ratio (> 1: cherenkit faster or leaner)")
    print(header)
    print("─" * len(header))
    for path in files:
        name = path.name.split(".simtel")[0]
        choice = FOCAL_LENGTH.get(name, "equivalent")
        ours = run(sys.executable, OURS, path, choice)
        peer = run(PEERS, PEER, path, choice)
        print(_row(name, path.stat().st_size / 1e6, ours, peer))
    print(
        f"\nmedians over >= {MIN_PASSES} passes; open: run header + subarray; stream: every "
        "event with R1; events/s, MB/s\n(compressed input): whole passes (open + stream); "
        "peak RSS: the whole process; +MB: growth while reading\n(over imports and a first "
        "open); +MB2: growth after the first pass (0: flat); agree: R1 sum of the shower "
        "events\nwithin 1e-6 and the same number of events."
    )


if __name__ == "__main__":
    main()
