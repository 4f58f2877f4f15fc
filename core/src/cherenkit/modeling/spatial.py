"""Spatial models: the surface brightness of a source on the sky (sr⁻¹, integrating to 1).

Every model has ``lon_0`` / ``lat_0`` (deg, in the model's ``frame``) and an
``evaluate(lon, lat, **values)`` on plain degrees that returns sr⁻¹. What map datasets
use is `SpatialModel.integrate_geom`: the fraction of the model's flux in each pixel
of a `~cherenkit.maps.WcsGeom`, computed on a cut-out around the model only
(`SpatialModel.evaluation_radius`), with every pixel split into ``n × n`` sub-pixels
when the model has structure smaller than a pixel, and exact pixel solid angles.

Models are normalised on the sphere where that has a closed form or a fast quadrature
(Gaussian and disk, also elliptical ones); the shell uses gammapy's small-angle
normalisation. In another frame than the model's (a galactic map of an ICRS model), the
centre is transformed and the position angle ``phi`` turned by the angle between the
two frames' north directions at the centre, which is exact: a change of frame is a
rotation of the sphere.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from ..errors import ParameterError
from .core import ModelBase, as_float_array
from .parameter import Parameter

__all__ = [
    "DiskSpatialModel",
    "GaussianSpatialModel",
    "PointSpatialModel",
    "ShellSpatialModel",
    "SpatialModel",
    "TemplateSpatialModel",
]

FRAMES = ("icrs", "galactic")
MAX_OVERSAMPLING = 200
"""Largest number of sub-pixels per pixel side in `SpatialModel.integrate_geom`."""
_REFINE_BUDGET = 1 << 18  # evaluations per refinement level of edge pixels
_CHUNK = 1 << 21  # sub-pixel evaluations per vectorised block (memory bound)
_DEG2_TO_SR = (180.0 / math.pi) ** 2  # deg⁻² → sr⁻¹
_EDGE_95_5 = 2.326174307353347  # 2 erfinv(0.9): erf edge falls from 95 % to 5 % over one width


def _lon_0():
    return Parameter("lon_0", 0.0, "deg")


def _lat_0():
    return Parameter("lat_0", 0.0, "deg", min=-90.0, max=90.0)


def _separation_rad(lon, lat, lon_0, lat_0):
    """Great-circle distance (rad) between plain-degree positions (Vincenty formula)."""
    from astropy.coordinates import angular_separation

    return angular_separation(
        np.deg2rad(lon), np.deg2rad(lat), np.deg2rad(lon_0), np.deg2rad(lat_0)
    )


def _position_angle_rad(lon_0, lat_0, lon, lat):
    """Position angle (rad, east of north) of (lon, lat) seen from (lon_0, lat_0)."""
    from astropy.coordinates import position_angle

    angle = position_angle(np.deg2rad(lon_0), np.deg2rad(lat_0), np.deg2rad(lon), np.deg2rad(lat))
    return np.asarray(angle.to_value("rad"))


def _effective_radius(major, e, delta):
    r"""Radius of the ellipse of semi-axes ``major`` and ``major·√(1-e²)`` in the direction
    at angle ``delta`` (rad) from its major axis: :math:`ab / \sqrt{(a\sin\delta)^2 +
    (b\cos\delta)^2}`."""
    minor = major * math.sqrt(1.0 - e**2)
    return major * minor / np.hypot(major * np.sin(delta), minor * np.cos(delta))


def _azimuths(e):
    """Equally spaced azimuths for the periodic trapezoidal rule over a full turn; the
    rule converges geometrically, at a rate set by the axis ratio √(1-e²)."""
    ratio = math.sqrt(max(1.0 - e**2, 0.0))
    n = int(min(max(64, 40.0 / max(ratio, 1e-6)), 100_000))
    return np.arange(n) * (2 * math.pi / n)


class SpatialModel(ModelBase):
    """Base class: the surface brightness (sr⁻¹) of a source around ``lon_0``, ``lat_0``.

    Subclasses define ``default_parameters`` (starting with ``lon_0``, ``lat_0`` in
    deg), a static ``evaluate(lon, lat, **values)`` on plain degrees returning sr⁻¹,
    `evaluation_radius` and ``_min_scale`` (the smallest structure, deg, which sets the
    oversampling of `integrate_geom`; None for none).

    Parameters
    ----------
    frame : {"icrs", "galactic"}
        Frame of ``lon_0``, ``lat_0`` (and of the position angle ``phi``). Default is
        "icrs".
    **kwargs
        Parameter values (numbers in the parameter's unit, quantities, strings such as
        ``"0.2 deg"``) or `Parameter` objects.
    """

    kind: ClassVar[str] = "spatial"
    unit: ClassVar[str] = "sr-1"

    def __init__(self, *, frame="icrs", **kwargs):
        if frame not in FRAMES:
            raise ParameterError(
                type(self).__name__, "frame", f"expected one of {list(FRAMES)}, got {frame!r}"
            )
        self.frame = frame
        super().__init__(**kwargs)

    def _init_kwargs(self) -> dict:
        return {"frame": self.frame}

    @classmethod
    def _init_keys(cls) -> tuple[str, ...]:
        return ("frame",)

    @classmethod
    def from_position(cls, position, **kwargs):
        """A model centred on ``position`` (`~astropy.coordinates.SkyCoord`), in its frame
        when that is "icrs" or "galactic" (else ICRS)."""
        frame = kwargs.pop("frame", None) or position.frame.name
        frame = frame if frame in FRAMES else "icrs"
        sph = position.transform_to(frame).spherical
        return cls(lon_0=sph.lon.deg, lat_0=sph.lat.deg, frame=frame, **kwargs)

    # --- position ----------------------------------------------------------------------

    @property
    def position(self):
        """Centre of the model, `~astropy.coordinates.SkyCoord` in `frame` (settable)."""
        from astropy.coordinates import SkyCoord

        return SkyCoord(self.lon_0.value, self.lat_0.value, unit="deg", frame=self.frame)

    @position.setter
    def position(self, skycoord):
        sph = skycoord.transform_to(self.frame).spherical
        self.lon_0.value = float(sph.lon.deg)
        self.lat_0.value = float(sph.lat.deg)

    @property
    def evaluation_radius(self) -> float:  # pragma: no cover - abstract
        """Radius (deg) around the position that holds all of the model's flux."""
        raise NotImplementedError

    _min_scale: float | None = None

    # --- evaluation --------------------------------------------------------------------

    @staticmethod
    def evaluate(lon, lat, **values):  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, lon, lat):
        """Surface brightness at ``lon``, ``lat`` (angles, or plain degrees in `frame`),
        `~astropy.units.Quantity` in sr⁻¹."""
        import astropy.units as u

        lon, lat = as_float_array(lon, "deg", "lon"), as_float_array(lat, "deg", "lat")
        return u.Quantity(self.evaluate(lon, lat, **self.parameter_values), self.unit)

    def _values_in_frame(self, frame) -> dict:
        """Parameter values for evaluating the model on coordinates of ``frame``: the
        centre transformed, and ``phi`` turned by the angle between the frames' norths."""
        values = self.parameter_values
        if frame == self.frame:
            return values
        from astropy.coordinates import SkyCoord, offset_by

        centre = self.position.transform_to(frame).spherical
        values["lon_0"], values["lat_0"] = float(centre.lon.deg), float(centre.lat.deg)
        if "phi" in values:
            lon, lat = np.deg2rad(self.lon_0.value), np.deg2rad(self.lat_0.value)
            north = SkyCoord(*offset_by(lon, lat, 0.0, 0.01), frame=self.frame)
            north = north.transform_to(frame).spherical
            turn = _position_angle_rad(
                values["lon_0"], values["lat_0"], north.lon.deg, north.lat.deg
            )
            values["phi"] = values["phi"] + float(np.rad2deg(turn))
        return values

    def _evaluate_in_frame(self, lon, lat, frame):
        """``evaluate`` at plain-degree coordinates given in ``frame``."""
        return self.evaluate(lon, lat, **self._values_in_frame(frame))

    def evaluate_geom(self, geom):
        """Surface brightness at the pixel centres of ``geom``'s sky image, a
        `~cherenkit.maps.Map` in sr⁻¹."""
        from ..maps import Map

        image = geom.to_image()
        lon, lat = image._image_lonlat()
        values = np.nan_to_num(self._evaluate_in_frame(lon, lat, image.frame))
        return Map.from_geom(image, data=values, unit=self.unit)

    # --- integration over pixels -------------------------------------------------------

    def integrate_geom(self, geom, *, oversampling_factor=None):
        """Fraction of the model's flux in each pixel of ``geom``'s sky image.

        Parameters
        ----------
        geom : `~cherenkit.maps.WcsGeom`
            Non-spatial axes are ignored (the result is on ``geom.to_image()``).
        oversampling_factor : int, optional
            Sub-pixels per pixel side. Default: pixel size / smallest model scale
            (`_min_scale`), rounded up, at most `MAX_OVERSAMPLING`.

        Returns
        -------
        `~cherenkit.maps.Map`
            Dimensionless image; it sums to 1 when the map contains the whole model.
        """
        from ..maps import Map

        image = geom.to_image()
        data = self._integrate_pixels(image, oversampling_factor=oversampling_factor)
        return Map.from_geom(image, data=data, unit="")

    def _oversampling(self, geom) -> int:
        scale = self._min_scale
        if scale is None:
            return 1
        pixel = float(np.max(geom.pixel_scales.deg))
        if not scale > 0:
            return MAX_OVERSAMPLING
        return int(min(max(math.ceil(pixel / scale), 1), MAX_OVERSAMPLING))

    def _pixel_box(self, geom):
        """Slices ``(y, x)`` of the pixels that can hold flux of the model: the bounding
        box (plus one pixel) of the circle of radius `evaluation_radius`, found from
        points on it; None when the circle misses the image."""
        from astropy.coordinates import offset_by

        nx, ny = geom.npix
        full = (slice(0, ny), slice(0, nx))
        values = self._values_in_frame(geom.frame)
        lon_0, lat_0 = values["lon_0"], values["lat_0"]
        n_points = 64
        radius = self.evaluation_radius / math.cos(math.pi / n_points)  # circumscribed
        if not np.isfinite(radius) or radius + abs(lat_0) >= 90.0:
            return full  # a pole or the whole sky: no useful box
        angles = np.arange(n_points) * (2 * math.pi / n_points)
        lon, lat = offset_by(np.deg2rad(lon_0), np.deg2rad(lat_0), angles, np.deg2rad(radius))
        lon = np.append(lon.deg, lon_0)
        lat = np.append(lat.deg, lat_0)
        x, y = geom.wcs.wcs_world2pix(lon, lat, 0)
        if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
            return full
        x0, x1 = int(np.floor(x.min())) - 1, int(np.ceil(x.max())) + 2
        y0, y1 = int(np.floor(y.min())) - 1, int(np.ceil(y.max())) + 2
        x0, x1, y0, y1 = max(x0, 0), min(x1, nx), max(y0, 0), min(y1, ny)
        if x0 >= x1 or y0 >= y1:
            return None
        return slice(y0, y1), slice(x0, x1)

    def _integrate_pixels(self, geom, *, oversampling_factor=None):
        """Flux fraction per pixel of the sky image ``geom`` (a `~cherenkit.maps.WcsGeom`
        without axes): plain ``(ny, nx)`` float array; see `integrate_geom`."""
        out = np.zeros(geom.data_shape_image)
        box = self._pixel_box(geom)
        if box is None:
            return out
        n = self._oversampling(geom) if oversampling_factor is None else int(oversampling_factor)
        mean = self._box_mean(geom, box, max(n, 1))
        refine = self._refine(geom, box) if oversampling_factor is None else ()
        for mask, n_wanted in refine:
            iy, ix = np.nonzero(mask)
            # as many sub-pixels as wanted, within a budget of evaluations per level
            n_fine = min(n_wanted, max(n, math.isqrt(_REFINE_BUDGET // max(len(iy), 1))))
            if n_fine > n:
                mean[iy, ix] = self._pixel_mean(geom, iy + box[0].start, ix + box[1].start, n_fine)
        out[box] = mean * geom.solid_angle().value[box]
        return out

    def _refine(self, geom, box):
        """Pixels of ``box`` that need more sub-pixels than the rest (those near a sharp
        edge): a sequence of disjoint ``(mask, n per side)``; ``n`` is reduced so that
        each level costs at most ``_REFINE_BUDGET`` evaluations."""
        return ()

    def _box_lonlat_sep(self, geom, box):
        """Pixel-centre lon, lat (deg, ``geom`` frame) in ``box``, the model's values in
        that frame and the pixel centres' distances (deg) from the centre."""
        values = self._values_in_frame(geom.frame)
        lon, lat = geom._image_lonlat()
        lon, lat = lon[box], lat[box]
        sep = np.rad2deg(_separation_rad(lon, lat, values["lon_0"], values["lat_0"]))
        return lon, lat, values, sep

    def _pixel_mean(self, geom, iy, ix, n):
        """Mean surface brightness over ``n × n`` sub-pixels of the pixels ``(iy, ix)``."""
        offsets = (np.arange(n) + 0.5) / n - 0.5
        step = max(1, _CHUNK // (n * n))
        mean = np.empty(len(iy))
        for start in range(0, len(iy), step):
            stop = min(start + step, len(iy))
            x = ix[start:stop, None, None] + offsets[None, None, :]
            y = iy[start:stop, None, None] + offsets[None, :, None]
            x, y = np.broadcast_arrays(x, y)
            lon, lat = geom.wcs.wcs_pix2world(x, y, 0)
            values = np.nan_to_num(self._evaluate_in_frame(lon, lat, geom.frame))
            mean[start:stop] = values.mean(axis=(1, 2))
        return mean

    def _box_mean(self, geom, box, n):
        """Mean surface brightness over each pixel of ``box``, from ``n × n`` sub-pixels
        (their centres; ``n = 1``: the pixel centres), in blocks of rows."""
        if n == 1:
            lon, lat = geom._image_lonlat()
            return np.nan_to_num(self._evaluate_in_frame(lon[box], lat[box], geom.frame))
        rows, cols = box
        nyb, nxb = rows.stop - rows.start, cols.stop - cols.start
        offsets = (np.arange(n) + 0.5) / n - 0.5
        x = (np.arange(cols.start, cols.stop)[:, None] + offsets).ravel()
        step = max(1, _CHUNK // (n * n * nxb))
        mean = np.empty((nyb, nxb))
        for start in range(0, nyb, step):
            stop = min(start + step, nyb)
            y = (np.arange(rows.start + start, rows.start + stop)[:, None] + offsets).ravel()
            lon, lat = geom.wcs.wcs_pix2world(*np.meshgrid(x, y), 0)
            values = np.nan_to_num(self._evaluate_in_frame(lon, lat, geom.frame))
            mean[start:stop] = values.reshape(stop - start, n, nxb, n).mean(axis=(1, 3))
        return mean

    # --- plots -------------------------------------------------------------------------

    def plot(self, geom=None, ax=None, **kwargs):
        """Show the model's surface brightness (on ``geom``, default: a 0.02 deg grid
        around the model) with `~cherenkit.maps.Map.plot`."""
        if geom is None:
            from ..maps import WcsGeom

            width = 2.2 * max(self.evaluation_radius, 0.1)
            geom = WcsGeom.create(skydir=self.position, width=width, binsz=0.02, frame=self.frame)
        return self.evaluate_geom(geom).plot(ax=ax, **kwargs)


class PointSpatialModel(SpatialModel):
    r"""A point source at ``lon_0``, ``lat_0``: :math:`\delta(\Omega - \Omega_0)`.

    `integrate_geom` spreads the flux over the four pixels around the position with
    bilinear weights, which keep the flux centroid at the exact (sub-pixel) position.

    Parameters
    ----------
    lon_0, lat_0 : float
        Position (deg). Defaults are 0.
    frame : {"icrs", "galactic"}
        Default is "icrs".
    """

    tag = ("PointSpatialModel", "point")
    default_parameters = (_lon_0(), _lat_0())

    @property
    def evaluation_radius(self) -> float:
        """0 deg: all of the flux is at the position."""
        return 0.0

    @staticmethod
    def evaluate(lon, lat, lon_0, lat_0):
        """A point source has no finite surface brightness: raises `TypeError`."""
        raise TypeError(
            "PointSpatialModel has no surface brightness to evaluate (a delta function); "
            "use integrate_geom() for the flux per pixel"
        )

    def evaluate_geom(self, geom):
        """The flux fractions of `integrate_geom` divided by the pixel solid angles (sr⁻¹)."""
        from ..maps import Map

        image = geom.to_image()
        data = self._integrate_pixels(image) / image.solid_angle().value
        return Map.from_geom(image, data=data, unit=self.unit)

    def _integrate_pixels(self, geom, *, oversampling_factor=None):
        """Bilinear weights of the four pixels around the position's pixel coordinate
        ``(x₀, y₀)``: ``(1 - |x - x₀|)(1 - |y - y₀|)``; weights of pixels outside the
        image are dropped."""
        out = np.zeros(geom.data_shape_image)
        values = self._values_in_frame(geom.frame)
        x0, y0 = geom.wcs.wcs_world2pix(values["lon_0"], values["lat_0"], 0)
        x0, y0 = float(x0), float(y0)
        if not (np.isfinite(x0) and np.isfinite(y0)):
            return out
        ix, iy = math.floor(x0), math.floor(y0)
        fx, fy = x0 - ix, y0 - iy
        ny, nx = out.shape
        for dy, wy in ((0, 1.0 - fy), (1, fy)):
            for dx, wx in ((0, 1.0 - fx), (1, fx)):
                if 0 <= ix + dx < nx and 0 <= iy + dy < ny:
                    out[iy + dy, ix + dx] = wx * wy
        return out

    def to_region(self, **kwargs):
        """`~regions.PointSkyRegion` at the position."""
        from regions import PointSkyRegion

        return PointSkyRegion(center=self.position, **kwargs)


class GaussianSpatialModel(SpatialModel):
    r"""Gaussian on the sphere, optionally elliptical.

    .. math::

        f(\theta, \psi) = N \exp\left(-\frac{1 - \cos\theta}{2\,(1 - \cos\sigma_{\rm eff})}
        \right), \qquad
        \sigma_{\rm eff} = \frac{\sigma \, \sigma_b}
        {\sqrt{(\sigma \sin(\phi - \psi))^2 + (\sigma_b \cos(\phi - \psi))^2}}

    with :math:`\theta` the distance from the centre, :math:`\psi` the position angle
    (east of north) of the evaluation point, :math:`\sigma_b = \sigma\sqrt{1 - e^2}`
    the minor semi-axis, and :math:`N` normalising :math:`f` to 1 on the whole sphere
    exactly: :math:`N^{-1} = \int_0^{2\pi} 2a(1 - e^{-1/a})\,d\psi`,
    :math:`a = 1 - \cos\sigma_{\rm eff}` (for :math:`e = 0`:
    :math:`4\pi a(1 - e^{-1/a})`, gammapy's value; for :math:`e > 0` gammapy uses the
    small-angle :math:`1/(2\pi\sigma\sigma_b)`). For small :math:`\sigma` this is the
    2-D normal distribution of width :math:`\sigma`, whose 68 % containment radius is
    1.51 σ.

    Parameters
    ----------
    lon_0, lat_0 : float
        Centre (deg). Defaults are 0.
    sigma : float
        Major semi-axis :math:`\sigma` (deg). Default is 1.
    e : float
        Eccentricity, 0 ≤ e < 1 (frozen). Default is 0.
    phi : float
        Position angle of the major axis (deg, east of north, frozen). Default is 0.
    frame : {"icrs", "galactic"}
        Default is "icrs".

    References
    ----------
    .. [1] Fisher, R. A. (1953), Proc. R. Soc. A 217, 295, doi:10.1098/rspa.1953.0064
       (the spherical distribution :math:`\propto e^{\kappa\cos\theta}` this is).
    """

    tag = ("GaussianSpatialModel", "gauss")
    default_parameters = (
        _lon_0(),
        _lat_0(),
        Parameter("sigma", 1.0, "deg", min=0.0),
        Parameter("e", 0.0, min=0.0, max=1.0, frozen=True),
        Parameter("phi", 0.0, "deg", min=-180.0, max=180.0, frozen=True),
    )

    @property
    def evaluation_radius(self) -> float:
        """5 σ (major semi-axis), deg."""
        return 5.0 * self.sigma.value

    @property
    def _min_scale(self):
        return self.sigma.value * math.sqrt(1.0 - self.e.value**2) / 3.0

    @staticmethod
    def _inverse_norm(sigma_rad, e):
        def radial(sigma_eff):  # ∫_0^π exp(-(1 - cos θ)/(2a)) sin θ dθ, a = 1 - cos σ_eff
            a = 2.0 * np.sin(0.5 * sigma_eff) ** 2
            return -2.0 * a * np.expm1(-1.0 / a)

        if e == 0:
            return 2 * math.pi * float(radial(sigma_rad))
        azimuths = _azimuths(e)
        return 2 * math.pi * float(np.mean(radial(_effective_radius(sigma_rad, e, azimuths))))

    @staticmethod
    def evaluate(lon, lat, lon_0, lat_0, sigma, e, phi):
        """Surface brightness (sr⁻¹) at plain-degree ``lon``, ``lat`` (any shape)."""
        sep = _separation_rad(lon, lat, lon_0, lat_0)
        sigma, e = math.radians(float(sigma)), float(e)
        if e == 0:
            sigma_eff = sigma
        else:
            angle = _position_angle_rad(lon_0, lat_0, lon, lat)
            sigma_eff = _effective_radius(sigma, e, math.radians(float(phi)) - angle)
        a = 2.0 * np.sin(0.5 * sigma_eff) ** 2  # 1 - cos σ_eff
        exponent = np.sin(0.5 * sep) ** 2 / a  # (1 - cos θ) / (2a)
        return np.exp(-exponent) / GaussianSpatialModel._inverse_norm(sigma, e)

    def to_region(self, size_factor=1.0, **kwargs):
        """Outline at ``size_factor`` σ: `~regions.CircleSkyRegion`, or an
        `~regions.EllipseSkyRegion` (height along ``phi``) when elliptical."""
        return _ellipse_region(self, self.sigma.value * size_factor, **kwargs)


def _ellipse_region(model, major, **kwargs):
    import astropy.units as u
    from regions import CircleSkyRegion, EllipseSkyRegion

    if model.e.value == 0:
        return CircleSkyRegion(center=model.position, radius=major * u.deg, **kwargs)
    minor = major * math.sqrt(1.0 - model.e.value**2)
    return EllipseSkyRegion(
        center=model.position,
        width=2 * minor * u.deg,
        height=2 * major * u.deg,
        angle=model.phi.value * u.deg,
        **kwargs,
    )


class DiskSpatialModel(SpatialModel):
    r"""Uniform disk (or ellipse) with a smooth edge.

    .. math::

        f(\theta, \psi) = N \, \frac{1}{2}\operatorname{erfc}\left(
        k \, \frac{\theta - r_{\rm eff}}{w \, r_{\rm eff}}\right), \qquad
        k = 2\operatorname{erf}^{-1}(0.9)

    with :math:`r_{\rm eff}` the radius of the ellipse of semi-axes :math:`r_0` and
    :math:`r_0\sqrt{1-e^2}` towards position angle :math:`\psi` (as for
    `GaussianSpatialModel`); the edge falls from 95 % to 5 % over
    :math:`w \, r_{\rm eff}` (:math:`w` = ``edge_width``; 0 gives a sharp edge).
    :math:`N` normalises :math:`f` on the sphere exactly, edge included, from the
    closed form of :math:`\int_0^\pi f \sin\theta\,d\theta` (complex error
    functions) integrated over :math:`\psi` (gammapy uses the area of the sharp
    ellipse, 1e-5 smaller for the default edge).

    Parameters
    ----------
    lon_0, lat_0 : float
        Centre (deg). Defaults are 0.
    r_0 : float
        Major semi-axis (deg). Default is 1.
    e : float
        Eccentricity, 0 ≤ e < 1 (frozen). Default is 0.
    phi : float
        Position angle of the major axis (deg, east of north, frozen). Default is 0.
    edge_width : float
        Width of the edge as a fraction of the radius (frozen). Default is 0.01.
    frame : {"icrs", "galactic"}
        Default is "icrs".

    References
    ----------
    .. [1] Abramowitz, M. & Stegun, I. A. (1964), Handbook of Mathematical Functions,
       §7.4 (integrals of the error function with a Gaussian weight).
    """

    tag = ("DiskSpatialModel", "disk")
    default_parameters = (
        _lon_0(),
        _lat_0(),
        Parameter("r_0", 1.0, "deg", min=0.0),
        Parameter("e", 0.0, min=0.0, max=1.0, frozen=True),
        Parameter("phi", 0.0, "deg", min=-180.0, max=180.0, frozen=True),
        Parameter("edge_width", 0.01, min=0.0, max=1.0, frozen=True),
    )

    @property
    def evaluation_radius(self) -> float:
        """r_0 (1 + 2 edge_width), deg: the edge has fallen to 1e-10 there."""
        return self.r_0.value * (1.0 + 2.0 * self.edge_width.value)

    @property
    def _min_scale(self):
        minor = self.r_0.value * math.sqrt(1.0 - self.e.value**2)
        return minor * (1.0 - self.edge_width.value) / 10.0

    @staticmethod
    def _radial_integral(radius, smooth):
        r""":math:`\int_0^\pi \Phi((R - \theta)/s) \sin\theta \, d\theta` (rad), by parts:
        :math:`\Phi(R/s) + \Phi((R - \pi)/s) - \mathrm{Re}\,\int_0^\pi e^{i\theta}
        \mathcal{N}(\theta; R, s)\,d\theta`; the sharp edge :math:`1 - \cos R` for s = 0."""
        from scipy.special import erf, ndtr

        sharp = 2.0 * np.sin(0.5 * radius) ** 2
        s = np.where(smooth > 0, smooth, 1.0)
        shift = 1j * s

        def cdf(z):  # the normal CDF of a complex argument
            return 0.5 * (1.0 + erf(z / math.sqrt(2.0)))

        cosine = np.exp(1j * radius - 0.5 * s**2) * (
            cdf((math.pi - radius) / s - shift) - cdf(-radius / s - shift)
        )
        value = ndtr(radius / s) + ndtr((radius - math.pi) / s) - cosine.real
        return np.where(smooth > 0, value, sharp)

    @staticmethod
    def _inverse_norm(r_0_rad, e, edge_width):
        width = edge_width / (math.sqrt(2.0) * _EDGE_95_5)  # Gaussian σ of the edge / r
        if e == 0:
            radii = np.array([r_0_rad])
        else:
            radii = _effective_radius(r_0_rad, e, _azimuths(e))
        return 2 * math.pi * float(np.mean(DiskSpatialModel._radial_integral(radii, radii * width)))

    @staticmethod
    def evaluate(lon, lat, lon_0, lat_0, r_0, e, phi, edge_width):
        """Surface brightness (sr⁻¹) at plain-degree ``lon``, ``lat`` (any shape)."""
        from scipy.special import ndtr

        sep = _separation_rad(lon, lat, lon_0, lat_0)
        r_0, e, edge_width = math.radians(float(r_0)), float(e), float(edge_width)
        if e == 0:
            radius = r_0
        else:
            angle = _position_angle_rad(lon_0, lat_0, lon, lat)
            radius = _effective_radius(r_0, e, math.radians(float(phi)) - angle)
        if edge_width > 0:
            smooth = radius * edge_width / (math.sqrt(2.0) * _EDGE_95_5)
            inside = ndtr((radius - sep) / smooth)
        else:
            inside = (sep <= radius).astype(float)
        return inside / DiskSpatialModel._inverse_norm(r_0, e, edge_width)

    def _refine(self, geom, box):
        """The pixels near the edge, sampled with sub-pixels no larger than the edge's
        Gaussian σ (at most `MAX_OVERSAMPLING` per side)."""
        lon, lat, values, sep = self._box_lonlat_sep(geom, box)
        r_0, e = values["r_0"], values["e"]
        radius = r_0
        if e > 0:
            angle = _position_angle_rad(values["lon_0"], values["lat_0"], lon, lat)
            delta = math.radians(values["phi"]) - angle
            radius = np.rad2deg(_effective_radius(math.radians(r_0), e, delta))
        smooth = r_0 * math.sqrt(1.0 - e**2) * values["edge_width"] / (math.sqrt(2) * _EDGE_95_5)
        pixel = float(np.max(geom.pixel_scales.deg))
        near = np.abs(sep - radius) < pixel + 5.0 * smooth
        n = MAX_OVERSAMPLING if smooth <= 0 else math.ceil(pixel / smooth)
        return [(near, min(n, MAX_OVERSAMPLING))]

    def to_region(self, size_factor=1.0, **kwargs):
        """Outline: `~regions.CircleSkyRegion`, or an `~regions.EllipseSkyRegion` (height
        along ``phi``) when elliptical."""
        return _ellipse_region(self, self.r_0.value * size_factor, **kwargs)


class ShellSpatialModel(SpatialModel):
    r"""Projection of a uniformly emitting spherical shell (small-angle approximation).

    .. math::

        f(\theta) = \frac{3}{2\pi (r_{\rm out}^3 - r_{\rm in}^3)} \times
        \begin{cases}
            \sqrt{r_{\rm out}^2 - \theta^2} - \sqrt{r_{\rm in}^2 - \theta^2}
                & \theta < r_{\rm in} \\
            \sqrt{r_{\rm out}^2 - \theta^2} & r_{\rm in} \le \theta \le r_{\rm out} \\
            0 & \theta > r_{\rm out}
        \end{cases}

    with :math:`r_{\rm in}` = ``radius`` and :math:`r_{\rm out}` = ``radius + width``;
    the normalisation is that of the tangent plane (too large by about
    :math:`r_{\rm out}^2/4` relative on the sphere).

    Parameters
    ----------
    lon_0, lat_0 : float
        Centre (deg). Defaults are 0.
    radius : float
        Inner radius (deg). Default is 1.
    width : float
        Shell thickness (deg). Default is 0.2.
    frame : {"icrs", "galactic"}
        Default is "icrs".

    References
    ----------
    .. [1] Aharonian, F. et al. (H.E.S.S.) (2004), Nature 432, 75,
       doi:10.1038/nature02960 (a projected-shell morphology of this kind).
    """

    tag = ("ShellSpatialModel", "shell")
    default_parameters = (
        _lon_0(),
        _lat_0(),
        Parameter("radius", 1.0, "deg"),
        Parameter("width", 0.2, "deg"),
    )

    @property
    def evaluation_radius(self) -> float:
        """radius + width (deg)."""
        return self.radius.value + self.width.value

    @property
    def _min_scale(self):
        return self.width.value

    @staticmethod
    def evaluate(lon, lat, lon_0, lat_0, radius, width):
        """Surface brightness (sr⁻¹) at plain-degree ``lon``, ``lat`` (any shape)."""
        sep = np.rad2deg(_separation_rad(lon, lat, lon_0, lat_0))
        outer = radius + width
        chord = np.sqrt(np.clip(outer**2 - sep**2, 0.0, None))
        chord = chord - np.sqrt(np.clip(radius**2 - sep**2, 0.0, None))
        norm = 3.0 / (2.0 * math.pi * (outer**3 - radius**3))  # deg⁻³
        return norm * chord * _DEG2_TO_SR

    def _refine(self, geom, box):
        """The profile has infinite slope at both radii: pixels within one pixel of them
        get up to `MAX_OVERSAMPLING` sub-pixels per side, those within four pixels 8."""
        _, _, values, sep = self._box_lonlat_sep(geom, box)
        pixel = float(np.max(geom.pixel_scales.deg))
        outer = values["radius"] + values["width"]
        distance = np.minimum(np.abs(sep - values["radius"]), np.abs(sep - outer)) / pixel
        return [(distance < 1.0, MAX_OVERSAMPLING), ((distance >= 1.0) & (distance < 4.0), 8)]

    def to_region(self, **kwargs):
        """`~regions.CircleAnnulusSkyRegion` between the inner and outer radius."""
        import astropy.units as u
        from regions import CircleAnnulusSkyRegion

        return CircleAnnulusSkyRegion(
            center=self.position,
            inner_radius=self.radius.value * u.deg,
            outer_radius=(self.radius.value + self.width.value) * u.deg,
            **kwargs,
        )


# the template model lives in its own module; importing it here registers its tags
from .template import TemplateSpatialModel  # noqa: E402
