"""Bad input to the sim_telarray source: one clear error naming the file and the problem."""

import os

import numpy as np
import pytest

from cherenkit.errors import DataFormatError, ParameterError
from cherenkit.events import EventSource
from cherenkit_simtel import SimTelEventSource


@pytest.fixture
def fits_file(tmp_path):
    from astropy.io import fits

    path = tmp_path / "events.fits"
    fits.PrimaryHDU(np.zeros((2, 2))).writeto(path)
    return path


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "notes.simtel"
    path.write_text("sim_telarray run 1\nthis is not an EventIO file\n")
    return path


@pytest.fixture
def empty_file(tmp_path):
    path = tmp_path / "empty.simtel.zst"
    path.write_bytes(b"")
    return path


def _message(error) -> str:
    return str(error.value)


# --- foreign and empty files ------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "what"),
    [
        ("fits_file", "it looks like a FITS file"),
        ("text_file", "it looks like a text file"),
        ("empty_file", "the file is empty"),
    ],
)
def test_dispatch_refuses_foreign_files(request, fixture, what):
    path = request.getfixturevalue(fixture)
    with pytest.raises(DataFormatError) as error:
        EventSource(path)
    assert error.value.file == str(path)
    assert _message(error).startswith(f"{path}: no installed event source can read it ({what})")
    assert "'simtel'" in _message(error)  # the installed sources are listed


@pytest.mark.parametrize(
    ("fixture", "problem"),
    [
        ("fits_file", "it does not start with the EventIO sync marker D41F8A37"),
        ("text_file", "it does not start with the EventIO sync marker D41F8A37"),
        ("empty_file", "the file is empty"),
    ],
)
def test_simtel_source_refuses_foreign_files(request, fixture, problem):
    path = request.getfixturevalue(fixture)
    expected = f"{path}: cannot be read as a sim_telarray (EventIO) file: {problem}"
    with pytest.raises(DataFormatError) as error:
        EventSource(path, source="simtel")
    assert _message(error) == expected
    with pytest.raises(DataFormatError) as error:
        SimTelEventSource(path)
    assert _message(error) == expected


def test_missing_file(tmp_path):
    path = tmp_path / "nothing.simtel.gz"
    for make in (lambda: EventSource(path), lambda: SimTelEventSource(path)):
        with pytest.raises(DataFormatError) as error:
            make()
        assert _message(error) == f"{path}: no such file; expected an event file"


def test_directory(tmp_path):
    with pytest.raises(DataFormatError, match="is a directory; expected an event file"):
        SimTelEventSource(tmp_path)


@pytest.mark.parametrize("content", [b"", b"\x37\x8a", os.urandom(4096), b"\x1f\x8b" + bytes(100)])
def test_is_compatible_never_raises_and_refuses(tmp_path, content):
    path = tmp_path / "file.bin"
    path.write_bytes(content)
    assert SimTelEventSource.is_compatible(path) is False
    assert SimTelEventSource.is_compatible(str(path)) is False


def test_is_compatible_on_odd_arguments(tmp_path):
    assert SimTelEventSource.is_compatible(tmp_path) is False  # a directory
    assert SimTelEventSource.is_compatible(tmp_path / "missing") is False
    assert SimTelEventSource.is_compatible(None) is False
    assert SimTelEventSource.is_compatible(12) is False


def test_is_compatible_on_an_unreadable_file(tmp_path):
    path = tmp_path / "locked.simtel"
    path.write_bytes(b"\x37\x8a\x1f\xd4")
    path.chmod(0)
    try:
        readable = os.access(path, os.R_OK)  # root reads anything
        assert SimTelEventSource.is_compatible(path) is readable
    finally:
        path.chmod(0o600)


# --- parameters -------------------------------------------------------------------------


def test_unknown_focal_length_choice():
    with pytest.raises(ParameterError) as error:
        SimTelEventSource(focal_length_choice="EFFECTIVE")
    assert _message(error) == (
        "SimTelEventSource.focal_length_choice: 'EFFECTIVE' is not one of the choices "
        "'effective', 'equivalent'"
    )


def test_negative_gain_threshold():
    with pytest.raises(
        ParameterError, match=r"gain_selection_threshold: value -1\.0 is out of range"
    ):
        SimTelEventSource(gain_selection_threshold=-1.0)


# --- real files cut short or lacking what is asked for ---------------------------------


@pytest.mark.data
def test_effective_focal_length_missing(simtel_file):
    path = simtel_file("lst_muons")
    with pytest.raises(DataFormatError) as error:
        SimTelEventSource(path)  # default: focal_length_choice = "effective"
    assert _message(error) == (
        f"{path}: focal_length_choice = 'effective', but the file gives no effective focal "
        "length for telescope(s) 1; set focal_length_choice = 'equivalent' to use the "
        "nominal focal length"
    )


@pytest.mark.data
def test_effective_focal_length_missing_lists_telescopes(simtel_file):
    with pytest.raises(DataFormatError, match=r"for telescope\(s\) 1-7; set focal_length_choice"):
        EventSource(simtel_file("calib_events"))


@pytest.mark.data
def test_unknown_allowed_tels(simtel_file):
    path = simtel_file("gamma_prod6_tel_event_header_v4")
    with pytest.raises(ParameterError) as error:
        SimTelEventSource(path, allowed_tels=[1, 2, 99, 100])
    assert _message(error) == (
        f"SimTelEventSource.allowed_tels: {path} has no telescope 99, 100; its telescopes are 1-43"
    )


def _cut(source_path, tmp_path, n_bytes):
    path = tmp_path / f"cut_{n_bytes}_{source_path.name}"
    with source_path.open("rb") as stream:
        path.write_bytes(stream.read(n_bytes))
    return path


@pytest.mark.data
def test_truncated_in_the_header(simtel_file, tmp_path):
    path = _cut(simtel_file("calib_events"), tmp_path, 5000)  # gzip: the history block
    with pytest.raises(DataFormatError) as error:
        SimTelEventSource(path, focal_length_choice="equivalent")
    # eventio reads gzip through a `gzip -cd` pipe, or through Python's gzip module when
    # that pipe has already failed when it looks (a race): the EOFError text differs
    assert _message(error) in {
        f"{path}: cannot read the run header and telescope descriptions: the file is "
        f"truncated or corrupt (EOFError: {reason})"
        for reason in (
            "File seems to be truncated",
            "Compressed file ended before the end-of-stream marker was reached",
        )
    }


@pytest.mark.data
def test_truncated_compressed_start(simtel_file, tmp_path):
    path = _cut(simtel_file("gct_checs_muons"), tmp_path, 1000)  # zstd: no block complete
    assert SimTelEventSource.is_compatible(path) is False
    with pytest.raises(DataFormatError) as error:
        EventSource(path, source="simtel")
    assert _message(error) == (
        f"{path}: cannot be read as a sim_telarray (EventIO) file: it is zstd-compressed, "
        "but its start does not decompress to anything: the file is truncated or corrupt"
    )
    with pytest.raises(DataFormatError, match="no installed event source can read it"):
        EventSource(path)


@pytest.mark.data
def test_truncated_among_the_events(simtel_file, tmp_path):
    full = simtel_file("gct_checs_muons")
    path = _cut(full, tmp_path, full.stat().st_size // 2)
    source = EventSource(path, focal_length_choice="effective")
    assert isinstance(source, SimTelEventSource)
    events = []
    with source, pytest.raises(DataFormatError) as error:
        events.extend(source)
    assert len(events) == 9  # what came before the cut is delivered
    assert _message(error) == (
        f"{path}: the file is truncated: it ends inside a data block after 9 complete events"
    )


@pytest.mark.data
def test_truncated_at_the_end(simtel_file, tmp_path):
    full = simtel_file("gct_checs_muons")
    path = _cut(full, tmp_path, full.stat().st_size - 10)
    with SimTelEventSource(path) as source, pytest.raises(DataFormatError) as error:
        for _ in source:
            pass
    assert _message(error).startswith(
        f"{path}: the file is truncated or corrupt after 19 events (ValueError: "
    )


def test_iterating_a_template():
    with pytest.raises(ParameterError) as error:
        list(SimTelEventSource(focal_length_choice="equivalent"))
    assert _message(error) == (
        "SimTelEventSource.path: this source has no file to read (a configured template); "
        "open one with attrs.evolve(source, path=...)"
    )
