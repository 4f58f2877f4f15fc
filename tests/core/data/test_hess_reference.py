"""H.E.S.S. DL3 DR1 read by cherenkit.data, against the values gammapy 2.1 computed.

The reference JSON stores float64 values rounded to 15 significant digits, so
"exact" here means: our value, rounded the same way, is the stored value.
"""

import json

import numpy as np
import pytest
from astropy.coordinates import angular_separation

from cherenkit.data import DataStore

pytestmark = pytest.mark.data


def r15(value):
    """A float rounded to 15 significant digits, as the reference files store them."""
    return float(f"{float(value):.15g}")


@pytest.fixture(scope="module")
def reference(reference_dir):
    return json.loads((reference_dir / "gammapy" / "obs_table.json").read_text())


@pytest.fixture(scope="module")
def store(data_dir):
    return DataStore.from_dir(data_dir / "hess-dl3-dr1")


@pytest.fixture(scope="module")
def crab(store, reference):
    ids = reference["crab_obs_ids_from_target_name"]
    return store.get_observations(ids)


def test_index_tables(store, reference):
    assert len(store.obs_table) == reference["n_obs"] == len(store.obs_ids)
    assert len(store.hdu_table) == reference["n_obs_hdu_index_rows"]
    names, counts = np.unique(np.asarray(store.obs_table["TARGET_NAME"]), return_counts=True)
    assert (
        dict(zip(names.tolist(), counts.tolist(), strict=True)) == reference["target_name_counts"]
    )
    names, counts = np.unique(np.asarray(store.obs_table["OBJECT"]), return_counts=True)
    assert dict(zip(names.tolist(), counts.tolist(), strict=True)) == reference["object_counts"]
    crab_ids = store.obs_table["OBS_ID"][store.obs_table["TARGET_NAME"] == "Crab"]
    assert crab_ids.tolist() == reference["crab_obs_ids_from_target_name"]
    assert str(store.obs_table["RA_PNT"].unit) == "deg"
    assert str(store.obs_table["TSTART"].unit) == "s"
    assert "Number of observations: 105" in store.info(show=False)


def test_obs_table_rows(store, reference):
    for run in reference["runs"]:
        expected = run["table"]
        row = store.obs_table.select_obs_id(expected["OBS_ID"])
        assert len(row) == 1
        for key, value in expected.items():
            got = row[key][0]
            if isinstance(value, int):
                assert int(got) == value, key
            else:
                assert r15(got) == value, key


def test_events(crab, reference):
    for obs, run in zip(crab, reference["runs"], strict=True):
        expected = run["events"]
        events = obs.events
        assert len(events) == expected["n_events"] == run["table"]["EVENT_COUNT"]
        energy = events.energy.to_value("TeV")
        assert energy.dtype == np.float32  # kept as stored
        assert r15(energy.min()) == expected["energy_min_TeV"]
        assert r15(energy.max()) == expected["energy_max_TeV"]
        assert r15(energy.sum()) == expected["energy_sum_TeV"]
        assert r15(events.table["RA"].mean()) == expected["ra_mean_deg"]
        assert r15(events.table["DEC"].mean()) == expected["dec_mean_deg"]
        # gammapy computes the offsets with the float32 event coordinates inside
        # astropy's trigonometry (errors up to ~4e-6 deg per event); ours are float64
        # throughout, so the mean agrees to float32 precision and exactly with a
        # float64 astropy computation
        offset = events.offset.deg
        assert offset.mean() == pytest.approx(expected["offset_mean_deg"], rel=2e-7)
        ra = np.deg2rad(np.asarray(events.table["RA"], dtype=np.float64))
        dec = np.deg2rad(np.asarray(events.table["DEC"], dtype=np.float64))
        pnt = obs.pointing
        exact = angular_separation(pnt.ra.rad, pnt.dec.rad, ra, dec)
        np.testing.assert_array_equal(offset, np.rad2deg(exact))
        met = np.asarray(events.table["TIME"])
        assert r15(met.min()) == expected["time_min_met_s"]
        assert r15(met.max()) == expected["time_max_met_s"]
        # absolute times: reference epoch + MET, in TT
        time = events.time
        assert time.scale == "tt"
        first = np.argmin(met)
        seconds = (time[first] - events.time_ref).to_value("s")
        assert seconds == pytest.approx(met[first], abs=1e-6)


def test_gti(crab, reference):
    for obs, run in zip(crab, reference["runs"], strict=True):
        expected = run["gti"]
        gti = obs.gti
        assert len(gti) == expected["n_intervals"]
        assert [r15(v) for v in gti.met_start.to_value("s")] == expected["start_met_s"]
        assert [r15(v) for v in gti.met_stop.to_value("s")] == expected["stop_met_s"]
        assert [r15(v) for v in gti.time_start.tt.mjd] == expected["start_mjd_tt"]
        assert [r15(v) for v in gti.time_stop.tt.mjd] == expected["stop_mjd_tt"]
        assert r15(gti.time_ref.tt.mjd) == expected["time_ref_mjd_tt"]
        # ours is STOP - START of the MET columns, exactly; gammapy subtracts two
        # `Time` objects and is off by up to ~1e-11 s (1682.99999999999 for 23526)
        time_sum = gti.time_sum.to_value("s")
        assert time_sum == float(np.sum(gti.met_stop.value - gti.met_start.value))
        assert time_sum == pytest.approx(expected["sum_duration_s"], rel=1e-14)


def test_observation_facts(crab, reference):
    for obs, run in zip(crab, reference["runs"], strict=True):
        expected = run["observation"]
        # durations within the ~1e-11 s of gammapy's Time arithmetic (see test_gti)
        duration = obs.observation_time_duration.to_value("s")
        assert duration == pytest.approx(expected["observation_time_duration_s"], rel=1e-14)
        livetime = obs.observation_live_time_duration.to_value("s")
        assert livetime == pytest.approx(expected["observation_live_time_duration_s"], rel=1e-14)
        assert livetime == duration * obs.header["DEADC"]  # GADF: LIVETIME = DEADC * ONTIME
        assert r15(obs.observation_dead_time_fraction) == expected["observation_dead_time_fraction"]
        assert [r15(obs.pointing.ra.deg), r15(obs.pointing.dec.deg)] == expected[
            "pointing_icrs_deg"
        ]
        assert obs.tstart == obs.gti.time_start[0] and obs.tstop == obs.gti.time_stop[-1]
        # the header holds float64, the index the same value as float32
        assert np.float32(obs.muoneff) == np.float32(run["table"]["MUONEFF"])
        assert r15(obs.target_radec.dec.deg) == pytest.approx(run["table"]["DEC_OBJ"], abs=1e-6)
        assert obs.meta["OBS_ID"] == obs.obs_id == run["table"]["OBS_ID"]
        assert obs.header["TELESCOP"] == "HESS"


def test_pointing_altaz(crab, reference):
    """Alt/az of the fixed RA/Dec pointing, against the obs-index ALT_PNT/AZ_PNT.

    H.E.S.S. gives one alt/az per run; the pointing direction sweeps ~7 deg of
    horizontal coordinates during a run and passes within ~0.5 deg of it. A wrong
    site, time scale or reference epoch would miss it by degrees.
    """
    for obs, run in zip(crab, reference["runs"], strict=True):
        times = obs.tstart + np.linspace(0, 1, 41) * (obs.tstop - obs.tstart)
        altaz = obs.get_pointing_altaz(times)
        ref = run["table"]
        distance = angular_separation(
            altaz.az.rad, altaz.alt.rad, np.deg2rad(ref["AZ_PNT"]), np.deg2rad(ref["ALT_PNT"])
        )
        assert np.rad2deg(distance).min() < 0.6
        location = obs.observatory_earth_location
        assert location.lat.deg == pytest.approx(-23.2717777777778)
        assert location.height.to_value("m") == pytest.approx(1835.0)


def test_aeff_thresholds(crab, reference):
    for obs, run in zip(crab, reference["runs"], strict=True):
        meta = obs.aeff.meta
        assert r15(meta["LO_THRES"]) == run["observation"]["aeff_LO_THRES_TeV"]
        assert r15(meta["HI_THRES"]) == run["observation"]["aeff_HI_THRES_TeV"]


def test_irfs_match_astropy_reader(store, data_dir):
    """load_irf on our in-memory HDUs gives what it gives on astropy's own HDUs."""
    from astropy.io import fits

    from cherenkit.irf import load_irf

    obs = store.obs(23523)
    path = data_dir / "hess-dl3-dr1" / "data" / "hess_dl3_dr1_obs_id_023523.fits.gz"
    with fits.open(path) as hdul:
        for name, irf in [
            ("AEFF", obs.aeff),
            ("EDISP", obs.edisp),
            ("PSF", obs.psf),
            ("BKG", obs.bkg),
        ]:
            assert load_irf(hdul[name]) == irf, name
    assert obs.available_irfs == ["aeff", "edisp", "psf", "bkg"]
    assert obs.rad_max is None  # full-enclosure: no RAD_MAX cut
    # H.E.S.S. DR1 background axes run the other way in RA (gammapy's REVERSE_LON_RADEC)
    assert obs.bkg.fov_alignment == "RADEC"
    assert obs.bkg_fov_alignment == "REVERSE_LON_RADEC"


def test_all_runs_load(data_dir):
    """Every run of the release loads events, GTI and all four IRFs."""
    store = DataStore.from_dir(data_dir / "hess-dl3-dr1")
    observations = store.get_observations()
    assert len(observations) == 105
    counts = dict(
        zip(
            store.obs_table["OBS_ID"].tolist(), store.obs_table["EVENT_COUNT"].tolist(), strict=True
        )
    )
    for obs in observations:
        assert len(obs.events) == counts[obs.obs_id]
        assert len(obs.gti) >= 1
        assert obs.observation_time_duration.to_value("s") > 0
        for irf in ("aeff", "edisp", "psf", "bkg"):
            assert getattr(obs, irf) is not None, (obs.obs_id, irf)
    # cached: the second access is the same object
    assert observations[0].events is observations[0].events
    assert observations[0].aeff is observations[0].aeff
