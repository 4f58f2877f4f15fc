"""The plugin registry: finds plugins through entry points and looks them up by name.

Plugins are modules named by entry points in the group ``cherenkit`` (built-in and
third-party alike). They are loaded once, lazily, on the first lookup. A plugin that
fails to import, declares a foreign plugin API range, or returns a bad class is
recorded with its distribution and the original exception and does not affect the
others; asking for one of its names re-raises that error.

Examples
--------
>>> from cherenkit import registry
>>> registry.get("fit-statistic", "cash").name
'cash'
>>> "wstat" in registry.names("fit-statistic")
True
"""

from __future__ import annotations

import importlib
import re
import traceback
from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points

import attrs
import pluggy

from . import PLUGIN_API_VERSION, hookspecs
from .catalogue import Catalogue, load_catalogue
from .errors import (
    PluginAPIError,
    PluginConflictError,
    PluginError,
    PluginLoadError,
    PluginNotFoundError,
)

__all__ = [
    "KINDS",
    "Kind",
    "PluginInfo",
    "Registry",
    "create",
    "describe",
    "get",
    "get_registry",
    "names",
]

ENTRY_POINT_GROUP = "cherenkit"
_NAME_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@attrs.frozen
class Kind:
    """A plugin kind: its registration hook and the base class its classes extend."""

    key: str
    hook: str
    base: str
    """``"module:Class"`` of the base class (imported when plugins are loaded)."""

    def base_class(self) -> type:
        module, _, name = self.base.partition(":")
        return getattr(importlib.import_module(module), name)


KINDS: dict[str, Kind] = {
    kind.key: kind
    for kind in (
        Kind("event-source", "cherenkit_register_event_sources", "cherenkit.events:EventSource"),
        Kind(
            "charge-extractor",
            "cherenkit_register_charge_extractors",
            "cherenkit.calib:ChargeExtractor",
        ),
        Kind("cleaner", "cherenkit_register_cleaners", "cherenkit.image:ImageCleaner"),
        Kind("reconstructor", "cherenkit_register_reconstructors", "cherenkit.reco:Reconstructor"),
        Kind(
            "background-maker",
            "cherenkit_register_background_makers",
            "cherenkit.makers:BackgroundMaker",
        ),
        Kind(
            "safe-mask", "cherenkit_register_safe_mask_methods", "cherenkit.makers:SafeMaskMethod"
        ),
        Kind(
            "fit-statistic",
            "cherenkit_register_fit_statistics",
            "cherenkit.modeling:FitStatistic",
        ),
    )
}
"""Every plugin kind, in pipeline order."""


@attrs.frozen
class PluginInfo:
    """One class declared by an installed plugin."""

    kind: str
    name: str
    cls: type
    distribution: str
    version: str
    entry_point: str

    def describe(self, catalogue: Catalogue | None = None) -> dict:
        """Kind, name, distribution, version, status, summary and parameters."""
        from .component import describe_parameters

        entry = catalogue.get(self.kind, self.name) if catalogue else None
        return {
            "kind": self.kind,
            "name": self.name,
            "installed": True,
            "distribution": self.distribution,
            "version": self.version,
            "status": entry.status if entry else "third-party",
            "summary": self.cls.summary(),
            "class": f"{self.cls.__module__}.{self.cls.__qualname__}",
            "parameters": describe_parameters(self.cls),
        }


def _normalise(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


class Registry:
    """Installed plugins by kind and name.

    Parameters
    ----------
    entry_points : iterable of `importlib.metadata.EntryPoint`, optional
        The entry points to load. Default is every entry point in the group
        ``cherenkit`` of the installed distributions.
    catalogue : `~cherenkit.catalogue.Catalogue`, optional
        Known plugins, installed or not. Default is the bundled ``registry.toml``.
    """

    def __init__(self, entry_points: Iterable[EntryPoint] | None = None, catalogue=None):
        self._entry_points = None if entry_points is None else list(entry_points)
        self._catalogue = catalogue
        self._plugins: dict[str, dict[str, PluginInfo]] | None = None
        self._conflicts: dict[tuple[str, str], PluginConflictError] = {}
        self._failures: list[PluginLoadError] = []

    # --- queries ---------------------------------------------------------------

    def get(self, kind: str, name: str) -> type:
        """The class of the plugin ``name`` of ``kind``.

        Raises
        ------
        PluginNotFoundError
            No installed plugin of that kind has that name (lists the installed ones
            and suggests the closest).
        PluginConflictError
            Two distributions declare that name.
        PluginLoadError
            The distribution that provides the name failed to load.
        """
        return self.info(kind, name).cls

    def info(self, kind: str, name: str) -> PluginInfo:
        """Like `get`, with the distribution and version of the plugin."""
        plugins = self._by_kind(kind)
        if (kind, name) in self._conflicts:
            raise self._conflicts[kind, name]
        if name in plugins:
            return plugins[name]
        entry = self.catalogue.get(kind, name)
        if entry is not None:
            for failure in self._failures:
                if _normalise(failure.distribution.split()[0]) == entry.distribution:
                    raise failure
        raise PluginNotFoundError(
            kind,
            name,
            {n: p.distribution for n, p in plugins.items()},
            catalogued=entry.distribution if entry else None,
            planned=entry.planned if entry else False,
            broken=[f.entry_point for f in self._failures],
        )

    def names(self, kind: str) -> list[str]:
        """Sorted names of the installed plugins of ``kind``."""
        return sorted(self._by_kind(kind))

    def plugins(self, kind: str | None = None) -> list[PluginInfo]:
        """Installed plugins of one kind, or of every kind in pipeline order."""
        kinds = [kind] if kind is not None else list(KINDS)
        return [info for k in kinds for _, info in sorted(self._by_kind(k).items())]

    def create(self, kind: str, name: str, **parameters):
        """Instantiate the plugin ``name`` of ``kind`` with keyword parameters.

        Unknown parameter names raise `cherenkit.errors.ConfigError` listing the
        valid ones; bad values raise `cherenkit.errors.ParameterError`.
        """
        from .config import build_component

        return build_component(self.get(kind, name), parameters)

    @property
    def failures(self) -> list[PluginLoadError]:
        """Plugins that could not be loaded, with their original exceptions."""
        self._load()
        return list(self._failures)

    @property
    def conflicts(self) -> list[PluginConflictError]:
        """Names declared by two distributions."""
        self._load()
        return list(self._conflicts.values())

    @property
    def catalogue(self) -> Catalogue:
        """Known plugins from ``registry.toml``, installed or not."""
        if self._catalogue is None:
            self._catalogue = load_catalogue()
        return self._catalogue

    def describe(self) -> dict:
        """Everything installed, what failed, and what is catalogued but not installed.

        Returns
        -------
        dict
            ``plugins`` (list of dicts, see `PluginInfo.describe`; catalogued
            plugins that are not installed have ``installed`` false), ``failures``
            and ``conflicts`` (lists of messages with their distributions).
        """
        described = [info.describe(self.catalogue) for info in self.plugins()]
        installed = {(d["kind"], d["name"]) for d in described}
        for entry in self.catalogue.entries:
            if (entry.kind, entry.name) not in installed:
                described.append(entry.describe())
        order = list(KINDS)
        described.sort(key=lambda d: (order.index(d["kind"]), not d["installed"], d["name"]))
        return {
            "plugin_api": PLUGIN_API_VERSION,
            "plugins": described,
            "failures": [
                {
                    "entry_point": f.entry_point,
                    "distribution": f.distribution,
                    "error": str(f),
                    "traceback": f.traceback,
                }
                for f in self._failures
            ],
            "conflicts": [
                {"kind": c.kind, "name": c.name, "distributions": list(c.distributions)}
                for c in self._conflicts.values()
            ],
        }

    # --- loading ---------------------------------------------------------------

    def _by_kind(self, kind: str) -> dict[str, PluginInfo]:
        if kind not in KINDS:
            from .errors import closest

            hint = closest(kind, KINDS)
            raise PluginError(
                f"No plugin kind {kind!r}. Kinds: {', '.join(map(repr, KINDS))}."
                + (f" Did you mean {hint!r}?" if hint else "")
            )
        self._load()
        return self._plugins[kind]

    def _load(self) -> None:
        if self._plugins is not None:
            return
        self._plugins = {kind: {} for kind in KINDS}
        manager = pluggy.PluginManager(ENTRY_POINT_GROUP)
        manager.add_hookspecs(hookspecs)
        eps = self._entry_points
        if eps is None:
            eps = entry_points(group=ENTRY_POINT_GROUP)
        seen = set()
        for ep in eps:
            dist = getattr(ep, "dist", None)
            dist_name = _normalise(dist.name) if dist is not None else "unknown distribution"
            dist_version = dist.version if dist is not None else "?"
            if (dist_name, ep.name, ep.value) in seen:
                continue  # the same distribution found twice on sys.path
            seen.add((dist_name, ep.name, ep.value))
            try:
                self._load_entry_point(manager, ep, dist_name, dist_version)
            except PluginLoadError as failure:
                self._failures.append(failure)
            except Exception as err:
                self._failures.append(
                    PluginLoadError(
                        f"{ep.name} = {ep.value}",
                        f"{dist_name} {dist_version}",
                        err,
                        traceback.format_exc(),
                    )
                )

    def _load_entry_point(self, manager, ep, dist_name, dist_version):
        label = f"{ep.name} = {ep.value}"
        distribution = f"{dist_name} {dist_version}"
        module = ep.load()
        required = getattr(module, "cherenkit_api", "")
        if not required or not _api_compatible(required):
            raise PluginAPIError(
                label, distribution, required=required, provided=PLUGIN_API_VERSION
            )
        manager.register(module, name=label)
        try:
            manager.check_pending()
        except pluggy.PluginValidationError as err:
            manager.unregister(module)
            raise PluginLoadError(label, distribution, err) from None
        declared = []
        for kind in KINDS.values():
            for impl in getattr(manager.hook, kind.hook).get_hookimpls():
                if impl.plugin is module:
                    classes = impl.function()
                    declared.extend((kind, cls) for cls in classes or ())
        for kind, cls in declared:
            _check_class(kind, cls, label, distribution)
        for kind, cls in declared:
            info = PluginInfo(kind.key, cls.name, cls, dist_name, dist_version, label)
            previous = self._plugins[kind.key].get(cls.name)
            if previous is not None and previous.cls is not cls:
                self._conflicts[kind.key, cls.name] = PluginConflictError(
                    kind.key,
                    cls.name,
                    (
                        f"{previous.distribution} {previous.version}",
                        f"{dist_name} {dist_version}",
                    ),
                )
            self._plugins[kind.key][cls.name] = info


def _api_compatible(required: str) -> bool:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(required).contains(PLUGIN_API_VERSION)
    except InvalidSpecifier:
        return False


def _check_class(kind: Kind, cls, label: str, distribution: str) -> None:
    """Raise PluginLoadError when a declared class breaks the contract of its kind."""
    base = kind.base_class()
    problem = None
    if not isinstance(cls, type) or not issubclass(cls, base):
        problem = f"{kind.hook} returned {cls!r}, which is not a subclass of {base.__name__}"
    elif not isinstance(getattr(cls, "name", None), str) or not _NAME_PATTERN.match(cls.name):
        problem = (
            f"{cls.__qualname__}.name must be a kebab-case string such as 'my-method', "
            f"got {getattr(cls, 'name', None)!r}"
        )
    elif not attrs.has(cls):
        problem = f"{cls.__qualname__} is not an attrs class (decorate it with @attrs.frozen)"
    if problem:
        raise PluginLoadError(label, distribution, TypeError(problem))


_registry: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry of installed plugins (loaded on first use)."""
    global _registry
    if _registry is None:
        _registry = Registry()
    return _registry


def get(kind: str, name: str) -> type:
    """The plugin class ``name`` of ``kind``; see `Registry.get`."""
    return get_registry().get(kind, name)


def names(kind: str) -> list[str]:
    """Sorted names of the installed plugins of ``kind``."""
    return get_registry().names(kind)


def create(kind: str, name: str, **parameters):
    """Instantiate a plugin by kind and name; see `Registry.create`."""
    return get_registry().create(kind, name, **parameters)


def describe() -> dict:
    """Everything installed and catalogued; see `Registry.describe`."""
    return get_registry().describe()
