"""eventio dictionaries → cherenkit containers (simulation config, truth, pointing, type).

Plain functions without state; the event source calls them once per run or per
event. Angles arrive in radians (float32 in the file) and leave as degrees.
"""

from __future__ import annotations

import math

import astropy.units as u
import numpy as np

from cherenkit.events import ShowerTruth, SimulationConfig

__all__ = [
    "CALIBRATION_EVENT_TYPES",
    "clip_altitude",
    "event_type",
    "pointing_rad",
    "shower_truth",
    "simulation_config",
]

CALIBRATION_EVENT_TYPES = {
    0: "DARK_PEDESTAL",
    1: "SKY_PEDESTAL",
    2: "SINGLE_PE",
    3: "FLATFIELD",
}
"""sim_telarray calibration types (dark, pedestal, in-lid LED, laser/LED) → event types;
any other calibration type is ``OTHER_CALIBRATION``."""

_HALF_PI = 0.5 * math.pi
_GRAMMAGE = u.g / u.cm**2


def clip_altitude(alt_rad: float) -> float:
    """Altitude with float32 round-off beyond ±90 deg removed.

    sim_telarray stores float32, and float32(pi/2) is a little above pi/2; values
    within 1e-6 (relative) of ±pi/2 are set to exactly ±pi/2.
    """
    alt_rad = float(alt_rad)
    if _HALF_PI < abs(alt_rad) < _HALF_PI * (1 + 1e-6):
        return math.copysign(_HALF_PI, alt_rad)
    return alt_rad


def event_type(raw_event: dict) -> str:
    """The cherenkit event type of an eventio event dictionary."""
    kind = raw_event.get("type")
    if kind == "data":
        return "SUBARRAY"
    if kind == "calibration":
        return CALIBRATION_EVENT_TYPES.get(
            raw_event.get("calibration_type", -1), "OTHER_CALIBRATION"
        )
    return "UNKNOWN"


def pointing_rad(tracking: dict) -> tuple[float, float]:
    """(alt, az) in rad of a tracking position: corrected when given, else raw."""
    alt = tracking.get("altitude_cor", math.nan)
    az = tracking.get("azimuth_cor", math.nan)
    if math.isnan(alt):
        alt = tracking["altitude_raw"]
    if math.isnan(az):
        az = tracking["azimuth_raw"]
    return clip_altitude(alt), float(az)


def shower_truth(mc_shower: dict, mc_event: dict) -> ShowerTruth:
    """`ShowerTruth` from eventio's ``mc_shower`` and ``mc_event`` dictionaries."""
    return ShowerTruth(
        energy=u.Quantity(mc_shower["energy"], u.TeV),
        alt=u.Quantity(math.degrees(clip_altitude(mc_shower["altitude"])), u.deg),
        az=u.Quantity(math.degrees(mc_shower["azimuth"]), u.deg),
        core_x=u.Quantity(mc_event["xcore"], u.m),
        core_y=u.Quantity(mc_event["ycore"], u.m),
        h_first_int=u.Quantity(mc_shower["h_first_int"], u.m),
        x_max=u.Quantity(mc_shower["xmax"], _GRAMMAGE),
        starting_grammage=u.Quantity(mc_shower.get("depth_start", np.nan), _GRAMMAGE),
        shower_primary_id=int(mc_shower["primary_id"]),
    )


def _deg(rad) -> u.Quantity:
    return u.Quantity(math.degrees(float(rad)), u.deg)


def simulation_config(run_number: int, mc_run_header: dict) -> SimulationConfig:
    """`SimulationConfig` from a sim_telarray MC run header.

    Parameters
    ----------
    run_number : int
    mc_run_header : dict
        eventio's parsed ``MCRunHeader``.

    Returns
    -------
    SimulationConfig
        ``extra`` holds the program versions, ids and start times, the CORSIKA
        interaction models and options, the bunch size and the wavelength range
        ``corsika_wlen_min``/``corsika_wlen_max`` (nm), under ctapipe's names.
    """
    h = mc_run_header
    extra_keys = {
        "corsika_version": "shower_prog_vers",
        "simtel_version": "detector_prog_vers",
        "shower_prog_start": "shower_prog_start",
        "shower_prog_id": "shower_prog_id",
        "detector_prog_start": "detector_prog_start",
        "detector_prog_id": "detector_prog_id",
        "corsika_iact_options": "corsika_iact_options",
        "corsika_low_E_model": "corsika_low_E_model",
        "corsika_high_E_model": "corsika_high_E_model",
        "corsika_bunchsize": "corsika_bunchsize",
        "corsika_wlen_min": "corsika_wlen_min",
        "corsika_wlen_max": "corsika_wlen_max",
        "corsika_low_E_detail": "corsika_low_E_detail",
        "corsika_high_E_detail": "corsika_high_E_detail",
        "injection_height": "injection_height",
    }
    extra = {key: np.asarray(h[name]).item() for key, name in extra_keys.items() if name in h}
    return SimulationConfig(
        run_number=int(run_number),
        n_showers=int(h["n_showers"]),
        shower_reuse=int(h["n_use"]),
        energy_range_min=u.Quantity(float(h["E_range"][0]), u.TeV),
        energy_range_max=u.Quantity(float(h["E_range"][1]), u.TeV),
        spectral_index=float(h["spectral_index"]),
        max_scatter_range=u.Quantity(float(h["core_range"][1]), u.m),
        min_scatter_range=u.Quantity(float(h["core_range"][0]), u.m),
        max_viewcone_radius=u.Quantity(float(h["viewcone"][1]), u.deg),
        min_viewcone_radius=u.Quantity(float(h["viewcone"][0]), u.deg),
        max_alt=_deg(clip_altitude(h["alt_range"][1])),
        min_alt=_deg(clip_altitude(h["alt_range"][0])),
        max_az=_deg(h["az_range"][1]),
        min_az=_deg(h["az_range"][0]),
        diffuse=bool(h["diffuse"]),
        core_pos_mode=int(h["core_pos_mode"]),
        atmosphere=int(h["atmosphere"]),
        prod_site_alt=u.Quantity(float(h["obsheight"]), u.m),
        prod_site_B_total=u.Quantity(float(h["B_total"]), u.uT),
        prod_site_B_declination=_deg(h["B_declination"]),
        prod_site_B_inclination=_deg(h["B_inclination"]),
        extra=extra,
    )
