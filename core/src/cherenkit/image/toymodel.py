"""Toy shower images: smooth 2-d light distributions sampled with Poisson noise.

A model gives the density of photo-electrons in the frame of a camera geometry;
`ImageModel.generate_image` integrates it over the pixels (density at the pixel
centre times the pixel area), draws Poisson signal counts and adds Poisson
night-sky background, like ctapipe's ``ctapipe.image.toymodel``.

Model coordinates ``x, y`` are the two axes of the geometry's frame, the same axes
`hillas_parameters` uses: camera ``x, y`` in the camera frame, ``fov_lon, fov_lat``
(``pix_y, pix_x``) in the telescope frame. ``psi`` is measured from the first axis.

Examples
--------
>>> import astropy.units as u
>>> from cherenkit.instrument import CameraGeometry
>>> geometry = CameraGeometry.make_rectangular(n_x=40, n_y=40)
>>> model = SkewedGaussian(x=0.1 * u.m, y=0 * u.m, length=0.08 * u.m, width=0.03 * u.m,
...                        psi=20 * u.deg, skewness=0.4)
>>> image, signal, noise = model.generate_image(geometry, intensity=500, nsb_level_pe=2, rng=0)
>>> image.shape, signal.dtype.kind, noise.dtype.kind
((1600,), 'i', 'i')
"""

from __future__ import annotations

import abc
import math

import astropy.units as u
import numpy as np

__all__ = ["Gaussian", "ImageModel", "SkewedGaussian", "obtain_time_image"]

MAX_SKEWNESS = 0.995
"""Largest |skewness| accepted; the skew-normal family reaches at most about 0.9953."""


def _frame_axes(geometry):
    """Pixel positions along the model axes (x, y) of the geometry's frame."""
    if geometry.frame == "telescope":
        return geometry.pix_y, geometry.pix_x
    return geometry.pix_x, geometry.pix_y


def _check_scalar(name, value, physical_types):
    if not isinstance(value, u.Quantity) or value.ndim != 0:
        raise TypeError(f"{name} must be a scalar Quantity, got {value!r}")
    if value.unit.physical_type not in physical_types:
        raise u.UnitTypeError(
            f"{name} must have a unit of {' or '.join(physical_types)}, got {value.unit}"
        )


class ImageModel(abc.ABC):
    """A 2-d light distribution; subclasses define `pdf`."""

    unit: u.UnitBase

    @abc.abstractmethod
    def pdf(self, x, y):
        """Probability density of a photo-electron at ``x, y`` (per ``unit**2``).

        Parameters
        ----------
        x, y : `~astropy.units.Quantity`
            Positions along the model axes.

        Returns
        -------
        `numpy.ndarray`
            Density in ``1 / unit**2``, where ``unit`` is the model's unit.
        """

    def expected_signal(self, geometry, intensity):
        """Mean photo-electrons in each pixel: density at the centre times pixel area.

        Parameters
        ----------
        geometry : `~cherenkit.instrument.CameraGeometry`
            In a frame whose unit matches the model (length or angle).
        intensity : float
            Total expected photo-electrons (over the whole plane).

        Returns
        -------
        `numpy.ndarray`, shape (n_pixels,)
        """
        x, y = _frame_axes(geometry)
        area = geometry.pix_area.to_value(self.unit**2)
        return self.pdf(x, y) * intensity * area

    def generate_image(self, geometry, intensity=50, nsb_level_pe=20, rng=None):
        """Draw a shower image.

        The signal in each pixel is Poisson-distributed around `expected_signal`,
        the noise Poisson around ``nsb_level_pe``; the image is their sum minus the
        mean noise of the camera (a pedestal-subtracted image).

        Parameters
        ----------
        geometry : `~cherenkit.instrument.CameraGeometry`
        intensity : float
            Total expected photo-electrons of the shower. Default is 50.
        nsb_level_pe : float
            Mean night-sky background per pixel (photo-electrons). Default is 20.
        rng : `numpy.random.Generator`, int or None
            Random generator or seed (passed to `numpy.random.default_rng`).

        Returns
        -------
        image : `numpy.ndarray` of float, shape (n_pixels,)
        signal : `numpy.ndarray` of int, shape (n_pixels,)
        noise : `numpy.ndarray` of int, shape (n_pixels,)
        """
        rng = np.random.default_rng(rng)
        signal = rng.poisson(self.expected_signal(geometry, intensity))
        noise = rng.poisson(nsb_level_pe, size=signal.shape)
        image = (signal + noise) - np.mean(noise)
        return image, signal, noise


class Gaussian(ImageModel):
    """A 2-d Gaussian: standard deviation ``length`` along the axis at ``psi``, ``width`` across.

    Parameters
    ----------
    x, y : `~astropy.units.Quantity`, length or angle
        Centre (the mean of the distribution).
    length, width : `~astropy.units.Quantity`
        Standard deviations along and across the major axis.
    psi : `~astropy.units.Quantity`, angle
        Angle of the major axis to the first axis.
    """

    def __init__(self, x, y, length, width, psi):
        for name, value in (("x", x), ("y", y), ("length", length), ("width", width)):
            _check_scalar(name, value, ("length", "angle"))
        _check_scalar("psi", psi, ("angle",))
        self.unit = x.unit
        self.x = x
        self.y = y
        self.length = length
        self.width = width
        self.psi = psi
        self._x0 = x.to_value(self.unit)
        self._y0 = y.to_value(self.unit)
        self._length = length.to_value(self.unit)
        self._width = width.to_value(self.unit)
        if not (self._length > 0 and self._width > 0):
            raise ValueError(f"length and width must be > 0, got {length} and {width}")
        self._psi = psi.to_value(u.rad)

    def __repr__(self):
        return (
            f"{type(self).__name__}(x={self.x}, y={self.y}, length={self.length}, "
            f"width={self.width}, psi={self.psi})"
        )

    def _shower_coordinates(self, x, y):
        dx = x.to_value(self.unit) - self._x0
        dy = y.to_value(self.unit) - self._y0
        cos_psi, sin_psi = math.cos(self._psi), math.sin(self._psi)
        return dx * cos_psi + dy * sin_psi, dy * cos_psi - dx * sin_psi

    def pdf(self, x, y):
        longi, trans = self._shower_coordinates(x, y)
        chi2 = (longi / self._length) ** 2 + (trans / self._width) ** 2
        return np.exp(-0.5 * chi2) / (2 * math.pi * self._length * self._width)


class SkewedGaussian(Gaussian):
    """A Gaussian across the axis times a skew-normal along it.

    The longitudinal distribution has mean 0 (the centre is the mean), standard
    deviation ``length`` and the given ``skewness`` (the third standardised
    moment), positive when the tail points towards ``psi``.

    Parameters
    ----------
    x, y, length, width, psi
        As for `Gaussian`.
    skewness : float
        In (-0.995, 0.995).

    References
    ----------
    Azzalini, A. (1985), A class of distributions which includes the normal ones,
    Scand. J. Stat. 12, 171, https://www.jstor.org/stable/4615982
    """

    def __init__(self, x, y, length, width, psi, skewness):
        super().__init__(x, y, length, width, psi)
        skewness = float(skewness)
        if not abs(skewness) < MAX_SKEWNESS:
            raise ValueError(
                f"skewness must lie in (-{MAX_SKEWNESS}, {MAX_SKEWNESS}), got {skewness}"
            )
        self.skewness = skewness
        self._shape, self._loc, self._scale = self._skew_normal_parameters()

    def __repr__(self):
        return f"{super().__repr__()[:-1]}, skewness={self.skewness})"

    def _skew_normal_parameters(self):
        """Shape, location and scale of the skew normal with mean 0, std length, the skewness."""
        g = abs(self.skewness) ** (2 / 3)
        delta = math.copysign(
            math.sqrt(0.5 * math.pi * g / (g + (0.5 * (4 - math.pi)) ** (2 / 3))), self.skewness
        )
        shape = delta / math.sqrt(1 - delta**2)
        scale = self._length / math.sqrt(1 - 2 * delta**2 / math.pi)
        loc = -scale * delta * math.sqrt(2 / math.pi)
        return shape, loc, scale

    def pdf(self, x, y):
        from scipy.special import ndtr

        longi, trans = self._shower_coordinates(x, y)
        z = (longi - self._loc) / self._scale
        along = (
            2 / self._scale * np.exp(-0.5 * z**2) / math.sqrt(2 * math.pi) * ndtr(self._shape * z)
        )
        across = np.exp(-0.5 * (trans / self._width) ** 2) / (math.sqrt(2 * math.pi) * self._width)
        return along * across


def obtain_time_image(x, y, centroid_x, centroid_y, psi, time_gradient, time_intercept):
    """Peak times growing linearly along the shower axis.

    Parameters
    ----------
    x, y : `~astropy.units.Quantity`
        Positions, e.g. pixel positions along the model axes.
    centroid_x, centroid_y : `~astropy.units.Quantity`
    psi : `~astropy.units.Quantity`, angle
    time_gradient : `~astropy.units.Quantity`, time per unit of ``x``
    time_intercept : `~astropy.units.Quantity`, time

    Returns
    -------
    `numpy.ndarray`
        Peak times in ns: ``time_gradient * longitudinal + time_intercept``.
    """
    unit = x.unit
    psi_rad = psi.to_value(u.rad)
    longi = (x.to_value(unit) - centroid_x.to_value(unit)) * math.cos(psi_rad) + (
        y.to_value(unit) - centroid_y.to_value(unit)
    ) * math.sin(psi_rad)
    return longi * time_gradient.to_value(u.ns / unit) + time_intercept.to_value(u.ns)
