"""Read an event file back as joined astropy tables: `TableLoader`.

`TableLoader` joins the tables of one cherenkit event file (layout in
``docs/event-file-format.md``) on their keys: array events (the trigger table, one
row per array event) with every DL2 reconstruction and the simulated truth, and
telescope events (image parameters, images) with the columns of their array event.

Joins never sort: the trigger table sets the order, every trigger row is kept (a
left join), and a row missing from another table gives masked values. Rows are
located by their ``(obs_id, event_id[, tel_id])`` keys, read once per table (a few
bytes per row); column data are read only for the rows asked for, so the
``*_chunked`` readers hold one chunk at a time however large the file is.

Joined column names (documented in ``docs/event-file-format.md``): trigger,
parameter and image columns keep their names; DL2 columns get the prefix
``<label>_`` with every character of the label that is not a letter, digit or
underscore replaced by ``_`` (``hillas-intersection`` → ``reco_hillas_intersection_alt``);
simulated truth columns start with ``true_``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np

from ..errors import DataFormatError, closest, format_ids
from .hdf5 import _open
from .layout import (
    GEOMETRY,
    IMAGES,
    PARAMETERS,
    SHOWER,
    SHOWER_DISTRIBUTION,
    SIMULATION_RUN,
    SUBARRAY,
    TRIGGER,
    TRUE_IMAGES,
)

__all__ = ["TableLoader", "dl2_prefix"]

EVENT_KEYS = ("obs_id", "event_id")
TEL_KEYS = ("obs_id", "event_id", "tel_id")


def dl2_prefix(label: str) -> str:
    """Prefix of the joined columns of the DL2 table ``label``.

    ``reco_``, then the label with every character that is not a letter, digit or
    underscore replaced by ``_``, then ``_``: the ``reco_`` keeps a label such as
    ``hillas`` apart from the image parameters (``hillas_is_valid``).

    Examples
    --------
    >>> dl2_prefix("hillas-intersection")
    'reco_hillas_intersection_'
    """
    return "reco_" + re.sub(r"[^0-9A-Za-z_]", "_", label) + "_"


class _KeyIndex:
    """Row of a table for given key tuples (-1 where absent); sorted-search based."""

    def __init__(self, keys, *, path, name):
        self._widths = _bit_widths(keys)
        packed = self._pack(keys, np.ones(len(keys[0]), bool))
        self._order = np.argsort(packed, kind="stable")
        self._sorted = packed[self._order]
        if len(packed) and np.any(self._sorted[1:] == self._sorted[:-1]):
            raise DataFormatError(path, f"table {name!r} has rows with the same keys")

    def _pack(self, keys, inside):
        if self._widths is None:  # keys too wide for one int64: compare tuples
            packed = np.empty(len(keys[0]), [(f"k{i}", np.int64) for i in range(len(keys))])
            for i, k in enumerate(keys):
                packed[f"k{i}"] = k
            return packed
        packed = np.zeros(len(keys[0]), np.int64)
        for key, width in zip(keys, self._widths, strict=True):
            packed = (packed << width) | np.where(inside, key, 0).astype(np.int64)
        return packed

    def lookup(self, keys) -> np.ndarray:
        n = len(keys[0])
        inside = np.ones(n, bool)
        if self._widths is not None:  # a key outside the table's range cannot match
            for key, width in zip(keys, self._widths, strict=True):
                inside &= (key >= 0) & (key < (1 << width))
        if not len(self._sorted):
            return np.full(n, -1, np.int64)
        packed = self._pack(keys, inside)
        pos = np.minimum(np.searchsorted(self._sorted, packed), len(self._sorted) - 1)
        found = inside & (self._sorted[pos] == packed)
        return np.where(found, self._order[pos], -1)


def _bit_widths(keys):
    widths = []
    for key in keys:
        if len(key) and key.min() < 0:
            return None
        widths.append(max(int(key.max(initial=0)).bit_length(), 1))
    return widths if sum(widths) <= 63 else None


def _selection(rows):
    """HDF5 selection for sorted unique rows, and the rows to take from what it reads."""
    if len(rows) == 0:
        return slice(0, 0), None
    first, last = int(rows[0]), int(rows[-1])
    span = last - first + 1
    if span == len(rows):
        return slice(first, last + 1), None
    if span <= 4 * len(rows) + 64:  # cheaper to read the covering range
        return slice(first, last + 1), rows - first
    return rows, None


def _column(data, unit, mask):
    import astropy.units as u

    if mask is not None:
        mask = np.broadcast_to(mask.reshape(-1, *[1] * (data.ndim - 1)), data.shape).copy()
    if unit:
        quantity = u.Quantity(data, unit, copy=False)
        if mask is None:
            return quantity
        from astropy.utils.masked import Masked

        return Masked(quantity, mask=mask)
    if mask is None:
        return data
    from astropy.table import MaskedColumn

    return MaskedColumn(data, mask=mask)


class TableLoader:
    """Joined tables of a cherenkit event file: array events, telescope events, truth.

    Parameters
    ----------
    path : path-like
        An event file written by `~cherenkit.io.hdf5.EventFileWriter` (e.g. by
        `~cherenkit.io.dl1.write_dl1`). The file stays open until `close` (or the
        end of a ``with`` block).

    Attributes
    ----------
    path : `~pathlib.Path`
    telescope_types : list of str
        Telescope types with telescope events, e.g. ``["LST_LST_LSTCam"]``.
    dl2_labels : list of str
        Labels of the DL2 geometry tables, e.g. ``["hillas", "hillas-intersection"]``.

    Raises
    ------
    cherenkit.errors.DataFormatError
        When the file is missing, not HDF5 or not a cherenkit event file.

    Notes
    -----
    ``start``/``stop`` and chunks count array events (rows of the trigger table), for
    telescope events too: a chunk holds the telescope events of its array events,
    so no array event is split between chunks. Telescope events are ordered by
    array event, then ``tel_id``. Column names are listed in
    ``docs/event-file-format.md`` ("Reading files back").

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, astropy.units as u
    >>> from cherenkit.io.hdf5 import EventFileWriter
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "events.h5"
    >>> with EventFileWriter(path) as writer:
    ...     keys = {"obs_id": np.array([1, 1]), "event_id": np.array([4, 7])}
    ...     writer.append("dl1/event/subarray/trigger", {**keys, "n_trigger": [2, 3]})
    ...     writer.append(
    ...         "dl2/event/subarray/geometry/hillas-intersection",
    ...         {"obs_id": [1], "event_id": [7], "alt": [70.0] * u.deg},
    ...     )
    ...     writer.append("simulation/shower", {**keys, "true_energy": [1.0, 2.0] * u.TeV})
    >>> with TableLoader(path) as loader:
    ...     events = loader.read_subarray_events()
    >>> events.colnames
    ['obs_id', 'event_id', 'n_trigger', 'reco_hillas_intersection_alt', 'true_energy']
    >>> events["reco_hillas_intersection_alt"].mask.tolist()  # event 4 was not reconstructed
    [True, False]
    >>> events["true_energy"].to_value("TeV").tolist()
    [1.0, 2.0]
    """

    def __init__(self, path):
        self.path = Path(path)
        self._handle = _open(self.path)
        try:
            self._survey()
        except BaseException:
            self.close()
            raise

    def _survey(self):
        names = []
        self._handle.visititems(
            lambda name, obj: names.append(name) if "columns" in obj.attrs else None
        )
        self._tables = frozenset(names)
        self._cache = {}
        self.dl2_labels = sorted(n.rsplit("/", 1)[1] for n in names if n.startswith(GEOMETRY + "/"))
        types = {
            n.rsplit("/", 1)[1] for n in names if n.startswith((PARAMETERS + "/", IMAGES + "/"))
        }
        order = {}
        if SUBARRAY in self._tables and "tel_id" in self._columns(SUBARRAY):
            known = self._subarray()[1]
            order = {} if known is None else {t: i for i, t in enumerate(dict.fromkeys(known))}
        self.telescope_types = sorted(types, key=lambda t: (order.get(t, len(order)), t))

    # --- file and table plumbing -------------------------------------------

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return f"TableLoader({str(self.path)!r})"

    def close(self) -> None:
        """Close the file; reading afterwards raises `ValueError`."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _group(self, name):
        if self._handle is None:
            raise ValueError(f"{self!r} is closed")
        if name not in self._tables:
            raise DataFormatError(
                self.path, f"has no table {name!r}; tables: {sorted(self._tables)}"
            )
        return self._handle[name]

    def _columns(self, name) -> list[str]:
        return json.loads(self._group(name).attrs["columns"])

    def _read(self, name, columns, rows) -> dict:
        """Columns (array, unit) of the sorted unique ``rows`` of a table."""
        group = self._group(name)
        selection, take = _selection(rows)
        out = {}
        for column in columns:
            dataset = group[column]
            data = dataset[selection]
            if take is not None:
                data = data[take]
            if data.dtype.kind == "S":
                data = np.char.decode(data, "utf-8")
            out[column] = (data, dataset.attrs.get("unit"))
        return out

    def _gather(self, name, columns, index, masked) -> dict:
        """Columns (array, unit, mask) of table rows ``index`` (any order, -1: missing)."""
        valid = index >= 0
        needed, inverse = np.unique(index[valid], return_inverse=True)
        out = {}
        for column, (data, unit) in self._read(name, columns, needed).items():
            if valid.all():
                values = data[inverse]
            else:
                values = np.zeros((len(index), *data.shape[1:]), data.dtype)
                values[valid] = data[inverse]
            out[column] = (values, unit, ~valid if masked else None)
        return out

    def _cached(self, key, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def _keys(self, name, n):
        """The first ``n`` of ``obs_id, event_id, tel_id`` of a table (int64, cached)."""

        def compute():
            columns = self._columns(name)
            keys = [k for k in TEL_KEYS if k in columns]  # tel_id too where there is one
            group = self._group(name)
            return {k: group[k][()].astype(np.int64) for k in keys}

        keys = self._cached(("keys", name), compute)
        missing = [k for k in TEL_KEYS[:n] if k not in keys]
        if missing:
            raise DataFormatError(self.path, f"table {name!r} lacks key column {missing[0]!r}")
        return tuple(keys[k] for k in TEL_KEYS[:n])

    def _map(self, left, right, n=2):
        """Row of ``right`` matching each row of ``left`` on the first ``n`` keys, or -1."""

        def compute():
            index = self._cached(
                ("index", right, n),
                lambda: _KeyIndex(self._keys(right, n), path=self.path, name=right),
            )
            return index.lookup(self._keys(left, n))

        return self._cached(("map", left, right, n), compute)

    def _has_missing(self, left, right, n=2) -> bool:
        return self._cached(
            ("missing", left, right, n), lambda: bool(np.any(self._map(left, right, n) < 0))
        )

    def _n_rows(self, name) -> int:
        return self._group(name)[self._columns(name)[0]].shape[0]

    def _subarray(self):
        """(tel_ids, type strings or None) of ``instrument/subarray``, ascending tel_id."""

        def compute():
            names = [c for c in ("tel_id", "tel_description") if c in self._columns(SUBARRAY)]
            data = self._read(SUBARRAY, names, np.arange(self._n_rows(SUBARRAY)))
            tel_ids = data["tel_id"][0].astype(np.int64)
            order = np.argsort(tel_ids, kind="stable")
            types = data["tel_description"][0][order] if "tel_description" in data else None
            return tel_ids[order], types

        return self._cached("subarray", compute)

    def _n_events(self) -> int:
        return len(self._keys(TRIGGER, 2)[0])

    def _range(self, start, stop) -> tuple[int, int]:
        start, stop, _ = slice(start, stop).indices(self._n_events())
        return start, max(start, stop)

    # --- what the joined tables hold ------------------------------------------

    def _event_parts(self, dl2, simulated):
        """Array-event columns: list of (table, {column: output name}), trigger first."""
        parts = [(TRIGGER, {c: c for c in self._columns(TRIGGER) if c not in EVENT_KEYS})]
        if dl2:
            for label in self.dl2_labels:
                name = f"{GEOMETRY}/{label}"
                prefix = dl2_prefix(label)
                parts.append(
                    (name, {c: prefix + c for c in self._columns(name) if c not in EVENT_KEYS})
                )
        if simulated and SHOWER in self._tables:
            parts.append(
                (
                    SHOWER,
                    {
                        c: c if c.startswith("true_") else f"true_{c}"
                        for c in self._columns(SHOWER)
                        if c not in EVENT_KEYS
                    },
                )
            )
        return parts

    def _tel_base(self, tel_type):
        """The table that defines the telescope events of a type (parameters, else images)."""
        name = f"{PARAMETERS}/{tel_type}"
        return name if name in self._tables else f"{IMAGES}/{tel_type}"

    def _tel_parts(self, tel_type, dl1_parameters, images, true_images):
        base = self._tel_base(tel_type)
        parts = []
        if dl1_parameters and base.startswith(PARAMETERS):
            parts.append((base, {c: c for c in self._columns(base) if c not in TEL_KEYS}))
        for wanted, name, what in (
            (images, f"{IMAGES}/{tel_type}", "images"),
            (true_images, f"{TRUE_IMAGES}/{tel_type}", "true images"),
        ):
            if not wanted:
                continue
            if name not in self._tables:
                raise DataFormatError(
                    self.path,
                    f"has no {what} of telescope type {tel_type!r} (no table {name!r}); "
                    f"pass {what.replace(' ', '_')}=False",
                )
            parts.append((name, {c: c for c in self._columns(name) if c not in TEL_KEYS}))
        return parts

    def _check_names(self, parts, keys, what):
        seen = {k: "the keys" for k in keys}
        for name, columns in parts:
            for out in columns.values():
                if out in seen:
                    raise DataFormatError(
                        self.path,
                        f"{what}: column {out!r} of table {name!r} clashes with the one of "
                        f"{seen[out]!r}",
                    )
                seen[out] = name
        return list(seen)

    def _select(self, parts, keys, columns, what):
        """Keep only the requested output columns (keys always), checking the names."""
        available = self._check_names(parts, keys, what)
        if columns is None:
            return parts, available
        columns = [columns] if isinstance(columns, str) else list(columns)
        unknown = [c for c in columns if c not in available]
        if unknown:
            hint = closest(unknown[0], available)
            raise DataFormatError(
                self.path,
                f"{what} have no column {', '.join(map(repr, unknown))}"
                + (f" (did you mean {hint!r}?)" if hint else "")
                + f"; available: {', '.join(available)}",
            )
        wanted = set(columns)
        parts = [(n, {c: o for c, o in cols.items() if o in wanted}) for n, cols in parts]
        order = list(keys) + [c for c in dict.fromkeys(columns) if c not in keys]
        return [(n, cols) for n, cols in parts if cols], order

    # --- array events ---------------------------------------------------------

    def read_subarray_events(
        self, *, dl2=True, simulated=True, columns=None, start=None, stop=None
    ):
        """Array events: trigger table joined with every DL2 table and the truth.

        Parameters
        ----------
        dl2 : bool
            Join the DL2 geometry tables (columns ``<label>_alt, <label>_az, ...,
            <label>_telescopes``; see `dl2_prefix`). Default is True.
        simulated : bool
            Join the simulated truth (``true_energy, true_alt, ...``) when the file
            has it. Default is True.
        columns : list of str, optional
            Output columns to return; ``obs_id, event_id`` are always returned.
        start, stop : int, optional
            Range of array events (rows of the trigger table), as in a slice.

        Returns
        -------
        `~astropy.table.QTable`
            One row per trigger row, in file order, with units. Columns of a table
            that lacks some array events are masked there.

        Raises
        ------
        cherenkit.errors.DataFormatError
            When the file has no trigger table or a requested column does not exist
            (the message lists the columns that do).
        """
        parts, order = self._select(
            self._event_parts(dl2, simulated), EVENT_KEYS, columns, "array events"
        )
        start, stop = self._range(start, stop)
        return self._event_rows(np.arange(start, stop), parts, order)

    def read_subarray_events_chunked(self, chunk_size: int, **kwargs):
        """`read_subarray_events` in chunks of ``chunk_size`` array events.

        Parameters
        ----------
        chunk_size : int
            Array events per chunk.
        **kwargs
            Arguments of `read_subarray_events`; ``start, stop`` limit the range.

        Yields
        ------
        start, stop : int
            The chunk's array events: ``read_subarray_events(start=start, stop=stop)``.
        table : `~astropy.table.QTable`
        """
        start, stop = self._range(kwargs.pop("start", None), kwargs.pop("stop", None))
        for first in range(start, stop, _chunk_size(chunk_size)):
            last = min(first + chunk_size, stop)
            yield first, last, self.read_subarray_events(start=first, stop=last, **kwargs)

    def _event_rows(self, rows, parts, order):
        from astropy.table import QTable

        keys = self._keys(TRIGGER, 2)
        columns = {k: keys[i][rows] for i, k in enumerate(EVENT_KEYS)}
        for name, names in parts:
            if name == TRIGGER:
                data = {
                    c: (a, unit, None) for c, (a, unit) in self._read(name, names, rows).items()
                }
            else:
                index = self._map(TRIGGER, name)[rows]
                data = self._gather(name, names, index, self._has_missing(TRIGGER, name))
            columns.update({names[c]: _column(*v) for c, v in data.items()})
        return QTable({c: columns[c] for c in order})

    # --- telescope events -----------------------------------------------------

    def _tel_selection(self, telescopes) -> dict:
        """{type: tel_ids to keep, or None for all} for a telescopes= argument."""
        if telescopes is None:
            return dict.fromkeys(self.telescope_types)
        if isinstance(telescopes, (str, int, np.integer)) or not np.iterable(telescopes):
            telescopes = [telescopes]
        by_type, ids = {}, []
        for item in telescopes:
            if isinstance(item, (int, np.integer)) and not isinstance(item, bool):
                ids.append(int(item))
            elif str(item) in self.telescope_types:
                by_type[str(item)] = None
            else:
                hint = closest(str(item), self.telescope_types)
                raise DataFormatError(
                    self.path,
                    f"has no telescope events of type {str(item)!r}"
                    + (f" (did you mean {hint!r}?)" if hint else "")
                    + f"; it has {self.telescope_types}",
                )
        if ids:
            known = set()
            for tel_type in self.telescope_types:
                present = set(np.unique(self._keys(self._tel_base(tel_type), 3)[2]).tolist())
                known |= present
                chosen = present.intersection(ids)
                if chosen and tel_type not in by_type:
                    by_type[tel_type] = chosen
                elif chosen and by_type[tel_type] is not None:
                    by_type[tel_type] |= chosen
            if self._has_tel_ids():
                known |= set(self._subarray()[0].tolist())
            unknown = sorted(set(ids) - known)
            if unknown:
                raise DataFormatError(
                    self.path,
                    f"has no telescope {format_ids(unknown)}; tel_ids: {format_ids(known)}",
                )
        types = [t for t in self.telescope_types if t in by_type]
        return {t: None if by_type[t] is None else np.array(sorted(by_type[t])) for t in types}

    def _tel_trigger(self, tel_type):
        """Trigger row of every telescope event of a type, and the rows sorted by it."""

        def compute():
            base = self._tel_base(tel_type)
            trigger = self._map(base, TRIGGER)
            if np.any(trigger < 0):
                raise DataFormatError(
                    self.path,
                    f"{np.count_nonzero(trigger < 0)} telescope events of table {base!r} "
                    f"have no row in {TRIGGER!r}",
                )
            order = np.argsort(trigger, kind="stable")
            return trigger, order, trigger[order]

        return self._cached(("tel_trigger", tel_type), compute)

    def _tel_plan(self, selection, dl1_parameters, dl2, simulated, true_images, images, columns):
        plans = {}
        for tel_type in selection:
            parts = self._tel_parts(tel_type, dl1_parameters, images, true_images)
            for name, columns_of in self._event_parts(dl2, simulated):
                parts.append((name, {c: o for c, o in columns_of.items() if c != "telescopes"}))
                if "telescopes" in columns_of and self._has_tel_ids():  # telescope used?
                    is_used = columns_of["telescopes"].removesuffix("telescopes") + "is_used"
                    parts.append(((name, "is_used"), {"telescopes": is_used}))
            what = f"telescope events of {tel_type!r}"
            plans[tel_type] = self._select(parts, TEL_KEYS, columns, what)
        return plans

    def _has_tel_ids(self) -> bool:
        return SUBARRAY in self._tables and "tel_id" in self._columns(SUBARRAY)

    def _tel_rows(self, tel_type, tel_ids, start, stop):
        _, order, sorted_trigger = self._tel_trigger(tel_type)
        lo, hi = np.searchsorted(sorted_trigger, [start, stop])
        rows = np.sort(order[lo:hi])
        if tel_ids is not None:
            rows = rows[np.isin(self._keys(self._tel_base(tel_type), 3)[2][rows], tel_ids)]
        return rows

    def _tel_table(self, tel_type, rows, parts, order):
        from astropy.table import QTable

        base = self._tel_base(tel_type)
        keys = self._keys(base, 3)
        trigger = self._tel_trigger(tel_type)[0][rows]
        tel_id = keys[2][rows]
        sort = np.lexsort((tel_id, trigger))
        rows, trigger, tel_id = rows[sort], trigger[sort], tel_id[sort]
        columns = {k: keys[i][rows] for i, k in enumerate(TEL_KEYS)}
        for name, names in parts:
            if isinstance(name, tuple):  # <label>_is_used from the DL2 telescopes column
                table = name[0]
                index = self._map(TRIGGER, table)[trigger]
                data = self._gather(table, ["telescopes"], index, self._has_missing(TRIGGER, table))
                used, _, mask = data["telescopes"]
                columns[names["telescopes"]] = _column(
                    self._is_used(table, used, tel_id), None, mask
                )
                continue
            if name == base:
                index = rows
                masked = False
            elif name.startswith((IMAGES, TRUE_IMAGES)):
                index = self._map(base, name, 3)[rows]
                masked = self._has_missing(base, name, 3)
            else:
                index = trigger if name == TRIGGER else self._map(TRIGGER, name)[trigger]
                masked = name != TRIGGER and self._has_missing(TRIGGER, name)
            data = self._gather(name, names, index, masked)
            columns.update({names[c]: _column(*v) for c, v in data.items()})
        return QTable({c: columns[c] for c in order}), trigger, tel_id

    def _is_used(self, table, used, tel_id):
        tel_ids = self._subarray()[0]
        if used.ndim != 2 or used.shape[1] != len(tel_ids):
            raise DataFormatError(
                self.path,
                f"table {table!r}: column 'telescopes' has {used.shape[1:]} entries per row, "
                f"the subarray {len(tel_ids)} telescopes",
            )
        position = np.minimum(np.searchsorted(tel_ids, tel_id), len(tel_ids) - 1)
        inside = tel_ids[position] == tel_id
        return inside & used[np.arange(len(tel_id)), position]

    def read_telescope_events_by_type(
        self,
        telescopes=None,
        *,
        dl1_parameters=True,
        dl2=True,
        simulated=True,
        true_images=False,
        images=False,
        columns=None,
        start=None,
        stop=None,
    ) -> dict:
        """Telescope events, one table per telescope type.

        Parameters
        ----------
        telescopes : str, int or list of str and int, optional
            Telescope types (``"LST_LST_LSTCam"``; `TelescopeDescription` objects
            work too) and/or tel_ids to read. Default: every telescope.
        dl1_parameters : bool
            Image parameters (``hillas_intensity, ..., is_good``). Default is True.
        dl2 : bool
            The DL2 columns of each telescope event's array event (``<label>_alt``,
            ...) and ``<label>_is_used``, whether the reconstruction used this
            telescope (needs ``instrument/subarray``). Default is True.
        simulated : bool
            The truth of the array event (``true_*``), when present. Default is True.
        true_images : bool
            ``true_image`` from ``simulation/event/telescope/images/<TYPE>``.
            Default is False.
        images : bool
            ``image, peak_time, image_mask``. Default is False.
        columns : list of str, optional
            Output columns; ``obs_id, event_id, tel_id`` are always returned.
        start, stop : int, optional
            Range of *array events* (trigger rows) whose telescope events to read.

        Returns
        -------
        dict of str to `~astropy.table.QTable`
            By type; rows ordered by array event, then tel_id; the trigger columns
            of the array event joined to each row.

        Raises
        ------
        cherenkit.errors.DataFormatError
            For an unknown type, tel_id or column, or images asked for but not in
            the file.
        """
        options = (dl1_parameters, dl2, simulated, true_images, images, columns)
        tables = self._tel_tables(telescopes, options, start, stop)
        return {t: table for t, (table, _) in tables.items()}

    def _tel_tables(self, telescopes, options, start, stop):
        """{type: (table, trigger row of each table row)}."""
        selection = self._tel_selection(telescopes)
        plans = self._tel_plan(selection, *options)
        start, stop = self._range(start, stop)
        out = {}
        for tel_type, tel_ids in selection.items():
            rows = self._tel_rows(tel_type, tel_ids, start, stop)
            table, trigger, _ = self._tel_table(tel_type, rows, *plans[tel_type])
            out[tel_type] = (table, trigger)
        return out

    def read_telescope_events(
        self,
        telescopes=None,
        *,
        dl1_parameters=True,
        dl2=True,
        simulated=True,
        true_images=False,
        images=False,
        columns=None,
        start=None,
        stop=None,
    ):
        """Telescope events of all chosen types in one table.

        Takes the arguments of `read_telescope_events_by_type`. Rows are ordered
        by array event, then tel_id.

        Returns
        -------
        `~astropy.table.QTable`

        Raises
        ------
        cherenkit.errors.DataFormatError
            As `read_telescope_events_by_type`, and when the chosen types have
            different columns or image sizes (read them by type then).
        """
        from astropy.table import QTable, vstack

        options = (dl1_parameters, dl2, simulated, true_images, images, columns)
        tables = self._tel_tables(telescopes, options, start, stop)
        if not tables:
            return QTable({k: np.zeros(0, np.int64) for k in TEL_KEYS})
        if len(tables) == 1:
            return next(iter(tables.values()))[0]
        self._check_stackable({t: table for t, (table, _) in tables.items()})
        table = vstack(
            [t for t, _ in tables.values()], join_type="exact", metadata_conflicts="silent"
        )
        trigger = np.concatenate([trigger for _, trigger in tables.values()])
        return table[np.lexsort((np.asarray(table["tel_id"]), trigger))]

    def _check_stackable(self, tables):
        first = None
        for tel_type, table in tables.items():
            layout = [(c, table[c].shape[1:]) for c in table.colnames]
            if first is None:
                first = (tel_type, layout)
            elif layout != first[1]:
                raise DataFormatError(
                    self.path,
                    f"telescope types {first[0]!r} and {tel_type!r} have different columns or "
                    "image sizes and cannot share one table; use read_telescope_events_by_type",
                )

    def read_telescope_events_chunked(self, chunk_size: int, telescopes=None, **kwargs):
        """`read_telescope_events` in chunks of ``chunk_size`` *array* events.

        Only the rows of a chunk are read from every table, so memory does not
        grow with the file. Arguments as `read_telescope_events_by_type`.

        Yields
        ------
        start, stop : int
            The chunk's array events: the table equals
            ``read_telescope_events(telescopes, start=start, stop=stop)``.
        table : `~astropy.table.QTable`
        """
        start, stop = self._range(kwargs.pop("start", None), kwargs.pop("stop", None))
        for first in range(start, stop, _chunk_size(chunk_size)):
            last = min(first + chunk_size, stop)
            yield (
                first,
                last,
                self.read_telescope_events(telescopes, start=first, stop=last, **kwargs),
            )

    # --- simulation -----------------------------------------------------------

    def _whole(self, name):
        from astropy.table import QTable

        group = self._group(name)
        data = self._read(name, self._columns(name), np.arange(self._n_rows(name)))
        table = QTable(meta=json.loads(group.attrs.get("meta", "{}")))
        for column, (values, unit) in data.items():
            table[column] = _column(values, unit, None)
        return table

    def read_simulation_config(self):
        """The simulation configuration, one row per obs_id (``simulation/run``).

        Raises
        ------
        cherenkit.errors.DataFormatError
            When the file has no ``simulation/run`` table (observed data).
        """
        return self._whole(SIMULATION_RUN)

    def read_shower_distribution(self):
        """Histogram of all simulated showers, per obs_id.

        Reads ``simulation/service/shower_distribution``.

        Returns
        -------
        `~astropy.table.QTable`
            ``obs_id, n_entries, bins_energy`` [TeV] (n_e + 1), ``bins_core_dist``
            [m] (n_c + 1) and ``histogram`` (n_e, n_c), one row per obs_id.

        Raises
        ------
        cherenkit.errors.DataFormatError
            When the file has no such table.
        """
        return self._whole(SHOWER_DISTRIBUTION)


def _chunk_size(chunk_size) -> int:
    if (
        isinstance(chunk_size, bool)
        or not isinstance(chunk_size, (int, np.integer))
        or chunk_size < 1
    ):
        raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}")
    return int(chunk_size)
