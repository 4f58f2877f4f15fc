"""Fixtures of the cherenkit-stereo tests: ctapipe's reference events as `StereoParameters`."""

import json

import numpy as np
import pytest

from cherenkit.events import EventSource
from cherenkit.reco import REQUIRED_PARAMETERS, StereoParameters


class StereoReference:
    """One reference event: ctapipe's stereo results and our inputs built from its DL1.

    ``parameters`` holds ctapipe's telescope-frame image parameters of every
    telescope with data; the pointing is read from the sim_telarray file by our
    event source (the JSON rounds it to 70.0 / 180.0 deg, while ctapipe used the
    float32 values of the file, e.g. 69.99999967 deg).
    """

    def __init__(self, info, subarray, event):
        self.info = info
        self.subarray = subarray
        reference = info["events"][0]
        self.stereo = reference["stereo"]
        tel_ids = sorted(int(t) for t in reference["tel"])
        columns = {name: [] for name in REQUIRED_PARAMETERS}
        for tel_id in tel_ids:
            p = reference["tel"][str(tel_id)]["image_parameters"]
            hillas = {k: float(v) for k, v in p["hillas"].items() if k != "_units"}
            for name in ("intensity", "fov_lon", "fov_lat", "psi", "length", "width"):
                columns[f"hillas_{name}"].append(hillas[name])
            columns["hillas_is_valid"].append(np.isfinite(hillas["width"]))
            columns["morphology_n_pixels"].append(p["morphology"]["n_pixels"])
            columns["leakage_intensity_width_2"].append(float(p["leakage"]["intensity_width_2"]))
        self.parameters = StereoParameters(
            n_events=1,
            event_index=np.zeros(len(tel_ids)),
            tel_id=tel_ids,
            pointing_alt=[event.tel[t].pointing_alt.to_value("deg") for t in tel_ids],
            pointing_az=[event.tel[t].pointing_az.to_value("deg") for t in tel_ids],
            array_pointing_alt=[event.pointing_alt.to_value("deg")],
            array_pointing_az=[event.pointing_az.to_value("deg")],
            columns={name: np.asarray(values) for name, values in columns.items()},
        )


@pytest.fixture(scope="session")
def stereo_reference(reference_dir, data_dir):
    """Loader: ``load(name)`` → `StereoReference` of ``reference/ctapipe/{name}.json``, cached."""
    cache = {}

    def load(name):
        if name not in cache:
            info = json.loads((reference_dir / "ctapipe" / f"{name}.json").read_text())
            (path,) = (data_dir / "simtel").glob(f"{name}.simtel*")
            wanted = info["events"][0]["event_id"]
            with EventSource(path) as source:
                subarray = source.subarray
                event = next(e for e in source if e.event_id == wanted)
            cache[name] = StereoReference(info, subarray, event)
        return cache[name]

    return load
