"""Subarray description: which telescopes, where, of which type."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import astropy.units as u
import attrs
import numpy as np

from ..errors import ParameterError
from ._validation import check_str, format_ids, quantity_equal, readonly
from .telescope import TelescopeDescription

if TYPE_CHECKING:
    from astropy.coordinates import EarthLocation
    from astropy.table import Table

__all__ = ["SubarrayDescription"]

_OWNER = "SubarrayDescription"


def _as_tel_dict(value):
    """A new dict keyed by int tel_id in ascending order (anything else unchanged)."""
    if not isinstance(value, dict):
        return value
    try:
        items = [(int(k), v) for k, v in value.items()]
    except (TypeError, ValueError):
        return value
    return dict(sorted(items, key=lambda item: item[0]))


def _as_positions(value):
    value = _as_tel_dict(value)
    if not isinstance(value, dict):
        return value
    out = {}
    for tel_id, pos in value.items():
        if isinstance(pos, u.Quantity) and pos.unit.physical_type == "length":
            pos = readonly(u.Quantity(pos, u.m, dtype=np.float64, copy=True))
        out[tel_id] = pos
    return out


def _check_positions(instance, attribute, value):
    if not isinstance(value, dict):
        raise ParameterError(
            _OWNER, attribute.name, f"expected a dict tel_id -> Quantity, got {value!r:.60}"
        )
    for tel_id, pos in value.items():
        if not (isinstance(pos, u.Quantity) and pos.unit.physical_type == "length"):
            raise ParameterError(
                _OWNER,
                attribute.name,
                f"position of telescope {tel_id} must be a length Quantity, got {pos!r:.60}",
            )
        if pos.shape != (3,):
            raise ParameterError(
                _OWNER,
                attribute.name,
                f"position of telescope {tel_id} must have shape (3,) (x, y, z), got {pos.shape}",
            )


def _check_descriptions(instance, attribute, value):
    if not isinstance(value, dict):
        raise ParameterError(
            _OWNER,
            attribute.name,
            f"expected a dict tel_id -> TelescopeDescription, got {value!r:.60}",
        )
    for tel_id, tel in value.items():
        if not isinstance(tel, TelescopeDescription):
            raise ParameterError(
                _OWNER,
                attribute.name,
                f"telescope {tel_id} must be a TelescopeDescription, got {type(tel).__name__}",
            )


def _check_location(instance, attribute, value):
    from astropy.coordinates import EarthLocation  # slow to import: only when used

    if not isinstance(value, EarthLocation) or value.shape != ():
        raise ParameterError(
            _OWNER, attribute.name, f"expected a scalar EarthLocation, got {value!r:.60}"
        )


@attrs.frozen(kw_only=True, eq=False)
class SubarrayDescription:
    """A set of telescopes: their ids, ground positions and descriptions.

    Telescopes are kept in ascending ``tel_id`` order; ``tel_index`` is the
    position in that order (the row of per-telescope arrays such as `positions`).

    Attributes
    ----------
    name : str
        Subarray name, e.g. ``"MonteCarloArray"``.
    tel_positions : dict of int to `~astropy.units.Quantity`, shape (3,), m
        Ground position of every telescope relative to ``reference_location``:
        x north, y west, z up.
    tel_descriptions : dict of int to TelescopeDescription
        Description of every telescope; the same keys as ``tel_positions``.
    reference_location : `~astropy.coordinates.EarthLocation`
        Origin of the ground frame.

    Raises
    ------
    cherenkit.errors.ParameterError
        When a field has a wrong type or the two dicts have different telescopes.
    """

    name: str = attrs.field(validator=check_str)
    tel_positions: dict[int, u.Quantity] = attrs.field(
        converter=_as_positions, validator=_check_positions
    )
    tel_descriptions: dict[int, TelescopeDescription] = attrs.field(
        converter=_as_tel_dict, validator=_check_descriptions
    )
    reference_location: EarthLocation = attrs.field(validator=_check_location)
    _cache: dict[Any, Any] = attrs.field(init=False, factory=dict, repr=False)

    def __attrs_post_init__(self):
        negative = [t for t in self.tel_descriptions if t < 0]
        if negative:
            raise ParameterError(
                _OWNER, "tel_descriptions", f"telescope ids must be >= 0, got {negative}"
            )
        positions, descriptions = set(self.tel_positions), set(self.tel_descriptions)
        if positions != descriptions:
            raise ParameterError(
                _OWNER,
                "tel_descriptions",
                "tel_positions and tel_descriptions must have the same telescopes; "
                f"only positions: {format_ids(positions - descriptions)}, "
                f"only descriptions: {format_ids(descriptions - positions)}",
            )

    def _cached(self, key, compute):
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = compute()
            return value

    def __len__(self):
        return self.n_tels

    def __eq__(self, other):
        if not isinstance(other, SubarrayDescription):
            return NotImplemented
        here = self.reference_location.geocentric
        there = other.reference_location.geocentric
        return (
            self.name == other.name
            and list(self.tel_descriptions) == list(other.tel_descriptions)
            and all(quantity_equal(a, b) for a, b in zip(here, there, strict=True))
            and all(
                quantity_equal(self.tel_positions[t], other.tel_positions[t])
                for t in self.tel_positions
            )
            and self.tel_descriptions == other.tel_descriptions
        )

    __hash__ = None

    def __repr__(self):
        return f"SubarrayDescription(name={self.name!r}, n_tels={self.n_tels})"

    # --- telescopes and indices ------------------------------------------------------

    @property
    def n_tels(self) -> int:
        """Number of telescopes."""
        return len(self.tel_descriptions)

    @property
    def tel(self) -> dict[int, TelescopeDescription]:
        """``tel_descriptions`` under its ctapipe name: ``subarray.tel[tel_id]``."""
        return self.tel_descriptions

    @property
    def tel_ids(self) -> np.ndarray:
        """Telescope ids in ascending order, int64, shape (n_tels,)."""
        return self._cached(
            "tel_ids", lambda: readonly(np.array(list(self.tel_descriptions), dtype=np.int64))
        )

    @property
    def tel_index_array(self) -> np.ndarray:
        """Index of every tel_id, -1 where no telescope, shape (max tel_id + 1,)."""

        def compute():
            ids = self.tel_ids
            index = np.full(ids.max(initial=-1) + 1, -1, dtype=np.int64)
            index[ids] = np.arange(len(ids))
            return readonly(index)

        return self._cached("tel_index_array", compute)

    def tel_index(self, tel_id: int) -> int:
        """Position of ``tel_id`` in `tel_ids`.

        Raises
        ------
        cherenkit.errors.ParameterError
            When the subarray has no telescope ``tel_id``.
        """
        return int(self.tel_ids_to_indices([tel_id])[0])

    def tel_ids_to_indices(self, tel_ids: Iterable[int]) -> np.ndarray:
        """Positions of several tel_ids in `tel_ids` (vectorised), int64 array."""
        ids = np.asarray([tel_ids] if np.isscalar(tel_ids) else list(tel_ids), dtype=np.int64)
        index = self.tel_index_array
        inside = (ids >= 0) & (ids < len(index))
        found = np.full(ids.shape, -1, dtype=np.int64)
        found[inside] = index[ids[inside]]
        if np.any(found < 0):
            self._unknown_ids(ids[found < 0], "tel_ids")
        return found

    def _unknown_ids(self, unknown, key):
        unknown = sorted({int(i) for i in np.ravel(unknown)})
        noun = "id" if len(unknown) == 1 else "ids"
        raise ParameterError(
            _OWNER,
            key,
            f"unknown telescope {noun} {format_ids(unknown)}; subarray {self.name!r} "
            f"has telescopes {format_ids(self.tel_ids)}",
        )

    @property
    def positions(self) -> u.Quantity:
        """Ground positions in `tel_ids` order, shape (n_tels, 3), m."""

        def compute():
            if not self.tel_positions:
                return readonly(u.Quantity(np.empty((0, 3)), u.m))
            return readonly(
                u.Quantity(np.stack([p.value for p in self.tel_positions.values()]), u.m)
            )

        return self._cached("positions", compute)

    # --- telescope types --------------------------------------------------------------

    @property
    def telescope_types(self) -> tuple[TelescopeDescription, ...]:
        """The distinct telescope descriptions, in order of their first (lowest) tel_id."""
        return self._cached("types", lambda: tuple(dict.fromkeys(self.tel_descriptions.values())))

    @property
    def tel_ids_by_type(self) -> dict[str, np.ndarray]:
        """Tel ids per `TelescopeDescription.type_string`, types in first-appearance order.

        Descriptions that differ but share a type string are grouped together; use
        `tel_ids_by_description` to keep them apart.
        """

        def compute():
            groups: dict[str, list[int]] = {}
            for tel_id, tel in self.tel_descriptions.items():
                groups.setdefault(tel.type_string, []).append(tel_id)
            return {k: readonly(np.array(v, dtype=np.int64)) for k, v in groups.items()}

        return self._cached("by_type", compute)

    @property
    def tel_ids_by_description(self) -> dict[TelescopeDescription, np.ndarray]:
        """Tel ids per distinct `TelescopeDescription`, in `telescope_types` order."""

        def compute():
            groups: dict[TelescopeDescription, list[int]] = {}
            for tel_id, tel in self.tel_descriptions.items():
                groups.setdefault(tel, []).append(tel_id)
            return {k: readonly(np.array(v, dtype=np.int64)) for k, v in groups.items()}

        return self._cached("by_description", compute)

    def get_tel_ids_for_type(self, tel_type: TelescopeDescription | str) -> np.ndarray:
        """Tel ids of one telescope type.

        Parameters
        ----------
        tel_type : TelescopeDescription or str
            A description (exact match) or a type string such as ``"LST_LST_LSTCam"``
            (every description with that string).

        Raises
        ------
        cherenkit.errors.ParameterError
            When the subarray has no telescope of that type; lists the types it has.
        """
        if isinstance(tel_type, TelescopeDescription):
            found = self.tel_ids_by_description.get(tel_type)
            name = tel_type.type_string
        elif isinstance(tel_type, str):
            found = self.tel_ids_by_type.get(tel_type)
            name = tel_type
        else:
            raise ParameterError(
                _OWNER,
                "tel_type",
                f"expected a TelescopeDescription or a type string, got {tel_type!r:.60}",
            )
        if found is None:
            valid = ", ".join(repr(t) for t in self.tel_ids_by_type)
            raise ParameterError(
                _OWNER,
                "tel_type",
                f"no telescope of type {name!r} in subarray {self.name!r}; it has {valid}",
            )
        return found

    def get_tel_ids(self, telescopes: Iterable[int | str | TelescopeDescription]) -> np.ndarray:
        """Sorted unique tel ids from a mix of ids, type strings and descriptions."""
        ids: set[int] = set()
        for item in telescopes:
            if isinstance(item, str | TelescopeDescription):
                ids.update(int(i) for i in self.get_tel_ids_for_type(item))
            else:
                ids.add(int(item))
        ids_array = np.array(sorted(ids), dtype=np.int64)
        self.tel_ids_to_indices(ids_array)  # raises for unknown ids
        return ids_array

    def select_subarray(self, tel_ids: Iterable[int], name: str | None = None):
        """A new subarray with only the telescopes ``tel_ids``.

        Parameters
        ----------
        tel_ids : iterable of int
            Telescopes to keep (order and repeats do not matter).
        name : str or None
            Name of the new subarray. Default is ``"{name}[{ids}]"``.

        Raises
        ------
        cherenkit.errors.ParameterError
            When an id is not in this subarray; the message names the unknown ids
            and the valid ones.
        """
        ids = np.unique(np.asarray(list(tel_ids), dtype=np.int64))
        self.tel_ids_to_indices(ids)
        keep = [int(i) for i in ids]
        return SubarrayDescription(
            name=name if name is not None else f"{self.name}[{format_ids(keep)}]",
            tel_positions={t: self.tel_positions[t] for t in keep},
            tel_descriptions={t: self.tel_descriptions[t] for t in keep},
            reference_location=self.reference_location,
        )

    # --- tables and printing ----------------------------------------------------------

    def to_table(self, kind: str = "subarray") -> Table:
        """Summary table of the telescopes or of their optics.

        Parameters
        ----------
        kind : {"subarray", "optics"}
            ``"subarray"``: one row per telescope with ``tel_id, name, type,
            pos_x, pos_y, pos_z, camera_name, optics_name, camera_index,
            optics_index, tel_description`` (the type string). ``"optics"``: one
            row per distinct optics with ``optics_name, size_type,
            reflector_shape, mirror_area, n_mirrors, n_mirror_tiles,
            equivalent_focal_length, effective_focal_length``. Default is
            ``"subarray"``.

        Raises
        ------
        cherenkit.errors.ParameterError
            When ``kind`` is unknown.
        """
        if kind == "subarray":
            return self._telescope_table()
        if kind == "optics":
            return self._optics_table()
        raise ParameterError(
            f"{_OWNER}.to_table", "kind", f"got {kind!r}, expected one of 'optics', 'subarray'"
        )

    def _telescope_table(self) -> Table:
        from astropy.table import Table

        tels = list(self.tel_descriptions.values())
        cameras = list(dict.fromkeys(t.camera for t in tels))
        optics = list(dict.fromkeys(t.optics for t in tels))
        camera_index = {c: i for i, c in enumerate(cameras)}
        optics_index = {o: i for i, o in enumerate(optics)}
        pos = self.positions
        loc = self.reference_location
        return Table(
            {
                "tel_id": self.tel_ids.copy(),
                "name": [t.name for t in tels],
                "type": [t.type for t in tels],
                "pos_x": pos[:, 0].copy(),
                "pos_y": pos[:, 1].copy(),
                "pos_z": pos[:, 2].copy(),
                "camera_name": [t.camera.name for t in tels],
                "optics_name": [t.optics.name for t in tels],
                "camera_index": [camera_index[t.camera] for t in tels],
                "optics_index": [optics_index[t.optics] for t in tels],
                "tel_description": [t.type_string for t in tels],
            },
            meta={
                "TAB_TYPE": "cherenkit.instrument.SubarrayDescription",
                "NAME": self.name,
                "REF_LON": float(loc.lon.deg),
                "REF_LAT": float(loc.lat.deg),
                "REF_HEIGHT": float(loc.height.to_value(u.m)),
            },
        )

    def _optics_table(self) -> Table:
        from astropy.table import Table

        optics = list(dict.fromkeys(t.optics for t in self.tel_descriptions.values()))

        def column(attr, unit):
            return u.Quantity([getattr(o, attr).to_value(unit) for o in optics], unit)

        return Table(
            {
                "optics_name": [o.name for o in optics],
                "size_type": [o.size_type for o in optics],
                "reflector_shape": [o.reflector_shape for o in optics],
                "mirror_area": column("mirror_area", u.m**2),
                "n_mirrors": [o.n_mirrors for o in optics],
                "n_mirror_tiles": [o.n_mirror_tiles for o in optics],
                "equivalent_focal_length": column("equivalent_focal_length", u.m),
                "effective_focal_length": column("effective_focal_length", u.m),
            },
            meta={"TAB_TYPE": "cherenkit.instrument.OpticsDescription", "NAME": self.name},
        )

    def info(self, printer: Callable[[str], Any] = print) -> None:
        """Print a summary: name, size, and the telescope types with their ids."""
        loc = self.reference_location
        printer(f"Subarray {self.name!r}: {self.n_tels} telescopes")
        printer(
            f"  reference location lon={loc.lon.deg:.6f} deg, lat={loc.lat.deg:.6f} deg, "
            f"height={loc.height.to_value(u.m):.1f} m"
        )
        width = max((len(t.type_string) for t in self.telescope_types), default=4)
        printer(f"  {'type':<{width}}  {'count':>5}  tel_ids")
        for tel, ids in self.tel_ids_by_description.items():
            printer(f"  {tel.type_string:<{width}}  {len(ids):>5}  {format_ids(ids)}")
