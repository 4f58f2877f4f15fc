"""``cherenkit process``: event files (DL0/R1) → one DL1 + DL2 event file."""

import click

EXECUTORS = ("serial", "processes", "dask")  # cherenkit.processing.EXECUTORS, without importing it


@click.command()
@click.argument("inputs", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "-o", "--output", required=True, type=click.Path(dir_okay=False), help="Event file to write."
)
@click.option(
    "-c", "--config", "config_file", type=click.Path(dir_okay=False), help="TOML config file."
)
@click.option("-n", "--max-events", type=click.IntRange(min=0), help="Array events per input.")
@click.option(
    "--executor",
    type=click.Choice(EXECUTORS),
    default="serial",
    show_default=True,
    help="Run inputs one after the other, in local processes, or on dask.",
)
@click.option("-j", "--workers", type=click.IntRange(min=1), help="Parallel workers.")
@click.option("--scheduler", help="Address of a running dask scheduler (with --executor dask).")
@click.option(
    "--on-error",
    type=click.Choice(["stop", "skip"]),
    default="stop",
    show_default=True,
    help="On an unreadable input: write nothing, or skip it and write the others.",
)
@click.option("--overwrite", is_flag=True, help="Replace OUTPUT if it exists.")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bars.")
def process(
    inputs, output, config_file, max_events, executor, workers, scheduler, on_error, overwrite,
    progress,
):  # fmt: skip
    """Calibrate, clean, parametrise and reconstruct the events of INPUTS into OUTPUT.

    INPUTS are event files (e.g. sim_telarray); none are needed when the config
    chooses a source that makes its own events:

    \b
        [process]
        source = { name = "toy", n_events = 1000 }

    The config chooses the extractor, cleaner and reconstructor(s) by name (see
    `cherenkit config template`). OUTPUT holds DL1 parameters per telescope type,
    DL2 per reconstructor, the simulated truth and the instrument; it is written
    atomically. Exit code 0 on success, 1 when an input could not be processed
    (with --on-error stop, or when every input failed).
    """
    from pathlib import Path

    from ..config import Config
    from ..processing import process_files

    text = None
    if config_file is not None:
        config = Config.from_toml(config_file)
        text = Path(config_file).read_text(encoding="utf-8")
    else:
        config = Config()
    summary = process_files(
        inputs,
        output,
        config,
        config_text=text,
        max_events=max_events,
        executor=executor,
        workers=workers,
        scheduler=scheduler,
        on_error=on_error,
        overwrite=overwrite,
        progress=progress,
    )
    for line in summary.lines():
        click.echo(line, err=True)
