"""Maps: axes, sky geometries (`WcsGeom`, `RegionGeom`) and maps (`Map`, `WcsNDMap`,
`RegionNDMap`), with a gammapy-familiar API and FITS layout.

Everything is loaded on first access, so importing this package loads neither
astropy.wcs, astropy.io.fits nor regions.
"""

import importlib

_LAZY = {
    "MapAxis": "axes",
    "MapCoord": "coord",
    "WcsGeom": "wcs",
    "RegionGeom": "region",
    "Map": "core",
    "WcsNDMap": "core",
    "RegionNDMap": "core",
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
