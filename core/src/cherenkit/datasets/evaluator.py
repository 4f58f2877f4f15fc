"""Forward folding: the counts a `~cherenkit.modeling.SkyModel` predicts in a dataset.

For each true-energy bin the model flux is integrated over the bin (spectral model)
and over each pixel (spatial model), multiplied by the exposure, convolved with the
PSF at the source position, and redistributed over reconstructed energy with the
energy-dispersion kernel at the source position (the order of gammapy's
``MapEvaluator``). Map datasets are evaluated on a cut-out around the source that
holds the model and the PSF kernel; spectrum datasets use the spectrum alone (their
exposure is containment-corrected when made that way).

Everything works on plain arrays and is cached at two levels: the cut-out, the
exposure there and the PSF and edisp kernels are kept until the source moves by more
than `CUTOUT_MARGIN_DEG` (gammapy's rule); the PSF-convolved exposure of the source
shape ("response") is kept until a spatial parameter changes. A spectral parameter
then costs one spectral integral, one product and one matrix product.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MapEvaluator"]

M2_TO_CM2 = 1e4
CUTOUT_MARGIN_DEG = 0.1
PSF_CONTAINMENT = 0.999
PSF_OVERSAMPLING = 4
SPARSE_PIXELS = 16
"""Images with at most this many non-zero pixels are convolved by shifted kernels."""


class MapEvaluator:
    """Predicted counts of one sky model in one dataset.

    Parameters
    ----------
    model : `~cherenkit.modeling.SkyModel`
    dataset : `~cherenkit.datasets.MapDataset` or a spectrum dataset
    """

    def __init__(self, model, dataset):
        self.model = model
        self.dataset = dataset
        self._geometry = None  # (lon, lat, cut-out and kernels there)
        self._response = None
        self._response_key = None

    # --- the parts that depend on the source position and shape -------------------------

    def _spatial_key(self):
        spatial = self.model.spatial_model
        if spatial is None:
            return ()
        return tuple(p.value for p in spatial.parameters)

    def _edisp_matrix(self, position):
        """``(n_true, n_reco)`` kernel at ``position`` (identity without edisp)."""
        dataset = self.dataset
        n_reco = dataset.counts.data.shape[0]
        n_true = dataset.exposure.data.shape[0]
        if dataset.edisp is None:
            if n_true != n_reco:
                raise ValueError(
                    f"dataset {dataset.name!r} has no energy dispersion but {n_true} true and "
                    f"{n_reco} reconstructed energy bins; add an edisp map or use one axis"
                )
            return None
        kernel = dataset.edisp.get_edisp_kernel(position).data
        if kernel.shape != (n_true, n_reco):
            raise ValueError(
                f"dataset {dataset.name!r}: edisp kernel {kernel.shape} does not match "
                f"{n_true} true × {n_reco} reconstructed energy bins"
            )
        return np.ascontiguousarray(kernel)

    def _energy_edges(self):
        e_true = self.dataset.exposure.geom.axis("energy_true")
        return e_true.edges[:-1].to_value("TeV"), e_true.edges[1:].to_value("TeV")

    def _compute_geometry(self, position):
        """Cut-out, exposure, PSF and edisp kernels around ``position`` (map datasets)."""
        dataset = self.dataset
        geom = dataset.counts.geom
        spatial = self.model.spatial_model
        psf_kernel, psf_radius = None, 0.0
        if dataset.psf is not None:
            psf_kernel, psf_radius = _psf_kernel(dataset.psf, geom, position)
        radius = float(spatial.evaluation_radius)
        width = 2 * (psf_radius + radius + CUTOUT_MARGIN_DEG) + float(np.max(geom.pixel_scales.deg))
        from astropy.nddata import NoOverlapError

        image = geom.to_image()
        try:
            cut = image.cutout(position, width * _deg(), mode="trim", odd_npix=True)
            slices = image.overlap_slices(cut)
        except (NoOverlapError, ValueError):
            slices = None
        if slices is None:
            return {"empty": True}
        into, _ = slices
        return {
            "slices": into,
            "cut": cut,
            "exposure": dataset.exposure.data[(slice(None), *into)] * M2_TO_CM2,
            "psf": None if psf_kernel is None else _KernelConvolver(psf_kernel, cut.npix[::-1]),
            "edisp": self._edisp_matrix(position),
        }

    def _get_geometry(self):
        """The position-level cache: recomputed when the source has moved by more than
        `CUTOUT_MARGIN_DEG` from where it was made (gammapy's rule; the PSF and edisp
        kernels are those of that position)."""
        spatial = self.model.spatial_model
        lon, lat = spatial.lon_0.value, spatial.lat_0.value
        cached = self._geometry
        if cached is not None:
            from cherenkit.maps.wcs import _vincenty_deg

            if _vincenty_deg(cached[0], cached[1], lon, lat) <= CUTOUT_MARGIN_DEG:
                return cached[2]
        geometry = self._compute_geometry(spatial.position)
        self._geometry = (lon, lat, geometry)
        return geometry

    def _get_response(self):
        """Counts per unit integral flux in each true-energy bin and pixel: PSF ⊗
        (exposure × pixel fraction of the source); recomputed when a spatial parameter
        changes. Spectrum datasets: the exposure (and the edisp kernel) alone."""
        key = self._spatial_key()
        if self._response is not None and key == self._response_key:
            return self._response
        dataset = self.dataset
        if dataset.exposure is None:
            raise ValueError(f"dataset {dataset.name!r} has no exposure: cannot predict counts")
        geom = dataset.counts.geom
        e_min, e_max = self._energy_edges()
        if getattr(geom, "region", None) is not None or not hasattr(geom, "cutout"):
            response = {
                "region": True,
                "e_min": e_min,
                "e_max": e_max,
                "exposure": dataset.exposure.data.reshape(len(e_min)) * M2_TO_CM2,
                "edisp": self._edisp_matrix(self.model.position),
            }
        else:
            if self.model.spatial_model is None:
                raise ValueError(
                    f"SkyModel {self.model.name!r} has no spatial model: a map dataset "
                    f"({dataset.name!r}) needs one (e.g. PointSpatialModel)"
                )
            geometry = self._get_geometry()
            if geometry.get("empty"):
                response = {"empty": True}
            else:
                fraction = self.model.spatial_model._integrate_pixels(geometry["cut"])
                cube = geometry["exposure"] * fraction[np.newaxis]
                if geometry["psf"] is not None:
                    cube = geometry["psf"](cube)
                response = {
                    "e_min": e_min,
                    "e_max": e_max,
                    "cube": cube,
                    "slices": geometry["slices"],
                    "edisp": geometry["edisp"],
                }
        self._response, self._response_key = response, key
        return response

    # --- evaluation --------------------------------------------------------------------

    def compute_npred(self):
        """Predicted counts as ``(slices, array)``: the array of shape
        ``(n_energy, ny, nx)`` belongs at ``counts.data[(slice(None), *slices)]``
        (``slices`` is ``(Ellipsis,)`` for the whole map), or ``(None, None)`` when the
        model does not reach the dataset."""
        response = self._get_response()
        if response.get("empty"):
            return None, None
        flux = self.model.spectral_model.integral_values(response["e_min"], response["e_max"])
        if response.get("region"):
            npred = flux * response["exposure"]
            if response["edisp"] is not None:
                npred = npred @ response["edisp"]
            return (Ellipsis,), npred.reshape(-1, 1, 1)
        npred = response["cube"] * flux[:, np.newaxis, np.newaxis]
        if response["edisp"] is not None:
            n_true, ny, nx = npred.shape
            npred = (response["edisp"].T @ npred.reshape(n_true, ny * nx)).reshape(-1, ny, nx)
        return response["slices"], npred

    def npred_array(self):
        """Predicted counts on the full counts grid (a new array)."""
        slices, npred = self.compute_npred()
        out = np.zeros(self.dataset.counts.data.shape)
        if npred is not None:
            out[_full_slices(slices)] += npred
        return out


def _full_slices(slices):
    """Index of a cut-out's pixels in the full ``(n_energy, ny, nx)`` array."""
    return Ellipsis if slices == (Ellipsis,) else (slice(None), *slices)


def _deg():
    import astropy.units as u

    return u.deg


class _KernelConvolver:
    """Convolution of ``(n, ny, nx)`` cubes with fixed per-slice kernels ``(n, k, k)``
    ("same" output size) by real FFTs, with the kernels' transforms computed once.
    Negative round-off is clipped to 0."""

    def __init__(self, kernels, image_shape):
        from scipy import fft

        k = kernels.shape[-1]
        self.shape = tuple(fft.next_fast_len(n + k - 1, real=True) for n in image_shape)
        self.start = k // 2
        self.image_shape = tuple(image_shape)
        self.kernels = kernels
        self.kernel_fft = fft.rfft2(kernels, s=self.shape, axes=(1, 2))

    def __call__(self, cube):
        from scipy import fft

        pixels = np.flatnonzero(np.any(cube != 0, axis=0))
        if len(pixels) <= SPARSE_PIXELS:
            return self._shifted_sum(cube, pixels)
        spectrum = fft.rfft2(cube, s=self.shape, axes=(1, 2)) * self.kernel_fft
        full = fft.irfft2(spectrum, s=self.shape, axes=(1, 2))
        ny, nx = self.image_shape
        out = full[:, self.start : self.start + ny, self.start : self.start + nx]
        return np.clip(out, 0.0, None)

    def _shifted_sum(self, cube, pixels):
        """The convolution of a cube that is zero but for a few pixels (a point source):
        a shifted kernel per pixel."""
        _, ny, nx = cube.shape
        h = self.start
        out = np.zeros(cube.shape)
        for y, x in zip(*np.unravel_index(pixels, (ny, nx)), strict=True):
            y0, y1, x0, x1 = max(y - h, 0), min(y + h + 1, ny), max(x - h, 0), min(x + h + 1, nx)
            kernel = self.kernels[:, y0 - y + h : y1 - y + h, x0 - x + h : x1 - x + h]
            out[:, y0:y1, x0:x1] += cube[:, y, x, np.newaxis, np.newaxis] * kernel
        return out


def _psf_kernel(psf_map, geom, position):
    """PSF convolution kernels ``(n_true, k, k)`` (odd k, each normalised to 1) at
    ``position`` on ``geom``'s pixel grid, and their radius (deg).

    The PSF profile is interpolated bilinearly to the position; the kernel radius is
    the largest `PSF_CONTAINMENT` radius over the true energies. Each kernel pixel
    averages the PSF over `PSF_OVERSAMPLING`² sub-pixels; distances come from the
    local linear map of the projection at the position (its Jacobian), which is exact
    to second order in the kernel radius.
    """
    from cherenkit.maps.coord import skycoord_lonlat

    profile, rad_nodes, rad_edges = _psf_profile(psf_map, position)
    radius = _containment_radius(profile, rad_nodes, rad_edges, PSF_CONTAINMENT)
    image = geom.to_image()
    lon0, lat0 = skycoord_lonlat(position, image.frame)
    x0, y0 = image.wcs.wcs_world2pix(float(lon0), float(lat0), 0)
    xc, yc = float(np.rint(x0)), float(np.rint(y0))
    jacobian = _local_jacobian_deg(image.wcs, xc, yc)
    scale = float(np.min(np.sqrt((jacobian**2).sum(axis=0))))
    half = int(np.ceil(radius / scale))
    sub = (np.arange(PSF_OVERSAMPLING) + 0.5) / PSF_OVERSAMPLING - 0.5
    steps = (np.arange(-half, half + 1)[:, None] + sub[None, :]).ravel()
    dx, dy = np.meshgrid(steps, steps)
    east = jacobian[0, 0] * dx + jacobian[0, 1] * dy
    north = jacobian[1, 0] * dx + jacobian[1, 1] * dy
    rad = np.hypot(east, north)
    k = 2 * half + 1
    kernels = np.empty((profile.shape[0], k, k))
    for i, values in enumerate(profile):  # one interpolation per true-energy bin
        fine = np.interp(rad, rad_nodes, values, right=0.0)
        fine[rad > radius] = 0.0
        binned = fine.reshape(k, PSF_OVERSAMPLING, k, PSF_OVERSAMPLING).sum(axis=(1, 3))
        total = binned.sum()
        kernels[i] = binned / total if total > 0 else _delta(k)
    return kernels, radius


def _local_jacobian_deg(wcs, x, y, step=0.5):
    """``[[d east/dx, d east/dy], [d north/dx, d north/dy]]`` in degrees on the sky at
    pixel (x, y), by central differences (east scaled by cos(lat))."""
    xs = np.array([x - step, x + step, x, x])
    ys = np.array([y, y, y - step, y + step])
    lon, lat = wcs.wcs_pix2world(xs, ys, 0)
    dlon = (lon[[1, 3]] - lon[[0, 2]] + 180.0) % 360.0 - 180.0
    dlat = lat[[1, 3]] - lat[[0, 2]]
    cos_lat = np.cos(np.deg2rad(np.mean(lat)))
    return np.array([dlon * cos_lat, dlat]) / (2 * step)


def _containment_radius(profile, rad_nodes, rad_edges, fraction):
    """Largest radius over the energies that contains ``fraction`` of the PSF
    (linear between rad edges; the last edge when never reached)."""
    area = np.pi * np.diff(np.deg2rad(rad_edges) ** 2)
    cumulative = np.cumsum(profile * area, axis=1)
    total = cumulative[:, -1:]
    with np.errstate(invalid="ignore", divide="ignore"):
        cumulative = cumulative / total
    radii = []
    for row, tot in zip(cumulative, total[:, 0], strict=True):
        if not tot > 0:
            continue
        i = int(np.searchsorted(row, fraction))
        radii.append(rad_edges[min(i + 1, len(rad_edges) - 1)])
    return float(max(radii)) if radii else float(rad_edges[-1])


def _delta(k):
    out = np.zeros((k, k))
    out[k // 2, k // 2] = 1.0
    return out


def _psf_profile(psf_map, position):
    """PSF density per (true energy, rad node) interpolated bilinearly to ``position``."""
    from cherenkit.maps.coord import skycoord_lonlat

    geom = psf_map.psf_map.geom
    rad = geom.axis("rad")
    n_true = geom.axis("energy_true").nbin
    lon, lat = skycoord_lonlat(position, geom.frame)
    x, y = geom.wcs.wcs_world2pix(float(lon), float(lat), 0)
    ir, ie = np.meshgrid(np.arange(rad.nbin), np.arange(n_true))
    values = psf_map.psf_map.interp_by_pix(
        (np.full(ir.shape, float(x)), np.full(ir.shape, float(y)), ir, ie)
    )
    profile = np.nan_to_num(np.asarray(values, dtype=float))
    return profile, rad.center.to_value("deg"), rad.edges.to_value("deg")
