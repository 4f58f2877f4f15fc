"""Energy dispersion versus true energy, migration and offset (GADF ``EDISP_2D``).

``MATRIX`` is the probability density :math:`dP/d\\mu` of the migration
:math:`\\mu = E_\\mathrm{reco} / E_\\mathrm{true}`.

References
----------
.. [GADF] "Data formats for gamma-ray astronomy", "Energy dispersion > EDISP_2D":
   https://gamma-astro-data-formats.readthedocs.io/en/latest/irfs/full_enclosure/edisp/index.html
"""

from __future__ import annotations

import numpy as np

from .core import IRF

__all__ = ["EnergyDispersion2D"]


class EnergyDispersion2D(IRF):
    """Migration probability density :math:`dP/d\\mu(E_\\mathrm{true}, \\mu, \\theta)`.

    Axes ``energy_true`` (log), ``migra`` (linear) and ``offset`` (linear); column
    ``MATRIX``. A point is outside (value 0) when its offset is outside the offset
    edges, or both its true energy and its migration are outside theirs (gammapy's rule).
    """

    tag = "edisp_2d"
    required_axes = ("energy_true", "migra", "offset")
    axis_columns = (("ENERG", "log", "TeV"), ("MIGRA", "lin", ""), ("THETA", "lin", "deg"))
    data_column = "MATRIX"
    default_unit = ""
    hduclas2 = "EDISP"
    hduclas4 = "EDISP_2D"
    extname = "ENERGY DISPERSION"

    def _mask_out_bounds(self, invalid):
        return (invalid[0] & invalid[1]) | invalid[2]

    @property
    def rad_max(self):
        """Fixed RAD_MAX cut of a point-like IRF (``RAD_MAX`` keyword, deg), or None."""
        from .effective_area import rad_max_keyword

        return rad_max_keyword(self.meta)

    def to_edisp_kernel(self, offset, energy_true=None, energy=None, *, threshold=1e-8):
        """Response matrix: probability for each true-energy bin to land in each reco bin.

        The density is taken at the true-energy bin centres and the native migration
        centres at ``offset``, normalised over migration, integrated to a cumulative
        distribution on the migration edges (constant beyond them) and differenced at
        ``E_reco_edges / E_true_centre``. Values below ``threshold`` are set to 0.

        Parameters
        ----------
        offset : `~astropy.units.Quantity`, angle, scalar
        energy_true, energy : `~cherenkit.maps.MapAxis` or `~astropy.units.Quantity`, optional
            True and reconstructed energy axes (Quantity: edges). Default: the IRF's
            true-energy axis for both.
        threshold : float
            Default is 1e-8.

        Returns
        -------
        kernel : `~cherenkit.irf.EDispKernel`
        """
        from cherenkit.maps import MapAxis

        from .edisp_kernel import EDispKernel

        native = self.axis("energy_true")
        if energy_true is None:
            energy_true = native
        elif not isinstance(energy_true, MapAxis):
            energy_true = MapAxis.from_energy_edges(energy_true, name="energy_true")
        if energy is None:
            energy = native.copy(name="energy")
        elif not isinstance(energy, MapAxis):
            energy = MapAxis.from_energy_edges(energy, name="energy")
        energy_true = energy_true.to_unit(native.unit)
        energy = energy.to_unit(native.unit)

        migra = self.axis("migra")
        e_true = energy_true.center_value
        offset_value = np.asarray(self.axis("offset")._value(offset), dtype=np.float64)
        if offset_value.ndim:
            offset_value = offset_value.reshape(-1)[0]
        pdf = self.evaluate_values([e_true[:, None], migra.center_value[None, :], offset_value])
        cdf = np.zeros((e_true.size, migra.nbin + 1))
        np.cumsum(pdf * np.diff(migra.edges_value), axis=1, out=cdf[:, 1:])
        with np.errstate(invalid="ignore", divide="ignore"):
            cdf = np.nan_to_num(cdf / cdf[:, -1:])
        mu = energy.edges_value[None, :] / e_true[:, None]
        edges = migra.edges_value
        at_edges = np.empty_like(mu)
        for i in range(e_true.size):
            at_edges[i] = np.interp(mu[i], edges, cdf[i])
        data = np.clip(np.diff(at_edges, axis=1), 0.0, np.inf)
        data[data < threshold] = 0.0
        return EDispKernel(energy_true=energy_true, energy=energy, data=data)

    def plot_migration(self, ax=None, offset="1 deg", energy_true=("0.1 TeV", "1 TeV", "10 TeV")):
        """Migration density at a few true energies."""
        import astropy.units as u
        import matplotlib.pyplot as plt

        ax = plt.gca() if ax is None else ax
        migra = self.axis("migra")
        for e in energy_true:
            e = u.Quantity(e)
            values = self.evaluate(offset=u.Quantity(offset), energy_true=e, migra=migra.center)
            ax.plot(migra.center_value, values.value, label=f"E_true = {e:.2g}")
        ax.set_xlabel("Migration E_reco / E_true")
        ax.set_ylabel("Probability density")
        ax.legend(loc="best")
        return ax

    def plot_bias(self, ax=None, offset="1 deg"):
        """Migration density image over (true energy, migration) at one offset."""
        import astropy.units as u
        import matplotlib.pyplot as plt

        ax = plt.gca() if ax is None else ax
        energy, migra = self.axis("energy_true"), self.axis("migra")
        z = self.evaluate(
            offset=u.Quantity(offset), energy_true=energy.center[:, None], migra=migra.center
        )
        ax.pcolormesh(energy.edges_value, migra.edges_value, z.value.T)
        ax.set_xscale("log")
        ax.set_xlabel(f"True energy [{energy.unit}]")
        ax.set_ylabel("Migration")
        return ax

    def peek(self, figsize=(15, 5)):
        """Quick-look figure: bias image, migration curves and the kernel at 1 deg."""
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 3, figsize=figsize)
        self.plot_bias(ax=axes[0])
        self.plot_migration(ax=axes[1])
        self.to_edisp_kernel(offset=1.0 * self.axis("offset").unit).plot_matrix(ax=axes[2])
        fig.tight_layout()
        return fig
