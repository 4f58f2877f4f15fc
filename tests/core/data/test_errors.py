"""Every bad input gives one DataFormatError that names the observation and the file."""

import gzip
import subprocess
import sys

import numpy as np
import pytest
from conftest import aeff_hdu, events_hdu, gti_hdu, hdu_index_hdu, obs_index_hdu, write

from cherenkit.data import DataStore, EventList
from cherenkit.errors import DataFormatError, ParameterError


def _store(tmp_path, *hdus, rows=None, gz=False):
    name = "run.fits.gz" if gz else "run.fits"
    write(tmp_path / name, *hdus)
    rows = rows or [
        (9, "events", "events", "", name, "EVENTS"),
        (9, "gti", "gti", "", name, "GTI"),
        (9, "aeff", "aeff_2d", "", name, "EFFECTIVE AREA"),
    ]
    write(tmp_path / "hdu-index.fits.gz", hdu_index_hdu(rows))
    write(tmp_path / "obs-index.fits.gz", obs_index_hdu([9]))
    return DataStore.from_dir(tmp_path)


def test_missing_data_store(tmp_path):
    with pytest.raises(DataFormatError, match="data store directory not found"):
        DataStore.from_dir(tmp_path / "nowhere")
    with pytest.raises(DataFormatError, match=r"hdu-index.fits.gz: file not found"):
        DataStore.from_dir(tmp_path)
    write(
        tmp_path / "hdu-index.fits.gz",
        hdu_index_hdu([(1, "events", "events", "", "x.fits", "EVENTS")]),
    )
    assert DataStore.from_dir(tmp_path).obs_table is None  # the default obs index is optional
    with pytest.raises(DataFormatError, match=r"other.fits: file not found"):
        DataStore.from_dir(tmp_path, obs_table_filename="other.fits")


def test_missing_file(tmp_path):
    store = _store(tmp_path, events_hdu(9), gti_hdu())
    (tmp_path / "run.fits").unlink()
    with pytest.raises(DataFormatError) as info:
        _ = store.obs(9).events
    assert info.value.file == str(tmp_path / "run.fits")
    assert str(info.value) == f"{tmp_path / 'run.fits'}: observation 9: file not found"


def test_missing_hdu(tmp_path):
    store = _store(tmp_path, events_hdu(9), gti_hdu())  # aeff indexed but not in the file
    obs = store.obs(9)
    assert len(obs.events) == 200
    with pytest.raises(
        DataFormatError,
        match=r"run.fits: observation 9: no 'aeff' HDU \(aeff_2d, HDU_NAME 'EFFECTIVE AREA'\) in the file",
    ):
        _ = obs.aeff


def test_obs_id_not_in_index(tmp_path):
    store = _store(tmp_path, events_hdu(9), gti_hdu(), aeff_hdu())
    with pytest.raises(
        DataFormatError,
        match=r"hdu-index.fits.gz: obs_id 10 is not in the HDU index; nearest ids: 9",
    ):
        store.obs(10)
    with pytest.raises(DataFormatError, match="obs_id 11 is not in the HDU index"):
        store.get_observations([9, 11], required_irf="all-optional")
    assert store.get_observations([9, 11], required_irf="all-optional", skip_missing=True).ids == [
        "9"
    ]
    with pytest.raises(
        DataFormatError, match="obs_id 12 is not in the observation index; nearest: 9"
    ):
        store.obs_table.select_obs_id(12)


def test_nearest_ids_listed(data_dir):
    store = DataStore.from_dir(data_dir / "hess-dl3-dr1")
    with pytest.raises(
        DataFormatError,
        match="obs_id 23524 is not in the HDU index; nearest ids: 23523, 23526, 23559, 23573, 23592",
    ):
        store.obs(23524)


def test_truncated_gzip(tmp_path):
    store = _store(tmp_path, events_hdu(9), gti_hdu(), gz=True)
    path = tmp_path / "run.fits.gz"
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(
        DataFormatError, match=r"run.fits.gz: observation 9: truncated or corrupt gzip stream"
    ):
        _ = store.obs(9).events


def test_truncated_fits(tmp_path):
    store = _store(tmp_path, events_hdu(9, n=5000), gti_hdu())
    path = tmp_path / "run.fits"
    raw = path.read_bytes()
    path.write_bytes(raw[: 2880 * 6])
    with pytest.raises(
        DataFormatError, match=r"run.fits: observation 9: truncated: HDU 1 \(EVENTS\) needs"
    ):
        _ = store.obs(9).events
    path.write_bytes(gzip.compress(b"not a fits file at all"))
    with pytest.raises(DataFormatError, match="not a FITS file"):
        _ = store.obs(9).events


def test_missing_and_wrong_units(tmp_path):
    store = _store(tmp_path, events_hdu(9, units=False), gti_hdu())
    with pytest.raises(
        DataFormatError,
        match=r"observation 9: column 'TIME' has no unit \(TUNIT\); expected time in s",
    ):
        _ = store.obs(9).events
    bad = events_hdu(9)
    bad.columns["ENERGY"].unit = "deg"
    bad = type(bad).from_columns(bad.columns, header=bad.header)
    store = _store(tmp_path, bad, gti_hdu())
    with pytest.raises(
        DataFormatError,
        match=r"run.fits\[EVENTS\]: observation 9: column 'ENERGY' has unit 'deg'; expected energy \(TeV\)",
    ):
        _ = store.obs(9).events


def test_missing_column(tmp_path):
    hdu = events_hdu(9)
    hdu.columns.del_col("ENERGY")
    hdu = type(hdu).from_columns(hdu.columns, header=hdu.header)
    store = _store(tmp_path, hdu, gti_hdu())
    with pytest.raises(
        DataFormatError, match=r"observation 9: EVENTS table lacks column\(s\) \['ENERGY'\]"
    ):
        _ = store.obs(9).events
    with pytest.raises(DataFormatError, match="EVENTS table lacks column"):
        EventList.read(tmp_path / "run.fits")


def test_unknown_hdu_class(tmp_path):
    rows = [
        (9, "events", "events", "", "run.fits", "EVENTS"),
        (9, "gti", "gti", "", "run.fits", "GTI"),
        (9, "aeff", "aeff_9d", "", "run.fits", "EFFECTIVE AREA"),
    ]
    store = _store(tmp_path, events_hdu(9), gti_hdu(), aeff_hdu(), rows=rows)
    with pytest.raises(
        DataFormatError, match=r"observation 9: unknown IRF class \(hdu_class='aeff_9d'\)"
    ):
        _ = store.obs(9).aeff


def test_required_irf_validation(tmp_path):
    store = _store(tmp_path, events_hdu(9), gti_hdu(), aeff_hdu())
    with pytest.raises(
        ParameterError,
        match="got 'full'; expected one of 'full-enclosure', 'point-like', 'all-optional'",
    ):
        store.get_observations(required_irf="full")
    with pytest.raises(ParameterError, match=r"unknown HDU type\(s\) \['psf3'\]"):
        store.get_observations(required_irf=["psf3"])
    with pytest.raises(
        DataFormatError, match=r"observation 9 lacks required HDU\(s\) \['edisp', 'psf', 'bkg'\]"
    ):
        store.obs(9, required_irf="full-enclosure")


def test_bad_index(tmp_path):
    write(tmp_path / "hdu-index.fits.gz", obs_index_hdu([1]))
    with pytest.raises(DataFormatError, match="no HDU index HDU"):
        DataStore.from_dir(tmp_path)
    hdu = hdu_index_hdu([(1, "events", "events", "", "x.fits", "EVENTS")])
    hdu.columns.del_col("HDU_NAME")
    write(tmp_path / "hdu-index.fits.gz", type(hdu).from_columns(hdu.columns, header=hdu.header))
    with pytest.raises(DataFormatError, match=r"HDU index lacks column\(s\) \['HDU_NAME'\]"):
        DataStore.from_dir(tmp_path)


def test_import_is_lazy():
    """Importing cherenkit.data (and touching its names lazily) loads no heavy modules."""
    code = (
        "import sys, cherenkit, cherenkit.data\n"
        "heavy = [m for m in ('astropy.io.fits', 'astropy.table', 'scipy', 'regions') if m in sys.modules]\n"
        "print(heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_fits_reader_matches_astropy(tmp_path):
    """The in-memory table decoder returns what astropy returns, including fallbacks."""
    from astropy.io import fits

    from cherenkit.data._fits import read_fits

    columns = [
        fits.Column("A", "K", array=np.arange(3)),
        fits.Column("B", "3E", unit="m", array=np.arange(9, dtype=np.float32).reshape(3, 3)),
        fits.Column("C", "6D", dim="(3,2)", array=np.arange(18.0).reshape(3, 2, 3)),
        fits.Column("S", "5A", array=np.array(["ab", "cdefg", ""])),
    ]
    scaled = [fits.Column("U", "I", bzero=32768, array=np.array([0, 40000, 65535], dtype=np.uint16)),
              fits.Column("L", "L", array=np.array([True, False, True]))]  # fmt: skip
    write(tmp_path / "t.fits", fits.BinTableHDU.from_columns(columns, name="FAST"),
          fits.BinTableHDU.from_columns(scaled, name="SLOW"))  # fmt: skip
    ours = read_fits(tmp_path / "t.fits")
    with fits.open(tmp_path / "t.fits") as hdul:
        for name in ("FAST", "SLOW"):
            for column in hdul[name].columns.names:
                expected = hdul[name].data[column]
                got = ours[name].data.field(column)
                assert got.shape == expected.shape, column
                if expected.dtype.kind in "US":
                    assert ours[name].column(column).tolist() == expected.tolist()
                else:
                    np.testing.assert_array_equal(got, expected)
    assert ours["FAST"].columns["B"].unit == "m"
    assert ours["FAST"].header["TTYPE1"] == "A" and ours["fast"].header["tform2"] == "3E"
