"""Columnar batches of events: what the hot paths consume.

An `EventBatch` holds a run of consecutive array events as 1-d columns, and, per
telescope type, a `TelescopeBatch` with the waveforms of every telescope event of
that type stacked into one ``(n, n_pixels, n_samples)`` array. Columns are plain
numpy arrays in the units their names give (``_rad``, ``_m``, ``_tev``); units come
back in `EventBatch.to_events` and the ``*_table`` methods.
"""

from __future__ import annotations

import attrs
import numpy as np

from .containers import ArrayEvent, ShowerTruth, TelescopeEvent

__all__ = ["SHOWER_COLUMNS", "EventBatch", "TelescopeBatch"]

SHOWER_COLUMNS = {
    # column: (ShowerTruth attribute, unit of the plain column)
    "energy_tev": ("energy", "TeV"),
    "alt_rad": ("alt", "rad"),
    "az_rad": ("az", "rad"),
    "core_x_m": ("core_x", "m"),
    "core_y_m": ("core_y", "m"),
    "h_first_int_m": ("h_first_int", "m"),
    "x_max_g_cm2": ("x_max", "g cm-2"),
    "starting_grammage_g_cm2": ("starting_grammage", "g cm-2"),
}
"""Plain columns of `EventBatch.shower` and the `ShowerTruth` fields they hold."""


def _stack(arrays, what):
    """Stack per-event arrays; None when every one is None."""
    present = [a is not None for a in arrays]
    if not any(present):
        return None
    if not all(present):
        raise ValueError(f"{what} is missing for some telescope events of one type")
    return np.stack(arrays)


@attrs.frozen(kw_only=True, eq=False)
class TelescopeBatch:
    """The telescope events of one telescope type within an `EventBatch`.

    Attributes
    ----------
    telescope_type : str
        Type string, e.g. ``"LST_LST_LSTCam"``.
    event_index : `numpy.ndarray` of int64, shape (n,)
        Row of the array event in the parent `EventBatch`.
    obs_id, event_id : `numpy.ndarray` of int64, shape (n,)
    tel_id : `numpy.ndarray` of int16, shape (n,)
    r1_waveform : `numpy.ndarray` of float32, shape (n, n_pixels, n_samples), optional
        Calibrated, gain-selected waveforms in photo-electrons per sample.
    selected_gain_channel : `numpy.ndarray` of int8, shape (n, n_pixels), optional
    time_shift : `numpy.ndarray` of float32, shape (n, n_gains, n_pixels), optional
        Arrival-time offsets in ns that calibration subtracts from peak times.
    true_image : `numpy.ndarray` of int32, shape (n, n_pixels), optional
        Simulated photo-electrons per pixel.
    pointing_alt_rad, pointing_az_rad : `numpy.ndarray` of float64, shape (n,)
    """

    telescope_type: str
    event_index: np.ndarray
    obs_id: np.ndarray
    event_id: np.ndarray
    tel_id: np.ndarray
    r1_waveform: np.ndarray | None = None
    selected_gain_channel: np.ndarray | None = None
    time_shift: np.ndarray | None = None
    true_image: np.ndarray | None = None
    pointing_alt_rad: np.ndarray
    pointing_az_rad: np.ndarray

    @property
    def n_events(self) -> int:
        """Number of telescope events."""
        return len(self.tel_id)

    def __len__(self) -> int:
        return self.n_events


@attrs.frozen(kw_only=True, eq=False)
class EventBatch:
    """Consecutive array events as columns, with per-telescope-type waveform batches.

    Attributes
    ----------
    obs_id, event_id, count : `numpy.ndarray` of int64, shape (n,)
    event_type : `numpy.ndarray` of str, shape (n,)
    time : `~astropy.time.Time`, shape (n,), optional
    pointing_alt_rad, pointing_az_rad : `numpy.ndarray` of float64, shape (n,)
        Array pointing.
    tels_with_trigger : list of `numpy.ndarray`
        Triggered telescope ids per event.
    shower : dict of str to `numpy.ndarray`, optional
        Simulated truth, one array per key of `SHOWER_COLUMNS` plus
        ``shower_primary_id``; None for observed data.
    telescopes : dict of str to `TelescopeBatch`
        By telescope type, in the order of the subarray's types.
    """

    obs_id: np.ndarray
    event_id: np.ndarray
    count: np.ndarray
    event_type: np.ndarray
    time: object = None
    pointing_alt_rad: np.ndarray
    pointing_az_rad: np.ndarray
    tels_with_trigger: list
    shower: dict | None = None
    telescopes: dict

    @property
    def n_events(self) -> int:
        """Number of array events."""
        return len(self.event_id)

    def __len__(self) -> int:
        return self.n_events

    @classmethod
    def from_events(cls, events, subarray) -> EventBatch:
        """Stack per-event objects into columns.

        Parameters
        ----------
        events : sequence of `ArrayEvent`
        subarray : `~cherenkit.instrument.SubarrayDescription`
            Gives the telescope type of each telescope id.
        """
        import astropy.units as u
        from astropy.time import Time

        events = list(events)
        times = [e.time for e in events]
        simulated = [e.simulation is not None for e in events]
        shower = None
        if events and all(simulated):
            shower = {
                column: np.array(
                    [getattr(e.simulation, attr).to_value(unit) for e in events], np.float64
                )
                for column, (attr, unit) in SHOWER_COLUMNS.items()
            }
            shower["shower_primary_id"] = np.array(
                [e.simulation.shower_primary_id for e in events], np.int64
            )
        rows: dict[str, list] = {str(t): [] for t in subarray.telescope_types}
        for index, event in enumerate(events):
            for tel_id, tel in sorted(event.tel.items()):
                rows[str(subarray.tel_descriptions[tel_id])].append((index, event, tel))
        telescopes = {}
        for tel_type, members in rows.items():
            if not members:
                continue
            telescopes[tel_type] = TelescopeBatch(
                telescope_type=tel_type,
                event_index=np.array([i for i, _, _ in members], np.int64),
                obs_id=np.array([e.obs_id for _, e, _ in members], np.int64),
                event_id=np.array([e.event_id for _, e, _ in members], np.int64),
                tel_id=np.array([t.tel_id for _, _, t in members], np.int16),
                r1_waveform=_stack([t.r1_waveform for *_, t in members], "r1_waveform"),
                selected_gain_channel=_stack(
                    [t.selected_gain_channel for *_, t in members], "selected_gain_channel"
                ),
                time_shift=_stack([t.time_shift for *_, t in members], "time_shift"),
                true_image=_stack([t.true_image for *_, t in members], "true_image"),
                pointing_alt_rad=np.array(
                    [t.pointing_alt.to_value(u.rad) for *_, t in members], np.float64
                ),
                pointing_az_rad=np.array(
                    [t.pointing_az.to_value(u.rad) for *_, t in members], np.float64
                ),
            )
        return cls(
            obs_id=np.array([e.obs_id for e in events], np.int64),
            event_id=np.array([e.event_id for e in events], np.int64),
            count=np.array([e.count for e in events], np.int64),
            event_type=np.array([e.event_type for e in events], dtype="U20"),
            time=Time(times) if events and all(t is not None for t in times) else None,
            pointing_alt_rad=np.array([e.pointing_alt.to_value(u.rad) for e in events], np.float64),
            pointing_az_rad=np.array([e.pointing_az.to_value(u.rad) for e in events], np.float64),
            tels_with_trigger=[np.asarray(e.tels_with_trigger) for e in events],
            shower=shower,
            telescopes=telescopes,
        )

    def to_events(self) -> list[ArrayEvent]:
        """The per-event objects of this batch (views of the batch arrays)."""
        import astropy.units as u

        events = [
            ArrayEvent(
                obs_id=int(self.obs_id[i]),
                event_id=int(self.event_id[i]),
                count=int(self.count[i]),
                event_type=str(self.event_type[i]),
                time=self.time[i] if self.time is not None else None,
                tels_with_trigger=self.tels_with_trigger[i],
                pointing_alt=(self.pointing_alt_rad[i] * u.rad).to(u.deg),
                pointing_az=(self.pointing_az_rad[i] * u.rad).to(u.deg),
                simulation=self._shower_truth(i) if self.shower is not None else None,
            )
            for i in range(self.n_events)
        ]
        for batch in self.telescopes.values():
            for row, index in enumerate(batch.event_index):
                tel_id = int(batch.tel_id[row])
                events[index].tel[tel_id] = TelescopeEvent(
                    tel_id=tel_id,
                    r1_waveform=_row(batch.r1_waveform, row),
                    selected_gain_channel=_row(batch.selected_gain_channel, row),
                    time_shift=_row(batch.time_shift, row),
                    true_image=_row(batch.true_image, row),
                    pointing_alt=(batch.pointing_alt_rad[row] * u.rad).to(u.deg),
                    pointing_az=(batch.pointing_az_rad[row] * u.rad).to(u.deg),
                )
        return events

    def _shower_truth(self, i) -> ShowerTruth:
        import astropy.units as u

        values = {
            attr: (self.shower[column][i] * u.Unit(unit))
            for column, (attr, unit) in SHOWER_COLUMNS.items()
        }
        values["alt"], values["az"] = values["alt"].to(u.deg), values["az"].to(u.deg)
        return ShowerTruth(shower_primary_id=int(self.shower["shower_primary_id"][i]), **values)

    def shower_table(self):
        """The simulated truth as an `~astropy.table.QTable` with units, or None."""
        if self.shower is None:
            return None
        import astropy.units as u
        from astropy.table import QTable

        table = QTable({"obs_id": self.obs_id, "event_id": self.event_id})
        for column, (attr, unit) in SHOWER_COLUMNS.items():
            quantity = self.shower[column] * u.Unit(unit)
            table[f"true_{attr}"] = quantity.to(u.deg) if unit == "rad" else quantity
        table["true_shower_primary_id"] = self.shower["shower_primary_id"]
        return table


def _row(array, row):
    return None if array is None else array[row]
