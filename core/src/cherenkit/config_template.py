"""``cherenkit config template``: a commented config with every installed plugin.

Every line of the template is a comment except the section headers, so the file is
valid as it is (everything at its default). Each installed plugin gets its own
commented block with all its parameters at their defaults; uncommenting one block
gives a valid choice.
"""

from __future__ import annotations

import attrs

from . import __version__
from .component import describe_parameters
from .config import Config

__all__ = ["config_template"]


def config_template(registry=None) -> str:
    """The commented default configuration for the installed plugins.

    Parameters
    ----------
    registry : `~cherenkit.registry.Registry`, optional
        Default is the registry of installed plugins.

    Returns
    -------
    str
        TOML text that `Config.from_toml` accepts as it is.
    """
    from .registry import get_registry

    registry = registry or get_registry()
    lines = [
        f"# cherenkit configuration (template written by cherenkit {__version__}).",
        "# Everything is commented out, so this file means: all defaults.",
        '# Uncomment one block per choice; a bare name (`statistic = "cash"`) also works.',
        "# Check your edits with: cherenkit config validate FILE",
    ]
    for section in attrs.fields(Config):
        section_cls = section.default.factory
        lines += ["", "", f"[{section.name}]", f"# {section_cls.__doc__.strip().splitlines()[0]}"]
        fields = attrs.fields(section_cls)
        plain = [f for f in fields if "cherenkit" in f.metadata]
        if plain:
            lines += _parameter_lines(section_cls, only=plain)
        for field in fields:
            if field in plain or "cherenkit_plugin" in field.metadata:
                continue
            table = f"{section.name}.{field.name}"  # a sub-section of plain parameters
            doc = field.default.factory.__doc__.strip().splitlines()[0]
            lines += ["", f"[{table}]", f"# {doc}", *_parameter_lines(field.default.factory)]
        for field in fields:
            if "cherenkit_plugin" in field.metadata:
                lines += _plugin_field_block(section.name, field, registry)
    return "\n".join(lines) + "\n"


def _plugin_field_block(section: str, field, registry) -> list[str]:
    info = field.metadata["cherenkit_plugin"]
    table = f"{section}.{field.name}"
    header = table + (".LABEL" if info.labelled else "")
    lines = ["", f"# --- {table}: {info.help}"]
    if info.labelled:
        lines.append(
            f"# Several may be configured side by side, each under its own label: [{header}]."
        )
    installed = registry.plugins(info.kind)
    if not installed:
        catalogued = [e for e in registry.catalogue.entries if e.kind == info.kind]
        known = ", ".join(f"{e.name} ({e.distribution})" for e in catalogued) or "none known"
        return [*lines, f"# No {info.kind} plugins installed. Catalogued: {known}."]
    for plugin in installed:
        lines += ["#", f"# [{header}]", f'# name = "{plugin.name}"  # {plugin.cls.summary()}']
        lines += _parameter_lines(plugin.cls)
        if info.per_telescope_type:
            lines += [
                f"# [{header}.per_telescope_type.LST_LST_LSTCam]  # overrides for one type",
            ]
    return lines


def _parameter_lines(cls, only=None) -> list[str]:
    lines = []
    names = None if only is None else {f.name for f in only}
    for p in describe_parameters(cls):
        if names is not None and p["name"] not in names:
            continue
        facts = "; ".join(x for x in (p["type"], p["bounds"], p["help"]) if x)
        if p["default"] == "none":
            lines.append(f"# {p['name']} =   # {facts}; default: unset")
        else:
            lines.append(f"# {p['name']} = {p['default']}  # {facts}")
    return lines
