"""Background rate templates from off observations (GADF ``BKG_2D`` / ``BKG_3D``).

The events of observations without strong gamma-ray sources (or with their sources
cut out by exclusion regions) are histogrammed in reconstructed energy and in
field-of-view (FoV) coordinates, and divided by the exposure of each bin:

.. math::

    R_{ij} = \\frac{N_{ij}}{\\sum_\\mathrm{runs} T_\\mathrm{live}\\,\\Delta E_i\\,
             \\Delta\\Omega_j\\,(1 - f_{j,\\mathrm{excl}})}
    \\qquad [\\mathrm{s^{-1}\\,MeV^{-1}\\,sr^{-1}}]

with :math:`N_{ij}` the counts summed over the runs, :math:`T_\\mathrm{live}` the
live time (GTI sum times ``DEADC``), :math:`\\Delta E_i` the energy bin width,
:math:`\\Delta\\Omega_j` the exact solid angle of the FoV bin (an annulus
:math:`2\\pi(\\cos\\theta_1 - \\cos\\theta_2)` for ``BKG_2D``; a spherical rectangle
:math:`\\Delta\\mathrm{lon}\\,(\\sin\\mathrm{lat}_2 - \\sin\\mathrm{lat}_1)` for
``BKG_3D``) and :math:`f_{j,\\mathrm{excl}}` the live-time averaged fraction of the
bin covered by exclusion regions.

FoV coordinates are those of `cherenkit.data.EventList.fov_lon` (gammapy's
``sky_to_fov``: the sky rotated so that the pointing is at (0, 0), longitude
reversed). ``BKG_2D`` uses the offset from the pointing. ``BKG_3D`` is AltAz
aligned by default (``FOVALIGN = 'ALTAZ'``): each event's horizontal coordinates
and the pointing's horizontal coordinates at the event's time are computed with
astropy (no refraction), in one vectorised transformation per run, and
``(fov_lon, fov_lat) = sky_to_fov(az, alt, az_pnt, alt_pnt)``. The astrometry
context is interpolated in time (`astropy.coordinates.erfa_astrom.ErfaAstromInterpolator`
every 300 s; its error is below 1e-6 arcsec here) because computing it per event
costs about a hundred times more.

Approximations
--------------
- Exclusion: events inside any exclusion region are removed exactly. The excluded
  solid angle of a bin is estimated by sampling the bin on a regular sub-grid
  (``exclusion_sampling``, default 0.02 deg, each sample weighted by its solid
  angle). For AltAz-aligned FoV bins the regions turn in the FoV during a run: the
  excluded fraction is averaged over time samples (the GTIs cut into slices of at
  most ``exclusion_time_step``, default 120 s, each weighted by its duration, i.e.
  the dead-time fraction is taken as constant within a run), and within one slice
  the transformation between the AltAz- and the RA/Dec-aligned FoV is taken as the
  orthogonal map across the pointing axis measured with two reference points
  (differential aberration, of order 1e-4 of the offset, is neglected; the tests
  bound the error by 1 arcsec at 2.5 deg).
- Zenith binning uses each run's mean zenith angle of the pointing, averaged over
  the same time slices (live-time weighted, no refraction).
- Smoothing (``smooth=sigma``): a Gaussian kernel of standard deviation ``sigma``
  along the angular axes only (offset, or fov_lon and fov_lat), truncated at
  4 sigma, in bins of the (uniform) angular axes. The smoothed rate is the ratio
  of the smoothed counts to the smoothed exposure (a kernel regression: a flat rate
  stays flat, and fully excluded bins are filled from their neighbours), scaled in
  each energy bin so that the model predicts exactly the observed number of events
  for the exposure of the input runs (the total is conserved).
- Events are used as they are in the event list: no GTI or energy-threshold cut
  is applied beyond the histogram ranges.

References
----------
.. [GADF] "Data formats for gamma-ray astronomy", "Background":
   https://gamma-astro-data-formats.readthedocs.io/en/latest/irfs/full_enclosure/bkg/index.html
.. [Mohrmann2019] Mohrmann, L. et al., "Validation of open-source science tools and
   background model construction in gamma-ray astronomy", A&A 632, A72 (2019),
   https://doi.org/10.1051/0004-6361/201936452
.. [Berge2007] Berge, D., Funk, S., Hinton, J., "Background modelling in very-high-energy
   gamma-ray astronomy", A&A 466, 1219 (2007), https://doi.org/10.1051/0004-6361:20066674
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import ClassVar

import attrs
import numpy as np

from cherenkit.errors import DataFormatError, ParameterError

__all__ = [
    "BackgroundHistogram",
    "BackgroundModelEstimator",
    "ZenithBinnedBackground",
    "fov_altaz_coordinates",
    "mean_zenith",
    "write_background_models",
]

_OWNER = "BackgroundModelEstimator"
_ALIGNMENTS = ("ALTAZ", "RADEC")
#: time resolution of the interpolated astrometry (ErfaAstromInterpolator)
ASTROMETRY_TIME_RESOLUTION_S = 300.0
#: Gaussian kernel truncation, in standard deviations
SMOOTH_TRUNCATE = 4.0
_CREATOR = "cherenkit BackgroundModelEstimator"


# --- small geometry helpers (plain float64 radians) ------------------------------------------


def _fov_to_sky_rad(fov_lon, fov_lat, lon0, lat0):
    """Inverse of `cherenkit.data._utils.sky_to_fov_rad` (all radians)."""
    cos_b = np.cos(fov_lat)
    x = cos_b * np.cos(fov_lon)
    y = -cos_b * np.sin(fov_lon)  # the FoV longitude is reversed
    z = np.sin(fov_lat)
    sin0, cos0 = np.sin(lat0), np.cos(lat0)
    xs = x * cos0 - z * sin0
    zs = x * sin0 + z * cos0
    lon = np.mod(lon0 + np.arctan2(y, xs), 2 * np.pi)
    return lon, np.arctan2(zs, np.hypot(xs, y))


def _map_fov_rad(fov_lon, fov_lat, matrix):
    """Apply a 2x2 orthogonal map to the directions across the pointing axis.

    In the vector ``(x, y, z) = (cos b cos l, cos b sin l, sin b)`` of FoV position
    ``(l, b)``, ``x`` (along the pointing) is kept and ``(y, z)`` is multiplied by
    ``matrix`` (shape (..., 2, 2), broadcast against the positions).
    """
    cos_b = np.cos(fov_lat)
    x = cos_b * np.cos(fov_lon)
    y = cos_b * np.sin(fov_lon)
    z = np.sin(fov_lat)
    y2 = matrix[..., 0, 0] * y + matrix[..., 0, 1] * z
    z2 = matrix[..., 1, 0] * y + matrix[..., 1, 1] * z
    return np.arctan2(y2, x), np.arctan2(z2, np.hypot(x, y2))


def _interpolated_astrometry():
    import astropy.units as u
    from astropy.coordinates.erfa_astrom import ErfaAstromInterpolator, erfa_astrom

    return erfa_astrom.set(ErfaAstromInterpolator(ASTROMETRY_TIME_RESOLUTION_S * u.s))


def _altaz_rad(ra, dec, time, location):
    """Azimuth and altitude (radians) of ICRS positions at ``time`` (broadcast)."""
    import astropy.units as u
    from astropy.coordinates import AltAz, SkyCoord

    with _interpolated_astrometry():
        coords = SkyCoord(ra * u.rad, dec * u.rad, frame="icrs")
        altaz = coords.transform_to(AltAz(obstime=time, location=location))
        return (
            np.asarray(altaz.az.to_value(u.rad), dtype=np.float64),
            np.asarray(altaz.alt.to_value(u.rad), dtype=np.float64),
        )


def fov_altaz_coordinates(radec, time, pointing, location):
    """AltAz-aligned FoV coordinates of sky positions at their times.

    Both the positions and the (fixed RA/Dec) pointing are transformed to
    horizontal coordinates at ``time`` with astropy (no refraction; astrometry
    interpolated every 300 s) in one vectorised call, and
    ``(fov_lon, fov_lat) = sky_to_fov(az, alt, az_pnt, alt_pnt)`` (longitude
    reversed, positive towards decreasing azimuth, as gammapy's ``FoVAltAzFrame``).

    Parameters
    ----------
    radec : `~astropy.coordinates.SkyCoord`, shape (n,)
        Positions (e.g. reconstructed event directions).
    time : `~astropy.time.Time`, shape (n,) or scalar
    pointing : `~astropy.coordinates.SkyCoord`, scalar
        Pointing position (converted to ICRS).
    location : `~astropy.coordinates.EarthLocation`

    Returns
    -------
    fov_lon, fov_lat : `~astropy.coordinates.Angle`, shape (n,), deg
    """
    from astropy.coordinates import Angle

    radec = radec.icrs
    pointing = pointing.icrs
    ra = np.asarray(radec.ra.rad, dtype=np.float64)
    dec = np.asarray(radec.dec.rad, dtype=np.float64)
    lon, lat = _fov_altaz_rad(ra, dec, time, pointing.ra.rad, pointing.dec.rad, location)
    return Angle(np.rad2deg(lon), "deg"), Angle(np.rad2deg(lat), "deg")


def _fov_altaz_rad(ra, dec, time, ra0, dec0, location):
    """AltAz-aligned FoV coordinates (radians) of ICRS positions (radians) at ``time``."""
    from cherenkit.data._utils import sky_to_fov_rad

    n = ra.shape[0]
    # one transformation: row 0 the positions, row 1 the pointing, both at ``time``
    both_ra = np.stack([ra, np.full(n, ra0)])
    both_dec = np.stack([dec, np.full(n, dec0)])
    az, alt = _altaz_rad(both_ra, both_dec, time, location)
    return sky_to_fov_rad(az[0], alt[0], az[1], alt[1])


def _time_samples(gti, step_s):
    """Mid-times (`~astropy.time.Time`) and durations (s) of the GTIs cut into slices."""
    from astropy.time import TimeDelta

    start = gti.time_start
    delta = gti.time_delta.to_value("s")
    nslice = np.maximum(1, np.ceil(delta / step_s)).astype(int)
    which = np.repeat(np.arange(len(delta)), nslice)
    k = np.concatenate([np.arange(n) for n in nslice])
    width = delta[which] / nslice[which]
    offset = (k + 0.5) * width
    times = start[which] + TimeDelta(offset, format="sec", scale=start.scale)
    return times, width


def _bin_samples(edges, sampling):
    """Regular sub-samples of each bin: (centres, widths, bin index)."""
    width = np.diff(edges)
    nsub = np.maximum(1, np.ceil(width / sampling)).astype(int)
    which = np.repeat(np.arange(width.size), nsub)
    k = np.concatenate([np.arange(n) for n in nsub])
    sub = width[which] / nsub[which]
    return edges[which] + (k + 0.5) * sub, sub, which


def _radec_to_altaz_matrix(ra0, dec0, times, pnt_az, pnt_alt, location):
    """Map of the RA/Dec-aligned FoV onto the AltAz-aligned one at each time, (n, 2, 2).

    Close to the pointing both FoV frames are the same sphere seen in two orthogonal
    bases across the pointing axis; the basis is measured with two reference points
    0.1 deg along each FoV axis, transformed exactly with astropy. (Azimuth turns the
    other way than right ascension, so the map includes a reflection.)
    """
    from cherenkit.data._utils import sky_to_fov_rad

    d = np.deg2rad(0.1)
    ref_ra, ref_dec = _fov_to_sky_rad(np.array([d, 0.0]), np.array([0.0, d]), ra0, dec0)
    n = len(times)
    az, alt = _altaz_rad(
        np.repeat(ref_ra[:, None], n, axis=1),
        np.repeat(ref_dec[:, None], n, axis=1),
        times,
        location,
    )
    lon, lat = sky_to_fov_rad(az, alt, pnt_az, pnt_alt)  # shape (2, n)
    y = np.cos(lat) * np.sin(lon)
    z = np.sin(lat)
    norm = np.hypot(y, z)
    matrix = np.empty((n, 2, 2))
    matrix[:, 0, 0], matrix[:, 1, 0] = y[0] / norm[0], z[0] / norm[0]  # image of the y axis
    matrix[:, 0, 1], matrix[:, 1, 1] = y[1] / norm[1], z[1] / norm[1]  # image of the z axis
    return matrix


# --- histogram --------------------------------------------------------------------------------


@attrs.frozen(eq=False, kw_only=True)
class BackgroundHistogram:
    """Counts and exposure of off observations on the axes of a background model.

    Parameters
    ----------
    axes : tuple of `~cherenkit.maps.MapAxis`
        ``(energy, offset)`` or ``(energy, fov_lon, fov_lat)``.
    counts : `~numpy.ndarray`
        Events per bin, shape of the axes.
    exposure : `~numpy.ndarray`
        Live time × energy width × (non-excluded) solid angle per bin, in s MeV sr.
    livetime : float
        Summed live time of the runs, s.
    obs_ids : tuple of int
    zenith : tuple of float
        Mean zenith angle of each run's pointing (deg); NaN where unknown.
    fov_alignment : {"ALTAZ", "RADEC"}
        Alignment of the FoV axes (3-d only; "RADEC" for 2-d).
    """

    axes: tuple = attrs.field(converter=tuple)
    counts: np.ndarray = attrs.field(converter=np.asarray)
    exposure: np.ndarray = attrs.field(converter=np.asarray)
    livetime: float = 0.0
    obs_ids: tuple = attrs.field(default=(), converter=tuple)
    zenith: tuple = attrs.field(default=(), converter=tuple)
    fov_alignment: str = "RADEC"

    unit: ClassVar[str] = "s-1 MeV-1 sr-1"

    @property
    def is_3d(self):
        """True for (energy, fov_lon, fov_lat) axes."""
        return len(self.axes) == 3

    @property
    def rate(self):
        """Rate: counts / exposure, 0 where the exposure is 0 (`~astropy.units.Quantity`)."""
        import astropy.units as u

        return u.Quantity(_safe_ratio(self.counts, self.exposure), self.unit)

    @property
    def rate_error(self):
        """Poisson error of `rate`, ``sqrt(counts) / exposure`` (`~astropy.units.Quantity`)."""
        import astropy.units as u

        return u.Quantity(_safe_ratio(np.sqrt(self.counts), self.exposure), self.unit)

    def stack(self, other):
        """The sum of two histograms on the same axes (counts, exposure, live time, runs)."""
        if tuple(self.axes) != tuple(other.axes) or self.fov_alignment != other.fov_alignment:
            raise ValueError("can only stack background histograms with equal axes and alignment")
        return attrs.evolve(
            self,
            counts=self.counts + other.counts,
            exposure=self.exposure + other.exposure,
            livetime=self.livetime + other.livetime,
            obs_ids=self.obs_ids + other.obs_ids,
            zenith=self.zenith + other.zenith,
        )

    def smoothed_rate(self, sigma):
        """Rate smoothed with a Gaussian of standard deviation ``sigma`` (angle) in FoV.

        See the module notes: ratio of smoothed counts to smoothed exposure, rescaled
        per energy bin so that ``sum(rate * exposure) == sum(counts)``.

        Returns
        -------
        rate : `~numpy.ndarray`, in s-1 MeV-1 sr-1
        """
        from scipy.ndimage import gaussian_filter

        sigma_bins = [0.0]
        for axis in self.axes[1:]:
            width = np.diff(axis.edges_value)
            if not np.allclose(width, width[0], rtol=1e-6, atol=0):
                raise ParameterError(
                    _OWNER,
                    "smooth",
                    f"smoothing needs uniform angular bins; axis {axis.name!r} has widths "
                    f"{width.min():.4g}..{width.max():.4g} {axis.unit}",
                )
            sigma_bins.append(float(_angle_value(sigma, axis.unit)) / width[0])
        options = {"sigma": sigma_bins, "mode": "constant", "truncate": SMOOTH_TRUNCATE}
        counts = gaussian_filter(self.counts.astype(np.float64), **options)
        exposure = gaussian_filter(self.exposure.astype(np.float64), **options)
        rate = _safe_ratio(counts, exposure)
        predicted = (rate * self.exposure).reshape(len(rate), -1).sum(axis=1)
        observed = self.counts.reshape(len(rate), -1).sum(axis=1)
        scale = _safe_ratio(observed, predicted)
        return rate * scale.reshape((-1,) + (1,) * (rate.ndim - 1))

    def to_model(self, *, smooth=None, meta=None):
        """`~cherenkit.irf.Background2D` or `~cherenkit.irf.Background3D` of the rate.

        Parameters
        ----------
        smooth : `~astropy.units.Quantity`, optional
            Gaussian standard deviation (angle); see `smoothed_rate`. Default: none.
        meta : dict, optional
            Extra header keywords.
        """
        from .background import Background2D, Background3D

        data = self.rate.value if smooth is None else self.smoothed_rate(smooth)
        header = {
            "CREATOR": _CREATOR,
            "N_OBS": len(self.obs_ids),
            "LIVETIME": float(self.livetime),
            "N_EVENTS": round(float(self.counts.sum())),
        }
        if smooth is not None:
            header["SMOOTH"] = float(_angle_value(smooth, "deg"))
        finite = [z for z in self.zenith if np.isfinite(z)]
        if finite:
            header["ZEN_MEAN"] = float(np.mean(finite))
        header.update(meta or {})
        if self.is_3d:
            header["FOVALIGN"] = self.fov_alignment
            return Background3D(
                axes=self.axes,
                data=data,
                unit=self.unit,
                fov_alignment=self.fov_alignment,
                meta=header,
            )
        return Background2D(axes=self.axes, data=data, unit=self.unit, meta=header)

    # --- plots ------------------------------------------------------------------------------

    def plot_rate(self, ax=None, *, smooth=None):
        """Rate image over (energy, offset), log colour scale; for 3-d, the FoV image summed
        over energy (s-1 sr-1). Empty bins are blank."""
        import matplotlib.pyplot as plt
        from matplotlib.colors import LogNorm

        ax = plt.gca() if ax is None else ax
        rate = self.rate.value if smooth is None else self.smoothed_rate(smooth)
        energy = self.axes[0]
        if self.is_3d:
            width = np.diff(energy.edges.to_value("MeV"))
            image = np.tensordot(width, rate, axes=1)
            lon, lat = self.axes[1], self.axes[2]
            mesh = ax.pcolormesh(
                lon.edges_value,
                lat.edges_value,
                np.where(image > 0, image, np.nan).T,
                norm=LogNorm(),
            )
            ax.set_xlabel(f"FoV lon ({self.fov_alignment}) [{lon.unit}]")
            ax.set_ylabel(f"FoV lat ({self.fov_alignment}) [{lat.unit}]")
            ax.set_aspect("equal")
            plt.colorbar(mesh, ax=ax, label="Background rate [s-1 sr-1]")
            return ax
        offset = self.axes[1]
        mesh = ax.pcolormesh(
            energy.edges_value,
            offset.edges_value,
            np.where(rate > 0, rate, np.nan).T,
            norm=LogNorm(),
        )
        ax.set_xscale("log")
        ax.set_xlabel(f"Reconstructed energy [{energy.unit}]")
        ax.set_ylabel(f"Offset [{offset.unit}]")
        plt.colorbar(mesh, ax=ax, label=f"Background rate [{self.unit}]")
        return ax

    def plot_offset_profiles(self, ax=None, *, n_energy=4):
        """Rate versus offset with Poisson errors at a few energy bins (2-d only)."""
        import matplotlib.pyplot as plt

        if self.is_3d:
            raise ValueError("plot_offset_profiles needs an (energy, offset) histogram")
        ax = plt.gca() if ax is None else ax
        energy, offset = self.axes
        rate, error = self.rate.value, self.rate_error.value
        for i in range(0, energy.nbin, max(1, energy.nbin // n_energy)):
            lo, hi = energy.edges_value[i], energy.edges_value[i + 1]
            ok = self.counts[i] > 0
            ax.errorbar(
                offset.center_value[ok],
                rate[i][ok],
                yerr=error[i][ok],
                fmt="o-",
                ms=3,
                label=f"{lo:.3g}-{hi:.3g} {energy.unit}",
            )
        ax.set_yscale("log")
        ax.set_xlabel(f"Offset [{offset.unit}]")
        ax.set_ylabel(f"Background rate [{self.unit}]")
        ax.legend(loc="best", fontsize="small")
        return ax

    def peek(self, figsize=(12, 5)):
        """Quick-look figure: the rate image and (2-d) the offset profiles."""
        import matplotlib.pyplot as plt

        fig, axes = plt.subplots(1, 2, figsize=figsize)
        self.plot_rate(ax=axes[0])
        if self.is_3d:
            energy = self.axes[0]
            axes[1].stairs(self.counts.reshape(energy.nbin, -1).sum(axis=1), energy.edges_value)
            axes[1].set(xscale="log", yscale="log", xlabel=f"Energy [{energy.unit}]")
            axes[1].set_ylabel("Counts")
        else:
            self.plot_offset_profiles(ax=axes[1])
        fig.tight_layout()
        return fig


def _safe_ratio(num, den):
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast_shapes(num.shape, den.shape))
    np.divide(num, den, out=out, where=den > 0)
    return out


def _angle_value(value, unit):
    import astropy.units as u

    return u.Quantity(value, u.deg).to_value(unit)


# --- validators -------------------------------------------------------------------------------


def _check_axis(kind):
    def check(instance, attribute, axis):
        import astropy.units as u

        if axis is None:
            return
        unit = u.Unit(axis.unit)
        physical = u.TeV if kind == "energy" else u.deg
        if not unit.is_equivalent(physical):
            raise ParameterError(
                _OWNER,
                attribute.name,
                f"axis unit {unit.to_string()!r} is not an {kind}",
            )
        if attribute.name in ("offset", "zenith") and axis.edges_value[0] < 0:
            raise ParameterError(_OWNER, attribute.name, "the axis must start at >= 0")

    return check


def _to_quantity(unit):
    def convert(value):
        import astropy.units as u

        if value is None:
            return None
        quantity = u.Quantity(value)
        if not quantity.unit.is_equivalent(unit):
            raise ParameterError(
                _OWNER, "value", f"got {value!r}; expected a quantity in {unit} units"
            )
        return quantity

    return convert


# --- estimator --------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class BackgroundModelEstimator:
    """Background rate model (BKG_2D or BKG_3D) from the events of off observations.

    Give ``offset`` for a radially symmetric `~cherenkit.irf.Background2D`
    (energy × offset), or ``fov_lon`` and ``fov_lat`` for a
    `~cherenkit.irf.Background3D` (energy × FoV lon × FoV lat).

    Parameters
    ----------
    energy : `~cherenkit.maps.MapAxis`
        Reconstructed energy axis.
    offset : `~cherenkit.maps.MapAxis`, optional
        Offset axis (angle, from 0 up) of a 2-d model.
    fov_lon, fov_lat : `~cherenkit.maps.MapAxis`, optional
        FoV axes (angle) of a 3-d model.
    fov_alignment : {"ALTAZ", "RADEC"}
        Alignment of the 3-d FoV axes. Default is "ALTAZ".
    exclusion : `regions.SkyRegion`, list of them, `regions.Regions` or DS9 string, optional
        Sky regions whose events and solid angle are removed. Default: none.
    smooth : `~astropy.units.Quantity`, optional
        Standard deviation (angle) of a Gaussian smoothing along the angular axes.
        Default: none.
    zenith : `~cherenkit.maps.MapAxis`, optional
        Zenith-angle bins: `run` then makes one model per bin, from the runs whose
        mean zenith falls in it. Default: one model from all runs.
    exclusion_sampling : `~astropy.units.Quantity`
        Sub-grid spacing used to measure excluded solid angles. Default is 0.02 deg.
    exclusion_time_step : `~astropy.units.Quantity`
        Longest time slice over which the exclusion (AltAz FoV) and the zenith angle
        are taken as constant. Default is 120 s.

    Examples
    --------
    >>> import astropy.units as u
    >>> from cherenkit.maps import MapAxis
    >>> estimator = BackgroundModelEstimator(
    ...     energy=MapAxis.from_energy_bounds("0.1 TeV", "100 TeV", 12),
    ...     offset=MapAxis.from_bounds(0, 2.5, 10, unit="deg", name="offset"),
    ... )
    >>> model = estimator.run(observations)  # doctest: +SKIP
    """

    name: ClassVar[str] = "background-model"

    energy: object = attrs.field(validator=_check_axis("energy"))
    offset: object = attrs.field(default=None, validator=_check_axis("angle"))
    fov_lon: object = attrs.field(default=None, validator=_check_axis("angle"))
    fov_lat: object = attrs.field(default=None, validator=_check_axis("angle"))
    fov_alignment: str = attrs.field(default="ALTAZ", converter=lambda v: str(v).upper())
    exclusion: object = None
    smooth: object = attrs.field(default=None, converter=_to_quantity("deg"))
    zenith: object = attrs.field(default=None, validator=_check_axis("angle"))
    exclusion_sampling: object = attrs.field(default="0.02 deg", converter=_to_quantity("deg"))
    exclusion_time_step: object = attrs.field(default="120 s", converter=_to_quantity("s"))

    def __attrs_post_init__(self):
        has_2d = self.offset is not None
        has_3d = self.fov_lon is not None or self.fov_lat is not None
        if has_2d == has_3d:
            raise ParameterError(
                _OWNER,
                "offset",
                "give either `offset` (BKG_2D) or both `fov_lon` and `fov_lat` (BKG_3D)",
            )
        if has_3d and (self.fov_lon is None or self.fov_lat is None):
            raise ParameterError(_OWNER, "fov_lon", "a 3-d model needs both fov_lon and fov_lat")
        if self.fov_alignment not in _ALIGNMENTS:
            raise ParameterError(
                _OWNER,
                "fov_alignment",
                f"got {self.fov_alignment!r}; expected one of {', '.join(map(repr, _ALIGNMENTS))}",
            )
        if self.exclusion_sampling.value <= 0 or self.exclusion_time_step.value <= 0:
            raise ParameterError(_OWNER, "exclusion_sampling", "sampling steps must be > 0")

    @property
    def axes(self):
        """The model axes, named as the IRF classes need them."""
        energy = self.energy.copy(name="energy")
        if self.offset is not None:
            return (energy, self.offset.copy(name="offset"))
        return (energy, self.fov_lon.copy(name="fov_lon"), self.fov_lat.copy(name="fov_lat"))

    @property
    def is_3d(self):
        """True when the estimator makes `~cherenkit.irf.Background3D` models."""
        return self.offset is None

    # --- per run ----------------------------------------------------------------------------

    def histogram(self, observations):
        """Counts and exposure of the observations, summed (`BackgroundHistogram`).

        Raises
        ------
        cherenkit.errors.DataFormatError
            An observation lacks events, GTI, live time, or (for AltAz alignment, zenith
            binning) the observatory location.
        ValueError
            No observations.
        """
        result = None
        for obs in observations:
            one = self.observation_histogram(obs)
            result = one if result is None else result.stack(one)
        if result is None:
            raise ValueError(f"{_OWNER}: no observations given")
        return result

    def observation_histogram(self, observation):
        """`BackgroundHistogram` of one observation."""
        from cherenkit.data._utils import angular_separation_rad, sky_to_fov_rad

        obs = observation
        events = obs.events
        if events is None:
            raise DataFormatError(f"observation {obs.obs_id}", "no events HDU in the HDU index")
        livetime = float(obs.observation_live_time_duration.to_value("s"))
        axes = self.axes
        e_unit = axes[0].unit
        energy = events.energy.to_value(e_unit).astype(np.float64, copy=False)
        ra = events.table["RA"].quantity.to_value("rad").astype(np.float64, copy=False)
        dec = events.table["DEC"].quantity.to_value("rad").astype(np.float64, copy=False)
        pointing = obs.pointing.icrs
        ra0, dec0 = float(pointing.ra.rad), float(pointing.dec.rad)

        needs_altaz = (self.is_3d and self.fov_alignment == "ALTAZ") or self.zenith is not None
        location = obs.observatory_earth_location
        if needs_altaz and location is None:
            raise DataFormatError(
                f"observation {obs.obs_id}",
                "no observatory location (GEOLON/GEOLAT/ALTITUDE) for AltAz coordinates",
            )

        keep = None
        if self.exclusion is not None:
            from astropy.coordinates import SkyCoord

            from cherenkit.data._regions import contains

            keep = ~contains(self.exclusion, SkyCoord(ra, dec, unit="rad", frame="icrs"))
            energy, ra, dec = energy[keep], ra[keep], dec[keep]

        # time slices: exclusion in the AltAz FoV and the mean zenith
        times, weights, pnt_az, pnt_alt = None, None, None, None
        if location is not None:
            times, weights = _time_samples(obs.gti, self.exclusion_time_step.to_value("s"))
            pnt_az, pnt_alt = _altaz_rad(
                np.full(len(times), ra0), np.full(len(times), dec0), times, location
            )
        zenith = np.nan
        if pnt_alt is not None:
            zenith = float(90.0 - np.rad2deg(np.average(pnt_alt, weights=weights)))

        if not self.is_3d:
            offset = np.rad2deg(angular_separation_rad(ra0, dec0, ra, dec))
            offset = offset * _angle_factor("deg", axes[1].unit)
            counts, _ = np.histogramdd(
                (energy, offset), bins=(axes[0].edges_value, axes[1].edges_value)
            )
            theta = np.deg2rad(axes[1].edges.to_value("deg"))
            solid = 2 * np.pi * (np.cos(theta[:-1]) - np.cos(theta[1:]))
            if self.exclusion is not None:
                solid = solid * (1.0 - self._excluded_fraction_2d(ra0, dec0))
            alignment = "RADEC"
        else:
            if self.fov_alignment == "ALTAZ":
                time = events.time
                if keep is not None:
                    time = time[keep]
                lon, lat = _fov_altaz_rad(ra, dec, time, ra0, dec0, location)
            else:
                lon, lat = sky_to_fov_rad(ra, dec, ra0, dec0)
            lon = np.rad2deg(lon) * _angle_factor("deg", axes[1].unit)
            lat = np.rad2deg(lat) * _angle_factor("deg", axes[2].unit)
            counts, _ = np.histogramdd(
                (energy, lon, lat),
                bins=(axes[0].edges_value, axes[1].edges_value, axes[2].edges_value),
            )
            lon_e = np.deg2rad(axes[1].edges.to_value("deg"))
            lat_e = np.deg2rad(axes[2].edges.to_value("deg"))
            solid = np.outer(np.diff(lon_e), np.diff(np.sin(lat_e)))
            if self.exclusion is not None:
                frac = self._excluded_fraction_3d(
                    ra0, dec0, times, weights, pnt_az, pnt_alt, location
                )
                solid = solid * (1.0 - frac)
            alignment = self.fov_alignment

        d_energy = np.diff(axes[0].edges.to_value("MeV"))
        exposure = livetime * np.multiply.outer(d_energy, solid)
        return BackgroundHistogram(
            axes=axes,
            counts=counts,
            exposure=exposure,
            livetime=livetime,
            obs_ids=(int(obs.obs_id),),
            zenith=(zenith,),
            fov_alignment=alignment,
        )

    # --- exclusion ------------------------------------------------------------------------

    def _nearby_exclusion(self, ra0, dec0):
        """The exclusion regions that may overlap the FoV of a pointing (list).

        Circles farther than the FoV radius plus their own radius are dropped; other
        region shapes are always kept.
        """
        import regions as rg

        from cherenkit.data._regions import _as_list
        from cherenkit.data._utils import angular_separation_rad

        if self.is_3d:
            lon, lat = self.axes[1].edges.to_value("deg"), self.axes[2].edges.to_value("deg")
            radius = np.hypot(np.abs(lon).max(), np.abs(lat).max())
        else:
            radius = self.axes[1].edges.to_value("deg")[-1]
        kept = []
        for region in _as_list(self.exclusion):
            if isinstance(region, rg.CircleSkyRegion):
                center = region.center.icrs
                distance = np.rad2deg(
                    angular_separation_rad(ra0, dec0, center.ra.rad, center.dec.rad)
                )
                if distance > radius + region.radius.to_value("deg") + 0.1:
                    continue
            kept.append(region)
        return kept

    def _excluded(self, regions, ra, dec):
        from astropy.coordinates import SkyCoord

        from cherenkit.data._regions import contains

        coords = SkyCoord(ra.ravel(), dec.ravel(), unit="rad", frame="icrs")
        return contains(regions, coords).reshape(ra.shape)

    def _excluded_fraction_2d(self, ra0, dec0):
        """Excluded fraction of each offset annulus (solid-angle weighted samples)."""
        regions = self._nearby_exclusion(ra0, dec0)
        if not regions:
            return np.zeros(self.axes[1].nbin)
        step = self.exclusion_sampling.to_value("rad")
        edges = np.deg2rad(self.axes[1].edges.to_value("deg"))
        theta, d_theta, which = _bin_samples(edges, step)
        # azimuth samples per offset sample: spacing <= step along the circle
        n_phi = np.maximum(8, np.ceil(2 * np.pi * np.sin(theta + 0.5 * d_theta) / step)).astype(int)
        rows = np.repeat(np.arange(theta.size), n_phi)
        k = np.concatenate([np.arange(n) for n in n_phi])
        phi = 2 * np.pi * (k + 0.5) / n_phi[rows]
        th = theta[rows]
        weight = (np.cos(th - 0.5 * d_theta[rows]) - np.cos(th + 0.5 * d_theta[rows])) / n_phi[rows]
        # FoV point at offset th, position angle phi -> sky
        fov_lon, fov_lat = (
            np.arctan2(np.sin(th) * np.sin(phi), np.cos(th)),
            np.arcsin(np.sin(th) * np.cos(phi)),
        )
        ra, dec = _fov_to_sky_rad(fov_lon, fov_lat, ra0, dec0)
        excluded = self._excluded(regions, ra, dec)
        nbin = edges.size - 1
        total = np.bincount(which[rows], weights=weight, minlength=nbin)
        cut = np.bincount(which[rows], weights=weight * excluded, minlength=nbin)
        return _safe_ratio(cut, total)

    def _excluded_fraction_3d(self, ra0, dec0, times, weights, pnt_az, pnt_alt, location):
        """Excluded fraction of each FoV bin, time averaged for AltAz alignment."""
        regions = self._nearby_exclusion(ra0, dec0)
        if not regions:
            return np.zeros((self.axes[1].nbin, self.axes[2].nbin))
        step = self.exclusion_sampling.to_value("rad")
        lon_e = np.deg2rad(self.axes[1].edges.to_value("deg"))
        lat_e = np.deg2rad(self.axes[2].edges.to_value("deg"))
        lon, d_lon, i_lon = _bin_samples(lon_e, step)
        lat, d_lat, i_lat = _bin_samples(lat_e, step)
        weight = np.outer(
            d_lon, np.sin(lat + 0.5 * d_lat) - np.sin(lat - 0.5 * d_lat)
        ).ravel()  # solid angle of each sample
        grid_lon = np.repeat(lon, lat.size)
        grid_lat = np.tile(lat, lon.size)
        index = (i_lon[:, None] * (lat_e.size - 1) + i_lat[None, :]).ravel()
        nbin = (lon_e.size - 1) * (lat_e.size - 1)
        if self.fov_alignment == "RADEC":
            ra, dec = _fov_to_sky_rad(grid_lon, grid_lat, ra0, dec0)
            excluded = self._excluded(regions, ra, dec).astype(np.float64)
        else:
            matrix = _radec_to_altaz_matrix(ra0, dec0, times, pnt_az, pnt_alt, location)
            # AltAz FoV -> RA/Dec FoV per time slice: the inverse (transpose) of the map
            inverse = np.swapaxes(matrix, 1, 2)[:, None]
            lon_r, lat_r = _map_fov_rad(grid_lon[None, :], grid_lat[None, :], inverse)
            ra, dec = _fov_to_sky_rad(lon_r, lat_r, ra0, dec0)
            excluded = np.average(self._excluded(regions, ra, dec), axis=0, weights=weights)
        total = np.bincount(index, weights=weight, minlength=nbin)
        cut = np.bincount(index, weights=weight * excluded, minlength=nbin)
        return _safe_ratio(cut, total).reshape(lon_e.size - 1, lat_e.size - 1)

    # --- models -----------------------------------------------------------------------------

    def run(self, observations):
        """Background model(s) from the off observations.

        Returns
        -------
        model : `~cherenkit.irf.Background2D` or `~cherenkit.irf.Background3D`
            One model from all runs, when no ``zenith`` bins are set.
        models : `ZenithBinnedBackground`
            One model per zenith bin, when ``zenith`` is set.
        """
        if self.zenith is None:
            return self.histogram(observations).to_model(smooth=self.smooth)
        return self.run_zenith_binned(observations)

    def run_zenith_binned(self, observations):
        """One model per ``zenith`` bin from the runs whose mean zenith lies in it.

        Runs outside every bin are not used. Returns a `ZenithBinnedBackground`.
        """
        if self.zenith is None:
            raise ParameterError(_OWNER, "zenith", "set zenith bins to make zenith-binned models")
        edges = self.zenith.edges.to_value("deg")
        per_bin = [None] * (edges.size - 1)
        for obs in observations:
            one = self.observation_histogram(obs)
            index = np.searchsorted(edges, one.zenith[0], side="right") - 1
            if 0 <= index < edges.size - 1:
                per_bin[index] = one if per_bin[index] is None else per_bin[index].stack(one)
        models = []
        for i, hist in enumerate(per_bin):
            if hist is None:
                models.append(None)
                continue
            meta = {"ZEN_LO": float(edges[i]), "ZEN_HI": float(edges[i + 1])}
            models.append(hist.to_model(smooth=self.smooth, meta=meta))
        return ZenithBinnedBackground(
            zenith=self.zenith,
            models=models,
            histograms=per_bin,
            time_step=self.exclusion_time_step,
        )


def _angle_factor(unit_from, unit_to):
    """Multiplicative factor between two angle units."""
    import astropy.units as u

    return u.Unit(unit_from).to(unit_to)


@attrs.frozen(eq=False, kw_only=True)
class ZenithBinnedBackground:
    """Background models per zenith-angle bin (the result of a zenith-binned estimation).

    Parameters
    ----------
    zenith : `~cherenkit.maps.MapAxis`
        Zenith bins.
    models : tuple
        Model per bin, None where no run fell in the bin.
    histograms : tuple
        `BackgroundHistogram` per bin (None where empty).
    time_step : `~astropy.units.Quantity`
        Time slice used for the mean zenith of a run.
    """

    zenith: object
    models: tuple = attrs.field(converter=tuple)
    histograms: tuple = attrs.field(converter=tuple)
    time_step: object = None

    def __len__(self):
        return len(self.models)

    def __getitem__(self, index):
        return self.models[index]

    @property
    def obs_ids(self):
        """Observation ids used in each bin (tuple of tuples)."""
        return tuple(() if h is None else h.obs_ids for h in self.histograms)

    def model_for_zenith(self, zenith):
        """The model of the bin containing ``zenith`` (`~astropy.units.Quantity`), or None."""
        edges = self.zenith.edges.to_value("deg")
        value = float(_angle_value(zenith, "deg"))
        index = np.searchsorted(edges, value, side="right") - 1
        return self.models[index] if 0 <= index < len(self.models) else None

    def models_by_obs_id(self, observations=None):
        """``{obs_id: model}``: for the runs used (default), or for ``observations`` by
        their mean zenith (runs outside the bins or in empty bins are left out)."""
        if observations is None:
            return {
                obs_id: model
                for model, hist in zip(self.models, self.histograms, strict=True)
                if hist is not None
                for obs_id in hist.obs_ids
            }
        out = {}
        step = 120.0 if self.time_step is None else self.time_step.to_value("s")
        for obs in observations:
            model = self.model_for_zenith(mean_zenith(obs, time_step=step))
            if model is not None:
                out[int(obs.obs_id)] = model
        return out


def mean_zenith(observation, *, time_step=120.0):
    """Live-time weighted mean zenith angle of an observation's pointing (deg, float).

    The GTIs are cut into slices of at most ``time_step`` seconds; the pointing is
    transformed to AltAz at each slice's midpoint (no refraction).
    """
    location = observation.observatory_earth_location
    if location is None:
        raise DataFormatError(
            f"observation {observation.obs_id}", "no observatory location for the zenith angle"
        )
    times, weights = _time_samples(observation.gti, float(time_step))
    pointing = observation.pointing.icrs
    _, alt = _altaz_rad(
        np.full(len(times), pointing.ra.rad), np.full(len(times), pointing.dec.rad), times, location
    )
    return float(90.0 - np.rad2deg(np.average(alt, weights=weights)))


# --- writing ----------------------------------------------------------------------------------


def _write_atomic(hdus, path):
    from astropy.io import fits

    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        fits.HDUList(hdus).writeto(tmp, overwrite=True)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _index_header(kind):
    from .core import GADF_DOC

    return {
        "HDUCLASS": "GADF",
        "HDUDOC": GADF_DOC,
        "HDUVERS": "0.2",
        "HDUCLAS1": "INDEX",
        "HDUCLAS2": kind,
    }


def write_background_models(models_by_obs_id, path, data_store, *, overwrite=False):
    """Write background models and the index tables that serve them ("closing the loop").

    Each distinct model is written once as a GADF BKG_2D/BKG_3D HDU
    (``bkg-model-NNN.fits.gz``). A new HDU index points every listed observation to
    its original files for everything but the background, and to the new file for
    the background; the observation index holds the rows of ``data_store.obs_table``
    for those observations. ``DataStore.from_dir(path)`` and
    ``DataStore.from_file(path / "hdu-index.fits.gz")`` (which holds both indexes)
    then serve the new models. Only the listed observations are indexed.

    Parameters
    ----------
    models_by_obs_id : dict of int to `~cherenkit.irf.Background2D` or `~cherenkit.irf.Background3D`
    path : str or `~pathlib.Path`
        Output directory (created when missing).
    data_store : `~cherenkit.data.DataStore`
        The store the observations come from.
    overwrite : bool
        Replace existing output files. Default is False.

    Returns
    -------
    hdu_index : `~pathlib.Path`
        The written HDU index file.

    Raises
    ------
    cherenkit.errors.DataFormatError
        An observation is not in the store's HDU index.
    FileExistsError
        An output file exists and ``overwrite`` is False.
    """
    from astropy.io import fits
    from astropy.table import Table

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    obs_ids = sorted(int(i) for i in models_by_obs_id)
    if not obs_ids:
        raise ValueError("write_background_models: no models given")
    known = set(int(i) for i in data_store.obs_ids)
    missing = [i for i in obs_ids if i not in known]
    if missing:
        raise DataFormatError(
            data_store.hdu_table.meta.get("INDEX_FILE", "<HDU index>"),
            f"observation(s) {missing} are not in the data store's HDU index",
        )

    files = {}  # id(model) -> (file name, model)
    for obs_id in obs_ids:
        model = models_by_obs_id[obs_id]
        if id(model) not in files:
            files[id(model)] = (f"bkg-model-{len(files):03d}.fits.gz", model)
    targets = [path / name for name, _ in files.values()]
    targets += [path / "hdu-index.fits.gz", path / "obs-index.fits.gz"]
    existing = [str(t) for t in targets if t.exists()]
    if existing and not overwrite:
        raise FileExistsError(f"{existing} exist; pass overwrite=True to replace them")

    # new HDU index rows
    table = data_store.hdu_table
    base = Path(table.base_dir)
    ids = np.asarray(table["OBS_ID"], dtype=np.int64)
    types = np.asarray(table["HDU_TYPE"]).astype(str)
    rows = {c: [] for c in ("OBS_ID", "HDU_TYPE", "HDU_CLASS", "FILE_DIR", "FILE_NAME", "HDU_NAME")}

    def add(obs_id, hdu_type, hdu_class, file_dir, file_name, hdu_name):
        values = (obs_id, hdu_type, hdu_class, file_dir, file_name, hdu_name)
        for key, value in zip(rows, values, strict=True):
            rows[key].append(value)

    for obs_id in obs_ids:
        for i in np.flatnonzero((ids == obs_id) & (types != "bkg")):
            file_dir = str(table["FILE_DIR"][i]).strip()
            original = (base / file_dir) if file_dir else base
            try:
                new_dir = os.path.relpath(original.resolve(), path.resolve())
            except ValueError:  # another drive
                new_dir = str(original.resolve())
            add(
                obs_id,
                types[i],
                str(table["HDU_CLASS"][i]).strip(),
                new_dir,
                str(table["FILE_NAME"][i]).strip(),
                str(table["HDU_NAME"][i]).strip(),
            )
        model = models_by_obs_id[obs_id]
        add(obs_id, "bkg", model.tag, ".", files[id(model)][0], model.extname)

    hdu_table = Table(rows)
    hdu_table["OBS_ID"] = np.asarray(hdu_table["OBS_ID"], dtype=np.int64)
    hdu_index = fits.table_to_hdu(hdu_table)
    hdu_index.header.update(_index_header("HDU"))
    hdu_index.name = "HDU_INDEX"

    obs_index = None
    if data_store.obs_table is not None:
        obs_table = data_store.obs_table
        selected = np.isin(np.asarray(obs_table["OBS_ID"], dtype=np.int64), obs_ids)
        out = Table(obs_table[selected], copy=True)
        out.meta = {}
        obs_index = fits.table_to_hdu(out)
        for key, value in obs_table.meta.items():
            if key in ("INDEX_FILE", "EXTNAME", "BASE_DIR") or isinstance(value, (dict, list)):
                continue
            try:
                obs_index.header[key] = value
            except (ValueError, TypeError):
                continue
        obs_index.header.update(_index_header("OBS"))
        obs_index.name = "OBS_INDEX"

    for name, model in files.values():
        _write_atomic([fits.PrimaryHDU(), model.to_table_hdu()], path / name)
    index_hdus = [fits.PrimaryHDU(), hdu_index]
    if obs_index is not None:
        index_hdus.append(obs_index)
        _write_atomic([fits.PrimaryHDU(), obs_index.copy()], path / "obs-index.fits.gz")
    _write_atomic(index_hdus, path / "hdu-index.fits.gz")
    return path / "hdu-index.fits.gz"
