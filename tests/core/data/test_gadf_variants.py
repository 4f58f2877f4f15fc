"""Point-like IRFs, non-standard names, minimal and combined index files."""

import numpy as np
import pytest
from conftest import (
    aeff_hdu,
    edisp_hdu,
    events_hdu,
    gti_hdu,
    hdu_index_hdu,
    obs_index_hdu,
    rad_max_hdu,
    write,
)

from cherenkit.data import DataStore, EventList, Observations
from cherenkit.errors import DataFormatError


def test_pointlike_store_loads(pointlike_store):
    store = DataStore.from_dir(pointlike_store)
    assert store.obs_ids.tolist() == [1, 2]
    assert store.obs_table.colnames == ["OBS_ID", "RA_PNT", "DEC_PNT", "TSTART", "TSTOP"]
    # full-enclosure needs psf and bkg: not there
    with pytest.raises(
        DataFormatError, match=r"observation 1 lacks required HDU\(s\) \['psf', 'bkg'\]"
    ):
        store.get_observations()
    assert len(store.get_observations(required_irf="full-enclosure", skip_missing=True)) == 0
    observations = store.get_observations(required_irf="point-like")
    assert observations.ids == ["1", "2"]
    first, second = observations
    assert len(first.events) == 200 and len(second.events) == 200
    assert first.available_irfs == ["aeff", "edisp", "rad_max"]
    assert first.aeff.is_pointlike and first.edisp.is_pointlike
    assert first.psf is None and first.bkg is None and first.bkg_fov_alignment is None
    # RAD_MAX_2D HDU, found by HDUCLAS though named "THETA CUT"
    np.testing.assert_allclose(
        first.rad_max.quantity.to_value("deg")[:, 0], np.linspace(0.3, 0.1, 6)
    )
    # fixed cut from the RAD_MAX keyword of the point-like aeff
    assert second.available_irfs == ["aeff", "edisp"]
    assert second.rad_max.is_fixed_rad_max
    assert second.rad_max.quantity.to_value("deg").item() == pytest.approx(0.2)
    assert second.aeff.meta["LO_THRES"] == 0.1
    # observation facts from the EVENTS header
    assert first.observation_dead_time_fraction == pytest.approx(0.05)
    assert first.observation_live_time_duration.to_value("s") == pytest.approx(1140.0)
    assert first.pointing.dec.deg == pytest.approx(22.51)
    assert first.observatory_earth_location.lat.deg == pytest.approx(28.76)
    assert first.get_pointing_altaz(first.tmid).alt.deg > -90


def test_required_irf_lists(pointlike_store):
    store = DataStore.from_dir(pointlike_store)
    assert store.get_observations(required_irf=["rad_max"], skip_missing=True).ids == ["1"]
    assert store.get_observations(required_irf="all-optional").ids == ["1", "2"]
    assert store.get_observations([2, 1], required_irf=["aeff"]).ids == ["2", "1"]


def test_hdu_found_by_hduclas_not_name(tmp_path):
    """The index HDU_NAME is wrong, but the HDUCLAS keywords identify the HDU."""
    write(
        tmp_path / "run.fits", events_hdu(7, name="EV"), gti_hdu(name="TIMES"), aeff_hdu(name="A")
    )
    rows = [
        (7, "events", "events", "", "run.fits", "EVENTS"),
        (7, "gti", "gti", "", "run.fits", "GTI"),
        (7, "aeff", "aeff_2d", "", "run.fits", "AEFF"),
    ]
    write(tmp_path / "hdu-index.fits.gz", hdu_index_hdu(rows))
    store = DataStore.from_dir(tmp_path)
    assert store.obs_table is None  # no obs index: allowed
    obs = store.obs(7)
    assert len(obs.events) == 200 and len(obs.gti) == 1 and obs.aeff is not None
    assert "No observation index table" in store.info(show=False)


def test_legacy_files_without_hduclas_found_by_name(tmp_path):
    events = events_hdu(3)
    for key in ("HDUCLASS", "HDUCLAS1", "HDUVERS"):
        del events.header[key]
    write(tmp_path / "run.fits", events, gti_hdu())
    rows = [
        (3, "events", "events", "", "run.fits", "events"),
        (3, "gti", "gti", "", "run.fits", "GTI"),
    ]
    write(tmp_path / "hdu-index.fits.gz", hdu_index_hdu(rows))
    assert len(DataStore.from_dir(tmp_path).obs(3).events) == 200


def test_two_hdus_of_one_type_picked_by_name(tmp_path):
    write(tmp_path / "run.fits", events_hdu(4), gti_hdu(), aeff_hdu(name="AEFF_STD"),
          aeff_hdu(name="AEFF_HARD", rad_max_keyword=0.1))  # fmt: skip
    rows = [
        (4, "events", "events", "", "run.fits", "EVENTS"),
        (4, "gti", "gti", "", "run.fits", "GTI"),
        (4, "aeff", "aeff_2d", "", "run.fits", "AEFF_HARD"),
    ]
    write(tmp_path / "hdu-index.fits.gz", hdu_index_hdu(rows))
    assert DataStore.from_dir(tmp_path).obs(4).aeff.meta["RAD_MAX"] == 0.1


def test_from_file_with_both_indexes_and_base_dir(tmp_path):
    data = tmp_path / "somewhere" / "runs"
    data.mkdir(parents=True)
    write(data / "run.fits", events_hdu(5), gti_hdu(), aeff_hdu(pointlike=True),
          edisp_hdu(pointlike=True), rad_max_hdu())  # fmt: skip
    rows = [
        (5, t, c, "runs", "run.fits", n)
        for t, c, n in [("events", "events", "EVENTS"), ("gti", "gti", "GTI"),
                        ("aeff", "aeff_2d", "EFFECTIVE AREA"),
                        ("edisp", "edisp_2d", "ENERGY DISPERSION"),
                        ("rad_max", "rad_max_2d", "RAD_MAX")]
    ]  # fmt: skip
    index = tmp_path / "index" / "store.fits"
    index.parent.mkdir()
    write(index, hdu_index_hdu(rows, base_dir=tmp_path / "somewhere"), obs_index_hdu([5]))
    store = DataStore.from_file(index)
    assert store.hdu_table.base_dir == tmp_path / "somewhere"
    assert len(store.obs_table) == 1
    obs = store.get_observations(required_irf="point-like")[0]
    assert len(obs.events) == 200 and obs.rad_max is not None
    # HDU index alone
    write(index, hdu_index_hdu(rows, base_dir="../somewhere"))
    store = DataStore.from_file(index)
    assert store.obs_table is None and len(store.obs(5).events) == 200


def test_gti_times_and_operations(tmp_path):
    path = write(
        tmp_path / "gti.fits", gti_hdu(intervals=[(100.0, 200.0), (150.0, 300.0), (400.0, 450.0)])
    )
    from cherenkit.data import GTI
    from cherenkit.data._fits import read_fits

    gti = GTI.from_hdu(read_fits(path)[1])
    assert gti.time_sum.to_value("s") == 100 + 150 + 50
    merged = gti.union()
    assert merged.met_start.value.tolist() == [100.0, 400.0]
    assert merged.met_stop.value.tolist() == [300.0, 450.0]
    # absolute time = MJDREF (TT) + MET seconds
    assert gti.time_start[0].tt.mjd == pytest.approx(
        51910 + 7.428703703703703e-4 + 100 / 86400, abs=1e-12
    )
    other = GTI(np.array([180.0, 420.0]), np.array([410.0, 500.0]), gti.reference)
    both = gti.intersection(other)
    assert both.met_start.value.tolist() == [180.0, 400.0, 420.0]
    assert both.met_stop.value.tolist() == [300.0, 410.0, 450.0]
    assert GTI.stack([merged, other]).met_start.value.tolist() == [100.0, 400.0, 180.0, 420.0]
    clipped = merged.select_time(merged.time_start[0] + [50, 120] * merged.time_sum.unit)
    # bounds given as Time: exact to astropy's Time arithmetic (~1e-12 s)
    np.testing.assert_allclose(clipped.met_start.value, [150.0], atol=1e-9)
    np.testing.assert_allclose(clipped.met_stop.value, [220.0], atol=1e-9)
    # round trip through a GTI HDU
    from astropy.io import fits

    hdu = fits.BinTableHDU(merged.to_table_hdu().data, merged.to_table_hdu().header)
    back = GTI.from_hdu(hdu)
    assert back.met_start.value.tolist() == [100.0, 400.0]
    assert back.time_start[0] == merged.time_start[0]


def test_event_list_write_read_stack(tmp_path, pointlike_store):
    store = DataStore.from_dir(pointlike_store)
    first, second = store.get_observations(required_irf="point-like")
    path = tmp_path / "out.fits"
    first.events.write(path, gti=first.gti)
    back = EventList.read(path)
    assert len(back) == 200
    np.testing.assert_array_equal(back.table["ENERGY"], first.events.table["ENERGY"])
    assert back.meta["RA_PNT"] == first.events.meta["RA_PNT"]
    with pytest.raises(FileExistsError):
        first.events.write(path)
    stacked = first.events.stack(second.events)
    assert len(stacked) == 400
    assert (stacked.time[200:] == second.events.time).all()


def test_observations_container(pointlike_store):
    store = DataStore.from_dir(pointlike_store)
    observations = store.get_observations(required_irf="point-like")
    assert observations[0].obs_id == 1 and observations["2"].obs_id == 2
    assert observations[["2"]].ids == ["2"]
    assert observations[np.array([False, True])].ids == ["2"]
    assert len(observations[:1]) == 1
    groups = observations.group_by_label(["a", "b"])
    assert {k: v.ids for k, v in groups.items()} == {"a": ["1"], "b": ["2"]}
    assert Observations.from_stack([observations, observations]).ids == ["1", "2", "1", "2"]
    with pytest.raises(KeyError, match="obs_id '9'"):
        _ = observations["9"]
    # select_time: only run 1 overlaps its own first 600 s; events and GTI cut
    run1 = observations[0]
    interval = run1.tstart + [0, 600] * run1.observation_time_duration.unit
    selected = observations.select_time(interval)
    assert selected.ids == ["1"]
    met = np.asarray(run1.events.table["TIME"])
    start = run1.gti.met_start.value[0]
    assert len(selected[0].events) == np.count_nonzero((met >= start) & (met < start + 600))
    assert selected[0].observation_time_duration.to_value("s") == pytest.approx(600.0)
    assert selected[0].aeff is run1.aeff
