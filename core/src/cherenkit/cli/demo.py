"""``cherenkit demo``: simulate a toy observation, process it and show how well it worked."""

import click


@click.command()
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False),
    default="cherenkit-demo",
    show_default=True,
    help="Folder for demo.h5 and theta2.png.",
)
@click.option(
    "-n", "--n-events", type=click.IntRange(min=1), default=1000, show_default=True,
    help="Showers to simulate.",
)  # fmt: skip
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True)
@click.option("--progress/--no-progress", default=True, show_default=True, help="Progress bars.")
def demo(output_dir, n_events, seed, progress):
    """Simulate a toy array observation, process it end to end, print the performance.

    Needs no data files: the toy source simulates gamma-ray showers seen by an
    array of LST-, MST- and SST-like telescopes; `cherenkit process` turns them
    into DL1 parameters and DL2 showers (hillas and hillas-intersection), and the
    reconstructed directions and cores are compared with the simulated truth.
    """
    from ..demo import run_demo

    result = run_demo(output_dir, n_events=n_events, seed=seed, progress=progress)
    for line in result.summary.lines():
        click.echo(line)
    click.echo("")
    for line in result.lines():
        click.echo(line)
    click.echo(f"θ² histogram: {result.figure}")
