"""The ``analytic-disp`` reconstructor: one DISP position per telescope, averaged.

Single-telescope DISP (Lessard et al. 2001): the source lies on the major axis of
the image, at the angular distance::

    disp = disp_scale * (1 - width / length)

from the centroid, on one of the two sides. Here every telescope of an array event
gives such a position; the side is chosen per telescope (``head_tail``), the
positions are moved into the nominal frame around the array pointing and averaged
with weights ``intensity ** weight_power``, as in the stereo DISP analyses of
MAGIC (Domingo-Santamaría et al. 2005).

Conventions (cherenkit's `TelescopeFrame`): the image centroid is
``(hillas_fov_lon, hillas_fov_lat)`` and ``hillas_psi`` the angle of the major axis
from the ``fov_lon`` axis towards ``fov_lat``, so the two candidate positions are
``centroid ± disp (cos psi, sin psi)``, taken as straight lines in the
``fov_lon, fov_lat`` plane, where the Hillas moments are computed. The side is
written as a direction ``±1``: the source is at ``centroid + direction * disp *
(cos psi, sin psi)``.

The functions here work on plain float64 arrays in radians and check nothing;
`AnalyticDispReconstructor` is the plugin class that selects the telescopes and
calls them.
"""

from __future__ import annotations

from typing import ClassVar

import attrs
import numpy as np

from cherenkit.component import parameter
from cherenkit.reco.reconstructor import Reconstructor, StereoParameters, empty_result

from ._geometry import horizontal_to_ground, offset_to_horizontal, offset_to_offset, spherical

__all__ = [
    "HEAD_TAIL_METHODS",
    "AnalyticDispReconstructor",
    "closest_pair_directions",
    "disp_distance",
    "head_tail_directions",
]

HEAD_TAIL_METHODS = ("closest-pair", "skewness", "timing")
"""Ways to choose the side of the centroid the source lies on (see `head_tail_directions`)."""

_MIN_PLANE_SINE = 1e-9
"""Telescopes whose centroid and source directions are closer than this (rad) give no core line."""

_MIN_CORE_CONDITION = 1e-4
"""Smallest normalised determinant of the core fit (sin² of the angle between two lines)."""


def disp_distance(width, length, disp_scale):
    """Distance of the source from the image centroid along the major axis.

    ``disp = disp_scale * (1 - width / length)`` (Lessard et al. 2001, eq. 4).

    Parameters
    ----------
    width, length : array_like of float
        Hillas width and length, in one angular unit, ``length > 0``.
    disp_scale : float
        The scale ``ξ`` in the same unit.

    Returns
    -------
    disp : `numpy.ndarray` of float64
        In the unit of ``disp_scale``.

    Examples
    --------
    >>> float(disp_distance(0.05, 0.2, 1.0))
    0.75
    """
    width = np.asarray(width, dtype=np.float64)
    length = np.asarray(length, dtype=np.float64)
    return disp_scale * (1.0 - width / length)


def head_tail_directions(skewness=None, timing_slope=None, *, method="skewness"):
    """Side of the centroid the source lies on, from the image asymmetry or timing.

    The light of a gamma-ray image falls off slowly towards the tail, away from the
    source, so the skewness along ``psi`` is positive when the source lies on the
    ``-psi`` side; and the light from the upper part of the shower, imaged next to
    the source, arrives first, so the peak times grow away from the source and a
    positive ``timing_slope`` also means the ``-psi`` side.

    Parameters
    ----------
    skewness : array_like of float, optional
        ``hillas_skewness`` per telescope event.
    timing_slope : array_like of float, optional
        ``timing_slope`` per telescope event (any unit; only its sign is used).
    method : {"skewness", "timing"}
        ``"skewness"`` uses ``-sign(skewness)``; ``"timing"`` uses
        ``-sign(timing_slope)`` and falls back to the skewness where the slope is
        NaN or 0 (or not given). Default is ``"skewness"``.

    Returns
    -------
    direction : `numpy.ndarray` of float64
        ``+1`` (source at ``centroid + disp (cos psi, sin psi)``), ``-1`` (the other
        side) or ``0`` where neither sign is known.

    Raises
    ------
    ValueError
        When the input that ``method`` needs is not given, or for an unknown method.

    Examples
    --------
    >>> head_tail_directions([0.3, -0.2, float("nan")], [float("nan"), 1.5, 0.0], method="timing")
    array([-1., -1.,  0.])
    """
    if method not in ("skewness", "timing"):
        raise ValueError(f"head_tail method must be 'skewness' or 'timing', got {method!r}")
    if skewness is None and (method == "skewness" or timing_slope is None):
        needed = "hillas_skewness" if method == "skewness" else "timing_slope or hillas_skewness"
        raise ValueError(f"head_tail = {method!r} needs the DL1 column {needed}, which is missing")
    from_skewness = None
    if skewness is not None:
        from_skewness = -np.nan_to_num(np.sign(np.asarray(skewness, dtype=np.float64)), nan=0.0)
    if method == "skewness":
        return from_skewness + 0.0  # no negative zeros
    direction = -np.nan_to_num(np.sign(np.asarray(timing_slope, dtype=np.float64)), nan=0.0)
    if from_skewness is not None:
        direction = np.where(direction == 0, from_skewness, direction)
    return direction + 0.0


def _pairs_within_events(event_index):
    """Indices ``(i, j)``, ``i != j``, of every ordered pair of rows of one event."""
    order = np.argsort(event_index, kind="stable")
    events = event_index[order]
    counts = np.bincount(events)
    size = counts[events]  # rows in the event of each (sorted) row
    starts = np.cumsum(counts) - counts
    first = np.repeat(np.arange(len(events)), size)
    position = np.arange(len(first)) - np.repeat(np.cumsum(size) - size, size)
    second = starts[events[first]] + position
    keep = first != second
    return order[first[keep]], order[second[keep]]


def closest_pair_directions(event_index, plus_lon, plus_lat, minus_lon, minus_lat):
    """Side of each telescope's centroid that agrees best with the other telescopes.

    Each telescope event has two candidate positions, ``plus`` and ``minus``, in one
    frame common to the event (e.g. the nominal frame). For a candidate, the score
    is the sum over the other telescopes of the same event of the distance to their
    nearer candidate; each telescope takes the candidate with the lower score (the
    ``plus`` one on a tie). With two telescopes this picks the closest of the four
    pairs, the usual stereo DISP choice.

    Parameters
    ----------
    event_index : array_like of int, shape (n,)
        Array event of each telescope event.
    plus_lon, plus_lat, minus_lon, minus_lat : array_like of float, shape (n,)
        The two candidates (rad, or any angle unit); distances are Euclidean in
        ``(lon, lat)``, which is adequate for offsets of a few degrees.

    Returns
    -------
    direction : `numpy.ndarray` of float64, shape (n,)
        ``+1`` where ``plus`` is chosen, ``-1`` where ``minus`` is.

    Examples
    --------
    Two telescopes: candidates ``(1, 0)`` or ``(-1, 0)``, and ``(0.5, 0)`` or ``(5, 0)``:

    >>> closest_pair_directions([0, 0], [1.0, 5.0], [0.0, 0.0], [-1.0, 0.5], [0.0, 0.0])
    array([ 1., -1.])
    """
    event_index = np.asarray(event_index, dtype=np.int64)
    candidates = (
        [np.asarray(a, dtype=np.float64) for a in (plus_lon, plus_lat)],
        [np.asarray(a, dtype=np.float64) for a in (minus_lon, minus_lat)],
    )
    n = len(event_index)
    if n == 0:
        return np.zeros(0)
    i, j = _pairs_within_events(event_index)

    def score(lon, lat):
        nearer = np.minimum(*(np.hypot(lon[i] - lo[j], lat[i] - la[j]) for lo, la in candidates))
        return np.bincount(i, weights=nearer, minlength=n)

    return np.where(score(*candidates[1]) < score(*candidates[0]), -1.0, 1.0)


def _per_event_mean(event_index, values, weights, sum_weights):
    return np.bincount(event_index, weights=weights * values, minlength=len(sum_weights)) / (
        sum_weights
    )


@attrs.frozen(kw_only=True)
class AnalyticDispReconstructor(Reconstructor):
    """Analytic DISP per telescope, averaged over the telescopes (Lessard et al. 2001).

    Every usable telescope puts the source on its image's major axis at
    ``disp = disp_scale * (1 - width / length)`` from the centroid (Lessard et
    al. 2001). The side is chosen by ``head_tail``:

    * ``"closest-pair"`` (default): the candidate that lies closest to the other
      telescopes' candidates (see `closest_pair_directions`), the usual stereo
      choice;
    * ``"skewness"``: the sign of ``hillas_skewness``, as single-telescope
      analyses do (the tail of the image points away from the source);
    * ``"timing"``: the sign of ``timing_slope`` (later light away from the
      source), falling back to the skewness where the slope is NaN or 0.

    The positions, moved from each telescope's frame into the nominal frame
    around the array pointing, are averaged with weights
    ``hillas_intensity ** weight_power``; the mean is turned back into ``alt, az``.

    Uncertainties: ``alt_uncert`` is the weighted RMS spread of the telescopes'
    positions along ``fov_lat`` of the nominal frame divided by ``sqrt(n)`` (``n``
    the multiplicity); ``az_uncert`` the same along ``fov_lon``, divided by
    ``cos(alt)`` to be an uncertainty of the azimuth coordinate. Both are 0 when
    all telescopes agree exactly; they are a spread, not a fitted error.

    Core: each telescope's image axis (the centroid direction and its DISP
    position) spans a plane through the telescope; the core is the weighted
    least-squares intersection of the lines in which these planes cut the ground
    (``z = 0`` of the ground frame), NaN where the lines are nearly parallel (sin² of
    their angle below 1e-4 for two telescopes). ``h_max`` is the weighted mean
    height, above the ground frame's origin, of the points of the reconstructed
    shower axis closest to each telescope's line of sight to its image centroid.
    ``core_uncert_x``, ``core_uncert_y`` and ``h_max_uncert`` are not estimated
    (NaN).

    Beyond the common selection (`quality_mask`), a telescope needs a finite
    centroid and ``psi``, ``length > 0`` and, for ``"skewness"``/``"timing"``, a
    known sign (the DL1 column ``hillas_skewness``, or ``timing_slope``, must then
    exist).

    Parameters
    ----------
    disp_scale : `~astropy.units.Quantity`, angle
        The scale ``ξ`` of the DISP formula. Default is 1.4 deg.
    head_tail : {"closest-pair", "skewness", "timing"}
        How the side of the centroid is chosen. Default is ``"closest-pair"``.
    weight_power : float
        Exponent of the intensity in the weights (0: plain mean). Default is 1.
    min_intensity, min_pixels, max_leakage_intensity_width_2, min_multiplicity
        The selection common to all reconstructors (`Reconstructor`).

    References
    ----------
    .. [1] Lessard, R. W., Buckley, J. H., Connaughton, V., Le Bohec, S. 2001, "A new
       analysis method for reconstructing the arrival direction of TeV gamma rays
       using a single imaging atmospheric Cherenkov telescope", Astropart. Phys.
       15, 1, :doi:`10.1016/S0927-6505(00)00133-X`
    .. [2] Domingo-Santamaría, E., Flix, J., Rico, J., Scalzotto, V., Wittek, W.
       2005, "The DISP analysis method for point-like or extended γ source
       searches/studies with the MAGIC Telescope", Proc. 29th ICRC (Pune) 5, 363
    """

    name: ClassVar[str] = "analytic-disp"

    disp_scale: object = parameter(
        "1.4 deg",
        unit="deg",
        gt=0,
        help="Scale xi of disp = xi (1 - width / length), the source's distance from the centroid.",
    )
    head_tail: str = parameter(
        "closest-pair",
        choices=HEAD_TAIL_METHODS,
        help="How the side of the centroid is chosen: closest-pair, skewness or timing.",
    )
    weight_power: float = parameter(
        1.0, ge=0, help="Telescopes are weighted by hillas_intensity ** weight_power."
    )

    def quality_mask(self, parameters: StereoParameters) -> np.ndarray:
        """Telescope events usable here: the common selection, plus what DISP needs.

        Finite centroid and ``psi``, ``length > 0`` and, unless ``head_tail`` is
        ``"closest-pair"``, a known head-tail sign.
        """
        c = parameters.columns
        with np.errstate(invalid="ignore"):
            mask = (
                super().quality_mask(parameters)
                & np.isfinite(c["hillas_fov_lon"])
                & np.isfinite(c["hillas_fov_lat"])
                & np.isfinite(c["hillas_psi"])
                & np.isfinite(c["hillas_length"])
                & (c["hillas_length"] > 0)
            )
        if self.head_tail != "closest-pair":
            mask &= self._sign_directions(c) != 0
        return mask

    def _sign_directions(self, columns):
        return head_tail_directions(
            columns.get("hillas_skewness"), columns.get("timing_slope"), method=self.head_tail
        )

    def __call__(self, subarray, parameters: StereoParameters) -> dict:
        """Reconstruct the direction, core and ``h_max`` of every array event.

        Parameters
        ----------
        subarray : `~cherenkit.instrument.SubarrayDescription`
        parameters : `~cherenkit.reco.StereoParameters`

        Returns
        -------
        dict of str to `numpy.ndarray`
            `~cherenkit.reco.reconstructor.DL2_COLUMNS` (one row per array event) and
            ``telescopes``; events with fewer than ``min_multiplicity`` usable
            telescopes have ``is_valid`` False and NaN values.

        Raises
        ------
        ValueError
            When ``head_tail`` needs a DL1 column that ``parameters`` lacks.
        """
        n_events = parameters.n_events
        result = empty_result(n_events, subarray.n_tels)
        used, valid, telescopes = self.event_selection(subarray, parameters)
        result["telescopes"] = telescopes
        rows = np.flatnonzero(used)
        if rows.size == 0:
            return result

        c = parameters.columns
        event = parameters.event_index[rows]
        rad = np.deg2rad
        lon, lat = rad(c["hillas_fov_lon"][rows]), rad(c["hillas_fov_lat"][rows])
        psi = rad(c["hillas_psi"][rows])
        disp = disp_distance(
            c["hillas_width"][rows], c["hillas_length"][rows], rad(self.disp_scale.to_value("deg"))
        )
        step_lon, step_lat = disp * np.cos(psi), disp * np.sin(psi)
        tel_alt, tel_az = rad(parameters.pointing_alt[rows]), rad(parameters.pointing_az[rows])
        array_alt = rad(parameters.array_pointing_alt)
        array_az = rad(parameters.array_pointing_az)
        frames = (tel_alt, tel_az, array_alt[event], array_az[event])

        if self.head_tail == "closest-pair":
            plus = offset_to_offset(lon + step_lon, lat + step_lat, *frames)
            minus = offset_to_offset(lon - step_lon, lat - step_lat, *frames)
            direction = closest_pair_directions(event, *plus, *minus)
        else:
            direction = self._sign_directions(c)[rows]
        source_tel = lon + direction * step_lon, lat + direction * step_lat
        source_lon, source_lat = offset_to_offset(*source_tel, *frames)

        # weighted mean in the nominal frame, and the spread around it
        intensity = np.asarray(c["hillas_intensity"][rows], dtype=np.float64)
        weights = intensity**self.weight_power
        counts = np.bincount(event, minlength=n_events)
        sum_weights = np.bincount(event, weights=weights, minlength=n_events)
        events = np.flatnonzero(valid)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_lon = _per_event_mean(event, source_lon, weights, sum_weights)
            mean_lat = _per_event_mean(event, source_lat, weights, sum_weights)
            var_lon = _per_event_mean(
                event, (source_lon - mean_lon[event]) ** 2, weights, sum_weights
            )
            var_lat = _per_event_mean(
                event, (source_lat - mean_lat[event]) ** 2, weights, sum_weights
            )
        horizontal = offset_to_horizontal(
            mean_lon[events], mean_lat[events], array_alt[events], array_az[events]
        )
        az, alt = spherical(horizontal)
        n = counts[events]
        result["alt"][events] = np.rad2deg(alt)
        result["az"][events] = np.rad2deg(np.mod(az, 2 * np.pi))
        result["alt_uncert"][events] = np.rad2deg(np.sqrt(var_lat[events] / n))
        result["az_uncert"][events] = np.rad2deg(np.sqrt(var_lon[events] / n) / np.cos(alt))
        result["average_intensity"][events] = (
            np.bincount(event, weights=intensity, minlength=n_events)[events] / n
        )
        result["multiplicity"][events] = n.astype(np.int16)
        result["is_valid"][events] = True

        # core and h_max from the planes of the image axes
        shower = np.full((n_events, 3), np.nan)
        shower[events] = horizontal_to_ground(horizontal)
        centroid = horizontal_to_ground(offset_to_horizontal(lon, lat, tel_alt, tel_az))
        source = horizontal_to_ground(offset_to_horizontal(*source_tel, tel_alt, tel_az))
        positions = np.asarray(subarray.positions.to_value("m"), dtype=np.float64)
        positions = positions[subarray.tel_ids_to_indices(parameters.tel_id[rows])]
        core_x, core_y, h_max = _core_and_h_max(
            event, n_events, weights, positions, centroid, source, shower
        )
        for name, values in (("core_x", core_x), ("core_y", core_y), ("h_max", h_max)):
            result[name][events] = values[events]
        return result


def _core_and_h_max(event, n_events, weights, positions, centroid, source, shower):
    """Core (m, ground frame) and h_max (m) per event; see `AnalyticDispReconstructor`."""
    normal = np.cross(centroid, source)
    ground_norm = np.hypot(normal[:, 0], normal[:, 1])
    usable = (np.linalg.norm(normal, axis=1) > _MIN_PLANE_SINE) & (ground_norm > 0)
    w = np.where(usable, weights, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        # line on the ground: m . X = p with m the unit normal of the line
        m_x, m_y = normal[:, 0] / ground_norm, normal[:, 1] / ground_norm
        p = np.einsum("ni,ni->n", normal, positions) / ground_norm
    m_x, m_y, p = (np.where(usable, a, 0.0) for a in (m_x, m_y, p))

    def total(values):
        return np.bincount(event, weights=w * values, minlength=n_events)

    a_xx, a_xy, a_yy = total(m_x * m_x), total(m_x * m_y), total(m_y * m_y)
    b_x, b_y = total(m_x * p), total(m_y * p)
    det = a_xx * a_yy - a_xy * a_xy
    trace = a_xx + a_yy
    with np.errstate(invalid="ignore", divide="ignore"):
        good = det > _MIN_CORE_CONDITION * 0.25 * trace * trace
        core_x = np.where(good, (a_yy * b_x - a_xy * b_y) / det, np.nan)
        core_y = np.where(good, (a_xx * b_y - a_xy * b_x) / det, np.nan)

        # closest point of the shower axis (core + u d) to each line of sight (T + t c)
        d = shower[event]
        offset = np.stack([core_x[event], core_y[event], np.zeros(len(event))], axis=1) - positions
        cos_angle = np.einsum("ni,ni->n", d, centroid)
        u = (
            cos_angle * np.einsum("ni,ni->n", centroid, offset) - np.einsum("ni,ni->n", d, offset)
        ) / (1.0 - cos_angle * cos_angle)
        height = u * d[:, 2]
        ok = np.isfinite(height)
        w_h = np.where(ok, weights, 0.0)
        h_max = np.bincount(event, weights=w_h * np.where(ok, height, 0.0), minlength=n_events) / (
            np.bincount(event, weights=w_h, minlength=n_events)
        )
    return core_x, core_y, np.where(good, h_max, np.nan)
