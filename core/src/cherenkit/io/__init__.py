"""Reading and writing files: DL1/DL2 HDF5, GADF FITS helpers, atomic writes."""

from .atomic import atomic_path, atomic_write_text
from .table_loader import TableLoader

__all__ = ["TableLoader", "atomic_path", "atomic_write_text"]
