"""``cherenkit plugins``: what is installed, catalogued, or broken."""

import json

import click

from ..registry import KINDS


@click.group()
def plugins():
    """Inspect the installed plugins."""


def _table(rows, headers):
    """Left-aligned text columns."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    lines = ["  ".join(str(h).upper().ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(line.rstrip() for line in lines)


@plugins.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("--kind", type=click.Choice(list(KINDS)), help="Only plugins of this kind.")
def list_plugins(as_json, kind):
    """List installed plugins, catalogued ones that are not installed, and failures."""
    from ..registry import get_registry

    described = get_registry().describe()
    if kind is not None:
        described["plugins"] = [p for p in described["plugins"] if p["kind"] == kind]
    if as_json:
        click.echo(json.dumps(described, indent=2))
        return
    headers = ("kind", "name", "distribution", "version", "status", "summary")
    installed = [p for p in described["plugins"] if p["installed"]]
    missing = [p for p in described["plugins"] if not p["installed"]]
    click.echo(f"Installed plugins (plugin API {described['plugin_api']}):")
    if installed:
        click.echo(_table([[p[h] for h in headers] for p in installed], headers))
    else:
        click.echo("  none")
    if missing:
        click.echo("\nCatalogued in registry.toml but not installed:")
        click.echo(_table([[p[h] or "-" for h in headers] for p in missing], headers))
    for conflict in described["conflicts"]:
        click.secho(
            f"\nConflict: {conflict['kind']} {conflict['name']!r} is declared by "
            + " and ".join(conflict["distributions"]),
            fg="red",
        )
    if described["failures"]:
        click.secho("\nPlugins that failed to load:", fg="red")
        for failure in described["failures"]:
            click.echo(f"  {failure['error']}")


@plugins.command("show")
@click.argument("name")
@click.option(
    "--kind", type=click.Choice(list(KINDS)), help="The kind, when NAME exists in several."
)
def show_plugin(name, kind):
    """Show one plugin: summary, distribution, documentation and parameters."""
    from ..errors import closest, quoted_list
    from ..registry import get_registry

    registry = get_registry()
    kinds = [kind] if kind else [k for k in KINDS if name in registry.names(k)]
    if not kinds:
        entry = next((e for e in registry.catalogue.entries if e.name == name), None)
        if entry is not None:  # catalogued: say what to install
            registry.info(entry.kind, name)
        everything = [n for k in KINDS for n in registry.names(k)]
        hint = closest(name, everything)
        raise click.ClickException(
            f"No plugin named {name!r}. Installed: {quoted_list(everything)}."
            + (f" Did you mean {hint!r}?" if hint else "")
        )
    if len(kinds) > 1:
        raise click.UsageError(
            f"{name!r} is a plugin of several kinds ({', '.join(kinds)}); add --kind"
        )
    info = registry.info(kinds[0], name)
    d = info.describe(registry.catalogue)
    click.echo(f"{d['name']}  ({d['kind']})\n  {d['summary']}")
    click.echo(f"  distribution: {d['distribution']} {d['version']}  [{d['status']}]")
    click.echo(f"  class: {d['class']}")
    doc = (info.cls.__doc__ or "").strip().splitlines()[1:]
    if any(line.strip() for line in doc):
        import textwrap

        click.echo("\n" + textwrap.indent(textwrap.dedent("\n".join(doc)).strip(), "  "))
    click.echo("\nParameters:")
    if not d["parameters"]:
        click.echo("  none")
        return
    for p in d["parameters"]:
        if p["choices"]:
            p["bounds"] = "one of " + ", ".join(p["choices"])
    headers = ("name", "type", "default", "bounds", "help")
    click.echo(_table([[p[h] or "" for h in headers] for p in d["parameters"]], headers))
