"""TableLoader: joins of trigger, DL2, truth and telescope events; selection; chunks; errors."""

import astropy.units as u
import h5py
import numpy as np
import pytest
from astropy.table import vstack

from cherenkit.errors import DataFormatError
from cherenkit.io import TableLoader
from cherenkit.io.hdf5 import EventFileWriter

LST, MST = "LST_LST_LSTCam", "MST_MST_NectarCam"
TYPES = {1: LST, 2: LST, 3: MST, 4: MST, 5: MST, 6: MST}  # tel 6 never triggers
N_PIXELS = {LST: 7, MST: 5}
# array events in file order: obs 20 before obs 10 (not sorted), shared event_ids
EVENTS = [(20, 1), (20, 2), (20, 3), (20, 5), (10, 1), (10, 2), (10, 4), (10, 7), (10, 8)]
HILLAS_MISSING = {3, 7}  # array event positions without a "hillas" DL2 row
HI_PRESENT = {0, 2, 4, 6, 8}  # positions with a "hillas-intersection" row
MST_NO_IMAGE = {4}  # positions whose MST images were not written


def _tels(i):
    """Telescopes of array event i."""
    tels = [t for t, keep in ((1, i % 2 == 0), (2, i % 3 != 0)) if keep]
    return [*tels, 3, *([4] if i % 2 else []), *([5] if i < 3 else [])]


def _intensity(i, tel_id):
    return 1000.0 * i + tel_id


def _dl2_row(label, i):
    """Expected DL2 values of event i (alt in deg, core_x in m, telescopes used)."""
    alt = 60.0 + i if label == "hillas" else 61.0 + 0.5 * i
    used = [t in _tels(i) and t != 3 for t in sorted(TYPES)]
    return {"alt": alt, "core_x": 10.0 * i - 5, "multiplicity": sum(used), "telescopes": used}


def _write(path, batches=((0, 4), (4, 9))):
    with EventFileWriter(path) as writer:
        writer.append(
            "instrument/subarray",
            {"tel_id": list(TYPES), "tel_description": list(TYPES.values())},
        )
        for lo, hi in batches:  # written batch by batch, like write_dl1
            idx = np.arange(lo, hi)
            keys = {
                "obs_id": np.array([EVENTS[i][0] for i in idx]),
                "event_id": np.array([EVENTS[i][1] for i in idx]),
            }
            writer.append(
                "dl1/event/subarray/trigger",
                {
                    **keys,
                    "event_type": np.full(len(idx), 32, np.int8),
                    "n_trigger": np.array([len(_tels(i)) for i in idx], np.int16),
                    "pointing_alt": (70.0 + 0.1 * idx) * u.deg,
                    "pointing_az": np.full(len(idx), 180.0) * u.deg,
                },
            )
            writer.append(
                "simulation/shower",
                {
                    **keys,
                    "true_energy": (0.1 * (idx + 1)) * u.TeV,
                    "true_alt": (69.0 + idx) * u.deg,
                    "true_core_x": (-3.0 * idx) * u.m,
                    "true_shower_primary_id": np.zeros(len(idx), np.int16),
                },
            )
            for label, present in (
                ("hillas", [i for i in idx if i not in HILLAS_MISSING]),
                ("hillas-intersection", [i for i in idx if i in HI_PRESENT]),
            ):
                rows = [_dl2_row(label, i) for i in present]
                writer.append(
                    f"dl2/event/subarray/geometry/{label}",
                    {
                        "obs_id": np.array([EVENTS[i][0] for i in present], np.int64),
                        "event_id": np.array([EVENTS[i][1] for i in present], np.int64),
                        "alt": np.array([r["alt"] for r in rows]) * u.deg,
                        "core_x": np.array([r["core_x"] for r in rows]) * u.m,
                        "multiplicity": np.array([r["multiplicity"] for r in rows], np.int16),
                        "is_valid": np.ones(len(rows), bool),
                        "telescopes": np.array([r["telescopes"] for r in rows], bool).reshape(
                            -1, len(TYPES)
                        ),
                    },
                )
            for tel_type in (LST, MST):
                tel = [(i, t) for i in idx for t in _tels(i) if TYPES[t] == tel_type]
                tel_keys = {
                    "obs_id": np.array([EVENTS[i][0] for i, _ in tel]),
                    "event_id": np.array([EVENTS[i][1] for i, _ in tel]),
                    "tel_id": np.array([t for _, t in tel], np.int16),
                }
                writer.append(
                    f"dl1/event/telescope/parameters/{tel_type}",
                    {
                        **tel_keys,
                        "hillas_intensity": np.array([_intensity(i, t) for i, t in tel]),
                        "hillas_fov_lon": np.array([0.01 * t for _, t in tel]) * u.deg,
                        "is_good": np.array([t != 2 for _, t in tel]),
                    },
                )
                keep = [
                    k for k, (i, _) in enumerate(tel) if tel_type == LST or i not in MST_NO_IMAGE
                ]
                n_pix = N_PIXELS[tel_type]
                image = np.array([[_intensity(i, t)] * n_pix for i, t in tel], np.float32)
                writer.append(
                    f"dl1/event/telescope/images/{tel_type}",
                    {
                        **{k: v[keep] for k, v in tel_keys.items()},
                        "image": image[keep].reshape(-1, n_pix),
                        "peak_time": (image[keep] * 0 + 3).reshape(-1, n_pix) * u.ns,
                        "image_mask": (image[keep] > 2000).reshape(-1, n_pix),
                    },
                )
        writer.append(
            "simulation/run",
            {
                "obs_id": [20, 10],
                "n_showers": [1000, 2000],
                "energy_range_min": [0.003, 0.01] * u.TeV,
                "corsika_version": np.array(["7.7", "7.8"]),
            },
        )
        writer.append(
            "simulation/service/shower_distribution",
            {
                "obs_id": [20, 10],
                "n_entries": [6, 4],
                "bins_energy": np.array([[0.1, 1, 10], [0.1, 1, 10]]) * u.TeV,
                "bins_core_dist": np.array([[0, 100, 200, 300]] * 2) * u.m,
                "histogram": np.arange(12).reshape(2, 2, 3),
            },
        )


@pytest.fixture(scope="module")
def path(tmp_path_factory):
    path = tmp_path_factory.mktemp("loader") / "events.h5"
    _write(path)
    return path


@pytest.fixture
def loader(path):
    with TableLoader(path) as loader:
        yield loader


def _tel_events(tel_ids=None):
    """Expected telescope events (position, tel_id) in the loader's order."""
    return [(i, t) for i in range(len(EVENTS)) for t in _tels(i) if tel_ids is None or t in tel_ids]


def _value_and_mask(column):
    if hasattr(column, "unmasked"):  # Masked Quantity
        return np.asarray(column.unmasked.value), np.asarray(column.mask)
    mask = getattr(column, "mask", None)
    values = np.asarray(getattr(column, "value", column))
    return values, np.zeros(values.shape, bool) if mask is None else np.asarray(mask)


def assert_tables_equal(actual, expected):
    assert actual.colnames == expected.colnames
    for name in expected.colnames:
        assert getattr(actual[name], "unit", None) == getattr(expected[name], "unit", None), name
        values, mask = _value_and_mask(actual[name])
        want_values, want_mask = _value_and_mask(expected[name])
        np.testing.assert_array_equal(mask, want_mask, err_msg=name)
        np.testing.assert_array_equal(values[~mask], want_values[~want_mask], err_msg=name)


# --- array events ----------------------------------------------------------------


def test_subarray_events_join_row_by_row(loader):
    events = loader.read_subarray_events()
    assert events.colnames == [
        "obs_id", "event_id", "event_type", "n_trigger", "pointing_alt", "pointing_az",
        "reco_hillas_alt", "reco_hillas_core_x", "reco_hillas_multiplicity", "reco_hillas_is_valid", "reco_hillas_telescopes",
        "reco_hillas_intersection_alt", "reco_hillas_intersection_core_x", "reco_hillas_intersection_multiplicity",
        "reco_hillas_intersection_is_valid", "reco_hillas_intersection_telescopes",
        "true_energy", "true_alt", "true_core_x", "true_shower_primary_id",
    ]  # fmt: skip
    assert list(zip(events["obs_id"].tolist(), events["event_id"].tolist(), strict=True)) == EVENTS
    assert events["reco_hillas_alt"].unit == u.deg and events["reco_hillas_core_x"].unit == u.m
    assert events["true_energy"].unit == u.TeV and events["pointing_alt"].unit == u.deg
    assert events["reco_hillas_telescopes"].shape == (len(EVENTS), len(TYPES))
    for i, row in enumerate(events):
        assert row["n_trigger"] == len(_tels(i))
        assert row["pointing_alt"].to_value(u.deg) == pytest.approx(70.0 + 0.1 * i)
        assert row["true_energy"].to_value(u.TeV) == pytest.approx(0.1 * (i + 1))
        assert row["true_core_x"].to_value(u.m) == pytest.approx(-3.0 * i)
        for label, present in (
            ("hillas", i not in HILLAS_MISSING),
            ("hillas_intersection", i in HI_PRESENT),
        ):
            expected = _dl2_row(label.replace("_", "-"), i)
            assert bool(events[f"reco_{label}_alt"].mask[i]) is not present
            assert bool(events[f"reco_{label}_telescopes"].mask[i].all()) is not present
            if present:
                assert events[f"reco_{label}_alt"][i].unmasked.to_value(u.deg) == expected["alt"]
                assert (
                    events[f"reco_{label}_core_x"][i].unmasked.to_value(u.m) == expected["core_x"]
                )
                assert events[f"reco_{label}_multiplicity"][i] == expected["multiplicity"]
                assert events[f"reco_{label}_telescopes"][i].tolist() == expected["telescopes"]
    # truth is complete: plain quantities, not masked
    assert not hasattr(events["true_energy"], "mask")


def test_subarray_events_options_and_ranges(loader):
    assert loader.dl2_labels == ["hillas", "hillas-intersection"]
    plain = loader.read_subarray_events(dl2=False, simulated=False)
    assert plain.colnames == [
        "obs_id", "event_id", "event_type", "n_trigger", "pointing_alt", "pointing_az",
    ]  # fmt: skip
    chosen = loader.read_subarray_events(
        columns=["true_energy", "reco_hillas_alt"], start=2, stop=5
    )
    assert chosen.colnames == ["obs_id", "event_id", "true_energy", "reco_hillas_alt"]
    assert chosen["event_id"].tolist() == [3, 5, 1]
    assert chosen["reco_hillas_alt"].mask.tolist() == [False, True, False]
    assert chosen["reco_hillas_alt"][0].unmasked.to_value(u.deg) == 62.0
    assert loader.read_subarray_events(start=-2)["event_id"].tolist() == [7, 8]


def test_unknown_columns_are_listed_with_what_exists(loader, path):
    with pytest.raises(DataFormatError) as err:
        loader.read_subarray_events(columns=["hilas_alt", "nope"])
    message = str(err.value)
    assert message.startswith(f"{path}: array events have no column 'hilas_alt', 'nope'")
    assert "(did you mean 'reco_hillas_alt'?)" in message
    assert "available: obs_id, event_id, event_type," in message and "true_energy" in message
    with pytest.raises(DataFormatError, match=r"no column 'reco_hillas_alt'; available: obs_id"):
        loader.read_subarray_events(dl2=False, columns=["reco_hillas_alt"])
    with pytest.raises(
        DataFormatError, match=r"telescope events of 'LST_LST_LSTCam' have no column 'image'"
    ):
        loader.read_telescope_events(LST, columns=["image"])


# --- telescope events ------------------------------------------------------------


def test_telescope_events_join_row_by_row(loader):
    assert loader.telescope_types == [LST, MST]
    table = loader.read_telescope_events()
    expected = _tel_events()
    assert len(table) == len(expected) == 27  # 3 + 4 + 4 + 2 + 3 + 3 + 2 + 3 + 3
    assert table.colnames[:3] == ["obs_id", "event_id", "tel_id"]
    assert {
        "hillas_intensity",
        "n_trigger",
        "reco_hillas_alt",
        "reco_hillas_is_used",
        "true_energy",
    } <= set(table.colnames)
    assert "reco_hillas_telescopes" not in table.colnames
    assert table["hillas_fov_lon"].unit == u.deg and table["true_energy"].unit == u.TeV
    for row, (i, tel_id) in zip(table, expected, strict=True):
        assert (row["obs_id"], row["event_id"], row["tel_id"]) == (*EVENTS[i], tel_id)
        assert row["hillas_intensity"] == _intensity(i, tel_id)
        assert row["hillas_fov_lon"].to_value(u.deg) == pytest.approx(0.01 * tel_id)
        assert row["is_good"] == (tel_id != 2)
        assert row["n_trigger"] == len(_tels(i))
        assert row["pointing_alt"].to_value(u.deg) == pytest.approx(70.0 + 0.1 * i)
        assert row["true_energy"].to_value(u.TeV) == pytest.approx(0.1 * (i + 1))
    hillas_present = np.array([i not in HILLAS_MISSING for i, _ in expected])
    assert table["reco_hillas_alt"].mask.tolist() == (~hillas_present).tolist()
    np.testing.assert_array_equal(
        table["reco_hillas_alt"].unmasked.to_value(u.deg)[hillas_present],
        [60.0 + i for i, _ in expected if i not in HILLAS_MISSING],
    )
    # used = the telescope took part in the event and is not tel 3 (see _dl2_row)
    assert table["reco_hillas_is_used"].mask.tolist() == (~hillas_present).tolist()
    np.testing.assert_array_equal(
        table["reco_hillas_is_used"].data.data[hillas_present],
        [t != 3 for i, t in expected if i not in HILLAS_MISSING],
    )


def test_selection_by_type_and_tel_id(loader, path):
    lst = loader.read_telescope_events(LST, dl2=False, simulated=False)
    assert lst["tel_id"].tolist() == [t for _, t in _tel_events({1, 2})]
    assert lst.colnames == [
        "obs_id", "event_id", "tel_id", "hillas_intensity", "hillas_fov_lon", "is_good",
        "event_type", "n_trigger", "pointing_alt", "pointing_az",
    ]  # fmt: skip
    mixed = loader.read_telescope_events([LST, 4], columns=["hillas_intensity"])
    assert mixed.colnames == ["obs_id", "event_id", "tel_id", "hillas_intensity"]
    assert [(int(e), int(t)) for e, t in zip(mixed["event_id"], mixed["tel_id"], strict=True)] == [
        (EVENTS[i][1], t) for i, t in _tel_events({1, 2, 4})
    ]
    by_type = loader.read_telescope_events_by_type([3, 5], start=1, stop=3)
    assert list(by_type) == [MST]
    assert by_type[MST]["tel_id"].tolist() == [3, 5, 3, 5]  # events 1 (3, 4, 5) and 2 (3, 5)
    assert len(loader.read_telescope_events(6)) == 0  # in the subarray, never triggered
    with pytest.raises(
        DataFormatError,
        match=r"has no telescope events of type 'LST_LST_LSTcam' \(did you mean 'LST_LST_LSTCam'\?\); it has \['LST_LST_LSTCam', 'MST_MST_NectarCam'\]",
    ):
        loader.read_telescope_events("LST_LST_LSTcam")
    with pytest.raises(DataFormatError, match=r"events.h5: has no telescope 7-8; tel_ids: 1-6"):
        loader.read_telescope_events([1, 7, 8])


def test_images_are_joined_and_masked_where_missing(loader, path):
    tables = loader.read_telescope_events_by_type(images=True, dl2=False, simulated=False)
    for tel_type, table in tables.items():
        expected = [(i, t) for i, t in _tel_events() if TYPES[t] == tel_type]
        assert table["image"].shape == (len(expected), N_PIXELS[tel_type])
        assert table["peak_time"].unit == u.ns
        images, mask = _value_and_mask(table["image"])
        missing = [tel_type == MST and i in MST_NO_IMAGE for i, _ in expected]
        assert mask.all(axis=1).tolist() == missing and not mask[~np.array(missing)].any()
        for row, ((i, t), gone) in enumerate(zip(expected, missing, strict=True)):
            if not gone:
                assert images[row].tolist() == [_intensity(i, t)] * N_PIXELS[tel_type]
    with pytest.raises(
        DataFormatError,
        match=r"'LST_LST_LSTCam' and 'MST_MST_NectarCam' have different columns or image sizes .* use read_telescope_events_by_type",
    ):
        loader.read_telescope_events(images=True)
    with pytest.raises(
        DataFormatError,
        match=r"has no true images of telescope type 'LST_LST_LSTCam' \(no table 'simulation/event/telescope/images/LST_LST_LSTCam'\); pass true_images=False",
    ):
        loader.read_telescope_events(LST, true_images=True)


# --- chunks ----------------------------------------------------------------------


@pytest.mark.parametrize("chunk_size", [1, 2, 4, 100])
def test_chunks_concatenate_to_the_whole_read(loader, chunk_size):
    whole = loader.read_subarray_events()
    chunks = list(loader.read_subarray_events_chunked(chunk_size))
    assert [(a, b) for a, b, _ in chunks] == [
        (a, min(a + chunk_size, len(EVENTS))) for a in range(0, len(EVENTS), chunk_size)
    ]
    assert_tables_equal(vstack([t for *_, t in chunks]), whole)

    tel_whole = loader.read_telescope_events()
    tel_chunks = list(loader.read_telescope_events_chunked(chunk_size))
    assert_tables_equal(vstack([t for *_, t in tel_chunks]), tel_whole)
    for start, stop, table in tel_chunks:  # a chunk holds the telescope events of its events
        assert len(table) == sum(len(_tels(i)) for i in range(start, stop))

    mst = loader.read_telescope_events(MST, images=True)
    mst_chunks = [t for *_, t in loader.read_telescope_events_chunked(chunk_size, MST, images=True)]
    assert_tables_equal(vstack(mst_chunks), mst)


def test_chunks_within_a_range(loader):
    chunks = list(
        loader.read_subarray_events_chunked(2, start=3, stop=8, columns=["reco_hillas_alt"])
    )
    assert [(a, b) for a, b, _ in chunks] == [(3, 5), (5, 7), (7, 8)]
    assert chunks[1][2]["event_id"].tolist() == [2, 4]
    with pytest.raises(ValueError, match=r"chunk_size must be a positive integer, got 0"):
        next(loader.read_telescope_events_chunked(0))


def test_chunked_reads_only_read_the_rows_of_each_chunk(loader, monkeypatch):
    reads = []
    original = TableLoader._read

    def spy(self, name, columns, rows):
        reads.append((name, len(rows)))
        return original(self, name, columns, rows)

    monkeypatch.setattr(TableLoader, "_read", spy)
    n_chunks = 0
    for start, stop, _ in loader.read_telescope_events_chunked(3, MST, images=True):
        n_chunks += 1
        n_tel = sum(TYPES[t] == MST for i in range(start, stop) for t in _tels(i))
        image_reads = [n for name, n in reads if name.startswith("dl1/event/telescope/images")]
        assert len(image_reads) == 1 and 0 < image_reads[0] <= n_tel
        assert all(n <= max(n_tel, 3) for _, n in reads)
        reads.clear()
    assert n_chunks == 3


def test_chunked_image_reads_hold_one_chunk_of_memory(tmp_path):
    import tracemalloc

    n_events, n_pixels, n_tels = 600, 500, 6
    path = tmp_path / "big.h5"
    with EventFileWriter(path) as writer:
        for lo in range(0, n_events, 200):
            ids = np.repeat(np.arange(lo, lo + 200), n_tels)
            keys = {"obs_id": np.ones(len(ids), int), "event_id": ids}
            writer.append(
                "dl1/event/subarray/trigger",
                {"obs_id": np.ones(200, int), "event_id": np.arange(lo, lo + 200)},
            )
            writer.append(
                f"dl1/event/telescope/images/{LST}",
                {
                    **keys,
                    "tel_id": np.tile(np.arange(1, n_tels + 1), 200),
                    "image": np.repeat(ids, n_pixels).reshape(-1, n_pixels).astype(np.float32),
                },
            )
    total = n_events * n_tels * n_pixels * 4  # 7.2 MB of images
    with TableLoader(path) as loader:
        tracemalloc.start()
        try:
            n_rows = 0
            for start, _, table in loader.read_telescope_events_chunked(20, images=True):
                assert (
                    table["image"][:, 0].tolist()
                    == np.repeat(np.arange(start, start + 20), n_tels).tolist()
                )
                n_rows += len(table)
                del table
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert n_rows == n_events * n_tels
        assert peak < total / 5, f"peak {peak} B for {total} B of images"
        # one telescope out of six: a sparse selection reads rows by index
        tel_2 = loader.read_telescope_events(2, images=True, start=100, stop=400)
        assert tel_2["event_id"].tolist() == list(range(100, 400))
        assert tel_2["image"][:, -1].tolist() == list(range(100, 400))


# --- simulation tables, keys, errors ----------------------------------------------


def test_simulation_config_and_shower_distribution(loader):
    config = loader.read_simulation_config()
    assert config["obs_id"].tolist() == [20, 10]
    assert config["energy_range_min"].to_value(u.TeV).tolist() == [0.003, 0.01]
    assert config["corsika_version"].tolist() == ["7.7", "7.8"]
    shower = loader.read_shower_distribution()
    assert shower["bins_energy"].unit == u.TeV and shower["bins_core_dist"].unit == u.m
    assert shower["histogram"].shape == (2, 2, 3)
    assert shower["histogram"][1].tolist() == [[6, 7, 8], [9, 10, 11]]


def test_observed_data_without_simulation(tmp_path):
    path = tmp_path / "observed.h5"
    with EventFileWriter(path) as writer:
        writer.append(
            "dl1/event/subarray/trigger",
            {"obs_id": [5, 5], "event_id": [1, 2], "time_mjd_tai": [60000.5, 60000.6]},
        )
    with TableLoader(path) as loader:
        events = loader.read_subarray_events()
        assert events.colnames == ["obs_id", "event_id", "time_mjd_tai"]
        assert loader.telescope_types == [] and len(loader.read_telescope_events()) == 0
        with pytest.raises(
            DataFormatError,
            match=r"observed.h5: has no table 'simulation/run'; tables: \['dl1/event/subarray/trigger'\]",
        ):
            loader.read_simulation_config()


def test_keys_too_wide_for_one_integer(tmp_path):
    """obs_id and event_id that need more than 63 bits together are still matched."""
    path = tmp_path / "wide.h5"
    obs, events = 2**40, np.array([2**30, 5, 2**31 + 1])
    with EventFileWriter(path) as writer:
        writer.append("dl1/event/subarray/trigger", {"obs_id": [obs] * 3, "event_id": events})
        writer.append(
            "dl2/event/subarray/geometry/hillas",
            {"obs_id": [obs, obs], "event_id": events[[2, 0]], "alt": [1.0, 2.0] * u.deg},
        )
    with TableLoader(path) as loader:
        alt = loader.read_subarray_events()["reco_hillas_alt"]
    assert alt.mask.tolist() == [False, True, False]
    assert alt.unmasked.to_value(u.deg)[[0, 2]].tolist() == [2.0, 1.0]


def test_bad_files_and_layouts(tmp_path, path):
    with pytest.raises(DataFormatError, match=r"missing.h5: no such file"):
        TableLoader(tmp_path / "missing.h5")
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as handle:
        handle["x"] = [1]
    with pytest.raises(DataFormatError, match=r"foreign.h5: not a cherenkit event file"):
        TableLoader(foreign)
    empty = tmp_path / "empty.h5"
    with EventFileWriter(empty) as writer:
        writer.append("simulation/shower", {"obs_id": [1], "event_id": [1]})
    with (
        TableLoader(empty) as loader,
        pytest.raises(
            DataFormatError, match=r"empty.h5: has no table 'dl1/event/subarray/trigger'"
        ),
    ):
        loader.read_subarray_events()
    clash = tmp_path / "clash.h5"
    with EventFileWriter(clash) as writer:
        writer.append("dl1/event/subarray/trigger", {"obs_id": [1], "event_id": [1]})
        for label in ("a-b", "a_b"):
            writer.append(
                f"dl2/event/subarray/geometry/{label}",
                {"obs_id": [1], "event_id": [1], "alt": [1.0]},
            )
    with (
        TableLoader(clash) as loader,
        pytest.raises(
            DataFormatError,
            match=r"column 'reco_a_b_alt' of table 'dl2/event/subarray/geometry/a_b' clashes with the one of 'dl2/event/subarray/geometry/a-b'",
        ),
    ):
        loader.read_subarray_events()
    duplicate = tmp_path / "duplicate.h5"
    with EventFileWriter(duplicate) as writer:
        writer.append("dl1/event/subarray/trigger", {"obs_id": [1, 2], "event_id": [1, 1]})
        writer.append("dl2/event/subarray/geometry/x", {"obs_id": [2, 2], "event_id": [1, 1]})
    with (
        TableLoader(duplicate) as loader,
        pytest.raises(
            DataFormatError,
            match=r"duplicate.h5: table 'dl2/event/subarray/geometry/x' has rows with the same keys",
        ),
    ):
        loader.read_subarray_events()
    keyless = tmp_path / "keyless.h5"
    with EventFileWriter(keyless) as writer:
        writer.append("dl1/event/subarray/trigger", {"obs_id": [1], "n_trigger": [2]})
    with (
        TableLoader(keyless) as loader,
        pytest.raises(
            DataFormatError,
            match=r"keyless.h5: table 'dl1/event/subarray/trigger' lacks key column 'event_id'",
        ),
    ):
        loader.read_subarray_events()
    loader = TableLoader(path)
    loader.close()
    with pytest.raises(ValueError, match=r"is closed"):
        loader.read_subarray_events()


def test_a_toy_dl1_file_reads_like_read_dl1_parameters(tmp_path):
    from cherenkit.calib import CameraCalibrator
    from cherenkit.events import EventSource
    from cherenkit.image import ImageProcessor
    from cherenkit.io.dl1 import read_dl1_parameters, write_dl1

    path = tmp_path / "toy.dl1.h5"
    source = EventSource(source="toy", n_events=60, seed=3, layout="mixed", min_multiplicity=2)
    processor = ImageProcessor(source.subarray, use_telescope_frame=False)
    counts = write_dl1(path, source, CameraCalibrator(source.subarray), processor, batch_size=8)
    with TableLoader(path) as loader:
        tables = loader.read_telescope_events_by_type()
        events = loader.read_subarray_events()
    assert len(events) == counts["n_events"] > 0 and events["true_energy"].unit == u.TeV
    assert sum(len(t) for t in tables.values()) == counts["n_telescope_events"]
    assert len(tables) > 1
    for tel_type, table in tables.items():
        reference = read_dl1_parameters(path, tel_type)  # astropy join: sorted by keys
        table.sort(["obs_id", "event_id", "tel_id"])
        reference.sort(["obs_id", "event_id", "tel_id"])
        assert sorted(table.colnames) == sorted(reference.colnames)
        assert_tables_equal(table, reference[table.colnames])
