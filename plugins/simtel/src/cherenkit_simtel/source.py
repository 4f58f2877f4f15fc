"""`SimTelEventSource`: array events from sim_telarray files, streamed through eventio."""

from __future__ import annotations

import warnings
from typing import ClassVar

import attrs
import numpy as np

from cherenkit.component import parameter
from cherenkit.errors import DataFormatError, ParameterError
from cherenkit.events import EventSource

from ._files import has_true_images, sniff

__all__ = ["SimTelEventSource"]

# eventio, astropy and the instrument classes are imported when a file is opened:
# loading the plugin (e.g. for `cherenkit plugins list`) must stay cheap.


@attrs.define(kw_only=True, eq=False)
class SimTelEventSource(EventSource):
    """sim_telarray files (gzip or zstd) read through eventio.

    Reads the EventIO files written by sim_telarray (plain, gzip- or
    zstd-compressed) one event at a time, so that memory stays flat whatever the
    file size. Every array event carries the simulated shower, the trigger, the
    pointing and, per telescope, the raw waveforms (R0), the calibration constants
    sim_telarray records and the R1 waveforms computed from them, and the true
    photo-electron image when the file has one.

    R1 is sim_telarray's "category A" calibration: per sample, the pedestal
    (monitored sum over ``n_ped_slices`` samples, divided by ``n_ped_slices``) is
    subtracted and the result multiplied by ``dc_to_pe``. For two-gain cameras the
    channel is chosen per pixel from the high-gain R0 samples (see
    ``gain_selection_threshold``).

    The observation id is the sim_telarray run number. Telescopes are named from
    the meta parameters of the file or, for older files, recognised from their
    number of pixels and focal length, giving ctapipe's type strings.

    ``shower_distributions`` holds sim_telarray's histogram of all simulated
    showers (id 6, true energy × sim_telarray's core distance), which the
    file stores after its last event. Reading the events to the end picks it up
    for free; asked for earlier (or after ``max_events`` stopped the loop), the
    source makes one extra pass over the file that reads only EventIO object
    headers and skips every event payload (see `shower_distributions`).

    Parameters
    ----------
    path : path-like
        The file.
    max_events : int, optional
        Stop after this many events.
    allowed_tels : sequence of int, optional
        Read only these telescopes.
    focal_length_choice : {"effective", "equivalent"}
        Focal length that maps the camera to the sky (see `focal_lengths`).
        Default is ``"effective"``; files without it need ``"equivalent"``.
    skip_calibration_events : bool
        Skip pedestal, flat-field and other calibration events. Default is True.
    gain_selection_threshold : float
        High-gain R0 value (ADC counts, pedestal included) above which a pixel
        uses the low gain. Default is 4000.
    select_gain : bool
        Gain-select R1. Default is True; when false, R1 keeps every channel.

    Raises
    ------
    cherenkit.errors.DataFormatError
        When the file is not a sim_telarray file, is truncated or corrupt, or lacks
        the effective focal length that ``focal_length_choice`` asks for.
    cherenkit.errors.ParameterError
        When ``allowed_tels`` names a telescope the file does not have.

    Examples
    --------
    >>> from cherenkit.events import EventSource
    >>> source = EventSource("gamma.simtel.zst", focal_length_choice="equivalent")  # doctest: +SKIP
    >>> with source:  # doctest: +SKIP
    ...     for batch in source.iter_batches(100):
    ...         print(batch.n_events, list(batch.telescopes))
    """

    name: ClassVar[str] = "simtel"

    focal_length_choice: str = parameter(
        "effective",
        choices=("effective", "equivalent"),
        help="Focal length mapping camera to sky: ray-traced 'effective' or nominal 'equivalent'.",
    )
    skip_calibration_events: bool = parameter(
        True, help="Skip pedestal, flat-field and other calibration events."
    )
    gain_selection_threshold: float = parameter(
        4000.0,
        ge=0,
        help="High-gain R0 sample (ADC counts) above which a pixel uses the low gain.",
    )
    select_gain: bool = parameter(
        True,
        help="Gain-select R1 (n_pixels, n_samples); false keeps every gain channel.",
    )

    _simtel: object = attrs.field(init=False, default=None, repr=False)
    _live_files: list = attrs.field(init=False, factory=list, repr=False)
    _subarray: object = attrs.field(init=False, default=None, repr=False)
    _simulation_config: dict = attrs.field(init=False, factory=dict, repr=False)
    _obs_id: int = attrs.field(init=False, default=0, repr=False)
    _builder: object = attrs.field(init=False, default=None, repr=False)
    _shower_distributions: list | None = attrs.field(init=False, default=None, repr=False)

    # --- opening ---------------------------------------------------------------------

    @classmethod
    def is_compatible(cls, path) -> bool:
        """Whether ``path`` is an EventIO file, plain or gzip/zstd-compressed.

        Reads (and decompresses) only the first bytes; never raises.
        """
        return sniff(path)[0]

    def _open(self) -> None:
        simtel = self._open_file()
        try:
            self._read_run(simtel)
        except BaseException:
            self.close()
            raise
        self._simtel = simtel

    def _open_file(self):
        from eventio import SimTelFile

        ok, what = sniff(self.path)
        if not ok:
            raise DataFormatError(
                self.path, f"cannot be read as a sim_telarray (EventIO) file: {what}"
            )
        try:
            simtel = SimTelFile(
                self.path,
                skip_calibration=self.skip_calibration_events,
                allowed_telescopes=self.allowed_tels,
            )
        except Exception as err:
            raise DataFormatError(
                self.path,
                "cannot read the run header and telescope descriptions: the file is "
                f"truncated or corrupt ({type(err).__name__}: {err})",
            ) from err
        self._live_files.append(simtel)
        return simtel

    def _read_run(self, simtel) -> None:
        from ._convert import simulation_config
        from ._events import EventBuilder
        from .instrument import build_subarray

        header = simtel.header
        if header is None or not simtel.telescope_descriptions:
            raise DataFormatError(self.path, "no run header or telescope descriptions found")
        self._obs_id = int(header["run"])
        site_altitude_m = 0.0
        if simtel.mc_run_headers:
            # merged files repeat the run header; like ctapipe, the last one counts
            config = simulation_config(self._obs_id, simtel.mc_run_headers[-1])
            self._simulation_config = {self._obs_id: config}
            site_altitude_m = config.prod_site_alt.to_value("m")
        full = build_subarray(simtel, site_altitude_m=site_altitude_m)
        self.check_allowed_tels(full.tel_ids)
        self._check_focal_lengths(full)
        restricted = self.allowed_tels is not None
        self._subarray = (
            full.select_subarray(self.allowed_tels, name=full.name) if restricted else full
        )
        self._builder = EventBuilder(
            path=self.path,
            header=header,
            obs_id=self._obs_id,
            tel_ids=self._subarray.tel_ids if restricted else None,
            has_true_image=has_true_images(simtel.history),
            threshold=self.gain_selection_threshold,
            select_gain=self.select_gain,
        )

    def _check_focal_lengths(self, subarray) -> None:
        if self.focal_length_choice != "effective":
            return
        missing = [
            int(t)
            for t, tel in subarray.tel_descriptions.items()
            if not np.isfinite(tel.optics.effective_focal_length.value)
        ]
        if missing:
            raise DataFormatError(
                self.path,
                "focal_length_choice = 'effective', but the file gives no effective focal "
                f"length for telescope(s) {_ranges(missing)}; set "
                "focal_length_choice = 'equivalent' to use the nominal focal length",
            )

    # --- what the file holds ----------------------------------------------------------

    @property
    def subarray(self):
        """The `~cherenkit.instrument.SubarrayDescription` (after ``allowed_tels``)."""
        return self._subarray

    @property
    def simulation_config(self) -> dict:
        """`~cherenkit.events.SimulationConfig` of the run, by obs_id (the run number)."""
        return dict(self._simulation_config)

    @property
    def obs_ids(self) -> list[int]:
        """The run number, the only observation id of a sim_telarray file."""
        return [self._obs_id]

    @property
    def shower_distributions(self) -> list:
        """sim_telarray's histogram of all simulated showers, as a one-entry list.

        A `~cherenkit.events.ShowerDistribution` under the run number: histogram id
        6 of the file (every shower, each reuse once, triggered or not; true
        energy in bins equal in log10(E / TeV); core distance as sim_telarray
        measures it, ``Ra3d``, in equal bins up to its limit, see
        `cherenkit_simtel._histograms`), with counts and edges exactly as eventio
        parses them and as ctapipe's ``simulated_shower_distributions`` gives them.

        Available at any time; the cost depends on when it is asked:

        * after iterating to the end of the file: none, the event loop read the
          block (it is the last object of the file);
        * before that, or after ``max_events`` stopped early: one pass over the
          file that reads EventIO object headers only and skips all event
          payloads (a compressed file is still decompressed, nothing is parsed).
          The result is kept, so this happens at most once per source.

        Empty when the file has no such histogram (files cut short before their
        end, some merged files). A template (no ``path``) has none either.

        Raises
        ------
        cherenkit.errors.DataFormatError
            When the file is corrupt or cut inside the histogram block.
        """
        if self._shower_distributions is None:
            if self.path is None:
                return []
            from ._histograms import histograms_block

            self._keep_histograms(histograms_block(self.path))
        return list(self._shower_distributions)

    def _keep_histograms(self, histograms) -> None:
        from ._histograms import shower_distributions

        self._shower_distributions = shower_distributions(histograms, self._obs_id, self.path)

    @property
    def focal_lengths(self) -> dict:
        """The focal length chosen by ``focal_length_choice``, by tel_id (Quantity, m).

        The one to give `~cherenkit.instrument.CameraGeometry.transform_to_telescope_frame`.
        """
        return {
            tel_id: tel.optics.focal_length(self.focal_length_choice)
            for tel_id, tel in self.subarray.tel_descriptions.items()
        }

    @property
    def has_true_images(self) -> bool:
        """Whether the simulation stored true photo-electron images."""
        return self._builder is not None and self._builder.has_true_image

    # --- events -----------------------------------------------------------------------

    def __iter__(self):
        """Yield `~cherenkit.events.ArrayEvent` objects from the start of the file."""
        if self.path is None:
            raise ParameterError(
                type(self).__name__,
                "path",
                "this source has no file to read (a configured template); "
                "open one with attrs.evolve(source, path=...)",
            )
        simtel, self._simtel = self._simtel, None
        if simtel is None:  # iterated before: read the file again from its start
            simtel = self._open_file()
        try:
            yield from self._generate(simtel)
        finally:
            simtel.close()
            if simtel in self._live_files:
                self._live_files.remove(simtel)

    def _generate(self, simtel):
        pseudo_event_id = 0
        count = 0
        while self.max_events is None or count < self.max_events:
            raw = self._next_raw_event(simtel, count)
            if raw is None:  # the end: eventio has read the histograms, if any
                if self._shower_distributions is None:
                    self._keep_histograms(simtel.histograms)
                return
            event_id = int(raw.get("event_id", 0))
            if event_id == 0:  # calibration events may carry no id
                pseudo_event_id -= 1
                event_id = pseudo_event_id
            yield self._builder.array_event(raw, event_id, count)
            count += 1

    def _next_raw_event(self, simtel, count):
        """The next eventio event dict; None at the end; DataFormatError if cut short."""
        if simtel not in self._live_files:
            raise ValueError(f"{self.path}: the event source was closed during iteration")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                raw = next(simtel)
            except StopIteration:
                raw = None
            except Exception as err:
                raise DataFormatError(
                    self.path,
                    f"the file is truncated or corrupt after {count} events "
                    f"({type(err).__name__}: {err})",
                ) from err
        for warning in caught:
            if issubclass(warning.category, UserWarning) and "truncated" in str(warning.message):
                raise DataFormatError(
                    self.path,
                    f"the file is truncated: it ends inside a data block after {count} "
                    "complete events",
                )
            warnings.warn_explicit(
                warning.message, warning.category, warning.filename, warning.lineno
            )
        return raw

    # --- closing ----------------------------------------------------------------------

    def close(self) -> None:
        """Close the file (and any iteration still reading it)."""
        for simtel in self._live_files:
            simtel.close()
        self._live_files.clear()
        self._simtel = None


def _ranges(ids) -> str:
    """``1-4, 7, 9-10`` for integer ids."""
    ids = sorted(ids)
    parts, start = [], 0
    for i in range(1, len(ids) + 1):
        if i == len(ids) or ids[i] != ids[i - 1] + 1:
            first, last = ids[start], ids[i - 1]
            parts.append(str(first) if first == last else f"{first}-{last}")
            start = i
    return ", ".join(parts)
