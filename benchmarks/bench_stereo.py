"""Stereo reconstruction: cherenkit's ``hillas`` / ``hillas-intersection`` against
ctapipe 0.28's ``HillasReconstructor`` / ``HillasIntersection`` on the same inputs.

Inputs: the telescope-frame Hillas parameters of the reference event of
``camsettings_v6`` (19 telescopes, 9 with images, 7 passing ctapipe's quality
query; ``../shared/reference/ctapipe/camsettings_v6.json``), replicated into
``N_EVENTS`` array events with a deterministic jitter of the centroids and axis
angles (so that every event differs), with the subarray of
``../shared/data/simtel/camsettings_v6.simtel.zst`` read by each library's own
event source. Pointing is passed as float64 degrees to both.

Timed, in µs per array event (median of 3 runs, after a warm-up that compiles
numba code):

* ctapipe: ``reconstructor(event)`` on prebuilt ``ArrayEventContainer`` objects
  (container construction not timed; ctapipe also stores impact distances there);
* cherenkit, batch: one call on all ``N_EVENTS`` events (``StereoParameters`` built
  beforehand, not timed);
* cherenkit, one event per call: ``N_EVENTS`` calls with one event each.

Ratios are ctapipe / cherenkit (> 1: cherenkit faster). The script also prints the
largest relative difference of alt, az, core_x, core_y and h_max over all events.

    uv run python benchmarks/bench_stereo.py
"""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

HERE = Path(__file__).parent
PEERS = HERE / ".venv-peers" / "bin" / "python"
SHARED = HERE.parent.parent / "shared"
REFERENCE = SHARED / "reference" / "ctapipe" / "camsettings_v6.json"
SIMTEL = SHARED / "data" / "simtel" / "camsettings_v6.simtel.zst"
N_EVENTS = 400
N_SINGLE = 100  # events timed one call each (cherenkit)
QUANTITIES = ("alt", "az", "core_x", "core_y", "h_max")

COMMON = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np

    inputs = np.load(sys.argv[1])
    simtel = sys.argv[2]
    n_events = int(inputs["n_events"])

    def median_us_per_event(func, n, repeat=3):
        func()  # warm-up
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            func()
            runs.append(time.perf_counter() - start)
        return float(np.median(runs)) / n * 1e6
    """
)

PEER = """
import warnings
import astropy.units as u
from ctapipe.containers import (
    ArrayEventContainer, HillasParametersContainer, ImageParametersContainer,
    LeakageContainer, MorphologyContainer,
)
from ctapipe.io import EventSource
from ctapipe.reco import HillasIntersection, HillasReconstructor

warnings.simplefilter("ignore")
subarray = EventSource(simtel, focal_length_choice="EFFECTIVE").subarray
deg = u.deg

def build(e):
    event = ArrayEventContainer()
    event.monitoring.pointing.array_altitude = inputs["array_alt"][e] * deg
    event.monitoring.pointing.array_azimuth = inputs["array_az"][e] * deg
    rows = np.flatnonzero(inputs["event_index"] == e)
    event.trigger.tels_with_trigger = [int(t) for t in inputs["tel_id"][rows]]
    for r in rows:
        tel_id = int(inputs["tel_id"][r])
        event.monitoring.tel[tel_id].pointing.altitude = inputs["pointing_alt"][r] * deg
        event.monitoring.tel[tel_id].pointing.azimuth = inputs["pointing_az"][r] * deg
        hillas = HillasParametersContainer(
            fov_lon=inputs["hillas_fov_lon"][r] * deg, fov_lat=inputs["hillas_fov_lat"][r] * deg,
            psi=inputs["hillas_psi"][r] * deg, length=inputs["hillas_length"][r] * deg,
            width=inputs["hillas_width"][r] * deg, intensity=inputs["hillas_intensity"][r],
        )
        event.dl1.tel[tel_id].parameters = ImageParametersContainer(
            hillas=hillas,
            morphology=MorphologyContainer(n_pixels=int(inputs["morphology_n_pixels"][r])),
            leakage=LeakageContainer(
                intensity_width_2=inputs["leakage_intensity_width_2"][r]
            ),
        )
    return event

events = [build(e) for e in range(n_events)]
timings, values = {}, {}
for name, cls in (("hillas", HillasReconstructor), ("hillas-intersection", HillasIntersection)):
    reco = cls(subarray)
    def run():
        for event in events:
            reco(event)
    timings[name] = {"ctapipe": median_us_per_event(run, n_events)}
    key = cls.__name__
    height = subarray.reference_location.geodetic.height.to_value(u.m)
    rows = []
    for event in events:
        g = event.dl2.stereo.geometry[key]
        rows.append([
            g.alt.to_value(u.deg), g.az.to_value(u.deg), g.core_x.to_value(u.m),
            g.core_y.to_value(u.m), g.h_max.to_value(u.m) - height,
        ])
    values[name] = rows
print(json.dumps({"timings": timings, "values": values}))
"""

OURS = """
from cherenkit.events import EventSource
from cherenkit.reco import StereoParameters
from cherenkit_stereo import HillasIntersection, HillasReconstructor

subarray = EventSource(simtel).subarray
names = [k for k in inputs.files if k.startswith(("hillas_", "morphology_", "leakage_"))]
def parameters(select=None):
    rows = np.arange(len(inputs["tel_id"])) if select is None else select
    events = inputs["event_index"][rows]
    first = 0 if select is None else int(events[0])
    n = n_events if select is None else 1
    ev = slice(None) if select is None else slice(first, first + 1)
    return StereoParameters(
        n_events=n, event_index=events - first, tel_id=inputs["tel_id"][rows],
        pointing_alt=inputs["pointing_alt"][rows], pointing_az=inputs["pointing_az"][rows],
        array_pointing_alt=inputs["array_alt"][ev], array_pointing_az=inputs["array_az"][ev],
        columns={k: inputs[k][rows] for k in names},
    )

batch = parameters()
n_single = int(inputs["n_single"])
singles = [parameters(np.flatnonzero(inputs["event_index"] == e)) for e in range(n_single)]
timings, values = {}, {}
for name, cls in (("hillas", HillasReconstructor), ("hillas-intersection", HillasIntersection)):
    reco = cls()
    timings[name] = {
        "batch": median_us_per_event(lambda: reco(subarray, batch), n_events),
        "single": median_us_per_event(
            lambda: [reco(subarray, p) for p in singles], n_single
        ),
    }
    result = reco(subarray, batch)
    values[name] = np.column_stack(
        [result[q] for q in ("alt", "az", "core_x", "core_y", "h_max")]
    ).tolist()
print(json.dumps({"timings": timings, "values": values}))
"""


def make_inputs(path):
    """The reference event's parameters, jittered into ``N_EVENTS`` events, as an npz."""
    event = json.loads(REFERENCE.read_text())["events"][0]
    rng = np.random.default_rng(20240917)
    tels = sorted(event["tel"], key=int)
    rows = {
        k: []
        for k in (
            "event_index tel_id pointing_alt pointing_az hillas_fov_lon hillas_fov_lat "
            "hillas_psi hillas_length hillas_width hillas_intensity hillas_is_valid "
            "morphology_n_pixels leakage_intensity_width_2"
        ).split()
    }
    for e in range(N_EVENTS):
        for t in tels:
            info = event["tel"][t]
            p = info["image_parameters"]
            h = p["hillas"]
            rows["event_index"].append(e)
            rows["tel_id"].append(int(t))
            rows["pointing_alt"].append(info["pointing_alt_deg"])
            rows["pointing_az"].append(info["pointing_az_deg"])
            rows["hillas_fov_lon"].append(float(h["fov_lon"]) + rng.normal(0, 0.05))
            rows["hillas_fov_lat"].append(float(h["fov_lat"]) + rng.normal(0, 0.05))
            rows["hillas_psi"].append(float(h["psi"]) + rng.normal(0, 2.0))
            rows["hillas_length"].append(float(h["length"]))
            rows["hillas_width"].append(float(h["width"]))
            rows["hillas_intensity"].append(float(h["intensity"]))
            rows["hillas_is_valid"].append(True)
            rows["morphology_n_pixels"].append(p["morphology"]["n_pixels"])
            rows["leakage_intensity_width_2"].append(float(p["leakage"]["intensity_width_2"]))
    alt = np.full(N_EVENTS, event["array_pointing"]["alt_deg"], dtype=np.float64)
    az = np.full(N_EVENTS, event["array_pointing"]["az_deg"], dtype=np.float64)
    np.savez(
        path,
        n_events=N_EVENTS,
        n_single=N_SINGLE,
        array_alt=alt,
        array_az=az,
        **{k: np.asarray(v) for k, v in rows.items()},
    )


def run(python, setup, inputs):
    code = COMMON + textwrap.dedent(setup)
    done = subprocess.run(
        [python, "-c", code, str(inputs), str(SIMTEL)], capture_output=True, text=True
    )
    if done.returncode:
        sys.exit(f"{python} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def max_relative_difference(ours, peer):
    a, b = np.asarray(ours, dtype=float), np.asarray(peer, dtype=float)
    both_nan = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(both_nan, 0.0, np.abs(a - b) / np.abs(b))
    return {q: float(np.max(rel[:, j])) for j, q in enumerate(QUANTITIES)}


def main():
    for path, what in ((PEERS, "peer environment"), (REFERENCE, "reference"), (SIMTEL, "data")):
        if not path.exists():
            sys.exit(f"{what} missing: {path} (see benchmarks/README.md)")
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "stereo_inputs.npz"
        make_inputs(inputs)
        ours = run(sys.executable, OURS, inputs)
        peer = run(str(PEERS), PEER, inputs)
    print(f"\n{N_EVENTS} array events (camsettings_v6, 7 of 9 telescopes used), µs per event")
    print(
        f"{'reconstructor':22s} {'ctapipe':>10s} {'ck batch':>10s} {'ratio':>7s} "
        f"{'ck 1/call':>10s} {'ratio':>7s}"
    )
    for name in ("hillas", "hillas-intersection"):
        c = peer["timings"][name]["ctapipe"]
        b = ours["timings"][name]["batch"]
        s = ours["timings"][name]["single"]
        print(f"{name:22s} {c:10.1f} {b:10.2f} {c / b:7.0f} {s:10.1f} {c / s:7.1f}")
    for name in ("hillas", "hillas-intersection"):
        diff = max_relative_difference(ours["values"][name], peer["values"][name])
        text = ", ".join(f"{q} {v:.1e}" for q, v in diff.items())
        print(f"  max relative difference to ctapipe, {name}: {text}")


if __name__ == "__main__":
    main()
