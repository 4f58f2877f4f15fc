"""Directional cut RAD_MAX versus reconstructed energy and offset (GADF ``RAD_MAX_2D``).

Point-like IRFs (HDUCLAS3 = POINT-LIKE) come with the angular cut applied to
select the events: a fixed ``RAD_MAX`` header keyword or a ``RAD_MAX_2D`` HDU.

References
----------
.. [GADF] "Data formats for gamma-ray astronomy", "Point-like IRFs > RAD_MAX_2D":
   https://gamma-astro-data-formats.readthedocs.io/en/latest/irfs/point_like/index.html
"""

from __future__ import annotations

import numpy as np

from .core import IRF

__all__ = ["RadMax2D"]


class RadMax2D(IRF):
    """RAD_MAX cut :math:`\\theta_\\mathrm{cut}(E_\\mathrm{reco}, \\theta)` in deg.

    Axes ``energy`` (reconstructed, log) and ``offset`` (linear); column
    ``RAD_MAX``. An axis with a single bin makes the cut constant along it.
    """

    tag = "rad_max_2d"
    required_axes = ("energy", "offset")
    axis_columns = (("ENERG", "log", "TeV"), ("THETA", "lin", "deg"))
    data_column = "RAD_MAX"
    default_unit = "deg"
    hduclas2 = "RAD_MAX"
    hduclas4 = "RAD_MAX_2D"
    extname = "RAD_MAX"

    @classmethod
    def _header_fields(cls, reader):
        fields = super()._header_fields(reader)
        fields["is_pointlike"] = True  # a RAD_MAX table only exists for point-like IRFs
        return fields

    @classmethod
    def from_irf(cls, irf):
        """A constant RadMax2D from the ``RAD_MAX`` keyword of a point-like IRF.

        One bin spanning the IRF's energy (true energy taken as reconstructed) and
        offset ranges.
        """
        if not irf.is_pointlike:
            raise ValueError(
                "RadMax2D.from_irf needs a point-like IRF, "
                f"got a full-enclosure {type(irf).__name__}"
            )
        if "RAD_MAX" not in irf.meta:
            raise ValueError(f"{type(irf).__name__} has no RAD_MAX keyword")
        energy = irf.axis("energy_true").squash().copy(name="energy")
        offset = irf.axis("offset").squash()
        return cls(
            axes=[energy, offset],
            data=np.full((1, 1), float(irf.meta["RAD_MAX"])),
            unit="deg",
            is_pointlike=True,
        )

    @property
    def is_fixed_rad_max(self) -> bool:
        """Whether the cut is one value (one bin in energy and offset)."""
        return self.data.size == 1

    def evaluate(self, method="linear", **coords):
        """RAD_MAX at (``energy``, ``offset``); a fixed cut is returned everywhere."""
        import astropy.units as u

        if self.is_fixed_rad_max:
            values = self._coords(coords)
            shape = np.broadcast_shapes(*(np.shape(v) for v in values))
            return u.Quantity(np.full(shape, float(self.data.flat[0])), self.unit)
        return super().evaluate(method=method, **coords)

    def plot_rad_max_vs_energy(self, ax=None):
        """RAD_MAX versus reconstructed energy, one line per offset bin."""
        import matplotlib.pyplot as plt

        ax = plt.gca() if ax is None else ax
        energy, offset = self.axes
        for off in offset.center:
            ax.plot(
                energy.center_value,
                self.evaluate(energy=energy.center, offset=off).to_value("deg"),
                label=f"offset = {off:.2f}",
            )
        ax.set_xscale("log")
        ax.set_xlabel(f"Reconstructed energy [{energy.unit}]")
        ax.set_ylabel("RAD_MAX [deg]")
        ax.legend(loc="best")
        return ax
