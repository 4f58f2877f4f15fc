"""The ctapipe 0.28 reference values of the image-parameter tests, rebuilt (helpers).

``toy_images.json|npz``: toy images of four cameras with ctapipe's tailcuts masks and
per-image parameters (camera frame, m). The event files: ctapipe's ImageProcessor
results for real sim_telarray events, in the telescope frame (deg) and the camera
frame (m), with the images, peak times and cleaning masks it used. Geometries are
built from the pixel arrays in the ``.npz`` files.
"""

import json
from dataclasses import dataclass, field

import astropy.units as u
import numpy as np

from cherenkit.instrument import CameraGeometry

TOY_CAMERAS = ("LSTCam", "NectarCam", "FlashCam", "CHEC")
EVENT_FILES = ("lst_muons", "gct_checs_muons", "camsettings_v6", "gamma_prod6_tel_event_header_v4")
TRIM_FRACTION = 0.85  # of ctapipe's least-trimmed-squares timing fit


def number(value):
    """A JSON reference number ("nan" is NaN)."""
    return float("nan") if value == "nan" else float(value)


def reference_unit(text):
    """A unit of the reference JSON (``"1 / m"`` included)."""
    return u.Unit(text.replace(" ", ""))


def relative_error(ours, ref):
    """|ours - ref| / |ref| (absolute when ref is 0); 0 when both are NaN."""
    ours, ref = float(ours), float(ref)
    if np.isnan(ref) and np.isnan(ours):
        return 0.0
    return abs(ours - ref) / abs(ref) if ref != 0 else abs(ours)


def lts_objective(x, y, slope, intercept):
    """Sum of the int(0.85 n) smallest squared residuals about a line (what LTS minimises)."""
    h = int(TRIM_FRACTION * len(x))
    residuals = np.sort((y - (slope * x + intercept)) ** 2)
    return residuals[:h].sum()


def geometry_from_arrays(name, npz, prefix, pix_type, pix_rotation_deg=0.0, cam_rotation_deg=0.0):
    return CameraGeometry(
        name=name,
        pix_id=npz[f"{prefix}pix_id"],
        pix_x=npz[f"{prefix}pix_x_m"] * u.m,
        pix_y=npz[f"{prefix}pix_y_m"] * u.m,
        pix_area=npz[f"{prefix}pix_area_m2"] * u.m**2,
        pix_type=pix_type,
        pix_rotation=pix_rotation_deg * u.deg,
        cam_rotation=cam_rotation_deg * u.deg,
    )


@dataclass
class ToyReference:
    info: dict
    npz: dict
    geometries: dict = field(default_factory=dict)

    def analyses(self, camera):
        """(image index, tailcuts index, analysis dict) of one camera."""
        for i, image in enumerate(self.info["cameras"][camera]["images"]):
            for analysis in image["analyses"]:
                yield i, analysis["tailcuts_index"], analysis

    def mask(self, camera, i, k):
        return self.npz[f"{camera}_tailcuts_masks"][i, k]


@dataclass
class TelescopeImage:
    """One telescope image of an event file with the reference parameters of both frames."""

    file: str
    event: int
    tel_id: str
    camera: CameraGeometry
    telescope: CameraGeometry
    image: np.ndarray
    peak_time: np.ndarray
    mask: np.ndarray
    reference: dict  # frame name -> ctapipe ImageProcessor parameters

    @property
    def name(self):
        return f"{self.file} e{self.event} t{self.tel_id}"


def load_toy(directory):
    """The toy-image reference with a camera-frame geometry per camera."""
    info = json.loads((directory / "toy_images.json").read_text())
    with np.load(directory / "toy_images.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    reference = ToyReference(info, arrays)
    for camera in TOY_CAMERAS:
        geometry_info = info["cameras"][camera]["geometry"]
        reference.geometries[camera] = geometry_from_arrays(
            camera,
            arrays,
            f"{camera}_",
            geometry_info["pix_type"],
            geometry_info["pix_rotation_deg"],
            geometry_info["cam_rotation_deg"],
        )
    return reference


def load_event_file(directory, name):
    """Every telescope image of one event file, as `TelescopeImage`."""
    info = json.loads((directory / f"{name}.json").read_text())
    with np.load(directory / f"{name}.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    subarray = info["subarray"]
    geometries = []
    for index, ttype in enumerate(subarray["telescope_types"]):
        g = ttype["geometry"]
        camera = geometry_from_arrays(
            g["camera_name"],
            arrays,
            f"type{index}_",
            g["pix_type"],
            g["pix_rotation_deg"],
            g["cam_rotation_deg"],
        )
        telescope = camera.transform_to_telescope_frame(g["frame_focal_length_m"] * u.m)
        geometries.append((camera, telescope))
    images = []
    for event in info["events"]:
        e = event["index"]
        for tel_id, tel in event["tel"].items():
            camera, telescope = geometries[subarray["tel_id_to_type_index"][tel_id]]
            images.append(
                TelescopeImage(
                    file=name,
                    event=e,
                    tel_id=tel_id,
                    camera=camera,
                    telescope=telescope,
                    image=arrays[f"e{e}_t{tel_id}_default_image"],
                    peak_time=arrays[f"e{e}_t{tel_id}_default_peak_time"],
                    mask=arrays.get(f"e{e}_t{tel_id}_image_mask"),
                    reference={
                        "camera": tel["image_parameters_camera_frame"],
                        "telescope": tel["image_parameters"],
                    },
                )
            )
    return images
