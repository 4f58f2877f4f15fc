"""Low-level reading and writing of GADF "fits-arrays-bintable" IRF HDUs.

GADF stores an IRF as one table row whose cells are arrays: the axes as
``<AXIS>_LO`` / ``<AXIS>_HI`` vectors and the data as an n-d cell whose FITS
``TDIM`` lists the axes fastest first, so that numpy reads the cell in reversed
axis order. Units come from ``TUNITn``.

References
----------
.. [GADF] "Data formats for gamma-ray astronomy", "fits-arrays-bintable-hdu":
   https://gamma-astro-data-formats.readthedocs.io/en/latest/general/fits-arrays.html
"""

from __future__ import annotations

import numpy as np

from cherenkit.errors import DataFormatError

# lower-cased unit strings seen in IACT files that astropy does not parse as such
_UNIT_ALIASES = {
    "tev": "TeV",
    "gev": "GeV",
    "mev": "MeV",
    "kev": "keV",
    "deg": "deg",
    "degree": "deg",
    "degrees": "deg",
    "m2": "m2",
    "m^2": "m2",
    "cm2": "cm2",
    "cm^2": "cm2",
    "sr-1": "sr-1",
    "sr^-1": "sr-1",
    "1/sr": "sr-1",
}


def hdu_label(hdu, filename=None) -> str:
    """``file[EXTNAME]`` for error messages."""
    name = getattr(hdu, "name", None) or "?"
    if filename is None:
        fileobj = getattr(hdu, "_file", None)
        filename = getattr(fileobj, "name", None)
    return f"{filename or '<memory>'}[{name}]"


def parse_unit(text, *, where, column):
    """An astropy unit from a TUNIT string, tolerant of case and of ``1/s/MeV/sr``."""
    import astropy.units as u

    text = "" if text is None else str(text).strip()
    if not text:
        return None
    import warnings

    for candidate in (text, _UNIT_ALIASES.get(text.lower())):
        if candidate is None:
            continue
        for fmt in (None, "fits", "ogip"):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", u.UnitsWarning)
                    unit = u.Unit(candidate, format=fmt, parse_strict="raise")
            except (ValueError, TypeError):
                continue
            if not isinstance(unit, u.UnrecognizedUnit):
                return unit
    # last resort: fix the case of each factor (e.g. "TEV", "Mev-1 S-1 SR-1")
    fixed = text
    for alias, proper in (("tev", "TeV"), ("gev", "GeV"), ("mev", "MeV"), ("kev", "keV")):
        fixed = _replace_ci(fixed, alias, proper)
    for alias, proper in (("sr", "sr"), ("deg", "deg")):
        fixed = _replace_ci(fixed, alias, proper)
    fixed = _replace_token_ci(fixed, "s", "s")
    try:
        unit = u.Unit(fixed, parse_strict="raise")
        if not isinstance(unit, u.UnrecognizedUnit):
            return unit
    except (ValueError, TypeError):
        pass
    raise DataFormatError(where, f"column {column!r} has an unreadable unit {text!r} (TUNIT)")


def _replace_ci(text, alias, proper):
    import re

    return re.sub(alias, proper, text, flags=re.IGNORECASE)


def _replace_token_ci(text, alias, proper):
    import re

    return re.sub(rf"(?<![A-Za-z]){alias}(?![A-Za-z])", proper, text, flags=re.IGNORECASE)


class TableReader:
    """Case-insensitive access to the cells of the first row of a GADF IRF table.

    Accepts a `~astropy.io.fits.BinTableHDU` or an `~astropy.table.Table`.
    """

    def __init__(self, source, filename=None):
        self.where = hdu_label(source, filename)
        if hasattr(source, "columns") and hasattr(source, "header"):  # BinTableHDU
            self.header = source.header
            data = source.data
            columns = source.columns
            self._units = {c.name.upper(): c.unit for c in columns}
            self._names = {c.name.upper(): c.name for c in columns}
            self._get = lambda name: data.field(name)
            self.nrows = 0 if data is None else len(data)
        elif hasattr(source, "colnames"):  # astropy Table
            self.header = source.meta
            self._units = {
                n.upper(): (None if source[n].unit is None else source[n].unit.to_string("fits"))
                for n in source.colnames
            }
            self._names = {n.upper(): n for n in source.colnames}
            self._get = lambda name: np.asarray(source[name])
            self.nrows = len(source)
            if filename is None:
                self.where = f"<table>[{source.meta.get('EXTNAME', '?')}]"
        else:
            raise DataFormatError(
                hdu_label(source, filename),
                "expected a FITS binary table HDU or an astropy Table, "
                f"got {type(source).__name__}",
            )
        if self.nrows < 1:
            raise DataFormatError(self.where, "the IRF table has no rows (GADF stores one row)")

    def has(self, name) -> bool:
        return name.upper() in self._names

    def cell(self, name, *, required=True):
        """The first-row cell of a column, as a numpy array (native dtype)."""
        key = name.upper()
        if key not in self._names:
            if not required:
                return None
            raise DataFormatError(
                self.where,
                f"missing column {name!r}; columns present: {', '.join(self._names.values())}",
            )
        return np.asarray(self._get(self._names[key])[0])

    def unit(self, name, *, physical=None, default=None):
        """Unit of a column; ``physical`` is a unit it must be convertible to.

        A missing unit is an error when ``physical`` is given and ``default`` is None.
        """
        import astropy.units as u

        text = self._units.get(name.upper())
        unit = parse_unit(text, where=self.where, column=name)
        if unit is None:
            if default is not None:
                return u.Unit(default)
            if physical is None or u.Unit(physical) == u.dimensionless_unscaled:
                return u.dimensionless_unscaled
            raise DataFormatError(
                self.where,
                f"column {name!r} has no unit (TUNIT missing); expected a unit convertible to "
                f"{u.Unit(physical).to_string()!r}",
            )
        if physical is not None and not unit.is_equivalent(physical):
            raise DataFormatError(
                self.where,
                f"column {name!r} has unit {unit.to_string()!r}, expected a unit convertible to "
                f"{u.Unit(physical).to_string()!r}",
            )
        return unit

    def axis(self, prefix, *, name, interp, physical):
        """A `MapAxis` from the ``<prefix>_LO`` / ``<prefix>_HI`` columns."""
        from cherenkit.maps.axes import MapAxis

        lo = self.cell(f"{prefix}_LO")
        hi = self.cell(f"{prefix}_HI")
        unit = self.unit(f"{prefix}_LO", physical=physical)
        unit_hi = self.unit(f"{prefix}_HI", physical=physical)
        hi = np.asarray(hi, dtype=np.float64) * unit_hi.to(unit)
        try:
            return MapAxis.from_lo_hi(
                np.asarray(lo, np.float64).reshape(-1),
                np.asarray(hi, np.float64).reshape(-1),
                unit=unit,
                name=name,
                interp=interp,
            )
        except ValueError as err:
            raise DataFormatError(
                self.where, f"axis columns {prefix}_LO/{prefix}_HI: {err}"
            ) from err

    def data(self, column, axes, *, physical=None, default_unit=None, allow_reversed=False):
        """An n-d data cell in the order of ``axes`` (GADF TDIM order), with its unit."""
        cell = self.cell(column)
        shape = tuple(a.nbin for a in axes)
        data = cell.T
        if data.shape != shape:
            if allow_reversed and cell.shape == shape:
                data = cell  # stored with the axes in reverse order (H.E.S.S. DR1 BKG_3D)
            elif data.size == int(np.prod(shape)) and data.ndim != len(shape):
                data = data.reshape(shape[::-1]).T
            else:
                raise DataFormatError(
                    self.where,
                    f"column {column!r} has shape {cell.shape[::-1]} (TDIM order), expected "
                    f"{shape} from the axes {', '.join(a.name for a in axes)}",
                )
        unit = self.unit(column, physical=physical, default=default_unit)
        return np.ascontiguousarray(data), unit

    def keyword(self, key, default=None):
        value = self.header.get(key, default)
        return value.strip() if isinstance(value, str) else value


def header_dict(header) -> dict:
    """The IRF-relevant header cards (no structural FITS keywords) as a plain dict."""
    skip = (
        "XTENSION",
        "BITPIX",
        "NAXIS",
        "PCOUNT",
        "GCOUNT",
        "TFIELDS",
        "TTYPE",
        "TFORM",
        "TUNIT",
        "TDIM",
    )
    out = {}
    for key in header:
        if not key or key in ("COMMENT", "HISTORY") or key.startswith(skip):
            continue
        out[key] = header[key]
    return out


def axes_table(axes, columns):
    """One-row astropy Table with the axes' ``_LO``/``_HI`` columns.

    float32 (as the GADF files store axes) when that is exact, else float64.
    """
    from astropy.table import Table

    table = Table()
    for axis, prefix in zip(axes, columns, strict=True):
        lo, hi = axis.lo_hi()
        exact = np.array_equal(axis.nodes.astype(np.float32).astype(np.float64), axis.nodes)
        dtype = np.float32 if exact else np.float64
        table[f"{prefix}_LO"] = np.asarray(lo, dtype=dtype)[np.newaxis] * axis.unit
        table[f"{prefix}_HI"] = np.asarray(hi, dtype=dtype)[np.newaxis] * axis.unit
    return table
