"""Telescope description: optics plus camera, and the type string that names the pair."""

from __future__ import annotations

import attrs

from ._validation import check_str
from .camera import CameraDescription
from .optics import OpticsDescription

__all__ = ["TelescopeDescription"]


@attrs.frozen(kw_only=True)
class TelescopeDescription:
    """One telescope type: optics and camera.

    Two telescopes are of the same type when their descriptions are equal (every
    field, including the pulse shapes of the readout). The `type_string` names a
    type in configuration files and in the per-type groups of the data files; two
    different descriptions can share it (e.g. LST-1 and LST-2..4 in prod6 files).

    Attributes
    ----------
    name : str
        Telescope name, e.g. ``"LST"`` or ``"ASTRI"`` (usually the optics name).
    optics : OpticsDescription
    camera : CameraDescription

    Examples
    --------
    ``str(telescope)`` is ``f"{size_type}_{optics name}_{camera name}"``, e.g.
    ``"LST_LST_LSTCam"``, ``"MST_MST_FlashCam"``, ``"SST_ASTRI_ASTRICam"``,
    ``"SST_GCT_CHEC"``: the string ctapipe prints for a telescope type.
    """

    name: str = attrs.field(validator=check_str)
    optics: OpticsDescription = attrs.field(
        validator=attrs.validators.instance_of(OpticsDescription)
    )
    camera: CameraDescription = attrs.field(
        validator=attrs.validators.instance_of(CameraDescription)
    )

    @property
    def type_string(self) -> str:
        """``"{size_type}_{optics.name}_{camera.name}"``, e.g. ``"MST_MST_NectarCam"``."""
        return f"{self.optics.size_type}_{self.optics.name}_{self.camera.name}"

    @property
    def type(self) -> str:
        """Size class of the optics: ``"LST"``, ``"MST"``, ``"SST"`` or ``"UNKNOWN"``."""
        return self.optics.size_type

    @property
    def optics_name(self) -> str:
        """Name of the optics."""
        return self.optics.name

    @property
    def camera_name(self) -> str:
        """Name of the camera."""
        return self.camera.name

    def __str__(self):
        return self.type_string

    def __repr__(self):
        return (
            f"TelescopeDescription(type={self.type!r}, optics_name={self.optics.name!r}, "
            f"camera_name={self.camera.name!r})"
        )
