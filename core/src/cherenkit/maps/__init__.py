"""Maps: axes, sky geometries (`WcsGeom`, `RegionGeom`) and maps (`Map`, `WcsNDMap`,
`RegionNDMap`), with a gammapy-familiar API and FITS layout.

Everything is loaded on first access, so importing this package loads neither
astropy.wcs, astropy.io.fits nor regions.
"""

from .._lazy import lazy_exports

_LAZY = {
    "MapAxis": "axes",
    "MapCoord": "coord",
    "WcsGeom": "wcs",
    "RegionGeom": "region",
    "Map": "core",
    "WcsNDMap": "core",
    "RegionNDMap": "core",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


__all__ = [*_LAZY]
