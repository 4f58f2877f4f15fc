"""Camera images of toy showers: projective geometry, light distribution, photo-electrons.

Each telescope sees the shower axis, the 3-d line through the core along the arrival
direction, in perspective. For a shower maximum ``M`` at height ``h_max`` on the
axis and the points ``M ± sigma_L`` (the longitudinal spread, see
`cherenkit_toysim.showers`), the directions from the telescope to these points,
relative to its pointing, give telescope-frame offsets and then camera positions
``x = f fov_lat``, ``y = f fov_lon`` (the mapping of `cherenkit.instrument`).
The image is a two-dimensional Gaussian (Hillas 1985):

* centroid: the projection of ``M``;
* major axis ``psi``: from the projection of ``M - sigma_L`` to that of
  ``M + sigma_L``, so it points to the projected source position (the axis seen
  from infinitely far up);
* length: half the projected distance of the two points (in quadrature with the
  optical point-spread function); with ``skewed`` the two halves keep their own
  projected lengths (``sigma_head`` towards the source, ``sigma_tail`` away), a
  split Gaussian whose longer tail points away from the source as in real images;
* width: the lateral spread over the distance to ``M`` (with the PSF);
* intensity: the photo-electron density of the light pool at the telescope's
  distance from the axis (`cherenkit_toysim.showers.photoelectron_density`) times
  its mirror area.

Arrival times follow from light paths: light emitted at distance ``s`` up the axis
from the core reaches a telescope at ``T`` at ``(-s + n |P(s) - T|) / c``, with the
refractive index ``n`` averaged along the path. Across the image this is a time
gradient along the major axis (ns per m of camera), negative (the end nearer the
source arrives first) far from the core and positive inside the Cherenkov ring.

References
----------
A. M. Hillas, "Cerenkov light images of EAS produced by primary gamma rays and by
nuclei", Proc. 19th ICRC (La Jolla) 3 (1985) 445.

M. de Naurois and D. Mazin, "Ground-based detectors in very-high-energy gamma-ray
astronomy", C. R. Physique 16 (2015) 610, doi:10.1016/j.crhy.2015.08.011
(light pool, timing).
"""

from __future__ import annotations

import attrs
import numpy as np

from ._vectors import altaz_to_ground, pointing_basis, to_fov
from .showers import cherenkov_angle, mean_refractivity, photoelectron_density

__all__ = [
    "ImageModels",
    "expected_images",
    "image_models",
    "pixel_peak_times",
    "sample_signal",
]

SPEED_OF_LIGHT = 0.299792458
"""m per ns."""


@attrs.frozen(kw_only=True, eq=False)
class ImageModels:
    """Image parameters of showers seen by telescopes, arrays of equal shape.

    Attributes
    ----------
    cog_x_m, cog_y_m : `numpy.ndarray`
        Projection of the shower maximum (the mode of the light distribution).
    psi_rad : `numpy.ndarray`
        Direction of the major axis, pointing from the tail to the source position.
    sigma_head_m, sigma_tail_m : `numpy.ndarray`
        Gaussian σ along the axis, towards (head) and away from (tail) the source;
        equal unless the images are skewed.
    width_m : `numpy.ndarray`
        Gaussian σ across the axis.
    intensity_pe : `numpy.ndarray`
        Mean number of photo-electrons of the whole distribution (before the camera
        edge cuts it).
    time_gradient_ns_per_m : `numpy.ndarray`
        Change of the arrival time along ``psi``.
    impact_m : `numpy.ndarray`
        Distance of the telescope from the shower axis.
    source_x_m, source_y_m : `numpy.ndarray`
        Camera position of the arrival direction.
    """

    cog_x_m: np.ndarray
    cog_y_m: np.ndarray
    psi_rad: np.ndarray
    sigma_head_m: np.ndarray
    sigma_tail_m: np.ndarray
    width_m: np.ndarray
    intensity_pe: np.ndarray
    time_gradient_ns_per_m: np.ndarray
    impact_m: np.ndarray
    source_x_m: np.ndarray
    source_y_m: np.ndarray

    @property
    def length_m(self) -> np.ndarray:
        """Mean of the two axial σ (the σ of the Gaussian when not skewed)."""
        return 0.5 * (self.sigma_head_m + self.sigma_tail_m)

    @property
    def shape(self) -> tuple:
        return self.cog_x_m.shape

    def take(self, index) -> ImageModels:
        """The models at ``index`` (anything that indexes the arrays)."""
        return ImageModels(
            **{f.name: getattr(self, f.name)[index] for f in attrs.fields(ImageModels)}
        )


def _camera(vectors, basis, focal_length_m):
    lon, lat = to_fov(vectors, basis)
    return focal_length_m * lat, focal_length_m * lon


def image_models(
    showers,
    tel_positions_m,
    *,
    focal_length_m,
    mirror_area_m2,
    psf_rad,
    pointing_alt_rad: float,
    pointing_az_rad: float,
    site_height_m: float,
    skewed: bool = False,
) -> ImageModels:
    """Image parameters of every shower in every telescope.

    Parameters
    ----------
    showers : `cherenkit_toysim.showers.Showers`, n showers
    tel_positions_m : `numpy.ndarray`, shape (k, 3)
        Ground positions (x north, y west, z up) relative to the site.
    focal_length_m, mirror_area_m2, psf_rad : float or `numpy.ndarray`, shape (k,)
        Per telescope.
    pointing_alt_rad, pointing_az_rad : float
        Pointing of all telescopes.
    site_height_m : float
        Height of the ground frame origin a.s.l.
    skewed : bool
        Split Gaussians with the projected head and tail lengths. Default is False.

    Returns
    -------
    ImageModels
        Arrays of shape (n, k).
    """
    basis = pointing_basis(pointing_alt_rad, pointing_az_rad)
    f = np.asarray(focal_length_m, np.float64)
    tels = np.asarray(tel_positions_m, np.float64)[np.newaxis, :, :]  # (1, k, 3)
    axis = altaz_to_ground(showers.alt_rad, showers.az_rad)[:, np.newaxis, :]  # (n, 1, 3)
    core = np.stack([showers.core_x_m, showers.core_y_m, np.zeros(len(showers))], axis=-1)[
        :, np.newaxis, :
    ]
    sin_alt = np.sin(showers.alt_rad)[:, np.newaxis]
    s_max = (showers.h_max_m[:, np.newaxis] - site_height_m) / sin_alt  # along the axis
    spread = showers.longitudinal_spread_m[:, np.newaxis]
    spread_down = np.minimum(spread, 0.8 * s_max)  # stay above the ground
    s_head, s_tail = s_max + spread, s_max - spread_down

    def seen(s):  # vector from the telescopes to the axis point at s
        return core + s[..., np.newaxis] * axis - tels

    to_max, to_head, to_tail = seen(s_max), seen(s_head), seen(s_tail)
    cog_x, cog_y = _camera(to_max, basis, f)
    head_x, head_y = _camera(to_head, basis, f)
    tail_x, tail_y = _camera(to_tail, basis, f)
    source_x, source_y = _camera(np.broadcast_to(axis, to_max.shape), basis, f)

    head = np.hypot(head_x - cog_x, head_y - cog_y)
    tail = np.hypot(cog_x - tail_x, cog_y - tail_y) * (spread / spread_down)
    chord = np.hypot(head_x - tail_x, head_y - tail_y)
    degenerate = chord < 1e-12  # telescope on the axis: a round image
    psi = np.where(degenerate, 0.0, np.arctan2(head_y - tail_y, head_x - tail_x))

    distance = np.linalg.norm(to_max, axis=-1)
    psf = f * np.asarray(psf_rad, np.float64)
    width = np.hypot(f * showers.lateral_spread_m[:, np.newaxis] / distance, psf)
    if skewed:
        sigma_head, sigma_tail = np.hypot(head, psf), np.hypot(tail, psf)
    else:
        sigma_head = sigma_tail = np.hypot(0.5 * (head + tail), psf)

    offset = tels - core  # (n, k, 3)
    along = np.sum(offset * axis, axis=-1)
    impact = np.linalg.norm(offset - along[..., np.newaxis] * axis, axis=-1)
    pool_radius = s_max * np.tan(cherenkov_angle(showers.h_max_m))[:, np.newaxis]
    density = photoelectron_density(impact, showers.energy_tev[:, np.newaxis], pool_radius)
    intensity = density * np.asarray(mirror_area_m2, np.float64)

    tel_height = site_height_m + tels[..., 2]

    def arrival(s, seen_vector):  # light emitted at s along the axis, ns after core passage
        height = site_height_m + s * sin_alt
        n = 1.0 + mean_refractivity(tel_height, height)
        return (-s + n * np.linalg.norm(seen_vector, axis=-1)) / SPEED_OF_LIGHT

    t_head, t_tail = arrival(s_head, to_head), arrival(s_tail, to_tail)
    gradient = np.where(degenerate, 0.0, (t_head - t_tail) / np.where(degenerate, 1.0, chord))
    return ImageModels(
        cog_x_m=cog_x,
        cog_y_m=cog_y,
        psi_rad=psi,
        sigma_head_m=sigma_head,
        sigma_tail_m=sigma_tail,
        width_m=width,
        intensity_pe=intensity,
        time_gradient_ns_per_m=gradient,
        impact_m=impact,
        source_x_m=np.broadcast_to(source_x, cog_x.shape).copy(),
        source_y_m=np.broadcast_to(source_y, cog_y.shape).copy(),
    )


def expected_images(camera, models: ImageModels) -> np.ndarray:
    """Mean signal photo-electrons per pixel, the density integrated over each pixel.

    Parameters
    ----------
    camera : `cherenkit_toysim.cameras.CameraModel`
    models : ImageModels
        1-d, one image per entry.

    Returns
    -------
    `numpy.ndarray` of float64, shape (n_images, n_pixels)
    """
    from . import _kernels

    sigma_min = np.minimum(np.minimum(models.sigma_head_m, models.sigma_tail_m), models.width_m)

    def arr(a):
        return np.ascontiguousarray(a, np.float64)

    return _kernels.expected_images(
        camera.pix_x_m,
        camera.pix_y_m,
        camera.pix_area_m2,
        camera.pix_radius_m,
        camera.sub_x_m,
        camera.sub_y_m,
        camera.sub_start,
        camera.subdivision_level(sigma_min),
        arr(models.cog_x_m),
        arr(models.cog_y_m),
        arr(models.psi_rad),
        arr(models.sigma_head_m),
        arr(models.sigma_tail_m),
        arr(models.width_m),
        arr(models.intensity_pe),
        np.zeros((models.shape[0], camera.n_pixels), np.float64),
    )


def sample_signal(expected_pe, keys) -> np.ndarray:
    """Poisson photo-electrons per pixel, image ``i`` drawn from the stream ``keys[i]``.

    Returns
    -------
    `numpy.ndarray` of int32, same shape as ``expected_pe``
    """
    from . import _kernels

    expected_pe = np.ascontiguousarray(expected_pe, np.float64)
    out = np.empty(expected_pe.shape, np.int32)
    return _kernels.sample_signal(expected_pe, np.asarray(keys, np.uint64), out)


def pixel_peak_times(camera, models: ImageModels, t_cog_ns, *, t_min_ns, t_max_ns):
    """Peak time of every pixel: ``t_cog + gradient × (distance along psi)``, clipped.

    Parameters
    ----------
    camera : `cherenkit_toysim.cameras.CameraModel`
    models : ImageModels
        1-d, one image per entry.
    t_cog_ns : float
        Arrival time at the centroid, from the start of the readout window.
    t_min_ns, t_max_ns : float
        Range the times are clipped to (to keep the pulses inside the window).

    Returns
    -------
    `numpy.ndarray` of float32, shape (n_images, n_pixels), ns
    """
    from . import _kernels

    def arr(a):
        return np.ascontiguousarray(a, np.float64)

    return _kernels.peak_times(
        camera.pix_x_m,
        camera.pix_y_m,
        arr(models.cog_x_m),
        arr(models.cog_y_m),
        arr(models.psi_rad),
        arr(models.time_gradient_ns_per_m),
        float(t_cog_ns),
        float(t_min_ns),
        float(t_max_ns),
        np.empty((models.shape[0], camera.n_pixels), np.float32),
    )
