"""Makers: from observations to reduced datasets.

`MapDatasetMaker` / `SpectrumDatasetMaker` fill a dataset from one observation,
`SafeMaskMaker` sets its safe mask with safe-mask plugins chosen by name,
`DatasetsMaker` runs a chain of makers over many observations (serially, in
processes or with dask) and stacks the results as they come. `BackgroundMaker`
and `SafeMaskMethod` are the base classes of the two plugin kinds.

The makers are loaded on first access.
"""

import importlib

from .background import BackgroundMaker
from .safe_mask import SafeMaskMethod

_LAZY = {
    "MapDatasetMaker": "map",
    "SpectrumDatasetMaker": "spectrum",
    "SafeMaskMaker": "safe_mask",
    "DatasetsMaker": "reduce",
}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted([*globals(), *_LAZY])


__all__ = ["BackgroundMaker", "SafeMaskMethod", *_LAZY]
