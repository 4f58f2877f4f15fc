"""Small GADF DL3 files written on the fly: point-like IRFs, odd names, minimal indexes."""

import numpy as np
import pytest
from astropy.io import fits

MJDREF = {"MJDREFI": 51910, "MJDREFF": 7.428703703703703e-4, "TIMESYS": "TT", "TIMEUNIT": "s"}
SITE = {"GEOLON": -17.89, "GEOLAT": 28.76, "ALTITUDE": 2200.0}


def _gadf(header, clas1, clas2=None, clas3=None, clas4=None):
    header["HDUCLASS"] = "GADF"
    header["HDUVERS"] = "0.3"
    header["HDUCLAS1"] = clas1
    for key, value in (("HDUCLAS2", clas2), ("HDUCLAS3", clas3), ("HDUCLAS4", clas4)):
        if value is not None:
            header[key] = value
    return header


def events_hdu(obs_id, n=200, *, name="EVENTS", seed=0, tstart=1.0e8, units=True):
    rng = np.random.default_rng(seed + obs_id)
    ra0, dec0 = 83.63, 22.51
    header = _gadf(fits.Header(), "EVENTS")
    header.update(MJDREF)
    header.update(SITE)
    header.update(OBS_ID=obs_id, RA_PNT=ra0, DEC_PNT=dec0, RA_OBJ=83.63, DEC_OBJ=22.01)
    header.update(TSTART=tstart, TSTOP=tstart + 1200.0, DEADC=0.95, ONTIME=1200.0)
    header.update(LIVETIME=1140.0, OBS_MODE="POINTING", MUONEFF=0.9)
    time = np.sort(rng.uniform(tstart, tstart + 1200.0, n))
    unit = (lambda u: u) if units else (lambda u: None)
    columns = [
        fits.Column("EVENT_ID", "K", array=np.arange(n)),
        fits.Column("TIME", "D", unit=unit("s"), array=time),
        fits.Column("RA", "E", unit=unit("deg"), array=ra0 + rng.normal(0, 1.2, n)),
        fits.Column("DEC", "E", unit=unit("deg"), array=dec0 + rng.normal(0, 1.2, n)),
        fits.Column("ENERGY", "E", unit=unit("TeV"), array=10 ** rng.uniform(-1.3, 1.5, n)),
    ]
    hdu = fits.BinTableHDU.from_columns(columns, header=header)
    hdu.name = name
    return hdu


def gti_hdu(tstart=1.0e8, *, name="GTI", intervals=None):
    header = _gadf(fits.Header(), "GTI")
    header.update(MJDREF)
    intervals = intervals or [(tstart, tstart + 1200.0)]
    start, stop = np.array(intervals, dtype=float).T
    hdu = fits.BinTableHDU.from_columns(
        [
            fits.Column("START", "D", unit="s", array=start),
            fits.Column("STOP", "D", unit="s", array=stop),
        ],
        header=header,
    )
    hdu.name = name
    return hdu


def _irf_hdu(name, clas2, clas3, clas4, columns, extra=None):
    header = _gadf(fits.Header(), "RESPONSE", clas2, clas3, clas4)
    header.update(extra or {})
    hdu = fits.BinTableHDU.from_columns(columns, header=header)
    hdu.name = name
    return hdu


def _vec(name, values, unit=None, dim=None):
    values = np.asarray(values, dtype=np.float32)
    return fits.Column(
        name, f"{values.size}E", unit=unit, array=values.reshape(1, *values.shape), dim=dim
    )


ENERGY = np.geomspace(0.05, 50, 7)
OFFSET = np.array([0.0, 1.0, 2.0, 3.0])


def aeff_hdu(*, pointlike=False, name="EFFECTIVE AREA", rad_max_keyword=None):
    data = np.outer(np.ones(len(OFFSET) - 1), np.linspace(1e4, 5e5, len(ENERGY) - 1))
    extra = {"LO_THRES": 0.1, "HI_THRES": 40.0}
    if rad_max_keyword is not None:
        extra["RAD_MAX"] = rad_max_keyword
    return _irf_hdu(
        name,
        "EFF_AREA",
        "POINT-LIKE" if pointlike else "FULL-ENCLOSURE",
        "AEFF_2D",
        [
            _vec("ENERG_LO", ENERGY[:-1], "TeV"),
            _vec("ENERG_HI", ENERGY[1:], "TeV"),
            _vec("THETA_LO", OFFSET[:-1], "deg"),
            _vec("THETA_HI", OFFSET[1:], "deg"),
            _vec("EFFAREA", data, "m2", dim=f"({len(ENERGY) - 1},{len(OFFSET) - 1})"),
        ],
        extra,
    )


def edisp_hdu(*, pointlike=False, name="ENERGY DISPERSION"):
    migra = np.linspace(0.2, 5, 9)
    data = np.zeros((len(OFFSET) - 1, len(migra) - 1, len(ENERGY) - 1))
    data[:, 2, :] = 1.0 / (migra[3] - migra[2])
    return _irf_hdu(
        name,
        "EDISP",
        "POINT-LIKE" if pointlike else "FULL-ENCLOSURE",
        "EDISP_2D",
        [
            _vec("ENERG_LO", ENERGY[:-1], "TeV"),
            _vec("ENERG_HI", ENERGY[1:], "TeV"),
            _vec("MIGRA_LO", migra[:-1]),
            _vec("MIGRA_HI", migra[1:]),
            _vec("THETA_LO", OFFSET[:-1], "deg"),
            _vec("THETA_HI", OFFSET[1:], "deg"),
            _vec("MATRIX", data, dim=f"({len(ENERGY) - 1},{len(migra) - 1},{len(OFFSET) - 1})"),
        ],
    )


def rad_max_hdu(*, name="RAD_MAX"):
    data = np.outer(np.ones(len(OFFSET) - 1), np.linspace(0.3, 0.1, len(ENERGY) - 1))
    return _irf_hdu(
        name,
        "RAD_MAX",
        "POINT-LIKE",
        "RAD_MAX_2D",
        [
            _vec("ENERG_LO", ENERGY[:-1], "TeV"),
            _vec("ENERG_HI", ENERGY[1:], "TeV"),
            _vec("THETA_LO", OFFSET[:-1], "deg"),
            _vec("THETA_HI", OFFSET[1:], "deg"),
            _vec("RAD_MAX", data, "deg", dim=f"({len(ENERGY) - 1},{len(OFFSET) - 1})"),
        ],
    )


def hdu_index_hdu(rows, *, base_dir=None, name="HDU_INDEX"):
    """rows: (obs_id, hdu_type, hdu_class, file_dir, file_name, hdu_name)."""
    obs_id, hdu_type, hdu_class, file_dir, file_name, hdu_name = zip(*rows, strict=True)
    header = _gadf(fits.Header(), "INDEX", "HDU")
    if base_dir is not None:
        header["BASE_DIR"] = str(base_dir)
    hdu = fits.BinTableHDU.from_columns(
        [
            fits.Column("OBS_ID", "K", array=np.array(obs_id)),
            fits.Column("HDU_TYPE", "20A", array=np.array(hdu_type)),
            fits.Column("HDU_CLASS", "20A", array=np.array(hdu_class)),
            fits.Column("FILE_DIR", "40A", array=np.array(file_dir)),
            fits.Column("FILE_NAME", "40A", array=np.array(file_name)),
            fits.Column("HDU_NAME", "30A", array=np.array(hdu_name)),
        ],
        header=header,
    )
    hdu.name = name
    return hdu


def obs_index_hdu(obs_ids, *, name="OBS_INDEX", extra_columns=()):
    """A minimal observation index: OBS_ID, pointing and times only (plus extras)."""
    n = len(obs_ids)
    header = _gadf(fits.Header(), "INDEX", "OBS")
    header.update(MJDREF)
    columns = [
        fits.Column("OBS_ID", "K", array=np.array(obs_ids)),
        fits.Column("RA_PNT", "D", unit="deg", array=np.full(n, 83.63)),
        fits.Column("DEC_PNT", "D", unit="deg", array=np.full(n, 22.51)),
        fits.Column("TSTART", "D", unit="s", array=1.0e8 + 2000.0 * np.arange(n)),
        fits.Column("TSTOP", "D", unit="s", array=1.0e8 + 2000.0 * np.arange(n) + 1200.0),
        *extra_columns,
    ]
    hdu = fits.BinTableHDU.from_columns(columns, header=header)
    hdu.name = name
    return hdu


def write(path, *hdus):
    fits.HDUList([fits.PrimaryHDU(), *hdus]).writeto(path, overwrite=True)
    return path


@pytest.fixture
def pointlike_store(tmp_path):
    """Two point-like runs in data/, one with a RAD_MAX_2D HDU and one with a RAD_MAX keyword.

    Extension names are not GADF's suggestions ("EFFECTIVE AREA", ...), and the
    obs index has no optional columns.
    """
    data = tmp_path / "data"
    data.mkdir()
    rows = []
    write(
        data / "run_000001.fits.gz",
        events_hdu(1, name="EVENT LIST"),
        gti_hdu(name="GOOD TIMES"),
        aeff_hdu(pointlike=True),
        edisp_hdu(pointlike=True),
        rad_max_hdu(name="THETA CUT"),
    )
    for hdu_type, hdu_class, hdu_name in [
        ("events", "events", "EVENT LIST"),
        ("gti", "gti", "GOOD TIMES"),
        ("aeff", "aeff_2d", "EFFECTIVE AREA"),
        ("edisp", "edisp_2d", "ENERGY DISPERSION"),
        ("rad_max", "rad_max_2d", "THETA CUT"),
    ]:
        rows.append((1, hdu_type, hdu_class, "data", "run_000001.fits.gz", hdu_name))
    # run 2: events/gti in one file, IRFs in another, fixed RAD_MAX keyword
    write(
        data / "run_000002_events.fits", events_hdu(2, tstart=1.0e8 + 2000), gti_hdu(1.0e8 + 2000)
    )
    write(
        data / "irf_000002.fits",
        aeff_hdu(pointlike=True, rad_max_keyword=0.2),
        edisp_hdu(pointlike=True),
    )
    rows += [
        (2, "events", "events", "data", "run_000002_events.fits", "EVENTS"),
        (2, "gti", "gti", "data", "run_000002_events.fits", "GTI"),
        (2, "aeff", "aeff_2d", "data", "irf_000002.fits", "EFFECTIVE AREA"),
        (2, "edisp", "edisp_2d", "data", "irf_000002.fits", "ENERGY DISPERSION"),
    ]
    write(tmp_path / "hdu-index.fits.gz", hdu_index_hdu(rows))
    write(tmp_path / "obs-index.fits.gz", obs_index_hdu([1, 2]))
    return tmp_path
