"""The distribution of all simulated showers of a toy run, in energy and core distance.

Effective areas divide the triggered events by every shower simulated. The toy
source knows every shower: shower ``i`` of a run is a pure function of the run key
and ``i`` (`cherenkit_toysim.showers.draw_showers`), so the showers are drawn
again here, in chunks, without simulating a single image, and counted.

Binning, chosen like sim_telarray's histogram 6 so that IRF code treats both
sources alike:

* energy: ``bins_per_decade`` bins per decade (20 by default, as sim_telarray),
  with edges on the grid ``10**(k / bins_per_decade)`` TeV, from the last grid edge
  at or below ``energy_min`` to the first at or above ``energy_max``. Aligned to
  decades, the bins merge exactly into the 5 or 10 bins per decade that IRFs
  usually have; each is 12 % wide in energy, about the best energy resolution of
  IACTs, so finer bins would resolve nothing an IRF can use.
* core distance: ``n_core_bins`` equal bins (200 by default, as sim_telarray) from
  0 to the radius of the disk the cores are drawn in, measured on the ground from
  its centre (the array centre), as `~cherenkit_toysim.showers.draw_showers`
  draws them.

Every shower lies inside these bins, so the histogram sums to the number of
showers exactly (a distance or energy beyond an outer edge by float round-off
counts in the outermost bin).
"""

from __future__ import annotations

import math

import numpy as np

from .showers import draw_showers

__all__ = [
    "core_distance_edges",
    "count_showers",
    "energy_edges",
    "simulated_shower_histogram",
]

_CHUNK = 65536  # showers drawn at once: ~10 MB of temporaries
_GRID_TOLERANCE = 1e-9  # in units of bins: an energy limit this close to an edge is on it


def energy_edges(energy_min_tev: float, energy_max_tev: float, bins_per_decade: int):
    """Decade-aligned log energy bin edges (TeV) covering ``[energy_min, energy_max]``.

    Parameters
    ----------
    energy_min_tev, energy_max_tev : float
        The simulated energy range, TeV, ``0 < energy_min_tev < energy_max_tev``.
    bins_per_decade : int

    Returns
    -------
    `numpy.ndarray` of float64
        ``10**(k / bins_per_decade)`` for consecutive integers ``k``; the outer
        edges are moved onto the limits when these lie within float round-off
        beyond them, so that the edges always contain the range.

    Examples
    --------
    >>> energy_edges(0.03, 100.0, 2).round(4).tolist()
    [0.01, 0.0316, 0.1, 0.3162, 1.0, 3.1623, 10.0, 31.6228, 100.0]
    """
    low = math.floor(math.log10(energy_min_tev) * bins_per_decade + _GRID_TOLERANCE)
    high = math.ceil(math.log10(energy_max_tev) * bins_per_decade - _GRID_TOLERANCE)
    high = max(high, low + 1)
    edges = 10.0 ** (np.arange(low, high + 1) / bins_per_decade)
    edges[0] = min(edges[0], energy_min_tev)
    edges[-1] = max(edges[-1], energy_max_tev)
    return edges


def core_distance_edges(scatter_radius_m: float, n_bins: int):
    """Equal core-distance bin edges (m) from 0 to the scatter radius.

    A radius of 0 (every core at the centre) gets bins up to 1 m.

    Examples
    --------
    >>> core_distance_edges(600.0, 4).tolist()
    [0.0, 150.0, 300.0, 450.0, 600.0]
    """
    upper = scatter_radius_m if scatter_radius_m > 0 else 1.0
    return np.linspace(0.0, upper, n_bins + 1)


def _bin_index(values, edges):
    """Bin of each value, half-open bins, the last one closed, outside values clipped."""
    index = np.searchsorted(edges, values, side="right") - 1
    index[values == edges[-1]] = len(edges) - 2
    return np.clip(index, 0, len(edges) - 2)


def count_showers(energy_tev, core_dist_m, energy_edges_tev, core_edges_m):
    """Showers per (energy, core distance) bin, int64, shape (n_energy_bins, n_core_bins).

    Bins as `numpy.histogram2d` makes them (``[a, b)``, the last ``[a, b]``), except
    that values beyond the outer edges count in the outermost bins.
    """
    n_energy, n_core = len(energy_edges_tev) - 1, len(core_edges_m) - 1
    flat = _bin_index(energy_tev, energy_edges_tev) * n_core + _bin_index(core_dist_m, core_edges_m)
    return np.bincount(flat, minlength=n_energy * n_core).reshape(n_energy, n_core)


def simulated_shower_histogram(
    settings, n_showers: int, energy_edges_tev, core_edges_m, *, chunk: int = _CHUNK
):
    """Count showers ``0 .. n_showers - 1`` of a run, drawn exactly as the run draws them.

    Parameters
    ----------
    settings : `cherenkit_toysim.simulation.RunSettings`
    n_showers : int
    energy_edges_tev, core_edges_m : `numpy.ndarray` of float64
    chunk : int
        Showers drawn at once (only memory depends on it).

    Returns
    -------
    `numpy.ndarray` of int64, shape (n_energy_bins, n_core_bins)
        Core distance is ``hypot(core_x, core_y)`` on the ground.
    """
    counts = np.zeros((len(energy_edges_tev) - 1, len(core_edges_m) - 1), np.int64)
    for start in range(0, n_showers, chunk):
        index = np.arange(start, min(start + chunk, n_showers), dtype=np.int64)
        showers = draw_showers(
            settings.key,
            index,
            energy_min_tev=settings.energy_min_tev,
            energy_max_tev=settings.energy_max_tev,
            spectral_index=settings.spectral_index,
            pointing_alt_rad=settings.pointing_alt_rad,
            pointing_az_rad=settings.pointing_az_rad,
            viewcone_rad=settings.viewcone_rad,
            scatter_radius_m=settings.scatter_radius_m,
            site_height_m=settings.site_height_m,
        )
        core_dist = np.hypot(showers.core_x_m, showers.core_y_m)
        counts += count_showers(showers.energy_tev, core_dist, energy_edges_tev, core_edges_m)
    return counts
