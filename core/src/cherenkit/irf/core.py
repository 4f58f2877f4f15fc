"""`IRF`: the base of every tabulated GADF instrument response.

An IRF is a data array on named `~cherenkit.maps.MapAxis` axes. Evaluation
interpolates multilinearly between bin centres, with each axis in its own scale
(log in energy, linear in angles and migration) and the values either linear or,
for backgrounds, in log. Inside the outer bin edges the interpolation extrapolates
from the outermost centres; outside the edges (and where the result is not finite)
the value is 0. Results are clipped at 0. These are the gammapy 2.1 defaults
(``bounds_error=False, fill_value=0``; ``values_scale="log"`` for backgrounds).

References
----------
.. [GADF] "Data formats for gamma-ray astronomy", "IRFs > Full-enclosure IRFs":
   https://gamma-astro-data-formats.readthedocs.io/en/latest/irfs/full_enclosure/index.html
"""

from __future__ import annotations

from typing import ClassVar

import attrs
import numpy as np

from cherenkit.errors import DataFormatError

from ._gadf import TableReader, axes_table, header_dict
from ._interp import grid_interpolate

__all__ = ["IRF"]

GADF_DOC = "https://github.com/open-gamma-ray-astro/gamma-astro-data-formats"


def _to_unit(value):
    import astropy.units as u

    return u.Unit(value)


def _to_axes(value):
    return tuple(value)


@attrs.frozen(eq=False, kw_only=True)
class IRF:
    """Tabulated IRF: ``data`` on ``axes`` (in ``required_axes`` order), with a unit.

    Parameters
    ----------
    axes : sequence of `~cherenkit.maps.MapAxis`
        The axes, named and ordered as ``required_axes``.
    data : `~numpy.ndarray`
        Values, shape ``tuple(axis.nbin for axis in axes)``, in ``unit``.
    unit : str or `~astropy.units.Unit`
        Unit of ``data``.
    is_pointlike : bool
        True for a POINT-LIKE IRF (HDUCLAS3), with a RAD_MAX cut. Default is False.
    fov_alignment : {"RADEC", "ALTAZ"}
        Orientation of the FoV coordinates (FOVALIGN). Default is "RADEC".
    meta : dict
        Header keywords. Default is empty.
    """

    tag: ClassVar[str] = ""
    #: axis names in data order
    required_axes: ClassVar[tuple[str, ...]] = ()
    #: per axis: (GADF column prefix, interp, physical unit)
    axis_columns: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    data_column: ClassVar[str] = ""
    default_unit: ClassVar[str] = ""
    values_scale: ClassVar[str] = "lin"
    hduclas2: ClassVar[str] = ""
    hduclas4: ClassVar[str] = ""
    extname: ClassVar[str] = ""
    #: GADF data cells that may be stored with the axes reversed (H.E.S.S. DR1 BKG_3D)
    allow_reversed: ClassVar[bool] = False

    axes: tuple = attrs.field(converter=_to_axes)
    data: np.ndarray = attrs.field(converter=np.asarray)
    unit: object = attrs.field(default="", converter=_to_unit)
    is_pointlike: bool = False
    fov_alignment: str = "RADEC"
    meta: dict = attrs.field(factory=dict)
    _cache: dict = attrs.field(factory=dict, init=False, repr=False)

    def __attrs_post_init__(self):
        names = tuple(a.name for a in self.axes)
        if names != tuple(self.required_axes):
            raise ValueError(
                f"{type(self).__name__} needs axes {list(self.required_axes)} in this order, "
                f"got {list(names)}"
            )
        shape = tuple(a.nbin for a in self.axes)
        if self.data.shape != shape:
            raise ValueError(
                f"{type(self).__name__}: data shape {self.data.shape} does not match the axes "
                f"shape {shape}"
            )

    # --- access ---------------------------------------------------------------------

    def axis(self, name):
        """The axis called ``name``."""
        for axis in self.axes:
            if axis.name == name:
                return axis
        raise KeyError(
            f"{type(self).__name__} has no axis {name!r}; axes: {list(self.required_axes)}"
        )

    @property
    def quantity(self):
        """``data`` with its unit, `~astropy.units.Quantity`."""
        import astropy.units as u

        return u.Quantity(self.data, self.unit)

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return (
            self.axes == other.axes
            and self.unit == other.unit
            and self.is_pointlike == other.is_pointlike
            and np.array_equal(self.data, other.data, equal_nan=True)
        )

    __hash__ = None

    def __str__(self):
        lines = [type(self).__name__, "-" * len(type(self).__name__)]
        lines += [f"  axes  : {[a.name for a in self.axes]}", f"  shape : {self.data.shape}"]
        lines += [f"  unit  : {self.unit}", f"  pointlike : {self.is_pointlike}"]
        return "\n".join(lines)

    # --- reading ----------------------------------------------------------------------

    @classmethod
    def from_hdu(cls, hdu, *, filename=None):
        """Read from a GADF `~astropy.io.fits.BinTableHDU`.

        Raises
        ------
        cherenkit.errors.DataFormatError
            A column, a unit or the expected shape is missing or wrong; the message names
            the file, the HDU and the column.
        """
        return cls._from_reader(TableReader(hdu, filename))

    @classmethod
    def from_table(cls, table, *, filename=None):
        """Read from an `~astropy.table.Table` in the GADF layout (one row, array cells)."""
        return cls._from_reader(TableReader(table, filename))

    @classmethod
    def read(cls, filename, hdu):
        """Read HDU ``hdu`` (name or index) of a FITS file."""
        from astropy.io import fits

        with fits.open(filename, memmap=False) as hdul:
            return cls.from_hdu(hdul[hdu], filename=filename)

    @classmethod
    def _read_axes(cls, reader):
        return [
            reader.axis(prefix, name=name, interp=interp, physical=physical)
            for name, (prefix, interp, physical) in zip(
                cls.required_axes, cls.axis_columns, strict=True
            )
        ]

    @classmethod
    def _from_reader(cls, reader):
        axes = cls._read_axes(reader)
        data, unit = reader.data(
            cls.data_column, axes, physical=cls.default_unit, allow_reversed=cls.allow_reversed
        )
        return cls(axes=axes, data=data, unit=unit, **cls._header_fields(reader))

    @classmethod
    def _header_fields(cls, reader):
        clas3 = str(reader.keyword("HDUCLAS3", "FULL-ENCLOSURE") or "").upper()
        return {
            "is_pointlike": clas3 == "POINT-LIKE",
            "fov_alignment": str(reader.keyword("FOVALIGN", "RADEC") or "RADEC").upper(),
            "meta": header_dict(reader.header),
        }

    # --- writing ------------------------------------------------------------------------

    def _gadf_header(self):
        meta = {k: v for k, v in self.meta.items() if k not in ("EXTNAME",)}
        meta.update(
            HDUCLASS="GADF",
            HDUDOC=GADF_DOC,
            HDUVERS=str(self.meta.get("HDUVERS", "0.2")),
            HDUCLAS1="RESPONSE",
            HDUCLAS2=self.hduclas2,
            HDUCLAS3="POINT-LIKE" if self.is_pointlike else "FULL-ENCLOSURE",
            HDUCLAS4=self.hduclas4,
        )
        if "FOVALIGN" in self.meta or self.fov_alignment != "RADEC":
            meta["FOVALIGN"] = self.fov_alignment
        return meta

    def _data_columns(self):
        """Name -> Quantity of the data column(s), axes in GADF TDIM order, one row."""
        return {self.data_column: (self.data.T[np.newaxis]) * self.unit}

    def to_table(self):
        """The IRF as a GADF table (one row, array cells), `~astropy.table.Table`."""
        table = axes_table(self.axes, [c[0] for c in self.axis_columns])
        for name, column in self._data_columns().items():
            table[name] = column
        table.meta.update(self._gadf_header())
        return table

    def to_table_hdu(self, name=None):
        """The IRF as a GADF `~astropy.io.fits.BinTableHDU` named ``name`` (default ``extname``)."""
        from astropy.io import fits

        return fits.BinTableHDU(self.to_table(), name=name or self.extname)

    # --- evaluation -----------------------------------------------------------------------

    def _scaled_grid(self):
        grid = self._cache.get("grid")
        if grid is None:
            nodes = [_scale(a.center_value, a.interp) for a in self.axes]
            if self.values_scale == "log":
                data = self.data
                if not np.issubdtype(data.dtype, np.floating):
                    data = data.astype(np.float64)
                tiny = np.finfo(data.dtype).tiny
                values = np.log(np.clip(data, tiny, np.inf)).astype(np.float64)
            else:
                values = np.asarray(self.data, dtype=np.float64)
            edges = [a.edges_value for a in self.axes]
            grid = self._cache["grid"] = (nodes, values, edges)
        return grid

    def _mask_out_bounds(self, invalid):
        mask = invalid[0]
        for inv in invalid[1:]:
            mask = mask | inv
        return mask

    def _coords(self, coords):
        unknown = set(coords) - set(self.required_axes)
        if unknown:
            raise ValueError(
                f"{type(self).__name__}.evaluate: unknown coordinate(s) {sorted(unknown)}; "
                f"valid: {list(self.required_axes)}"
            )
        values = []
        ndim = len(self.axes)
        for i, axis in enumerate(self.axes):
            coord = coords.get(axis.name)
            if coord is None:
                shape = [1] * ndim
                shape[i] = -1
                values.append(axis.center_value.reshape(shape))
            else:
                values.append(axis._value(coord))
        return values

    def evaluate_values(self, values, *, method="linear"):
        """Evaluate at plain coordinate arrays (axes order and units); float64 in ``unit``."""
        nodes, grid_values, edges = self._scaled_grid()
        scaled = []
        invalid = []
        for axis, v, e in zip(self.axes, values, edges, strict=True):
            v = np.asarray(v, dtype=np.float64)
            with np.errstate(invalid="ignore", divide="ignore"):
                scaled.append(_scale(v, axis.interp))
                invalid.append(~((v >= e[0]) & (v <= e[-1])))
        out = grid_interpolate(nodes, grid_values, scaled, method=method)
        # in place on the (possibly large) output: 0 outside the edges, where not finite
        # and below 0
        if self.values_scale == "log":
            np.exp(out, out=out)
        if any(inv.any() for inv in invalid):
            mask = self._mask_out_bounds(invalid)
            if mask.any():
                np.copyto(out, 0.0, where=mask)
        np.maximum(out, 0.0, out=out)  # NaN stays NaN, -inf becomes 0
        if not np.isfinite(out.sum()):  # one cheap pass; NaN or +inf somewhere
            out[~np.isfinite(out)] = 0.0
        return out

    def evaluate(self, method="linear", **coords):
        """Interpolate the IRF at the given coordinates (broadcast together).

        Parameters
        ----------
        method : {"linear", "nearest"}
            Default is "linear".
        **coords : `~astropy.units.Quantity`
            One per axis name; a missing axis is taken at its bin centres along its
            own dimension of the output.

        Returns
        -------
        values : `~astropy.units.Quantity`
        """
        import astropy.units as u

        return u.Quantity(self.evaluate_values(self._coords(coords), method=method), self.unit)


def _scale(values, interp):
    if interp == "log":
        return np.log(values)
    if interp == "sqrt":
        return np.sign(values) * np.sqrt(np.abs(values))
    return values


def require_class(reader, classes):
    """Raise `DataFormatError` unless the HDU's HDUCLAS4 is one of ``classes`` (when present)."""
    clas4 = str(reader.keyword("HDUCLAS4", "") or "").upper()
    if clas4 and clas4 not in classes:
        raise DataFormatError(
            reader.where, f"HDUCLAS4={clas4!r}, expected one of {', '.join(classes)}"
        )
