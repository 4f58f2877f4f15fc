"""Toy simulation: telescope images per second, with and without R1 waveforms.

cherenkit-toysim simulates whole array events (showers, projective images, trigger,
noise, waveforms). It is timed on the LST-like camera (1855 pixels, 40 samples) of
the ``lst4`` layout, image-only (true images and noise, no waveforms) and with
waveforms, after a warm-up run (numba compilation, first touch of memory), on one
core, and on the ``mixed`` layout for reference.

The peer is ctapipe 0.28's ``ToyEventSource`` (random skewed-Gaussian DL1 images,
no shower geometry) on the same camera, plus ``WaveformModel`` for its waveforms,
run in the peers' environment (``benchmarks/.venv-peers``, see README.md). The two
do different amounts of physics, so the ratio is a measure of throughput only.

    uv run python benchmarks/bench_toysim.py [--showers N]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

PEERS = Path(__file__).parent / ".venv-peers" / "bin" / "python"

PEER = """
import json, sys, time
import astropy.units as u
import numpy as np
from astropy.coordinates import EarthLocation
from ctapipe.image.toymodel import WaveformModel
from ctapipe.instrument import (
    CameraDescription, CameraGeometry, CameraReadout, OpticsDescription, PixelShape,
    SubarrayDescription, TelescopeDescription,
)
from ctapipe.io.toymodel import ToyEventSource

camera = np.load(sys.argv[1])
n_events = {False: int(sys.argv[2]), True: int(sys.argv[3])}
geometry = CameraGeometry(
    "ToyLSTCam", np.arange(len(camera["x"])), camera["x"] * u.m, camera["y"] * u.m,
    camera["area"] * u.m**2, PixelShape.HEXAGON,
)
readout = CameraReadout(
    "ToyLSTCam", 1.0 * u.GHz, camera["pulse"][np.newaxis], 0.1 * u.ns, 1, len(camera["x"]), 40
)
optics = OpticsDescription("LST", "LST", 1, 28 * u.m, 28 * u.m, 386 * u.m**2, 198, "PARABOLIC")
tel = TelescopeDescription("LST", optics, CameraDescription("ToyLSTCam", geometry, readout))
subarray = SubarrayDescription(
    "lst4",
    {i: u.Quantity([60.0 * (-1) ** i, 60.0 * (-1) ** (i // 2), 0.0], u.m) for i in range(1, 5)},
    {i: tel for i in range(1, 5)},
    EarthLocation.from_geodetic(-17.892 * u.deg, 28.7615 * u.deg, 2200 * u.m),
)
model = WaveformModel.from_camera_readout(readout)
rng = np.random.default_rng(0)
out = {}
for waveforms in (False, True):
    source = ToyEventSource(subarray=subarray, max_events=n_events[waveforms], seed=1)
    start = time.perf_counter()
    images = 0
    for event in source:
        for dl1 in event.dl1.tel.values():
            images += 1
            if waveforms:
                times = rng.uniform(10, 30, len(dl1.image))
                model.get_waveform(dl1.image[np.newaxis], times[np.newaxis], 40)
    out[str(waveforms)] = images / (time.perf_counter() - start)
print(json.dumps(out))
"""


def ours(layout: str, n_showers: int, waveforms: bool, batch: int = 50) -> tuple[float, int]:
    """Images per second of one run (after the caller's warm-up)."""
    from cherenkit.events import EventSource

    source = EventSource(
        source="toy", n_events=n_showers, seed=2, layout=layout, waveforms=waveforms
    )
    start = time.perf_counter()
    images = 0
    for events in source.iter_batches(batch):
        images += sum(len(t) for t in events.telescopes.values())
    return images / (time.perf_counter() - start), images


def peer(n_events: int, n_events_waveforms: int) -> dict | None:
    """ctapipe's toy source in the peers' environment, or None when it is missing."""
    if not PEERS.exists():
        return None
    import numpy as np

    from cherenkit_toysim.cameras import camera_model, toy_telescope

    camera = camera_model(toy_telescope("LST"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "camera.npz"
        np.savez(
            path, x=camera.pix_x_m, y=camera.pix_y_m, area=camera.pix_area_m2, pulse=camera.pulse
        )
        command = [str(PEERS), "-c", PEER, str(path), str(n_events), str(n_events_waveforms)]
        done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        print(f"(ctapipe run failed: {done.stderr.strip().splitlines()[-1]})")
        return None
    return json.loads(done.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--showers", type=int, default=60_000, help="showers per timed run")
    args = parser.parse_args()

    import numpy as np

    # warm-up: compile (or load) the kernels and touch memory the runs will reuse
    for waveforms in (False, True):
        ours("lst4", 3000, waveforms)
    ballast = np.ones(500_000_000, np.uint8)
    del ballast

    print(f"cherenkit-toysim, {args.showers} showers per run, batches of 50 events, one core")
    print(f"{'layout':8s} {'waveforms':>9s} {'images':>8s} {'images/s':>10s}")
    results = {}
    for layout in ("lst4", "mixed"):
        for waveforms in (False, True):
            rate, images = ours(layout, args.showers, waveforms)
            results[layout, waveforms] = rate
            print(f"{layout:8s} {waveforms!s:>9s} {images:8d} {rate:10.0f}")

    peers = peer(1000, 30)  # ctapipe's WaveformModel takes ~0.1 s per image
    if peers is not None:
        print("\nLST camera, 1855 pixels, 40 samples    cherenkit   ctapipe 0.28   ratio")
        for waveforms in (False, True):
            a, b = results["lst4", waveforms], peers[str(waveforms)]
            label = "with waveforms" if waveforms else "images only"
            print(f"  {label:36s} {a:9.0f}   {b:12.0f}   {a / b:5.1f}")
    else:
        print(f"\n(no peer environment at {PEERS}: see benchmarks/README.md)")


if __name__ == "__main__":
    sys.exit(main())
