"""``ToyEventSource``: the ``toy`` event source, synthetic showers without data files."""

from __future__ import annotations

import math
from typing import ClassVar

import attrs
import numpy as np

from cherenkit.component import parameter
from cherenkit.errors import ParameterError
from cherenkit.events import SHOWER_COLUMNS, EventBatch, EventSource, TelescopeBatch

from .layout import LAYOUTS, layout_positions

__all__ = ["ToyBatch", "ToyEventSource"]

_ITER_BATCH = 16  # array events per batch behind plain iteration
_T_COG_FRACTION = 0.4  # image centroid time, as a fraction of the readout window


@attrs.frozen(kw_only=True, eq=False)
class ToyBatch:
    """An `EventBatch` with the truth the toy simulation drew it from.

    Attributes
    ----------
    events : `~cherenkit.events.EventBatch`
    simulated : `cherenkit_toysim.simulation.SimulatedEvents`
        Showers (with ``h_max`` and spreads) and, per telescope type,
        `~cherenkit_toysim.simulation.ToyImages`: image models, expected and noisy
        images, true peak times, in the row order of the telescope batches.
    """

    events: EventBatch
    simulated: object


@attrs.define(kw_only=True, eq=False)
class ToyEventSource(EventSource):
    """Synthetic showers from a toy array simulation; needs no data files.

    Gamma-ray showers with a power-law spectrum, cores uniform in a disk and
    directions in a cone around the pointing are seen by a toy array (see
    `cherenkit_toysim.layout`) of synthetic LST-, MST- and SST-like telescopes
    (`cherenkit_toysim.cameras`). Images follow the projective geometry of the
    shower axis (`cherenkit_toysim.images`); waveforms carry the signal pulses,
    night-sky background and electronic noise (`cherenkit_toysim.waveforms`).

    ``n_events`` showers are simulated; like a sim_telarray run, only the array
    events that trigger are yielded (``max_events`` caps those), and ``event_id`` is
    the number of the shower, from 1. Everything is a function of ``seed`` and the
    shower number, so batches are identical whatever their size. `iter_simulated`
    yields the batches together with the truth behind the images (`ToyBatch`).
    `shower_distributions` counts all ``n_events`` showers, triggered or not, in
    energy and core distance (see `cherenkit_toysim.distribution`).

    Examples
    --------
    >>> from cherenkit.events import EventSource
    >>> source = EventSource(source="toy", n_events=50, seed=1, layout="lst4")
    >>> sum(len(batch) for batch in source.iter_batches(10)) <= 50
    True
    """

    name: ClassVar[str] = "toy"

    n_events: int = parameter(100, ge=0, help="Showers to simulate (triggered ones are yielded).")
    seed: int | None = parameter(
        None, type=int, ge=0, help="Random seed; fresh entropy when unset (see simulation_config)."
    )
    obs_id: int = parameter(1, ge=0, help="Observation (run) id of the events.")
    layout: str = parameter("mixed", choices=LAYOUTS, help="Telescope layout of the array.")
    grid_size: int = parameter(3, ge=1, le=30, help="Telescopes per side of the grid layouts.")
    spacing: object = parameter(
        None, unit="m", gt=0, help="Telescope spacing of the grid layouts (150 m MST, 250 m SST)."
    )
    site_height: object = parameter("2200 m", unit="m", ge=0, le=5000, help="Site altitude.")
    energy_min: object = parameter("0.03 TeV", unit="TeV", gt=0, help="Lowest shower energy.")
    energy_max: object = parameter("100 TeV", unit="TeV", gt=0, help="Highest shower energy.")
    spectral_index: float = parameter(-2.0, help="Power-law index of the simulated spectrum.")
    pointing_alt: object = parameter("70 deg", unit="deg", ge=20, le=90, help="Pointing altitude.")
    pointing_az: object = parameter("0 deg", unit="deg", help="Pointing azimuth (east of north).")
    viewcone_radius: object = parameter(
        "0 deg", unit="deg", ge=0, le=10, help="Radius of the cone of arrival directions."
    )
    scatter_radius: object = parameter(
        "600 m", unit="m", ge=0, help="Radius of the disk of core positions."
    )
    skewed_images: bool = parameter(False, help="Split-Gaussian images with a longer tail.")
    nsb_rate: object = parameter(
        "0.1 GHz", unit="GHz", ge=0, help="Night-sky background p.e. rate per pixel."
    )
    electronic_noise: float = parameter(
        0.2, ge=0, help="Electronic noise per waveform sample (p.e. rms)."
    )
    trigger_threshold: float = parameter(
        6.0, gt=0, help="Signal p.e. a pixel needs to count for the telescope trigger."
    )
    trigger_n_pixels: int = parameter(3, ge=1, help="Pixels above threshold to trigger.")
    min_multiplicity: int = parameter(1, ge=1, help="Triggered telescopes to keep an event.")
    waveforms: bool = parameter(True, help="Simulate R1 waveforms (else true images only).")
    shower_distribution_bins_per_decade: int = parameter(
        20, ge=1, le=1000, help="Energy bins per decade of shower_distributions (on decades)."
    )
    shower_distribution_core_bins: int = parameter(
        200,
        ge=1,
        le=100000,
        help="Core-distance bins of shower_distributions, 0 to scatter_radius.",
    )

    _subarray: object = attrs.field(init=False, default=None, repr=False)
    _settings: object = attrs.field(init=False, default=None, repr=False)
    _groups: list = attrs.field(init=False, default=None, repr=False)
    _entropy: int = attrs.field(init=False, default=None, repr=False)
    _library: object = attrs.field(init=False, default=None, repr=False)
    _distribution: object = attrs.field(init=False, default=None, repr=False)

    def __attrs_post_init__(self):
        if self.path is not None:
            raise ParameterError(
                type(self).__name__,
                "path",
                f"the toy source simulates events and reads no file, got {str(self.path)!r}; "
                "leave path unset",
            )
        super().__attrs_post_init__()
        if self.energy_max <= self.energy_min:
            raise ParameterError(
                type(self).__name__,
                "energy_max",
                f"must be larger than energy_min ({self.energy_min}), got {self.energy_max}",
            )
        self._build()

    @classmethod
    def is_compatible(cls, path) -> bool:
        """Always False: the toy source reads no file."""
        return False

    def _open(self) -> None:
        """Nothing to open (``path`` is rejected before this could be called)."""

    # --- configuration -------------------------------------------------------------

    def _build(self):
        from ._random import run_key
        from .cameras import camera_model
        from .layout import toy_subarray
        from .simulation import RunSettings, TelescopeGroup

        spacing = None if self.spacing is None else float(self.spacing.to_value("m"))
        positions, _ = layout_positions(self.layout, grid_size=self.grid_size, spacing_m=spacing)
        all_ids = list(range(1, len(positions) + 1))
        tel_ids = all_ids
        if self.allowed_tels is not None:
            unknown = sorted({int(t) for t in self.allowed_tels} - set(all_ids))
            if unknown:
                raise ParameterError(
                    type(self).__name__,
                    "allowed_tels",
                    f"layout {self.layout!r} has no telescope {', '.join(map(str, unknown))}; "
                    f"its telescopes are 1-{len(all_ids)}",
                )
            tel_ids = sorted({int(t) for t in self.allowed_tels})
        if self.min_multiplicity > len(tel_ids):
            raise ParameterError(
                type(self).__name__,
                "min_multiplicity",
                f"{self.min_multiplicity} is more than the {len(tel_ids)} telescopes "
                f"simulated (layout {self.layout!r}); no event could pass",
            )
        site_height = float(self.site_height.to_value("m"))
        self._subarray = toy_subarray(
            self.layout,
            site_height_m=site_height,
            grid_size=self.grid_size,
            spacing_m=spacing,
            tel_ids=tel_ids,
        )
        key, self._entropy = run_key(self.seed)
        self._settings = RunSettings(
            key=key,
            energy_min_tev=float(self.energy_min.to_value("TeV")),
            energy_max_tev=float(self.energy_max.to_value("TeV")),
            spectral_index=self.spectral_index,
            pointing_alt_rad=float(self.pointing_alt.to_value("rad")),
            pointing_az_rad=float(self.pointing_az.to_value("rad")),
            viewcone_rad=float(self.viewcone_radius.to_value("rad")),
            scatter_radius_m=float(self.scatter_radius.to_value("m")),
            site_height_m=site_height,
            skewed=self.skewed_images,
            trigger_threshold_pe=self.trigger_threshold,
            trigger_n_pixels=self.trigger_n_pixels,
            min_multiplicity=self.min_multiplicity,
            waveforms=self.waveforms,
        )
        rate = float(self.nsb_rate.to_value("GHz"))
        groups = []
        for telescope, ids in self._subarray.tel_ids_by_description.items():
            camera = camera_model(telescope)
            window = camera.n_samples * camera.sample_width_ns
            groups.append(
                TelescopeGroup(
                    type_string=telescope.type_string,
                    tel_ids=np.asarray(ids, np.int64),
                    positions_m=np.stack(
                        [self._subarray.tel_positions[int(t)].to_value("m") for t in ids]
                    ),
                    camera=camera,
                    nsb_mean_pe=rate * window,
                    sigma_image_pe=self.electronic_noise * math.sqrt(camera.n_samples),
                    sigma_sample_pe=math.sqrt(
                        rate * camera.sample_width_ns + self.electronic_noise**2
                    ),
                    t_cog_ns=_T_COG_FRACTION * window,
                )
            )
        self._groups = groups

    @property
    def subarray(self):
        """The toy array (after ``allowed_tels``)."""
        return self._subarray

    @property
    def seed_used(self) -> int:
        """The seed of this run: the ``seed`` parameter, or the fresh entropy drawn."""
        return self._entropy

    @property
    def simulation_config(self) -> dict:
        """The `~cherenkit.events.SimulationConfig` of the run, under ``obs_id``."""
        import astropy.units as u

        from cherenkit.events import SimulationConfig

        from . import __version__

        return {
            self.obs_id: SimulationConfig(
                run_number=self.obs_id,
                n_showers=self.n_events,
                shower_reuse=1,
                energy_range_min=self.energy_min,
                energy_range_max=self.energy_max,
                spectral_index=self.spectral_index,
                max_scatter_range=self.scatter_radius,
                min_scatter_range=0.0 * u.m,
                max_viewcone_radius=self.viewcone_radius,
                min_viewcone_radius=0.0 * u.deg,
                max_alt=self.pointing_alt,
                min_alt=self.pointing_alt,
                max_az=self.pointing_az,
                min_az=self.pointing_az,
                diffuse=bool(self.viewcone_radius.value > 0),
                core_pos_mode=0,
                atmosphere=0,
                prod_site_alt=self.site_height,
                prod_site_B_total=0.0 * u.uT,
                prod_site_B_declination=0.0 * u.deg,
                prod_site_B_inclination=0.0 * u.deg,
                extra={
                    "program": "cherenkit-toysim",
                    "version": __version__,
                    "seed": self._entropy,
                    "primary": "gamma",
                    "layout": self.layout,
                    "nsb_rate_ghz": float(self.nsb_rate.to_value("GHz")),
                    "electronic_noise_pe": self.electronic_noise,
                    "trigger_threshold_pe": self.trigger_threshold,
                    "trigger_n_pixels": self.trigger_n_pixels,
                    "min_multiplicity": self.min_multiplicity,
                    "atmosphere_model": "isothermal, scale height 7.5 km",
                },
            )
        }

    @property
    def shower_distributions(self) -> list:
        """Every shower of the run in true energy × core distance, as a one-entry list.

        A `~cherenkit.events.ShowerDistribution` under ``obs_id`` counting all
        ``n_events`` showers, triggered or not, whatever ``max_events``: its
        histogram sums to ``n_events`` exactly. The showers are drawn again as the
        run draws them (the same numbers, shower by shower) but no image is
        simulated; available at once, before or after iterating, computed once.

        Energy bins: ``shower_distribution_bins_per_decade`` per decade on the grid
        ``10**(k / bins_per_decade)`` TeV, covering ``energy_min`` to ``energy_max``.
        Core distance: ``hypot(core_x, core_y)`` on the ground from the centre of the
        scatter disk, in ``shower_distribution_core_bins`` equal bins from 0 to
        ``scatter_radius``. See `cherenkit_toysim.distribution` for the choice.
        """
        if self._distribution is None:
            import astropy.units as u

            from cherenkit.events import ShowerDistribution

            from .distribution import core_distance_edges, energy_edges, simulated_shower_histogram

            settings = self._settings
            bins_energy = energy_edges(
                settings.energy_min_tev,
                settings.energy_max_tev,
                self.shower_distribution_bins_per_decade,
            )
            bins_core = core_distance_edges(
                settings.scatter_radius_m, self.shower_distribution_core_bins
            )
            self._distribution = ShowerDistribution(
                obs_id=self.obs_id,
                n_entries=self.n_events,
                bins_energy=u.Quantity(bins_energy, u.TeV),
                bins_core_dist=u.Quantity(bins_core, u.m),
                histogram=simulated_shower_histogram(
                    settings, self.n_events, bins_energy, bins_core
                ),
            )
        return [self._distribution]

    # --- events --------------------------------------------------------------------

    def _noise_library(self):
        if self._library is None:
            from .waveforms import NoiseLibrary

            longest = max(g.camera.n_samples for g in self._groups)
            self._library = NoiseLibrary(self._settings.key, longest)
        return self._library

    def iter_simulated(self, n_events: int = 100):
        """Yield `ToyBatch` objects of up to ``n_events`` consecutive triggered events.

        The events are those of `iter_batches`, with the truth behind them.
        """
        from .simulation import SimulatedEvents, add_noise, simulate_showers

        if isinstance(n_events, bool) or not isinstance(n_events, int | np.integer):
            raise ParameterError(
                type(self).__name__, "n_events", f"expected an integer, got {n_events!r}"
            )
        if n_events < 1:
            raise ParameterError(type(self).__name__, "n_events", f"must be >= 1, got {n_events}")
        limit = math.inf if self.max_events is None else self.max_events
        library = self._noise_library()
        produced, next_shower, showers_done, triggered = 0, 0, 0, 0
        pending = None
        while produced < limit:
            want = int(min(n_events, limit - produced))
            while (pending is None or pending.n_events < want) and next_shower < self.n_events:
                have = 0 if pending is None else pending.n_events
                efficiency = max((triggered + 1) / (showers_done + 2), 0.01)
                size = int(np.clip(math.ceil(1.2 * (want - have) / efficiency), 16, 2048))
                size = min(size, self.n_events - next_shower)
                index = np.arange(next_shower, next_shower + size, dtype=np.int64)
                chunk = simulate_showers(self._settings, self._groups, index)
                next_shower += size
                showers_done += size
                triggered += chunk.n_events
                pending = (
                    chunk if pending is None else SimulatedEvents.concatenate([pending, chunk])
                )
            if pending is None or pending.n_events == 0:
                return
            out, pending = pending.split(want)
            out = add_noise(self._settings, self._groups, out, library)
            yield ToyBatch(events=self._event_batch(out, produced), simulated=out)
            produced += out.n_events

    def iter_batches(self, n_events: int = 100):
        """Yield `~cherenkit.events.EventBatch` objects of up to ``n_events`` array events.

        Generated natively as columns; identical events whatever ``n_events``.
        """
        for batch in self.iter_simulated(n_events):
            yield batch.events

    def __iter__(self):
        for batch in self.iter_batches(_ITER_BATCH):
            yield from batch.to_events()

    def _event_batch(self, simulated, first_count: int) -> EventBatch:
        settings = self._settings
        showers = simulated.showers
        n = simulated.n_events
        alt = np.full(n, settings.pointing_alt_rad)
        az = np.full(n, settings.pointing_az_rad)
        event_id = showers.shower_index + 1
        columns = {
            "energy_tev": showers.energy_tev,
            "alt_rad": showers.alt_rad,
            "az_rad": showers.az_rad,
            "core_x_m": showers.core_x_m,
            "core_y_m": showers.core_y_m,
            "h_first_int_m": showers.h_first_int_m,
            "x_max_g_cm2": showers.x_max_g_cm2,
            "starting_grammage_g_cm2": np.zeros(n),
        }
        shower = {column: columns[column] for column in SHOWER_COLUMNS}
        shower["shower_primary_id"] = np.zeros(n, np.int64)
        telescopes = {}
        for group in self._groups:
            images = simulated.images.get(group.type_string)
            if images is None:
                continue
            m = len(images)
            waveform = images.r1_waveform
            telescopes[group.type_string] = TelescopeBatch(
                telescope_type=group.type_string,
                event_index=images.event_index,
                obs_id=np.full(m, self.obs_id, np.int64),
                event_id=event_id[images.event_index],
                tel_id=images.tel_id.astype(np.int16),
                r1_waveform=waveform,
                selected_gain_channel=(
                    None if waveform is None else np.zeros(images.true_pe.shape, np.int8)
                ),
                true_image=images.true_pe,
                pointing_alt_rad=np.full(m, settings.pointing_alt_rad),
                pointing_az_rad=np.full(m, settings.pointing_az_rad),
            )
        return EventBatch(
            obs_id=np.full(n, self.obs_id, np.int64),
            event_id=event_id,
            count=np.arange(first_count, first_count + n, dtype=np.int64),
            event_type=np.full(n, "SUBARRAY", dtype="U20"),
            time=None,
            pointing_alt_rad=alt,
            pointing_az_rad=az,
            tels_with_trigger=[t.astype(np.int16) for t in simulated.tels_with_trigger],
            shower=shower,
            telescopes=telescopes,
        )
