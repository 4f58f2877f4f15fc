"""``hillas``: shower direction and core from the intersection of the image-axis planes."""

from __future__ import annotations

import weakref
from typing import ClassVar

import attrs
import numpy as np

from cherenkit.component import parameter
from cherenkit.reco.reconstructor import Reconstructor, StereoParameters

from ._inputs import TILTED_COLUMNS, build_result, group_events

__all__ = ["HillasReconstructor", "axis_step"]

WEIGHTINGS = ("intensity-length-width", "intensity", "equal")
"""Telescope weights of `HillasReconstructor`: ``intensity * length / width``
(ctapipe's), ``intensity``, or 1."""

AXIS_STEP_FRACTION = 0.1
"""The second point on each image axis lies this fraction of the camera radius
from the centroid (as in ctapipe)."""


_STEP_CACHE: dict = {}  # (id(subarray), choice) -> (weak reference, steps)


def _cached_axis_step(subarray, focal_length_choice):
    """`axis_step`, remembered while ``subarray`` lives (one call per event batch is common)."""
    key = (id(subarray), focal_length_choice)
    hit = _STEP_CACHE.get(key)
    if hit is not None and hit[0]() is subarray:
        return hit[1]
    step = axis_step(subarray, focal_length_choice)
    step.flags.writeable = False
    try:
        ref = weakref.ref(subarray, lambda _, key=key: _STEP_CACHE.pop(key, None))
    except TypeError:  # not weak-referenceable: do not cache
        return step
    _STEP_CACHE[key] = (ref, step)
    return step


def axis_step(subarray, focal_length_choice="effective") -> np.ndarray:
    """Distance (rad) of the second image-axis point from the centroid, per telescope.

    ``AXIS_STEP_FRACTION`` of the camera radius (`CameraGeometry.guess_radius`)
    seen from the telescope (radius / focal length, equidistant mapping), in
    `SubarrayDescription.tel_ids` order.

    Parameters
    ----------
    subarray : `~cherenkit.instrument.SubarrayDescription`
    focal_length_choice : {"effective", "equivalent"}
        Focal length for camera geometries given in m. Default is ``"effective"``.

    Returns
    -------
    step : `numpy.ndarray` of float64, shape (n_tels,)
    """
    step = np.empty(subarray.n_tels)
    for description, tel_ids in subarray.tel_ids_by_description.items():
        geometry = description.camera.geometry
        radius = geometry.guess_radius()
        if radius.unit.physical_type == "angle":
            radius_rad = radius.to_value("rad")
        else:
            focal_length = description.optics.focal_length(focal_length_choice)
            radius_rad = radius.to_value("m") / focal_length.to_value("m")
        # ctapipe steps by a round number of deg: keep that conversion
        step_deg = AXIS_STEP_FRACTION * np.rad2deg(radius_rad)
        step[subarray.tel_ids_to_indices(tel_ids)] = np.deg2rad(step_deg)
    return step


@attrs.frozen(kw_only=True)
class HillasReconstructor(Reconstructor):
    """Weighted intersection of the planes spanned by each telescope's Hillas axis.

    Each image's major axis, extended to the sky, spans a plane with the
    telescope; the shower axis lies in all of them. The plane is the one through
    the telescope and two points of the axis (the centroid and a point
    ``AXIS_STEP_FRACTION`` of the camera radius further along ``psi`` in the
    telescope frame), turned to horizontal coordinates with each telescope's
    pointing, so divergent pointing is handled. Per array event:

    * direction: the weighted mean of the cross products of all pairs of plane
      normals (each turned upwards), pair weight ``w_i * w_j`` with the telescope
      weight chosen by ``weighting``, normalised. ``alt_uncert`` and
      ``az_uncert`` are both the mean angle between this direction and the pair
      crossings (ctapipe's estimate; not a standard deviation).
    * core: the point of the tilted ground frame of the array pointing closest (in
      the least-squares sense) to the image axes drawn from the telescopes, with
      each axis angle re-measured in the nominal frame of the array pointing;
      ``core_x, core_y`` is its projection along the pointing onto the ground.
      No core uncertainty is defined (NaN).
    * ``h_max``: height above the ground frame origin (the subarray's reference
      altitude) of the point closest to the lines from the telescopes towards
      their image centroids. ctapipe reports this plus the reference altitude
      (a.s.l.). No uncertainty (NaN).

    This is ctapipe 0.28's ``HillasReconstructor``, computed for all events at
    once; results agree with it to ~1e-10 relative. Pairs of (anti)parallel planes
    are left out; an event without any crossing pair, or whose core system is
    singular, is not valid.

    Called as ``reconstructor(subarray, parameters)``; returns the columns of
    `~cherenkit.reco.DL2_COLUMNS`, ``telescopes``, and ``core_tilted_x``,
    ``core_tilted_y`` (m, tilted frame of the array pointing) and
    ``core_tilted_uncert_x``, ``core_tilted_uncert_y`` (always NaN here).

    Parameters
    ----------
    weighting : {"intensity-length-width", "intensity", "equal"}
        Telescope weight: ``intensity * length / width`` (ctapipe's), the
        intensity, or 1. Default is ``"intensity-length-width"``.
    focal_length_choice : {"effective", "equivalent"}
        Focal length that turns the camera radius into the angular length of the
        axis step; choose the one the image parameters were computed with.
        Default is ``"effective"``.
    min_intensity, min_pixels, max_leakage_intensity_width_2, min_multiplicity
        Telescope and event selection, see `~cherenkit.reco.Reconstructor`.

    References
    ----------
    .. [1] Hofmann, W. et al. 1999, "Comparison of techniques to reconstruct VHE
       gamma-ray showers from multiple stereoscopic Cherenkov images", Astropart.
       Phys. 12, 135, :doi:`10.1016/S0927-6505(99)00084-5` (algorithm 1, here in
       its three-dimensional plane form)
    .. [2] Gasparetto, T. 2020, PhD thesis, University of Trieste, section 7.1.4
       (divergent pointing and the psi angle re-measured in the nominal frame; the
       reference ctapipe gives for its method)
    .. [3] ctapipe 0.28, ``ctapipe.reco.HillasReconstructor``, the implementation
       whose results this one reproduces

    Examples
    --------
    >>> HillasReconstructor(weighting="intensity").min_multiplicity
    2
    """

    name: ClassVar[str] = "hillas"
    column_units: ClassVar[dict] = TILTED_COLUMNS

    weighting: str = parameter(
        "intensity-length-width",
        choices=WEIGHTINGS,
        help="Telescope weight: intensity*length/width (ctapipe), intensity, or equal.",
    )
    focal_length_choice: str = parameter(
        "effective",
        choices=("effective", "equivalent"),
        help="Focal length turning the camera radius into the angular axis step.",
    )

    def __call__(self, subarray, parameters: StereoParameters) -> dict:
        """Reconstruct every array event of ``parameters``.

        Parameters
        ----------
        subarray : `~cherenkit.instrument.SubarrayDescription`
        parameters : `~cherenkit.reco.StereoParameters`

        Returns
        -------
        dict of str to `numpy.ndarray`
            One row per array event, see the class docstring.
        """
        from ._kernels import hillas_planes

        g = group_events(self, subarray, parameters)
        step = _cached_axis_step(subarray, self.focal_length_choice)[g.tel_index]
        if self.weighting == "intensity-length-width":
            with np.errstate(invalid="ignore", divide="ignore"):
                weight = g.intensity * g.length / g.width
        elif self.weighting == "intensity":
            weight = g.intensity.copy()
        else:
            weight = np.ones_like(g.intensity)
        out = {name: g.output() for name in ("alt", "az", "dir_uncert", "h_max")}
        out.update({name: g.output() for name in ("core_x", "core_y")})
        out.update({name: g.output() for name in ("core_tilted_x", "core_tilted_y")})
        ok = hillas_planes(
            g.events,
            g.starts,
            g.array_alt,
            g.array_az,
            g.lon,
            g.lat,
            g.psi,
            np.ascontiguousarray(step),
            np.ascontiguousarray(weight),
            g.tel_alt,
            g.tel_az,
            g.pos_x,
            g.pos_y,
            g.pos_z,
            out["alt"],
            out["az"],
            out["dir_uncert"],
            out["core_x"],
            out["core_y"],
            out["core_tilted_x"],
            out["core_tilted_y"],
            out["h_max"],
            np.zeros(g.n_events, dtype=bool),
        )
        uncert = np.rad2deg(out.pop("dir_uncert"))
        values = {
            "alt": np.rad2deg(out.pop("alt")),
            "az": np.rad2deg(out.pop("az")),
            "alt_uncert": uncert,
            "az_uncert": uncert,
            **out,
        }
        return build_result(g, ok, values)
