"""Effective area versus true energy and FoV offset (GADF ``AEFF_2D``).

References
----------
.. [GADF] "Data formats for gamma-ray astronomy", "Effective area > AEFF_2D":
   https://gamma-astro-data-formats.readthedocs.io/en/latest/irfs/full_enclosure/aeff/index.html
"""

from __future__ import annotations

from .core import IRF

__all__ = ["EffectiveAreaTable2D"]


class EffectiveAreaTable2D(IRF):
    """Effective area :math:`A(E_\\mathrm{true}, \\theta)` in m².

    Axes ``energy_true`` (log interpolation) and ``offset`` (linear); column
    ``EFFAREA``. Evaluate with ``evaluate(energy_true=..., offset=...)``.
    """

    tag = "aeff_2d"
    required_axes = ("energy_true", "offset")
    axis_columns = (("ENERG", "log", "TeV"), ("THETA", "lin", "deg"))
    data_column = "EFFAREA"
    default_unit = "m2"
    hduclas2 = "EFF_AREA"
    hduclas4 = "AEFF_2D"
    extname = "EFFECTIVE AREA"

    @property
    def lo_threshold(self):
        """Safe low true-energy threshold from the ``LO_THRES`` keyword (TeV), or None."""
        return _threshold(self.meta, "LO_THRES")

    @property
    def hi_threshold(self):
        """Safe high true-energy threshold from the ``HI_THRES`` keyword (TeV), or None."""
        return _threshold(self.meta, "HI_THRES")

    @property
    def rad_max(self):
        """Fixed RAD_MAX cut of a point-like IRF (``RAD_MAX`` keyword, deg), or None."""
        return rad_max_keyword(self.meta)

    def plot_energy_dependence(self, ax=None, offset=None):
        """Effective area versus true energy at some offsets (default: 4 axis centres)."""
        import astropy.units as u
        import matplotlib.pyplot as plt
        import numpy as np

        ax = plt.gca() if ax is None else ax
        energy = self.axis("energy_true")
        offsets = self.axis("offset")
        if offset is None:
            centers = offsets.center_value
            offset = (
                centers[np.linspace(0, centers.size - 1, min(4, centers.size)).astype(int)]
                * offsets.unit
            )
        for off in u.Quantity(offset, ndmin=1):
            values = self.evaluate(energy_true=energy.center, offset=off)
            ax.plot(energy.center_value, values.to_value("m2"), label=f"offset = {off:.2f}")
        ax.set_xscale("log")
        ax.set_xlabel(f"True energy [{energy.unit}]")
        ax.set_ylabel("Effective area [m2]")
        ax.legend(loc="best")
        return ax

    def plot(self, ax=None):
        """Effective area image over (true energy, offset)."""
        import matplotlib.pyplot as plt

        ax = plt.gca() if ax is None else ax
        energy, offset = self.axes
        mesh = ax.pcolormesh(energy.edges_value, offset.edges_value, self.quantity.to_value("m2").T)
        ax.set_xscale("log")
        ax.set_xlabel(f"True energy [{energy.unit}]")
        ax.set_ylabel(f"Offset [{offset.unit}]")
        plt.colorbar(mesh, ax=ax, label="Effective area [m2]")
        return ax

    def peek(self, figsize=(12, 5)):
        """Quick-look figure: energy dependence and the 2-d image."""
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=figsize)
        self.plot_energy_dependence(ax=axes[0])
        self.plot(ax=axes[1])
        fig.tight_layout()
        return fig


def _threshold(meta, key):
    import astropy.units as u

    value = meta.get(key)
    return None if value is None else u.Quantity(float(value), "TeV")


def rad_max_keyword(meta):
    """The fixed ``RAD_MAX`` header cut (deg) of a point-like IRF, or None."""
    import astropy.units as u

    value = meta.get("RAD_MAX")
    return None if value is None else u.Quantity(float(value), "deg")
