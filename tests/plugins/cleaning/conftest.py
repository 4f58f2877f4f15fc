"""Fixtures of the cherenkit-cleaning tests: ctapipe's toy images and event masks.

Geometries are rebuilt from the pixel arrays ctapipe stored in the ``.npz`` files
(the neighbour search of `CameraGeometry` reproduces ctapipe's pairs, which the
fixtures check before any mask is compared).
"""

import json

import astropy.units as u
import numpy as np
import pytest

from cherenkit.instrument import CameraGeometry

_TOY_CAMERAS = ("LSTCam", "NectarCam", "FlashCam", "CHEC")


def _geometry(name, info, npz, prefix):
    geometry = CameraGeometry(
        name=name,
        pix_id=npz[f"{prefix}pix_id"],
        pix_x=npz[f"{prefix}pix_x_m"] * u.m,
        pix_y=npz[f"{prefix}pix_y_m"] * u.m,
        pix_area=npz[f"{prefix}pix_area_m2"] * u.m**2,
        pix_type=info["pix_type"],
        pix_rotation=info["pix_rotation_deg"] * u.deg,
        cam_rotation=info["cam_rotation_deg"] * u.deg,
    )
    np.testing.assert_array_equal(
        geometry.neighbor_pairs, npz[f"{prefix}neighbor_pairs"], err_msg=f"{name} neighbours"
    )
    return geometry


class ToyReference:
    """``toy_images.json|npz``: per camera the geometry, images, times and ctapipe's masks."""

    def __init__(self, folder):
        self.info = json.loads((folder / "toy_images.json").read_text())
        with np.load(folder / "toy_images.npz") as npz:
            self.npz = {k: npz[k] for k in npz.files}
        self.geometries = {
            cam: _geometry(cam, self.info["cameras"][cam]["geometry"], self.npz, f"{cam}_")
            for cam in _TOY_CAMERAS
        }

    def __getitem__(self, key):
        return self.npz[key]


class EventReference:
    """One event file: geometries per telescope, default images and ctapipe's masks."""

    def __init__(self, folder, name):
        self.name = name
        self.info = json.loads((folder / f"{name}.json").read_text())
        with np.load(folder / f"{name}.npz") as npz:
            self.npz = {k: npz[k] for k in npz.files}
        subarray = self.info["subarray"]
        self.type_geometries = [
            _geometry(t["camera_name"], t["geometry"], self.npz, f"type{i}_")
            for i, t in enumerate(subarray["telescope_types"])
        ]
        self.type_of_tel = {int(k): v for k, v in subarray["tel_id_to_type_index"].items()}
        self.focal_length_choice = self.info["event_source"]["config"]["focal_length_choice"]

    def masks(self):
        """``(event index, tel_id, default image, ctapipe mask)`` for every cleaned image."""
        for key in sorted(self.npz):
            if key.endswith("_image_mask"):
                event, tel = key.split("_")[:2]
                image = self.npz[f"{event}_{tel}_default_image"]
                yield int(event[1:]), int(tel[1:]), image, self.npz[key]


@pytest.fixture(scope="session")
def toy_reference(reference_dir):
    """ctapipe 0.28's cleaning of its toy images (``reference/ctapipe/toy_images.*``)."""
    return ToyReference(reference_dir / "ctapipe")


@pytest.fixture(scope="session")
def simtel_path(data_dir):
    """``simtel_path(name)``: the sim_telarray file ``name.simtel.*`` of the shared data."""

    def find(name):
        (path,) = (data_dir / "simtel").glob(f"{name}.simtel*")
        return path

    return find


@pytest.fixture(scope="session")
def event_reference(reference_dir):
    """Loader: ``load(name)`` → `EventReference` of ``reference/ctapipe/{name}.*``, cached."""
    cache = {}

    def load(name):
        if name not in cache:
            cache[name] = EventReference(reference_dir / "ctapipe", name)
        return cache[name]

    return load
