"""Plots with matplotlib: camera images.

`CameraDisplay` draws an image on a `~cherenkit.instrument.CameraGeometry` (one
polygon per pixel, with its shape, size and rotation), with colour scales, a
colour bar, pixel outlines and Hillas-ellipse overlays. ctapipe users will find
the methods they know.

Importing this package imports matplotlib; nothing else in cherenkit does.
"""

from .camera import NORMS, CameraDisplay, MomentsOverlay

__all__ = ["NORMS", "CameraDisplay", "MomentsOverlay"]
