"""contrib/analytic-disp: the ``analytic-disp`` stereo reconstructor.

Unit tests import the package from its source tree (it is not part of the uv
workspace). Synthetic events are built with astropy and cherenkit's frames: a known
source direction is projected into each telescope's frame and every image is put
on a line through it, at the distance that the DISP formula gives for its
width / length, so that the reconstruction must return the source to rounding.

The last tests (marked ``slow``) install the package the way a user does, into a
fresh virtual environment with cherenkit-core, the toy simulation and the
cleaning plugins only, and drive it through the ``cherenkit`` command.
"""

from __future__ import annotations

import doctest
import json
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import AltAz, SkyCoord

from cherenkit.errors import ParameterError
from cherenkit.instrument.frames import NominalFrame, TelescopeFrame
from cherenkit.reco.reconstructor import DL2_COLUMNS, StereoParameters
from cherenkit.testing import check_plugin_class, check_reconstructor

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "contrib" / "analytic-disp"
sys.path.insert(0, str(PLUGIN / "src"))

from cherenkit_analytic_disp import (  # noqa: E402  # noqa: E402
    AnalyticDispReconstructor,
    _geometry,
    closest_pair_directions,
    head_tail_directions,
    reconstructor,
)

SUMMARY = tomllib.loads((REPO / "registry.toml").read_text())["reconstructor"]["analytic-disp"]
VERSION = tomllib.loads((PLUGIN / "pyproject.toml").read_text())["project"]["version"]

DISP_SCALE = 1.2  # deg


@pytest.fixture(scope="module")
def subarray():
    from cherenkit_toysim.layout import toy_subarray

    return toy_subarray("lst4")  # ids 1..4 at (±60 m, ±60 m, 0)


# --- synthetic events ------------------------------------------------------------------


def _altaz(alt, az):
    return SkyCoord(alt=np.atleast_1d(alt) * u.deg, az=np.atleast_1d(az) * u.deg, frame=AltAz())


def to_offsets(alt, az, centre_alt, centre_az, frame=TelescopeFrame):
    """fov_lon, fov_lat (deg) of directions in the offset frame around one centre (astropy)."""
    centre = AltAz(alt=centre_alt * u.deg, az=centre_az * u.deg)
    key = "telescope_pointing" if frame is TelescopeFrame else "origin"
    offsets = _altaz(alt, az).transform_to(frame(**{key: centre}))
    return offsets.fov_lon.to_value(u.deg), offsets.fov_lat.to_value(u.deg)


def from_offsets(lon, lat, centre_alt, centre_az, frame=TelescopeFrame):
    """alt, az (deg) of offsets around one centre (astropy)."""
    centre = AltAz(alt=centre_alt * u.deg, az=centre_az * u.deg)
    key = "telescope_pointing" if frame is TelescopeFrame else "origin"
    coord = SkyCoord(
        fov_lon=np.atleast_1d(lon) * u.deg,
        fov_lat=np.atleast_1d(lat) * u.deg,
        frame=frame(**{key: centre}),
    ).transform_to(AltAz())
    return coord.alt.to_value(u.deg), coord.az.wrap_at(360 * u.deg).to_value(u.deg)


def separation(alt1, az1, alt2, az2):
    """Angular distance (deg)."""
    return _altaz(alt1, az1).separation(_altaz(alt2, az2)).to_value(u.deg)


def image(source_lon, source_lat, *, psi, disp, length, side):
    """Hillas centroid and shape of an image whose DISP position is the source.

    ``side = +1``: the source lies at ``centroid + disp (cos psi, sin psi)``; the
    image's skewness and timing slope have the opposite sign, as for real images.
    """
    psi_rad = np.deg2rad(psi)
    return {
        "hillas_fov_lon": source_lon - side * disp * np.cos(psi_rad),
        "hillas_fov_lat": source_lat - side * disp * np.sin(psi_rad),
        "hillas_psi": psi,
        "hillas_length": length,
        "hillas_width": length * (1 - disp / DISP_SCALE),
        "hillas_skewness": -0.3 * side,
        "timing_slope": -2.0 * side,
    }


def make_events(events, *, rng):
    """StereoParameters of events given as dicts (source, array pointing, telescopes).

    Each event: ``source = (alt, az)``, ``pointing = (alt, az)`` (array), ``tels``:
    list of dicts with ``tel_id``, ``intensity``, ``pointing`` (alt, az) and
    optionally ``side`` (default random) and any column to override.
    """
    rows = []
    for index, event in enumerate(events):
        for tel in event["tels"]:
            tel_alt, tel_az = tel["pointing"]
            lon, lat = to_offsets(*event["source"], tel_alt, tel_az)
            columns = image(
                lon[0],
                lat[0],
                psi=rng.uniform(-180, 180),
                disp=rng.uniform(0.2, 1.0),
                length=rng.uniform(0.1, 0.3),
                side=tel.get("side", rng.choice([-1, 1])),
            )
            columns.update(
                hillas_intensity=tel["intensity"],
                hillas_is_valid=True,
                morphology_n_pixels=20,
                leakage_intensity_width_2=0.0,
            )
            columns.update(tel.get("override", {}))
            rows.append((index, tel["tel_id"], tel_alt, tel_az, columns))
    names = sorted({name for row in rows for name in row[4]})
    return StereoParameters(
        n_events=len(events),
        event_index=[r[0] for r in rows],
        tel_id=[r[1] for r in rows],
        pointing_alt=[r[2] for r in rows],
        pointing_az=[r[3] for r in rows],
        array_pointing_alt=[e["pointing"][0] for e in events],
        array_pointing_az=[e["pointing"][1] for e in events],
        columns={name: np.array([r[4][name] for r in rows]) for name in names},
    )


def simple_event(source, pointing=(70.0, 10.0), intensities=(300.0, 800.0, 150.0), **tel_extra):
    """Telescopes 1, 2, 3 ... pointing 0.5 deg apart around the array pointing."""
    offsets = [(0.5, 0.0), (0.0, 0.5), (-0.5, -0.5), (0.3, -0.3)]
    tels = []
    for k, intensity in enumerate(intensities):
        d_alt, d_az = offsets[k]
        tel = {
            "tel_id": k + 1,
            "intensity": intensity,
            "pointing": (pointing[0] + d_alt, pointing[1] + d_az),
        }
        tel.update({key: value[k] for key, value in tel_extra.items()})
        tels.append(tel)
    return {"source": source, "pointing": pointing, "tels": tels}


# --- geometry against astropy ------------------------------------------------------------


def test_rotations_match_cherenkit_frames():
    rng = np.random.default_rng(1)
    n = 50
    lon, lat = rng.uniform(-3, 3, n), rng.uniform(-3, 3, n)
    from_alt, from_az = rng.uniform(20, 88, n), rng.uniform(0, 360, n)
    to_alt, to_az = from_alt + rng.uniform(-2, 2, n), from_az + rng.uniform(-2, 2, n)
    rad = np.deg2rad
    got_lon, got_lat = _geometry.offset_to_offset(
        rad(lon), rad(lat), rad(from_alt), rad(from_az), rad(to_alt), rad(to_az)
    )
    got_az, got_alt = _geometry.spherical(
        _geometry.offset_to_horizontal(rad(lon), rad(lat), rad(from_alt), rad(from_az))
    )
    for k in range(n):
        alt, az = from_offsets(lon[k], lat[k], from_alt[k], from_az[k])
        assert np.rad2deg(got_alt[k]) == pytest.approx(alt[0], abs=1e-10)
        assert np.rad2deg(np.mod(got_az[k], 2 * np.pi)) == pytest.approx(az[0], abs=1e-10)
        want_lon, want_lat = to_offsets(alt, az, to_alt[k], to_az[k], frame=NominalFrame)
        assert np.rad2deg(got_lon[k]) == pytest.approx(want_lon[0], abs=1e-10)
        assert np.rad2deg(got_lat[k]) == pytest.approx(want_lat[0], abs=1e-10)


def test_ground_vectors_are_north_west_up():
    # az = 90 deg is east, i.e. -y of the ground frame (x north, y west)
    east = _geometry.offset_to_horizontal(np.zeros(1), np.zeros(1), np.zeros(1), np.deg2rad([90.0]))
    np.testing.assert_allclose(_geometry.horizontal_to_ground(east), [[0, -1, 0]], atol=1e-15)


# --- exact reconstruction ----------------------------------------------------------------


@pytest.mark.parametrize("head_tail", ["closest-pair", "skewness", "timing"])
@pytest.mark.parametrize("weight_power", [0.0, 1.0, 2.5])
def test_exact_direction_is_recovered(subarray, head_tail, weight_power):
    rng = np.random.default_rng(7)
    sources = [(70.6, 10.3), (69.2, 9.1), (30.0, 359.6), (55.0, 0.2)]
    pointings = [(70.0, 10.0), (70.0, 10.0), (30.5, 359.8), (55.0, 359.5)]
    events = [
        simple_event(s, p, intensities=(300.0, 800.0, 150.0, 90.0)[: 2 + k % 3])
        for k, (s, p) in enumerate(zip(sources, pointings, strict=True))
    ]
    parameters = make_events(events, rng=rng)
    reco = AnalyticDispReconstructor(
        disp_scale=f"{DISP_SCALE} deg", head_tail=head_tail, weight_power=weight_power
    )
    result = reco(subarray, parameters)

    assert set(DL2_COLUMNS) | {"telescopes"} <= set(result)
    assert result["is_valid"].tolist() == [True] * 4
    np.testing.assert_array_equal(result["multiplicity"], [2, 3, 4, 2])
    assert result["multiplicity"].dtype == np.int16
    alt, az = np.array(sources).T
    assert np.all(separation(result["alt"], result["az"], alt, az) < 1e-9)
    assert np.all((result["az"] >= 0) & (result["az"] < 360))
    np.testing.assert_allclose(result["alt_uncert"], 0, atol=1e-9)
    np.testing.assert_allclose(result["az_uncert"], 0, atol=1e-9)
    np.testing.assert_allclose(
        result["average_intensity"], [550.0, 1250 / 3, 1340 / 4, 550.0], rtol=1e-15
    )
    expected_tels = np.zeros((4, 4), bool)
    for k, m in enumerate([2, 3, 4, 2]):
        expected_tels[k, :m] = True
    np.testing.assert_array_equal(result["telescopes"], expected_tels)


def test_core_and_h_max_are_recovered(subarray):
    # a shower from (alt, az) = (65, 20) deg hitting the ground at (35, -80) m with
    # its maximum 9 km up; each telescope sees the maximum at its image centroid
    alt, az, core, height = 65.0, 20.0, np.array([35.0, -80.0, 0.0]), 9000.0
    to_source = np.array(
        [
            np.cos(np.deg2rad(alt)) * np.cos(np.deg2rad(az)),
            -np.cos(np.deg2rad(alt)) * np.sin(np.deg2rad(az)),  # ground y is west
            np.sin(np.deg2rad(alt)),
        ]
    )
    maximum = core + height / to_source[2] * to_source
    positions = subarray.positions.to_value(u.m)
    pointing = (65.5, 19.0)
    rows = []
    for k, intensity in enumerate([400.0, 250.0, 1000.0, 120.0]):
        sight = maximum - positions[k]
        sight_alt = np.rad2deg(np.arcsin(sight[2] / np.linalg.norm(sight)))
        sight_az = np.rad2deg(np.arctan2(-sight[1], sight[0]))
        c_lon, c_lat = to_offsets(sight_alt, sight_az, *pointing)
        s_lon, s_lat = to_offsets(alt, az, *pointing)
        disp = np.hypot(c_lon[0] - s_lon[0], c_lat[0] - s_lat[0])
        assert 0.1 < disp < DISP_SCALE
        psi = np.rad2deg(np.arctan2(s_lat[0] - c_lat[0], s_lon[0] - c_lon[0]))
        columns = image(s_lon[0], s_lat[0], psi=psi, disp=disp, length=0.2, side=1)
        rows.append(columns | {"hillas_intensity": intensity})
    event = simple_event((alt, az), pointing, intensities=[400.0, 250.0, 1000.0, 120.0])
    for tel in event["tels"]:
        tel["pointing"] = pointing
    parameters = make_events([event], rng=np.random.default_rng(0))
    columns = dict(parameters.columns)
    for name in rows[0]:
        columns[name] = np.array([row[name] for row in rows])
    parameters = StereoParameters(
        n_events=1,
        event_index=parameters.event_index,
        tel_id=parameters.tel_id,
        pointing_alt=parameters.pointing_alt,
        pointing_az=parameters.pointing_az,
        array_pointing_alt=[65.0],
        array_pointing_az=[20.5],
        columns=columns,
    )
    for head_tail in ("closest-pair", "skewness"):
        result = AnalyticDispReconstructor(disp_scale=f"{DISP_SCALE} deg", head_tail=head_tail)(
            subarray, parameters
        )
        assert separation(result["alt"], result["az"], alt, az)[0] < 1e-9
        assert result["core_x"][0] == pytest.approx(35.0, abs=1e-6)
        assert result["core_y"][0] == pytest.approx(-80.0, abs=1e-6)
        assert result["h_max"][0] == pytest.approx(height, rel=1e-9)
        for name in ("core_uncert_x", "core_uncert_y", "h_max_uncert"):
            assert np.isnan(result[name][0])


# --- head-tail choice and weights --------------------------------------------------------


def _skewness_expectation(parameters, weight_power):
    """Weighted mean and spread of the skewness-chosen positions (one event, via astropy)."""
    c = parameters.columns
    psi = np.deg2rad(c["hillas_psi"])
    disp = DISP_SCALE * (1 - c["hillas_width"] / c["hillas_length"])
    side = -np.sign(c["hillas_skewness"])
    lon = c["hillas_fov_lon"] + side * disp * np.cos(psi)
    lat = c["hillas_fov_lat"] + side * disp * np.sin(psi)
    origin = parameters.array_pointing_alt[0], parameters.array_pointing_az[0]
    nominal = []
    for k in range(len(lon)):
        alt, az = from_offsets(
            lon[k], lat[k], parameters.pointing_alt[k], parameters.pointing_az[k]
        )
        nominal.append([v[0] for v in to_offsets(alt, az, *origin, frame=NominalFrame)])
    nominal = np.array(nominal)
    w = c["hillas_intensity"] ** weight_power
    mean = (w[:, None] * nominal).sum(0) / w.sum()
    spread = np.sqrt((w[:, None] * (nominal - mean) ** 2).sum(0) / w.sum() / len(w))
    alt, az = from_offsets(*mean, *origin, frame=NominalFrame)
    return alt[0], az[0], spread


@pytest.mark.parametrize("weight_power", [0.0, 1.0, 2.0])
def test_a_wrong_skewness_moves_the_mean_by_its_weight(subarray, weight_power):
    event = simple_event((70.4, 10.6), side=[1, -1, 1])
    parameters = make_events([event], rng=np.random.default_rng(3))
    parameters.columns["hillas_skewness"][2] *= -1  # telescope 3 looks the wrong way
    alt, az, (spread_lon, spread_lat) = _skewness_expectation(parameters, weight_power)
    result = AnalyticDispReconstructor(
        disp_scale=f"{DISP_SCALE} deg", head_tail="skewness", weight_power=weight_power
    )(subarray, parameters)
    assert separation(result["alt"], result["az"], alt, az)[0] < 1e-9
    assert separation(alt, az, 70.4, 10.6)[0] > 0.02  # the wrong side matters
    assert result["alt_uncert"][0] == pytest.approx(spread_lat, rel=1e-6)
    assert result["az_uncert"][0] == pytest.approx(
        spread_lon / np.cos(np.deg2rad(result["alt"][0])), rel=1e-6
    )
    assert spread_lat > 1e-3 and spread_lon > 1e-3

    # timing and closest-pair are not fooled by the skewness
    for head_tail in ("timing", "closest-pair"):
        result = AnalyticDispReconstructor(
            disp_scale=f"{DISP_SCALE} deg", head_tail=head_tail, weight_power=weight_power
        )(subarray, parameters)
        assert separation(result["alt"], result["az"], 70.4, 10.6)[0] < 1e-9, head_tail

    # without a timing slope, timing falls back to the (wrong) skewness
    parameters.columns["timing_slope"][2] = np.nan
    result = AnalyticDispReconstructor(
        disp_scale=f"{DISP_SCALE} deg", head_tail="timing", weight_power=weight_power
    )(subarray, parameters)
    assert separation(result["alt"], result["az"], alt, az)[0] < 1e-9


def test_a_larger_intensity_pulls_harder(subarray):
    # telescope 3 on the wrong side: the mean moves towards its position, the more so
    # the larger its weight; weight_power = 0 weighs all alike
    event = simple_event((70.4, 10.6), intensities=(300.0, 300.0, 3000.0), side=[1, 1, 1])
    parameters = make_events([event], rng=np.random.default_rng(5))
    parameters.columns["hillas_skewness"][2] *= -1
    offsets = []
    for power in (0.0, 0.5, 1.0, 2.0):
        result = AnalyticDispReconstructor(
            disp_scale=f"{DISP_SCALE} deg", head_tail="skewness", weight_power=power
        )(subarray, parameters)
        offsets.append(separation(result["alt"], result["az"], 70.4, 10.6)[0])
    # the offset is |wrong - true| * w3 / (w1 + w2 + w3): 1/3, 10^.5/(2+10^.5), 10/12, 100/102
    ratios = np.array([1 / 3, 10**0.5 / (2 + 10**0.5), 10 / 12, 100 / 102])
    np.testing.assert_allclose(np.array(offsets) / offsets[0] * ratios[0], ratios, rtol=1e-3)


def test_closest_pair_directions_by_hand():
    # event 0: candidates +: (1, 0), (0.1, 0); -: (-1, 0), (5, 0) → the pair near 1
    # for tel 0 (+ at 1, distance 0.9 to tel 1's +), tel 1 (+ at 0.1: 0.9, - at 5: 4)
    # event 1 (three tels): the true position (2, 2) is the + of tel 2 and the - of 3, 4
    event = [0, 0, 1, 1, 1]
    plus_lon, plus_lat = [1.0, 0.1, 2.0, 7.0, 2.0], [0.0, 0.0, 2.0, 0.0, -4.0]
    minus_lon, minus_lat = [-1.0, 5.0, -3.0, 2.0, 2.0], [0.0, 0.0, 0.0, 2.0, 2.0]
    directions = closest_pair_directions(event, plus_lon, plus_lat, minus_lon, minus_lat)
    np.testing.assert_array_equal(directions, [1, 1, 1, -1, -1])
    # rows of one event need not be adjacent
    order = [2, 0, 4, 1, 3]
    shuffled = closest_pair_directions(
        np.array(event)[order],
        *(np.array(a)[order] for a in (plus_lon, plus_lat, minus_lon, minus_lat)),
    )
    np.testing.assert_array_equal(shuffled, directions[order])


def test_head_tail_directions():
    skew = [0.4, -0.1, np.nan, 0.0, 0.2]
    slope = [np.nan, -3.0, 1.0, 0.0, 0.0]
    np.testing.assert_array_equal(head_tail_directions(skew), [-1, 1, 0, 0, -1])
    np.testing.assert_array_equal(
        head_tail_directions(skew, slope, method="timing"), [-1, 1, -1, 0, -1]
    )
    np.testing.assert_array_equal(
        head_tail_directions(None, slope, method="timing"), [0, 1, -1, 0, 0]
    )
    with pytest.raises(ValueError, match="needs the DL1 column hillas_skewness"):
        head_tail_directions(None, slope, method="skewness")


# --- selection and invalid events --------------------------------------------------------


def test_events_without_enough_telescopes_are_kept_invalid(subarray):
    rng = np.random.default_rng(11)
    good = simple_event((70.4, 10.6))
    faint = simple_event((70.4, 10.6), intensities=(300.0, 20.0, 30.0))  # one usable
    leaky = simple_event((70.4, 10.6), intensities=(300.0, 300.0))
    leaky["tels"][1]["override"] = {"leakage_intensity_width_2": 0.9}
    no_skew = simple_event((70.4, 10.6), intensities=(300.0, 300.0, 300.0))
    no_skew["tels"][0]["override"] = {"hillas_skewness": np.nan}
    lonely = {"source": (60.0, 0.0), "pointing": (60.0, 0.0), "tels": []}  # no rows at all
    events = [good, faint, leaky, lonely, no_skew]
    parameters = make_events(events, rng=rng)
    reco = AnalyticDispReconstructor(
        disp_scale=f"{DISP_SCALE} deg", head_tail="skewness", max_leakage_intensity_width_2=0.2
    )
    result = reco(subarray, parameters)
    assert all(len(values) == 5 for values in result.values())
    assert result["is_valid"].tolist() == [True, False, False, False, True]
    assert result["multiplicity"].tolist() == [3, 0, 0, 0, 2]
    np.testing.assert_array_equal(result["telescopes"][4], [False, True, True, False])
    assert not result["telescopes"][1:4].any()
    for name in DL2_COLUMNS:
        if name not in ("is_valid", "multiplicity"):
            assert np.all(np.isnan(result[name][1:4])), name
    assert separation(result["alt"][4], result["az"][4], 70.4, 10.6)[0] < 1e-9
    # with closest-pair the NaN skewness does not matter
    result = AnalyticDispReconstructor(
        disp_scale=f"{DISP_SCALE} deg", max_leakage_intensity_width_2=0.2
    )(subarray, parameters)
    assert result["multiplicity"].tolist() == [3, 0, 0, 0, 3]
    # min_multiplicity = 3
    result = AnalyticDispReconstructor(disp_scale=f"{DISP_SCALE} deg", min_multiplicity=3)(
        subarray, parameters
    )
    assert result["is_valid"].tolist() == [True, False, False, False, True]


def test_no_usable_telescope_at_all(subarray):
    parameters = make_events(
        [simple_event((70.4, 10.6), intensities=(10.0, 10.0))], rng=np.random.default_rng(1)
    )
    result = AnalyticDispReconstructor()(subarray, parameters)
    assert result["is_valid"].tolist() == [False]
    assert np.isnan(result["alt"][0]) and result["telescopes"].shape == (1, 4)


def test_skewness_mode_needs_the_column(subarray):
    parameters = make_events([simple_event((70.4, 10.6))], rng=np.random.default_rng(1))
    del parameters.columns["hillas_skewness"]
    with pytest.raises(ValueError, match="head_tail = 'skewness' needs the DL1 column"):
        AnalyticDispReconstructor(head_tail="skewness")(subarray, parameters)
    # timing uses the slope alone then
    result = AnalyticDispReconstructor(disp_scale=f"{DISP_SCALE} deg", head_tail="timing")(
        subarray, parameters
    )
    assert separation(result["alt"], result["az"], 70.4, 10.6)[0] < 1e-9


# --- batch == one by one -----------------------------------------------------------------


def _subset(parameters, event):
    rows = parameters.event_index == event
    return StereoParameters(
        n_events=1,
        event_index=np.zeros(rows.sum(), int),
        tel_id=parameters.tel_id[rows],
        pointing_alt=parameters.pointing_alt[rows],
        pointing_az=parameters.pointing_az[rows],
        array_pointing_alt=parameters.array_pointing_alt[[event]],
        array_pointing_az=parameters.array_pointing_az[[event]],
        columns={k: v[rows] for k, v in parameters.columns.items()},
    )


@pytest.mark.parametrize("head_tail", ["closest-pair", "skewness"])
def test_batch_equals_one_by_one(subarray, head_tail):
    rng = np.random.default_rng(21)
    events = []
    for _ in range(40):
        pointing = (rng.uniform(40, 80), rng.uniform(0, 360))
        source = (pointing[0] + rng.uniform(-1.5, 1.5), pointing[1] + rng.uniform(-1.5, 1.5))
        n = int(rng.integers(1, 5))
        intensities = tuple(rng.uniform(20, 2000, n))
        events.append(simple_event(source, pointing, intensities=intensities))
    parameters = make_events(events, rng=rng)
    # blur the images so that the telescopes disagree, and shuffle the rows
    noise = {"hillas_psi": 3.0, "hillas_fov_lon": 0.05, "hillas_fov_lat": 0.05}
    order = rng.permutation(parameters.n_telescope_events)
    columns = {
        k: (v + rng.normal(0, noise[k], len(v)) if k in noise else v)[order]
        for k, v in parameters.columns.items()
    }
    parameters = StereoParameters(
        n_events=parameters.n_events,
        event_index=parameters.event_index[order],
        tel_id=parameters.tel_id[order],
        pointing_alt=parameters.pointing_alt[order],
        pointing_az=parameters.pointing_az[order],
        array_pointing_alt=parameters.array_pointing_alt,
        array_pointing_az=parameters.array_pointing_az,
        columns=columns,
    )
    reco = AnalyticDispReconstructor(head_tail=head_tail, weight_power=0.5)
    batch = reco(subarray, parameters)
    assert 10 < batch["is_valid"].sum() < 40
    assert np.nanmax(batch["alt_uncert"]) > 0.001
    for event in range(parameters.n_events):
        single = reco(subarray, _subset(parameters, event))
        for name, values in batch.items():
            np.testing.assert_allclose(
                single[name][0], values[event], rtol=1e-12, atol=1e-9, err_msg=name
            )
    check_reconstructor(reco, subarray, parameters)


# --- parameters and the plugin class ------------------------------------------------------


def test_plugin_class_contract():
    check_plugin_class(AnalyticDispReconstructor)
    assert AnalyticDispReconstructor.summary() == SUMMARY["summary"]
    assert SUMMARY["distribution"] == "cherenkit-analytic-disp"
    assert SUMMARY["status"] == "contrib"
    reco = AnalyticDispReconstructor(disp_scale="72 arcmin")
    assert reco.disp_scale.unit == u.deg and reco.disp_scale.value == pytest.approx(1.2)
    assert reco.head_tail == "closest-pair" and reco.weight_power == 1.0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"disp_scale": 1.2}, "missing unit"),
        ({"disp_scale": "0 deg"}, "must be > 0"),
        ({"disp_scale": "3 m"}, "wrong unit"),
        ({"head_tail": "random"}, "'closest-pair', 'skewness', 'timing'"),
        ({"weight_power": -1.0}, "must be >= 0"),
        ({"min_multiplicity": 1}, "must be >= 2"),
    ],
)
def test_bad_parameters_are_rejected(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        AnalyticDispReconstructor(**kwargs)


def test_docstring_examples():
    failures, tried = doctest.testmod(reconstructor, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tried >= 3 and failures == 0


# --- installed alongside cherenkit-core, used through the command line --------------------


def _environ() -> dict:
    """The environment without anything that points at the project's own venv."""
    skip = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "UV_PROJECT_ENVIRONMENT"}
    return {k: v for k, v in os.environ.items() if k not in skip}


def _run(args, *, cwd, stdin=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=_environ(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )


LOCAL_PACKAGES = {
    "cherenkit-core": REPO / "core",
    "cherenkit-toysim": REPO / "plugins" / "toysim",
    "cherenkit-cleaning": REPO / "plugins" / "cleaning",
    "cherenkit-analytic-disp": PLUGIN,
}


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory):
    """A virtual environment with cherenkit-core, toysim, cleaning and analytic-disp only."""
    from uv import find_uv_bin

    root = tmp_path_factory.mktemp("analytic-disp-env")
    venv = root / "venv"
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    uv = find_uv_bin()
    # rebuild the local packages from the working tree, never from uv's cache
    refresh = [arg for name in LOCAL_PACKAGES for arg in ("--refresh-package", name)]
    install = [uv, "pip", "install", "--python", bindir / "python", *LOCAL_PACKAGES.values()]
    # cwd outside the repository, so that uv reads no project settings from it
    for args in (
        [uv, "venv", venv, "--python", sys.executable, "--quiet"],
        [*install, *refresh, "--quiet"],
    ):
        done = _run(args, cwd=root)
        if done.returncode != 0:
            pytest.fail(f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")
    return root, bindir


@pytest.mark.slow
def test_plugins_list_and_show_in_a_fresh_env(fresh_env):
    root, bindir = fresh_env
    done = _run([bindir / "cherenkit", "plugins", "list", "--json"], cwd=root)
    assert done.returncode == 0, done.stderr
    described = json.loads(done.stdout)
    plugins = {(p["kind"], p["name"]): p for p in described["plugins"]}
    entry = plugins["reconstructor", "analytic-disp"]
    assert entry["installed"] is True
    assert entry["distribution"] == "cherenkit-analytic-disp"
    assert entry["version"] == VERSION
    assert entry["status"] == "contrib"
    assert entry["summary"] == SUMMARY["summary"]
    assert entry["class"] == "cherenkit_analytic_disp.reconstructor.AnalyticDispReconstructor"
    assert described["failures"] == []

    done = _run([bindir / "cherenkit", "plugins", "list"], cwd=root)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if " analytic-disp " in line)
    assert "cherenkit-analytic-disp" in row

    done = _run([bindir / "cherenkit", "plugins", "show", "analytic-disp"], cwd=root)
    assert done.returncode == 0, done.stderr
    assert f"distribution: cherenkit-analytic-disp {VERSION}  [contrib]" in done.stdout
    lines = done.stdout.splitlines()
    table = lines[lines.index("Parameters:") + 1 :]
    names = {line.split()[0] for line in table[1:] if line.strip()}
    assert {
        "disp_scale",
        "head_tail",
        "weight_power",
        "min_intensity",
        "min_pixels",
        "max_leakage_intensity_width_2",
        "min_multiplicity",
    } <= names
    disp_row = next(line for line in table if line.startswith("disp_scale"))
    assert '"1.4 deg"' in disp_row and "> 0" in disp_row


PROCESS_CONFIG = """\
[process]
source = { name = "toy", n_events = 200, seed = 3, layout = "lst4" }

[process.reconstructor]
name = "analytic-disp"
disp_scale = "1.2 deg"
"""

READ_DL2 = """
import json, sys
import h5py
import numpy as np

def angle_rad(table, names):
    # the truth as stored: (true_alt, true_az) with a unit attribute, or (alt_rad, az_rad)
    for name in names:
        if name in table:
            values = table[name][()]
            unit = table[name].attrs.get("unit", "rad" if name.endswith("_rad") else "deg")
            return np.deg2rad(values) if unit == "deg" else values
    raise KeyError(f"none of {names} in {table.name}: {sorted(table)}")

with h5py.File(sys.argv[1], "r") as f:
    group = f["dl2/event/subarray/geometry/analytic-disp"]
    columns = sorted(group)
    reco = {k: group[k][()] for k in ("alt", "az", "is_valid", "multiplicity")}
    reco_ids = {k: group[k][()] for k in ("obs_id", "event_id") if k in group}
    shower = f["simulation/shower"]
    alt_true = angle_rad(shower, ("true_alt", "alt_rad"))
    az_true = angle_rad(shower, ("true_az", "az_rad"))
    truth_ids = {k: shower[k][()] for k in ("obs_id", "event_id") if k in shower}
if set(reco_ids) == set(truth_ids) == {"obs_id", "event_id"}:
    where = {(o, e): i for i, (o, e) in enumerate(zip(truth_ids["obs_id"], truth_ids["event_id"]))}
    rows = np.array([where[(o, e)] for o, e in zip(reco_ids["obs_id"], reco_ids["event_id"])])
else:
    rows = np.arange(len(reco["alt"]))
alt_true, az_true = alt_true[rows], az_true[rows]
alt, az = np.deg2rad(reco["alt"]), np.deg2rad(reco["az"])
cos_sep = np.sin(alt) * np.sin(alt_true) + np.cos(alt) * np.cos(alt_true) * np.cos(az - az_true)
sep = np.rad2deg(np.arccos(np.clip(cos_sep, -1, 1)))
valid = reco["is_valid"].astype(bool)
print(json.dumps({
    "columns": columns,
    "n_rows": int(len(valid)),
    "n_valid": int(valid.sum()),
    "n_valid_within_1deg": int((valid & (sep < 1.0)).sum()),
    "separation_valid": sep[valid].tolist(),
    "invalid_all_nan": bool(np.all(np.isnan(reco["alt"][~valid]))),
    "multiplicity_valid": reco["multiplicity"][valid].tolist(),
    "multiplicity_invalid": reco["multiplicity"][~valid].tolist(),
}))
"""


@pytest.mark.slow
def test_cherenkit_process_with_analytic_disp(fresh_env):
    root, bindir = fresh_env
    config = root / "process.toml"
    config.write_text(PROCESS_CONFIG)
    out = root / "out.h5"
    done = _run(
        [bindir / "cherenkit", "process", "-o", out, "--config", config, "--max-events", "30"],
        cwd=root,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    assert out.is_file()
    done = _run([bindir / "python", "-c", textwrap.dedent(READ_DL2), out], cwd=root)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert {"alt", "az", "is_valid", "multiplicity"} <= set(summary["columns"]), summary
    assert 0 < summary["n_rows"] <= 30
    assert summary["n_valid"] >= 1, summary
    assert summary["n_valid_within_1deg"] >= 1, summary
    # the toy showers are gamma rays: most reconstructed directions are close
    assert summary["n_valid_within_1deg"] >= summary["n_valid"] / 2, summary
    assert all(m >= 2 for m in summary["multiplicity_valid"])
    assert set(summary["multiplicity_invalid"]) <= {0}
    assert summary["invalid_all_nan"]
