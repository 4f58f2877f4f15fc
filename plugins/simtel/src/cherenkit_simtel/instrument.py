"""Telescope and camera descriptions from the headers of a sim_telarray file.

sim_telarray writes per telescope the camera settings (pixel positions, areas and
shapes, focal lengths, mirror area and tiles), the pixel settings (sampling, the
reference pulse) and, in recent productions, meta parameters that name the optics
and camera (``OPTICS_CONFIG_NAME``, ``CAMERA_CONFIG_NAME``, ``MIRROR_CLASS``).
Older files lack the names: they are then recognised from the number of pixels,
the focal length and the number of mirror tiles (`KNOWN_TELESCOPES`), as ctapipe
does, so that type strings such as ``"MST_MST_NectarCam"`` agree between the two.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import astropy.units as u
import numpy as np
from astropy.coordinates import EarthLocation

from cherenkit.instrument import (
    CameraDescription,
    CameraGeometry,
    CameraReadout,
    OpticsDescription,
    SubarrayDescription,
    TelescopeDescription,
)

__all__ = [
    "KNOWN_TELESCOPES",
    "TelescopeKind",
    "build_camera",
    "build_subarray",
    "build_telescope",
    "reference_location",
    "size_type_from_mirror_area",
    "telescope_kind",
]


class TelescopeKind(NamedTuple):
    """What a telescope is: size class, optics and camera names, mirrors, reflector."""

    size_type: str
    optics_name: str
    camera_name: str
    n_mirrors: int
    reflector_shape: str


_SC, _DC, _HYBRID, _PARABOLIC = "SCHWARZSCHILD_COUDER", "DAVIES_COTTON", "HYBRID", "PARABOLIC"

KNOWN_TELESCOPES: dict[tuple[int, float, int | None], TelescopeKind] = {
    # (n_pixels, equivalent focal length in m rounded to 0.01, n_mirror_tiles or None)
    (2048, 2.28, None): TelescopeKind("SST", "GCT", "CHEC", 2, _SC),
    (2368, 2.15, None): TelescopeKind("SST", "ASTRI", "ASTRICam", 2, _SC),
    (2048, 2.15, None): TelescopeKind("SST", "ASTRI", "CHEC", 2, _SC),
    (1296, 5.60, None): TelescopeKind("SST", "1M", "DigiCam", 1, _DC),
    (1764, 16.0, None): TelescopeKind("MST", "MST", "FlashCam", 1, _HYBRID),
    (1855, 16.0, None): TelescopeKind("MST", "MST", "NectarCam", 1, _HYBRID),
    (1855, 28.0, None): TelescopeKind("LST", "LST", "LSTCam", 1, _PARABOLIC),
    (11328, 5.59, None): TelescopeKind("MST", "SCT", "SCTCam", 1, _SC),
    (1039, 16.97, 964): TelescopeKind("LST", "MAGIC-1", "MAGICCam", 1, _PARABOLIC),
    (1039, 16.97, 247): TelescopeKind("LST", "MAGIC-2", "MAGICCam", 1, _PARABOLIC),
    (1039, 17.0, 964): TelescopeKind("LST", "MAGIC-1", "MAGICCam", 1, _PARABOLIC),
    (1039, 17.0, 247): TelescopeKind("LST", "MAGIC-2", "MAGICCam", 1, _PARABOLIC),
    (960, 15.0, None): TelescopeKind("MST", "HESS-I", "HESS-I", 1, _DC),
    (2048, 36.0, None): TelescopeKind("LST", "HESS-II", "HESS-II", 1, _PARABOLIC),
    (1440, 4.89, None): TelescopeKind("SST", "FACT", "FACT", 1, _HYBRID),
}
"""Telescopes recognised when a file does not name them: the CTAO prototypes and the
current IACTs, by number of pixels, focal length and (where needed) mirror tiles."""

# sim_telarray pixel_shape code -> (pixel type, rotation of the shape in deg)
_PIXEL_SHAPES = {0: ("circle", 0.0), 1: ("hexagon", 0.0), 2: ("square", 0.0), 3: ("hexagon", 30.0)}

# sim_telarray MIRROR_CLASS values
_SEGMENTED, _SOLID_PARABOLIC, _DUAL_MIRROR = 0, 1, 2


def size_type_from_mirror_area(mirror_area_m2: float) -> str:
    """Size class from the mirror area: dish diameter below 8 m SST, below 16 m MST."""
    diameter = 2 * math.sqrt(mirror_area_m2 / math.pi)
    if diameter < 8:
        return "SST"
    return "MST" if diameter < 16 else "LST"


def _meta_text(meta: dict, key: bytes) -> str | None:
    value = meta.get(key)
    return None if value is None else value.decode("utf-8", "replace").strip()


def _meta_float(meta: dict, key: bytes, default: float) -> float:
    text = _meta_text(meta, key)
    try:
        return float(text.split()[0]) if text else default
    except ValueError:
        return default


def telescope_kind(camera_settings: dict, meta: dict) -> TelescopeKind:
    """Name a telescope from its meta parameters, else from its known characteristics.

    Parameters
    ----------
    camera_settings : dict
        eventio's ``camera_settings`` of the telescope.
    meta : dict of bytes to bytes
        The telescope's sim_telarray meta parameters (may be empty).

    Returns
    -------
    TelescopeKind
        Unknown telescopes get the names ``UNKNOWN-<area>M2`` and
        ``UNKNOWN-<n>PX``, the size class of their mirror area, 0 mirror surfaces
        (unknown) and reflector shape ``UNKNOWN``.
    """
    mirror_area = float(camera_settings["mirror_area"])
    optics = _meta_text(meta, b"OPTICS_CONFIG_NAME")
    camera = _meta_text(meta, b"CAMERA_CONFIG_NAME")
    mirror_class = _meta_float(meta, b"MIRROR_CLASS", math.nan)
    if optics and camera and not math.isnan(mirror_class):
        mirror_class = int(mirror_class)
        shape = "UNKNOWN"
        if mirror_class == _DUAL_MIRROR:
            shape = _SC
        elif mirror_class == _SEGMENTED:
            if int(_meta_float(meta, b"PARABOLIC_DISH", 0)) == 1:
                shape = _PARABOLIC
            elif _meta_float(meta, b"DISH_SHAPE_Length", 0) != _meta_float(
                meta, b"FOCAL_Length", 0
            ):
                shape = _HYBRID
            else:
                shape = _DC
        n_mirrors = 2 if mirror_class == _DUAL_MIRROR else 1
        return TelescopeKind(
            size_type_from_mirror_area(mirror_area), optics, camera, n_mirrors, shape
        )
    n_pixels = int(camera_settings["n_pixels"])
    focal_length = round(float(camera_settings["focal_length"]), 2)
    n_tiles = int(camera_settings["n_mirrors"])
    known = KNOWN_TELESCOPES.get((n_pixels, focal_length, n_tiles)) or KNOWN_TELESCOPES.get(
        (n_pixels, focal_length, None)
    )
    if known is not None:
        return known
    return TelescopeKind(
        size_type_from_mirror_area(mirror_area),
        f"UNKNOWN-{mirror_area:.0f}M2",
        f"UNKNOWN-{n_pixels}PX",
        0,  # number of mirror surfaces unknown
        "UNKNOWN",
    )


def build_camera(description: dict, camera_name: str) -> CameraDescription:
    """Camera geometry (camera frame, de-rotated) and readout of one telescope.

    Parameters
    ----------
    description : dict
        eventio's telescope description (``camera_settings``, ``pixel_settings``,
        ``camera_organization``, ...).
    camera_name : str

    Returns
    -------
    CameraDescription
    """
    settings = description["camera_settings"]
    pixels = description["pixel_settings"]
    organization = description["camera_organization"]
    shape_code = int(np.atleast_1d(settings["pixel_shape"])[0])
    pix_type, shape_rotation = _PIXEL_SHAPES.get(shape_code, ("hexagon", 0.0))
    n_pixels = int(settings["n_pixels"])
    geometry = CameraGeometry(
        name=camera_name,
        pix_id=np.arange(n_pixels),
        pix_x=u.Quantity(settings["pixel_x"], u.m, dtype=np.float64),
        pix_y=u.Quantity(settings["pixel_y"], u.m, dtype=np.float64),
        pix_area=u.Quantity(settings["pixel_area"], u.m**2, dtype=np.float64),
        pix_type=pix_type,
        pix_rotation=u.Quantity(shape_rotation, u.deg),
        # sim_telarray turns the camera by cam_rot; store the pixels with it applied
        cam_rotation=u.Quantity(-float(settings["cam_rot"]), u.rad).to(u.deg),
        frame="camera",
    ).derotate()
    readout = CameraReadout(
        name=camera_name,
        sampling_rate=u.Quantity(1.0 / np.float64(pixels["time_slice"]), u.GHz),
        reference_pulse_shape=np.asarray(pixels["ref_shape"], dtype=np.float64),
        reference_pulse_sample_width=u.Quantity(np.float64(pixels["ref_step"]), u.ns),
        n_channels=int(organization["n_gains"]),
        n_pixels=int(organization["n_pixels"]),
        n_samples=int(pixels["sum_bins"]),
    )
    return CameraDescription(name=camera_name, geometry=geometry, readout=readout)


def build_telescope(description: dict, meta: dict) -> TelescopeDescription:
    """The `TelescopeDescription` of one telescope of a sim_telarray file.

    Parameters
    ----------
    description : dict
        eventio's telescope description.
    meta : dict of bytes to bytes
        The telescope's meta parameters (may be empty).

    Returns
    -------
    TelescopeDescription
        Its optics carry both focal lengths; the effective one is NaN when the
        file does not give it.
    """
    settings = description["camera_settings"]
    kind = telescope_kind(settings, meta)
    optics = OpticsDescription(
        name=kind.optics_name,
        size_type=kind.size_type,
        reflector_shape=kind.reflector_shape,
        equivalent_focal_length=u.Quantity(np.float64(settings["focal_length"]), u.m),
        effective_focal_length=u.Quantity(
            np.float64(settings.get("effective_focal_length", np.nan)), u.m
        ),
        mirror_area=u.Quantity(np.float64(settings["mirror_area"]), u.m**2),
        n_mirrors=kind.n_mirrors,
        n_mirror_tiles=int(settings["n_mirrors"]),
    )
    camera = build_camera(description, kind.camera_name)
    return TelescopeDescription(name=kind.optics_name, optics=optics, camera=camera)


def reference_location(global_meta: dict, site_altitude_m: float) -> EarthLocation:
    """Array reference point from the meta parameters, else (0, 0) at the site altitude.

    sim_telarray files record the geodetic position only when the configuration
    defines ``*LONGITUDE``, ``*LATITUDE`` and ``ALTITUDE``; otherwise, like ctapipe,
    the point is put at longitude and latitude 0 (height = the observation level
    of the simulation), which is enough for alt/az work.
    """
    lon = _meta_text(global_meta, b"*LONGITUDE")
    lat = _meta_text(global_meta, b"*LATITUDE")
    height = _meta_text(global_meta, b"ALTITUDE")
    try:
        if lon is not None and lat is not None and height is not None:
            return EarthLocation(
                lon=float(lon) * u.deg, lat=float(lat) * u.deg, height=float(height) * u.m
            )
    except ValueError:
        pass
    return EarthLocation(lon=0 * u.deg, lat=0 * u.deg, height=site_altitude_m * u.m)


def _content_key(description: dict, meta: dict) -> tuple:
    """Everything `build_telescope` reads, as hashable bytes: equal keys, equal telescopes."""
    settings = description["camera_settings"]
    pixels = description["pixel_settings"]
    parts = [tuple(sorted(meta.items())), int(description["camera_organization"]["n_gains"])]
    for block, keys in (
        (
            settings,
            (
                "pixel_x",
                "pixel_y",
                "pixel_area",
                "pixel_shape",
                "cam_rot",
                "n_pixels",
                "focal_length",
                "effective_focal_length",
                "mirror_area",
                "n_mirrors",
            ),
        ),
        (pixels, ("time_slice", "ref_shape", "ref_step", "sum_bins")),
    ):
        for key in keys:
            value = block.get(key)
            parts.append(None if value is None else np.asarray(value).tobytes())
    return tuple(parts)


def build_subarray(simtel, *, site_altitude_m: float) -> SubarrayDescription:
    """The `SubarrayDescription` of every telescope described in an open file.

    Parameters
    ----------
    simtel : `eventio.SimTelFile`
        An open file (its header has been read).
    site_altitude_m : float
        Observation level, for the reference location of files without one.

    Returns
    -------
    SubarrayDescription
    """
    header = simtel.header
    index = {int(tel_id): i for i, tel_id in enumerate(header["tel_id"])}
    positions, telescopes = {}, {}
    built: dict = {}  # identical telescopes share one description (and its caches)
    for tel_id, description in sorted(simtel.telescope_descriptions.items()):
        tel_id = int(tel_id)
        meta = simtel.telescope_meta.get(tel_id, {})
        key = _content_key(description, meta)
        if key not in built:
            built[key] = build_telescope(description, meta)
        telescopes[tel_id] = built[key]
        positions[tel_id] = u.Quantity(header["tel_pos"][index[tel_id]], u.m, dtype=np.float64)
    name = simtel.global_meta.get(b"ARRAY_CONFIG_NAME", b"MonteCarloArray")
    return SubarrayDescription(
        name=name.decode("utf-8", "replace"),
        tel_positions=positions,
        tel_descriptions=telescopes,
        reference_location=reference_location(simtel.global_meta, site_altitude_m),
    )
