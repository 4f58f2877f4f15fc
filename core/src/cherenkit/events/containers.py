"""Per-event objects: what users get when they loop over an event source.

Hot paths never see these: they consume the columnar `~cherenkit.events.EventBatch`.
Quantities carry units here (this is the API edge); the arrays inside are plain
numpy in the units their names or docstrings give.
"""

from __future__ import annotations

import attrs
import numpy as np

__all__ = [
    "EVENT_TYPES",
    "ArrayEvent",
    "ShowerTruth",
    "SimulationConfig",
    "TelescopeEvent",
]

EVENT_TYPES = (
    "SUBARRAY",
    "FLATFIELD",
    "SINGLE_PE",
    "SKY_PEDESTAL",
    "DARK_PEDESTAL",
    "ELECTRONIC_PEDESTAL",
    "OTHER_CALIBRATION",
    "MUON",
    "HARDWARE_STEREO",
    "UNKNOWN",
)
"""Event types, as in the CTAO data model (``SUBARRAY`` is a normal shower trigger)."""


@attrs.frozen(kw_only=True)
class ShowerTruth:
    """Simulated properties of the air shower behind an event.

    Attributes
    ----------
    energy : `~astropy.units.Quantity`, TeV
    alt, az : `~astropy.units.Quantity`, deg
        Arrival direction of the primary (horizontal coordinates).
    core_x, core_y : `~astropy.units.Quantity`, m
        Impact point in the ground frame of the subarray.
    h_first_int : `~astropy.units.Quantity`, m
        Height of the first interaction.
    x_max, starting_grammage : `~astropy.units.Quantity`, g cm⁻²
        Depth of the shower maximum; atmospheric depth where the primary started.
    shower_primary_id : int
        CORSIKA particle id (0 gamma, 1 electron, 2 muon, 100·A+Z nuclei, ...
        as sim_telarray writes it).
    """

    energy: object
    alt: object
    az: object
    core_x: object
    core_y: object
    h_first_int: object
    x_max: object
    starting_grammage: object
    shower_primary_id: int


@attrs.frozen(kw_only=True)
class SimulationConfig:
    """How a simulated run was produced: what IRF and weighting code need.

    Attributes
    ----------
    run_number : int
    n_showers : int
        Number of simulated showers (before reuse).
    shower_reuse : int
        Times each shower was reused with a new core position.
    energy_range_min, energy_range_max : `~astropy.units.Quantity`, TeV
    spectral_index : float
        Power-law index of the simulated spectrum (negative, e.g. -2).
    max_scatter_range, min_scatter_range : `~astropy.units.Quantity`, m
        Range of the core positions around the array.
    max_viewcone_radius, min_viewcone_radius : `~astropy.units.Quantity`, deg
        Cone of arrival directions around the pointing (0 for point-like).
    max_alt, min_alt, max_az, min_az : `~astropy.units.Quantity`, deg
    diffuse : bool
    core_pos_mode : int
        0 for a circle, 1 for a rectangle (sim_telarray convention).
    atmosphere : int
        Atmospheric profile number.
    prod_site_alt : `~astropy.units.Quantity`, m
    prod_site_B_total, prod_site_B_declination, prod_site_B_inclination :
        Geomagnetic field (µT, deg, deg).
    extra : dict
        Everything else the file records (program versions and ids, CORSIKA
        options, wavelength range), as plain values.
    """

    run_number: int
    n_showers: int
    shower_reuse: int
    energy_range_min: object
    energy_range_max: object
    spectral_index: float
    max_scatter_range: object
    min_scatter_range: object
    max_viewcone_radius: object
    min_viewcone_radius: object
    max_alt: object
    min_alt: object
    max_az: object
    min_az: object
    diffuse: bool
    core_pos_mode: int
    atmosphere: int
    prod_site_alt: object
    prod_site_B_total: object
    prod_site_B_declination: object
    prod_site_B_inclination: object
    extra: dict = attrs.field(factory=dict)


def _shape(array):
    return "-" if array is None else f"{array.dtype}{list(array.shape)}"


@attrs.define(kw_only=True, eq=False)
class TelescopeEvent:
    """The data of one telescope in one array event.

    Attributes
    ----------
    tel_id : int
    r0_waveform : `numpy.ndarray` of uint16, shape (n_gains, n_pixels, n_samples), optional
        Raw ADC samples.
    r1_waveform : `numpy.ndarray` of float32, shape (n_pixels, n_samples), optional
        Calibrated, gain-selected samples in photo-electrons.
    selected_gain_channel : `numpy.ndarray` of int8, shape (n_pixels,), optional
        Gain channel used for R1 per pixel (0 high, 1 low).
    pedestal_per_sample : `numpy.ndarray` of float32, shape (n_gains, n_pixels), optional
        Pedestal in ADC counts per sample, the R0 → R1 offset.
    dc_to_pe : `numpy.ndarray` of float32, shape (n_gains, n_pixels), optional
        Photo-electrons per ADC count above pedestal, the R0 → R1 factor.
    time_shift : `numpy.ndarray` of float32, shape (n_gains, n_pixels), optional
        Per-pixel arrival-time offsets in ns (sim_telarray's ``tm_calib``), which
        calibration subtracts from peak times.
    true_image : `numpy.ndarray` of int32, shape (n_pixels,), optional
        Simulated photo-electrons per pixel, without noise.
    image, peak_time : `numpy.ndarray` of float32, shape (n_pixels,), optional
        DL1: charge in photo-electrons and peak time in ns, once calibrated.
    pointing_alt, pointing_az : `~astropy.units.Quantity`, deg
        Where this telescope pointed.
    time : `~astropy.time.Time`, optional
        Trigger time of this telescope.
    """

    tel_id: int
    r0_waveform: np.ndarray | None = None
    r1_waveform: np.ndarray | None = None
    selected_gain_channel: np.ndarray | None = None
    pedestal_per_sample: np.ndarray | None = None
    dc_to_pe: np.ndarray | None = None
    time_shift: np.ndarray | None = None
    true_image: np.ndarray | None = None
    image: np.ndarray | None = None
    peak_time: np.ndarray | None = None
    pointing_alt: object = None
    pointing_az: object = None
    time: object = None

    def __str__(self) -> str:
        pointing = (
            f"alt {self.pointing_alt:.3f}, az {self.pointing_az:.3f}"
            if self.pointing_alt is not None
            else "-"
        )
        true_pe = "-" if self.true_image is None else f"{int(self.true_image.sum())} p.e."
        return (
            f"tel {self.tel_id}: r0 {_shape(self.r0_waveform)}, r1 {_shape(self.r1_waveform)}, "
            f"true image {true_pe}, pointing {pointing}"
        )


@attrs.define(kw_only=True, eq=False)
class ArrayEvent:
    """One triggered array event: what every telescope saw, and the simulated truth.

    Attributes
    ----------
    obs_id, event_id : int
        The index of the event.
    count : int
        Position of the event in its file, from 0.
    event_type : str
        One of `EVENT_TYPES`.
    time : `~astropy.time.Time`, optional
        Central trigger time.
    tels_with_trigger : `numpy.ndarray` of int
        Telescopes that triggered (some may have no data).
    pointing_alt, pointing_az : `~astropy.units.Quantity`, deg
        Array pointing.
    simulation : `ShowerTruth`, optional
        Simulated shower, for simulations.
    tel : dict of int to `TelescopeEvent`
        The telescopes with data, by id.
    """

    obs_id: int
    event_id: int
    count: int = 0
    event_type: str = "SUBARRAY"
    time: object = None
    tels_with_trigger: np.ndarray = attrs.field(factory=lambda: np.zeros(0, np.int16))
    pointing_alt: object = None
    pointing_az: object = None
    simulation: ShowerTruth | None = None
    tel: dict = attrs.field(factory=dict)

    @property
    def tels_with_data(self) -> list[int]:
        """Sorted ids of the telescopes with data."""
        return sorted(self.tel)

    def __str__(self) -> str:
        lines = [
            f"ArrayEvent obs_id={self.obs_id} event_id={self.event_id} "
            f"(#{self.count} in file, {self.event_type})",
            f"  time: {self.time.isot if self.time is not None else '-'}",
            f"  triggered: {list(map(int, self.tels_with_trigger))}; "
            f"with data: {self.tels_with_data}",
        ]
        if self.pointing_alt is not None:
            lines.append(
                f"  array pointing: alt {self.pointing_alt:.3f}, az {self.pointing_az:.3f}"
            )
        if self.simulation is not None:
            s = self.simulation
            lines.append(
                f"  shower: E = {s.energy:.4g}, alt {s.alt:.3f}, az {s.az:.3f}, "
                f"core ({s.core_x:.1f}, {s.core_y:.1f}), x_max {s.x_max:.0f}, "
                f"primary {s.shower_primary_id}"
            )
        lines += [f"  {t}" for _, t in sorted(self.tel.items())]
        return "\n".join(lines)
