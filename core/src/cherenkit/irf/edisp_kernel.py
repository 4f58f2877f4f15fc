"""`EDispKernel`: the energy response matrix between true and reconstructed energy bins.

References
----------
.. [GADF] "Data formats for gamma-ray astronomy", "Energy dispersion":
   https://gamma-astro-data-formats.readthedocs.io/en/latest/irfs/full_enclosure/edisp/index.html
"""

from __future__ import annotations

import attrs
import numpy as np

__all__ = ["EDispKernel"]


@attrs.frozen(eq=False, kw_only=True)
class EDispKernel:
    """Probability ``data[i, j]`` that an event of true-energy bin ``i`` lands in reco bin ``j``.

    Parameters
    ----------
    energy_true : `~cherenkit.maps.MapAxis`
        True-energy axis (rows).
    energy : `~cherenkit.maps.MapAxis`
        Reconstructed-energy axis (columns), same unit.
    data : `~numpy.ndarray`, shape (energy_true.nbin, energy.nbin)
    """

    energy_true: object
    energy: object
    data: np.ndarray = attrs.field(converter=lambda a: np.asarray(a, dtype=np.float64))

    def __attrs_post_init__(self):
        shape = (self.energy_true.nbin, self.energy.nbin)
        if self.data.shape != shape:
            raise ValueError(
                f"EDispKernel data shape {self.data.shape} does not match the axes {shape}"
            )

    @property
    def pdf_matrix(self) -> np.ndarray:
        """The matrix, rows true energy, columns reconstructed energy."""
        return self.data

    def _rows(self, energy_true):
        idx = self.energy_true.coord_to_idx(energy_true)
        e_true = self.energy_true.center_value[idx]
        return np.asarray(idx), self.data[idx], e_true

    def get_mean(self, energy_true):
        """Mean reconstructed energy of the true-energy bin containing each energy."""
        _, pdf, _ = self._rows(energy_true)
        norm = pdf.sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.nan_to_num((pdf * self.energy.center_value).sum(axis=-1) / norm)
        return self.energy._quantity(mean)

    def get_bias(self, energy_true):
        """Relative bias :math:`(\\langle E_\\mathrm{reco}\\rangle - E_t) / E_t`.

        :math:`E_\\mathrm{t}` is the centre of the true-energy bin that contains each
        energy and the mean is over the reco bin centres weighted by the kernel row
        (gammapy's definition). An empty row gives -1.
        """
        import astropy.units as u

        _, _pdf, e_true = self._rows(energy_true)
        mean = self.get_mean(energy_true).to_value(self.energy_true.unit)
        return u.Quantity((mean - e_true) / e_true)

    def get_resolution(self, energy_true):
        """Relative resolution: RMS of the reco energy in the containing true bin over its centre.

        NaN for an empty row.
        """
        import astropy.units as u

        _, pdf, e_true = self._rows(energy_true)
        mean = self.get_mean(energy_true).to_value(self.energy_true.unit)
        erec = self.energy.center_value
        norm = pdf.sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            var = (((erec - np.asarray(mean)[..., None]) ** 2) * pdf).sum(axis=-1) / norm
            return u.Quantity(np.sqrt(var) / e_true)

    def plot_matrix(self, ax=None):
        """The matrix as an image (true energy on x, reconstructed energy on y)."""
        import matplotlib.pyplot as plt

        ax = plt.gca() if ax is None else ax
        mesh = ax.pcolormesh(self.energy_true.edges_value, self.energy.edges_value, self.data.T)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(f"True energy [{self.energy_true.unit}]")
        ax.set_ylabel(f"Reconstructed energy [{self.energy.unit}]")
        plt.colorbar(mesh, ax=ax, label="Probability")
        return ax
