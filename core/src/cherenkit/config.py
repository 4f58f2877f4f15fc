"""Configuration: TOML files (or dicts, or keyword arguments) into typed attrs objects.

A config file has one table per stage. Algorithms are plugins chosen by ``name``;
the table's other keys are the chosen plugin's parameters, validated by its attrs
class (types, ranges, units written as ``"3 deg"``)::

    [process.cleaner]
    name = "tailcuts"
    picture_thresh = 10.0

    [process.cleaner.per_telescope_type.LST_LST_LSTCam]
    picture_thresh = 7.5

    [fit]
    statistic = "wstat"          # a bare name takes the plugin's defaults

Kinds that can run several instances side by side (cleaners, reconstructors,
safe-mask methods) also take labelled tables, each with its own settings::

    [process.cleaner.strict]
    name = "tailcuts"
    picture_thresh = 10.0

    [process.cleaner.loose]
    name = "tailcuts"
    picture_thresh = 5.0

Every error names the file, the table and the key, and lists what would be valid.
The same objects are built from Python keyword arguments, e.g.
``FitConfig(statistic="wstat")``, ``Config.from_dict({...})``, so config files and
scripts never diverge.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from .component import Component, parameter
from .errors import ConfigError, ParameterError, PluginError, closest, quoted_list
from .image.processor import ImageQualityCriteria

__all__ = [
    "Config",
    "DatasetsConfig",
    "FitConfig",
    "PluginSelection",
    "ProcessConfig",
    "build_component",
    "plugin_field",
    "select_plugin",
]


@attrs.frozen
class _Where:
    """Where a value came from, for error messages."""

    file: str | None
    table: str
    key: str | None = None

    def error(self, problem: str, key: Any = attrs.NOTHING) -> ConfigError:
        """The error at this place; ``key`` names a key inside this table."""
        if self.key is not None:  # a value that is not a table: the key is the place
            key = self.key
        return ConfigError(
            problem, file=self.file, table=self.table, key=None if key is attrs.NOTHING else key
        )

    def sub(self, key: str) -> _Where:
        """The table nested at ``key`` (``process`` → ``process.cleaner``)."""
        return _Where(self.file, f"{self.table}.{key}" if self.table else key)

    def at(self, key: str, value) -> _Where:
        """Where the value of ``key`` is: its own table when it is one, else the key."""
        if isinstance(value, Mapping):
            return self.sub(key)
        return _Where(self.file, self.table, key)


# --- plugin components -----------------------------------------------------------


def build_component(cls: type, parameters: Mapping[str, Any], *, where: _Where | None = None):
    """Instantiate a plugin class from a mapping of parameters, with clear errors.

    Parameters
    ----------
    cls : type
        An attrs plugin class.
    parameters : mapping
        Parameter names to values (TOML values, numbers, ``"3 deg"`` strings, quantities).
    where : optional
        Location in a config, used in error messages.

    Raises
    ------
    ConfigError
        For a parameter the class does not have (listing the valid ones) or a bad
        value (wrong type, missing or wrong unit, out of range).
    """
    where = where or _Where(None, cls.__name__)
    fields = {f.name for f in attrs.fields(cls) if f.init}
    for key in parameters:
        if key not in fields:
            hint = closest(key, fields)
            raise where.error(
                f"{cls.kind} {cls.name!r} has no parameter {key!r}. "
                f"Valid: {quoted_list(fields) if fields else 'none (it takes no parameters)'}."
                + (f" Did you mean {hint!r}?" if hint else ""),
                key,
            )
    try:
        return cls(**parameters)
    except ParameterError as err:
        raise where.error(err.problem, err.key) from None


@attrs.frozen
class PluginSelection:
    """A chosen plugin: one configured instance, and its per-telescope-type variants.

    Attributes
    ----------
    component : object
        The configured plugin instance (e.g. a ``TailcutsCleaner``).
    per_telescope_type : dict of str to object
        Instances with the overrides for telescope types such as ``LST_LST_LSTCam``.
    """

    component: Any
    per_telescope_type: dict = attrs.field(factory=dict)

    @property
    def name(self) -> str:
        """The plugin name."""
        return self.component.name

    def for_telescope_type(self, telescope_type: str):
        """The instance to use for ``telescope_type`` (the override, else the default)."""
        return self.per_telescope_type.get(telescope_type, self.component)


def select_plugin(kind, value, *, labelled=False, per_telescope_type=False, where=None):
    """Turn a user's choice of plugin into `PluginSelection` objects.

    Parameters
    ----------
    kind : str
        Plugin kind, e.g. ``"cleaner"``.
    value : str, mapping, plugin instance, `PluginSelection`, list or None
        A plugin name; a table ``{"name": ..., **parameters}`` (with an optional
        ``per_telescope_type`` sub-table); an instance; or, when ``labelled``, a
        mapping of labels to any of these, or a list of names.
    labelled : bool
        Whether several labelled instances are allowed.
    per_telescope_type : bool
        Whether per-telescope-type overrides are allowed.

    Returns
    -------
    PluginSelection, dict of str to PluginSelection, or None
        A dict (label → selection, in the given order) when ``labelled``.
    """
    where = where or _Where(None, kind)
    if value is None:
        return None
    if labelled and _is_labelled_table(value):
        return {
            label: _select_one(kind, choice, per_telescope_type, where.sub(label))
            for label, choice in value.items()
        }
    if labelled:
        choices = value if isinstance(value, list | tuple) else [value]
        labels = [_label(c) for c in choices]
        twice = sorted({label for label in labels if labels.count(label) > 1})
        if twice:
            raise where.error(
                f"{quoted_list(twice)} given twice; to run one {kind} with two settings, "
                "give each its own labelled table"
            )
        return {
            label: _select_one(kind, c, per_telescope_type, where)
            for label, c in zip(labels, choices, strict=True)
        }
    if _is_labelled_table(value):
        raise where.error(f'expected one {kind}: a name, or a table with name = "..."')
    return _select_one(kind, value, per_telescope_type, where)


def _is_labelled_table(value) -> bool:
    return (
        isinstance(value, Mapping)
        and "name" not in value
        and len(value) > 0
        and all(isinstance(v, Mapping | PluginSelection | Component) for v in value.values())
    )


def _label(choice) -> str:
    if isinstance(choice, str):
        return choice
    if isinstance(choice, Mapping):
        return str(choice.get("name"))
    if isinstance(choice, PluginSelection):
        return choice.name
    return getattr(choice, "name", repr(choice))


def _select_one(kind, value, per_telescope_type, table):
    from . import registry

    if isinstance(value, PluginSelection):
        return value
    if isinstance(value, str):
        value = {"name": value}
    elif not isinstance(value, Mapping):
        base = registry.KINDS[kind].base_class()
        if isinstance(value, base):
            return PluginSelection(value)
        raise table.error(
            f'expected a {kind} name, a table with name = "...", or a {base.__name__}; '
            f"got {value!r}"
        )
    params = dict(value)
    name = params.pop("name", None)
    if not isinstance(name, str):
        installed = quoted_list(registry.names(kind))
        problem = "missing key 'name'" if name is None else f"name must be a string, got {name!r}"
        raise table.error(f"{problem}: which {kind}? Installed: {installed}.", "name")
    try:
        cls = registry.get(kind, name)
    except PluginError as err:
        raise table.error(str(err), "name") from None
    overrides = params.pop("per_telescope_type", {})
    default = build_component(cls, params, where=table)
    if overrides and not per_telescope_type:
        raise table.error(f"a {kind} takes no per_telescope_type overrides", "per_telescope_type")
    if not isinstance(overrides, Mapping) or not all(
        isinstance(v, Mapping) for v in overrides.values()
    ):
        raise table.error(
            "expected tables [...per_telescope_type.<TYPE>] of parameter overrides",
            "per_telescope_type",
        )
    variants = {
        tel_type: build_component(
            cls, {**params, **override}, where=table.sub(f"per_telescope_type.{tel_type}")
        )
        for tel_type, override in overrides.items()
    }
    return PluginSelection(default, variants)


@attrs.frozen
class _PluginFieldInfo:
    kind: str
    labelled: bool
    per_telescope_type: bool
    help: str


def plugin_field(kind, *, labelled=False, per_telescope_type=False, help=""):
    """Declare a config field that chooses a plugin of ``kind`` by name.

    The field accepts what `select_plugin` accepts and holds a `PluginSelection`
    (a dict of them when ``labelled``), or None when not configured, in which
    case the tool that reads the config uses its documented default.
    """
    info = _PluginFieldInfo(kind, labelled, per_telescope_type, help)

    def convert(value, instance, field):
        return select_plugin(
            kind,
            value,
            labelled=labelled,
            per_telescope_type=per_telescope_type,
            where=_Where(None, instance.__class__.__name__).at(field.name, value),
        )

    return attrs.field(
        default=None,
        converter=attrs.Converter(convert, takes_self=True, takes_field=True),
        metadata={"cherenkit_plugin": info},
    )


# --- the sections of a config file -------------------------------------------------


@attrs.frozen(kw_only=True)
class ProcessConfig:
    """``[process]``: camera events → images → showers (``cherenkit process``)."""

    batch_size: int = parameter(100, ge=1, help="Array events read and processed at once.")
    write_images: bool = parameter(
        False, help="Also store the DL1 images, peak times and cleaning masks."
    )
    image_quality: ImageQualityCriteria = attrs.field(factory=ImageQualityCriteria)

    source = plugin_field(
        "event-source", help="Event source. Default: the one whose is_compatible accepts the file."
    )
    extractor = plugin_field(
        "charge-extractor", per_telescope_type=True, help="Charge extractor for R1 waveforms."
    )
    cleaner = plugin_field(
        "cleaner",
        labelled=True,
        per_telescope_type=True,
        help="Image cleaner; several labelled cleaners are run side by side.",
    )
    reconstructor = plugin_field(
        "reconstructor",
        labelled=True,
        help="Stereo reconstructor(s); results are stored per label.",
    )


@attrs.frozen(kw_only=True)
class DatasetsConfig:
    """``[datasets]``: DL3 observations → reduced datasets."""

    background = plugin_field("background-maker", help="Background estimation method.")
    safe_mask = plugin_field(
        "safe-mask",
        labelled=True,
        help="Safe-mask methods, combined with logical AND in the given order.",
    )


@attrs.frozen(kw_only=True)
class FitConfig:
    """``[fit]``: likelihood fits of models to datasets."""

    statistic = plugin_field(
        "fit-statistic",
        help="Fit statistic. Default: cash for datasets with a background model, "
        "wstat for On/Off datasets.",
    )


@attrs.frozen(kw_only=True)
class Config:
    """A whole cherenkit configuration: one attribute per section.

    Build it with `Config.from_toml` for a file, `Config.from_dict` for a parsed
    mapping, or from keyword arguments (``Config(fit=FitConfig(statistic="cash"))``).
    """

    process: ProcessConfig = attrs.field(factory=ProcessConfig)
    datasets: DatasetsConfig = attrs.field(factory=DatasetsConfig)
    fit: FitConfig = attrs.field(factory=FitConfig)

    @classmethod
    def from_toml(cls, path) -> Config:
        """Read and validate a TOML config file.

        Raises
        ------
        ConfigError
            When the file is missing, is not valid TOML, or any table, key or value
            is invalid; the message names the file, table and key.
        """
        path = Path(path)
        try:
            with open(path, "rb") as handle:
                data = tomllib.load(handle)
        except FileNotFoundError:
            raise ConfigError("file not found", file=path) from None
        except IsADirectoryError:
            raise ConfigError("is a directory, expected a TOML file", file=path) from None
        except tomllib.TOMLDecodeError as err:
            raise ConfigError(f"not valid TOML: {err}", file=path) from None
        except UnicodeDecodeError as err:
            raise ConfigError(f"not a UTF-8 text file: {err}", file=path) from None
        return cls.from_dict(data, file=path)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, file=None) -> Config:
        """Validate a mapping shaped like the TOML file (as `tomllib` returns it)."""
        return _build_section(cls, data, _Where(str(file) if file is not None else None, ""))

    def choices(self) -> list[tuple[str, str | None, PluginSelection]]:
        """Every configured plugin as ``(table, label, selection)``.

        ``table`` is e.g. ``"process.cleaner"``; ``label`` is None for kinds that
        take a single plugin.
        """
        found = []
        for section in attrs.fields(type(self)):
            part = getattr(self, section.name)
            for field in attrs.fields(type(part)):
                if "cherenkit_plugin" not in field.metadata:
                    continue
                value = getattr(part, field.name)
                table = f"{section.name}.{field.name}"
                if isinstance(value, PluginSelection):
                    found.append((table, None, value))
                elif value is not None:
                    found.extend((table, label, sel) for label, sel in value.items())
        return found


def _build_section(cls, data, where: _Where):
    if not isinstance(data, Mapping):
        raise where.error(f"expected a table, got {data!r}")
    fields = {f.name: f for f in attrs.fields(cls)}
    values = {}
    for key, value in data.items():
        field = fields.get(key)
        if field is None:
            hint = closest(key, fields)
            what = f"table [{where.table}]" if where.table else "the top level"
            raise where.error(
                f"unknown key in {what}; valid: {quoted_list(fields)}."
                + (f" Did you mean {hint!r}?" if hint else ""),
                key,
            )
        plugin = field.metadata.get("cherenkit_plugin")
        if plugin is not None:
            values[key] = select_plugin(
                plugin.kind,
                value,
                labelled=plugin.labelled,
                per_telescope_type=plugin.per_telescope_type,
                where=where.at(key, value),
            )
        elif "cherenkit" in field.metadata:  # a plain parameter, checked by its converter
            values[key] = value
        else:
            section = field.default.factory  # sections default to an empty instance
            values[key] = _build_section(section, value, where.sub(key))
    try:
        return cls(**values)
    except ParameterError as err:
        raise where.error(err.problem, err.key) from None
