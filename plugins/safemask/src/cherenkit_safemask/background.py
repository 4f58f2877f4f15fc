"""Safe-mask method from the background spectrum: ``bkg-peak``."""

from __future__ import annotations

from typing import ClassVar

import attrs
import numpy as np

from cherenkit.makers import SafeMaskMethod

from ._utils import energy_mask, require_observation
from ._where import irfs_parameter

__all__ = ["BkgPeakSafeMask", "predicted_background"]


def predicted_background(dataset):
    """Predicted background counts per bin of a dataset without source models.

    For a Cash dataset, its background map. For an On/Off dataset, the background
    that maximises the WStat likelihood with no signal,
    ``alpha (n_on + n_off) / (1 + alpha)`` (0 where undefined), as gammapy's
    ``npred_background`` gives before any model is set.

    Returns
    -------
    values : `~numpy.ndarray` of the counts shape, or None without a background
    """
    if getattr(dataset, "counts_off", None) is not None:
        alpha = np.asarray(dataset.alpha.data, dtype=np.float64)
        n_on = np.asarray(dataset.counts.data, dtype=np.float64)
        n_off = np.asarray(dataset.counts_off.data, dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            mu = alpha * ((n_on + n_off) / (1 + alpha))
        return np.nan_to_num(mu)
    if dataset.background is None:
        return None
    return np.asarray(dataset.background.data, dtype=np.float64)


@attrs.frozen(kw_only=True)
class BkgPeakSafeMask(SafeMaskMethod):
    """Energies above the peak of the background model.

    The threshold is the lower edge of the energy bin where the background spectrum
    peaks (the first such bin on ties); bins whose lower edge is at or above it are
    safe. The H.E.S.S. DL3 validation (Mohrmann et al. 2019) uses it to stay where
    the background is a power law.

    * ``irfs="DL4"`` (default): the dataset's predicted background summed over the
      sky pixels (see `predicted_background`), on its reconstructed-energy axis.
    * ``irfs="DL3"``: the observation's background template (a 3-d one reduced to
      energy × offset along ``fov_lat = 0``, gammapy's ``to_2d``) integrated over
      the offset, ``Σ 2π θ Δθ R(E, θ)``, on the template's energy axis.

    These are gammapy 2.1's rules (``make_mask_energy_bkg_peak``).

    References
    ----------
    Mohrmann, L. et al. 2019, A&A 632, A72, doi:10.1051/0004-6361/201936452
    """

    name: ClassVar[str] = "bkg-peak"

    irfs: str = irfs_parameter()

    def __call__(self, dataset, observation):
        return energy_mask(dataset, self.threshold(dataset, observation))

    def threshold(self, dataset, observation=None):
        """Lower edge (`~astropy.units.Quantity`) of the bin where the background peaks."""
        import astropy.units as u

        if self.irfs == "DL3":
            require_observation(observation, self.name, 'irfs="DL3" uses its background model')
            bkg = observation.bkg
            if bkg is None:
                raise ValueError(
                    f"bkg-peak: observation {observation.obs_id} has no background model"
                )
            if "fov_lon" in [a.name for a in bkg.axes]:
                bkg = bkg.to_2d()
            offset = bkg.axis("offset")
            jacobian = 2 * np.pi * offset.center_value * np.diff(offset.edges_value)
            spectrum = np.nansum(np.asarray(bkg.data, dtype=np.float64) * jacobian, axis=1)
            axis = bkg.axis("energy")
        else:
            values = predicted_background(dataset)
            if values is None:
                raise ValueError(
                    f"bkg-peak with irfs='DL4' needs a dataset with a background; dataset "
                    f"{dataset.name!r} has none (add a background, or use irfs='DL3')"
                )
            geom = dataset.counts.geom
            names = [ax.name for ax in geom.axes]
            energy_dim = len(names) - 1 - names.index("energy")
            other = tuple(i for i in range(values.ndim) if i != energy_dim)
            spectrum = np.nansum(values, axis=other)
            axis = geom.axis("energy")
        idx = int(np.argmax(spectrum))
        return u.Quantity(axis.edges_value[idx], axis.unit)
