"""Background rate templates (GADF ``BKG_2D`` and ``BKG_3D``).

Rates are per time, reconstructed energy and solid angle (s⁻¹ MeV⁻¹ sr⁻¹).
They are interpolated in log of the rate (gammapy's ``values_scale="log"``): zeros
enter the log as the smallest normal number of the stored dtype, so that an
interpolation towards an empty bin falls off steeply instead of linearly.

The GADF recommended data axis order is (ENERG, THETA) and (ENERG, DETX, DETY) in
``TDIM`` order. H.E.S.S. DR1 stores BKG_3D with the order reversed; a cell whose
shape only fits reversed is read reversed (gammapy does the same). On such a file
the first FoV axis of the array is taken as ``fov_lon``.

References
----------
.. [GADF] "Data formats for gamma-ray astronomy", "Background > BKG_2D, BKG_3D":
   https://gamma-astro-data-formats.readthedocs.io/en/latest/irfs/full_enclosure/bkg/index.html
"""

from __future__ import annotations

import numpy as np

from .core import IRF

__all__ = ["Background2D", "Background3D"]

_BKG_UNIT = "s-1 MeV-1 sr-1"


class _BackgroundIRF(IRF):
    data_column = "BKG"
    default_unit = _BKG_UNIT
    values_scale = "log"
    hduclas2 = "BKG"
    extname = "BACKGROUND"
    allow_reversed = True

    @classmethod
    def _from_reader(cls, reader):
        # CTA 1DC files name the column BGD
        if not reader.has("BKG") and reader.has("BGD"):
            axes = cls._read_axes(reader)
            data, unit = reader.data("BGD", axes, physical=cls.default_unit, allow_reversed=True)
            return cls(axes=axes, data=data, unit=unit, **cls._header_fields(reader))
        return super()._from_reader(reader)


class Background2D(_BackgroundIRF):
    """Radially symmetric background rate :math:`R(E_\\mathrm{reco}, \\theta)`.

    Axes ``energy`` (reconstructed, log) and ``offset`` (linear); column ``BKG``.
    """

    tag = "bkg_2d"
    required_axes = ("energy", "offset")
    axis_columns = (("ENERG", "log", "TeV"), ("THETA", "lin", "deg"))
    hduclas4 = "BKG_2D"

    def plot(self, ax=None):
        """Background rate image over (energy, offset), log colour scale."""
        import matplotlib.pyplot as plt
        from matplotlib.colors import LogNorm

        ax = plt.gca() if ax is None else ax
        energy, offset = self.axes
        data = np.where(self.data > 0, self.data, np.nan).T
        mesh = ax.pcolormesh(energy.edges_value, offset.edges_value, data, norm=LogNorm())
        ax.set_xscale("log")
        ax.set_xlabel(f"Reconstructed energy [{energy.unit}]")
        ax.set_ylabel(f"Offset [{offset.unit}]")
        plt.colorbar(mesh, ax=ax, label=f"Background [{self.unit.to_string()}]")
        return ax

    def plot_energy_dependence(self, ax=None):
        """Background rate versus energy at each offset bin centre."""
        import matplotlib.pyplot as plt

        ax = plt.gca() if ax is None else ax
        energy, offset = self.axes
        for off in offset.center[:: max(1, offset.nbin // 4)]:
            values = self.evaluate(energy=energy.center, offset=off)
            ax.plot(energy.center_value, values.value, label=f"offset = {off:.2f}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(f"Reconstructed energy [{energy.unit}]")
        ax.set_ylabel(f"Background [{self.unit.to_string()}]")
        ax.legend(loc="best")
        return ax

    def peek(self, figsize=(12, 5)):
        """Quick-look figure: the image and the energy dependence."""
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=figsize)
        self.plot(ax=axes[0])
        self.plot_energy_dependence(ax=axes[1])
        fig.tight_layout()
        return fig


class Background3D(_BackgroundIRF):
    """Background rate :math:`R(E_\\mathrm{reco}, \\mathrm{lon}, \\mathrm{lat})` in FoV coordinates.

    Axes ``energy`` (reconstructed, log), ``fov_lon`` (DETX) and ``fov_lat`` (DETY),
    both linear; column ``BKG``. ``fov_alignment`` (FOVALIGN) says whether the FoV
    frame is aligned with RA/Dec or Alt/Az.
    """

    tag = "bkg_3d"
    required_axes = ("energy", "fov_lon", "fov_lat")
    axis_columns = (("ENERG", "log", "TeV"), ("DETX", "lin", "deg"), ("DETY", "lin", "deg"))
    hduclas4 = "BKG_3D"

    def to_2d(self):
        """`Background2D` from the values along ``fov_lon >= 0`` at ``fov_lat = 0``.

        The offset axis is the ``fov_lon`` axis from the bin that contains 0 onwards;
        the rates are those of the bins at ``fov_lat`` containing 0 (gammapy's
        convention; no averaging over azimuth).
        """
        lon = self.axis("fov_lon")
        lat = self.axis("fov_lat")
        i_lon = int(lon.coord_to_idx(0.0)[0])
        i_lat = int(lat.coord_to_idx(0.0)[0])
        if i_lon < 0 or i_lat < 0:
            raise ValueError("Background3D.to_2d: the FoV axes do not contain 0")
        offset = lon.copy(nodes=lon.edges_value[i_lon:], name="offset", node_type="edges")
        data = np.array(self.data[:, i_lon:, i_lat])
        return Background2D(
            axes=[self.axis("energy"), offset], data=data, unit=self.unit, meta=dict(self.meta)
        )

    def plot_at_energy(self, energy="1 TeV", ax=None):
        """FoV image of the background rate at one energy."""
        import astropy.units as u
        import matplotlib.pyplot as plt

        ax = plt.gca() if ax is None else ax
        _, lon, lat = self.axes
        values = self.evaluate(
            energy=u.Quantity(energy), fov_lon=lon.center[:, None], fov_lat=lat.center
        )
        mesh = ax.pcolormesh(lon.edges_value, lat.edges_value, values.value.T)
        ax.set_xlabel(f"FoV lon [{lon.unit}]")
        ax.set_ylabel(f"FoV lat [{lat.unit}]")
        ax.set_aspect("equal")
        plt.colorbar(mesh, ax=ax, label=f"Background [{self.unit.to_string()}]")
        return ax

    def peek(self, figsize=(12, 5)):
        """Quick-look figure: the FoV image at 1 TeV and the 2-d (energy, offset) image."""
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=figsize)
        self.plot_at_energy(ax=axes[0])
        self.to_2d().plot(ax=axes[1])
        fig.tight_layout()
        return fig
