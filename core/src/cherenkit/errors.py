"""Typed exceptions raised by cherenkit.

Every exception carries its facts as attributes (the file, the plugin, the key, the
valid choices) so that callers can act on them, and a message that says what failed,
where, what was expected and what to do. The command line prints the message alone.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "CherenkitError",
    "ConfigError",
    "DataFormatError",
    "ParameterError",
    "PluginAPIError",
    "PluginConflictError",
    "PluginError",
    "PluginLoadError",
    "PluginNotFoundError",
    "StatisticInputError",
    "closest",
    "format_ids",
    "quoted_list",
]


def quoted_list(names: Iterable[str]) -> str:
    """``'a', 'b', 'c'`` for the names in sorted order, or ``none`` when empty."""
    names = sorted(names)
    return ", ".join(f"{n!r}" for n in names) if names else "none"


def closest(name: str, choices: Iterable[str]) -> str | None:
    """The choice most similar to ``name``, or None when nothing is close."""
    matches = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def format_ids(ids: Iterable[int]) -> str:
    """Compact sorted listing of integer ids: ``1-4, 7, 9-12``."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return "none"
    parts, start, prev = [], ids[0], ids[0]
    for i in [*ids[1:], None]:
        if i is not None and i == prev + 1:
            prev = i
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if i is not None:
            start = prev = i
    return ", ".join(parts)


class CherenkitError(Exception):
    """Base class of every error cherenkit raises on purpose."""


class ParameterError(CherenkitError, ValueError):
    """A component parameter has a wrong type, unit or value.

    Attributes
    ----------
    owner : str
        The class the parameter belongs to, e.g. ``"CashStatistic"``.
    key : str
        The parameter name.
    problem : str
        What is wrong and what was expected.
    """

    def __init__(self, owner: str, key: str, problem: str):
        self.owner, self.key, self.problem = owner, key, problem
        super().__init__(f"{owner}.{key}: {problem}")


class ConfigError(CherenkitError, ValueError):
    """A configuration file or dictionary is invalid.

    Attributes
    ----------
    problem : str
        What is wrong, with the valid alternatives.
    file : str or None
        The configuration file, when the config came from one.
    table : str or None
        The dotted TOML table, e.g. ``"process.cleaner"``.
    key : str or None
        The key inside the table.
    """

    def __init__(self, problem: str, *, file=None, table=None, key=None):
        self.problem, self.table, self.key = problem, table, key
        self.file = str(file) if file is not None else None
        where = []
        if file is not None:
            where.append(str(file))
        if table:  # a TOML table, or the class whose keyword argument is wrong
            where.append(f"[{table}]" if file is not None else table)
        if key is not None:
            where.append(f"key {key!r}")
        super().__init__(f"{', '.join(where)}: {problem}" if where else problem)


class DataFormatError(CherenkitError, ValueError):
    """A data file is corrupt, truncated, foreign or lacks what is needed.

    Attributes
    ----------
    file : str
        The file.
    problem : str
        What is wrong.
    """

    def __init__(self, file, problem: str):
        self.file, self.problem = str(file), problem
        super().__init__(f"{file}: {problem}")


class PluginError(CherenkitError):
    """Base class of the plugin registry errors."""


class PluginNotFoundError(PluginError, LookupError):
    """No installed plugin of a kind has the requested name.

    Attributes
    ----------
    kind, name : str
        What was asked for.
    installed : dict of str to str
        Installed names of this kind and the distribution of each.
    suggestion : str or None
        The closest installed name.
    catalogued : str or None
        The distribution that ``registry.toml`` says provides the name, if any.
    planned : bool
        Whether that catalogued plugin is not released yet.
    """

    def __init__(self, kind, name, installed, *, catalogued=None, planned=False, broken=None):
        self.kind, self.name, self.installed = kind, name, dict(installed)
        # a catalogued name is not a typo: suggesting an installed one would mislead
        self.suggestion = None if catalogued else closest(name, self.installed)
        self.catalogued, self.planned = catalogued, planned
        by_dist: dict[str, list[str]] = {}
        for plugin_name, dist in self.installed.items():
            by_dist.setdefault(dist, []).append(plugin_name)
        listing = "; ".join(f"{quoted_list(ns)} (from {d})" for d, ns in sorted(by_dist.items()))
        message = f"No {kind} named {name!r}. Installed: {listing or 'none'}."
        if self.suggestion:
            message += f" Did you mean {self.suggestion!r}?"
        if catalogued and planned:
            message += (
                f" {name!r} is catalogued in registry.toml as part of {catalogued}, "
                "which is planned but not released yet."
            )
        elif catalogued:
            message += (
                f" {name!r} is catalogued in registry.toml as part of {catalogued}, "
                f"which is not installed: pip install {catalogued}"
            )
        if broken:
            message += (
                f" Plugins that failed to load: {quoted_list(broken)} "
                "(see `cherenkit plugins list`)."
            )
        super().__init__(message)


class PluginConflictError(PluginError):
    """Two installed plugins declare the same name for one kind.

    Attributes
    ----------
    kind, name : str
        The contested kind and name.
    distributions : tuple of str
        The distributions that both declare it.
    """

    def __init__(self, kind, name, distributions):
        self.kind, self.name, self.distributions = kind, name, tuple(sorted(distributions))
        first, second = self.distributions
        super().__init__(
            f"Two plugins declare a {kind} named {name!r}: {first} and {second}. "
            f"Uninstall one of them, or ask its authors to rename it."
        )


class PluginLoadError(PluginError):
    """A plugin's entry point could not be loaded or called.

    Attributes
    ----------
    entry_point : str
        The entry point, ``"name = module"``.
    distribution : str
        The distribution that declares it, with its version.
    original : BaseException
        The exception raised while loading.
    traceback : str
        The formatted traceback of ``original``.
    """

    def __init__(self, entry_point, distribution, original, traceback=""):
        self.entry_point, self.distribution = entry_point, distribution
        self.original, self.traceback = original, traceback
        super().__init__(
            f"Plugin {entry_point!r} from {distribution} failed to load: "
            f"{type(original).__name__}: {original}"
        )


class PluginAPIError(PluginLoadError):
    """A plugin was built for a plugin API range that excludes this core.

    Attributes
    ----------
    required : str
        The range the plugin declares in ``cherenkit_api``, or ``""`` when missing.
    provided : str
        The plugin API version of this core.
    """

    def __init__(self, entry_point, distribution, *, required, provided):
        self.required, self.provided = required, provided
        if required:
            problem = (
                f"it was built for cherenkit plugin API {required}, "
                f"but this cherenkit-core provides API {provided}"
            )
        else:
            problem = (
                "its module declares no `cherenkit_api` range "
                f'(e.g. cherenkit_api = ">={provided}"); this core provides API {provided}'
            )
        original = RuntimeError(problem)
        PluginError.__init__(
            self, f"Plugin {entry_point!r} from {distribution} cannot be used: {problem}."
        )
        self.entry_point, self.distribution = entry_point, distribution
        self.original, self.traceback = original, ""


class StatisticInputError(CherenkitError, ValueError):
    """The arrays given to a fit statistic are missing, misshapen or invalid.

    Attributes
    ----------
    statistic : str
        The statistic's plugin name.
    input : str
        The offending input (``"counts"``, ``"npred"``, ``"counts_off"``, ...).
    problem : str
        What is wrong.
    """

    def __init__(self, statistic, input, problem):
        self.statistic, self.input, self.problem = statistic, input, problem
        super().__init__(f"fit statistic {statistic!r}, input {input!r}: {problem}")
