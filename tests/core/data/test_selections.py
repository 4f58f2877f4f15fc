"""Observation-table and event-list selections against masks computed directly."""

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import Angle, SkyCoord, angular_separation
from astropy.time import Time

from cherenkit.data import DataStore
from cherenkit.errors import ParameterError

pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def store(data_dir):
    return DataStore.from_dir(data_dir / "hess-dl3-dr1")


@pytest.fixture(scope="module")
def events(store):
    return store.obs(23523).events


def test_sky_circle(store):
    table = store.obs_table
    selection = dict(type="sky_circle", frame="galactic", lon=Angle(184.56, "deg"),
                     lat=Angle(-5.78, "deg"), radius=Angle(2, "deg"), border=Angle(1, "deg"))  # fmt: skip
    selected = table.select_observations(selection)
    center = SkyCoord(184.56, -5.78, unit="deg", frame="galactic").icrs
    ra = np.deg2rad(np.asarray(table["RA_PNT"], dtype=float))
    dec = np.deg2rad(np.asarray(table["DEC_PNT"], dtype=float))
    mask = np.rad2deg(angular_separation(center.ra.rad, center.dec.rad, ra, dec)) < 3.0
    assert (
        selected["OBS_ID"].tolist()
        == table["OBS_ID"][mask].tolist()
        == [23523, 23526, 23559, 23592]
    )
    inverted = table.select_observations({**selection, "inverted": True})
    assert len(inverted) == len(table) - 4


def test_time_box(store):
    table = store.obs_table
    time_range = Time(["2004-12-04T22:00:00", "2004-12-05T00:00:00"], scale="tt")
    selected = table.select_observations(dict(type="time_box", time_range=time_range))
    # direct: MJDREF (TT) + TSTART/TSTOP seconds inside the range
    mjdref = table.meta["MJDREFI"] + table.meta["MJDREFF"]
    start = mjdref + np.asarray(table["TSTART"]) / 86400
    stop = mjdref + np.asarray(table["TSTOP"]) / 86400
    mask = (start >= time_range[0].mjd) & (stop <= time_range[1].mjd)
    assert selected["OBS_ID"].tolist() == table["OBS_ID"][mask].tolist()
    assert 23523 in selected["OBS_ID"] and len(selected) == 2
    window = Time(["2004-12-04T22:30:00", "2004-12-04T23:00:00"], scale="tt")
    partial = table.select_time_range(window, partial_overlap=True)
    mask = (stop >= window[0].mjd) & (start <= window[1].mjd)
    assert partial["OBS_ID"].tolist() == table["OBS_ID"][mask].tolist() == [23523, 23526]


def test_par_box(store):
    table = store.obs_table
    selected = table.select_observations(
        dict(type="par_box", variable="ZEN_PNT", value_range=[20, 40] * u.deg)
    )
    zen = np.asarray(table["ZEN_PNT"])
    assert selected["OBS_ID"].tolist() == table["OBS_ID"][(zen >= 20) & (zen < 40)].tolist()
    # units converted: radians work too
    in_rad = table.select_range("ZEN_PNT", ([20, 40] * u.deg).to(u.rad))
    assert in_rad["OBS_ID"].tolist() == selected["OBS_ID"].tolist()
    # unitless column, exact value when min == max
    four = table.select_observations(dict(type="par_box", variable="N_TELS", value_range=[4, 4]))
    assert four["OBS_ID"].tolist() == table["OBS_ID"][np.asarray(table["N_TELS"]) == 4].tolist()
    ids = table.select_observations(
        dict(type="par_box", variable="OBS_ID", value_range=[23523, 23560])
    )
    assert ids["OBS_ID"].tolist() == [23523, 23526, 23559]
    # chained selections
    both = table.select_observations([
        dict(type="par_box", variable="ZEN_PNT", value_range=[40, 50] * u.deg),
        dict(type="par_box", variable="OBS_ID", value_range=[23000, 24000]),
    ])  # fmt: skip
    ids = np.asarray(table["OBS_ID"])
    direct = (zen >= 40) & (zen < 50) & (ids >= 23000) & (ids < 24000)
    assert both["OBS_ID"].tolist() == ids[direct].tolist()
    assert len(both) > 0


def test_selection_errors(store):
    table = store.obs_table
    with pytest.raises(
        ParameterError, match="got 'circle'; expected one of 'sky_circle', 'time_box', 'par_box'"
    ):
        table.select_observations(dict(type="circle"))
    with pytest.raises(ParameterError, match="no column 'ZEN_PMT'; did you mean 'ZEN_PNT'"):
        table.select_observations(
            dict(type="par_box", variable="ZEN_PMT", value_range=[0, 1] * u.deg)
        )
    with pytest.raises(
        ParameterError, match=r"select_observations.radius: missing for type 'sky_circle'"
    ):
        table.select_observations(dict(type="sky_circle", frame="icrs", lon=0, lat=0))


def test_select_obs_id(store):
    assert store.obs_table.select_obs_id([23559, 23523])["OBS_ID"].tolist() == [23559, 23523]


def test_event_selections(events):
    energy = np.asarray(events.table["ENERGY"])
    selected = events.select_energy([1, 10] * u.TeV)
    assert len(selected) == np.count_nonzero((energy >= 1) & (energy < 10))
    assert len(events.select_energy([1000, 10000] * u.GeV)) == len(selected)
    offset = events.offset.deg
    assert len(events.select_offset([0.5, 1.5] * u.deg)) == np.count_nonzero(
        (offset >= 0.5) & (offset < 1.5)
    )
    met = np.asarray(events.table["TIME"])
    t0 = events.time_ref + (met[100] + 0.0) * u.s
    t1 = events.time_ref + (met[2000] + 0.0) * u.s
    by_time = events.select_time(Time([t0, t1]))
    assert len(by_time) == np.count_nonzero((met >= met[100]) & (met < met[2000]))
    assert len(events.select_time(Time([t0, t1]), inverted=True)) == len(events) - len(by_time)
    rows = events.select_row_subset(np.arange(10))
    assert rows.table["EVENT_ID"].tolist() == events.table["EVENT_ID"][:10].tolist()


def test_select_region(events):
    from regions import CircleSkyRegion, RectangleSkyRegion

    crab = SkyCoord(83.633, 22.014, unit="deg")
    ra = np.deg2rad(np.asarray(events.table["RA"], dtype=float))
    dec = np.deg2rad(np.asarray(events.table["DEC"], dtype=float))
    sep = np.rad2deg(angular_separation(crab.ra.rad, crab.dec.rad, ra, dec))
    inside = events.select_region(CircleSkyRegion(crab, 0.2 * u.deg))
    assert len(inside) == np.count_nonzero(sep < 0.2) > 0
    two = events.select_region([CircleSkyRegion(crab, 0.2 * u.deg),
                                CircleSkyRegion(events.pointing_radec, 0.1 * u.deg)])  # fmt: skip
    sep2 = np.rad2deg(
        angular_separation(events.pointing_radec.ra.rad, events.pointing_radec.dec.rad, ra, dec)
    )
    assert len(two) == np.count_nonzero((sep < 0.2) | (sep2 < 0.1))
    ds9 = events.select_region("icrs; circle(83.633, 22.014, 0.2)")
    assert len(ds9) == len(inside)
    box = events.select_region(RectangleSkyRegion(crab, 1 * u.deg, 1 * u.deg))
    assert 0 < len(box) < len(events)


def test_fov_coordinates(events):
    """gammapy's FoV convention: lon reversed (positive towards lower RA), lat north."""
    lon, lat = events.fov_lon.deg, events.fov_lat.deg
    pointing = events.pointing_radec
    frame = pointing.skyoffset_frame()
    # float64 positions: astropy keeps float32 inputs in float32 arithmetic
    radec = SkyCoord(
        np.asarray(events.table["RA"], dtype=float),
        np.asarray(events.table["DEC"], dtype=float),
        unit="deg",
    )
    offset_frame = radec.transform_to(frame)
    np.testing.assert_allclose(lon, -offset_frame.lon.wrap_at(180 * u.deg).deg, atol=1e-9)
    np.testing.assert_allclose(lat, offset_frame.lat.deg, atol=1e-9)
    near = events.offset.deg < 3  # the flat-sky approximation holds near the centre
    np.testing.assert_allclose(np.hypot(lon, lat)[near], events.offset.deg[near], rtol=1e-3)
    ra = np.asarray(events.table["RA"], dtype=float)
    east = ra > pointing.ra.deg + 0.5
    assert np.all(lon[east] < 0)


def test_peek(events):
    import matplotlib

    matplotlib.use("Agg")
    fig = events.peek()
    assert len(fig.axes) >= 3
    assert fig.axes[0].get_xlabel() == "Energy [TeV]"
    import matplotlib.pyplot as plt

    plt.close(fig)
