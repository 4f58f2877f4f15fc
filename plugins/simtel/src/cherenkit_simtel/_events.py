"""One eventio event dictionary → one `~cherenkit.events.ArrayEvent`.

`EventBuilder` holds what stays the same for a whole run (obs_id, telescopes read,
array pointing, gain-selection settings, the pedestal per sample of each telescope
until its monitoring block changes) and converts the events one at a time. It is
imported only when a file is opened, so that loading the plugin stays cheap.
"""

from __future__ import annotations

import logging
import math

import astropy.units as u
import numpy as np
from astropy.time import Time

from cherenkit.events import ArrayEvent, TelescopeEvent

from . import _convert
from .calibration import calibrate_r1, pedestal_per_sample, select_gain_channel

__all__ = ["MISSING_TRUE_IMAGE_LIMIT", "EventBuilder"]

log = logging.getLogger("cherenkit_simtel.source")

MISSING_TRUE_IMAGE_LIMIT = 1_000_000
"""A telescope event without its true image but with more photo-electrons than this
(sim_telarray stores at most 2.5 million) was cut short: it is skipped."""

_NS_PER_DAY = 86400e9
_UNIX_EPOCH_JD = 2440587.5  # 1970-01-01T00:00:00 UTC


def _readonly(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.flags.writeable = False
    return view


def _degrees(rad: float) -> u.Quantity:
    return u.Quantity(math.degrees(rad), u.deg)


class EventBuilder:
    """Converts the events of one run.

    Parameters
    ----------
    path : `pathlib.Path`
        The file, for log messages.
    header : dict
        eventio's run header.
    obs_id : int
    tel_ids : `numpy.ndarray` of int, optional
        The telescopes read, when ``allowed_tels`` restricts them; None for all.
    has_true_image : bool
        Whether the simulation stored true images (missing ones become -1).
    threshold : float
        ``gain_selection_threshold`` (ADC counts).
    select_gain : bool
    """

    def __init__(self, *, path, header, obs_id, tel_ids, has_true_image, threshold, select_gain):
        self.path, self.obs_id, self.tel_ids = path, obs_id, tel_ids
        self.has_true_image, self.threshold, self.select_gain = (
            has_true_image,
            threshold,
            select_gain,
        )
        self.tel_index = {int(t): i for i, t in enumerate(header["tel_id"])}
        self.pointing = (None, None)
        if int(header["tracking_mode"]) == 0:  # alt/az tracking; else RA/Dec
            az, alt = (float(v) for v in header["direction"])
            self.pointing = (_degrees(_convert.clip_altitude(alt)), _degrees(az))
        self._pedestals: dict = {}

    def array_event(self, raw: dict, event_id: int, count: int) -> ArrayEvent:
        """The `ArrayEvent` of one eventio event dictionary."""
        kind = _convert.event_type(raw)
        trigger = raw["trigger_information"]
        triggered = np.asarray(trigger["triggered_telescopes"], dtype=np.int16)
        if self.tel_ids is not None:
            triggered = triggered[np.isin(triggered, self.tel_ids)]
        time, tel_times = self._trigger_times(trigger)
        simulation = None
        if kind == "SUBARRAY" and raw.get("mc_shower") is not None:
            simulation = _convert.shower_truth(raw["mc_shower"], raw["mc_event"])
        alt, az = self.pointing
        if alt is None and raw.get("tracking_positions"):
            # RA/Dec tracking: report where the first telescope points
            alt, az = map(
                _degrees, _convert.pointing_rad(next(iter(raw["tracking_positions"].values())))
            )
        event = ArrayEvent(
            obs_id=self.obs_id,
            event_id=event_id,
            count=count,
            event_type=kind,
            time=time,
            tels_with_trigger=triggered,
            pointing_alt=alt,
            pointing_az=az,
            simulation=simulation,
        )
        for tel_id, tel_data in raw.get("telescope_events", {}).items():
            tel_id = int(tel_id)
            if tel_id not in tel_times:
                log.warning(
                    "%s: event %d: telescope %d has data but is not in the trigger "
                    "pattern; skipped",
                    self.path,
                    event_id,
                    tel_id,
                )
                continue
            tel_event = self._telescope_event(raw, tel_id, tel_data, event_id)
            if tel_event is not None:
                tel_event.time = tel_times[tel_id]
                event.tel[tel_id] = tel_event
        return event

    def _trigger_times(self, trigger: dict) -> tuple[Time, dict]:
        """The array trigger time, and that of each triggered (allowed) telescope.

        sim_telarray gives the array time as Unix seconds and nanoseconds (UTC days
        of 86400 s, as astropy's ``unix`` format counts them) and the telescope
        times in ns relative to it; one vector `~astropy.time.Time` holds them all.
        """
        ids = np.asarray(trigger["triggered_telescopes"])
        offsets_ns = np.asarray(trigger["trigger_times"], dtype=np.float64)
        if self.tel_ids is not None:
            keep = np.isin(ids, self.tel_ids)
            ids, offsets_ns = ids[keep], offsets_ns[keep]
        seconds, nanoseconds = trigger["gps_time"]
        days, seconds = divmod(int(seconds), 86400)
        day_fraction = (seconds + nanoseconds * 1e-9) / 86400.0
        jd2 = np.empty(len(ids) + 1)
        jd2[0] = day_fraction
        jd2[1:] = day_fraction + offsets_ns / _NS_PER_DAY
        times = Time(np.full(jd2.shape, _UNIX_EPOCH_JD + days), jd2, format="jd", scale="utc")
        return times[0], {int(tel_id): times[i + 1] for i, tel_id in enumerate(ids)}

    def _telescope_event(self, raw, tel_id, tel_data, event_id) -> TelescopeEvent | None:
        r0 = tel_data.get("adc_samples")
        if r0 is None:  # sums only (e.g. ASTRICam): one "sample"
            r0 = tel_data["adc_sums"][:, :, np.newaxis]
        true_image = raw.get("photoelectrons", {}).get(tel_id - 1, {}).get("photoelectrons")
        if true_image is None and self.has_true_image:
            n_pe = self._true_image_sum(raw, tel_id)
            if n_pe > MISSING_TRUE_IMAGE_LIMIT:
                log.warning(
                    "%s: event %d: telescope %d lacks its true image although it has "
                    "%d photo-electrons (cut short?); skipped",
                    self.path,
                    event_id,
                    tel_id,
                    n_pe,
                )
                return None
            true_image = np.full(r0.shape[1], -1, dtype=np.int32)  # -1: not stored
        pedestal = self._pedestal(tel_id, raw["camera_monitorings"][tel_id])
        laser = raw["laser_calibrations"][tel_id]
        dc_to_pe = _readonly(laser["calib"])
        time_shift = laser.get("tm_calib")
        if time_shift is not None:
            time_shift = _readonly(np.asarray(time_shift, dtype=np.float32))
        gain = select_gain_channel(r0, self.threshold) if self.select_gain else None
        alt, az = _convert.pointing_rad(raw["tracking_positions"][tel_id])
        return TelescopeEvent(
            tel_id=tel_id,
            r0_waveform=r0,
            r1_waveform=calibrate_r1(r0, pedestal, dc_to_pe, gain),
            selected_gain_channel=gain,
            pedestal_per_sample=pedestal,
            dc_to_pe=dc_to_pe,
            time_shift=time_shift,
            true_image=true_image,
            pointing_alt=_degrees(alt),
            pointing_az=_degrees(az),
        )

    def _true_image_sum(self, raw, tel_id) -> float:
        sums = raw.get("photoelectron_sums")
        if sums is None or "n_pe" not in sums or tel_id not in self.tel_index:
            return math.nan
        return float(sums["n_pe"][self.tel_index[tel_id]])

    def _pedestal(self, tel_id: int, monitoring: dict) -> np.ndarray:
        """Pedestal per sample, recomputed only when the monitoring block changes."""
        summed, n_slices = monitoring["pedestal"], monitoring["n_ped_slices"]
        cached = self._pedestals.get(tel_id)
        if cached is not None and cached[0] is summed and cached[1] == n_slices:
            return cached[2]
        pedestal = _readonly(pedestal_per_sample(summed, n_slices))
        self._pedestals[tel_id] = (summed, n_slices, pedestal)  # holds `summed`: no id reuse
        return pedestal
