"""Coordinate frames of a Cherenkov telescope, on top of `astropy.coordinates`.

Three frames, connected to each other and to `~astropy.coordinates.AltAz` in
astropy's ``frame_transform_graph``:

`CameraFrame`
    Cartesian ``x, y`` (m) in the focal plane. The convention is H.E.S.S.'s and
    sim_telarray's (and ctapipe's): with the telescope parked at the horizon
    looking north and then raised to the zenith, ``x`` points north and ``y``
    west. For a telescope looking at the sky, a star above the optical axis lands
    at ``x > 0`` and a star at larger azimuth at ``y > 0`` (the optics invert the
    image).
`TelescopeFrame`
    Spherical offsets ``fov_lon, fov_lat`` from the telescope pointing: the
    pointing direction rotated to the origin, ``fov_lon`` along azimuth (it grows
    with azimuth, east of north) and ``fov_lat`` along altitude. This is astropy's
    sky-offset construction (`~astropy.coordinates.SkyOffsetFrame`) applied to
    `~astropy.coordinates.AltAz`.
`NominalFrame`
    The same construction around a common ``origin`` (the array pointing), so
    that the images of telescopes pointing in slightly different directions
    share one system.

The camera ↔ telescope mapping is equidistant (exact for the angle from the axis
when that is small): ``fov_lat = x' / f`` and ``fov_lon = y' / f`` in radians,
where ``(x', y')`` are the camera coordinates turned counter-clockwise by the
frame's ``rotation``. This is what ctapipe 0.28 computes (checked against the
telescope-frame pixel positions of the reference files).

The plain-array functions `camera_to_fov` and `fov_to_camera` do the same on
float64 arrays for code that runs on batches.
"""

from __future__ import annotations

from typing import ClassVar

import astropy.units as u
import numpy as np
from astropy.coordinates import (
    AltAz,
    Angle,
    BaseCoordinateFrame,
    BaseRepresentation,
    CartesianRepresentation,
    CoordinateAttribute,
    EarthLocationAttribute,
    FunctionTransform,
    QuantityAttribute,
    RepresentationMapping,
    TimeAttribute,
    UnitSphericalRepresentation,
    frame_transform_graph,
)
from astropy.coordinates.matrix_utilities import rotation_matrix

from ..errors import ParameterError
from ._mapping import camera_to_fov, fov_to_camera

__all__ = [
    "CameraFrame",
    "CameraPlaneRepresentation",
    "NominalFrame",
    "TelescopeFrame",
    "camera_to_fov",
    "fov_to_camera",
]


# --- representation and frames -----------------------------------------------------


class CameraPlaneRepresentation(BaseRepresentation):
    """Two-dimensional Cartesian ``x, y`` in a plane (``z = 0`` when made 3-d)."""

    attr_classes: ClassVar[dict[str, type]] = {"x": u.Quantity, "y": u.Quantity}

    def __init__(self, x, y=None, differentials=None, copy=True):
        if differentials:
            raise ValueError("CameraPlaneRepresentation does not support differentials")
        super().__init__(x, y, copy=copy)
        if not self._x.unit.is_equivalent(self._y.unit):
            raise u.UnitsError("x and y must have equivalent units")

    def to_cartesian(self):
        return CartesianRepresentation(self._x, self._y, np.zeros_like(self._x))

    @classmethod
    def from_cartesian(cls, cartesian):
        return cls(x=cartesian.x, y=cartesian.y, copy=False)

    def norm(self):
        return np.hypot(self._x, self._y)


class CameraFrame(BaseCoordinateFrame):
    """Positions ``x, y`` in the focal plane of a telescope (see the module docs).

    Attributes
    ----------
    focal_length : `~astropy.units.Quantity`, m
        Focal length used to map to `TelescopeFrame`. Default is 0 m (unset).
    rotation : `~astropy.units.Quantity`, angle
        Camera rotation applied before the mapping. Default is 0 deg.
    telescope_pointing : `~astropy.coordinates.AltAz`
        Pointing of the telescope, needed to go on to the sky.
    obstime : `~astropy.time.Time`
    location : `~astropy.coordinates.EarthLocation`
    """

    default_representation = CameraPlaneRepresentation

    focal_length = QuantityAttribute(default=0 * u.m, unit=u.m)
    rotation = QuantityAttribute(default=0 * u.deg, unit=u.rad)
    telescope_pointing = CoordinateAttribute(frame=AltAz, default=None)
    obstime = TimeAttribute(default=None)
    location = EarthLocationAttribute(default=None)


class _OffsetFrame(BaseCoordinateFrame):
    """Spherical offsets ``fov_lon, fov_lat`` around a centre given in AltAz."""

    frame_specific_representation_info: ClassVar[dict] = {
        UnitSphericalRepresentation: [
            RepresentationMapping("lon", "fov_lon"),
            RepresentationMapping("lat", "fov_lat"),
        ]
    }
    default_representation = UnitSphericalRepresentation

    _centre_attribute = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # offsets run from -180 deg to 180 deg around the centre
        if isinstance(self._data, UnitSphericalRepresentation):
            self._data.lon.wrap_angle = Angle(180, u.deg)

    def _centre(self):
        centre = getattr(self, self._centre_attribute)
        if centre is None:
            raise ParameterError(
                type(self).__name__,
                self._centre_attribute,
                "is not set; it is needed to transform to or from AltAz",
            )
        return centre


class TelescopeFrame(_OffsetFrame):
    """Field-of-view offsets ``fov_lon, fov_lat`` from a telescope's pointing.

    Attributes
    ----------
    telescope_pointing : `~astropy.coordinates.AltAz`
        The frame's origin.
    obstime : `~astropy.time.Time`
    location : `~astropy.coordinates.EarthLocation`
    """

    telescope_pointing = CoordinateAttribute(frame=AltAz, default=None)
    obstime = TimeAttribute(default=None)
    location = EarthLocationAttribute(default=None)
    _centre_attribute = "telescope_pointing"


class NominalFrame(_OffsetFrame):
    """Field-of-view offsets ``fov_lon, fov_lat`` from the array pointing ``origin``.

    Attributes
    ----------
    origin : `~astropy.coordinates.AltAz`
        The frame's origin, usually the array pointing.
    obstime : `~astropy.time.Time`
    location : `~astropy.coordinates.EarthLocation`
    """

    origin = CoordinateAttribute(frame=AltAz, default=None)
    obstime = TimeAttribute(default=None)
    location = EarthLocationAttribute(default=None)
    _centre_attribute = "origin"


# --- transforms ----------------------------------------------------------------------


def _focal_length(frame) -> u.Quantity:
    focal_length = frame.focal_length
    if np.any(focal_length.to_value(u.m) <= 0):
        raise ParameterError(
            "CameraFrame",
            "focal_length",
            f"is {focal_length}; set a positive focal length to transform between "
            "the camera and the telescope frame",
        )
    return focal_length


@frame_transform_graph.transform(FunctionTransform, CameraFrame, TelescopeFrame)
def _camera_to_telescope(camera_coord, telescope_frame):
    f = _focal_length(camera_coord).to_value(u.m)
    cart = camera_coord.cartesian
    rotation = camera_coord.rotation.to_value(u.rad)
    lon, lat = camera_to_fov(cart.x.to_value(u.m), cart.y.to_value(u.m), f, rotation)
    data = UnitSphericalRepresentation(lon=u.Quantity(lon, u.rad), lat=u.Quantity(lat, u.rad))
    return telescope_frame.realize_frame(data)


@frame_transform_graph.transform(FunctionTransform, TelescopeFrame, CameraFrame)
def _telescope_to_camera(telescope_coord, camera_frame):
    f = _focal_length(camera_frame).to_value(u.m)
    sph = telescope_coord.represent_as(UnitSphericalRepresentation)
    lon = sph.lon.wrap_at(180 * u.deg).to_value(u.rad)
    lat = sph.lat.to_value(u.rad)
    x, y = fov_to_camera(lon, lat, f, camera_frame.rotation.to_value(u.rad))
    return camera_frame.realize_frame(CameraPlaneRepresentation(u.Quantity(x, u.m), y * u.m))


def _offset_matrix(centre) -> np.ndarray:
    """Rotation taking AltAz unit vectors to offset-frame unit vectors around ``centre``."""
    sph = centre.represent_as(UnitSphericalRepresentation)
    return rotation_matrix(-sph.lat, "y") @ rotation_matrix(sph.lon, "z")


def _rotate(data, matrix):
    """Apply ``matrix`` to a representation, keeping unit-sphere data on the unit sphere."""
    data = data.without_differentials()
    rotated = data.to_cartesian().transform(matrix)
    if isinstance(data, UnitSphericalRepresentation):
        return rotated.represent_as(UnitSphericalRepresentation)
    return rotated


def _time_place_known(frame) -> bool:
    return frame.obstime is not None and frame.location is not None


def _altaz_to_offset(altaz_coord, offset_frame):
    centre = offset_frame._centre()
    if (
        _time_place_known(altaz_coord)
        and _time_place_known(centre)
        and not altaz_coord.is_equivalent_frame(centre)
    ):
        altaz_coord = altaz_coord.transform_to(centre.replicate_without_data())
    return offset_frame.realize_frame(_rotate(altaz_coord.data, _offset_matrix(centre)))


def _offset_to_altaz(offset_coord, altaz_frame):
    centre = offset_coord._centre()
    data = _rotate(offset_coord.data, np.swapaxes(_offset_matrix(centre), -1, -2))
    if (
        _time_place_known(altaz_frame)
        and _time_place_known(centre)
        and not altaz_frame.is_equivalent_frame(centre)
    ):
        return centre.realize_frame(data).transform_to(altaz_frame)
    return altaz_frame.realize_frame(data)


def _offset_to_offset(from_coord, to_frame):
    altaz = _offset_to_altaz(from_coord, from_coord._centre().replicate_without_data())
    return _altaz_to_offset(altaz, to_frame)


for _frame in (TelescopeFrame, NominalFrame):
    frame_transform_graph.transform(FunctionTransform, AltAz, _frame)(_altaz_to_offset)
    frame_transform_graph.transform(FunctionTransform, _frame, AltAz)(_offset_to_altaz)
    frame_transform_graph.transform(FunctionTransform, _frame, _frame)(_offset_to_offset)
del _frame
