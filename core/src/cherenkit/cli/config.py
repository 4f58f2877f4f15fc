"""``cherenkit config``: write a commented template, validate a file."""

import click


@click.group()
def config():
    """Write and check TOML configuration files."""


@config.command("template")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file."
)
def template(output):
    """Print a commented default config with every installed plugin's parameters."""
    from ..config_template import config_template

    text = config_template()
    if output is None:
        click.echo(text, nl=False)
        return
    from ..io.atomic import atomic_write_text

    atomic_write_text(output, text)
    click.echo(f"Wrote {output}", err=True)


@config.command("validate")
@click.argument("file", type=click.Path(dir_okay=False))
def validate(file):
    """Check FILE: TOML syntax, tables, keys, plugin names and parameter values."""
    from ..config import Config

    cfg = Config.from_toml(file)
    click.echo(f"{file}: valid")
    for table, label, selection in cfg.choices():
        where = f"{table}.{label}" if label else table
        click.echo(f"  {where}: {selection.name}")
        for tel_type in selection.per_telescope_type:
            click.echo(f"  {where}.per_telescope_type.{tel_type}: overrides")
