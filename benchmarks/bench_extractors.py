"""Charge extraction: cherenkit's extractors against ctapipe 0.28's on the same waveforms.

The 30 LSTCam events of ``lst_muons.simtel.zst`` (1855 pixels, 30 samples, R1 read by
cherenkit and written to a temporary file) are integrated by each of the four
extractors. cherenkit runs batch-first (all 30 telescope events in one call) and,
for reference, one telescope event per call; ctapipe runs one telescope event per
call (its only mode), in the peers' environment (``benchmarks/.venv-peers``, see
README.md), with its subarray read from the same file. Times are medians of
repeated runs after a warm-up call, reported per telescope event; the results are
compared element by element.

numba compilation is timed separately: the first call of each extractor in a fresh
process with ``CHERENKIT_DISABLE_NUMBA_CACHE=1`` (compile) and with the on-disk cache
warm (load), minus the steady-state time of that call, after numba has started (its
import and code generator, paid once per process, reported on its own).

    uv run python benchmarks/bench_extractors.py
"""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

PEERS = Path(__file__).parent / ".venv-peers" / "bin" / "python"
DATA = Path(os.environ.get("CHERENKIT_DATA", Path(__file__).parents[2] / "shared" / "data"))
FILE = DATA / "simtel" / "lst_muons.simtel.zst"
EXTRACTORS = {  # cherenkit name → ctapipe class
    "full-waveform": "FullWaveformSum",
    "local-peak": "LocalPeakWindowSum",
    "neighbor-peak": "NeighborPeakWindowSum",
    "global-peak": "GlobalPeakWindowSum",
}

TIMER = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np

    inputs = np.load(sys.argv[1])
    waveforms, gain = inputs["waveforms"], inputs["gain"]
    n_events = len(waveforms)

    def median_time(func, repeat=15):
        func()  # warm-up: compilation, first touch of memory
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            result = func()
            times.append(time.perf_counter() - start)
        return float(np.median(times)), result

    {setup}
    out = {{}}
    for name, cases in extractors.items():
        out[name] = {{}}
        for mode, func in cases.items():
            seconds, (charge, peak_time) = median_time(func)
            out[name][mode] = {{"us_per_event": seconds / n_events * 1e6}}
            np.save(f"{{sys.argv[2]}}/{{name}}_{{mode}}.npy", np.stack([charge, peak_time]))
    print(json.dumps(out))
    """
)

OURS = """
from cherenkit import registry
from cherenkit.events import EventSource

with EventSource(inputs["path"].item(), focal_length_choice="equivalent") as source:
    camera = source.subarray.tel_descriptions[1].camera

def batch(extractor):
    return lambda: extractor(waveforms, camera=camera, selected_gain_channel=gain)

def per_event(extractor):
    def run():
        results = [
            extractor(w[np.newaxis], camera=camera, selected_gain_channel=g[np.newaxis])
            for w, g in zip(waveforms, gain)
        ]
        return np.concatenate([r[0] for r in results]), np.concatenate([r[1] for r in results])
    return run

extractors = {}
for name in json.loads(sys.argv[3]):
    extractor = registry.create("charge-extractor", name)
    extractors[name] = {"batch": batch(extractor), "per_event": per_event(extractor)}
"""

PEER = """
from ctapipe.image import extractor as ctapipe_extractors
from ctapipe.io import SimTelEventSource

with SimTelEventSource(inputs["path"].item(), focal_length_choice="EQUIVALENT") as source:
    subarray = source.subarray
broken = np.zeros((2, waveforms.shape[1]), dtype=bool)

def per_event(extractor):
    def run():
        results = [
            extractor(w[np.newaxis], tel_id=1, selected_gain_channel=g, broken_pixels=broken)
            for w, g in zip(waveforms, gain)
        ]
        return np.stack([r.image for r in results]), np.stack([r.peak_time for r in results])
    return run

extractors = {
    name: {"per_event": per_event(getattr(ctapipe_extractors, cls)(subarray))}
    for name, cls in json.loads(sys.argv[3]).items()
}
"""

COMPILE = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np
    from cherenkit import registry
    from cherenkit.events import EventSource

    inputs = np.load(sys.argv[1])
    waveforms, gain = inputs["waveforms"], inputs["gain"]
    with EventSource(inputs["path"].item(), focal_length_choice="equivalent") as source:
        camera = source.subarray.tel_descriptions[1].camera
    camera.geometry.neighbor_matrix_sparse  # found once per geometry (scipy), not timed
    start = time.perf_counter()
    import numba  # and numba's code generator, started by the first function it runs
    numba.njit(lambda x: x + 1)(1)
    out = {"numba start-up": time.perf_counter() - start}
    for name in json.loads(sys.argv[2]):
        extractor = registry.create("charge-extractor", name)
        times = []
        for _ in range(4):
            start = time.perf_counter()
            extractor(waveforms, camera=camera, selected_gain_channel=gain)
            times.append(time.perf_counter() - start)
        out[name] = times[0] - float(np.median(times[1:]))
    print(json.dumps(out))
    """
)


def write_inputs(path):
    """R1 waveforms and gain channels of every LSTCam event, as cherenkit reads them."""
    import numpy as np

    from cherenkit.events import EventSource

    with EventSource(FILE, focal_length_choice="equivalent") as source:
        events = [event.tel[1] for event in source]
    np.savez(
        path,
        waveforms=np.stack([t.r1_waveform for t in events]),
        gain=np.stack([t.selected_gain_channel for t in events]),
        path=str(FILE),
    )
    return len(events)


def run(python, code, *args, env=None):
    done = subprocess.run(
        [python, "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    if done.returncode:
        sys.exit(f"{python} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    import numpy as np

    if not PEERS.exists():
        sys.exit(f"peer environment missing: {PEERS} (see benchmarks/README.md)")
    if not FILE.exists():
        sys.exit(f"data missing: {FILE} (set CHERENKIT_DATA)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        inputs = tmp / "inputs.npz"
        n_events = write_inputs(inputs)
        (tmp / "ours").mkdir()
        (tmp / "peer").mkdir()
        names = json.dumps(list(EXTRACTORS))
        ours = run(sys.executable, TIMER.format(setup=OURS.strip()), inputs, tmp / "ours", names)
        peer = run(
            str(PEERS),
            TIMER.format(setup=PEER.strip()),
            inputs,
            tmp / "peer",
            json.dumps(EXTRACTORS),
        )
        compile_s = run(
            sys.executable, COMPILE, inputs, names, env={"CHERENKIT_DISABLE_NUMBA_CACHE": "1"}
        )
        load_s = run(sys.executable, COMPILE, inputs, names)
        print(
            f"LSTCam, {n_events} telescope events of lst_muons (1855 pixels x 30 samples); "
            "us per telescope event, median"
        )
        print(
            f"{'extractor':14s} {'batch':>9s} {'per event':>10s} {'ctapipe':>9s} "
            f"{'ratio':>6s} {'ratio/ev':>8s} {'max |d charge|':>15s} {'max |d time|':>13s} "
            f"{'compile':>8s} {'cached':>7s}"
        )
        for name in EXTRACTORS:
            ours_batch = ours[name]["batch"]["us_per_event"]
            ours_event = ours[name]["per_event"]["us_per_event"]
            theirs = peer[name]["per_event"]["us_per_event"]
            a = np.load(tmp / "ours" / f"{name}_batch.npy")
            b = np.load(tmp / "peer" / f"{name}_per_event.npy")
            d_charge, d_time = np.abs(a - b).reshape(2, -1).max(axis=1)
            print(
                f"{name:14s} {ours_batch:9.1f} {ours_event:10.1f} {theirs:9.1f} "
                f"{theirs / ours_batch:6.1f} {theirs / ours_event:8.1f} {d_charge:15.3g} "
                f"{d_time:13.3g} {compile_s[name]:7.2f}s {load_s[name]:6.3f}s"
            )
        print(
            f"numba start-up (import, code generator; once per process): "
            f"{load_s['numba start-up']:.2f} s"
        )
        print(
            "ratio = ctapipe / cherenkit batch, ratio/ev = ctapipe / cherenkit per event "
            "(> 1: cherenkit faster); compile = first call without numba cache minus a "
            "steady call, cached = the same with the on-disk cache (after numba start-up)"
        )


if __name__ == "__main__":
    main()
