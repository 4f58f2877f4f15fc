"""Full event processing: cherenkit against ctapipe 0.28, in events per second.

Three measurements, each printed as a table (ratio = ctapipe / cherenkit, > 1 means
cherenkit is faster or leaner):

1. **sim_telarray files, R0/R1 → DL2** (``../shared/data/simtel``, the files that
   have events). cherenkit: ``cherenkit process FILE -o OUT --no-progress`` (defaults:
   neighbor-peak extraction, tailcuts 10/5/2, telescope-frame parameters, ``hillas``).
   ctapipe: ``ctapipe-process --input FILE --output OUT --write-parameters
   --write-showers --reconstructor HillasReconstructor --overwrite --no-progress``
   (``--write-showers`` is what turns its ShowerProcessor on). ``lst_muons`` has no
   effective focal length, so both tools are told to use the equivalent one.

   * *wall per file*: one fresh command per file, start-up (interpreter, imports,
     instrument) included; numba caches were filled by an untimed run first.
     Peak RSS of that process from ``os.wait4``.
   * *steady state per event*: in one Python process per tool, after an untimed
     warm-up run on the file: cherenkit ``process_files([FILE] * K)`` (one call,
     K copies) and ctapipe ``ProcessorTool`` run K times through
     ``ctapipe.core.run_tool`` (one copy each); the time of those K copies divided
     by K × events per file. Both therefore include the per-file work (opening the
     file, reading the instrument, writing the output) but no start-up.
   * *processes executor*: ``cherenkit process`` on 4 copies, serial and with
     ``--executor processes --workers 2`` (fresh commands, start-up included; the
     toy source of part 2 is one job without files, so it cannot be spread).

2. **The same DL1 images, DL1 → DL2** (ImageProcessor + ShowerProcessor). Toy
   events (``EventSource(source="toy", layout="mixed")``, ``--events`` showers, of
   which the triggered ones are kept) are calibrated once with cherenkit's
   ``CameraCalibrator``; images, peak times and the instrument (pixels, neighbours,
   focal lengths, telescope positions, pointing) go to an .npz. cherenkit runs
   `cherenkit.processing.process_batch` on them (calibration replaced by a lookup
   of the stored images) in batches of ``--batch-size`` array events; ctapipe runs
   ``ImageProcessor`` + ``ShowerProcessor(reconstructor_types=["HillasReconstructor"])``
   on ``ArrayEventContainer`` objects filled beforehand with the same images, on a
   ``SubarrayDescription`` rebuilt from the .npz. Timed: median of ``--repeat``
   passes over all events after a warm-up pass over a few; single process.
   Agreement: identical cleaning masks (all telescope events) and the angle
   between the two reconstructed directions, event by event.

3. **Memory**: peak RSS of ``cherenkit process`` (fresh process, ``os.wait4``) on
   1 and 4 copies of each file, and on ``--events`` and 4 × ``--events`` toy showers.

    uv run python benchmarks/bench_process.py            # a few minutes
    uv run python benchmarks/bench_process.py --events 500 --copies 2 --repeat 1
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
PEERS = HERE / ".venv-peers" / "bin" / "python"
SIMTEL = HERE.parent.parent / "shared" / "data" / "simtel"
CHERENKIT = Path(sys.executable).parent / "cherenkit"
CTAPIPE_PROCESS = PEERS.parent / "ctapipe-process"
# file: focal length both tools must use (the reference's focal_length_choice)
FILES = {
    "camsettings_v6.simtel.zst": "effective",
    "gamma_prod6_tel_event_header_v4.simtel.zst": "effective",
    "lst_muons.simtel.zst": "equivalent",
    "gct_checs_muons.simtel.zst": "effective",
}
EQUIVALENT_TOML = """
[process]
source = { name = "simtel", focal_length_choice = "equivalent" }
[process.reconstructor]
name = "hillas"
focal_length_choice = "equivalent"
"""
CTAPIPE_ARGS = [
    "--write-parameters",
    "--write-showers",
    "--reconstructor=HillasReconstructor",
    "--overwrite",
    "--no-progress",
]
CTAPIPE_EQUIVALENT = ["--SimTelEventSource.focal_length_choice=EQUIVALENT"]

# --- helpers -----------------------------------------------------------------------------


def fresh_process(argv, *, check=True):
    """Run ``argv`` in a fresh process: wall s, CPU s (with children), peak RSS MiB, stderr."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        # outside the repository: ctapipe writes a provenance log into the working folder
        proc = subprocess.Popen(argv, stdout=out, stderr=err, text=True, cwd=tempfile.gettempdir())
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read()
    if check and proc.returncode:
        sys.exit(f"{' '.join(map(str, argv))} failed ({proc.returncode}):\n{stderr[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return {"wall": wall, "cpu": cpu, "rss_mib": usage.ru_maxrss / 1024, "stderr": stderr}


def run_json(python, code, *args):
    done = subprocess.run(
        [str(python), "-c", code, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    if done.returncode:
        sys.exit(f"{python} failed:\n{done.stderr[-5000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cherenkit_argv(inputs, output, config=None, extra=()):
    argv = [str(CHERENKIT), "process", *map(str, inputs), "-o", str(output), "--no-progress"]
    argv += ["--overwrite", *extra]
    return argv + (["-c", str(config)] if config else [])


def ctapipe_argv(path, output, choice):
    argv = [str(CTAPIPE_PROCESS), f"--input={path}", f"--output={output}", *CTAPIPE_ARGS]
    return argv + (CTAPIPE_EQUIVALENT if choice == "equivalent" else [])


def ratio(peer, ours):
    return f"{peer / ours:.1f}" if ours and peer and np.isfinite(peer / ours) else "-"


def table(title, rows, headers=("cherenkit", "ctapipe", "ratio")):
    print(f"\n{title}")
    print(f"{'what':58s} {headers[0]:>11s} {headers[1]:>11s} {headers[2]:>7s}")
    for what, ours, peer, r in rows:
        print(f"{what:58s} {ours:>11s} {peer:>11s} {r:>7s}")


# --- 1. sim_telarray files --------------------------------------------------------------

OURS_STEADY = """
import json, sys, time
from cherenkit.config import Config
from cherenkit.io.hdf5 import read_table
from cherenkit.processing import process_files

jobs, folder = json.loads(sys.argv[1]), sys.argv[2]
results = {}
for name, (path, config_path, copies) in jobs.items():
    config = Config.from_toml(config_path) if config_path else Config()
    process_files([path], f"{folder}/warm.h5", config, overwrite=True)  # warm-up
    wall, cpu = time.perf_counter(), time.process_time()
    summary = process_files([path] * copies, f"{folder}/steady.h5", config, overwrite=True)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    geometry = read_table(f"{folder}/warm.h5", "dl2/event/subarray/geometry/hillas")
    results[name] = {
        "wall": wall, "cpu": cpu, "n_events": summary.n_events // copies,
        "n_telescope_events": sum(f.n_telescope_events for f in summary.files) // copies,
        "alt": geometry["alt"].to_value("deg").tolist(),
        "az": geometry["az"].to_value("deg").tolist(),
        "is_valid": geometry["is_valid"].tolist(),
    }
print(json.dumps(results))
"""

PEER_STEADY = """
import json, logging, sys, time, warnings
warnings.simplefilter("ignore")
import astropy.units as u
from ctapipe.core import run_tool
from ctapipe.io import read_table
from ctapipe.tools.process import ProcessorTool

jobs, common, equivalent = (json.loads(sys.argv[i]) for i in (1, 3, 4))
folder = sys.argv[2]
results = {}
for name, (path, choice, copies) in jobs.items():
    argv = [f"--input={path}", f"--output={folder}/ctapipe.h5", *common]
    argv += equivalent if choice == "equivalent" else []
    run_tool(ProcessorTool(), argv=argv, raises=True)  # warm-up
    logging.disable(logging.WARNING)  # the "Overwriting" warning of every run
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(copies):
        run_tool(ProcessorTool(), argv=argv, raises=True)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    logging.disable(logging.NOTSET)
    trigger = read_table(f"{folder}/ctapipe.h5", "/dl1/event/subarray/trigger")
    geometry = read_table(
        f"{folder}/ctapipe.h5", "/dl2/event/subarray/geometry/HillasReconstructor"
    )
    results[name] = {
        "wall": wall, "cpu": cpu, "n_events": len(trigger),
        "alt": u.Quantity(geometry["HillasReconstructor_alt"]).to_value(u.deg).tolist(),
        "az": u.Quantity(geometry["HillasReconstructor_az"]).to_value(u.deg).tolist(),
        "is_valid": geometry["HillasReconstructor_is_valid"].tolist(),
    }
print(json.dumps(results))
"""


def separation_deg(alt1, az1, alt2, az2):
    """Angle (deg) between directions given in deg (haversine: exact for tiny angles)."""
    a1, z1, a2, z2 = (np.radians(np.asarray(v, dtype=float)) for v in (alt1, az1, alt2, az2))
    h = np.sin((a2 - a1) / 2) ** 2 + np.cos(a1) * np.cos(a2) * np.sin((z2 - z1) / 2) ** 2
    return np.degrees(2 * np.arcsin(np.sqrt(np.clip(h, 0, 1))))


def direction_difference(ours, peer):
    """(n valid in both, median, max angle deg) between two results (same event order)."""
    if len(ours["alt"]) != len(peer["alt"]):
        return -1, float("nan"), float("nan")
    both = np.asarray(ours["is_valid"], bool) & np.asarray(peer["is_valid"], bool)
    if not both.any():
        return 0, float("nan"), float("nan")
    sep = separation_deg(
        np.asarray(ours["alt"])[both],
        np.asarray(ours["az"])[both],
        np.asarray(peer["alt"])[both],
        np.asarray(peer["az"])[both],
    )
    return int(both.sum()), float(np.median(sep)), float(np.max(sep))


def bench_simtel(folder, copies):
    folder = Path(folder)
    eq_config = folder / "equivalent.toml"
    eq_config.write_text(EQUIVALENT_TOML)
    files = {name: SIMTEL / name for name in FILES if (SIMTEL / name).exists()}
    if not files:
        print(f"\nno sim_telarray files in {SIMTEL}: part 1 skipped")
        return {}
    configs = {n: eq_config if FILES[n] == "equivalent" else None for n in files}
    # untimed: fill the numba caches of both tools
    first = next(iter(files))
    fresh_process(cherenkit_argv([files[first]], folder / "w.h5", configs[first]))
    fresh_process(ctapipe_argv(files[first], folder / "w_ct.h5", FILES[first]))

    cold, cold_peer, memory, parallel = {}, {}, {}, {}
    for name, path in files.items():
        cold[name] = fresh_process(cherenkit_argv([path], folder / "c.h5", configs[name]))
        cold_peer[name] = fresh_process(ctapipe_argv(path, folder / "c_ct.h5", FILES[name]))
        four = [path] * 4
        memory[name] = fresh_process(cherenkit_argv(four, folder / "m.h5", configs[name]))
        parallel[name] = fresh_process(
            cherenkit_argv(
                four, folder / "p.h5", configs[name], ("--executor", "processes", "--workers", "2")
            )
        )
    jobs = {n: [str(p), str(configs[n]) if configs[n] else None, copies] for n, p in files.items()}
    ours = run_json(sys.executable, OURS_STEADY, json.dumps(jobs), folder)
    peer_jobs = {n: [str(p), FILES[n], copies] for n, p in files.items()}
    peer = run_json(
        PEERS,
        PEER_STEADY,
        json.dumps(peer_jobs),
        folder,
        json.dumps(CTAPIPE_ARGS),
        json.dumps(CTAPIPE_EQUIVALENT),
    )

    rows = []
    for name in files:
        short = name.split(".")[0]
        n, n_tel = ours[name]["n_events"], ours[name]["n_telescope_events"]
        o_ms = 1e3 * ours[name]["wall"] / (copies * n)
        p_ms = 1e3 * peer[name]["wall"] / (copies * n)
        o_cpu = 1e3 * ours[name]["cpu"] / (copies * n)
        p_cpu = 1e3 * peer[name]["cpu"] / (copies * n)
        n_both, median_sep, _ = direction_difference(ours[name], peer[name])
        rows += [
            (
                f"{short}: events (telescope events)",
                f"{n} ({n_tel})",
                str(peer[name]["n_events"]),
                "",
            ),
            (
                "  wall per file, fresh process (s)",
                f"{cold[name]['wall']:.2f}",
                f"{cold_peer[name]['wall']:.2f}",
                ratio(cold_peer[name]["wall"], cold[name]["wall"]),
            ),
            (
                "  CPU per file, fresh process (s)",
                f"{cold[name]['cpu']:.2f}",
                f"{cold_peer[name]['cpu']:.2f}",
                ratio(cold_peer[name]["cpu"], cold[name]["cpu"]),
            ),
            (
                f"  steady state, ms per event (x{copies} copies, wall)",
                f"{o_ms:.1f}",
                f"{p_ms:.1f}",
                ratio(p_ms, o_ms),
            ),
            (
                "  steady state, ms per event (CPU)",
                f"{o_cpu:.1f}",
                f"{p_cpu:.1f}",
                ratio(p_cpu, o_cpu),
            ),
            (
                "  steady state, events/s",
                f"{1e3 / o_ms:.1f}",
                f"{1e3 / p_ms:.1f}",
                ratio(p_ms, o_ms),
            ),
            (
                "  peak RSS, 1 file (MiB)",
                f"{cold[name]['rss_mib']:.0f}",
                f"{cold_peer[name]['rss_mib']:.0f}",
                ratio(cold_peer[name]["rss_mib"], cold[name]["rss_mib"]),
            ),
            (
                "  direction vs ctapipe: events valid in both, median deg",
                str(n_both),
                f"{median_sep:.1e}",
                "",
            ),
        ]
    table("1. sim_telarray files, R0/R1 -> DL2 (ratio = ctapipe / cherenkit)", rows)
    rows = []
    for name in files:
        n = 4 * ours[name]["n_events"]
        serial, processes = n / memory[name]["wall"], n / parallel[name]["wall"]
        rows.append(
            (
                f"{name.split('.')[0]}, {n} events",
                f"{serial:.1f}",
                f"{processes:.1f}",
                f"{processes / serial:.2f}",
            )
        )
    table(
        "1b. cherenkit process on 4 copies, fresh process (start-up included), events/s",
        rows,
        ("serial", "processes", "speedup"),
    )
    return {name: (cold[name], memory[name], ours[name]["n_events"]) for name in files}


# --- 2. the same DL1 images ----------------------------------------------------------------


def make_dl1(path, n_showers, seed, batch_size):
    """Simulate and calibrate toy events with cherenkit; write images and instrument."""
    from cherenkit.calib import CameraCalibrator
    from cherenkit.events import EventSource

    source = EventSource(source="toy", n_events=n_showers, seed=seed, layout="mixed")
    subarray = source.subarray
    calibrator = CameraCalibrator(subarray, "neighbor-peak")
    descriptions = list(subarray.tel_ids_by_description)
    type_names = [str(d) for d in descriptions]
    out = {"tel_ids": np.asarray(subarray.tel_ids), "n_types": len(descriptions)}
    out["tel_positions_m"] = subarray.positions.to_value("m")
    location = subarray.reference_location
    out["reference_location_m"] = np.array(
        [c.to_value("m") for c in (location.x, location.y, location.z)]
    )
    out["tel_type"] = np.zeros(subarray.n_tels, np.int64)
    for k, (description, tel_ids) in enumerate(subarray.tel_ids_by_description.items()):
        out["tel_type"][subarray.tel_ids_to_indices(tel_ids)] = k
        geometry, optics = description.camera.geometry, description.optics
        matrix = np.asarray(geometry.neighbor_matrix)
        out |= {
            f"type{k}_name": np.array(type_names[k]),
            f"type{k}_camera": np.array(description.camera.name),
            f"type{k}_optics": np.array(optics.name),
            f"type{k}_size_type": np.array(str(optics.size_type)),
            f"type{k}_pix_id": np.asarray(geometry.pix_id),
            f"type{k}_pix_x_m": geometry.pix_x.to_value("m"),
            f"type{k}_pix_y_m": geometry.pix_y.to_value("m"),
            f"type{k}_pix_area_m2": geometry.pix_area.to_value("m2"),
            f"type{k}_pix_type": np.array(str(geometry.pix_type)),
            f"type{k}_pix_rotation_deg": np.array(geometry.pix_rotation.to_value("deg")),
            f"type{k}_cam_rotation_deg": np.array(geometry.cam_rotation.to_value("deg")),
            f"type{k}_neighbor_pairs": np.argwhere(np.triu(matrix, 1)),
            f"type{k}_effective_focal_length_m": np.array(
                optics.focal_length("effective").to_value("m")
            ),
            f"type{k}_equivalent_focal_length_m": np.array(
                optics.focal_length("equivalent").to_value("m")
            ),
            f"type{k}_mirror_area_m2": np.array(optics.mirror_area.to_value("m2")),
        }
    per_type = {k: {key: [] for key in ("image", "peak_time", "tel_id", "event_index")}
                for k in range(len(descriptions))}  # fmt: skip
    events = {key: [] for key in ("obs_id", "event_id", "alt_rad", "az_rad", "true_alt", "true_az")}
    offset = 0
    type_index = {name: k for k, name in enumerate(type_names)}
    for batch in source.iter_batches(batch_size):
        events["obs_id"].append(batch.obs_id)
        events["event_id"].append(batch.event_id)
        events["alt_rad"].append(batch.pointing_alt_rad)
        events["az_rad"].append(batch.pointing_az_rad)
        events["true_alt"].append(batch.shower["alt_rad"])
        events["true_az"].append(batch.shower["az_rad"])
        for tel_type, tel_batch in batch.telescopes.items():
            image, peak_time = calibrator.calibrate_batch(tel_batch)
            part = per_type[type_index[tel_type]]
            part["image"].append(image)
            part["peak_time"].append(peak_time)
            part["tel_id"].append(tel_batch.tel_id)
            part["event_index"].append(tel_batch.event_index + offset)
        offset += batch.n_events
    out |= {f"event_{key}": np.concatenate(values) for key, values in events.items()}
    for k, part in per_type.items():
        for key, values in part.items():
            out[f"type{k}_{key}"] = np.concatenate(values) if values else np.empty(0)
    np.savez(path, **out)
    return offset, sum(len(out[f"type{k}_tel_id"]) for k in per_type)


COMMON_DL1 = """
import json, sys, time, zlib
import numpy as np

npz = dict(np.load(sys.argv[1]))
batch_size, repeat = int(sys.argv[2]), int(sys.argv[3])
n_types = int(npz["n_types"])
n_events = len(npz["event_event_id"])

def timed(func, repeat):
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        func()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return float(np.median(walls)), float(np.median(cpus))

def mask_id(mask):
    return [int(mask.sum()), zlib.crc32(np.packbits(mask).tobytes())]
"""

OURS_DL1 = """
from cherenkit.config import Config
from cherenkit.events import EventBatch, EventSource, TelescopeBatch
from cherenkit.image import ImageProcessor
from cherenkit.processing import process_batch
from cherenkit.reco import ShowerProcessor

source = EventSource(source="toy", n_events=0, layout="mixed")  # the instrument only
subarray = source.subarray
names = [str(npz[f"type{k}_name"]) for k in range(n_types)]
assert [str(d) for d in subarray.tel_ids_by_description] == names

class StoredImages:
    # stands in for the CameraCalibrator: the images of the .npz
    def __init__(self):
        self.images = {}
    def calibrate_batch(self, tel_batch):
        return self.images[id(tel_batch)]

stored = StoredImages()
batches = []
for begin in range(0, n_events, batch_size):
    end = min(begin + batch_size, n_events)
    telescopes, tels_with_trigger = {}, [[] for _ in range(end - begin)]
    for k in range(n_types):
        index = npz[f"type{k}_event_index"]
        rows = np.flatnonzero((index >= begin) & (index < end))
        if not len(rows):
            continue
        event_index = index[rows] - begin
        tel_batch = TelescopeBatch(
            telescope_type=names[k], event_index=event_index,
            obs_id=npz["event_obs_id"][index[rows]], event_id=npz["event_event_id"][index[rows]],
            tel_id=npz[f"type{k}_tel_id"][rows].astype(np.int16),
            pointing_alt_rad=npz["event_alt_rad"][index[rows]],
            pointing_az_rad=npz["event_az_rad"][index[rows]],
        )
        stored.images[id(tel_batch)] = (
            npz[f"type{k}_image"][rows], npz[f"type{k}_peak_time"][rows]
        )
        telescopes[names[k]] = tel_batch
        for i, t in zip(event_index, tel_batch.tel_id):
            tels_with_trigger[i].append(t)
    n = end - begin
    batches.append(EventBatch(
        obs_id=npz["event_obs_id"][begin:end], event_id=npz["event_event_id"][begin:end],
        count=np.arange(begin, end), event_type=np.full(n, "SUBARRAY"),
        pointing_alt_rad=npz["event_alt_rad"][begin:end],
        pointing_az_rad=npz["event_az_rad"][begin:end],
        tels_with_trigger=[np.sort(np.array(t, np.int16)) for t in tels_with_trigger],
        telescopes=telescopes,
    ))

config = Config()
image_processor = ImageProcessor(subarray, "tailcuts", quality=config.process.image_quality)
shower_processor = ShowerProcessor(subarray, "hillas")

def run(selection=batches):
    return [process_batch(b, stored, image_processor, shower_processor) for b in selection]

run(batches[:1])  # warm-up: numba, geometry caches
wall, cpu = timed(run, repeat)

if len(sys.argv) > 4:  # profile once
    import cProfile, pstats
    cProfile.run("run()", sys.argv[4])

results = run()
masks = {k: [] for k in range(n_types)}
alt, az, valid = [], [], []
for (dl1, dl2), batch in zip(results, batches):
    for tel_type, columns in dl1.items():
        masks[names.index(tel_type)] += [mask_id(m) for m in columns["image_mask"]]
    alt += dl2["hillas"]["alt"].tolist()
    az += dl2["hillas"]["az"].tolist()
    valid += dl2["hillas"]["is_valid"].tolist()
# per type, rows in the order of the .npz (batches keep it)
print(json.dumps(
    {"wall": wall, "cpu": cpu, "masks": masks, "alt": alt, "az": az, "is_valid": valid}
))
"""

PEER_DL1 = """
import warnings
warnings.simplefilter("ignore")
import astropy.units as u
from astropy.coordinates import EarthLocation
from scipy.sparse import csr_array
from ctapipe.containers import ArrayEventContainer, DL1CameraContainer
from ctapipe.coordinates import CameraFrame
from ctapipe.image import ImageProcessor
from ctapipe.instrument import (
    CameraDescription, CameraGeometry, CameraReadout, OpticsDescription, PixelShape,
    ReflectorShape, SizeType, SubarrayDescription, TelescopeDescription,
)
from ctapipe.reco import ShowerProcessor

descriptions = []
for k in range(n_types):
    n_pixels = len(npz[f"type{k}_pix_id"])
    pairs = npz[f"type{k}_neighbor_pairs"]
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
    neighbors = csr_array((np.ones(len(rows), bool), (rows, cols)), shape=(n_pixels, n_pixels))
    camera_name = str(npz[f"type{k}_camera"])
    geometry = CameraGeometry(
        camera_name, npz[f"type{k}_pix_id"], npz[f"type{k}_pix_x_m"] * u.m,
        npz[f"type{k}_pix_y_m"] * u.m, npz[f"type{k}_pix_area_m2"] * u.m**2,
        PixelShape.from_string(str(npz[f"type{k}_pix_type"])),
        pix_rotation=float(npz[f"type{k}_pix_rotation_deg"]) * u.deg,
        cam_rotation=float(npz[f"type{k}_cam_rotation_deg"]) * u.deg,
        neighbors=neighbors, apply_derotation=False,
        frame=CameraFrame(focal_length=float(npz[f"type{k}_effective_focal_length_m"]) * u.m),
    )
    readout = CameraReadout(
        camera_name, sampling_rate=1 * u.GHz, reference_pulse_shape=np.zeros((1, 10)),
        reference_pulse_sample_width=1 * u.ns, n_channels=1, n_pixels=n_pixels, n_samples=1,
    )
    size = str(npz[f"type{k}_size_type"])
    optics = OpticsDescription(
        str(npz[f"type{k}_optics"]),
        size_type=SizeType(size) if size in SizeType.__members__ else SizeType.UNKNOWN,
        n_mirrors=1,
        equivalent_focal_length=float(npz[f"type{k}_equivalent_focal_length_m"]) * u.m,
        effective_focal_length=float(npz[f"type{k}_effective_focal_length_m"]) * u.m,
        mirror_area=float(npz[f"type{k}_mirror_area_m2"]) * u.m**2,
        n_mirror_tiles=1, reflector_shape=ReflectorShape.UNKNOWN,
    )
    descriptions.append(TelescopeDescription(
        str(npz[f"type{k}_name"]), optics=optics,
        camera=CameraDescription(camera_name, geometry, readout),
    ))
tel_ids = [int(t) for t in npz["tel_ids"]]
subarray = SubarrayDescription(
    "toy",
    tel_positions={t: p * u.m for t, p in zip(tel_ids, npz["tel_positions_m"])},
    tel_descriptions={t: descriptions[k] for t, k in zip(tel_ids, npz["tel_type"])},
    reference_location=EarthLocation.from_geocentric(*npz["reference_location_m"], unit=u.m),
)

events = []
for e in range(n_events):
    event = ArrayEventContainer()
    event.index.obs_id = int(npz["event_obs_id"][e])
    event.index.event_id = int(npz["event_event_id"][e])
    event.monitoring.pointing.array_altitude = npz["event_alt_rad"][e] * u.rad
    event.monitoring.pointing.array_azimuth = npz["event_az_rad"][e] * u.rad
    events.append(event)
for k in range(n_types):
    for r, (e, tel_id) in enumerate(zip(npz[f"type{k}_event_index"], npz[f"type{k}_tel_id"])):
        event, tel_id = events[e], int(tel_id)
        event.dl1.tel[tel_id] = DL1CameraContainer(
            image=npz[f"type{k}_image"][r], peak_time=npz[f"type{k}_peak_time"][r]
        )
        event.monitoring.tel[tel_id].pointing.altitude = npz["event_alt_rad"][e] * u.rad
        event.monitoring.tel[tel_id].pointing.azimuth = npz["event_az_rad"][e] * u.rad
for event in events:
    event.trigger.tels_with_trigger = np.array(sorted(event.dl1.tel), np.int16)

image_processor = ImageProcessor(subarray)
shower_processor = ShowerProcessor(subarray, reconstructor_types=["HillasReconstructor"])

def run(selection=events):
    for event in selection:
        image_processor(event)
        shower_processor(event)

run(events[:20])  # warm-up
wall, cpu = timed(run, repeat)

masks = {k: [] for k in range(n_types)}
for k in range(n_types):
    for e, tel_id in zip(npz[f"type{k}_event_index"], npz[f"type{k}_tel_id"]):
        masks[k].append(mask_id(events[e].dl1.tel[int(tel_id)].image_mask))
alt, az, valid = [], [], []
for event in events:
    g = event.dl2.stereo.geometry["HillasReconstructor"]
    alt.append(g.alt.to_value(u.deg))
    az.append(g.az.to_value(u.deg))
    valid.append(bool(g.is_valid))
print(json.dumps(
    {"wall": wall, "cpu": cpu, "masks": masks, "alt": alt, "az": az, "is_valid": valid}
))
"""


def bench_dl1(folder, n_showers, seed, batch_size, repeat, profile):
    path = Path(folder) / "dl1.npz"
    n_events, n_tel_events = make_dl1(path, n_showers, seed, batch_size)
    ours = run_json(sys.executable, COMMON_DL1 + OURS_DL1, path, batch_size, repeat, profile)
    peer = run_json(PEERS, COMMON_DL1 + PEER_DL1, path, batch_size, repeat)
    same = total = 0
    for k, masks in ours["masks"].items():
        total += len(masks)
        same += sum(a == b for a, b in zip(masks, peer["masks"][k], strict=True))
    n_both, median_sep, max_sep = direction_difference(ours, peer)
    npz = np.load(path)
    true_alt, true_az = np.degrees(npz["event_true_alt"]), np.degrees(npz["event_true_az"])
    errors = {}
    for label, result in (("ours", ours), ("peer", peer)):
        valid = np.asarray(result["is_valid"], bool)
        sep = separation_deg(
            np.asarray(result["alt"])[valid], np.asarray(result["az"])[valid],
            true_alt[valid], true_az[valid],
        )  # fmt: skip
        errors[label] = (int(valid.sum()), float(np.median(sep)) if valid.any() else float("nan"))
    rate = (n_events / ours["wall"], n_events / peer["wall"])
    rate_cpu = (n_events / ours["cpu"], n_events / peer["cpu"])
    tel_rate = (n_tel_events / ours["wall"], n_tel_events / peer["wall"])
    rows = [
        (f"array events ({n_tel_events} telescope events)", str(n_events), str(n_events), ""),
        ("array events/s (wall)", f"{rate[0]:.0f}", f"{rate[1]:.1f}", ratio(rate[0], rate[1])),
        ("array events/s (CPU time)", f"{rate_cpu[0]:.0f}", f"{rate_cpu[1]:.1f}", ratio(*rate_cpu)),
        ("telescope events/s (wall)", f"{tel_rate[0]:.0f}", f"{tel_rate[1]:.1f}", ratio(*tel_rate)),
        ("ms per array event (wall)", f"{1e3 / rate[0]:.2f}", f"{1e3 / rate[1]:.2f}", ratio(*rate)),
        ("identical cleaning masks", f"{same}/{total}", "", ""),
        ("events reconstructed (is_valid)", str(errors["ours"][0]), str(errors["peer"][0]), ""),
        (
            "direction vs ctapipe: valid in both, median |diff| deg",
            str(n_both),
            f"{median_sep:.1e}",
            "",
        ),
        ("direction vs ctapipe: max |diff| deg", "", f"{max_sep:.1e}", ""),
        (
            "median angle to the true direction (deg)",
            f"{errors['ours'][1]:.3f}",
            f"{errors['peer'][1]:.3f}",
            "",
        ),
    ]
    table(
        f"2. same DL1 images, DL1 -> DL2 (ImageProcessor + ShowerProcessor), {n_showers} toy "
        f"showers, seed {seed}, single process (ratio = cherenkit rate / ctapipe rate)",
        rows,
    )
    return n_events


# --- 3. memory and the processes executor on toy events -----------------------------------


def bench_toy_process(folder, n_showers, seed):
    """`cherenkit process` on the toy source with n_showers and 4 n_showers: fresh processes."""
    folder = Path(folder)
    results = {}
    for factor in (1, 4):
        config = folder / f"toy{factor}.toml"
        config.write_text(
            "[process]\n"
            f'source = {{ name = "toy", n_events = {factor * n_showers}, seed = {seed}, '
            'layout = "mixed" }\n'
        )
        done = fresh_process(cherenkit_argv([], folder / "toy.h5", config))
        n = int(done["stderr"].split("events: ")[1].split()[0])
        results[factor] = (done, n)
    (one, n_one), (four, n_four) = results[1], results[4]
    return [
        (
            f"toy source, {n_showers} vs {4 * n_showers} showers: events",
            str(n_one),
            str(n_four),
            "",
        ),
        (
            "  peak RSS (MiB)",
            f"{one['rss_mib']:.0f}",
            f"{four['rss_mib']:.0f}",
            ratio(four["rss_mib"], one["rss_mib"]),
        ),
        (
            "  wall (s), start-up and simulation included",
            f"{one['wall']:.1f}",
            f"{four['wall']:.1f}",
            "",
        ),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=2000, help="toy showers simulated")
    parser.add_argument("--seed", type=int, default=20240917)
    parser.add_argument("--copies", type=int, default=3, help="file copies, steady state")
    parser.add_argument("--batch-size", type=int, default=100, help="cherenkit batch size")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes, DL1 -> DL2")
    parser.add_argument("--skip-simtel", action="store_true")
    parser.add_argument("--skip-dl1", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--profile", help="write a cProfile of cherenkit's DL1 -> DL2 here")
    args = parser.parse_args()
    if not PEERS.exists():
        sys.exit(f"peer environment missing: {PEERS} (see benchmarks/README.md)")
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench_process.") as folder:
        simtel = {} if args.skip_simtel else bench_simtel(folder, args.copies)
        if not args.skip_dl1:
            bench_dl1(folder, args.events, args.seed, args.batch_size, args.repeat, args.profile)
            if args.profile:
                import pstats

                print(f"\ncherenkit DL1 -> DL2, top 5 by own time (cProfile, {args.profile}):")
                pstats.Stats(args.profile).sort_stats("tottime").print_stats(5)
        if not args.skip_memory:
            rows = []
            for name, (cold, four, _) in simtel.items():
                rows.append(
                    (
                        f"{name.split('.')[0]}: peak RSS (MiB), 1 vs 4 copies",
                        f"{cold['rss_mib']:.0f}",
                        f"{four['rss_mib']:.0f}",
                        ratio(four["rss_mib"], cold["rss_mib"]),
                    )
                )
            rows += bench_toy_process(folder, args.events, args.seed)
            table(
                "3. memory of `cherenkit process`, serial (fresh process, os.wait4 ru_maxrss)",
                rows,
                ("1x", "4x", "4x/1x"),
            )
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
