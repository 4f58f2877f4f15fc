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
    "ShowerDistribution",
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

    def to_table(self):
        """This run as a one-row `~astropy.table.QTable` (the ``simulation/run`` table).

        One column per field, in field order: Quantity columns keep their unit
        (TeV, m, deg, µT), the rest are plain int, float, bool and str columns.
        Then one column per ``extra`` item: Quantity and plain scalar values as
        they are, None left out, anything else (lists, dicts) as its ``str``; an
        ``extra`` key equal to a field name is written as ``extra_<key>``.

        Stack the runs of several files with `astropy.table.vstack`.

        Returns
        -------
        `~astropy.table.QTable`, one row

        Examples
        --------
        >>> from astropy.table import vstack
        >>> from cherenkit.events import EventSource
        >>> source = EventSource(source="toy", n_events=10, seed=1)
        >>> runs = vstack([c.to_table() for c in source.simulation_config.values()])
        >>> runs["run_number"].tolist(), runs["energy_range_max"].unit
        ([1], Unit("TeV"))
        """
        from astropy.table import QTable

        columns = {}
        for field in attrs.fields(SimulationConfig):
            if field.name != "extra":
                columns[field.name] = _column(getattr(self, field.name))
        for key, value in self.extra.items():
            if value is None:
                continue
            name = f"extra_{key}" if key in columns else key
            columns[name] = _column(value)
        return QTable(columns)


def _column(value):
    """A length-1 column of a scalar: Quantity kept, numpy/Python scalars, else its str."""
    if hasattr(value, "unit"):
        return value.reshape(1)
    if isinstance(value, str | bool | int | float | np.generic):
        return np.asarray([value])
    return np.asarray([str(value)])


def _read_only(array):
    array.flags.writeable = False
    return array


def _edges(unit):
    """attrs converter: 1-d float64 Quantity in ``unit`` (a read-only copy)."""

    def convert(value):
        import astropy.units as u

        return _read_only(u.Quantity(value, unit, dtype=np.float64, copy=True))

    return convert


def _counts(value):
    return _read_only(np.array(value, dtype=np.float64, copy=True))


def _check_edges(instance, attribute, value):
    array = value.value
    if array.ndim != 1 or array.size < 2:
        raise ValueError(
            f"ShowerDistribution.{attribute.name} must be 1-d bin edges (at least 2), "
            f"got shape {array.shape}"
        )
    if not (np.all(np.isfinite(array)) and np.all(np.diff(array) > 0)):
        raise ValueError(
            f"ShowerDistribution.{attribute.name} must be finite and strictly increasing, "
            f"got {value}"
        )
    if attribute.name == "bins_energy" and array[0] <= 0:
        raise ValueError(f"ShowerDistribution.bins_energy must be positive, got {value}")
    if attribute.name == "bins_core_dist" and array[0] < 0:
        raise ValueError(f"ShowerDistribution.bins_core_dist must not be negative, got {value}")


def _check_histogram(instance, attribute, value):
    expected = (len(instance.bins_energy) - 1, len(instance.bins_core_dist) - 1)
    if value.shape != expected:
        raise ValueError(
            "ShowerDistribution.histogram must have shape (n_energy_bins, n_core_bins) = "
            f"{expected} for the bin edges given, got {value.shape}"
        )


_array_eq = attrs.cmp_using(eq=np.array_equal)


@attrs.frozen(kw_only=True)
class ShowerDistribution:
    """Every simulated shower of a run, counted in true energy and core distance.

    The denominator of effective areas: unlike the events a source yields, it
    counts all simulated showers, triggered or not (with reuse, every reuse of a
    shower counts once). ctapipe calls it ``SimulatedShowerDistribution``; for
    sim_telarray files it is the histogram with id 6 of the file.

    Attributes
    ----------
    obs_id : int
        The run the showers belong to.
    n_entries : int
        Number of showers counted, including any that fell outside the bins.
    bins_energy : `~astropy.units.Quantity`, TeV, shape (n_energy_bins + 1,)
        Edges of the true-energy bins (log-spaced), increasing.
    bins_core_dist : `~astropy.units.Quantity`, m, shape (n_core_bins + 1,)
        Edges of the core-distance bins (linear), increasing. The distance is the
        one the simulation drew or recorded: for sim_telarray files what its
        histogram calls ``Ra3d`` (a distance of the shower axis from the array
        centre, not ``hypot(core_x, core_y)`` of the event truth); for the toy
        source ``hypot(core_x, core_y)``, from the centre of the scatter disk.
    histogram : `numpy.ndarray` of float64, shape (n_energy_bins, n_core_bins)
        Showers per bin: ``histogram[i, j]`` counts those with energy in
        ``[bins_energy[i], bins_energy[i + 1])`` and core distance in
        ``[bins_core_dist[j], bins_core_dist[j + 1])`` (the last bins include
        their upper edge). Axis 0 is energy, axis 1 core distance. Whole numbers,
        stored as float64 (exact below 2⁵³) because sim_telarray stores float32.

    Arrays are read-only copies; a distribution compares equal to another with
    the same values (``==``).
    """

    obs_id: int = attrs.field(converter=int)
    n_entries: int = attrs.field(converter=int, validator=attrs.validators.ge(0))
    bins_energy: object = attrs.field(converter=_edges("TeV"), validator=_check_edges, eq=_array_eq)
    bins_core_dist: object = attrs.field(
        converter=_edges("m"), validator=_check_edges, eq=_array_eq
    )
    histogram: np.ndarray = attrs.field(converter=_counts, validator=_check_histogram, eq=_array_eq)

    @property
    def n_showers(self) -> float:
        """Showers inside the bins: the sum of ``histogram``."""
        return float(self.histogram.sum())

    def to_table(self):
        """The distribution as a one-row `~astropy.table.QTable`.

        Columns ``obs_id`` (int64), ``n_entries`` (int64), ``bins_energy`` (TeV,
        shape (1, n_energy_bins + 1)), ``bins_core_dist`` (m, shape
        (1, n_core_bins + 1)) and ``histogram`` (float64, shape
        (1, n_energy_bins, n_core_bins)): the layout of ctapipe's
        ``simulation/service/shower_distribution`` table.

        Returns
        -------
        `~astropy.table.QTable`, one row
        """
        from astropy.table import QTable

        return QTable(
            {
                "obs_id": np.array([self.obs_id], np.int64),
                "n_entries": np.array([self.n_entries], np.int64),
                "bins_energy": self.bins_energy[np.newaxis].copy(),
                "bins_core_dist": self.bins_core_dist[np.newaxis].copy(),
                "histogram": self.histogram[np.newaxis].copy(),
            }
        )

    @classmethod
    def from_table(cls, table) -> list:
        """The distributions of the rows of a table written by `to_table` (and vstack).

        Parameters
        ----------
        table : `~astropy.table.Table` or `~astropy.table.QTable`
            Columns ``obs_id``, ``n_entries``, ``bins_energy`` (an energy; TeV when unitless),
            ``bins_core_dist`` (a length; m when unitless), ``histogram``.

        Returns
        -------
        list of ShowerDistribution
        """
        import astropy.units as u

        def quantity(column, unit):
            return u.Quantity(column, unit) if getattr(column, "unit", None) else column * unit

        energy = quantity(table["bins_energy"], u.TeV)
        core = quantity(table["bins_core_dist"], u.m)
        return [
            cls(
                obs_id=table["obs_id"][i],
                n_entries=table["n_entries"][i],
                bins_energy=energy[i],
                bins_core_dist=core[i],
                histogram=np.asarray(table["histogram"][i]),
            )
            for i in range(len(table))
        ]


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
