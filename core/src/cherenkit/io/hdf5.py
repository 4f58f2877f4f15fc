"""Event files (DL1, DL2) in HDF5: columnar, chunked, compressed, versioned, atomic.

Layout (version `FORMAT_VERSION`, documented in ``docs/event-file-format.md``)::

    /                                  attrs: cherenkit_format, format_version,
                                              data_level, cherenkit_version
    /configuration                     attrs: config (TOML text of the run)
    /instrument/subarray               one column per field (tel_id, type, pos_x, ...)
    /instrument/optics                 one row per distinct optics
    /instrument/camera/<i>/geometry    pixel columns of camera i
    /instrument/camera/<i>/readout     attrs + reference_pulse_shape
    /simulation/run                    SimulationConfig per obs_id (when simulated)
    /simulation/shower                 true shower per array event
    /dl1/event/subarray/trigger        obs_id, event_id, event_type, time, ...
    /dl1/event/telescope/parameters/<TYPE>   image parameters per telescope event
    /dl1/event/telescope/images/<TYPE>       image, peak_time, image_mask (optional)

A table is a group holding one 1-d (or n-d, first axis = rows) dataset per column,
chunked along rows, gzip-compressed, extendable; a column's unit is its ``unit``
attribute. `EventFileWriter` writes to a temporary file beside the target and
renames it when closed without error: an interrupted run never leaves a half file
under the final name.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .. import __version__
from ..errors import DataFormatError
from .atomic import atomic_path

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "EventFileWriter",
    "read_subarray",
    "read_table",
    "table_names",
]

FORMAT_NAME = "cherenkit-events"
FORMAT_VERSION = "1.0"
_CHUNK_ROWS = 1024


def _as_column(values) -> tuple[np.ndarray, str | None]:
    """Plain array (strings as UTF-8 bytes) and unit of a column."""
    unit = getattr(values, "unit", None)
    if unit is not None:  # Quantity, or a table Column with a unit
        unit, values = unit.to_string(), values.value
    elif hasattr(values, "value"):  # a table Column without a unit
        values = values.value
    array = np.asarray(values)
    if array.dtype.kind == "U":
        array = np.char.encode(array, "utf-8")
    elif array.dtype.kind == "O":
        raise TypeError("object columns cannot be written; convert them to arrays first")
    return array, unit


class EventFileWriter:
    """Write an event file table by table; atomic on close.

    Parameters
    ----------
    path : path-like
        The final file name.
    data_level : {"DL1", "DL2"}
        Recorded in the root attributes.
    overwrite : bool
        Replace an existing file. Default is False (an existing file is an error).

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "dl1.h5"
    >>> with EventFileWriter(path) as writer:
    ...     writer.append("dl1/event/subarray/trigger", {"event_id": np.arange(3)})
    >>> read_table(path, "dl1/event/subarray/trigger")["event_id"].tolist()
    [0, 1, 2]
    """

    def __init__(self, path, *, data_level: str = "DL1", overwrite: bool = False):
        import h5py

        self.path = Path(path)
        if self.path.exists() and not overwrite:
            raise DataFormatError(self.path, "exists already; pass overwrite=True to replace it")
        self._context = atomic_path(self.path)
        self._tmp = self._context.__enter__()
        self._file = h5py.File(self._tmp, "w")
        self._file.attrs.update(
            {
                "cherenkit_format": FORMAT_NAME,
                "format_version": FORMAT_VERSION,
                "data_level": data_level,
                "cherenkit_version": __version__,
            }
        )

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self._file.close()
        self._context.__exit__(exc_type, exc, tb)
        return False

    def close(self) -> None:
        """Finish the file and move it to its final name."""
        self.__exit__(None, None, None)

    def write_config(self, text: str) -> None:
        """Record the configuration (TOML text) the file was made with."""
        self._file.require_group("configuration").attrs["config"] = text

    def append(self, name: str, columns, *, meta: dict | None = None) -> None:
        """Append rows to the table ``name``, creating it on first use.

        Parameters
        ----------
        name : str
            Table path, e.g. ``"dl1/event/telescope/parameters/LST_LST_LSTCam"``.
        columns : mapping of str to array_like, or `~astropy.table.Table`
            Equal-length columns; quantities keep their unit.
        meta : dict, optional
            Table attributes (JSON-encodable), written when the table is created.
        """
        if hasattr(columns, "colnames"):
            meta = {**dict(columns.meta), **(meta or {})}
            columns = {c: columns[c] for c in columns.colnames}
        arrays = {key: _as_column(values) for key, values in columns.items()}
        lengths = {len(a) for a, _ in arrays.values()}
        if len(lengths) > 1:
            sizes = ", ".join(f"{k} {len(a)}" for k, (a, _) in arrays.items())
            raise ValueError(f"table {name!r}: columns differ in length ({sizes})")
        if name in self._file:  # check everything before writing anything
            group = self._file[name]
            existing = json.loads(group.attrs["columns"])
            if existing != list(arrays):
                raise ValueError(
                    f"table {name!r}: the rows have the columns {list(arrays)}, the file's "
                    f"table has {existing}"
                )
            for key, (array, _) in arrays.items():
                if group[key].shape[1:] != array.shape[1:]:
                    raise ValueError(
                        f"table {name!r}, column {key!r}: rows of shape {array.shape[1:]} do "
                        f"not match the file's {group[key].shape[1:]}"
                    )
        group = self._file.require_group(name)
        if meta and "meta" not in group.attrs:
            group.attrs["meta"] = json.dumps(meta)
        group.attrs["columns"] = json.dumps(list(arrays))
        for key, (array, unit) in arrays.items():
            self._append_column(group, key, array, unit)

    def _append_column(self, group, key, array, unit):
        if key not in group:
            dataset = group.create_dataset(
                key,
                data=array,
                maxshape=(None, *array.shape[1:]),
                chunks=(min(max(len(array), 1), _CHUNK_ROWS), *array.shape[1:]) or None,
                compression="gzip",
                compression_opts=4,
                shuffle=True,
            )
            if unit:
                dataset.attrs["unit"] = unit
            return
        dataset = group[key]
        start = dataset.shape[0]
        dataset.resize(start + len(array), axis=0)
        dataset[start:] = array

    def write_subarray(self, subarray) -> None:
        """Write the instrument description so that `read_subarray` rebuilds it."""
        # geocentric coordinates too: geodetic round trips lose the last bits
        geocentric = subarray.reference_location.geocentric
        self.append(
            "instrument/subarray",
            subarray.to_table("subarray"),
            meta={
                f"REF_{a}": float(v.to_value("m")) for a, v in zip("XYZ", geocentric, strict=True)
            },
        )
        self.append("instrument/optics", subarray.to_table("optics"))
        cameras = list(dict.fromkeys(t.camera for t in subarray.tel_descriptions.values()))
        for index, camera in enumerate(cameras):
            self.append(f"instrument/camera/{index}/geometry", camera.geometry.to_table())
            readout = camera.readout
            group = self._file.require_group(f"instrument/camera/{index}/readout")
            group.attrs.update(
                {
                    "name": readout.name,
                    "sampling_rate_ghz": readout.sampling_rate.to_value("GHz"),
                    "reference_pulse_sample_width_ns": (
                        readout.reference_pulse_sample_width.to_value("ns")
                    ),
                    "n_channels": readout.n_channels,
                    "n_pixels": readout.n_pixels,
                    "n_samples": readout.n_samples,
                    "n_samples_long": (
                        -1 if readout.n_samples_long is None else readout.n_samples_long
                    ),
                    "camera_name": camera.name,
                }
            )
            group.create_dataset("reference_pulse_shape", data=readout.reference_pulse_shape)


def append_tables(destination, source, *, skip=("instrument/",), chunk_rows=100_000) -> None:
    """Append every table of the event file ``source`` to the event file ``destination``.

    Both are open `h5py.File` objects (``destination`` writable). Rows are copied
    as stored, dataset by dataset; tables that ``destination`` lacks are copied
    whole. Tables whose names start with one of ``skip`` are left out.

    Raises
    ------
    DataFormatError
        When a table exists in both with different columns or row shapes.
    """
    tables = []
    source.visititems(
        lambda name, item: tables.append(name) if "columns" in getattr(item, "attrs", {}) else None
    )
    for name in tables:
        if name.startswith(skip):
            continue
        if name not in destination:
            parent, _, leaf = name.rpartition("/")
            source.copy(source[name], destination.require_group(parent or "/"), name=leaf)
            continue
        target, group = destination[name], source[name]
        if target.attrs["columns"] != group.attrs["columns"]:
            raise DataFormatError(
                source.filename, f"table {name!r} has other columns than in {destination.filename}"
            )
        for key in json.loads(group.attrs["columns"]):
            values, dataset = group[key], target[key]
            if values.shape[1:] != dataset.shape[1:]:
                raise DataFormatError(
                    source.filename, f"table {name!r}, column {key!r}: rows of another shape"
                )
            start = dataset.shape[0]
            dataset.resize(start + values.shape[0], axis=0)
            for begin in range(0, values.shape[0], chunk_rows):
                stop = min(begin + chunk_rows, values.shape[0])
                dataset[start + begin : start + stop] = values[begin:stop]


def _open(path):
    import h5py

    path = Path(path)
    if not path.is_file():
        raise DataFormatError(path, "no such file")
    try:
        handle = h5py.File(path, "r")
    except OSError as err:
        raise DataFormatError(path, f"not a readable HDF5 file ({err})") from None
    if handle.attrs.get("cherenkit_format") != FORMAT_NAME:
        handle.close()
        raise DataFormatError(path, "not a cherenkit event file (no cherenkit_format attribute)")
    major = str(handle.attrs.get("format_version", "?")).split(".")[0]
    if major != FORMAT_VERSION.split(".")[0]:
        version = handle.attrs.get("format_version")
        handle.close()
        raise DataFormatError(
            path, f"format version {version} is not readable by this cherenkit ({FORMAT_VERSION})"
        )
    return handle


def table_names(path) -> list[str]:
    """Paths of every table in an event file."""
    names = []
    with _open(path) as handle:
        handle.visititems(lambda name, obj: names.append(name) if "columns" in obj.attrs else None)
    return sorted(names)


def read_table(path, name: str, *, columns=None, rows: slice | None = None):
    """Read one table (or some columns / a slice of rows) as an `~astropy.table.QTable`.

    Raises
    ------
    DataFormatError
        When the file is not a cherenkit event file or lacks the table or a column.
    """
    from astropy.table import QTable

    with _open(path) as handle:
        if name not in handle or "columns" not in handle[name].attrs:
            raise DataFormatError(path, f"has no table {name!r}; tables: {table_names(path)}")
        group = handle[name]
        available = json.loads(group.attrs["columns"])
        wanted = available if columns is None else list(columns)
        missing = [c for c in wanted if c not in available]
        if missing:
            raise DataFormatError(path, f"table {name!r} has no column {missing[0]!r}")
        table = QTable(meta=json.loads(group.attrs.get("meta", "{}")))
        for key in wanted:
            dataset = group[key]
            data = dataset[rows if rows is not None else slice(None)]
            if data.dtype.kind == "S":
                data = np.char.decode(data, "utf-8")
            unit = dataset.attrs.get("unit")
            table[key] = data * _unit(unit) if unit else data
    return table


def _unit(text):
    import astropy.units as u

    return u.Unit(text)


def read_subarray(path):
    """Rebuild the `~cherenkit.instrument.SubarrayDescription` written by `EventFileWriter`."""
    import astropy.units as u
    from astropy.coordinates import EarthLocation

    from ..instrument import (
        CameraDescription,
        CameraGeometry,
        CameraReadout,
        OpticsDescription,
        SubarrayDescription,
        TelescopeDescription,
    )

    tels = read_table(path, "instrument/subarray")
    optics_table = read_table(path, "instrument/optics")
    optics = [
        OpticsDescription(
            name=str(row["optics_name"]),
            size_type=str(row["size_type"]),
            reflector_shape=str(row["reflector_shape"]),
            mirror_area=row["mirror_area"],
            n_mirrors=int(row["n_mirrors"]),
            n_mirror_tiles=int(row["n_mirror_tiles"]),
            equivalent_focal_length=row["equivalent_focal_length"],
            effective_focal_length=row["effective_focal_length"],
        )
        for row in optics_table
    ]
    cameras = {}
    with _open(path) as handle:
        for index in sorted(handle["instrument/camera"], key=int):
            attrs = dict(handle[f"instrument/camera/{index}/readout"].attrs)
            pulse = handle[f"instrument/camera/{index}/readout/reference_pulse_shape"][()]
            readout = CameraReadout(
                name=str(attrs["name"]),
                sampling_rate=attrs["sampling_rate_ghz"] * u.GHz,
                reference_pulse_shape=pulse,
                reference_pulse_sample_width=attrs["reference_pulse_sample_width_ns"] * u.ns,
                n_channels=int(attrs["n_channels"]),
                n_pixels=int(attrs["n_pixels"]),
                n_samples=int(attrs["n_samples"]),
                n_samples_long=(
                    None if attrs["n_samples_long"] < 0 else int(attrs["n_samples_long"])
                ),
            )
            cameras[int(index)] = (str(attrs["camera_name"]), readout)
    geometries = {
        i: CameraGeometry.from_table(_as_table(read_table(path, f"instrument/camera/{i}/geometry")))
        for i in cameras
    }
    descriptions = {
        int(row["tel_id"]): TelescopeDescription(
            name=str(row["name"]),
            optics=optics[int(row["optics_index"])],
            camera=CameraDescription(
                name=cameras[int(row["camera_index"])][0],
                geometry=geometries[int(row["camera_index"])],
                readout=cameras[int(row["camera_index"])][1],
            ),
        )
        for row in tels
    }
    meta = tels.meta
    return SubarrayDescription(
        name=meta["NAME"],
        tel_positions={
            int(row["tel_id"]): u.Quantity([row["pos_x"], row["pos_y"], row["pos_z"]])
            for row in tels
        },
        tel_descriptions=descriptions,
        reference_location=EarthLocation.from_geocentric(
            meta["REF_X"], meta["REF_Y"], meta["REF_Z"], unit=u.m
        ),
    )


def _as_table(qtable):
    from astropy.table import Table

    return Table(qtable)
