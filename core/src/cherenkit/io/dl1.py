"""DL1 files: image parameters (and optionally images) of every telescope event.

`write_dl1` streams an event source through calibration and image processing into
an HDF5 event file (layout in ``docs/event-file-format.md``); `read_dl1_parameters`
reads one telescope type back, joined with the trigger table and the simulated truth.
"""

from __future__ import annotations

from .hdf5 import EventFileWriter, read_table, table_names
from .layout import PARAMETERS, SHOWER, TRIGGER

__all__ = ["read_dl1_parameters", "write_dl1"]


def write_dl1(
    path,
    source,
    calibrator,
    processor,
    *,
    write_images: bool = False,
    batch_size: int = 100,
    config_text: str | None = None,
    overwrite: bool = False,
    progress: bool = False,
) -> dict:
    """Calibrate, clean and parametrise every event of ``source`` into a DL1 file.

    Parameters
    ----------
    path : path-like
        The output file; written atomically.
    source : `~cherenkit.events.EventSource`
    calibrator : `~cherenkit.calib.CameraCalibrator`
    processor : `~cherenkit.image.ImageProcessor`
    write_images : bool
        Also store image, peak_time and image_mask per telescope event.
    batch_size : int
        Array events per batch.
    config_text : str, optional
        The TOML configuration, kept in the file as provenance.
    overwrite : bool
        Replace an existing file.
    progress : bool
        Show a progress bar (tqdm).

    Returns
    -------
    dict
        ``n_events`` (array events) and ``n_telescope_events`` written.
    """
    from ..processing import process_batch, write_batch

    counts = {"n_events": 0, "n_telescope_events": 0}
    batches = source.iter_batches(batch_size)
    if progress:
        from tqdm.auto import tqdm

        batches = tqdm(batches, unit="batch", desc=f"DL1 {getattr(source, 'path', '')}")
    with EventFileWriter(path, data_level="DL1", overwrite=overwrite) as writer:
        writer.write_subarray(source.subarray)
        if config_text is not None:
            writer.write_config(config_text)
        for batch in batches:
            dl1, _ = process_batch(batch, calibrator, processor)
            write_batch(writer, batch, dl1, {}, write_images=write_images)
            counts["n_telescope_events"] += sum(len(t) for t in batch.telescopes.values())
            counts["n_events"] += batch.n_events
    return counts


def read_dl1_parameters(path, telescope_type: str | None = None, *, columns=None):
    """Image parameters of one telescope type, joined with trigger and truth.

    Parameters
    ----------
    path : path-like
        A DL1 file from `write_dl1`.
    telescope_type : str, optional
        E.g. ``"LST_LST_LSTCam"``; may be omitted when the file holds one type.
    columns : list of str, optional
        Parameter columns to read (``obs_id, event_id, tel_id`` are always read).

    Returns
    -------
    `~astropy.table.QTable`
        One row per telescope event, with the trigger columns and, for
        simulations, the ``true_*`` columns of its array event.

    Raises
    ------
    cherenkit.errors.DataFormatError
        When the type is not in the file (the message lists the types it has).
    """
    from astropy.table import join

    from ..errors import DataFormatError

    types = [n.rsplit("/", 1)[1] for n in table_names(path) if n.startswith(PARAMETERS + "/")]
    if telescope_type is None:
        if len(types) != 1:
            raise DataFormatError(
                path, f"holds telescope types {types}; choose one with telescope_type="
            )
        telescope_type = types[0]
    if telescope_type not in types:
        raise DataFormatError(path, f"has no telescope type {telescope_type!r}; it has {types}")
    keys = None if columns is None else ["obs_id", "event_id", "tel_id", *columns]
    table = read_table(path, f"{PARAMETERS}/{telescope_type}", columns=keys)
    table = join(table, read_table(path, TRIGGER), keys=["obs_id", "event_id"], join_type="left")
    if SHOWER in table_names(path):
        table = join(table, read_table(path, SHOWER), keys=["obs_id", "event_id"], join_type="left")
    return table
