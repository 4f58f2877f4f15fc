"""Built-in synthetic telescopes: LST-, MST- and SST-like cameras, optics and readout.

The three types mimic the CTAO telescope classes in size only; their pixel layouts
are generated here, not copied from any real camera:

========  ============  ======  ========  ======  ============  ===========  ======
type      pixels        pitch   f         mirror  sampling      samples      PSF σ
========  ============  ======  ========  ======  ============  ===========  ======
LST       1855 hexagon  50 mm   28 m      386 m²  1 GHz         40           0.03°
MST       1765 hexagon  50 mm   16 m      106 m²  0.25 GHz      25           0.04°
SST       2048 square   6.2 mm  2.15 m    8.2 m²  1 GHz         48           0.06°
========  ============  ======  ========  ======  ============  ===========  ======

The LST-like camera has a hexagonal outline (24 full rings of a hexagonal grid plus
nine pixels in the middle of every side of the 25th), the MST-like one a round
outline (every grid point within 22 pitches), the SST-like one is 32 modules of
8 × 8 square pixels on a 6 × 6 module grid without its corners. Pixels are
pointy-topped hexagons (``pix_rotation`` 0, neighbours along ±x) or axis-aligned
squares; ``pix_id`` runs outwards from the centre.

Every camera has one gain channel and a single-photo-electron pulse
``(t / tau)^k exp(-t / tau)`` normalised to unit area (ns⁻¹), sampled every 0.1 ns.

`camera_model` turns any `~cherenkit.instrument.TelescopeDescription` into the plain
arrays the kernels use (positions in m, the sub-pixel points used to integrate narrow
images over a pixel, the pulse), so the simulation also runs on cameras read from
files.
"""

from __future__ import annotations

import functools
import math

import attrs
import numpy as np

__all__ = [
    "TOY_TELESCOPES",
    "CameraModel",
    "camera_model",
    "hexagonal_positions",
    "pulse_template",
    "square_module_positions",
    "toy_telescope",
]

SQRT3 = math.sqrt(3.0)
MAX_SUBDIVISION = 6
"""Finest sub-pixel subdivision used to integrate narrow images over pixels."""
PULSE_SAMPLE_WIDTH_NS = 0.1
"""Sampling of the reference pulse templates, ns."""

TOY_TELESCOPES = {
    "LST": {
        "optics": {
            "name": "LST",
            "reflector_shape": "PARABOLIC",
            "focal_length_m": 28.0,
            "mirror_area_m2": 386.0,
            "n_mirrors": 1,
            "n_mirror_tiles": 198,
        },
        "camera": {"name": "ToyLSTCam", "layout": "hexagon", "n_rings": 24, "extra": 9},
        "pixel_pitch_m": 0.05,
        "readout": {"sampling_rate_ghz": 1.0, "n_samples": 40, "pulse_k": 4.0, "pulse_tau_ns": 0.6},
        "psf_deg": 0.03,
    },
    "MST": {
        "optics": {
            "name": "MST",
            "reflector_shape": "DAVIES_COTTON",
            "focal_length_m": 16.0,
            "mirror_area_m2": 106.0,
            "n_mirrors": 1,
            "n_mirror_tiles": 86,
        },
        "camera": {"name": "ToyMSTCam", "layout": "round", "radius_pitches": 22.0},
        "pixel_pitch_m": 0.05,
        "readout": {
            "sampling_rate_ghz": 0.25,
            "n_samples": 25,
            "pulse_k": 4.0,
            "pulse_tau_ns": 2.0,
        },
        "psf_deg": 0.04,
    },
    "SST": {
        "optics": {
            "name": "SST",
            "reflector_shape": "SCHWARZSCHILD_COUDER",
            "focal_length_m": 2.15,
            "mirror_area_m2": 8.2,
            "n_mirrors": 2,
            "n_mirror_tiles": 2,
        },
        "camera": {"name": "ToySSTCam", "layout": "modules"},
        "pixel_pitch_m": 0.0062,
        "readout": {"sampling_rate_ghz": 1.0, "n_samples": 48, "pulse_k": 3.0, "pulse_tau_ns": 1.5},
        "psf_deg": 0.06,
    },
}
"""Specifications of the built-in telescope types, by size class."""


# --- pixel layouts -------------------------------------------------------------------


def _hex_ring(k: int) -> np.ndarray:
    """Axial coordinates ``(q, r)`` of ring ``k`` of a hexagonal grid, going around."""
    if k == 0:
        return np.zeros((1, 2), np.int64)
    directions = np.array([(-1, 1), (-1, 0), (0, -1), (1, -1), (1, 0), (0, 1)])
    start = np.array([k, 0])
    ring = []
    for side in range(6):
        for step in range(k):
            ring.append(start + directions[side] * step)
        start = start + directions[side] * k
    return np.array(ring, np.int64)


def hexagonal_positions(*, n_rings: int = 0, extra: int = 0, radius_pitches: float = 0.0):
    """Pixel centres of a hexagonal grid of unit pitch, sorted outwards.

    Either full rings (``n_rings``, plus ``extra`` pixels from the middle of each of
    the six sides of the next ring: a hexagonal outline with trimmed corners), or
    every grid point within ``radius_pitches`` of the centre (a round outline).

    Returns
    -------
    x, y : `numpy.ndarray` of float64
        Neighbours of a pixel lie at 0°, ±60°, ±120° and 180°.
    """
    if radius_pitches > 0:
        n = 2 * int(radius_pitches) + 2
        q, r = (a.ravel() for a in np.meshgrid(np.arange(-n, n + 1), np.arange(-n, n + 1)))
        x, y = q + r / 2.0, r * SQRT3 / 2.0
        keep = np.hypot(x, y) <= radius_pitches + 1e-9
        x, y = x[keep], y[keep]
    else:
        rings = [_hex_ring(k) for k in range(n_rings + 1)]
        if extra:
            outer = _hex_ring(n_rings + 1).reshape(6, n_rings + 1, 2)
            middle = (n_rings + 1 - extra) // 2 + 1
            rings.append(outer[:, middle : middle + extra].reshape(-1, 2))
        axial = np.concatenate(rings)
        x = axial[:, 0] + axial[:, 1] / 2.0
        y = axial[:, 1] * SQRT3 / 2.0
    order = np.lexsort((np.round(np.arctan2(y, x), 9), np.round(np.hypot(x, y), 9)))
    return x[order], y[order]


def square_module_positions(*, module_size: int = 8, n_modules: int = 6):
    """Pixel centres (unit pitch) of square modules on a square grid without corners.

    Returns
    -------
    x, y : `numpy.ndarray` of float64
        ``n_modules² - 4`` modules of ``module_size²`` pixels, sorted outwards.
    """
    side = module_size * n_modules
    index = np.arange(side) - (side - 1) / 2.0
    x, y = (a.ravel() for a in np.meshgrid(index, index))
    module_x = (np.abs(x) - 0.5) // module_size  # module ring from the centre
    module_y = (np.abs(y) - 0.5) // module_size
    corner = (module_x == n_modules // 2 - 1) & (module_y == n_modules // 2 - 1)
    x, y = x[~corner], y[~corner]
    order = np.lexsort((np.round(np.arctan2(y, x), 9), np.round(np.hypot(x, y), 9)))
    return x[order], y[order]


def pulse_template(k: float, tau_ns: float, *, sample_width_ns: float = PULSE_SAMPLE_WIDTH_NS):
    """Single-photo-electron pulse ``(t / tau)^k exp(-t / tau)`` with unit area (ns⁻¹).

    Sampled from ``t = 0`` until the pulse falls below 1e-4 of its maximum; the
    maximum is at ``k tau``.
    """
    t_end = tau_ns * (k + 8.0 + 4.0 * math.sqrt(k))
    t = np.arange(0.0, t_end, sample_width_ns)
    shape = (t / tau_ns) ** k * np.exp(-t / tau_ns)
    shape = shape[: np.nonzero(shape >= 1e-4 * shape.max())[0][-1] + 2]
    return shape / (shape.sum() * sample_width_ns)


@functools.cache
def toy_telescope(size_type: str):
    """The `~cherenkit.instrument.TelescopeDescription` of a built-in type.

    Parameters
    ----------
    size_type : {"LST", "MST", "SST"}
    """
    import astropy.units as u

    from cherenkit.instrument import (
        CameraDescription,
        CameraGeometry,
        CameraReadout,
        OpticsDescription,
        TelescopeDescription,
    )

    spec = TOY_TELESCOPES[size_type]
    cam, optics, readout = spec["camera"], spec["optics"], spec["readout"]
    pitch = spec["pixel_pitch_m"]
    if cam["layout"] == "hexagon":
        x, y = hexagonal_positions(n_rings=cam["n_rings"], extra=cam["extra"])
    elif cam["layout"] == "round":
        x, y = hexagonal_positions(radius_pitches=cam["radius_pitches"])
    else:
        x, y = square_module_positions()
    hexagon = cam["layout"] != "modules"
    area = (SQRT3 / 2.0 if hexagon else 1.0) * pitch**2
    geometry = CameraGeometry(
        name=cam["name"],
        pix_id=np.arange(len(x)),
        pix_x=u.Quantity(x * pitch, u.m),
        pix_y=u.Quantity(y * pitch, u.m),
        pix_area=u.Quantity(np.full(len(x), area), u.m**2),
        pix_type="hexagon" if hexagon else "square",
    )
    pulse = pulse_template(readout["pulse_k"], readout["pulse_tau_ns"])
    camera = CameraDescription(
        name=cam["name"],
        geometry=geometry,
        readout=CameraReadout(
            name=cam["name"],
            sampling_rate=readout["sampling_rate_ghz"] * u.GHz,
            reference_pulse_shape=pulse[np.newaxis, :],
            reference_pulse_sample_width=PULSE_SAMPLE_WIDTH_NS * u.ns,
            n_channels=1,
            n_pixels=len(x),
            n_samples=readout["n_samples"],
        ),
    )
    focal_length = optics["focal_length_m"] * u.m
    return TelescopeDescription(
        name=optics["name"],
        optics=OpticsDescription(
            name=optics["name"],
            size_type=size_type,
            reflector_shape=optics["reflector_shape"],
            equivalent_focal_length=focal_length,
            effective_focal_length=focal_length,
            mirror_area=optics["mirror_area_m2"] * u.m**2,
            n_mirrors=optics["n_mirrors"],
            n_mirror_tiles=optics["n_mirror_tiles"],
        ),
        camera=camera,
    )


# --- plain arrays for the kernels ----------------------------------------------------


def _subpixel_points(pix_type: str, width_m: float, rotation_rad: float):
    """Offsets of the sub-pixel points of every subdivision level, and level starts.

    Level 0 is the pixel centre. Level ``m >= 1`` splits a hexagon into its three
    rhombi and each rhombus into ``m × m`` equal rhombi, or a square into ``m × m``
    squares (level 1 being the centre again), and takes their centres: a midpoint
    rule over equal areas.
    """
    xs, ys, starts = [np.zeros(1)], [np.zeros(1)], [0, 1]
    frac = None
    for m in range(1, MAX_SUBDIVISION + 1):
        frac = (np.arange(m) + 0.5) / m
        a, b = (v.ravel() for v in np.meshgrid(frac, frac))
        if pix_type == "hexagon":
            radius = width_m / SQRT3
            angles = np.pi / 2 + rotation_rad + np.arange(7) * np.pi / 3
            vx, vy = radius * np.cos(angles), radius * np.sin(angles)
            px = np.concatenate([a * vx[2 * k] + b * vx[2 * k + 2] for k in range(3)])
            py = np.concatenate([a * vy[2 * k] + b * vy[2 * k + 2] for k in range(3)])
        else:
            u, v = (a - 0.5) * width_m, (b - 0.5) * width_m
            cos, sin = math.cos(rotation_rad), math.sin(rotation_rad)
            px, py = u * cos - v * sin, u * sin + v * cos
        xs.append(px)
        ys.append(py)
        starts.append(starts[-1] + len(px))
    return np.concatenate(xs), np.concatenate(ys), np.array(starts, np.int64)


@attrs.frozen(kw_only=True, eq=False)
class CameraModel:
    """A telescope type as plain arrays, in the units the kernels use.

    Attributes
    ----------
    pix_x_m, pix_y_m, pix_area_m2 : `numpy.ndarray` of float64, shape (n_pixels,)
        Pixel centres and areas in the camera frame (camera rotation applied).
    pixel_width_m : float
        Flat-to-flat width (hexagons), side (squares) or diameter (circles).
    pix_radius_m : float
        Distance from a pixel centre to its farthest corner.
    sub_x_m, sub_y_m : `numpy.ndarray` of float64
        Sub-pixel point offsets of all subdivision levels (see `subdivision_level`).
    sub_start : `numpy.ndarray` of int64, shape (MAX_SUBDIVISION + 2,)
    sub_base_m : float
        Side of the cells that level 1 divides further.
    camera_radius_m : float
        Largest distance of a pixel centre from the camera centre.
    focal_length_m, mirror_area_m2, psf_rad : float
    n_samples : int
    sample_width_ns : float
    pulse : `numpy.ndarray` of float64
        Reference pulse with unit area, ns⁻¹.
    pulse_width_ns, pulse_peak_ns : float
        Sampling of ``pulse`` and time of its maximum.
    """

    pix_x_m: np.ndarray
    pix_y_m: np.ndarray
    pix_area_m2: np.ndarray
    pixel_width_m: float
    pix_radius_m: float
    sub_x_m: np.ndarray
    sub_y_m: np.ndarray
    sub_start: np.ndarray
    sub_base_m: float
    camera_radius_m: float
    focal_length_m: float
    mirror_area_m2: float
    psf_rad: float
    n_samples: int
    sample_width_ns: float
    pulse: np.ndarray
    pulse_width_ns: float
    pulse_peak_ns: float

    @property
    def n_pixels(self) -> int:
        return len(self.pix_x_m)

    @property
    def pulse_length_ns(self) -> float:
        """Time from the start of the pulse template to its end."""
        return (len(self.pulse) - 1) * self.pulse_width_ns

    def subdivision_level(self, sigma_m):
        """Sub-pixel level fine enough to integrate Gaussians of width ``sigma_m``.

        Level 0 (the centre alone) once ``sigma >= 0.7`` pixel widths, where the sum
        over pixel centres of a Gaussian is exact to 1e-5; otherwise cells no
        larger than ``sigma / 0.7``, up to `MAX_SUBDIVISION`.
        """
        sigma = np.asarray(sigma_m, np.float64)
        level = np.ceil(0.7 * self.sub_base_m / np.maximum(sigma, 1e-12))
        level = np.clip(level, 1, MAX_SUBDIVISION).astype(np.int64)
        return np.where(sigma >= 0.7 * self.pixel_width_m, 0, level)


def camera_model(telescope, psf_deg: float | None = None) -> CameraModel:
    """Plain-array model of a `~cherenkit.instrument.TelescopeDescription`.

    Parameters
    ----------
    telescope : `~cherenkit.instrument.TelescopeDescription`
    psf_deg : float, optional
        Gaussian σ of the optical point-spread function. Default is the value of
        the built-in type of the same size class (0.05° for unknown ones).
    """
    import astropy.units as u

    geometry = telescope.camera.geometry.derotate()
    readout = telescope.camera.readout
    if psf_deg is None:
        psf_deg = TOY_TELESCOPES.get(telescope.optics.size_type, {}).get("psf_deg", 0.05)
    x = np.ascontiguousarray(geometry.pix_x.to_value(u.m), np.float64)
    y = np.ascontiguousarray(geometry.pix_y.to_value(u.m), np.float64)
    width = float(np.median(geometry.pixel_width.to_value(u.m)))
    pix_type = geometry.pix_type
    rotation = float(geometry.pix_rotation.to_value(u.rad))
    if pix_type == "circle":  # integrate over the square of equal area
        pix_type, width = "square", width * math.sqrt(math.pi) / 2.0
    sub_x, sub_y, sub_start = _subpixel_points(pix_type, width, rotation)
    hexagon = pix_type == "hexagon"
    pulse = np.ascontiguousarray(readout.reference_pulse_shape[0], np.float64)
    pulse_width = float(readout.reference_pulse_sample_width.to_value(u.ns))
    pulse = pulse / (pulse.sum() * pulse_width)
    return CameraModel(
        pix_x_m=x,
        pix_y_m=y,
        pix_area_m2=np.ascontiguousarray(geometry.pix_area.to_value(u.m**2), np.float64),
        pixel_width_m=width,
        pix_radius_m=width / SQRT3 if hexagon else width / math.sqrt(2.0),
        sub_x_m=sub_x,
        sub_y_m=sub_y,
        sub_start=sub_start,
        sub_base_m=width / SQRT3 if hexagon else width,
        camera_radius_m=float(np.hypot(x, y).max()),
        focal_length_m=float(telescope.optics.equivalent_focal_length.to_value(u.m)),
        mirror_area_m2=float(telescope.optics.mirror_area.to_value(u.m**2)),
        psf_rad=math.radians(psf_deg),
        n_samples=int(readout.n_samples),
        sample_width_ns=float(readout.sample_width.to_value(u.ns)),
        pulse=pulse,
        pulse_width_ns=pulse_width,
        pulse_peak_ns=float(np.argmax(pulse)) * pulse_width,
    )
