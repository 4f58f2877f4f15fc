"""``cherenkit demo``: a toy array observation processed end to end, without data files.

The ``toy`` source (cherenkit-toysim) simulates gamma-ray showers seen by a small
array; `cherenkit.processing.process_files` calibrates, cleans, parametrises and
reconstructs them with the ``hillas`` and ``hillas-intersection`` reconstructors;
the result is compared with the simulated truth: angular resolution (68 %
containment of the angular distance), core resolution, and a θ² histogram.
"""

from __future__ import annotations

from pathlib import Path

import attrs
import numpy as np

__all__ = ["DemoResult", "run_demo"]

RECONSTRUCTORS = ("hillas", "hillas-intersection")


@attrs.frozen(kw_only=True)
class Performance:
    """Reconstruction performance of one reconstructor against the truth."""

    label: str
    n_events: int
    n_valid: int
    angular_resolution_deg: float
    core_resolution_m: float
    theta2_deg2: np.ndarray = attrs.field(eq=False, repr=False)


@attrs.frozen(kw_only=True)
class DemoResult:
    """What `run_demo` produced: the event file, the figure and the performance."""

    output: Path
    figure: Path
    summary: object  # ProcessSummary
    performance: list

    def lines(self) -> list[str]:
        lines = [
            f"{'reconstructor':22s} {'events':>7s} {'valid':>6s} {'R68 (deg)':>10s} "
            f"{'core R68 (m)':>13s}"
        ]
        for p in self.performance:
            lines.append(
                f"{p.label:22s} {p.n_events:7d} {p.n_valid:6d} {p.angular_resolution_deg:10.3f} "
                f"{p.core_resolution_m:13.1f}"
            )
        return lines


def demo_config(n_events: int, seed: int):
    """The configuration of the demo: toy array, tailcuts, both stereo reconstructors."""
    from .config import Config

    return Config.from_dict(
        {
            "process": {
                "source": {"name": "toy", "n_events": n_events, "seed": seed, "layout": "mixed"},
                "reconstructor": list(RECONSTRUCTORS),
            }
        }
    )


def run_demo(output_dir, *, n_events: int = 1000, seed: int = 1, progress: bool = False):
    """Simulate, process and evaluate a toy observation.

    Parameters
    ----------
    output_dir : path-like
        Folder for ``demo.h5`` (the event file) and ``theta2.png``.
    n_events : int
        Showers to simulate (the triggered ones are processed).
    seed : int
        Random seed of the simulation.
    progress : bool
        Show progress bars.

    Returns
    -------
    DemoResult
    """
    from .io.hdf5 import read_table
    from .processing import GEOMETRY, SHOWER, process_files
    from .reco.performance import angular_separation, containment_radius, core_distance

    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    output = output_dir / "demo.h5"
    config = demo_config(n_events, seed)
    summary = process_files([], output, config, overwrite=True, progress=progress)

    truth = read_table(output, SHOWER)
    true_alt = truth["true_alt"].to_value("deg")
    true_az = truth["true_az"].to_value("deg")
    performance = []
    for label in RECONSTRUCTORS:
        reco = read_table(output, f"{GEOMETRY}/{label}")
        valid = np.asarray(reco["is_valid"], dtype=bool)
        separation = angular_separation(_plain(reco["alt"]), _plain(reco["az"]), true_alt, true_az)
        core = core_distance(
            _plain(reco["core_x"]),
            _plain(reco["core_y"]),
            truth["true_core_x"].to_value("m"),
            truth["true_core_y"].to_value("m"),
        )
        performance.append(
            Performance(
                label=label,
                n_events=len(valid),
                n_valid=int(valid.sum()),
                angular_resolution_deg=containment_radius(separation[valid]),
                core_resolution_m=containment_radius(core[valid]),
                theta2_deg2=separation[valid] ** 2,
            )
        )
    figure = output_dir / "theta2.png"
    plot_theta2(performance, figure)
    return DemoResult(output=output, figure=figure, summary=summary, performance=performance)


def _plain(column):
    return np.asarray(getattr(column, "value", column), dtype=float)


def plot_theta2(performance, path) -> None:
    """θ² histograms of every reconstructor, with the 68 % containment marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    bins = np.linspace(0, 0.1, 41)
    for p in performance:
        ax.hist(np.clip(p.theta2_deg2, 0, bins[-1]), bins=bins, histtype="step", label=p.label)
        ax.axvline(p.angular_resolution_deg**2, ls=":", color=ax.patches[-1].get_edgecolor())
    ax.set_xlabel("θ² (deg²)")
    ax.set_ylabel("events")
    ax.set_title("cherenkit demo: toy array, reconstructed vs true direction")
    ax.legend(title="dotted: 68 % containment")
    fig.savefig(path, dpi=120)
    plt.close(fig)
