"""Reduced datasets: binned counts with the exposure, background and IRF maps that
predict them (`MapDataset`, `SpectrumDataset`, their On/Off variants) and the
`Datasets` collection.

The API follows gammapy's ``gammapy.datasets``. Everything is loaded on first
access, so importing this package loads neither astropy nor regions.
"""

import importlib

_LAZY = {
    "MapDataset": "map",
    "MapDatasetOnOff": "map",
    "SpectrumDataset": "spectrum",
    "SpectrumDatasetOnOff": "spectrum",
    "Datasets": "collection",
    "PSFMap": "irf_maps",
    "EDispKernelMap": "irf_maps",
    "create_map_dataset_geoms": "map",
    "BINSZ_IRF_DEFAULT": "map",
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


__all__ = [*_LAZY]
