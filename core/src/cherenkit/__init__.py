"""cherenkit: IACT analysis from camera events to spectra and sky maps.

The core holds the data model, the plugin registry (`cherenkit.registry`), the
configuration (`cherenkit.config`) and the ``cherenkit`` command. Algorithms come
from plugins found through entry points; see `cherenkit.hookspecs`.
"""

import os
from importlib.metadata import PackageNotFoundError, version

import pluggy

try:
    __version__ = version("cherenkit-core")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

PLUGIN_API_VERSION = "1.0"
"""Version of the plugin contract in `cherenkit.hookspecs`; plugins declare a range."""

NUMBA_CACHE = not os.environ.get("CHERENKIT_DISABLE_NUMBA_CACHE")
"""Whether numba kernels cache their machine code on disk (``cache=NUMBA_CACHE``).

Set the environment variable ``CHERENKIT_DISABLE_NUMBA_CACHE=1`` to compile afresh
in every process (e.g. on read-only installs or when debugging a kernel).
"""

hookimpl = pluggy.HookimplMarker("cherenkit")
"""Marker for the functions of a plugin module that implement a hook."""

__all__ = ["NUMBA_CACHE", "PLUGIN_API_VERSION", "__version__", "hookimpl"]
