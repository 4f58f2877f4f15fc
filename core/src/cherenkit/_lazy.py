"""Lazy exports: a package names what it offers, and imports it on first access.

Importing ``cherenkit`` (and listing plugins) stays fast because packages such as
`cherenkit.data` or `cherenkit.image` load astropy, scipy or numba only when one
of their names is used.
"""

from __future__ import annotations

import importlib
import sys


def lazy_exports(package: str, names: dict[str, str]):
    """``__getattr__`` and ``__dir__`` for ``package``, whose ``names`` live in submodules.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : dict of str to str
        Exported name → submodule (relative to the package) that defines it.

    Returns
    -------
    tuple of callables
        Assign them to the package's ``__getattr__`` and ``__dir__``.
    """
    namespace = sys.modules[package].__dict__

    def __getattr__(name):
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value  # later accesses skip this function
        return value

    def __dir__():
        return sorted([*namespace, *names])

    return __getattr__, __dir__
