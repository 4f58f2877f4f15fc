"""Shared plumbing of the reconstructors: selection, grouping by event, result table.

Imports nothing heavy (no numba, no astropy.coordinates): the kernels are imported
by the reconstructors when they are called.
"""

from __future__ import annotations

import attrs
import numpy as np

from cherenkit.reco.reconstructor import empty_result

TILTED_COLUMNS = {
    "core_tilted_x": "m",
    "core_tilted_y": "m",
    "core_tilted_uncert_x": "m",
    "core_tilted_uncert_y": "m",
}
"""Columns both reconstructors add to `~cherenkit.reco.DL2_COLUMNS`, with their units."""


def _plain(values):
    return np.ascontiguousarray(values, dtype=np.float64)


@attrs.frozen(kw_only=True, eq=False)
class Grouped:
    """The telescope events used for reconstruction, sorted by array event.

    Rows ``starts[k] .. starts[k + 1] - 1`` are the telescopes of array event
    ``events[k]``, in ``tel_id`` order. Angles in rad, positions in m.
    """

    n_events: int
    n_tels: int
    telescopes: np.ndarray  # (n_events, n_tels) bool from event_selection
    events: np.ndarray  # int64 (n_groups,)
    starts: np.ndarray  # int64 (n_groups + 1,)
    rows: np.ndarray  # int64: input row of each grouped telescope event
    tel_index: np.ndarray  # int64: index in subarray.tel_ids
    array_alt: np.ndarray  # (n_events,) rad
    array_az: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    psi: np.ndarray
    length: np.ndarray  # deg
    width: np.ndarray  # deg
    intensity: np.ndarray  # p.e.
    tel_alt: np.ndarray
    tel_az: np.ndarray
    pos_x: np.ndarray
    pos_y: np.ndarray
    pos_z: np.ndarray

    def output(self):
        """NaN-filled float64 array, one entry per array event, for a kernel to fill."""
        return np.full(self.n_events, np.nan)


def group_events(reconstructor, subarray, parameters) -> Grouped:
    """Select the telescope events with ``reconstructor.event_selection`` and group them."""
    used, _, telescopes = reconstructor.event_selection(subarray, parameters)
    rows = np.flatnonzero(used)
    # by event, then by telescope: results do not depend on the order of the rows
    rows = rows[np.lexsort((parameters.tel_id[rows], parameters.event_index[rows]))]
    counts = np.bincount(parameters.event_index[rows], minlength=parameters.n_events)
    events = np.flatnonzero(counts).astype(np.int64)
    starts = np.zeros(len(events) + 1, dtype=np.int64)
    np.cumsum(counts[events], out=starts[1:])
    tel_index = np.asarray(subarray.tel_ids_to_indices(parameters.tel_id[rows]), dtype=np.int64)
    positions = np.asarray(subarray.positions.to_value("m"), dtype=np.float64)[tel_index]
    c = parameters.columns
    return Grouped(
        n_events=parameters.n_events,
        n_tels=subarray.n_tels,
        telescopes=telescopes,
        events=events,
        starts=starts,
        rows=rows,
        tel_index=tel_index,
        array_alt=_plain(np.deg2rad(parameters.array_pointing_alt)),
        array_az=_plain(np.deg2rad(parameters.array_pointing_az)),
        lon=_plain(np.deg2rad(c["hillas_fov_lon"][rows])),
        lat=_plain(np.deg2rad(c["hillas_fov_lat"][rows])),
        psi=_plain(np.deg2rad(c["hillas_psi"][rows])),
        length=_plain(c["hillas_length"][rows]),
        width=_plain(c["hillas_width"][rows]),
        intensity=_plain(c["hillas_intensity"][rows]),
        tel_alt=_plain(np.deg2rad(parameters.pointing_alt[rows])),
        tel_az=_plain(np.deg2rad(parameters.pointing_az[rows])),
        pos_x=_plain(positions[:, 0]),
        pos_y=_plain(positions[:, 1]),
        pos_z=_plain(positions[:, 2]),
    )


def reference_height_m(subarray) -> float:
    """Height (m a.s.l.) of the subarray's reference location, the origin of the ground frame."""
    return float(subarray.reference_location.height.to_value("m"))


def build_result(grouped: Grouped, ok: np.ndarray, values: dict) -> dict:
    """`DL2_COLUMNS` plus `TILTED_COLUMNS` from the kernel outputs.

    ``values`` maps column names to per-event arrays (angles already in deg);
    events without ``ok`` keep the "not reconstructed" values of `empty_result`.
    """
    result = empty_result(grouped.n_events, grouped.n_tels)
    for name in TILTED_COLUMNS:
        result[name] = np.full(grouped.n_events, np.nan)
    for name, column in values.items():
        result[name] = np.where(ok, column, np.nan)
    event_of_row = np.repeat(grouped.events, np.diff(grouped.starts))
    counts = np.bincount(event_of_row, minlength=grouped.n_events)
    sums = np.bincount(event_of_row, weights=grouped.intensity, minlength=grouped.n_events)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_intensity = sums / counts
    result["average_intensity"] = np.where(ok, mean_intensity, np.nan)
    result["multiplicity"] = np.where(ok, counts, 0).astype(np.int16)
    result["is_valid"] = ok.copy()
    result["telescopes"] = grouped.telescopes & ok[:, np.newaxis]
    return result
