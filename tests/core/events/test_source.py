"""EventSource(path): choosing the plugin for a file, and every way that can fail."""

import astropy.units as u
import attrs
import numpy as np
import pytest

from cherenkit.errors import ConfigError, DataFormatError, ParameterError
from cherenkit.events import (
    ArrayEvent,
    EventSource,
    ShowerTruth,
    TelescopeEvent,
    compatible_sources,
)

from _plugin_sources import ACME_SOURCE


@pytest.fixture
def acme(make_distribution, use_registry, tmp_path):
    use_registry(*make_distribution("acme-io", "acme_io", ACME_SOURCE))
    path = tmp_path / "run.acme"
    path.write_bytes(b"ACME" + bytes([3, 5, 7]))
    return path


def test_the_compatible_plugin_is_chosen(acme):
    assert "acme" in compatible_sources(acme)
    with EventSource(acme, max_events=2, scale=2.0) as source:
        assert type(source).__name__ == "AcmeSource"
        events = list(source)
    assert [e.event_id for e in events] == [1, 2]
    assert events[1].tel[1].true_image.tolist() == [10.0, 10.0, 10.0]  # 5 counts × scale 2


def test_a_source_named_explicitly(acme):
    source = EventSource(acme, source="acme")
    assert [e.count for e in source] == [0, 1, 2]


def test_a_configured_template_opens_later(acme):
    from cherenkit import registry

    template = registry.create("event-source", "acme", scale=3.0)
    assert template.path is None
    opened = attrs.evolve(template, path=acme)
    assert next(iter(opened)).tel[1].true_image[0] == 9.0


def test_missing_file(acme):
    with pytest.raises(DataFormatError, match=r"nope.acme: no such file; expected an event file"):
        EventSource(acme.parent / "nope.acme")


def test_a_directory(acme):
    with pytest.raises(DataFormatError, match=r": is a directory; expected an event file"):
        EventSource(acme.parent)


@pytest.mark.parametrize(
    ("content", "guess"),
    [
        (b"", "the file is empty"),
        (b"SIMPLE  =                    T / FITS" + b" " * 50, "it looks like a FITS file"),
        (b"obs_id,event_id\n1,2\n", "it looks like a text file"),
        (b"\x1f\x8b\x08\x00junk", "it is gzip-compressed, but no source recognised its content"),
        (bytes(range(200, 256)), "its first bytes match no known format"),
    ],
)
def test_a_file_no_source_reads(acme, content, guess):
    path = acme.parent / "foreign.dat"
    path.write_bytes(content)
    with pytest.raises(DataFormatError) as info:
        EventSource(path)
    message = str(info.value)
    assert message.startswith(
        f"{path}: no installed event source can read it ({guess}); installed sources:"
    )
    assert "'acme'" in message


def test_the_wrong_source_named_explicitly(acme):
    path = acme.parent / "foreign.dat"
    path.write_text("hello")
    with pytest.raises(DataFormatError, match=r"foreign.dat: not an ACME file"):
        EventSource(path, source="acme")


def test_unknown_allowed_tels(acme):
    with pytest.raises(
        ConfigError,
        match=r"^AcmeSource, key 'allowed_tels': .*run.acme has no telescope 4, 9; its telescopes are 1$",
    ):
        EventSource(acme, allowed_tels=[1, 4, 9])


def test_bad_parameters(acme):
    with pytest.raises(
        ConfigError, match=r"^AcmeSource, key 'max_events': value -1 is out of range: must be >= 0$"
    ):
        EventSource(acme, max_events=-1)
    with pytest.raises(
        ParameterError, match=r"EventSource.path: an input file \(or source=NAME\) is required"
    ):
        EventSource()


def test_a_raising_is_compatible_does_not_hide_other_sources(
    make_distribution, use_registry, tmp_path
):
    broken = (
        ACME_SOURCE.replace('name = "acme"', 'name = "broken"')
        .replace(
            '        try:\n            with open(path, "rb") as f:',
            "        raise RuntimeError('boom')\n        try:\n            with open(path, \"rb\") as f:",
        )
        .replace("AcmeSource", "BrokenSource")
    )
    use_registry(
        *make_distribution("acme-io", "acme_io2", ACME_SOURCE),
        *make_distribution("broken-io", "broken_io", broken),
    )
    path = tmp_path / "x.acme"
    path.write_bytes(b"ACME\x01")
    assert compatible_sources(path) == ["acme"]


def test_event_printout():
    event = ArrayEvent(
        obs_id=7,
        event_id=42,
        count=3,
        tels_with_trigger=np.array([1, 2]),
        pointing_alt=70 * u.deg,
        pointing_az=180 * u.deg,
        simulation=ShowerTruth(
            energy=1.5 * u.TeV,
            alt=70.1 * u.deg,
            az=179.9 * u.deg,
            core_x=12.0 * u.m,
            core_y=-3.0 * u.m,
            h_first_int=25e3 * u.m,
            x_max=300 * u.g / u.cm**2,
            starting_grammage=0 * u.g / u.cm**2,
            shower_primary_id=0,
        ),
        tel={
            2: TelescopeEvent(
                tel_id=2,
                r1_waveform=np.zeros((3, 4), np.float32),
                true_image=np.array([1, 2, 3]),
                pointing_alt=70 * u.deg,
                pointing_az=180 * u.deg,
            )
        },
    )
    text = str(event)
    assert text.splitlines()[0] == "ArrayEvent obs_id=7 event_id=42 (#3 in file, SUBARRAY)"
    assert "triggered: [1, 2]; with data: [2]" in text
    assert "shower: E = 1.5 TeV, alt 70.100 deg" in text
    assert "tel 2: r0 -, r1 float32[3, 4], true image 6 p.e., pointing alt 70.000 deg" in text
