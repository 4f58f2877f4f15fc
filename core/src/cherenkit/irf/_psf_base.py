"""Shared PSF helpers: containment radius search and plots."""

from __future__ import annotations

import numpy as np


class PSFMixin:
    """Plots shared by all PSF classes (needs ``containment_radius`` and the energy/offset axes)."""

    def plot_containment_radius_vs_energy(
        self, ax=None, fraction=(0.68, 0.95), offset=("0 deg", "1 deg")
    ):
        """Containment radius versus true energy at a few offsets."""
        import astropy.units as u
        import matplotlib.pyplot as plt

        ax = plt.gca() if ax is None else ax
        energy = self.axis("energy_true")
        for off in offset:
            off = u.Quantity(off)
            for frac in fraction:
                radius = self.containment_radius(frac, energy_true=energy.center, offset=off)
                ax.plot(
                    energy.center_value,
                    radius.to_value("deg"),
                    label=f"{100 * frac:.0f}% at {off:.1f}",
                )
        ax.set_xscale("log")
        ax.set_xlabel(f"True energy [{energy.unit}]")
        ax.set_ylabel("Containment radius [deg]")
        ax.legend(loc="best")
        return ax

    def plot_containment_radius(self, ax=None, fraction=0.68):
        """Containment radius image over (true energy, offset)."""
        import matplotlib.pyplot as plt

        ax = plt.gca() if ax is None else ax
        energy, offset = self.axis("energy_true"), self.axis("offset")
        radius = self.containment_radius(
            fraction, energy_true=energy.center[:, None], offset=offset.center
        )
        mesh = ax.pcolormesh(energy.edges_value, offset.edges_value, radius.to_value("deg").T)
        ax.set_xscale("log")
        ax.set_xlabel(f"True energy [{energy.unit}]")
        ax.set_ylabel(f"Offset [{offset.unit}]")
        plt.colorbar(mesh, ax=ax, label=f"{100 * fraction:.0f}% containment radius [deg]")
        return ax

    def peek(self, figsize=(12, 5)):
        """Quick-look figure: containment radii versus energy and as an image."""
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=figsize)
        self.plot_containment_radius_vs_energy(ax=axes[0])
        self.plot_containment_radius(ax=axes[1])
        fig.tight_layout()
        return fig


def bisect_radius(containment, fraction, lo, hi, shape, iterations=60):
    """Radius where a monotone ``containment(r)`` reaches ``fraction`` (vectorised bisection).

    ``containment`` maps an array of radii (``shape``) to fractions; where the
    fraction is not reached below ``hi``, the result is NaN.
    """
    lo = np.full(shape, float(lo))
    hi = np.full(shape, float(hi))
    fraction = np.broadcast_to(fraction, shape)
    reachable = containment(hi) >= fraction
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        below = containment(mid) < fraction
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return np.where(reachable, 0.5 * (lo + hi), np.nan)
