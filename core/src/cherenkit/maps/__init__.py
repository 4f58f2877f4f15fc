"""Map geometry: axes (and, later, WCS and region geometries and maps).

`MapAxis` is loaded on first access, so importing this package loads nothing
heavy.
"""

import importlib

_LAZY = {
    "MapAxis": "axes",
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
