"""The catalogue of known plugins, ``registry.toml``, installed or not.

The catalogue lists every plugin the project knows of: the built-in ones (some
still planned), the contrib ones in this repository, and third-party packages.
``cherenkit plugins list`` shows the catalogued plugins that are not installed, and
an unknown name that the catalogue knows gets an install hint.
"""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

import attrs

from .errors import ConfigError

__all__ = ["CATALOGUE_PATH", "Catalogue", "CatalogueEntry", "load_catalogue"]

CATALOGUE_PATH = Path(str(files("cherenkit") / "registry.toml"))
"""The bundled catalogue (the repository's ``registry.toml``)."""

STATUSES = ("builtin", "contrib", "third-party")


@attrs.frozen
class CatalogueEntry:
    """One catalogued plugin.

    Attributes
    ----------
    kind, name : str
        Plugin kind and name.
    distribution : str
        The distribution that provides it.
    status : {"builtin", "contrib", "third-party"}
        Shipped with ``cherenkit``, in this repository's ``contrib/``, or elsewhere.
    summary : str
        One line.
    planned : bool
        Not released yet.
    """

    kind: str
    name: str
    distribution: str
    status: str
    summary: str
    planned: bool = False

    def describe(self) -> dict:
        """The fields `Registry.describe` gives for a plugin that is not installed."""
        return {
            "kind": self.kind,
            "name": self.name,
            "installed": False,
            "distribution": self.distribution,
            "version": None,
            "status": self.status + (" (planned)" if self.planned else ""),
            "summary": self.summary,
            "parameters": [],
        }


@attrs.frozen
class Catalogue:
    """The entries of a ``registry.toml``."""

    entries: tuple[CatalogueEntry, ...]

    def get(self, kind: str, name: str) -> CatalogueEntry | None:
        """The entry for ``(kind, name)``, or None."""
        for entry in self.entries:
            if entry.kind == kind and entry.name == name:
                return entry
        return None


def load_catalogue(path=None) -> Catalogue:
    """Read a catalogue file.

    The file has one table per kind and one sub-table per plugin name::

        [fit-statistic.cash]
        distribution = "cherenkit-stats"
        status = "builtin"
        summary = "Cash statistic for Poisson counts with a known model."

    Parameters
    ----------
    path : path-like, optional
        Default is the bundled ``registry.toml``.

    Raises
    ------
    ConfigError
        When the file is not valid TOML or an entry lacks a field.
    """
    from .registry import KINDS

    path = Path(path) if path is not None else CATALOGUE_PATH
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return Catalogue(entries=())
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"not valid TOML: {err}", file=path) from None
    entries = []
    for kind, plugins in data.items():
        if kind not in KINDS:
            raise ConfigError(
                f"unknown plugin kind; kinds: {', '.join(KINDS)}", file=path, table=kind
            )
        for name, fields in plugins.items():
            table = f"{kind}.{name}"
            unknown = set(fields) - {"distribution", "status", "summary", "planned"}
            missing = {"distribution", "status", "summary"} - set(fields)
            if unknown or missing:
                problem = (
                    f"unknown keys {sorted(unknown)}" if unknown else f"missing {sorted(missing)}"
                )
                raise ConfigError(problem, file=path, table=table)
            if fields["status"] not in STATUSES:
                raise ConfigError(
                    f"status must be one of {', '.join(STATUSES)}",
                    file=path,
                    table=table,
                    key="status",
                )
            entries.append(CatalogueEntry(kind=kind, name=name, **fields))
    return Catalogue(entries=tuple(entries))
