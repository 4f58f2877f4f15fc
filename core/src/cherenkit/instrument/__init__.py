"""Instrument description: cameras, optics, telescopes, subarrays and their frames.

Everything is an immutable attrs value object with Quantities at the edges.
Derived arrays (pixel neighbours, border masks, telescope indices) are computed on
first use and cached; the arrays a description hands out are read-only.

Coordinate frames (`CameraFrame`, `TelescopeFrame`, `NominalFrame`) are registered
with astropy's transform graph when first accessed, so ``SkyCoord.transform_to``
moves between them and `~astropy.coordinates.AltAz`.
"""

from ._mapping import camera_to_fov, fov_to_camera
from ._neighbors import find_neighbor_pairs
from .camera import CameraDescription, CameraReadout
from .geometry import FRAMES, PIXEL_SHAPES, CameraGeometry
from .optics import FOCAL_LENGTH_CHOICES, REFLECTOR_SHAPES, SIZE_TYPES, OpticsDescription
from .subarray import SubarrayDescription
from .telescope import TelescopeDescription

_FRAME_NAMES = (
    "CameraFrame",
    "CameraPlaneRepresentation",
    "NominalFrame",
    "TelescopeFrame",
)


def __getattr__(name):
    # The frames need astropy.coordinates, which takes ~1 s to import: load them
    # (and register their transforms) on first use, so that descriptions stay light.
    if name in _FRAME_NAMES:
        from . import frames

        return getattr(frames, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FOCAL_LENGTH_CHOICES",
    "FRAMES",
    "PIXEL_SHAPES",
    "REFLECTOR_SHAPES",
    "SIZE_TYPES",
    "CameraDescription",
    "CameraFrame",
    "CameraGeometry",
    "CameraPlaneRepresentation",
    "CameraReadout",
    "NominalFrame",
    "OpticsDescription",
    "SubarrayDescription",
    "TelescopeDescription",
    "TelescopeFrame",
    "camera_to_fov",
    "find_neighbor_pairs",
    "fov_to_camera",
]
