"""Makers: from observations to reduced datasets.

`MapDatasetMaker` / `SpectrumDatasetMaker` fill a dataset from one observation,
`SafeMaskMaker` sets its safe mask with safe-mask plugins chosen by name,
`DatasetsMaker` runs a chain of makers over many observations (serially, in
processes or with dask) and stacks the results as they come. `BackgroundMaker`
and `SafeMaskMethod` are the base classes of the two plugin kinds.

The makers are loaded on first access.
"""

from .._lazy import lazy_exports
from .background import BackgroundMaker
from .safe_mask import SafeMaskMethod

_LAZY = {
    "MapDatasetMaker": "map",
    "SpectrumDatasetMaker": "spectrum",
    "SafeMaskMaker": "safe_mask",
    "DatasetsMaker": "reduce",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


__all__ = ["BackgroundMaker", "SafeMaskMethod", *_LAZY]
