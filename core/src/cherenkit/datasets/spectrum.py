"""`SpectrumDataset` and `SpectrumDatasetOnOff`: datasets on one sky region
(`~cherenkit.maps.RegionGeom`), i.e. spectra, with the same API as the map datasets.

They carry no PSF map (the region is one pixel); the energy dispersion is one kernel
and the exposure is taken at the region centre.
"""

from __future__ import annotations

import attrs

from .map import MapDataset, MapDatasetOnOff

__all__ = ["SpectrumDataset", "SpectrumDatasetOnOff"]


class _SpectrumMixin:
    @classmethod
    def _check_geom(cls, geom):
        from cherenkit.maps import RegionGeom

        if not isinstance(geom, RegionGeom):
            raise TypeError(
                f"{cls.__name__} needs a RegionGeom (one sky region with an energy axis), "
                f"got {type(geom).__name__}; use MapDataset for sky maps"
            )

    @classmethod
    def create(
        cls,
        geom,
        energy_axis_true=None,
        migra_axis=None,
        rad_axis=None,
        binsz_irf=None,
        reco_psf=False,
        name=None,
    ):
        """An empty spectrum dataset on a region geometry with an ``energy`` axis.

        ``rad_axis``, ``binsz_irf`` and ``reco_psf`` are accepted for symmetry with
        `MapDataset.create` and ignored (no PSF map).
        """
        cls._check_geom(geom)
        return super().create(
            geom, energy_axis_true=energy_axis_true, migra_axis=migra_axis, name=name
        )

    def cutout(self, position, width, *, mode="trim", name=None):
        """Not defined for a region dataset."""
        raise TypeError(f"{type(self).__name__} has one region and cannot be cut out")

    def _summary_lines(self, info):
        return super()._summary_lines(info)

    # --- plots -------------------------------------------------------------------------

    def plot_counts(self, ax=None):
        """Counts per reconstructed-energy bin (√n errors) and the background: the predicted
        background, or α × OFF counts for an On/Off dataset. Bins outside ``mask_safe``
        are shaded.

        Parameters
        ----------
        ax : `~matplotlib.axes.Axes`, optional
            Default: the current axes.

        Returns
        -------
        ax : `~matplotlib.axes.Axes`
        """
        from ._plotting import plot_spectrum_counts

        return plot_spectrum_counts(self, ax=ax)

    def plot_excess(self, ax=None):
        """Excess (counts − background) per reconstructed-energy bin, with errors
        √(n_on + α² n_off) for an On/Off dataset and √n_on otherwise. Bins outside
        ``mask_safe`` are shaded.

        Parameters
        ----------
        ax : `~matplotlib.axes.Axes`, optional
            Default: the current axes.

        Returns
        -------
        ax : `~matplotlib.axes.Axes`
        """
        from ._plotting import plot_spectrum_excess

        return plot_spectrum_excess(self, ax=ax)

    def peek(self, figsize=(10, 8)):
        """Quick look: counts, excess, exposure against true energy and the
        energy-dispersion matrix, in a 2 × 2 figure.

        Parameters
        ----------
        figsize : tuple of float
            Figure size in inches. Default is (10, 8).

        Returns
        -------
        fig : `~matplotlib.figure.Figure`
        """
        from ._plotting import peek_spectrum

        return peek_spectrum(self, figsize=figsize)


@attrs.define(kw_only=True, eq=False, slots=False)
class SpectrumDataset(_SpectrumMixin, MapDataset):
    """Counts, background and exposure spectra in one ON region (Cash statistic)."""

    tag = "SpectrumDataset"


@attrs.define(kw_only=True, eq=False, slots=False)
class SpectrumDatasetOnOff(_SpectrumMixin, MapDatasetOnOff):
    """ON and OFF counts spectra with their acceptances (WStat statistic)."""

    tag = "SpectrumDatasetOnOff"

    def stack(self, other, *, nan_to_num=True):
        """See `MapDatasetOnOff.stack`."""
        if not isinstance(other, MapDatasetOnOff):
            raise TypeError(
                f"can only stack an On/Off dataset into {type(self).__name__}, got "
                f"{type(other).__name__}"
            )
        super().stack(other, nan_to_num=nan_to_num)

    def to_spectrum_dataset(self, name=None):
        """A `SpectrumDataset` whose background is ``alpha × counts_off``."""
        base = self.to_map_dataset(name=name)
        return SpectrumDataset(**{f.name: getattr(base, f.name) for f in attrs.fields(MapDataset)})
