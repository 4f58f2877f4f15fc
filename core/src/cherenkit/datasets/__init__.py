"""Reduced datasets: binned counts with the exposure, background and IRF maps that
predict them (`MapDataset`, `SpectrumDataset`, their On/Off variants) and the
`Datasets` collection.

The API follows gammapy's ``gammapy.datasets``. Everything is loaded on first
access, so importing this package loads neither astropy nor regions.
"""

from .._lazy import lazy_exports

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


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


__all__ = [*_LAZY]
