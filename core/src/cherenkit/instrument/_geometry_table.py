"""CameraGeometry to and from an astropy Table (the layout ctapipe writes, plus FRAME)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import astropy.units as u
import numpy as np

from ..errors import DataFormatError

if TYPE_CHECKING:
    from astropy.table import Table

    from .geometry import CameraGeometry

__all__ = [
    "READABLE_TABLE_VERSIONS",
    "TABLE_VERSION",
    "geometry_fields_from_table",
    "geometry_to_table",
]

TABLE_VERSION = "2.0"
READABLE_TABLE_VERSIONS = ("1", "1.0", "1.1", "2.0")
_COLUMNS = ("pix_id", "pix_x", "pix_y", "pix_area")


def geometry_to_table(geometry: CameraGeometry) -> Table:
    """The pixel table of ``geometry``, see `CameraGeometry.to_table`."""
    from astropy.table import Table  # imported on use: astropy.table is slow to import

    return Table(
        [np.array(geometry.pix_id)] + [getattr(geometry, c).copy() for c in _COLUMNS[1:]],
        names=list(_COLUMNS),
        meta={
            "TAB_TYPE": "cherenkit.instrument.CameraGeometry",
            "TAB_VER": TABLE_VERSION,
            "CAM_ID": geometry.name,
            "PIX_TYPE": geometry.pix_type,
            "PIX_ROT": float(geometry.pix_rotation.to_value(u.deg)),
            "CAM_ROT": float(geometry.cam_rotation.to_value(u.deg)),
            "FRAME": geometry.frame,
        },
    )


def geometry_fields_from_table(table, read_kwargs: dict[str, Any]) -> dict[str, Any]:
    """CameraGeometry keyword arguments from a table or a file holding one."""
    from astropy.table import Table

    source = "<table>"
    if not isinstance(table, Table):
        source = str(table)
        table = Table.read(table, **read_kwargs)
    meta = {str(key).upper(): value for key, value in table.meta.items()}
    version = str(meta.get("TAB_VER", ""))
    if version not in READABLE_TABLE_VERSIONS:
        raise DataFormatError(
            source,
            f"unsupported camera geometry table version {version!r}; "
            f"readable: {', '.join(READABLE_TABLE_VERSIONS)}",
        )
    missing = [c for c in _COLUMNS if c not in table.colnames]
    missing += [] if "PIX_TYPE" in meta else ["meta PIX_TYPE"]
    if missing:
        raise DataFormatError(source, f"camera geometry table lacks {', '.join(missing)}")
    return dict(
        name=str(meta.get("CAM_ID", "Unknown")),
        pix_id=np.asarray(table["pix_id"]),
        pix_x=table["pix_x"].quantity,
        pix_y=table["pix_y"].quantity,
        pix_area=table["pix_area"].quantity,
        pix_type=meta["PIX_TYPE"],
        pix_rotation=u.Quantity(float(meta.get("PIX_ROT", 0.0)), u.deg),
        cam_rotation=u.Quantity(float(meta.get("CAM_ROT", 0.0)), u.deg),
        frame=str(meta.get("FRAME", "camera")),
    )
