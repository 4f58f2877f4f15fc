"""`MapAxis`: one binned or sampled axis of a map or an IRF (energy, offset, migra, ...).

An axis is defined by its nodes: the bin edges (``node_type="edges"``) or the bin
centres (``node_type="center"``). The pixel coordinate of the first bin centre is 0;
between nodes, pixel coordinates are linear in the *scaled* coordinate, where the
scale is the axis ``interp``: ``"lin"`` (x), ``"log"`` (ln x) or ``"sqrt"`` (√x).
Beyond the nodes the same relation is extrapolated linearly. This is the convention
gammapy users know, so centres of a log axis are geometric means of the edges.

Values are plain float64 arrays inside; the public properties return
`~astropy.units.Quantity`.

References
----------
.. [GADF] "Data formats for gamma-ray astronomy", IRF axes stored as ``*_LO`` /
   ``*_HI`` column pairs in one table row:
   https://gamma-astro-data-formats.readthedocs.io/en/latest/irfs/full_enclosure/index.html
"""

from __future__ import annotations

import attrs
import numpy as np

__all__ = ["GADF_AXIS_COLUMNS", "MapAxis"]

_INTERPS = ("lin", "log", "sqrt")
_NODE_TYPES = ("edges", "center")

#: axis name -> GADF column prefix of its ``*_LO`` / ``*_HI`` pair
GADF_AXIS_COLUMNS = {
    "energy_true": "ENERG",
    "energy": "ENERG",
    "offset": "THETA",
    "migra": "MIGRA",
    "rad": "RAD",
    "fov_lon": "DETX",
    "fov_lat": "DETY",
}

#: GADF column prefix -> (default axis name, interpolation scale)
GADF_AXIS_SPEC = {
    "ENERG": ("energy_true", "log"),
    "ETRUE": ("energy_true", "log"),
    "THETA": ("offset", "lin"),
    "MIGRA": ("migra", "lin"),
    "RAD": ("rad", "lin"),
    "DETX": ("fov_lon", "lin"),
    "DETY": ("fov_lat", "lin"),
}


def _scale(values, interp):
    if interp == "lin":
        return values
    if interp == "log":
        return np.log(values)
    return np.sign(values) * np.sqrt(np.abs(values))


def _inverse(values, interp):
    if interp == "lin":
        return values
    if interp == "log":
        return np.exp(values)
    return values**2


def _to_array(value):
    return np.array(value, dtype=np.float64, ndmin=1, copy=True)


def _unit(unit):
    import astropy.units as u

    return u.Unit(unit if unit is not None else "")


def _check_nodes(instance, attribute, nodes):
    if nodes.ndim != 1:
        raise ValueError(f"MapAxis nodes must be 1-d, got shape {nodes.shape}")
    minimum = 2 if instance.node_type == "edges" else 1
    if nodes.size < minimum:
        raise ValueError(
            f"MapAxis with node_type={instance.node_type!r} needs at least {minimum} nodes, "
            f"got {nodes.size}"
        )
    if not np.all(np.isfinite(nodes)):
        raise ValueError("MapAxis nodes must be finite")
    if nodes.size > 1 and not np.all(np.diff(nodes) > 0):
        raise ValueError("MapAxis nodes must be strictly increasing")
    if instance.interp != "lin" and nodes[0] <= 0 and instance.interp == "log":
        raise ValueError(f"interp='log' needs positive nodes, got minimum {nodes[0]}")


@attrs.frozen(eq=False)
class MapAxis:
    """One axis of a map or IRF: bin edges or centres, a name, a unit and a scale.

    Parameters
    ----------
    nodes : `~numpy.ndarray`, shape (n,)
        Bin edges (``node_type="edges"``) or bin centres (``"center"``), strictly
        increasing, in ``unit``. Use the ``from_*`` constructors for Quantities.
    name : str
        Axis name, e.g. ``"energy"``, ``"energy_true"``, ``"offset"``, ``"migra"``.
    unit : str or `~astropy.units.Unit`
        Unit of the nodes. Default is dimensionless.
    interp : {"lin", "log", "sqrt"}
        Scale in which pixel coordinates are linear. Default is "lin".
    node_type : {"edges", "center"}
        What ``nodes`` are. Default is "edges".
    """

    nodes: np.ndarray = attrs.field(converter=_to_array, validator=_check_nodes)
    name: str = attrs.field(default="", validator=attrs.validators.instance_of(str))
    unit: object = attrs.field(default="", converter=_unit)
    interp: str = attrs.field(default="lin", validator=attrs.validators.in_(_INTERPS))
    node_type: str = attrs.field(default="edges", validator=attrs.validators.in_(_NODE_TYPES))

    def __attrs_post_init__(self):
        self.nodes.flags.writeable = False

    # --- constructors --------------------------------------------------------------

    @classmethod
    def from_edges(cls, edges, *, unit=None, name="", interp="lin"):
        """Axis from bin edges (array or Quantity)."""
        values, unit = _split(edges, unit)
        return cls(values, name=name, unit=unit, interp=interp, node_type="edges")

    @classmethod
    def from_nodes(cls, nodes, *, unit=None, name="", interp="lin"):
        """Axis from bin centres (array or Quantity); edges lie half-way in ``interp`` scale."""
        values, unit = _split(nodes, unit)
        return cls(values, name=name, unit=unit, interp=interp, node_type="center")

    @classmethod
    def from_bounds(
        cls, lo_bnd, hi_bnd, nbin, *, unit=None, name="", interp="lin", node_type="edges"
    ):
        """Axis of ``nbin`` bins evenly spaced in ``interp`` scale between two bounds.

        With ``node_type="edges"`` the bounds are the outer edges; with ``"center"``
        they are the first and last centres.
        """
        lo, unit_lo = _split(lo_bnd, unit)
        hi, _ = _split(hi_bnd, unit_lo if unit is None else unit)
        n = int(nbin) + (1 if node_type == "edges" else 0)
        if interp == "log":
            nodes = np.geomspace(lo[0], hi[0], n)
        elif interp == "sqrt":
            nodes = np.linspace(lo[0] ** 0.5, hi[0] ** 0.5, n) ** 2.0
        else:
            nodes = np.linspace(lo[0], hi[0], n)
        return cls(nodes, name=name, unit=unit_lo, interp=interp, node_type=node_type)

    @classmethod
    def from_energy_bounds(
        cls,
        energy_min,
        energy_max,
        nbin,
        *,
        unit=None,
        per_decade=False,
        name="energy",
        node_type="edges",
    ):
        """Log-spaced energy axis between two energies.

        Parameters
        ----------
        energy_min, energy_max : `~astropy.units.Quantity` or str or float
            Bounds; floats need ``unit``.
        nbin : int
            Number of bins, or bins per decade when ``per_decade`` is True (then the
            total is rounded up so that the axis ends at ``energy_max``).
        unit : str, optional
            Unit of the axis. Default is the unit of ``energy_max``.
        name : {"energy", "energy_true"}
            Default is "energy".
        """
        import astropy.units as u

        e_max = u.Quantity(energy_max, unit)
        unit = e_max.unit if unit is None else u.Unit(unit)
        if not unit.is_equivalent(u.TeV):
            raise ValueError(f"energy bounds need an energy unit, got {unit!r}")
        e_min = u.Quantity(energy_min, unit).to_value(unit)
        e_max = e_max.to_value(unit)
        if name not in ("energy", "energy_true"):
            raise ValueError(f"an energy axis is named 'energy' or 'energy_true', got {name!r}")
        if per_decade:
            nbin = int(np.ceil(np.log10(e_max / e_min) * nbin))
        return cls.from_bounds(
            e_min, e_max, nbin, unit=unit, name=name, interp="log", node_type=node_type
        )

    @classmethod
    def from_energy_edges(cls, energy_edges, *, unit=None, name="energy", interp="log"):
        """Energy axis from bin edges (log scale by default)."""
        if name not in ("energy", "energy_true"):
            raise ValueError(f"an energy axis is named 'energy' or 'energy_true', got {name!r}")
        return cls.from_edges(energy_edges, unit=unit, name=name, interp=interp)

    @classmethod
    def from_table(cls, table, *, column_prefix, name=None, interp=None, unit=None):
        """Axis from a GADF ``<prefix>_LO`` / ``<prefix>_HI`` column pair (one row, array cells).

        Parameters
        ----------
        table : `~astropy.table.Table` or `~astropy.io.fits.FITS_rec`
            Table holding the two columns; astropy Tables carry the unit.
        column_prefix : str
            ``"ENERG"``, ``"THETA"``, ``"MIGRA"``, ``"RAD"``, ``"DETX"``, ``"DETY"``.
        name, interp : str, optional
            Default from the GADF prefix (e.g. ENERG -> "energy_true", "log").
        unit : str, optional
            Unit, needed when ``table`` carries none (a FITS_rec).

        Returns
        -------
        axis : `MapAxis`
            An ``edges`` axis; a ``center`` axis when LO equals HI (sampled values,
            as RAD_MAX_2D may store them).
        """
        default_name, default_interp = GADF_AXIS_SPEC.get(
            column_prefix, (column_prefix.lower(), "lin")
        )
        lo = table[f"{column_prefix}_LO"]
        hi = table[f"{column_prefix}_HI"]
        if unit is None:
            unit = getattr(lo, "unit", None)
        lo = np.asarray(lo, dtype=np.float64).reshape(-1) if np.ndim(lo) <= 1 else np.asarray(lo[0])
        hi = np.asarray(hi, dtype=np.float64).reshape(-1) if np.ndim(hi) <= 1 else np.asarray(hi[0])
        return cls.from_lo_hi(
            lo, hi, unit=unit, name=name or default_name, interp=interp or default_interp
        )

    @classmethod
    def from_lo_hi(cls, lo, hi, *, unit=None, name="", interp="lin"):
        """Axis from lower and upper bin bounds (plain arrays in ``unit``).

        Contiguous bins give an ``edges`` axis; LO equal to HI gives a ``center`` axis.
        """
        lo = np.array(lo, dtype=np.float64, ndmin=1).reshape(-1)
        hi = np.array(hi, dtype=np.float64, ndmin=1).reshape(-1)
        if lo.shape != hi.shape:
            raise ValueError(f"LO and HI bounds differ in length: {lo.size} and {hi.size}")
        if np.array_equal(lo, hi):
            return cls(lo, name=name, unit=unit, interp=interp, node_type="center")
        if lo.size > 1 and not np.array_equal(lo[1:], hi[:-1]):
            raise ValueError("LO/HI bounds are not contiguous (LO[i+1] != HI[i])")
        return cls(np.append(lo, hi[-1]), name=name, unit=unit, interp=interp, node_type="edges")

    # --- properties ----------------------------------------------------------------

    @property
    def nbin(self) -> int:
        """Number of bins."""
        return self.nodes.size - 1 if self.node_type == "edges" else self.nodes.size

    @property
    def edges_value(self) -> np.ndarray:
        """Bin edges as a float64 array in ``unit``."""
        if self.node_type == "edges":
            return self.nodes
        return self.pix_to_coord_value(np.arange(self.nbin + 1, dtype=float) - 0.5)

    @property
    def center_value(self) -> np.ndarray:
        """Bin centres as a float64 array in ``unit`` (geometric means on a log axis)."""
        if self.node_type == "center":
            return self.nodes
        return self.pix_to_coord_value(np.arange(self.nbin, dtype=float))

    @property
    def edges(self):
        """Bin edges, `~astropy.units.Quantity` of shape (nbin + 1,)."""
        return self._quantity(self.edges_value)

    @property
    def center(self):
        """Bin centres, `~astropy.units.Quantity` of shape (nbin,)."""
        return self._quantity(self.center_value)

    @property
    def _edges_min(self) -> np.ndarray:
        return self.edges_value[:-1]

    @property
    def _edges_max(self) -> np.ndarray:
        return self.edges_value[1:]

    @property
    def edges_min(self):
        """Lower bin edges, `~astropy.units.Quantity` of shape (nbin,)."""
        return self._quantity(self._edges_min)

    @property
    def edges_max(self):
        """Upper bin edges, `~astropy.units.Quantity` of shape (nbin,)."""
        return self._quantity(self._edges_max)

    @property
    def bin_width(self):
        """Bin widths, `~astropy.units.Quantity` of shape (nbin,)."""
        return self._quantity(np.diff(self.edges_value))

    @property
    def bounds(self):
        """Lowest and highest edge, a tuple of two `~astropy.units.Quantity`."""
        edges = self.edges_value
        return self._quantity(edges[0]), self._quantity(edges[-1])

    def _quantity(self, values):
        import astropy.units as u

        return u.Quantity(values, self.unit)

    def _value(self, coord):
        """Coordinates as a float64 array in this axis' unit (plain numbers are taken as is)."""
        if hasattr(coord, "unit"):
            return np.asarray(coord.to_value(self.unit), dtype=np.float64)
        if isinstance(coord, str):
            import astropy.units as u

            return np.asarray(u.Quantity(coord).to_value(self.unit), dtype=np.float64)
        return np.asarray(coord, dtype=np.float64)

    # --- coordinate transforms -----------------------------------------------------

    def _pix_nodes(self):
        offset = -0.5 if self.node_type == "edges" else 0.0
        return np.arange(self.nodes.size, dtype=float) + offset

    def coord_to_pix_value(self, values) -> np.ndarray:
        """Pixel coordinates of plain values in ``unit`` (linear extrapolation outside)."""
        x = _scale(self.nodes, self.interp)
        y = self._pix_nodes()
        with np.errstate(invalid="ignore", divide="ignore"):
            s = _scale(np.asarray(values, dtype=np.float64), self.interp)
        if x.size == 1:
            return np.full(np.shape(s), y[0])
        return _interp_extrapolate(s, x, y)

    def pix_to_coord_value(self, pix) -> np.ndarray:
        """Plain coordinate values in ``unit`` of pixel coordinates."""
        x = _scale(self.nodes, self.interp)
        y = self._pix_nodes()
        pix = np.asarray(pix, dtype=np.float64)
        if x.size == 1:
            return np.full(np.shape(pix), self.nodes[0])
        return _inverse(_interp_extrapolate(pix, y, x), self.interp)

    def coord_to_pix(self, coord) -> np.ndarray:
        """Pixel coordinates (float) of axis coordinates; bin centres are at integers."""
        return self.coord_to_pix_value(self._value(coord))

    def pix_to_coord(self, pix):
        """Axis coordinates (`~astropy.units.Quantity`) of pixel coordinates."""
        return self._quantity(self.pix_to_coord_value(pix))

    def coord_to_idx(self, coord, *, clip=False) -> np.ndarray:
        """Index of the bin that contains each coordinate.

        Bins are half-open ``[lo, hi)``, except that the last bin includes its upper
        edge. Coordinates outside the edges (and NaN) get -1, or with ``clip=True``
        the nearest valid index (NaN still gets -1).
        """
        values = np.atleast_1d(self._value(coord))
        edges = self.edges_value
        idx = np.searchsorted(edges, values, side="right") - 1
        idx = np.where(values == edges[-1], self.nbin - 1, idx)
        if clip:
            idx = np.clip(idx, 0, self.nbin - 1)
        else:
            idx = np.where((idx < 0) | (idx >= self.nbin), -1, idx)
        return np.where(np.isfinite(values), idx, -1)

    # --- resampling ----------------------------------------------------------------

    def upsample(self, factor: int) -> MapAxis:
        """Axis with ``factor`` times finer bins, keeping the original nodes."""
        factor = int(factor)
        pix = self._pix_nodes()
        n = (self.nodes.size - 1) * factor + 1
        nodes = self.pix_to_coord_value(np.linspace(pix[0], pix[-1], n))
        nodes[::factor] = self.nodes
        return attrs.evolve(self, nodes=nodes)

    def downsample(self, factor: int) -> MapAxis:
        """Axis keeping every ``factor``-th node; the node count minus one must divide."""
        factor = int(factor)
        if (self.nodes.size - 1) % factor:
            raise ValueError(
                f"{self.nbin} {self.name or 'axis'} bins cannot be downsampled by {factor}: "
                f"{self.nodes.size - 1} node intervals are not divisible by {factor}"
            )
        return attrs.evolve(self, nodes=self.nodes[::factor])

    def squash(self) -> MapAxis:
        """One bin spanning the whole axis."""
        edges = self.edges_value
        return attrs.evolve(self, nodes=edges[[0, -1]], node_type="edges")

    def copy(self, **changes) -> MapAxis:
        """A copy with some fields changed (``name=``, ``interp=``, ...)."""
        return attrs.evolve(self, **changes)

    def to_unit(self, unit) -> MapAxis:
        """The same axis in another unit."""
        unit = _unit(unit)
        nodes = self._quantity(self.nodes).to_value(unit)
        return attrs.evolve(self, nodes=nodes, unit=unit)

    # --- GADF tables ---------------------------------------------------------------

    def lo_hi(self):
        """Lower and upper bin bounds as plain arrays (both the centres for a ``center`` axis)."""
        if self.node_type == "center":
            return self.nodes, self.nodes
        return self.nodes[:-1], self.nodes[1:]

    def to_table(self, *, column_prefix=None, dtype=np.float32):
        """GADF ``<prefix>_LO`` / ``<prefix>_HI`` columns, one row with array cells.

        Parameters
        ----------
        column_prefix : str, optional
            Default from the axis name (energy -> ENERG, offset -> THETA, ...).
        dtype : numpy dtype
            Column type. Default is float32, as the GADF files store axes.

        Returns
        -------
        table : `~astropy.table.Table`
        """
        from astropy.table import Table

        prefix = column_prefix or GADF_AXIS_COLUMNS.get(self.name)
        if prefix is None:
            raise ValueError(f"no GADF column name for axis {self.name!r}; pass column_prefix")
        lo, hi = self.lo_hi()
        table = Table()
        table[f"{prefix}_LO"] = np.asarray(lo, dtype=dtype)[np.newaxis] * self.unit
        table[f"{prefix}_HI"] = np.asarray(hi, dtype=dtype)[np.newaxis] * self.unit
        return table

    # --- comparison ----------------------------------------------------------------

    def __eq__(self, other):
        if not isinstance(other, MapAxis):
            return NotImplemented
        return (
            self.name == other.name
            and self.unit == other.unit
            and self.interp == other.interp
            and self.node_type == other.node_type
            and np.array_equal(self.nodes, other.nodes)
        )

    def __hash__(self):
        return hash((self.name, str(self.unit), self.interp, self.node_type, self.nodes.tobytes()))

    def is_allclose(self, other, *, rtol=1e-6, atol=0.0) -> bool:
        """Equal up to a tolerance on the nodes (same name, unit, scale and node type)."""
        return (
            isinstance(other, MapAxis)
            and self.name == other.name
            and self.unit == other.unit
            and self.interp == other.interp
            and self.node_type == other.node_type
            and self.nodes.shape == other.nodes.shape
            and np.allclose(self.nodes, other.nodes, rtol=rtol, atol=atol)
        )

    def __repr__(self):
        edges = self.edges_value
        return (
            f"MapAxis(name={self.name!r}, nbin={self.nbin}, node_type={self.node_type!r}, "
            f"interp={self.interp!r}, unit={self.unit.to_string()!r}, "
            f"bounds=[{edges[0]:.6g}, {edges[-1]:.6g}])"
        )


def _split(value, unit):
    """Plain float64 array and unit from a Quantity, a string or numbers plus ``unit``."""
    import astropy.units as u

    if isinstance(value, str):
        value = u.Quantity(value)
    if isinstance(value, u.Quantity):
        target = value.unit if unit is None else u.Unit(unit)
        return np.array(value.to_value(target), dtype=np.float64, ndmin=1), target
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], u.Quantity):
        return _split(u.Quantity(value), unit)
    return np.array(value, dtype=np.float64, ndmin=1), _unit(unit)


def _interp_extrapolate(x, xp, fp):
    """np.interp with linear extrapolation beyond both ends (xp increasing, >= 2 points)."""
    x = np.asarray(x, dtype=np.float64)
    out = np.interp(x, xp, fp)
    lo = x < xp[0]
    hi = x > xp[-1]
    if np.any(lo):
        slope = (fp[1] - fp[0]) / (xp[1] - xp[0])
        out = np.where(lo, fp[0] + (x - xp[0]) * slope, out)
    if np.any(hi):
        slope = (fp[-1] - fp[-2]) / (xp[-1] - xp[-2])
        out = np.where(hi, fp[-1] + (x - xp[-1]) * slope, out)
    return out
