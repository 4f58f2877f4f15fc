"""DL3 data access: data stores, observations, event lists and good time intervals.

`DataStore` opens a directory (or file) of GADF index tables
(`HDUIndexTable`, `ObservationTable`) and hands out `Observation` objects,
alone or as `Observations`; each reads its `EventList`, `GTI` and IRFs (through
`cherenkit.irf.load_irf`) on first use and caches them. The API follows
gammapy's ``gammapy.data``.

Everything is loaded on first access, so importing this package loads neither
astropy.io.fits, astropy.table nor regions.

References
----------
.. [GADF] Deil, C. et al., "Data formats for gamma-ray astronomy",
   https://gamma-astro-data-formats.readthedocs.io, section "Data storage".
"""

from .._lazy import lazy_exports

_LAZY = {
    "DataStore": "data_store",
    "REQUIRED_IRFS": "data_store",
    "ObservationTable": "obs_table",
    "HDUIndexTable": "hdu_index",
    "HDULocation": "hdu_index",
    "Observation": "observation",
    "Observations": "_observations",
    "EventList": "event_list",
    "GTI": "gti",
    "get_irfs_features": "clustering",
    "standard_scaler": "clustering",
    "hierarchical_clustering": "clustering",
    "labels_by_median": "clustering",
    "group_by_median": "clustering",
    "pointing_zenith": "clustering",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


__all__ = [*_LAZY]
