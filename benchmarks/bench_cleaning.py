"""Image cleaning: cherenkit-cleaning against ctapipe 0.28 on the same LSTCam images.

The 20 toy LSTCam images of ``reference/ctapipe/toy_images.npz`` (1855 pixels, NSB
from 0 to 5 p.e., the images ctapipe's own timings were taken on) are cleaned with
ctapipe's image-processor settings (tailcuts 10/5 with two picture neighbours) and,
for the other methods, with the defaults of the cherenkit classes. cherenkit runs

* per image: the per-image function called once per image (``tailcuts_clean``), as
  ctapipe users write it, and
* in batch: the ``*_batch`` function on 2000 images (the 20, repeated) in one call,

and ctapipe runs its per-image function (its only mode) in the peers' environment
(``benchmarks/.venv-peers``, see README.md). Both build the camera geometry from the
same pixel arrays. Times are medians over repeated runs after a warm-up, reported
in µs per image; the masks of the 20 images are compared bit for bit.

numba compilation is timed separately: the first batch call in a fresh process with
``CHERENKIT_DISABLE_NUMBA_CACHE=1`` (compile) and with the on-disk cache warm (load),
minus a steady-state call; importing numba with the kernel module is timed on its own.

    uv run python benchmarks/bench_cleaning.py
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
REFERENCE = DATA.parent / "reference" / "ctapipe" / "toy_images.npz"
N_BATCH = 2000

# method → (ctapipe function, cherenkit function, keyword arguments, needs times)
METHODS = {
    "tailcuts": (
        "tailcuts_clean",
        "tailcuts_clean",
        {"picture_thresh": 10, "boundary_thresh": 5, "min_number_picture_neighbors": 2},
        False,
    ),
    "mars": (
        "mars_cleaning_1st_pass",
        "mars_image_cleaning",
        {"picture_thresh": 10, "boundary_thresh": 5, "min_number_picture_neighbors": 2},
        False,
    ),
    "fact": (
        "fact_image_cleaning",
        "fact_image_cleaning",
        {"picture_threshold": 10, "boundary_threshold": 5, "min_number_neighbors": 2},
        True,
    ),
    "time-constrained": (
        "time_constrained_clean",
        "time_constrained_clean",
        {"picture_thresh": 10, "boundary_thresh": 5, "min_number_picture_neighbors": 2},
        True,
    ),
}

TIMER = textwrap.dedent(
    """
    import hashlib, json, sys, time
    import astropy.units as u
    import numpy as np
    {imports}

    inputs = np.load(sys.argv[1])
    methods = json.loads(sys.argv[2])
    images, times = inputs["image"], inputs["peak_time"]
    n_batch = int(sys.argv[3])
    tile = n_batch // len(images)
    batch_images, batch_times = np.tile(images, (tile, 1)), np.tile(times, (tile, 1))
    geometry = CameraGeometry(
        name="LSTCam",
        pix_id=inputs["pix_id"],
        pix_x=inputs["pix_x"] * u.m,
        pix_y=inputs["pix_y"] * u.m,
        pix_area=inputs["pix_area"] * u.m**2,
        pix_type="hexagon",
        pix_rotation=float(inputs["pix_rotation"]) * u.deg,
    )
    geometry.neighbor_matrix_sparse  # built once, as in any analysis

    def median_time(func, repeat):
        func()  # warm-up: compilation, lazy geometry properties, first touch of memory
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            result = func()
            runs.append(time.perf_counter() - start)
        return float(np.median(runs)), result

    out = {}
    for name, (peer_name, our_name, kwargs, timed) in methods.items():
        {setup}
        seconds, masks = median_time(per_image, 31)
        out[name] = {
            "per_image_us": seconds / len(images) * 1e6,
            "sha256": hashlib.sha256(np.packbits(np.array(masks))).hexdigest(),
            "n_pixels_kept": int(np.sum(masks)),
        }
        if batch is not None:
            seconds, masks = median_time(batch, 7)
            out[name]["batch_us"] = seconds / len(batch_images) * 1e6
            assert np.array_equal(np.array(masks)[: len(images)], np.array(per_image()))
    print(json.dumps(out))
    """
)

OURS_IMPORTS = """
import cherenkit_cleaning as cleaning
from cherenkit.instrument import CameraGeometry
"""

OURS = """
single = getattr(cleaning, our_name)
many = getattr(cleaning, our_name + "_batch")
if timed:
    def per_image():
        return [single(geometry, i, t, **kwargs) for i, t in zip(images, times)]
    def batch():
        return many(geometry, batch_images, batch_times, **kwargs)
else:
    def per_image():
        return [single(geometry, i, **kwargs) for i in images]
    def batch():
        return many(geometry, batch_images, **kwargs)
"""

PEER_IMPORTS = """
from ctapipe import image as ctapipe_image
from ctapipe.instrument import CameraGeometry
"""

PEER = """
single = getattr(ctapipe_image, peer_name)
if timed:
    def per_image():
        return [single(geometry, i, t, **kwargs) for i, t in zip(images, times)]
else:
    def per_image():
        return [single(geometry, i, **kwargs) for i in images]
batch = None
"""

COMPILE = textwrap.dedent(
    """
    import json, sys, time
    import astropy.units as u
    import numpy as np
    import cherenkit_cleaning as cleaning
    from cherenkit.instrument import CameraGeometry

    inputs = np.load(sys.argv[1])
    methods = json.loads(sys.argv[2])
    images, times = inputs["image"], inputs["peak_time"]
    geometry = CameraGeometry(
        name="LSTCam",
        pix_id=inputs["pix_id"],
        pix_x=inputs["pix_x"] * u.m,
        pix_y=inputs["pix_y"] * u.m,
        pix_area=inputs["pix_area"] * u.m**2,
        pix_type="hexagon",
    )
    geometry.neighbor_matrix_sparse
    start = time.perf_counter()
    from cherenkit_cleaning import _kernels  # imports numba
    out = {"import": time.perf_counter() - start}
    for name, (_, our_name, kwargs, timed) in methods.items():
        many = getattr(cleaning, our_name + "_batch")
        args = (geometry, images, times) if timed else (geometry, images)
        runs = []
        for _ in range(4):
            start = time.perf_counter()
            many(*args, **kwargs)
            runs.append(time.perf_counter() - start)
        out[name] = runs[0] - float(np.median(runs[1:]))
    print(json.dumps(out))
    """
)


def write_inputs(path):
    """The LSTCam toy images, peak times and pixel arrays of the ctapipe reference."""
    import numpy as np

    info = json.loads(REFERENCE.with_suffix(".json").read_text())
    with np.load(REFERENCE) as npz:
        np.savez(
            path,
            image=npz["LSTCam_image"],
            peak_time=npz["LSTCam_peak_time"],
            pix_id=npz["LSTCam_pix_id"],
            pix_x=npz["LSTCam_pix_x_m"],
            pix_y=npz["LSTCam_pix_y_m"],
            pix_area=npz["LSTCam_pix_area_m2"],
            pix_rotation=info["cameras"]["LSTCam"]["geometry"]["pix_rotation_deg"],
        )
        return npz["LSTCam_image"].shape


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


def _timer(imports, setup):
    """The timing script with one library's imports and per-method functions filled in."""
    setup = textwrap.indent(setup.strip(), " " * 4).lstrip()
    return TIMER.replace("{imports}", imports.strip()).replace("{setup}", setup)


def main():
    if not PEERS.exists():
        sys.exit(f"peer environment missing: {PEERS} (see benchmarks/README.md)")
    if not REFERENCE.exists():
        sys.exit(f"reference missing: {REFERENCE} (set CHERENKIT_DATA)")
    with tempfile.TemporaryDirectory() as tmp:
        inputs = Path(tmp) / "inputs.npz"
        n_images, n_pixels = write_inputs(inputs)
        methods = json.dumps(METHODS)
        ours = run(sys.executable, _timer(OURS_IMPORTS, OURS), inputs, methods, N_BATCH)
        peer = run(str(PEERS), _timer(PEER_IMPORTS, PEER), inputs, methods, N_BATCH)
        compile_s = run(
            sys.executable, COMPILE, inputs, methods, env={"CHERENKIT_DISABLE_NUMBA_CACHE": "1"}
        )
        load_s = run(sys.executable, COMPILE, inputs, methods)
    print(
        f"LSTCam, {n_images} toy images ({n_pixels} pixels), batch = {N_BATCH} images in one "
        "call; us per image, median"
    )
    print(
        f"{'method':17s} {'batch':>7s} {'per image':>10s} {'ctapipe':>8s} {'ratio':>6s} "
        f"{'ratio/im':>8s} {'masks':>9s} {'compile':>8s} {'cached':>7s}"
    )
    for name in METHODS:
        a, b = ours[name], peer[name]
        same = "identical" if a["sha256"] == b["sha256"] else "DIFFER"
        batch, single, theirs = a["batch_us"], a["per_image_us"], b["per_image_us"]
        print(
            f"{name:17s} {batch:7.2f} {single:10.2f} {theirs:8.1f} {theirs / batch:6.1f} "
            f"{theirs / single:8.1f} {same:>9s} {compile_s[name]:7.2f}s {load_s[name]:6.3f}s"
        )
    print(
        f"importing the kernels (numba) once per process: {load_s['import']:.2f}s, "
        "not included in compile / cached"
    )
    print(
        "ratio = ctapipe / cherenkit batch, ratio/im = ctapipe / cherenkit per image "
        "(> 1: cherenkit faster); masks: the 20 masks compared bit for bit; compile = first "
        "call without numba cache minus a steady call, cached = the same with the on-disk cache"
    )


if __name__ == "__main__":
    main()
