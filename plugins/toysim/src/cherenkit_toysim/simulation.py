"""Simulate runs of showers: from shower numbers to triggered telescope images.

`simulate_showers` runs the chain for a set of shower numbers, on plain arrays, up
to the trigger: draw the showers, project them into every telescope, integrate the
light over the pixels, draw signal photo-electrons, trigger. `add_noise` then adds
noise, arrival times and waveforms to the telescopes of the events that passed, one
output batch at a time. Every random number is keyed by (run, purpose, shower,
telescope), so a shower gives the same event whichever chunk or batch it is
simulated in.

Trigger (on the signal photo-electrons): a telescope triggers when at least
``trigger_n_pixels`` pixels have ``trigger_threshold`` photo-electrons or more; an
array event is kept when at least ``min_multiplicity`` telescopes trigger.
Telescopes whose image has no chance to trigger (below 1e-4) are skipped before
any pixel is computed (see `_candidates`).
"""

from __future__ import annotations

import itertools
import math

import attrs
import numpy as np

from ._random import STREAMS, derive_keys
from .images import ImageModels, expected_images, image_models, pixel_peak_times, sample_signal
from .showers import Showers, draw_showers
from .waveforms import image_noise, r1_waveforms

__all__ = [
    "RunSettings",
    "SimulatedEvents",
    "TelescopeGroup",
    "ToyImages",
    "add_noise",
    "simulate_showers",
]


@attrs.frozen(kw_only=True)
class RunSettings:
    """Plain-valued settings of a run (TeV, rad, m, ns, p.e.)."""

    key: np.uint64
    energy_min_tev: float
    energy_max_tev: float
    spectral_index: float
    pointing_alt_rad: float
    pointing_az_rad: float
    viewcone_rad: float
    scatter_radius_m: float
    site_height_m: float
    skewed: bool
    trigger_threshold_pe: float
    trigger_n_pixels: int
    min_multiplicity: int
    waveforms: bool


@attrs.frozen(kw_only=True, eq=False)
class TelescopeGroup:
    """The telescopes of one type, with the camera model and noise of that type."""

    type_string: str
    tel_ids: np.ndarray
    positions_m: np.ndarray
    camera: object  # CameraModel
    nsb_mean_pe: float
    sigma_image_pe: float
    sigma_sample_pe: float
    t_cog_ns: float

    @property
    def t_min_ns(self) -> float:
        """Earliest peak time that keeps the whole pulse in the window."""
        return self.camera.pulse_peak_ns

    @property
    def t_max_ns(self) -> float:
        """Latest peak time that keeps the whole pulse in the window."""
        camera = self.camera
        window = camera.n_samples * camera.sample_width_ns
        return window - (camera.pulse_length_ns - camera.pulse_peak_ns)


@attrs.frozen(kw_only=True, eq=False)
class ToyImages:
    """The triggered telescope events of one type, with the truth behind their images.

    Attributes
    ----------
    telescope_type : str
    event_index : `numpy.ndarray` of int64, shape (n,)
        Row of the array event.
    tel_id : `numpy.ndarray` of int64, shape (n,)
    models : `cherenkit_toysim.images.ImageModels`, shape (n,)
        The parameters each image was drawn from.
    expected_pe : `numpy.ndarray` of float64, shape (n, n_pixels)
        Mean signal photo-electrons per pixel (noise-free expected image).
    true_pe : `numpy.ndarray` of int32, shape (n, n_pixels)
        Signal photo-electrons.
    image_pe : `numpy.ndarray` of float32, shape (n, n_pixels), or None
        Signal plus background (minus its mean) plus electronic noise: the charge
        of the whole readout window (the sum of the waveform samples). None until
        `add_noise` ran.
    peak_time_ns : `numpy.ndarray` of float32, shape (n, n_pixels), or None
        True arrival time of the signal in each pixel, from the window start.
    r1_waveform : `numpy.ndarray` of float32, shape (n, n_pixels, n_samples), or None
    """

    telescope_type: str
    event_index: np.ndarray
    tel_id: np.ndarray
    models: ImageModels
    expected_pe: np.ndarray
    true_pe: np.ndarray
    image_pe: np.ndarray | None = None
    peak_time_ns: np.ndarray | None = None
    r1_waveform: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.tel_id)

    def take(self, rows, event_offset: int = 0) -> ToyImages:
        """Rows ``rows``, with ``event_offset`` subtracted from the event index."""
        values = {}
        for field in attrs.fields(ToyImages):
            value = getattr(self, field.name)
            if field.name == "telescope_type" or value is None:
                values[field.name] = value
            elif field.name == "models":
                values[field.name] = value.take(rows)
            else:
                values[field.name] = value[rows]
        values["event_index"] = values["event_index"] - event_offset
        return ToyImages(**values)

    @staticmethod
    def concatenate(parts, offsets) -> ToyImages:
        """Join parts of one type, shifting each part's event index by its offset."""
        first = parts[0]
        values = {"telescope_type": first.telescope_type}
        for field in attrs.fields(ToyImages):
            name = field.name
            if name == "telescope_type":
                continue
            if name == "models":
                values[name] = ImageModels(
                    **{
                        f.name: np.concatenate([getattr(p.models, f.name) for p in parts])
                        for f in attrs.fields(ImageModels)
                    }
                )
            elif getattr(first, name) is None:
                values[name] = None
            else:
                values[name] = np.concatenate([getattr(p, name) for p in parts])
        values["event_index"] = np.concatenate(
            [p.event_index + o for p, o in zip(parts, offsets, strict=True)]
        )
        return ToyImages(**values)


@attrs.frozen(kw_only=True, eq=False)
class SimulatedEvents:
    """Triggered array events of consecutive showers, as columns.

    Attributes
    ----------
    showers : `cherenkit_toysim.showers.Showers`
        One row per array event.
    tels_with_trigger : list of `numpy.ndarray` of int64
        Triggered telescopes of every event, sorted.
    images : dict of str to ToyImages
        By telescope type; types without events are left out.
    n_showers : int
        Showers simulated to get these events.
    """

    showers: Showers
    tels_with_trigger: list
    images: dict
    n_showers: int

    @property
    def n_events(self) -> int:
        return len(self.showers)

    def split(self, n: int) -> tuple[SimulatedEvents, SimulatedEvents]:
        """The first ``n`` events and the rest (``n_showers`` stays with the first)."""

        def part(start, stop, n_showers):
            images = {}
            for tel_type, group in self.images.items():
                first, last = np.searchsorted(group.event_index, [start, stop])
                if last > first:  # rows are sorted by event: a slice, no copy
                    images[tel_type] = group.take(slice(first, last), event_offset=start)
            return SimulatedEvents(
                showers=self.showers.take(slice(start, stop)),
                tels_with_trigger=self.tels_with_trigger[start:stop],
                images=images,
                n_showers=n_showers,
            )

        return part(0, n, self.n_showers), part(n, self.n_events, 0)

    @staticmethod
    def concatenate(parts) -> SimulatedEvents:
        """Join consecutive parts into one."""
        offsets = np.cumsum([0] + [p.n_events for p in parts])
        showers = Showers(
            **{
                f.name: np.concatenate([getattr(p.showers, f.name) for p in parts])
                for f in attrs.fields(Showers)
            }
        )
        types = list(dict.fromkeys(t for p in parts for t in p.images))
        images = {}
        for tel_type in types:
            members = [
                (p.images[tel_type], o)
                for p, o in zip(parts, offsets[:-1], strict=True)
                if tel_type in p.images
            ]
            images[tel_type] = ToyImages.concatenate(*zip(*members, strict=True))
        return SimulatedEvents(
            showers=showers,
            tels_with_trigger=[t for p in parts for t in p.tels_with_trigger],
            images=images,
            n_showers=sum(p.n_showers for p in parts),
        )


def _candidates(models: ImageModels, camera, settings: RunSettings) -> np.ndarray:
    """(n_showers, n_tels) mask of the images that have a chance to trigger.

    An image is skipped when (1) its intensity is below a quarter of
    ``trigger_n_pixels × trigger_threshold``, or (2) no pixel is likely to reach
    the threshold: with ``K = ceil(threshold)``, ``P(Poisson(mu) >= K) <= mu^K / K!``,
    so the expected number of such pixels is at most ``mu_max^(K-1) I / K!`` for the
    brightest pixel mean ``mu_max <= I a_max / (pi (sigma_head + sigma_tail) width)``
    and intensity ``I``; it is skipped below 1e-4. Or (3) its centroid lies more
    than six σ outside the camera.
    """
    n_pixels, threshold = settings.trigger_n_pixels, settings.trigger_threshold_pe
    intensity = models.intensity_pe
    bright = intensity >= 0.25 * n_pixels * threshold
    k = max(math.ceil(threshold), 1)
    peak = np.minimum(
        intensity
        * camera.pix_area_m2.max()
        / (np.pi * (models.sigma_head_m + models.sigma_tail_m) * models.width_m),
        intensity,
    )
    likely = peak ** (k - 1) * intensity / math.factorial(k) >= 1e-4
    extent = np.maximum(np.maximum(models.sigma_head_m, models.sigma_tail_m), models.width_m)
    outside = np.hypot(models.cog_x_m, models.cog_y_m) - camera.camera_radius_m
    return bright & likely & (outside < 6.0 * extent)


def simulate_showers(settings: RunSettings, groups, shower_index) -> SimulatedEvents:
    """Simulate the showers ``shower_index`` of a run and keep the triggered events.

    Stops at the signal photo-electrons: `add_noise` adds noise and waveforms.

    Parameters
    ----------
    settings : RunSettings
    groups : list of TelescopeGroup
    shower_index : `numpy.ndarray` of int64
        Consecutive shower numbers.

    Returns
    -------
    SimulatedEvents
    """
    showers = draw_showers(
        settings.key,
        shower_index,
        energy_min_tev=settings.energy_min_tev,
        energy_max_tev=settings.energy_max_tev,
        spectral_index=settings.spectral_index,
        pointing_alt_rad=settings.pointing_alt_rad,
        pointing_az_rad=settings.pointing_az_rad,
        viewcone_rad=settings.viewcone_rad,
        scatter_radius_m=settings.scatter_radius_m,
        site_height_m=settings.site_height_m,
    )
    n = len(showers)
    triggered = []
    multiplicity = np.zeros(n, np.int64)
    for group in groups:
        camera = group.camera
        models = image_models(
            showers,
            group.positions_m,
            focal_length_m=camera.focal_length_m,
            mirror_area_m2=camera.mirror_area_m2,
            psf_rad=camera.psf_rad,
            pointing_alt_rad=settings.pointing_alt_rad,
            pointing_az_rad=settings.pointing_az_rad,
            site_height_m=settings.site_height_m,
            skewed=settings.skewed,
        )
        rows, cols = np.nonzero(_candidates(models, camera, settings))
        models = models.take((rows, cols))
        tel_id = group.tel_ids[cols]
        expected = expected_images(camera, models)
        keys = derive_keys(settings.key, STREAMS["signal"], showers.shower_index[rows], tel_id)
        true_pe = sample_signal(expected, keys)
        fired = np.count_nonzero(true_pe >= settings.trigger_threshold_pe, axis=1)
        fired = fired >= settings.trigger_n_pixels
        np.add.at(multiplicity, rows[fired], 1)
        triggered.append(
            (group, rows[fired], tel_id[fired], models.take(fired), expected[fired], true_pe[fired])
        )

    keep = multiplicity >= settings.min_multiplicity
    new_index = np.cumsum(keep) - 1
    images, all_events, all_tels = {}, [], []
    for group, rows, tel_id, models, expected, true_pe in triggered:
        selected = keep[rows]
        if not selected.any():
            continue
        event_index = new_index[rows[selected]]
        images[group.type_string] = ToyImages(
            telescope_type=group.type_string,
            event_index=event_index,
            tel_id=tel_id[selected],
            models=models.take(selected),
            expected_pe=expected[selected],
            true_pe=true_pe[selected],
        )
        all_events.append(event_index)
        all_tels.append(tel_id[selected])

    n_kept = int(keep.sum())
    if all_events:
        events, tels = np.concatenate(all_events), np.concatenate(all_tels)
        order = np.lexsort((tels, events))
        events, tels = events[order], tels[order]
        bounds = np.searchsorted(events, np.arange(n_kept + 1))
        tels_with_trigger = [tels[a:b] for a, b in itertools.pairwise(bounds)]
    else:
        tels_with_trigger = [np.zeros(0, np.int64) for _ in range(n_kept)]
    return SimulatedEvents(
        showers=showers.take(keep),
        tels_with_trigger=tels_with_trigger,
        images=images,
        n_showers=n,
    )


def add_noise(settings: RunSettings, groups, events: SimulatedEvents, library) -> SimulatedEvents:
    """Add image noise, peak times and (with ``settings.waveforms``) R1 waveforms.

    Each image's noise comes from its own stream, so this can run on any selection
    of events (it runs once per yielded batch, writing the waveforms of a telescope
    type straight into one batch array).

    Parameters
    ----------
    settings : RunSettings
    groups : list of TelescopeGroup
    events : SimulatedEvents
        From `simulate_showers` (or a part of it).
    library : `cherenkit_toysim.waveforms.NoiseLibrary`

    Returns
    -------
    SimulatedEvents
        With ``image_pe``, ``peak_time_ns`` and ``r1_waveform`` of every `ToyImages`.
    """
    images = {}
    for group in groups:
        toy = events.images.get(group.type_string)
        if toy is None:
            continue
        camera = group.camera
        shower_number = events.showers.shower_index[toy.event_index]
        noise = image_noise(
            derive_keys(settings.key, STREAMS["noise"], shower_number, toy.tel_id),
            camera.n_pixels,
            library,
            nsb_mean_pe=group.nsb_mean_pe,
            sigma_pe=group.sigma_image_pe,
        )
        peak_time = pixel_peak_times(
            camera, toy.models, group.t_cog_ns, t_min_ns=group.t_min_ns, t_max_ns=group.t_max_ns
        )
        waveform = None
        if settings.waveforms:
            waveform = r1_waveforms(
                camera,
                toy.true_pe,
                noise,
                peak_time,
                derive_keys(settings.key, STREAMS["waveform"], shower_number, toy.tel_id),
                library,
                sigma_sample_pe=group.sigma_sample_pe,
            )
        noise += toy.true_pe
        images[group.type_string] = attrs.evolve(
            toy, image_pe=noise, peak_time_ns=peak_time, r1_waveform=waveform
        )
    return attrs.evolve(events, images=images)
