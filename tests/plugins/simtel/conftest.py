"""Fixtures of the cherenkit-simtel tests: the sim_telarray files and ctapipe's values.

Each file is read once per session (the files are small: the whole set streams in
well under a second) and summarised per telescope event, so that the many reference
checks compare numbers without reading the file again.
"""

import json
import os

import numpy as np
import pytest


def _finite(value):
    """JSON reference value with ``"nan"``/``"inf"`` strings turned into floats."""
    if isinstance(value, str) and value in ("nan", "inf", "-inf"):
        return float(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


@pytest.fixture(scope="session")
def simtel_dir(data_dir):
    """``../shared/data/simtel``."""
    path = data_dir / "simtel"
    if not path.is_dir():
        reason = f"no sim_telarray files at {path}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def simtel_file(simtel_dir):
    """``simtel_file(name)``: the path of ``name.simtel.gz`` or ``name.simtel.zst``."""

    def find(name):
        (path,) = simtel_dir.glob(f"{name}.simtel*")
        return path

    return find


@pytest.fixture(scope="session")
def references(reference_dir):
    """Loader of ctapipe's reference JSON and npz of one file, cached."""
    cache = {}

    def load(name):
        if name not in cache:
            folder = reference_dir / "ctapipe"
            values = _finite(json.loads((folder / f"{name}.json").read_text()))
            cache[name] = (values, dict(np.load(folder / f"{name}.npz")))
        return cache[name]

    return load


def _source_options(reference: dict) -> dict:
    """The SimTelEventSource options ctapipe's reference run used for one file."""
    config = reference["event_source"]["config"]
    return {
        "focal_length_choice": config["focal_length_choice"].lower(),
        "skip_calibration_events": config["skip_calibration_events"],
    }


def _summary(event) -> dict:
    tels = {}
    for tel_id, tel in event.tel.items():
        r1 = tel.r1_waveform
        gain = tel.selected_gain_channel
        tels[tel_id] = {
            "r0_shape": list(tel.r0_waveform.shape),
            "r0_dtype": str(tel.r0_waveform.dtype),
            "r0_sum": int(tel.r0_waveform.sum(dtype=np.int64)),
            "r1_shape": list(r1.shape),
            "r1_dtype": str(r1.dtype),
            "r1_sum": float(r1.sum(dtype=np.float64)),
            "r1_min": float(r1.min()),
            "r1_max": float(r1.max()),
            "n_low_gain": None if gain is None else int(np.count_nonzero(gain == 1)),
            "pointing": (tel.pointing_alt.to_value("deg"), tel.pointing_az.to_value("deg")),
            "true_image": tel.true_image,
            "time": tel.time,
        }
    with_data = event.tels_with_data
    event.tel = {}  # keep the summaries, not the waveforms
    return {"event": event, "tels_with_data": with_data, "tel": tels}


@pytest.fixture(scope="session")
def read_simtel(simtel_file, references):
    """Reader: ``read(name, **options)`` → list of per-event summaries, cached.

    Options default to those of the reference run; ``select_gain=False`` gives R1
    with every gain channel (what ctapipe keeps for calibration events).
    """
    from cherenkit_simtel import SimTelEventSource

    cache = {}

    def read(name, **options):
        key = (name, tuple(sorted(options.items())))
        if key not in cache:
            merged = {**_source_options(references(name)[0]), **options}
            with SimTelEventSource(simtel_file(name), **merged) as source:
                cache[key] = (source, [_summary(event) for event in source])
        return cache[key]

    return read
