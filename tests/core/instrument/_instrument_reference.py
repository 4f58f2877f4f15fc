"""Instrument descriptions rebuilt from the ctapipe reference files (test helpers).

The sim_telarray reader is not used here: geometries are built from the pixel
arrays ctapipe stored in the ``.npz`` files, everything else from the ``.json``.
"""

import json

import astropy.units as u
import numpy as np
from astropy.coordinates import EarthLocation

from cherenkit.instrument import (
    CameraDescription,
    CameraGeometry,
    CameraReadout,
    OpticsDescription,
    SubarrayDescription,
    TelescopeDescription,
)

from _data_files import SIMTEL_FILES

REFERENCE_FILES = list(SIMTEL_FILES)


def _number(value):
    return float("nan") if value == "nan" else float(value)


def geometry_from_reference(info, npz, prefix):
    """CameraGeometry from ``npz[prefix + "pix_*"]`` and the JSON ``geometry`` block."""
    return CameraGeometry(
        name=info["camera_name"],
        pix_id=npz[f"{prefix}pix_id"],
        pix_x=npz[f"{prefix}pix_x_m"] * u.m,
        pix_y=npz[f"{prefix}pix_y_m"] * u.m,
        pix_area=npz[f"{prefix}pix_area_m2"] * u.m**2,
        pix_type=info["pix_type"],  # "HEXAGON" / "SQUARE": the alias path
        pix_rotation=info["pix_rotation_deg"] * u.deg,
        cam_rotation=info["cam_rotation_deg"] * u.deg,
    )


def telescope_from_reference(ttype, npz, index):
    geometry = geometry_from_reference(ttype["geometry"], npz, f"type{index}_")
    ro = ttype["readout"]
    # the pulse shapes are not in the reference; a per-type placeholder keeps
    # descriptions that differ only there (LST-1 vs LST-2..4 in prod6) apart
    pulse = np.full((ro["n_channels"], 4), float(index))
    readout = CameraReadout(
        name=ro["name"],
        sampling_rate=ro["sampling_rate_GHz"] * u.GHz,
        reference_pulse_shape=pulse,
        reference_pulse_sample_width=ro["reference_pulse_sample_width_ns"] * u.ns,
        n_channels=ro["n_channels"],
        n_pixels=ro["n_pixels"],
        n_samples=ro["n_samples"],
        n_samples_long=ro["n_samples_long"],
    )
    optics = OpticsDescription(
        name=ttype["optics_name"],
        size_type=ttype["size_type"],
        reflector_shape=ttype["reflector_shape"],
        equivalent_focal_length=_number(ttype["equivalent_focal_length_m"]) * u.m,
        effective_focal_length=_number(ttype["effective_focal_length_m"]) * u.m,
        mirror_area=ttype["mirror_area_m2"] * u.m**2,
        n_mirrors=ttype["n_mirrors"],
        n_mirror_tiles=ttype["n_mirror_tiles"],
    )
    camera = CameraDescription(name=ttype["camera_name"], geometry=geometry, readout=readout)
    return TelescopeDescription(name=ttype["tel_type_name"], optics=optics, camera=camera)


class Reference:
    """One reference file: ``info`` (JSON), ``npz`` arrays and the rebuilt subarray."""

    def __init__(self, directory, name):
        self.name = name
        self.info = json.loads((directory / f"{name}.json").read_text())
        with np.load(directory / f"{name}.npz") as npz:
            self.npz = {k: npz[k] for k in npz.files if k.startswith("type")}
        sub = self.info["subarray"]
        self.types = [
            telescope_from_reference(t, self.npz, i) for i, t in enumerate(sub["telescope_types"])
        ]
        loc = sub["reference_location"]
        self.subarray = SubarrayDescription(
            name=sub["name"],
            tel_positions={int(k): v * u.m for k, v in sub["tel_positions_m"].items()},
            tel_descriptions={
                int(k): self.types[i] for k, i in sub["tel_id_to_type_index"].items()
            },
            reference_location=EarthLocation.from_geodetic(
                lon=loc["lon_deg"] * u.deg, lat=loc["lat_deg"] * u.deg, height=loc["height_m"] * u.m
            ),
        )
