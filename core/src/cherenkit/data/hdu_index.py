"""The GADF HDU index table: where each HDU of each observation lives.

References
----------
.. [GADF] "Data formats for gamma-ray astronomy", "HDU index table":
   https://gamma-astro-data-formats.readthedocs.io/en/latest/data_storage/hdu_index/index.html
"""

from __future__ import annotations

from pathlib import Path

import attrs
import numpy as np
from astropy.table import Table

from cherenkit.errors import DataFormatError

from ._utils import header_meta, parse_unit

__all__ = ["HDU_CLASSES", "HDU_TYPES", "HDUIndexTable", "HDULocation", "table_from_hdu"]

#: Valid ``HDU_TYPE`` values (GADF, plus ``pointing`` written by some tools).
HDU_TYPES = ("events", "gti", "aeff", "edisp", "psf", "bkg", "rad_max", "pointing")
#: Valid ``HDU_CLASS`` values (GADF).
HDU_CLASSES = (
    "events",
    "gti",
    "aeff_2d",
    "edisp_2d",
    "psf_table",
    "psf_3gauss",
    "psf_king",
    "bkg_2d",
    "bkg_3d",
    "rad_max_2d",
    "pointing",
)
_REQUIRED_COLUMNS = ("OBS_ID", "HDU_TYPE", "HDU_CLASS", "FILE_DIR", "FILE_NAME", "HDU_NAME")


@attrs.frozen
class HDULocation:
    """One row of the HDU index: an HDU of an observation and its file."""

    obs_id: int
    hdu_type: str
    hdu_class: str
    path: Path
    hdu_name: str


def table_from_hdu(hdu, cls, *, where):
    """A `~astropy.table.Table` (subclass ``cls``) from a `FitsTableHDU`, with units."""
    table = cls(meta=header_meta(hdu.header))
    data = hdu.data
    for column in hdu.columns:
        values = data.field(column.name)
        if values.dtype.kind == "S":
            values = np.char.rstrip(np.char.decode(values, "ascii", errors="replace"))
        elif values.dtype.byteorder not in "=|":
            values = values.astype(values.dtype.newbyteorder("="))
        else:
            values = np.array(values)
        table[column.name] = values
        unit = parse_unit(column.unit, where=where, column=column.name)
        if unit is not None:
            table[column.name].unit = unit
    return table


class HDUIndexTable(Table):
    """HDU index table (GADF): one row per HDU of each observation.

    Columns ``OBS_ID``, ``HDU_TYPE``, ``HDU_CLASS``, ``FILE_DIR``,
    ``FILE_NAME``, ``HDU_NAME`` (strings stripped). ``meta["BASE_DIR"]`` is
    the directory that ``FILE_DIR`` is relative to: the ``BASE_DIR`` header
    keyword when present (relative values taken from the index file's
    folder), otherwise the folder of the index file, as GADF specifies.
    """

    @classmethod
    def read(cls, filename, *, hdu=None):
        """Read the HDU index from a FITS file.

        Parameters
        ----------
        filename : str or `~pathlib.Path`
        hdu : str, optional
            Extension name. Default: the HDU with ``HDUCLAS1='INDEX'`` and
            ``HDUCLAS2='HDU'``, else ``HDU_INDEX``, else the first table.

        Raises
        ------
        cherenkit.errors.DataFormatError
            Missing file, HDU or required column.
        """
        from ._fits import read_fits

        filename = Path(filename)
        return cls.from_fits(read_fits(filename), hdu=hdu)

    @classmethod
    def from_fits(cls, fits_file, *, hdu=None):
        """Read from an already opened `cherenkit.data._fits.FitsFile`."""
        filename = Path(fits_file.filename)
        found = find_index_hdu(fits_file, "HDU", name=hdu or "HDU_INDEX", explicit=hdu is not None)
        where = f"{filename}[{found.name}]"
        table = table_from_hdu(found, cls, where=where)
        missing = [c for c in _REQUIRED_COLUMNS if c not in table.colnames]
        if missing:
            raise DataFormatError(
                filename, f"HDU index lacks column(s) {missing}; it has {table.colnames}"
            )
        for name in ("HDU_TYPE", "HDU_CLASS"):
            table[name] = np.char.lower(np.char.strip(np.asarray(table[name], dtype=str)))
        for name in ("FILE_DIR", "FILE_NAME", "HDU_NAME"):
            table[name] = np.char.strip(np.asarray(table[name], dtype=str))
        base = str(table.meta.get("BASE_DIR", "")).strip()
        base_dir = filename.parent / base if base else filename.parent
        table.meta["BASE_DIR"] = str(base_dir)
        table.meta["INDEX_FILE"] = str(filename)
        return table

    @property
    def base_dir(self) -> Path:
        """Directory the ``FILE_DIR`` entries are relative to."""
        return Path(self.meta.get("BASE_DIR", "."))

    @property
    def obs_id_unique(self):
        """Sorted unique observation ids (`numpy.ndarray`)."""
        return np.unique(np.asarray(self["OBS_ID"]))

    @property
    def hdu_type_unique(self):
        """Sorted HDU types present (`list` of str)."""
        return sorted(set(np.asarray(self["HDU_TYPE"]).tolist()))

    @property
    def hdu_class_unique(self):
        """Sorted HDU classes present (`list` of str)."""
        return sorted(set(np.asarray(self["HDU_CLASS"]).tolist()))

    def locations(self):
        """``{obs_id: {hdu_type: [HDULocation, ...]}}`` for the whole table."""
        base = self.base_dir
        out: dict[int, dict[str, list[HDULocation]]] = {}
        columns = [np.asarray(self[c]).tolist() for c in _REQUIRED_COLUMNS]
        for obs_id, hdu_type, hdu_class, file_dir, file_name, hdu_name in zip(
            *columns, strict=True
        ):
            path = base / file_dir / file_name if file_dir else base / file_name
            location = HDULocation(int(obs_id), hdu_type, hdu_class, path, hdu_name)
            out.setdefault(int(obs_id), {}).setdefault(hdu_type, []).append(location)
        return out

    def summary(self) -> str:
        """A few lines describing the table."""
        ids = self.obs_id_unique
        span = f"{ids[0]} -- {ids[-1]}" if len(ids) else "none"
        return (
            "HDU index table:\n"
            f"BASE_DIR: {self.base_dir}\n"
            f"Rows: {len(self)}\n"
            f"OBS_ID: {span}\n"
            f"HDU_TYPE: {self.hdu_type_unique}\n"
            f"HDU_CLASS: {self.hdu_class_unique}\n"
        )


def find_index_hdu(fits_file, kind, *, name, explicit):
    """The index HDU of ``kind`` ("HDU" or "OBS") in a file, or raise."""
    if explicit:
        found = fits_file.get(name)
        if found is None:
            raise DataFormatError(
                fits_file.filename, f"no HDU named {name!r}; HDUs: {fits_file.names}"
            )
        return found
    for hdu in fits_file.hdus[1:]:
        header = hdu.header
        if (
            str(header.get("HDUCLAS1", "")).strip().upper() == "INDEX"
            and str(header.get("HDUCLAS2", "")).strip().upper() == kind
        ):
            return hdu
    found = fits_file.get(name)
    if found is not None:
        return found
    tables = [h for h in fits_file.hdus[1:] if h.is_table]
    declared = [h for h in tables if str(h.header.get("HDUCLAS1", "")).strip().upper() == "INDEX"]
    if len(tables) == 1 and not declared:
        return tables[0]
    raise DataFormatError(
        fits_file.filename,
        f"no {'HDU' if kind == 'HDU' else 'observation'} index HDU "
        f"(HDUCLAS1='INDEX', HDUCLAS2={kind!r}, or EXTNAME {name!r}); HDUs: {fits_file.names}",
    )
