"""numba kernels of the stereo reconstructors: plain arrays in, one row per array event out.

Both kernels take the telescope events that take part in the reconstruction
*grouped by array event*: rows ``starts[k] .. starts[k + 1] - 1`` belong to the
``k``-th array event of ``events`` (its index in the output arrays). Angles are in
rad, lengths in m. Output arrays are allocated (NaN-filled) by the caller; a kernel
writes the rows of the events it reconstructs and sets ``ok`` for them. No units,
no checks, no exceptions: degenerate geometry leaves ``ok`` false.

Conventions (those of ctapipe 0.28, see `cherenkit.instrument.frames`):

* Horizontal unit vectors ``(cos alt cos az, cos alt sin az, sin alt)`` are
  astropy's AltAz Cartesian components (x north, y east). The ground frame of the
  subarray is right-handed (x north, y west, z up); its direction vectors are
  ``(h0, -h1, h2)``.
* Field-of-view offsets ``(lon, lat)`` around a centre ``(alt0, az0)`` are the
  spherical coordinates of ``M @ h`` with ``M = R_y(-alt0) R_z(az0)`` (astropy's
  passive rotation matrices), i.e. the sky-offset construction of the telescope
  and nominal frames.
* The tilted ground frame of a pointing ``(alt0, az0)`` is the ground frame
  turned by ``T`` below, so that its z axis points along the pointing.
"""

import numba
import numpy as np

from cherenkit import NUMBA_CACHE

JIT = {"cache": NUMBA_CACHE, "nogil": True, "error_model": "numpy"}

PLANE_PARALLEL_RTOL = 1e-10
"""Two planes whose normals make an angle below this (rad) have no defined crossing."""

AXES_PARALLEL_ATOL = 1e-10
"""Two image axes whose directions differ by less than this (|sin|) do not cross."""

SINGULAR_RTOL = 1e-12
"""A least-squares system is singular when ``|det|`` is below this times its scale."""

FOV_LIMIT_RAD = np.pi / 4
"""`hillas_intersection` rejects directions more than 45 deg from the array pointing."""

H_MAX_LIMIT_M = 100_000.0
"""`hillas_intersection` gives NaN for a shower maximum above this altitude (m a.s.l.)."""


@numba.njit(inline="always", **JIT)
def _offset_to_horizontal(lon, lat, alt0, az0):
    """Horizontal unit vector (AltAz components) of the offset ``(lon, lat)`` around a centre."""
    o0 = np.cos(lat) * np.cos(lon)
    o1 = np.cos(lat) * np.sin(lon)
    o2 = np.sin(lat)
    ca, sa = np.cos(alt0), np.sin(alt0)
    cz, sz = np.cos(az0), np.sin(az0)
    # h = M^T o, with the rows of M: (ca cz, ca sz, sa), (-sz, cz, 0), (-sa cz, -sa sz, ca)
    h0 = ca * cz * o0 - sz * o1 - sa * cz * o2
    h1 = ca * sz * o0 + cz * o1 - sa * sz * o2
    h2 = sa * o0 + ca * o2
    return h0, h1, h2


@numba.njit(inline="always", **JIT)
def _horizontal_to_offset(h0, h1, h2, alt0, az0):
    """Offset ``(lon, lat)`` around a centre of a horizontal vector (AltAz components)."""
    ca, sa = np.cos(alt0), np.sin(alt0)
    cz, sz = np.cos(az0), np.sin(az0)
    o0 = ca * cz * h0 + ca * sz * h1 + sa * h2
    o1 = -sz * h0 + cz * h1
    o2 = -sa * cz * h0 - sa * sz * h1 + ca * h2
    return np.arctan2(o1, o0), np.arctan2(o2, np.hypot(o0, o1))


@numba.njit(inline="always", **JIT)
def _tilt_matrix(alt0, az0, t):
    """Fill ``t`` (3, 3): ground → tilted ground frame of the pointing ``(alt0, az0)``."""
    cos_zen, sin_zen = np.sin(alt0), np.cos(alt0)
    cz, sz = np.cos(az0), np.sin(az0)
    t[0, 0], t[0, 1], t[0, 2] = cos_zen * cz, -cos_zen * sz, -sin_zen
    t[1, 0], t[1, 1], t[1, 2] = sz, cz, 0.0
    t[2, 0], t[2, 1], t[2, 2] = sin_zen * cz, -sin_zen * sz, cos_zen


@numba.njit(inline="always", **JIT)
def _tilted_to_ground_plane(x, y, t):
    """Ground-frame point ``(x, y)`` where the ray along the pointing through the
    tilted-frame point ``(x, y, 0)`` meets the plane ``z = 0``."""
    gx = t[0, 0] * x + t[1, 0] * y
    gy = t[0, 1] * x + t[1, 1] * y
    gz = t[0, 2] * x + t[1, 2] * y
    return gx - t[2, 0] * gz / t[2, 2], gy - t[2, 1] * gz / t[2, 2]


@numba.njit(inline="always", **JIT)
def _to_tilted(t, px, py, pz):
    return (
        t[0, 0] * px + t[0, 1] * py + t[0, 2] * pz,
        t[1, 0] * px + t[1, 1] * py + t[1, 2] * pz,
    )


@numba.njit(inline="always", **JIT)
def _azimuth(h0, h1):
    """Azimuth in [0, 2 pi) of a horizontal vector with AltAz components ``h0, h1``."""
    az = np.arctan2(h1, h0)
    if az < 0.0:
        az += 2.0 * np.pi
    if az >= 2.0 * np.pi:
        az -= 2.0 * np.pi
    return az


@numba.njit(**JIT)
def _lines_closest_point(ux, uy, uz, px, py, pz, out):
    """Least-squares point closest to the lines ``p_i + s u_i`` (unit ``u_i``).

    Solves ``sum_i (u_i u_i^T - 1) x = sum_i (u_i u_i^T - 1) p_i`` into ``out`` (3,).
    Returns False when the system is singular (all lines parallel).
    """
    s = np.zeros((3, 3))
    c = np.zeros(3)
    u = np.empty(3)
    p = np.empty(3)
    for i in range(ux.shape[0]):
        u[0], u[1], u[2] = ux[i], uy[i], uz[i]
        p[0], p[1], p[2] = px[i], py[i], pz[i]
        for a in range(3):
            for b in range(3):
                m = u[a] * u[b] - (1.0 if a == b else 0.0)
                s[a, b] += m
                c[a] += m * p[b]
    # inverse by cofactors
    c00 = s[1, 1] * s[2, 2] - s[1, 2] * s[2, 1]
    c01 = s[1, 2] * s[2, 0] - s[1, 0] * s[2, 2]
    c02 = s[1, 0] * s[2, 1] - s[1, 1] * s[2, 0]
    det = s[0, 0] * c00 + s[0, 1] * c01 + s[0, 2] * c02
    scale = 0.0
    for a in range(3):
        scale = max(scale, abs(s[a, a]))
    if not abs(det) > SINGULAR_RTOL * scale**3:
        return False
    c10 = s[0, 2] * s[2, 1] - s[0, 1] * s[2, 2]
    c11 = s[0, 0] * s[2, 2] - s[0, 2] * s[2, 0]
    c12 = s[0, 1] * s[2, 0] - s[0, 0] * s[2, 1]
    c20 = s[0, 1] * s[1, 2] - s[0, 2] * s[1, 1]
    c21 = s[0, 2] * s[1, 0] - s[0, 0] * s[1, 2]
    c22 = s[0, 0] * s[1, 1] - s[0, 1] * s[1, 0]
    out[0] = (c00 * c[0] + c10 * c[1] + c20 * c[2]) / det
    out[1] = (c01 * c[0] + c11 * c[1] + c21 * c[2]) / det
    out[2] = (c02 * c[0] + c12 * c[1] + c22 * c[2]) / det
    return True


# --- hillas: intersection of the planes of the image axes -----------------------------


@numba.njit(**JIT)
def hillas_planes(
    events,
    starts,
    array_alt,
    array_az,
    lon,
    lat,
    psi,
    step,
    weight,
    tel_alt,
    tel_az,
    pos_x,
    pos_y,
    pos_z,
    alt,
    az,
    dir_uncert,
    core_x,
    core_y,
    core_tilted_x,
    core_tilted_y,
    h_max,
    ok,
):
    """Plane-intersection reconstruction (see `cherenkit_stereo.HillasReconstructor`).

    Per telescope event: centroid ``lon, lat`` and axis angle ``psi`` in its
    telescope frame (rad), ``step`` the distance (rad) of the second axis point
    from the centroid (a straight step in ``lon, lat``), ``weight``, pointing
    ``tel_alt, tel_az`` (rad), ground position ``pos_*`` (m). Per array event:
    ``array_alt, array_az`` (rad).
    Writes direction (rad), its uncertainty (rad), ground and tilted core (m) and
    the height of the line intersection above the ground frame origin (m).
    """
    n_max = 0
    for k in range(events.shape[0]):
        n_max = max(n_max, starts[k + 1] - starts[k])
    nx = np.empty(n_max)
    ny = np.empty(n_max)
    nz = np.empty(n_max)
    cx = np.empty(n_max)
    cy = np.empty(n_max)
    cz = np.empty(n_max)
    upsi = np.empty(n_max)
    t = np.empty((3, 3))
    point = np.empty(3)
    for k in range(events.shape[0]):
        e = events[k]
        first, n = starts[k], starts[k + 1] - starts[k]
        a_alt, a_az = array_alt[e], array_az[e]
        for j in range(n):
            i = first + j
            lon1, lat1 = lon[i], lat[i]
            # second point on the image axis: a straight step in (lon, lat)
            lon2 = lon1 + step[i] * np.cos(psi[i])
            lat2 = lat1 + step[i] * np.sin(psi[i])
            a0, a1, a2 = _offset_to_horizontal(lon1, lat1, tel_alt[i], tel_az[i])
            b0, b1, b2 = _offset_to_horizontal(lon2, lat2, tel_alt[i], tel_az[i])
            # ground-frame (right-handed) vectors: (h0, -h1, h2)
            a1, b1 = -a1, -b1
            nx[j] = a1 * b2 - a2 * b1
            ny[j] = a2 * b0 - a0 * b2
            nz[j] = a0 * b1 - a1 * b0
            cx[j], cy[j], cz[j] = a0, a1, a2
            # axis angle in the nominal frame, measured as in a camera frame (from lat)
            lon_a, lat_a = _horizontal_to_offset(a0, -a1, a2, a_alt, a_az)
            lon_b, lat_b = _horizontal_to_offset(b0, -b1, b2, a_alt, a_az)
            upsi[j] = np.arctan((lon_a - lon_b) / (lat_a - lat_b))

        # direction: weighted mean of the pairwise plane crossings, pointing upwards
        sx = sy = sz = sw = 0.0
        for i in range(n):
            for j in range(i + 1, n):
                x = ny[i] * nz[j] - nz[i] * ny[j]
                y = nz[i] * nx[j] - nx[i] * nz[j]
                z = nx[i] * ny[j] - ny[i] * nx[j]
                norm_i = np.sqrt(nx[i] ** 2 + ny[i] ** 2 + nz[i] ** 2)
                norm_j = np.sqrt(nx[j] ** 2 + ny[j] ** 2 + nz[j] ** 2)
                if not np.sqrt(x * x + y * y + z * z) > PLANE_PARALLEL_RTOL * norm_i * norm_j:
                    continue
                if z < 0.0:
                    x, y, z = -x, -y, -z
                w = weight[first + i] * weight[first + j]
                sx += w * x
                sy += w * y
                sz += w * z
                sw += w
        if not (sw > 0.0 and np.isfinite(sw)):
            continue
        sx, sy, sz = sx / sw, sy / sw, sz / sw
        norm = np.sqrt(sx * sx + sy * sy + sz * sz)
        if not (norm > 0.0 and np.isfinite(norm)):
            continue
        dx, dy, dz = sx / norm, sy / norm, sz / norm
        # uncertainty: mean angle between the direction and the crossings
        total = 0.0
        n_pairs = 0
        for i in range(n):
            for j in range(i + 1, n):
                x = ny[i] * nz[j] - nz[i] * ny[j]
                y = nz[i] * nx[j] - nx[i] * nz[j]
                z = nx[i] * ny[j] - ny[i] * nx[j]
                norm_i = np.sqrt(nx[i] ** 2 + ny[i] ** 2 + nz[i] ** 2)
                norm_j = np.sqrt(nx[j] ** 2 + ny[j] ** 2 + nz[j] ** 2)
                if not np.sqrt(x * x + y * y + z * z) > PLANE_PARALLEL_RTOL * norm_i * norm_j:
                    continue
                if z < 0.0:
                    x, y, z = -x, -y, -z
                qx = dy * z - dz * y
                qy = dz * x - dx * z
                qz = dx * y - dy * x
                total += np.arctan2(np.sqrt(qx * qx + qy * qy + qz * qz), dx * x + dy * y + dz * z)
                n_pairs += 1

        # core: least-squares crossing of the axes in the tilted frame of the array pointing
        _tilt_matrix(a_alt, a_az, t)
        s00 = s01 = s11 = b0 = b1 = 0.0
        for j in range(n):
            i = first + j
            ux, uy = np.cos(upsi[j]), np.sin(upsi[j])
            px, py = _to_tilted(t, pos_x[i], pos_y[i], pos_z[i])
            m00, m01, m11 = ux * ux - 1.0, ux * uy, uy * uy - 1.0
            s00 += m00
            s01 += m01
            s11 += m11
            b0 += m00 * px + m01 * py
            b1 += m01 * px + m11 * py
        det = s00 * s11 - s01 * s01
        if not abs(det) > SINGULAR_RTOL * (s00 + s11) ** 2:
            continue
        tx = (s11 * b0 - s01 * b1) / det
        ty = (s00 * b1 - s01 * b0) / det
        gx, gy = _tilted_to_ground_plane(tx, ty, t)
        if not (np.isfinite(tx) and np.isfinite(ty) and np.isfinite(gx) and np.isfinite(gy)):
            continue

        alt[e] = np.arctan2(dz, np.hypot(dx, dy))
        az[e] = _azimuth(dx, -dy)
        dir_uncert[e] = total / n_pairs
        core_tilted_x[e], core_tilted_y[e] = tx, ty
        core_x[e], core_y[e] = gx, gy
        # shower maximum: closest point to the lines from the telescopes to the centroids
        last = first + n
        if _lines_closest_point(
            cx[:n], cy[:n], cz[:n], pos_x[first:last], pos_y[first:last], pos_z[first:last], point
        ) and np.isfinite(point[2]):
            h_max[e] = point[2]
        ok[e] = True
    return ok


# --- hillas-intersection: pairwise crossings of the image axes -------------------------


@numba.njit(inline="always", **JIT)
def _cross_lines(x1, y1, psi1, x2, y2, psi2):
    """Crossing point of two lines through ``(x, y)`` at angles ``psi``; NaN if parallel."""
    s1, c1 = np.sin(psi1), np.cos(psi1)
    s2, c2 = np.sin(psi2), np.cos(psi2)
    # line i: s_i x - c_i y + (y_i c_i - x_i s_i) = 0
    k1 = y1 * c1 - x1 * s1
    k2 = y2 * c2 - x2 * s2
    det = s1 * (-c2) - s2 * (-c1)
    if not abs(det) > AXES_PARALLEL_ATOL:
        return np.nan, np.nan
    return ((-c1) * k2 - (-c2) * k1) / det, (k1 * s2 - k2 * s1) / det


@numba.njit(**JIT)
def hillas_intersection(
    events,
    starts,
    array_alt,
    array_az,
    lon,
    lat,
    psi,
    intensity,
    tel_alt,
    tel_az,
    pos_x,
    pos_y,
    pos_z,
    equal_weights,
    reference_height,
    alt,
    az,
    dir_uncert,
    core_x,
    core_y,
    core_tilted_x,
    core_tilted_y,
    core_tilted_uncert_x,
    core_tilted_uncert_y,
    h_max,
    ok,
):
    """Axis-intersection reconstruction (see `cherenkit_stereo.HillasIntersection`).

    Per telescope event: centroid ``lon, lat`` and axis angle ``psi`` in its
    telescope frame (rad), ``intensity``, pointing (rad), ground position (m).
    Pairs are weighted by ``|sin(psi_1 - psi_2)|`` times
    ``I_1 I_2 / (I_1 + I_2)`` (or times 1 with ``equal_weights``).
    ``reference_height`` (m a.s.l.) of the ground frame only serves the upper
    limit `H_MAX_LIMIT_M`; ``h_max`` is written relative to it.
    """
    n_max = 0
    for k in range(events.shape[0]):
        n_max = max(n_max, starts[k + 1] - starts[k])
    nom_x = np.empty(n_max)
    nom_y = np.empty(n_max)
    til_x = np.empty(n_max)
    til_y = np.empty(n_max)
    t = np.empty((3, 3))
    for k in range(events.shape[0]):
        e = events[k]
        first, n = starts[k], starts[k + 1] - starts[k]
        a_alt, a_az = array_alt[e], array_az[e]
        _tilt_matrix(a_alt, a_az, t)
        for j in range(n):
            i = first + j
            h0, h1, h2 = _offset_to_horizontal(lon[i], lat[i], tel_alt[i], tel_az[i])
            nom_x[j], nom_y[j] = _horizontal_to_offset(h0, h1, h2, a_alt, a_az)
            til_x[j], til_y[j] = _to_tilted(t, pos_x[i], pos_y[i], pos_z[i])

        # weighted mean (and spread) of the pairwise crossings, on the sky and on the ground
        sw = sx = sy = gx = gy = 0.0
        for i in range(n):
            for j in range(i + 1, n):
                p1, p2 = psi[first + i], psi[first + j]
                w = np.abs(np.sin(p1 - p2))
                if not equal_weights:
                    i1, i2 = intensity[first + i], intensity[first + j]
                    w *= i1 * i2 / (i1 + i2)
                x, y = _cross_lines(nom_x[i], nom_y[i], p1, nom_x[j], nom_y[j], p2)
                # on the ground the roles of x and y are swapped (as in ctapipe / read_hess)
                cy_, cx_ = _cross_lines(til_y[i], til_x[i], p1, til_y[j], til_x[j], p2)
                if np.isnan(x) or np.isnan(cx_):
                    continue
                sw += w
                sx += w * x
                sy += w * y
                gx += w * cx_
                gy += w * cy_
        if not (sw > 0.0 and np.isfinite(sw)):
            continue
        sx, sy, gx, gy = sx / sw, sy / sw, gx / sw, gy / sw
        vx = vy = vgx = vgy = 0.0
        for i in range(n):
            for j in range(i + 1, n):
                p1, p2 = psi[first + i], psi[first + j]
                w = np.abs(np.sin(p1 - p2))
                if not equal_weights:
                    i1, i2 = intensity[first + i], intensity[first + j]
                    w *= i1 * i2 / (i1 + i2)
                x, y = _cross_lines(nom_x[i], nom_y[i], p1, nom_x[j], nom_y[j], p2)
                cy_, cx_ = _cross_lines(til_y[i], til_x[i], p1, til_y[j], til_x[j], p2)
                if np.isnan(x) or np.isnan(cx_):
                    continue
                vx += w * (x - sx) ** 2
                vy += w * (y - sy) ** 2
                vgx += w * (cx_ - gx) ** 2
                vgy += w * (cy_ - gy) ** 2
        if not (np.isfinite(sx) and np.isfinite(sy) and np.isfinite(gx) and np.isfinite(gy)):
            continue
        if abs(sx) > FOV_LIMIT_RAD or abs(sy) > FOV_LIMIT_RAD:
            continue
        ground_x, ground_y = _tilted_to_ground_plane(gx, gy, t)
        if not (np.isfinite(ground_x) and np.isfinite(ground_y)):
            continue

        h0, h1, h2 = _offset_to_horizontal(sx, sy, a_alt, a_az)
        alt[e] = np.arctan2(h2, np.hypot(h0, h1))
        az[e] = _azimuth(h0, h1)
        dir_uncert[e] = np.sqrt(vx / sw + vy / sw)
        core_x[e], core_y[e] = ground_x, ground_y
        core_tilted_x[e], core_tilted_y[e] = gx, gy
        core_tilted_uncert_x[e] = np.sqrt(vgx / sw)
        core_tilted_uncert_y[e] = np.sqrt(vgy / sw)

        # shower maximum: distance along the axis = impact / angular distance of the
        # centroid from the source, intensity-weighted, projected on the vertical
        hw = hs = 0.0
        for j in range(n):
            disp = np.sqrt((nom_x[j] - sx) ** 2 + (nom_y[j] - sy) ** 2)
            impact = np.sqrt((til_x[j] - gx) ** 2 + (til_y[j] - gy) ** 2)
            hw += intensity[first + j]
            hs += intensity[first + j] * (impact / disp)
        height = hs / hw * np.cos((90.0 - a_alt * 180.0 / np.pi) * np.pi / 180.0)
        if not height + reference_height > H_MAX_LIMIT_M:
            h_max[e] = height
        ok[e] = True
    return ok
