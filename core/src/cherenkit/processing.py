"""Event processing, DL0 → DL2: what ``cherenkit process`` runs.

One input file (or one configured source without files, such as ``toy``) is one
job: source → `~cherenkit.calib.CameraCalibrator` → `~cherenkit.image.ImageProcessor`
→ `~cherenkit.reco.ShowerProcessor` → an event file, batch by batch, so memory
does not grow with the number of events. Each job writes a part file in a
temporary folder beside the output; when every job is done the parts are copied,
in input order, into the output, which appears under its final name only when
complete. A failed job therefore leaves nothing behind, and the output is the same
whichever executor ran the jobs.

The file layout is in ``docs/event-file-format.md``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

import astropy.units as u
import attrs
import numpy as np

from .errors import CherenkitError, ConfigError, DataFormatError, ParameterError
from .io.layout import (
    GEOMETRY,
    IMAGES,
    PARAMETERS,
    SHOWER,
    SHOWER_DISTRIBUTION,
    SIMULATION_RUN,
    TRIGGER,
)

__all__ = ["EXECUTORS", "FileSummary", "ProcessSummary", "process_batch", "process_files"]

EXECUTORS = ("serial", "processes", "dask")
"""How jobs (input files) are run: one after the other, in local processes, or on dask."""


@attrs.frozen(kw_only=True)
class FileSummary:
    """What one job did.

    Attributes
    ----------
    input : str
        The input file, or the source name for sources without files.
    n_events : int
        Array events read and processed.
    n_telescope_events : int
    n_reconstructed : dict of str to int
        Array events with ``is_valid`` per reconstructor label.
    seconds : float
        Wall time of the job.
    error : str or None
        Why the job failed; None when it succeeded.
    """

    input: str
    n_events: int = 0
    n_telescope_events: int = 0
    n_reconstructed: dict = attrs.field(factory=dict)
    seconds: float = 0.0
    error: str | None = None


@attrs.frozen(kw_only=True)
class ProcessSummary:
    """What `process_files` did, for the end-of-run summary.

    Attributes
    ----------
    output : `pathlib.Path` or None
        The file written; None when nothing was written.
    files : list of FileSummary
        One per job, in input order.
    seconds : float
        Wall time of the whole run.
    """

    output: Path | None
    files: list
    seconds: float

    @property
    def n_events(self) -> int:
        return sum(f.n_events for f in self.files)

    @property
    def failed(self) -> list:
        return [f for f in self.files if f.error is not None]

    def n_reconstructed(self) -> dict[str, int]:
        totals: dict[str, int] = {}
        for summary in self.files:
            for label, n in summary.n_reconstructed.items():
                totals[label] = totals.get(label, 0) + n
        return totals

    def lines(self) -> list[str]:
        """The summary as text lines (what the command prints)."""
        rate = self.n_events / self.seconds if self.seconds > 0 else float("nan")
        done = len(self.files) - len(self.failed)
        lines = [
            f"inputs: {done} processed, {len(self.failed)} failed",
            f"events: {self.n_events} read and processed, "
            f"{sum(f.n_telescope_events for f in self.files)} telescope events",
        ]
        for label, n in self.n_reconstructed().items():
            share = f" ({100 * n / self.n_events:.1f} %)" if self.n_events else ""
            lines.append(f"reconstructed by {label}: {n}{share}")
        lines.append(f"time: {self.seconds:.1f} s, {rate:.1f} events/s")
        lines += [f"failed: {f.input}: {f.error}" for f in self.failed]
        if self.output is not None:
            lines.append(f"written: {self.output}")
        return lines


# --- one batch ------------------------------------------------------------------------


def process_batch(batch, calibrator, image_processor, shower_processor=None) -> tuple:
    """Calibrate, clean, parametrise and reconstruct one `~cherenkit.events.EventBatch`.

    Returns
    -------
    dl1 : dict of str to dict
        Per telescope type, the columns of `~cherenkit.image.ImageProcessor.process_batch`
        (with ``image`` and ``peak_time`` added).
    dl2 : dict of str to dict
        Per reconstructor label, the `~cherenkit.reco.ShowerProcessor` columns;
        empty without a shower processor.
    """
    from .reco import stereo_parameters

    dl1 = {}
    for tel_type, tel_batch in batch.telescopes.items():
        image, peak_time = calibrator.calibrate_batch(tel_batch)
        columns = image_processor.process_batch(tel_batch, image, peak_time)
        columns["image"], columns["peak_time"] = image, peak_time
        dl1[tel_type] = columns
    dl2 = {}
    if shower_processor is not None:
        dl2 = shower_processor(stereo_parameters(batch, dl1))
    return dl1, dl2


def write_batch(writer, batch, dl1, dl2, *, write_images: bool, units=None) -> None:
    """Append one processed batch to an `~cherenkit.io.hdf5.EventFileWriter`.

    ``units`` gives, per reconstructor label, the units of its columns
    (`~cherenkit.reco.ShowerProcessor.units`); default `~cherenkit.reco.DL2_COLUMNS`.
    """
    from .reco import DL2_COLUMNS

    writer.append(TRIGGER, trigger_columns(batch))
    if batch.shower is not None:
        writer.append(SHOWER, batch.shower_table())
    for tel_type, columns in dl1.items():
        columns = dict(columns)
        images = {name: columns.pop(name) for name in ("image", "peak_time", "image_mask")}
        writer.append(f"{PARAMETERS}/{tel_type}", columns)
        if write_images:
            ids = {name: columns[name] for name in ("obs_id", "event_id", "tel_id")}
            writer.append(f"{IMAGES}/{tel_type}", {**ids, **images})
    ids = {"obs_id": batch.obs_id, "event_id": batch.event_id}
    for label, result in dl2.items():
        label_units = DL2_COLUMNS if units is None else units[label]
        columns = {
            name: values * u.Unit(label_units[name]) if label_units.get(name) else values
            for name, values in result.items()
        }
        writer.append(f"{GEOMETRY}/{label}", {**ids, **columns})


def trigger_columns(batch) -> dict:
    """The ``dl1/event/subarray/trigger`` columns of a batch."""
    columns = {
        "obs_id": batch.obs_id,
        "event_id": batch.event_id,
        "event_type": batch.event_type,
        "n_trigger": np.array([len(t) for t in batch.tels_with_trigger], np.int16),
        "pointing_alt": np.degrees(batch.pointing_alt_rad) * u.deg,
        "pointing_az": np.degrees(batch.pointing_az_rad) * u.deg,
    }
    if batch.time is not None:
        columns["time_mjd_tai"] = batch.time.tai.mjd
    return columns


# --- one job ----------------------------------------------------------------------------


@attrs.frozen
class _Job:
    path: str | None  # None: a source that needs no file
    part: str
    max_events: int | None
    progress: bool


def open_source(path, config, max_events=None):
    """The configured event source for ``path`` (or the path-less configured source)."""
    from .events import EventSource

    selection = config.process.source
    settings = {} if max_events is None else {"max_events": max_events}
    if selection is None:
        if path is None:
            raise ConfigError(
                "no input files and no [process] source configured; give files, or a "
                'source that needs none, e.g. source = { name = "toy", n_events = 1000 }'
            )
        return EventSource(path, **settings)
    template = selection.component
    return attrs.evolve(template, **({"path": path} if path is not None else {}), **settings)


def _tools(config, source):
    from .calib import CameraCalibrator
    from .image import ImageProcessor
    from .reco import ShowerProcessor

    subarray = source.subarray
    process = config.process
    cleaners = process.cleaner or {"tailcuts": "tailcuts"}
    if len(cleaners) != 1:
        raise ConfigError(
            f"cherenkit process runs one cleaner; [process.cleaner] configures "
            f"{len(cleaners)} ({', '.join(cleaners)})"
        )
    focal_length_choice = getattr(source, "focal_length_choice", "effective")
    calibrator = CameraCalibrator(subarray, process.extractor or "neighbor-peak")
    image_processor = ImageProcessor(
        subarray,
        next(iter(cleaners.values())),
        quality=process.image_quality,
        focal_length_choice=focal_length_choice,
    )
    shower_processor = ShowerProcessor(subarray, process.reconstructor or "hillas")
    for label, reconstructor in shower_processor.reconstructors.items():
        shower_processor.reconstructors[label] = _same_focal_length(
            label, reconstructor, focal_length_choice
        )
    return calibrator, image_processor, shower_processor


def _same_focal_length(label, reconstructor, choice):
    """The reconstructor with the source's focal length choice, where it has one.

    A reconstructor left at its default follows the source; one configured
    explicitly with another choice is an error (its geometry would not match the
    images').
    """
    mine = getattr(reconstructor, "focal_length_choice", choice)
    if mine == choice:
        return reconstructor
    default = attrs.fields_dict(type(reconstructor))["focal_length_choice"].default
    if mine == default:
        return attrs.evolve(reconstructor, focal_length_choice=choice)
    raise ConfigError(
        f"reconstructor {label!r} uses focal_length_choice = {mine!r}, but the images are "
        f"parametrised with the source's {choice!r}; set the same choice in "
        "[process.source] and [process.reconstructor]"
    )


def _run_job(job: _Job, config) -> FileSummary:
    """Process one input into its part file; never raises (errors go into the summary)."""
    from .io.hdf5 import EventFileWriter

    start = time.perf_counter()
    name = job.path if job.path is not None else "<source without files>"
    counts = {"n_events": 0, "n_telescope_events": 0, "n_reconstructed": {}}
    try:
        with open_source(job.path, config, job.max_events) as source:
            if job.path is None:
                name = f"<{source.name} source>"
            calibrator, image_processor, shower_processor = _tools(config, source)
            batches = source.iter_batches(config.process.batch_size)
            if job.progress:
                from tqdm.auto import tqdm

                batches = tqdm(batches, desc=Path(name).name, unit=" batches", leave=False)
            counts["n_reconstructed"] = dict.fromkeys(shower_processor.labels, 0)
            with EventFileWriter(job.part, data_level="DL2") as writer:
                writer.write_subarray(source.subarray)
                for batch in batches:
                    dl1, dl2 = process_batch(batch, calibrator, image_processor, shower_processor)
                    write_batch(
                        writer,
                        batch,
                        dl1,
                        dl2,
                        write_images=config.process.write_images,
                        units={label: shower_processor.units(label) for label in dl2},
                    )
                    counts["n_events"] += batch.n_events
                    counts["n_telescope_events"] += sum(len(t) for t in batch.telescopes.values())
                    for label, result in dl2.items():
                        counts["n_reconstructed"][label] += int(
                            np.count_nonzero(result["is_valid"])
                        )
                _write_simulation(writer, source)
    except Exception as err:  # corrupt files fail in many ways: reported by name
        if isinstance(err, DataFormatError) and err.file == str(name):
            message = err.problem  # the caller names the file
        elif isinstance(err, CherenkitError):
            message = str(err)
        else:
            message = f"{type(err).__name__}: {err}"
        return FileSummary(input=name, seconds=time.perf_counter() - start, error=message)
    return FileSummary(input=name, seconds=time.perf_counter() - start, **counts)


def _write_simulation(writer, source) -> None:
    """The simulation configuration and shower distribution, where the source has them."""
    configs = list(source.simulation_config.values())
    if configs and hasattr(configs[0], "to_table"):
        for run in configs:
            writer.append(SIMULATION_RUN, run.to_table())
    for distribution in getattr(source, "shower_distributions", []):
        writer.append(SHOWER_DISTRIBUTION, distribution.to_table())


# --- many jobs --------------------------------------------------------------------------


def process_files(
    inputs,
    output,
    config=None,
    *,
    config_text: str | None = None,
    max_events: int | None = None,
    executor: str = "serial",
    workers: int | None = None,
    scheduler: str | None = None,
    on_error: str = "stop",
    overwrite: bool = False,
    progress: bool = False,
) -> ProcessSummary:
    """Process input files (DL0/R1 events) into one DL1 + DL2 event file.

    Parameters
    ----------
    inputs : list of path-like
        Event files; empty when the configured source needs none (``toy``).
    output : path-like
        The event file to write (atomically: it appears only when complete).
    config : `~cherenkit.config.Config`, optional
        Default: all defaults (tailcuts cleaning, neighbor-peak extraction,
        ``hillas`` reconstruction).
    config_text : str, optional
        The TOML text of ``config``, kept in the output as provenance.
    max_events : int, optional
        Array events to read per input.
    executor : {"serial", "processes", "dask"}
        How inputs are run: one after the other; in parallel local processes;
        on dask.distributed (a local cluster, or ``scheduler``).
    workers : int, optional
        Parallel workers for "processes" and a local dask cluster. Default: one
        per input, at most the number of CPUs.
    scheduler : str, optional
        Address of a running dask scheduler (``tcp://host:8786``); the workers
        must see the output's folder.
    on_error : {"stop", "skip"}
        On an input that cannot be read or processed: write nothing and raise
        ("stop"), or leave it out, write the others and report it ("skip").
    overwrite : bool
        Replace an existing output file.
    progress : bool
        Show progress bars (tqdm).

    Returns
    -------
    ProcessSummary

    Raises
    ------
    cherenkit.errors.DataFormatError
        With ``on_error="stop"``, for the first input that failed (by name); with
        "skip", when every input failed.
    cherenkit.errors.ParameterError
        For a bad option (unknown executor, existing output, ...).
    """
    from .config import Config

    config = config if config is not None else Config()
    output = Path(output)
    _check_options(executor, on_error, workers, output, overwrite)
    inputs = [str(path) for path in inputs]
    start = time.perf_counter()
    folder = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
    try:
        paths = inputs or [None]
        jobs = [
            _Job(
                path,
                str(folder / f"part-{i:05d}.h5"),
                max_events,
                progress and executor == "serial",
            )
            for i, path in enumerate(paths)
        ]
        summaries = _run_jobs(jobs, config, executor, workers, scheduler, on_error, progress)
        failed = [s for s in summaries if s.error is not None]
        if failed and (on_error == "stop" or len(failed) == len(summaries)):
            first = failed[0]
            others = f" ({len(failed) - 1} more inputs failed)" if len(failed) > 1 else ""
            raise DataFormatError(first.input, f"{first.error}{others}; nothing was written")
        parts = [job.part for job, s in zip(jobs, summaries, strict=True) if s.error is None]
        _merge(parts, output, config_text, overwrite)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return ProcessSummary(output=output, files=summaries, seconds=time.perf_counter() - start)


def _check_options(executor, on_error, workers, output, overwrite) -> None:
    if executor not in EXECUTORS:
        raise ParameterError(
            "process", "executor", f"expected one of {EXECUTORS}, got {executor!r}"
        )
    if on_error not in ("stop", "skip"):
        raise ParameterError("process", "on_error", f"expected 'stop' or 'skip', got {on_error!r}")
    if workers is not None and workers < 1:
        raise ParameterError("process", "workers", f"expected at least 1, got {workers}")
    if output.exists() and not overwrite:
        raise DataFormatError(output, "exists already; pass overwrite to replace it")
    if not output.parent.is_dir():
        raise DataFormatError(output, "its folder does not exist")


def _run_jobs(jobs, config, executor, workers, scheduler, on_error, progress) -> list:
    n_workers = workers or min(len(jobs), os.cpu_count() or 1)
    if executor == "serial" or (executor == "processes" and n_workers == 1):
        summaries = []
        for job in jobs:
            summaries.append(_run_job(job, config))
            if summaries[-1].error is not None and on_error == "stop":
                break
        return summaries + [
            FileSummary(input=str(j.path), error="not run") for j in jobs[len(summaries) :]
        ]
    if executor == "processes":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # fork where there is one: workers start with cherenkit imported (a spawned
        # worker spends ~2 s importing before its first event); the parent holds no
        # open files or threads at this point
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with ProcessPoolExecutor(max_workers=n_workers, mp_context=context) as pool:
            futures = [pool.submit(_run_job, job, config) for job in jobs]
            return _collect(futures, lambda f: f.result(), progress)
    return _run_dask(jobs, config, n_workers, scheduler, progress)


def _collect(futures, result, progress) -> list:
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(futures), unit=" inputs")
    summaries = []
    for future in futures:
        summaries.append(result(future))
        if progress:
            bar.update()
    if progress:
        bar.close()
    return summaries


def _run_dask(jobs, config, n_workers, scheduler, progress) -> list:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise ParameterError(
            "process",
            "executor",
            "'dask' needs dask.distributed: pip install 'dask[distributed]'",
        ) from None
    if scheduler is not None:
        client, cluster = Client(scheduler), None
    else:
        cluster = LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    try:
        futures = client.map(_run_job, jobs, config=config, pure=False)
        return _collect(futures, lambda f: f.result(), progress)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _merge(parts, output, config_text, overwrite) -> None:
    """Join the part files, in order, into ``output`` (atomically).

    The first part becomes the output: the rows of the others are appended to it
    as stored (`cherenkit.io.hdf5.append_tables`), then it is renamed into place.
    """
    import h5py

    from .io.hdf5 import append_tables, read_subarray

    subarray = read_subarray(parts[0])
    for part in parts[1:]:
        if read_subarray(part) != subarray:
            raise DataFormatError(
                part, "its telescopes differ from the first input's; process them apart"
            )
    with h5py.File(parts[0], "a") as handle:
        if config_text is not None:
            handle.require_group("configuration").attrs["config"] = config_text
        for part in parts[1:]:
            with h5py.File(part, "r") as other:
                append_tables(handle, other)
    if output.exists() and not overwrite:  # appeared while the jobs ran
        raise DataFormatError(output, "exists already; pass overwrite to replace it")
    os.replace(parts[0], output)
