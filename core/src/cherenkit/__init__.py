"""cherenkit: IACT analysis from camera events to spectra and sky maps.

The core holds the data model, the plugin registry (`cherenkit.registry`), the
configuration (`cherenkit.config`) and the ``cherenkit`` command. Algorithms come
from plugins found through entry points; see `cherenkit.hookspecs`.
"""

from importlib.metadata import PackageNotFoundError, version

import pluggy

try:
    __version__ = version("cherenkit-core")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

PLUGIN_API_VERSION = "1.0"
"""Version of the plugin contract in `cherenkit.hookspecs`; plugins declare a range."""

hookimpl = pluggy.HookimplMarker("cherenkit")
"""Marker for the functions of a plugin module that implement a hook."""

__all__ = ["PLUGIN_API_VERSION", "__version__", "hookimpl"]
