"""Camera description: pixel geometry plus readout (sampling, pulse shape)."""

from __future__ import annotations

import astropy.units as u
import attrs
import numpy as np

from ..errors import ParameterError
from ._validation import (
    as_float_array,
    as_int,
    as_quantity,
    check_int,
    check_quantity,
    check_str,
    quantity_equal,
    readonly,
)
from .geometry import CameraGeometry

__all__ = ["CameraDescription", "CameraReadout"]


@attrs.frozen(kw_only=True)
class CameraReadout:
    """How a camera samples its pixels.

    Attributes
    ----------
    name : str
        Camera name, e.g. ``"LSTCam"``.
    sampling_rate : `~astropy.units.Quantity`, frequency
        Waveform sampling rate (GHz in sim_telarray files).
    reference_pulse_shape : `numpy.ndarray`, shape (n_channels, n_pulse_samples)
        Normalised single-photo-electron pulse of every gain channel.
    reference_pulse_sample_width : `~astropy.units.Quantity`, time
        Time between two samples of ``reference_pulse_shape``.
    n_channels : int
        Number of gain channels.
    n_pixels : int
        Number of pixels.
    n_samples : int
        Waveform samples per pixel and event.
    n_samples_long : int or None
        Samples of the long (e.g. pedestal) readout, when the camera has one.
        Default is None.

    Raises
    ------
    cherenkit.errors.ParameterError
        When a field has a wrong type or unit, or the pulse shape does not have
        ``n_channels`` rows.
    """

    name: str = attrs.field(validator=check_str)
    sampling_rate: u.Quantity = attrs.field(
        converter=as_quantity,
        validator=check_quantity("frequency", ndim=0),
        eq=attrs.cmp_using(eq=quantity_equal),
    )
    reference_pulse_shape: np.ndarray = attrs.field(
        converter=as_float_array,
        eq=attrs.cmp_using(eq=lambda a, b: np.array_equal(a, b, equal_nan=True)),
    )
    reference_pulse_sample_width: u.Quantity = attrs.field(
        converter=as_quantity,
        validator=check_quantity("time", ndim=0),
        eq=attrs.cmp_using(eq=quantity_equal),
    )
    n_channels: int = attrs.field(converter=as_int, validator=check_int(1))
    n_pixels: int = attrs.field(converter=as_int, validator=check_int(0))
    n_samples: int = attrs.field(converter=as_int, validator=check_int(0))
    n_samples_long: int | None = attrs.field(
        default=None, converter=as_int, validator=check_int(0, optional=True)
    )

    def __attrs_post_init__(self):
        shape = self.reference_pulse_shape
        if not isinstance(shape, np.ndarray) or isinstance(shape, u.Quantity):
            raise ParameterError(
                "CameraReadout",
                "reference_pulse_shape",
                f"expected a 2-d array of numbers, got {shape!r:.60}",
            )
        if shape.ndim != 2 or shape.shape[0] != self.n_channels:
            raise ParameterError(
                "CameraReadout",
                "reference_pulse_shape",
                f"expected shape (n_channels={self.n_channels}, n_pulse_samples), "
                f"got {shape.shape}",
            )

    def __hash__(self):
        return hash(("CameraReadout", self.name, self.n_channels, self.n_pixels, self.n_samples))

    def __repr__(self):
        return (
            f"CameraReadout(name={self.name!r}, sampling_rate={self.sampling_rate}, "
            f"n_channels={self.n_channels}, n_pixels={self.n_pixels}, "
            f"n_samples={self.n_samples}, n_samples_long={self.n_samples_long})"
        )

    @property
    def reference_pulse_sample_time(self) -> u.Quantity:
        """Time of each sample of ``reference_pulse_shape``, shape (n_pulse_samples,)."""
        n = self.reference_pulse_shape.shape[1]
        return readonly(np.arange(n) * self.reference_pulse_sample_width)

    @property
    def sample_width(self) -> u.Quantity:
        """Time between two waveform samples (``1 / sampling_rate``), ns."""
        return (1 / self.sampling_rate).to(u.ns)


@attrs.frozen(kw_only=True)
class CameraDescription:
    """A camera: its name, pixel geometry and readout.

    Attributes
    ----------
    name : str
        Camera name, e.g. ``"LSTCam"``.
    geometry : CameraGeometry
    readout : CameraReadout

    Raises
    ------
    cherenkit.errors.ParameterError
        When geometry and readout disagree on the number of pixels.
    """

    name: str = attrs.field(validator=check_str)
    geometry: CameraGeometry = attrs.field(validator=attrs.validators.instance_of(CameraGeometry))
    readout: CameraReadout = attrs.field(validator=attrs.validators.instance_of(CameraReadout))

    def __attrs_post_init__(self):
        if self.geometry.n_pixels != self.readout.n_pixels:
            raise ParameterError(
                "CameraDescription",
                "readout",
                f"camera {self.name!r}: the readout has {self.readout.n_pixels} pixels "
                f"but the geometry has {self.geometry.n_pixels}",
            )

    def __str__(self):
        return self.name

    @property
    def n_pixels(self) -> int:
        """Number of pixels."""
        return self.geometry.n_pixels
