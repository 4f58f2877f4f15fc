"""The ``cherenkit`` command.

Subcommands live in small modules of this package and import the heavy parts of
cherenkit only when they run, so that ``cherenkit --help`` starts instantly. Every
`cherenkit.errors.CherenkitError` becomes one line on stderr and exit code 1; usage
errors exit with 2 (click's convention).
"""

import click

from .. import __version__
from ..errors import CherenkitError


class _Group(click.Group):
    """A click group that turns cherenkit errors into one clear message."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except CherenkitError as err:
            raise click.ClickException(str(err)) from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="cherenkit")
def main():
    """cherenkit: IACT analysis from camera events to spectra and sky maps.

    Algorithms are plugins chosen by name in a TOML config; `cherenkit plugins list`
    shows what is installed.
    """


def _register():
    from .config import config
    from .demo import demo
    from .plugins import plugins
    from .process import process

    main.add_command(plugins)
    main.add_command(config)
    main.add_command(process)
    main.add_command(demo)


_register()
