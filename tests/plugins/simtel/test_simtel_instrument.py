"""Telescope naming, history parsing and file sniffing of cherenkit-simtel."""

import copy
import gzip

import astropy.units as u
import pytest

from cherenkit_simtel._files import has_true_images, sniff
from cherenkit_simtel.instrument import build_telescope, size_type_from_mirror_area, telescope_kind


def _settings(n_pixels, focal_length, n_mirrors, mirror_area):
    return {
        "n_pixels": n_pixels,
        "focal_length": focal_length,
        "n_mirrors": n_mirrors,
        "mirror_area": mirror_area,
    }


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        # prototypes recognised without meta data, as ctapipe names them
        (_settings(1855, 28.0, 198, 386.7), ("LST", "LST", "LSTCam", 1, "PARABOLIC")),
        (_settings(1764, 16.0, 84, 103.8), ("MST", "MST", "FlashCam", 1, "HYBRID")),
        (_settings(2048, 2.283, 2, 12.6), ("SST", "GCT", "CHEC", 2, "SCHWARZSCHILD_COUDER")),
        # MAGIC-1 and -2 differ only by their number of mirror tiles
        (_settings(1039, 16.97, 247, 236.0), ("LST", "MAGIC-2", "MAGICCam", 1, "PARABOLIC")),
        (_settings(1039, 16.97, 964, 236.0), ("LST", "MAGIC-1", "MAGICCam", 1, "PARABOLIC")),
        # unknown: size class from the mirror area (diameter 2 sqrt(A / pi))
        (_settings(999, 7.77, 10, 50.0), ("SST", "UNKNOWN-50M2", "UNKNOWN-999PX", 0, "UNKNOWN")),
    ],
)
def test_telescope_kind_without_meta(settings, expected):
    assert tuple(telescope_kind(settings, {})) == expected


def test_telescope_kind_from_meta():
    settings = _settings(1855, 28.0, 198, 386.7)
    meta = {
        b"OPTICS_CONFIG_NAME": b"LST",
        b"CAMERA_CONFIG_NAME": b"LSTcam",
        b"MIRROR_CLASS": b"0 ",
        b"FOCAL_Length": b"2800 ",
    }
    # a segmented dish whose shape length differs from the focal length: hybrid
    hybrid = {**meta, b"DISH_SHAPE_Length": b"2920 "}
    assert tuple(telescope_kind(settings, hybrid)) == ("LST", "LST", "LSTcam", 1, "HYBRID")
    parabolic = {**hybrid, b"PARABOLIC_DISH": b"1 "}
    assert telescope_kind(settings, parabolic).reflector_shape == "PARABOLIC"
    davies_cotton = {**meta, b"DISH_SHAPE_Length": b"2800 "}
    assert telescope_kind(settings, davies_cotton).reflector_shape == "DAVIES_COTTON"
    dual = {**meta, b"MIRROR_CLASS": b"2"}
    assert tuple(telescope_kind(settings, dual))[3:] == (2, "SCHWARZSCHILD_COUDER")


@pytest.mark.parametrize(
    ("area", "size"), [(12.6, "SST"), (50.2, "SST"), (50.3, "MST"), (103.8, "MST"), (386.7, "LST")]
)
def test_size_type_from_mirror_area(area, size):
    # diameter 8 m <-> 50.27 m2, 16 m <-> 201.06 m2
    assert size_type_from_mirror_area(area) == size


@pytest.mark.data
def test_unknown_telescope_builds(simtel_file):
    from eventio import SimTelFile

    with SimTelFile(simtel_file("lst_muons")) as simtel:
        description = copy.deepcopy(simtel.telescope_descriptions[1])
    description["camera_settings"]["focal_length"] = 7.77
    telescope = build_telescope(description, {})
    assert str(telescope) == "LST_UNKNOWN-387M2_UNKNOWN-1855PX"
    assert telescope.optics.equivalent_focal_length == 7.77 * u.m
    assert telescope.optics.reflector_shape == "UNKNOWN"


def _history(*lines):
    return [(0, line.encode()) for line in lines]


def test_has_true_images():
    command = "./bin/sim_telarray -c cfg/CTA/CTA-PROD6.cfg"
    assert not has_true_images(_history(command, "ALTITUDE 2150"))
    assert has_true_images(_history(command, "SAVE_PHOTONS 2"))
    assert has_true_images(_history(command, "SAVE_PHOTONS=3"))
    assert not has_true_images(_history(command, "SAVE_PHOTONS 1"))
    assert has_true_images(_history(command, "STORE_PHOTOELECTRONS 30"))
    assert not has_true_images(_history(command, "STORE_PHOTOELECTRONS 0"))
    per_telescope = ["# Telescope-specific configuration follows", "store_photoelectrons 1"]
    assert has_true_images(_history(command, "STORE_PHOTOELECTRONS 0", *per_telescope))
    assert not has_true_images(_history("merge_simtel a b c", "SAVE_PHOTONS 2"))


def test_sniff(tmp_path):
    plain = tmp_path / "plain.simtel"
    plain.write_bytes(b"\x37\x8a\x1f\xd4" + bytes(60))
    assert sniff(plain) == (True, "eventio")
    compressed = tmp_path / "run.simtel.gz"
    compressed.write_bytes(gzip.compress(b"\xd4\x1f\x8a\x37" + bytes(60)))  # big-endian
    assert sniff(compressed) == (True, "gzip-compressed eventio")
    foreign = tmp_path / "other.gz"
    foreign.write_bytes(gzip.compress(b"hello world"))
    assert sniff(foreign) == (
        False,
        "it is gzip-compressed, but its content does not start with the EventIO sync "
        "marker D41F8A37",
    )
    assert sniff(tmp_path) == (False, "not a file")
