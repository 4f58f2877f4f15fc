"""A small, fast reader of FITS binary tables for DL3 files.

DL3 files are a handful of binary-table HDUs, usually gzip-compressed. Opening
them with `astropy.io.fits` costs far more in column bookkeeping than in reading
the bytes, so this module decompresses a file once into memory, walks its HDUs
(2880-byte blocks of 80-character cards, FITS standard 4.0 section 3) and turns
each binary table into a numpy record array with `numpy.frombuffer` (FITS
standard section 7.3). Headers are real `astropy.io.fits.Header` objects.

Columns whose storage needs astropy's interpretation (scaled or offset integers
``TSCAL``/``TZERO``, bit arrays ``X``, logicals ``L``, variable-length arrays
``P``/``Q``) are handed to astropy for that one HDU, so values are always what
astropy would return.

References
----------
.. [FITS] IAU FITS Working Group, "Definition of the Flexible Image Transport
   System (FITS), version 4.0", 2018, https://fits.gsfc.nasa.gov/fits_standard.html
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from pathlib import Path

import numpy as np

from cherenkit.errors import DataFormatError

__all__ = ["FitsFile", "FitsHeader", "FitsTableHDU", "parse_header", "read_fits"]

_BLOCK = 2880
_CARD = 80
_END = b"END" + b" " * 77
_TFORM = re.compile(r"^\s*(\d*)([A-Z])(.*)$")
# binary-table TFORM letter -> numpy dtype (big endian, FITS standard table 18)
_DTYPES = {
    "B": "u1",
    "I": ">i2",
    "J": ">i4",
    "K": ">i8",
    "E": ">f4",
    "D": ">f8",
    "C": ">c8",
    "M": ">c16",
}
_NEEDS_ASTROPY = set("LXPQ")


_INT = re.compile(r"^[+-]?\d+$")
_COMMENTARY = {"COMMENT", "HISTORY", ""}


class FitsHeader(dict):
    """The keywords of one HDU header as a dict (case-insensitive look-ups).

    Values are parsed as astropy parses them (strings without trailing
    blanks, ``T``/``F`` as bool, integers as int, other numbers as float).
    Commentary cards are left out; `to_astropy` gives the full header.
    """

    def __init__(self, values, text):
        super().__init__(values)
        self._text = text

    def __getitem__(self, key):
        return super().__getitem__(key.upper() if isinstance(key, str) else key)

    def __contains__(self, key):
        return super().__contains__(key.upper() if isinstance(key, str) else key)

    def get(self, key, default=None):
        return super().get(key.upper() if isinstance(key, str) else key, default)

    def to_astropy(self):
        """The header as an `astropy.io.fits.Header` (every card, comments included)."""
        from astropy.io import fits

        return fits.Header.fromstring(self._text)


def parse_header(text: str) -> FitsHeader:
    """Parse the cards of a header (without the END card) into a `FitsHeader`."""
    values = {}
    for start in range(0, len(text), _CARD):
        card = text[start : start + _CARD]
        key = card[:8].rstrip()
        if key in _COMMENTARY:
            continue
        if card[8:10] != "= " or key in ("CONTINUE", "HIERARCH"):
            return _parse_with_astropy(text)
        value = card[10:].lstrip()
        if value.startswith("'"):
            end = 1
            while True:
                end = value.find("'", end)
                if end < 0:
                    return _parse_with_astropy(text)
                if value[end + 1 : end + 2] == "'":
                    end += 2
                    continue
                break
            string = value[1:end].replace("''", "'").rstrip()
            if string.endswith("&"):  # long-string convention: astropy joins CONTINUE cards
                return _parse_with_astropy(text)
            values[key] = string
            continue
        value = value.split("/", 1)[0].strip()
        if value == "T":
            values[key] = True
        elif value == "F":
            values[key] = False
        elif _INT.match(value):
            values[key] = int(value)
        else:
            try:
                values[key] = float(value.replace("D", "E").replace("d", "e"))
            except ValueError:
                return _parse_with_astropy(text)
    return FitsHeader(values, text)


def _parse_with_astropy(text):
    from astropy.io import fits

    header = fits.Header.fromstring(text)
    values = {k: header[k] for k in header if k not in _COMMENTARY}
    return FitsHeader(values, text)


class FitsColumn:
    """Name, TFORM, unit and cell shape of one binary-table column."""

    __slots__ = ("dim", "format", "name", "unit")

    def __init__(self, name, format, unit, dim):
        self.name, self.format, self.unit, self.dim = name, format, unit, dim

    def __repr__(self):
        return f"FitsColumn(name={self.name!r}, format={self.format!r}, unit={self.unit!r})"


class FitsColumns(list):
    """The columns of a table HDU, in file order (a list with ``names``)."""

    @property
    def names(self):
        return [c.name for c in self]

    def __getitem__(self, key):
        if isinstance(key, str):
            for column in self:
                if column.name.upper() == key.upper():
                    return column
            raise KeyError(key)
        return super().__getitem__(key)


class FitsTableHDU:
    """One binary-table HDU of a file read by `read_fits`.

    Quacks like `astropy.io.fits.BinTableHDU` where DL3 readers need it:
    ``name``, ``header`` (a `FitsHeader`: a dict of the keywords), ``columns``
    (each with ``name``, ``format``, ``unit``) and ``data`` (a `numpy.recarray`;
    array cells have the shape of the reversed ``TDIM``, as astropy returns them).

    Attributes
    ----------
    filename : str
        The file, for error messages.
    index : int
        Position of the HDU in the file (0 is the primary HDU).
    """

    def __init__(self, filename, index, header, blob, offset, size):
        self.filename, self.index, self.header = filename, index, header
        self._blob, self._offset, self._size = blob, offset, size
        self._data = None
        self._columns = None
        self._dtype = None

    @property
    def name(self) -> str:
        """EXTNAME, upper case (empty when absent)."""
        return str(self.header.get("EXTNAME", "")).strip().upper()

    @property
    def ver(self) -> int:
        return int(self.header.get("EXTVER", 1))

    @property
    def is_table(self) -> bool:
        return str(self.header.get("XTENSION", "")).strip() == "BINTABLE"

    def __repr__(self):
        return f"<FitsTableHDU {self.filename}[{self.index}:{self.name}]>"

    @property
    def columns(self) -> FitsColumns:
        """Column descriptions from the TTYPE/TFORM/TUNIT/TDIM keywords."""
        if self._columns is None:
            self._parse_columns()
        return self._columns

    def _parse_columns(self):
        header = self.header
        n = int(header.get("TFIELDS", 0))
        columns, fields, offset, fast = FitsColumns(), [], 0, True
        for i in range(1, n + 1):
            name = str(header.get(f"TTYPE{i}", f"col{i}")).strip()
            tform = str(header.get(f"TFORM{i}", "")).strip().upper()
            unit = header.get(f"TUNIT{i}")
            unit = str(unit).strip() if unit is not None and str(unit).strip() else None
            match = _TFORM.match(tform)
            if match is None:
                raise DataFormatError(self.filename, f"HDU {self.name!r}: bad TFORM{i} {tform!r}")
            repeat = int(match.group(1)) if match.group(1) else 1
            code = match.group(2)
            dim = _tdim(header.get(f"TDIM{i}"), repeat)
            columns.append(FitsColumn(name, tform, unit, dim))
            if code in _NEEDS_ASTROPY or f"TSCAL{i}" in header or f"TZERO{i}" in header:
                fast = False
            if code == "A":
                if f"TDIM{i}" in header:  # arrays of strings: astropy splits them
                    fast = False
                fields.append((name, f"S{repeat}"))
                size = repeat
            elif code in _DTYPES:
                dtype = np.dtype(_DTYPES[code])
                shape = dim if dim is not None else ((repeat,) if repeat != 1 else ())
                fields.append((name, dtype, shape) if shape else (name, dtype))
                size = dtype.itemsize * repeat
            elif code in _NEEDS_ASTROPY:
                size = 0  # astropy decodes this HDU
            else:
                raise DataFormatError(
                    self.filename, f"HDU {self.name!r}: unknown TFORM{i} code {tform!r}"
                )
            offset += size
        row = int(header.get("NAXIS1", 0))
        if offset != row:
            fast = False
        self._columns = columns
        self._dtype = None
        if fast and fields:
            try:
                self._dtype = np.dtype(fields)
            except (ValueError, TypeError):  # e.g. duplicate column names
                self._dtype = None

    @property
    def data(self):
        """The table rows as a `numpy.recarray` (decoded on first access)."""
        if self._data is None:
            self._data = self._read_data()
        return self._data

    def _read_data(self):
        if not self.is_table:
            return self.to_astropy().data
        self.columns  # noqa: B018  (parses the dtype)
        nrows = int(self.header.get("NAXIS2", 0))
        if self._dtype is None:
            return self.to_astropy().data
        if self._dtype.itemsize * nrows > self._size:
            raise DataFormatError(self.filename, f"HDU {self.name!r} is truncated")
        array = np.frombuffer(self._blob, dtype=self._dtype, count=nrows, offset=self._offset)
        return array.view(np.recarray)

    def column(self, name, *, dtype=None):
        """One column as a native-endian `numpy.ndarray` (a copy).

        Strings are decoded to ``str`` with trailing blanks removed.
        """
        values = self.data.field(self.columns[name].name)
        if values.dtype.kind == "S":
            return np.char.rstrip(np.char.decode(values, "ascii", errors="replace"))
        if values.dtype.kind == "U":
            return np.char.rstrip(values)
        if dtype is None:
            dtype = values.dtype.newbyteorder("=")
        return np.asarray(values).astype(dtype)

    def to_astropy(self):
        """This HDU as a real `astropy.io.fits` HDU object (parsed by astropy)."""
        from astropy.io import fits

        hdul = fits.open(io.BytesIO(bytes(self._blob)), memmap=False)
        return hdul[self.index]


def _tdim(value, repeat):
    if value is None:
        return None
    text = str(value).strip()
    if not (text.startswith("(") and text.endswith(")")):
        return None
    try:
        dims = tuple(int(v) for v in text[1:-1].split(","))
    except ValueError:
        return None
    if int(np.prod(dims)) != repeat:
        return None
    return dims[::-1]


class FitsFile:
    """The HDUs of one FITS file, read into memory by `read_fits`."""

    def __init__(self, filename, hdus):
        self.filename = str(filename)
        self.hdus = hdus

    def __len__(self):
        return len(self.hdus)

    def __iter__(self):
        return iter(self.hdus)

    def __getitem__(self, key):
        if isinstance(key, int):
            return self.hdus[key]
        hdu = self.get(key)
        if hdu is None:
            raise KeyError(key)
        return hdu

    def get(self, name):
        """The first HDU whose EXTNAME equals ``name`` (case-insensitive), or None."""
        name = str(name).strip().upper()
        for hdu in self.hdus[1:]:
            if hdu.name == name:
                return hdu
        return None

    @property
    def names(self):
        return [hdu.name or f"#{hdu.index}" for hdu in self.hdus]


def _read_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataFormatError(path, "file not found") from None
    except OSError as err:
        raise DataFormatError(path, f"cannot read the file: {err}") from err
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as err:
            raise DataFormatError(
                path, f"truncated or corrupt gzip stream ({err}); download the file again"
            ) from err
    return bytearray(raw)


def read_fits(path) -> FitsFile:
    """Read a (possibly gzip-compressed) FITS file into memory.

    Parameters
    ----------
    path : str or `~pathlib.Path`

    Returns
    -------
    fits_file : `FitsFile`
        Its HDUs; binary tables decode lazily.

    Raises
    ------
    cherenkit.errors.DataFormatError
        The file is missing, not FITS, truncated, or its gzip stream is corrupt.
    """
    path = Path(path)
    blob = _read_bytes(path)
    if not blob.startswith(b"SIMPLE  ="):
        raise DataFormatError(path, "not a FITS file (it does not start with SIMPLE =)")
    hdus, pos, n = [], 0, len(blob)
    while pos < n:
        end = _find_end(blob, pos)
        if end < 0:
            if hdus and not blob[pos:].strip(b"\x00 "):
                break  # padding after the last HDU
            raise DataFormatError(path, f"truncated FITS header of HDU {len(hdus)}")
        try:
            header = parse_header(blob[pos : end - _CARD].decode("ascii"))
        except (UnicodeDecodeError, ValueError) as err:
            raise DataFormatError(path, f"unreadable header of HDU {len(hdus)}: {err}") from err
        data_start = pos + -(-(end - pos) // _BLOCK) * _BLOCK
        size = _data_size(header)
        if data_start + size > n:
            raise DataFormatError(
                path,
                f"truncated: HDU {len(hdus)} ({header.get('EXTNAME', 'PRIMARY')}) needs "
                f"{size} data bytes, the file ends after {n - data_start}",
            )
        hdus.append(FitsTableHDU(str(path), len(hdus), header, blob, data_start, size))
        pos = data_start + -(-size // _BLOCK) * _BLOCK
    return FitsFile(path, hdus)


def _find_end(blob, pos):
    """Offset just past the END card of the header starting at ``pos``, or -1."""
    i = blob.find(b"END", pos)
    while i >= 0:
        if (i - pos) % _CARD == 0 and blob[i : i + _CARD].rstrip(b" ") == b"END":
            return i + _CARD
        i = blob.find(b"END", i + 1)
    return -1


def _data_size(header) -> int:
    naxis = int(header.get("NAXIS", 0))
    if naxis == 0:
        return 0
    size = 1
    for axis in range(1, naxis + 1):
        size *= int(header.get(f"NAXIS{axis}", 0))
    size = size * abs(int(header.get("BITPIX", 8))) // 8
    size += int(header.get("PCOUNT", 0))
    return size * int(header.get("GCOUNT", 1))
