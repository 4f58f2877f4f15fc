"""Toy gamma-ray air showers: energies, directions, cores, depths and their light.

Everything here is plain float64 numpy in fixed units (TeV, rad, m, g cm⁻²) and
vectorised over showers. The physics is deliberately simple and fully documented:

* Atmosphere: isothermal, ``X_v(h) = X_SEA exp(-h / H)`` (vertical depth above the
  height ``h`` a.s.l.), flat Earth. Density ``rho = X_v / H``; refractivity
  ``n - 1 = ETA_SEA exp(-h / H)``.
* Longitudinal development: a photon converts after an exponential depth ``X_1``
  (mean ``9/7 X_0``); the cascade then peaks where the mean depth of maximum of a
  photon shower, ``X_0 (ln(E / E_c) + 0.5)`` (Rossi's approximation B, as in the
  PDG review), puts it: ``X_max = X_1 + X_0 (ln(E / E_c) + 0.5 - 9/7)`` (slant depth
  along the axis; the elongation rate ``X_0 ln 10`` per decade is Heitler's, see
  Matthews 2005). A maximum deeper than 90 % of the atmosphere above the site
  stays there. The profile around the maximum is a Gaussian in depth of width
  ``LONGITUDINAL_SPREAD sqrt(ln(E / E_c))`` (the sqrt-log growth of the width of
  Greisen's profile).
* Lateral spread of the light-emitting electrons: ``LATERAL_FRACTION`` of the
  Molière radius at the maximum, ``r_M = 9.6 g cm⁻² / rho`` (Greisen 1960).
* Cherenkov light pool (de Naurois & Mazin 2015): the light from the maximum,
  emitted at the Cherenkov angle ``sqrt(2 (n - 1))`` there, fills a disk of radius
  ``R_pool = D tan(theta_c)`` (``D`` the distance from the maximum to the ground
  along the axis) with a nearly flat photo-electron density proportional to the
  energy, and falls off exponentially outside (scale ``POOL_TAIL R_pool``). The
  density scales as ``(R_REF / R_pool)²`` so that the light in the pool stays
  proportional to the energy whatever the zenith angle.

References
----------
Particle Data Group, S. Navas et al., "Review of Particle Physics", Phys. Rev. D 110
(2024) 030001, section 34.5 (electromagnetic cascades), doi:10.1103/PhysRevD.110.030001.

J. Matthews, "A Heitler model of extensive air showers", Astropart. Phys. 22 (2005)
387, doi:10.1016/j.astropartphys.2004.09.003.

K. Greisen, "Cosmic ray showers", Ann. Rev. Nucl. Sci. 10 (1960) 63,
doi:10.1146/annurev.ns.10.120160.000431.

M. de Naurois and D. Mazin, "Ground-based detectors in very-high-energy gamma-ray
astronomy", C. R. Physique 16 (2015) 610, doi:10.1016/j.crhy.2015.08.011.

T. K. Gaisser, R. Engel and E. Resconi, "Cosmic Rays and Particle Physics", 2nd ed.,
Cambridge University Press (2016), chapters 15-16 (atmosphere, cascades).
"""

from __future__ import annotations

import attrs
import numpy as np

from ._random import STREAMS, derive_keys, uniforms
from ._vectors import pointing_basis

__all__ = [
    "Showers",
    "cherenkov_angle",
    "draw_showers",
    "height_at_vertical_depth",
    "mean_refractivity",
    "photoelectron_density",
    "vertical_depth",
]

X_SEA = 1033.0
"""Vertical depth of the atmosphere at sea level, g cm⁻²."""
SCALE_HEIGHT = 7500.0
"""Scale height of the isothermal atmosphere, m."""
ETA_SEA = 2.9e-4
"""Refractivity ``n - 1`` of air at sea level (visible light)."""
RADIATION_LENGTH = 36.7
"""Radiation length of electrons in air ``X_0``, g cm⁻²."""
CRITICAL_ENERGY = 85e-6
"""Critical energy of electrons in air ``E_c``, TeV (85 MeV)."""
LONGITUDINAL_SPREAD = 35.0
"""Gaussian width of the longitudinal profile per ``sqrt(ln(E / E_c))``, g cm⁻²."""
LATERAL_FRACTION = 0.04
"""RMS lateral spread of the light-emitting electrons, in Molière radii."""
MOLIERE_DEPTH = 9.6
"""Molière radius as a depth, g cm⁻²."""
PE_DENSITY = 10.0
"""Photo-electrons per m² of mirror and per TeV inside a pool of radius `R_REF`."""
R_REF = 120.0
"""Reference light-pool radius of `PE_DENSITY`, m."""
POOL_TAIL = 0.4
"""Exponential scale of the density outside the pool, in pool radii."""


def vertical_depth(height_m):
    """Vertical atmospheric depth above ``height_m`` (a.s.l.), g cm⁻²."""
    return X_SEA * np.exp(-np.asarray(height_m) / SCALE_HEIGHT)


def height_at_vertical_depth(depth_g_cm2):
    """Height a.s.l. (m) where the vertical depth is ``depth_g_cm2``."""
    return -SCALE_HEIGHT * np.log(np.asarray(depth_g_cm2) / X_SEA)


def cherenkov_angle(height_m):
    """Cherenkov angle of ultra-relativistic particles at ``height_m``, rad."""
    return np.sqrt(2.0 * ETA_SEA * np.exp(-np.asarray(height_m) / SCALE_HEIGHT))


def mean_refractivity(h1_m, h2_m):
    """Refractivity ``n - 1`` averaged over heights between ``h1_m`` and ``h2_m``."""
    h1, h2 = np.asarray(h1_m, np.float64), np.asarray(h2_m, np.float64)
    dh = h2 - h1
    small = np.abs(dh) < 1.0
    safe = np.where(small, 1.0, dh)
    mean = ETA_SEA * SCALE_HEIGHT * (np.exp(-h1 / SCALE_HEIGHT) - np.exp(-h2 / SCALE_HEIGHT)) / safe
    return np.where(small, ETA_SEA * np.exp(-0.5 * (h1 + h2) / SCALE_HEIGHT), mean)


def photoelectron_density(impact_m, energy_tev, pool_radius_m):
    """Photo-electrons per m² of mirror at ``impact_m`` from the shower axis.

    Flat at ``PE_DENSITY E (R_REF / R_pool)²`` inside the pool, falling as
    ``exp(-(r - R_pool) / (POOL_TAIL R_pool))`` outside.
    """
    r, radius = np.asarray(impact_m), np.asarray(pool_radius_m)
    plateau = PE_DENSITY * np.asarray(energy_tev) * (R_REF / radius) ** 2
    outside = np.maximum(r - radius, 0.0) / (POOL_TAIL * radius)
    return plateau * np.exp(-outside)


@attrs.frozen(kw_only=True, eq=False)
class Showers:
    """Simulated showers as columns (one row per shower).

    Attributes
    ----------
    shower_index : `numpy.ndarray` of int64
        Number of the shower in the run, from 0: its random numbers depend on it alone.
    energy_tev : `numpy.ndarray` of float64
    alt_rad, az_rad : `numpy.ndarray` of float64
        Arrival direction (the direction the shower comes from).
    core_x_m, core_y_m : `numpy.ndarray` of float64
        Impact point in the ground frame (x north, y west).
    x_first_g_cm2, h_first_int_m : `numpy.ndarray` of float64
        Slant depth and height (a.s.l.) of the first interaction.
    x_max_g_cm2, h_max_m : `numpy.ndarray` of float64
        Slant depth and height (a.s.l.) of the shower maximum.
    longitudinal_spread_m, lateral_spread_m : `numpy.ndarray` of float64
        RMS extent of the light emission along and across the axis at the maximum.
    """

    shower_index: np.ndarray
    energy_tev: np.ndarray
    alt_rad: np.ndarray
    az_rad: np.ndarray
    core_x_m: np.ndarray
    core_y_m: np.ndarray
    x_first_g_cm2: np.ndarray
    h_first_int_m: np.ndarray
    x_max_g_cm2: np.ndarray
    h_max_m: np.ndarray
    longitudinal_spread_m: np.ndarray
    lateral_spread_m: np.ndarray

    def __len__(self) -> int:
        return len(self.shower_index)

    def take(self, index) -> Showers:
        """The showers at ``index`` (mask, indices or slice)."""
        return Showers(**{f.name: getattr(self, f.name)[index] for f in attrs.fields(Showers)})


def power_law_energies(u, energy_min_tev, energy_max_tev, spectral_index):
    """Inverse CDF of ``dN/dE ∝ E^spectral_index`` between the bounds, at ``u`` in (0, 1)."""
    if spectral_index == -1.0:
        return energy_min_tev * (energy_max_tev / energy_min_tev) ** u
    g = spectral_index + 1.0
    low, high = energy_min_tev**g, energy_max_tev**g
    return (low + u * (high - low)) ** (1.0 / g)


def draw_showers(
    key,
    shower_index,
    *,
    energy_min_tev: float,
    energy_max_tev: float,
    spectral_index: float,
    pointing_alt_rad: float,
    pointing_az_rad: float,
    viewcone_rad: float,
    scatter_radius_m: float,
    site_height_m: float,
) -> Showers:
    """Draw the showers with the given numbers of a run.

    Parameters
    ----------
    key : `numpy.uint64`
        Run key (`cherenkit_toysim._random.run_key`).
    shower_index : `numpy.ndarray` of int, shape (n,)
        Shower numbers; shower ``i`` is the same in every call.
    energy_min_tev, energy_max_tev : float
        Energy range, TeV.
    spectral_index : float
        Power-law index of ``dN/dE`` (e.g. -2).
    pointing_alt_rad, pointing_az_rad : float
        Array pointing, the centre of the view cone.
    viewcone_rad : float
        Radius of the cone of arrival directions (uniform in solid angle); 0 for a
        point source at the pointing position.
    scatter_radius_m : float
        Cores are uniform in a disk of this radius on the ground around the origin.
    site_height_m : float
        Height of the ground frame origin a.s.l.

    Returns
    -------
    Showers
    """
    index = np.asarray(shower_index, dtype=np.int64)
    u = uniforms(derive_keys(key, STREAMS["shower"], index), 7)
    energy = power_law_energies(u[:, 0], energy_min_tev, energy_max_tev, spectral_index)

    # direction: uniform in solid angle within the view cone around the pointing
    cos_offset = 1.0 - u[:, 1] * (1.0 - np.cos(viewcone_rad))
    sin_offset = np.sqrt(np.maximum(1.0 - cos_offset**2, 0.0))
    phi = 2.0 * np.pi * u[:, 2]
    pointing, e_lon, e_lat = pointing_basis(pointing_alt_rad, pointing_az_rad)
    direction = (
        cos_offset[:, None] * pointing
        + (sin_offset * np.cos(phi))[:, None] * e_lat
        + (sin_offset * np.sin(phi))[:, None] * e_lon
    )
    alt = np.arcsin(np.clip(direction[:, 2], -1.0, 1.0))
    az = np.mod(np.arctan2(-direction[:, 1], direction[:, 0]), 2.0 * np.pi)

    # core: uniform in area in a disk on the ground
    radius = scatter_radius_m * np.sqrt(u[:, 3])
    core_phi = 2.0 * np.pi * u[:, 4]

    # depths along the axis, flat Earth: vertical depth = slant depth * cos(zenith)
    cos_zenith = np.sin(alt)
    log_e = np.log(energy / CRITICAL_ENERGY)
    x_first = -(9.0 / 7.0) * RADIATION_LENGTH * np.log(u[:, 5])
    x_max = x_first + RADIATION_LENGTH * (log_e + 0.5 - 9.0 / 7.0)
    ground = vertical_depth(site_height_m)
    vertical_max = np.minimum(x_max * cos_zenith, 0.9 * ground)
    h_max = height_at_vertical_depth(vertical_max)
    h_first = height_at_vertical_depth(np.minimum(x_first * cos_zenith, 0.9 * ground))

    # extent of the emission around the maximum: depth spreads over local density
    column = SCALE_HEIGHT / vertical_max  # m per (g cm⁻²) at the maximum
    longitudinal = LONGITUDINAL_SPREAD * np.sqrt(log_e) * column
    lateral = LATERAL_FRACTION * MOLIERE_DEPTH * column
    return Showers(
        shower_index=index,
        energy_tev=energy,
        alt_rad=alt,
        az_rad=az,
        core_x_m=radius * np.cos(core_phi),
        core_y_m=radius * np.sin(core_phi),
        x_first_g_cm2=x_first,
        h_first_int_m=h_first,
        x_max_g_cm2=vertical_max / cos_zenith,
        h_max_m=h_max,
        longitudinal_spread_m=longitudinal,
        lateral_spread_m=lateral,
    )
