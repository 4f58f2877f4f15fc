"""Event files in HDF5: tables, instrument round trip, atomic writes, bad files."""

import astropy.units as u
import h5py
import numpy as np
import pytest

from cherenkit.errors import DataFormatError
from cherenkit.events import EventSource
from cherenkit.io.hdf5 import (
    EventFileWriter,
    append_tables,
    read_subarray,
    read_table,
    table_names,
)


def test_tables_append_and_read_back(tmp_path):
    path = tmp_path / "dl1.h5"
    with EventFileWriter(path) as writer:
        writer.write_config('[fit]\nstatistic = "cash"\n')
        for start in (0, 3):
            writer.append(
                "dl1/event/telescope/parameters/LST_LST_LSTCam",
                {
                    "event_id": np.arange(start, start + 3),
                    "hillas_length": np.arange(3) * 0.1 * u.deg,
                    "camera": np.array(["LSTCam"] * 3),
                    "image": np.ones((3, 5), np.float32),
                },
                meta={"cleaner": "tailcuts"},
            )
    table = read_table(path, "dl1/event/telescope/parameters/LST_LST_LSTCam")
    assert table["event_id"].tolist() == [0, 1, 2, 3, 4, 5]
    assert table["hillas_length"].unit == u.deg
    assert table["hillas_length"][4].value == pytest.approx(0.1)
    assert table["camera"][0] == "LSTCam"
    assert table["image"].shape == (6, 5) and table["image"].dtype == np.float32
    assert table.meta == {"cleaner": "tailcuts"}
    assert read_table(
        path,
        "dl1/event/telescope/parameters/LST_LST_LSTCam",
        columns=["event_id"],
        rows=slice(2, 4),
    )["event_id"].tolist() == [2, 3]
    assert table_names(path) == ["dl1/event/telescope/parameters/LST_LST_LSTCam"]
    with h5py.File(path) as handle:
        assert handle.attrs["format_version"] == "1.0"
        assert handle["configuration"].attrs["config"].startswith("[fit]")
        dataset = handle["dl1/event/telescope/parameters/LST_LST_LSTCam/image"]
        assert dataset.compression == "gzip" and dataset.chunks is not None


def test_a_failing_writer_leaves_no_file_and_keeps_an_old_one(tmp_path):
    path = tmp_path / "dl1.h5"
    with pytest.raises(RuntimeError), EventFileWriter(path) as writer:
        writer.append("t", {"a": np.arange(3)})
        raise RuntimeError("interrupted")
    assert not path.exists() and list(tmp_path.iterdir()) == []
    with EventFileWriter(path) as writer:
        writer.append("t", {"a": np.arange(2)})
    with pytest.raises(RuntimeError), EventFileWriter(path, overwrite=True) as writer:
        writer.append("t", {"a": np.arange(9)})
        raise RuntimeError("interrupted")
    assert len(read_table(path, "t")) == 2


def test_refuses_to_overwrite_unless_asked(tmp_path):
    path = tmp_path / "dl1.h5"
    path.write_text("old")
    with pytest.raises(DataFormatError, match=r"dl1.h5: exists already; pass overwrite=True"):
        EventFileWriter(path)


def test_bad_columns(tmp_path):
    with EventFileWriter(tmp_path / "x.h5") as writer:
        with pytest.raises(ValueError, match=r"table 't': columns differ in length \(a 3, b 2\)"):
            writer.append("t", {"a": np.arange(3), "b": np.arange(2)})
        writer.append("u", {"img": np.zeros((2, 4))})
        with pytest.raises(
            ValueError, match=r"column 'img': rows of shape \(5,\) do not match the file's \(4,\)"
        ):
            writer.append("u", {"img": np.zeros((2, 5))})
        # a bad column anywhere in the rows leaves the table untouched
        writer.append("v", {"id": np.arange(2), "img": np.zeros((2, 4))})
        with pytest.raises(ValueError, match=r"column 'img': rows of shape \(3,\)"):
            writer.append("v", {"id": np.arange(2), "img": np.zeros((2, 3))})
        with pytest.raises(ValueError, match=r"table 'v': the rows have the columns \['id'\]"):
            writer.append("v", {"id": np.arange(2)})
    assert read_table(tmp_path / "x.h5", "v")["id"].tolist() == [0, 1]


def test_bad_files(tmp_path):
    text = tmp_path / "a.h5"
    text.write_text("not hdf5")
    with pytest.raises(DataFormatError, match=r"a.h5: not a readable HDF5 file"):
        read_table(text, "t")
    foreign = tmp_path / "b.h5"
    with h5py.File(foreign, "w") as handle:
        handle["x"] = [1]
    with pytest.raises(DataFormatError, match=r"b.h5: not a cherenkit event file"):
        read_table(foreign, "x")
    with pytest.raises(DataFormatError, match=r"c.h5: no such file"):
        read_table(tmp_path / "c.h5", "t")
    good = tmp_path / "d.h5"
    with EventFileWriter(good) as writer:
        writer.append("t", {"a": [1]})
    with pytest.raises(DataFormatError, match=r"has no table 'dl1'; tables: \['t'\]"):
        read_table(good, "dl1")
    with pytest.raises(DataFormatError, match=r"table 't' has no column 'b'"):
        read_table(good, "t", columns=["b"])
    with h5py.File(good, "a") as handle:
        handle.attrs["format_version"] = "2.0"
    with pytest.raises(
        DataFormatError, match=r"format version 2.0 is not readable by this cherenkit \(1.0\)"
    ):
        read_table(good, "t")


@pytest.mark.data
def test_the_instrument_round_trips(tmp_path, data_dir):
    with EventSource(data_dir / "simtel" / "gamma_prod6_tel_event_header_v4.simtel.zst") as source:
        subarray = source.subarray
    path = tmp_path / "dl1.h5"
    with EventFileWriter(path) as writer:
        writer.write_subarray(subarray)
    back = read_subarray(path)
    assert back.tel_ids.tolist() == subarray.tel_ids.tolist()
    assert np.allclose(back.positions.to_value(u.m), subarray.positions.to_value(u.m))
    for tel_id in subarray.tel_ids:
        ours, theirs = back.tel_descriptions[tel_id], subarray.tel_descriptions[tel_id]
        assert str(ours) == str(theirs)
        assert ours.optics == theirs.optics
        assert ours.camera.geometry == theirs.camera.geometry
        assert ours.camera.readout == theirs.camera.readout
    assert back == subarray


def test_append_tables_joins_files_row_by_row(tmp_path):
    for name, start in (("a.h5", 0), ("b.h5", 3)):
        with EventFileWriter(tmp_path / name) as writer:
            ids = np.arange(start, start + 3)
            writer.append(
                "t/x", {"id": ids, "e": ids * 1.5 * u.TeV, "img": np.ones((3, 4)) * ids[:, None]}
            )
            if start:
                writer.append("only/in/b", {"id": ids})
    with h5py.File(tmp_path / "a.h5", "a") as a, h5py.File(tmp_path / "b.h5", "r") as b:
        append_tables(a, b)
    joined = read_table(tmp_path / "a.h5", "t/x")
    assert joined["id"].tolist() == list(range(6)) and joined["e"].unit == u.TeV
    assert joined["e"].to_value(u.TeV).tolist() == [1.5 * i for i in range(6)]
    assert joined["img"][:, 0].tolist() == list(range(6))
    assert read_table(tmp_path / "a.h5", "only/in/b")["id"].tolist() == [3, 4, 5]
    with EventFileWriter(tmp_path / "c.h5") as writer:
        writer.append("t/x", {"id": np.arange(2)})
    with h5py.File(tmp_path / "a.h5", "a") as a, h5py.File(tmp_path / "c.h5", "r") as c:
        with pytest.raises(DataFormatError, match="table 't/x' has other columns"):
            append_tables(a, c)
