"""Recognising sim_telarray files by their first bytes, and reading their history.

Nothing here raises on a bad file: the sniffing functions answer with a short text
that the event source puts into its error message.
"""

from __future__ import annotations

import zlib
from pathlib import Path

__all__ = ["EVENTIO_MARKERS", "has_true_images", "sniff"]

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
EVENTIO_MARKERS = (b"\x37\x8a\x1f\xd4", b"\xd4\x1f\x8a\x37")
"""The EventIO sync marker 0xD41F8A37, as written on little- and big-endian machines."""


_COMPRESSED_HEAD = 256 * 1024  # more than one zstd block or deflate block


def _decompressed_head(path: Path, compression: str, n_bytes: int) -> bytes:
    """The first ``n_bytes`` that the start of a compressed file decompresses to.

    Decompresses at most the first 256 KiB of the file, without complaining when
    the stream goes on (or is cut short) after that.
    """
    with path.open("rb") as stream:
        compressed = stream.read(_COMPRESSED_HEAD)
    if compression == "gzip":
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(compressed, n_bytes)
    import zstandard

    return zstandard.ZstdDecompressor().decompressobj().decompress(compressed)[:n_bytes]


def sniff(path) -> tuple[bool, str]:
    """Whether ``path`` is an EventIO file (plain, gzip or zstd), and what it is.

    Only the first bytes are read (and, for compressed files, decompressed).

    Parameters
    ----------
    path : path-like

    Returns
    -------
    ok : bool
        True when the (decompressed) content starts with the EventIO sync marker.
    what : str
        ``"eventio"``, ``"gzip-compressed eventio"``, ``"zstd-compressed eventio"``, or
        the reason it is not one (for error messages).
    """
    try:
        path = Path(path)
        if not path.is_file():
            return False, "not a file"
        with path.open("rb") as stream:
            head = stream.read(4)
        if not head:
            return False, "the file is empty"
        if len(head) < 4:
            return False, f"it is only {len(head)} bytes long"
        compression = None
        if head[:2] == GZIP_MAGIC:
            compression = "gzip"
        elif head == ZSTD_MAGIC:
            compression = "zstd"
        if compression is None:
            if head in EVENTIO_MARKERS:
                return True, "eventio"
            return False, "it does not start with the EventIO sync marker D41F8A37"
        try:
            head = _decompressed_head(path, compression, 4)
        except Exception as err:
            return False, f"it is {compression}-compressed but does not decompress ({err})"
        if len(head) < 4:
            return False, (
                f"it is {compression}-compressed, but its start does not decompress to "
                "anything: the file is truncated or corrupt"
            )
        if head in EVENTIO_MARKERS:
            return True, f"{compression}-compressed eventio"
        return False, (
            f"it is {compression}-compressed, but its content does not start with the "
            "EventIO sync marker D41F8A37"
        )
    except Exception as err:
        return False, f"it cannot be read ({type(err).__name__}: {err})"


def _config_value(line: str) -> int | None:
    """The integer after a ``KEY value`` or ``KEY=value`` configuration line."""
    parts = line.replace("=", " ").split()
    try:
        return int(parts[1])
    except (IndexError, ValueError):
        return None


def has_true_images(history) -> bool:
    """Whether sim_telarray was told to store true photo-electron images.

    Looks for ``SAVE_PHOTONS`` (bit 2) and ``STORE_PHOTOELECTRONS`` > 0 in the
    configuration history, globally or for any telescope. Files written by
    ``merge_simtel`` never carry them.

    Parameters
    ----------
    history : list of (int, bytes)
        ``SimTelFile.history``: (time stamp, line) pairs.

    Returns
    -------
    bool
    """
    lines = [line.decode("utf-8", "replace").strip() for _, line in history]
    if lines and "merge_simtel" in lines[0]:
        return False
    for line in lines:
        key = line.lower()
        if key.startswith("save_photons"):
            value = _config_value(line)
            if value is not None and value & 0b10:
                return True
        elif "store_photoelectrons" in key and not key.startswith("#"):
            value = _config_value(line[key.index("store_photoelectrons") :])
            if value is not None and value > 0:
                return True
    return False
