"""Image parameters: cherenkit against ctapipe 0.28 on the same toy images.

Inputs are ctapipe's reference toy images (``../shared/reference/ctapipe/toy_images.npz``)
of LSTCam and NectarCam with their peak times; the geometries are built from the
pixel arrays stored there, in both environments. Images whose tailcuts(10, 5, 2)
mask has at least 3 pixels are used, as in ``ctapipe_timings.json``.

Timed, in µs per image (median of 7 runs over all images, after a warm-up call that
compiles numba code and fills lazy geometry caches):

* the single functions as ctapipe users call them (``geometry[mask]`` slicing
  included where users write it, "presliced" where ImageProcessor slices once);
* the per-image chain of the seed notebook: tailcuts, ``geometry[mask]``, Hillas,
  leakage, islands, timing;
* the per-image chain of ctapipe's ``ImageProcessor``: tailcuts, one slice, Hillas,
  timing, leakage, concentration, morphology, intensity and peak-time statistics;
* cherenkit only: the same chain as one call (``image_parameters``), and batch mode
  (``tailcuts_clean_batch`` + ``image_parameters_batch`` over 1000 images).

Ratios are ctapipe / cherenkit (> 1: cherenkit faster). The numba compile time
(cache disabled) and the cached first call are measured in fresh processes. The last
column repeats ctapipe's timings from ``ctapipe_timings.json`` (another machine).

    uv run python benchmarks/bench_image_parameters.py
"""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

HERE = Path(__file__).parent
PEERS = HERE / ".venv-peers" / "bin" / "python"
REFERENCE = HERE.parent.parent / "shared" / "reference" / "ctapipe"
CAMERAS = ("LSTCam", "NectarCam")
BATCH_SIZE = 1000

COMMON = textwrap.dedent(
    """
    import json, sys, time
    import astropy.units as u
    import numpy as np

    reference = sys.argv[1]
    camera = sys.argv[2]
    npz = np.load(reference + "/toy_images.npz")
    info = json.load(open(reference + "/toy_images.json"))["cameras"][camera]["geometry"]
    images = npz[camera + "_image"]
    times = npz[camera + "_peak_time"]
    reference_masks = npz[camera + "_tailcuts_masks"][:, 0]
    use = [i for i in range(len(images)) if reference_masks[i].sum() >= 3]
    TAILCUTS = dict(picture_thresh=10, boundary_thresh=5, min_number_picture_neighbors=2)

    {setup}

    def median_per_image(func, repeat=7):
        func()  # warm-up
        runs = []
        for _ in range(repeat):
            start = time.perf_counter()
            func()
            runs.append(time.perf_counter() - start)
        return float(np.median(runs)) / n_images[func] * 1e6

    results = {{name: median_per_image(func) for name, func in cases.items()}}
    print(json.dumps({{"us_per_image": results, "values": values()}}))
    """
)

# the per-image calls, identical in both environments (the imports differ)
CALLS = """
masks = [tailcuts_clean(geometry, images[i], **TAILCUTS) for i in use]
sliced = [geometry[m] for m in masks]
hillas = [hillas_parameters(g, images[i][m]) for g, i, m in zip(sliced, use, masks)]

def loop(body):
    def run():
        for k, i in enumerate(use):
            body(k, i, masks[k])
    n_images[run] = len(use)
    return run

def seed_chain(k, i, m):
    # the seed notebook / issue 4: clean, Hillas (slicing included), leakage, islands, timing
    mask = tailcuts_clean(geometry, images[i], **TAILCUTS)
    g, image = geometry[mask], images[i][mask]
    h = hillas_parameters(g, image)
    leakage_parameters(geometry, images[i], mask)
    number_of_islands(geometry, mask)
    timing_parameters(g, image, times[i][mask], h)

def chain(k, i, m):
    # ctapipe ImageProcessor._parameterize_image after cleaning
    mask = tailcuts_clean(geometry, images[i], **TAILCUTS)
    g, image = geometry[mask], images[i][mask]
    h = hillas_parameters(g, image)
    leakage_parameters(geometry, images[i], mask)
    concentration_parameters(g, image, h)
    morphology_parameters(geometry, mask)
    descriptive_statistics(image, container_class=IntensityStatisticsContainer)
    timing_parameters(g, image, times[i][mask], h)
    descriptive_statistics(times[i][mask], container_class=PeakTimeStatisticsContainer)

n_images = {}
cases = {
    "tailcuts_clean": loop(lambda k, i, m: tailcuts_clean(geometry, images[i], **TAILCUTS)),
    "geometry[mask]": loop(lambda k, i, m: geometry[m]),
    "hillas_parameters(geometry[mask], ...)": loop(
        lambda k, i, m: hillas_parameters(geometry[m], images[i][m])
    ),
    "hillas_parameters, presliced": loop(
        lambda k, i, m: hillas_parameters(sliced[k], images[i][m])
    ),
    "timing_parameters, presliced": loop(
        lambda k, i, m: timing_parameters(sliced[k], images[i][m], times[i][m], hillas[k])
    ),
    "leakage_parameters": loop(lambda k, i, m: leakage_parameters(geometry, images[i], m)),
    "concentration_parameters, presliced": loop(
        lambda k, i, m: concentration_parameters(sliced[k], images[i][m], hillas[k])
    ),
    "number_of_islands": loop(lambda k, i, m: number_of_islands(geometry, m)),
    "morphology_parameters": loop(lambda k, i, m: morphology_parameters(geometry, m)),
    "descriptive_statistics": loop(lambda k, i, m: descriptive_statistics(images[i][m])),
    "chain: clean, Hillas, leakage, islands, timing": loop(seed_chain),
    "chain of ImageProcessor (+ concentration, statistics)": loop(chain),
}

def values():
    out = []
    for k, i in enumerate(use):
        h = hillas[k]
        t = timing_parameters(sliced[k], images[i][masks[k]], times[i][masks[k]], h)
        c = concentration_parameters(sliced[k], images[i][masks[k]], h)
        out.append([
            h.intensity, h.length.to_value(u.m), h.width.to_value(u.m),
            h.psi.to_value(u.rad), h.psi_uncertainty.to_value(u.rad), h.skewness,
            leakage_parameters(geometry, images[i], masks[k]).intensity_width_2,
            c.cog, c.core, morphology_parameters(geometry, masks[k]).n_islands,
            t.slope.to_value(u.m**-1), int(masks[k].sum()),
        ])
    return out
"""

PEER = (
    """
from ctapipe.image import (
    concentration_parameters, descriptive_statistics, hillas_parameters,
    leakage_parameters, morphology_parameters, number_of_islands, tailcuts_clean,
    timing_parameters,
)
from ctapipe.containers import IntensityStatisticsContainer, PeakTimeStatisticsContainer
from ctapipe.instrument import CameraGeometry, PixelShape

geometry = CameraGeometry(
    camera, npz[camera + "_pix_id"], npz[camera + "_pix_x_m"] * u.m,
    npz[camera + "_pix_y_m"] * u.m, npz[camera + "_pix_area_m2"] * u.m**2,
    PixelShape(info["pix_type_value"]), pix_rotation=info["pix_rotation_deg"] * u.deg,
    cam_rotation=info["cam_rotation_deg"] * u.deg,
)
"""
    + CALLS
)

OURS = (
    """
from cherenkit.image import (
    IntensityStatisticsContainer, PeakTimeStatisticsContainer, concentration_parameters,
    descriptive_statistics, hillas_parameters, image_parameters, image_parameters_batch,
    leakage_parameters, morphology_parameters, number_of_islands, timing_parameters,
)
from cherenkit.instrument import CameraGeometry
from cherenkit_cleaning import tailcuts_clean, tailcuts_clean_batch

geometry = CameraGeometry(
    name=camera, pix_id=npz[camera + "_pix_id"], pix_x=npz[camera + "_pix_x_m"] * u.m,
    pix_y=npz[camera + "_pix_y_m"] * u.m, pix_area=npz[camera + "_pix_area_m2"] * u.m**2,
    pix_type=info["pix_type"], pix_rotation=info["pix_rotation_deg"] * u.deg,
    cam_rotation=info["cam_rotation_deg"] * u.deg,
)
"""
    + CALLS
    + f"""
def one_call(k, i, m):
    mask = tailcuts_clean(geometry, images[i], **TAILCUTS)
    image_parameters(geometry, images[i], mask, times[i])

batch_images = np.resize(images[use], ({BATCH_SIZE}, geometry.n_pixels))
batch_times = np.resize(times[use], ({BATCH_SIZE}, geometry.n_pixels))
batch_masks = tailcuts_clean_batch(geometry, batch_images, **TAILCUTS)

def batch():
    masks = tailcuts_clean_batch(geometry, batch_images, **TAILCUTS)
    image_parameters_batch(geometry, batch_images, masks, batch_times)

def batch_parameters_only():
    image_parameters_batch(geometry, batch_images, batch_masks, batch_times)

cases["image_parameters (one call per image)"] = loop(one_call)
cases["batch: tailcuts + all parameters"] = batch
cases["batch: all parameters"] = batch_parameters_only
n_images[batch] = n_images[batch_parameters_only] = {BATCH_SIZE}
"""
)

COMPILE = """
import os, sys, time
t0 = time.perf_counter()
import astropy.units as u
import numpy as np
from cherenkit.image import (
    concentration_parameters, descriptive_statistics, hillas_parameters, image_parameters_batch,
    morphology_parameters, timing_parameters,
)
from cherenkit.instrument import CameraGeometry
geometry = CameraGeometry.make_rectangular(n_x=10, n_y=10)
image = np.zeros(100); image[[44, 45, 46, 54, 55]] = [5.0, 9.0, 4.0, 7.0, 3.0]
mask = image > 0
times = np.linspace(0.0, 10.0, 100)
geometry.neighbor_matrix_sparse; geometry.get_border_pixel_mask(2)
t1 = time.perf_counter()
image_parameters_batch(geometry, image, mask, times)
t2 = time.perf_counter()
h = hillas_parameters(geometry, image, cleaning_mask=mask)
timing_parameters(geometry, image, times, h, cleaning_mask=mask)
concentration_parameters(geometry, image, h, cleaning_mask=mask)
morphology_parameters(geometry, mask)
descriptive_statistics(image[mask])
t3 = time.perf_counter()
image_parameters_batch(geometry, image, mask, times)
t4 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3)
"""


def run(python, setup, camera, env=None):
    code = COMMON.format(setup=textwrap.indent(setup.strip(), ""))
    done = subprocess.run(
        [python, "-c", code, str(REFERENCE), camera],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode:
        sys.exit(f"{python} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def compile_times():
    """Seconds: (import, all-parameters kernel, per-image kernels, warm call), two ways."""
    out = {}
    for label, disable in (("compile (cache disabled)", "1"), ("first call (numba cache)", "")):
        env = dict(os.environ, CHERENKIT_DISABLE_NUMBA_CACHE=disable)
        if not disable:
            env.pop("CHERENKIT_DISABLE_NUMBA_CACHE")
            subprocess.run(
                [sys.executable, "-c", COMPILE], env=env, check=True, capture_output=True
            )
        done = subprocess.run(
            [sys.executable, "-c", COMPILE], env=env, check=True, capture_output=True, text=True
        )
        out[label] = [float(v) for v in done.stdout.split()]
    return out


def agreement(ours, peer):
    """Per column: how many images agree to 1e-6 (timing: see tests/core/image/test_timing.py)."""
    names = (
        "intensity length width psi psi_unc skewness leak_i2 conc_cog conc_core "
        "n_islands timing_slope n_pixels"
    ).split()
    a, b = (ours["values"], peer["values"])
    counts = {}
    for j, name in enumerate(names):
        ok = 0
        for row_a, row_b in zip(a, b, strict=True):
            x, y = row_a[j], row_b[j]
            ok += (x != x and y != y) or abs(x - y) <= 1e-6 * abs(y) + 1e-12
        counts[name] = ok
    return counts, len(a)


def _row(name, ours, peer, ratio, file):
    return f"{name:44s} {ours:>10s} {peer:>10s} {ratio:>7s} {file:>13s}"


def main():
    if not PEERS.exists():
        sys.exit(f"peer environment missing: {PEERS} (see benchmarks/README.md)")
    if not REFERENCE.exists():
        sys.exit(f"reference data missing: {REFERENCE}")
    file_timings = json.loads((REFERENCE / "ctapipe_timings.json").read_text())["medians_us"]
    file_names = {
        "tailcuts_clean": "tailcuts_clean",
        "geometry[mask]": "geom_slice_only",
        "hillas_parameters(geometry[mask], ...)": "hillas_parameters",
        "hillas_parameters, presliced": "hillas_parameters_presliced_geom",
        "timing_parameters, presliced": "timing_parameters",
        "leakage_parameters": "leakage_parameters",
        "number_of_islands": "number_of_islands",
    }
    for camera in CAMERAS:
        ours = run(sys.executable, OURS, camera)
        peer = run(str(PEERS), PEER, camera)
        counts, n = agreement(ours, peer)
        print(f"\n{camera}: {n} images, µs per image (ratio = ctapipe / cherenkit)")
        print(_row("call", "cherenkit", "ctapipe", "ratio", "ctapipe file"))
        for name, ours_us in ours["us_per_image"].items():
            peer_us = peer["us_per_image"].get(name)
            file_us = file_timings.get(file_names.get(name)) if camera == "LSTCam" else None
            print(
                _row(
                    name,
                    f"{ours_us:.1f}",
                    f"{peer_us:.1f}" if peer_us else "-",
                    f"{peer_us / ours_us:.1f}" if peer_us else "-",
                    f"{file_us:.1f}" if file_us else "",
                )
            )
        chain = peer["us_per_image"]["chain of ImageProcessor (+ concentration, statistics)"]
        for name in ("image_parameters (one call per image)", "batch: tailcuts + all parameters"):
            print(f"  ctapipe per-image chain / {name}: {chain / ours['us_per_image'][name]:.0f}x")
        print("  agreement with ctapipe (images within 1e-6):", counts)
    print(
        "\nnumba, fresh processes (s): import+geometry, all-parameters kernel, "
        "per-image kernels, warm call"
    )
    for label, values in compile_times().items():
        print(f"  {label:26s} " + " ".join(f"{v:7.3f}" for v in values))


if __name__ == "__main__":
    main()
