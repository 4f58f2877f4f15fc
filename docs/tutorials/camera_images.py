"""Camera images: charge, peak time, cleaning, the Hillas ellipse and islands.

The code and figures of ``docs/tutorials/camera-images.md``. From the repository root::

    uv run python docs/tutorials/camera_images.py [--output DIR] [--data DIR]

Part 1 simulates showers with the toy event source and needs no data. Part 2 reads
two small sim_telarray files from the shared data (``--data``, else
``$CHERENKIT_DATA``, else ``../shared/data`` beside the repository) and is skipped
when they are not there. Figures go to ``--output`` (default: ``figures/`` beside
this script).
"""

import argparse
import os
from pathlib import Path

import astropy.units as u
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from cherenkit.calib import CameraCalibrator
from cherenkit.events import EventSource
from cherenkit.image import hillas_parameters, number_of_islands, timing_parameters
from cherenkit.visualization import CameraDisplay
from cherenkit_cleaning import tailcuts_clean

HERE = Path(__file__).resolve().parent
DPI = 80  # small PNGs for the docs

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--output", type=Path, default=HERE / "figures", help="where the PNGs go")
parser.add_argument("--data", type=Path, help="the shared data folder (with simtel/)")
args = parser.parse_args()
args.output.mkdir(parents=True, exist_ok=True)


def save(fig, name):
    """Write one figure as ``<output>/<name>`` and close it."""
    path = args.output / name
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    print(f"wrote {path}")


# --- calibrate and clean ---------------------------------------------------------


def cleaned_images(source):
    """Yield (event, tel_id, geometry, image, peak_time, mask) for every telescope image."""
    calibrator = CameraCalibrator(source.subarray)
    for event in source:
        for tel_id, (image, peak_time) in calibrator(event).items():
            geometry = source.subarray.tel[tel_id].camera.geometry
            mask = tailcuts_clean(
                geometry,
                image,
                picture_thresh=10,
                boundary_thresh=5,
                min_number_picture_neighbors=2,
            )
            yield event, tel_id, geometry, image, peak_time, mask


# --- part 1: a toy shower --------------------------------------------------------

source = EventSource(source="toy", seed=1, layout="lst4", n_events=100, energy_min="1 TeV")


def contained(geometry, mask):
    """At least 60 pixels after cleaning, none in the two outermost pixel rings."""
    return mask.sum() >= 60 and not (mask & geometry.get_border_pixel_mask(2)).any()


event, tel_id, geometry, image, peak_time, mask = next(
    item for item in cleaned_images(source) if contained(item[2], item[-1])
)
hillas = hillas_parameters(geometry[mask], image[mask])
timing = timing_parameters(geometry[mask], image[mask], peak_time[mask], hillas)
print(f"event {event.event_id}, telescope {tel_id}: {mask.sum()} pixels after cleaning")
print(
    f"intensity {hillas.intensity:.0f} p.e., length {hillas.length:.3f}, "
    f"width {hillas.width:.3f}, psi {hillas.psi:.1f}, "
    f"time gradient {timing.slope.to_value(1 / u.m):.1f} ns/m"
)

# the image
fig, ax = plt.subplots(figsize=(6, 5))
title = f"{geometry.name}, event {event.event_id}, tel {tel_id}"
display = CameraDisplay(geometry, image, ax=ax, title=title)
display.add_colorbar(label="charge / p.e.")
save(fig, "toy_image.png")

# the peak time: noise everywhere, a gradient along the shower
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
display = CameraDisplay(geometry, peak_time, ax=left, cmap="RdBu_r", title="all pixels")
display.add_colorbar(label="peak time / ns")
shower_time = np.where(mask, peak_time, np.nan)  # NaN pixels are left empty
display = CameraDisplay(geometry, shower_time, ax=right, cmap="RdBu_r", title="after cleaning")
display.add_colorbar(label="peak time / ns")
x, y = hillas.x.to_value(u.m), hillas.y.to_value(u.m)
right.set_xlim(x - 0.5, x + 0.5)
right.set_ylim(y - 0.5, y + 0.5)
save(fig, "toy_peak_time.png")

# the cleaned image, the cleaning mask and the Hillas ellipse
fig, ax = plt.subplots(figsize=(6, 5))
display = CameraDisplay(geometry, np.where(mask, image, 0), ax=ax, title="tailcuts 10/5 p.e.")
display.highlight_pixels(mask, color="white", linewidth=0.5)
display.overlay_moments(hillas, n_sigma=2)
display.add_colorbar(label="charge / p.e.")
save(fig, "toy_cleaned_hillas.png")

# three colour scales: linear, logarithmic (from 1 p.e.; values <= 0 get the
# lowest colour) and symmetric logarithmic (linear between -1 and 1)
fig, axes = plt.subplots(1, 3, figsize=(14, 4), layout="constrained")
for ax, norm in zip(axes, ["lin", "log", "symlog"], strict=True):
    display = CameraDisplay(geometry, image, ax=ax, norm=norm, title=f"norm={norm!r}")
    if norm == "log":
        display.set_limits_minmax(1, image.max())
    display.add_colorbar(label="charge / p.e.")
save(fig, "toy_norms.png")

# camera frame (m) and telescope frame (deg): the same image and ellipse
focal_length = source.subarray.tel[tel_id].optics.equivalent_focal_length
sky = geometry.transform_to_telescope_frame(focal_length)
sky_hillas = hillas_parameters(sky[mask], image[mask])
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
for ax, geom, params in [(left, geometry, hillas), (right, sky, sky_hillas)]:
    display = CameraDisplay(geom, image, ax=ax, title=f"{geom.frame} frame")
    display.overlay_moments(params, n_sigma=2)
    display.add_colorbar(label="charge / p.e.")
save(fig, "toy_frames.png")


# --- part 2: real sim_telarray events ----------------------------------------------

candidates = [args.data, os.environ.get("CHERENKIT_DATA"), HERE.parents[2] / "shared" / "data"]
data = next((Path(c) for c in candidates if c and (Path(c) / "simtel").is_dir()), None)
if data is None:
    print("part 2 skipped: no shared data folder with simtel/ (pass --data)")
    raise SystemExit(0)

# a 75 GeV gamma ray in LSTCam: few pixels survive cleaning
source = EventSource(
    data / "simtel" / "gamma_prod6_tel_event_header_v4.simtel.zst",
    focal_length_choice="effective",
)
event, tel_id, geometry, image, peak_time, mask = next(
    item for item in cleaned_images(source) if item[-1].sum() >= 5
)
hillas = hillas_parameters(geometry[mask], image[mask])
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
display = CameraDisplay(geometry, image, ax=left, title=f"{geometry.name}, tel {tel_id}")
display.add_colorbar(label="charge / p.e.")
display.highlight_pixels(mask, color="cyan", linewidth=1)
display = CameraDisplay(geometry, image, ax=right, title="zoomed, with the Hillas ellipse")
display.highlight_pixels(mask, color="white", linewidth=1)
display.overlay_moments(hillas, n_sigma=2)
display.add_colorbar(label="charge / p.e.")
x, y = hillas.x.to_value(u.m), hillas.y.to_value(u.m)
right.set_xlim(x - 0.3, x + 0.3)
right.set_ylim(y - 0.3, y + 0.3)
save(fig, "prod6_lst_hillas.png")

# islands: the cleaned pixels fall into connected groups; a muon ring breaks up
source = EventSource(data / "simtel" / "lst_muons.simtel.zst", focal_length_choice="equivalent")
event, tel_id, geometry, image, peak_time, mask = next(
    item for item in cleaned_images(source) if number_of_islands(item[2], item[-1])[0] >= 4
)
n_islands, island_labels = number_of_islands(geometry, mask)
sizes = np.bincount(island_labels)[1:]
print(f"muon event {event.event_id}: {n_islands} islands of {sizes} pixels")
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
display = CameraDisplay(geometry, image, ax=left, title=f"muon, event {event.event_id}")
display.add_colorbar(label="charge / p.e.")
# label 0 (not kept by cleaning) in grey, one colour per island
colours = ListedColormap(["0.85", *plt.get_cmap("tab10").colors[:n_islands]])
display = CameraDisplay(geometry, island_labels, ax=right, cmap=colours, title="islands")
display.set_limits_minmax(-0.5, n_islands + 0.5)
colorbar = display.add_colorbar(label="island", ticks=range(n_islands + 1))
save(fig, "lst_muon_islands.png")
