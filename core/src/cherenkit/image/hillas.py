"""Hillas parameters: the moments of a shower image up to the fourth order."""

from __future__ import annotations

import astropy.units as u
import numpy as np

from . import _inputs
from ._layout import (
    H_INTENSITY,
    H_KURTOSIS,
    H_LENGTH,
    H_LENGTH_UNC,
    H_PHI,
    H_PSI,
    H_PSI_UNC,
    H_R,
    H_SKEWNESS,
    H_TRANSVERSE_COG_UNC,
    H_WIDTH,
    H_WIDTH_UNC,
    H_X,
    H_Y,
    N_HILLAS,
)
from .containers import CameraHillasParametersContainer, HillasParametersContainer

__all__ = ["camera_to_shower_coordinates", "hillas_parameters"]


def hillas_parameters(geometry, image, *, cleaning_mask=None):
    """Hillas parameters of a (cleaned) shower image.

    The image is described by its intensity-weighted moments: the centroid, the
    covariance matrix, whose eigenvalues are ``length**2`` and ``width**2`` and
    whose major axis makes the angle ``psi`` with the first frame axis, and the
    third and fourth moments along that axis (skewness, kurtosis). The
    uncertainties are computed as in ctapipe 0.28.

    Call it as ctapipe users do, with the selected pixels,
    ``hillas_parameters(geometry[mask], image[mask])``, or, faster (no new
    geometry), with the full camera and ``cleaning_mask=mask``.

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        In the camera frame (results in m) or the telescope frame (results in
        deg, the centroid as ``fov_lon, fov_lat``).
    image : array-like, shape (n_pixels,)
        Pixel intensities (photo-electrons). Masked entries count as 0.
    cleaning_mask : array-like of bool, shape (n_pixels,), optional
        Pixels to use. Default is all pixels of ``geometry``.

    Returns
    -------
    CameraHillasParametersContainer or HillasParametersContainer
        By the frame of ``geometry``. ``is_valid`` is False and the parameters
        are NaN when there is no pixel, the intensity is not > 0 or a pixel is
        NaN; with all light in one point (e.g. a single pixel) only the intensity
        and centroid are set, as in ctapipe. ctapipe raises
        ``HillasParameterizationError`` for zero intensity instead.

    Raises
    ------
    ValueError
        When ``image`` or ``cleaning_mask`` does not have one entry per pixel.

    References
    ----------
    Hillas, A. M. (1985), Cerenkov light images of EAS produced by primary gamma
    rays and by nuclei, Proc. 19th ICRC 3, 445,
    https://ntrs.nasa.gov/citations/19850026666

    Examples
    --------
    >>> import astropy.units as u
    >>> from cherenkit.instrument import CameraGeometry
    >>> from cherenkit.image import Gaussian, hillas_parameters
    >>> geometry = CameraGeometry.make_rectangular(n_x=60, n_y=60, range_x=(-0.6, 0.6),
    ...                                            range_y=(-0.6, 0.6))
    >>> model = Gaussian(x=0.1 * u.m, y=-0.1 * u.m, length=0.1 * u.m, width=0.03 * u.m,
    ...                  psi=30 * u.deg)
    >>> image = 1000 * model.expected_signal(geometry, 1.0)
    >>> hillas = hillas_parameters(geometry, image)
    >>> round(float(hillas.length.to_value(u.m)), 3), round(float(hillas.psi.to_value(u.deg)))
    (0.1, 30)
    """
    pixels = _inputs.pixel_arrays(geometry)
    image = _inputs.pixel_values(image, geometry, "image")
    if cleaning_mask is None:
        masks = _inputs.all_pixels(geometry.n_pixels)
    else:
        masks = _inputs.pixel_mask(cleaning_mask, geometry, "cleaning_mask")[np.newaxis]
    rows, valid = _inputs.kernels("_kernels").hillas_batch(
        pixels.u, pixels.v, pixels.area, image[np.newaxis], masks
    )
    return hillas_container(rows[0], bool(valid[0]), pixels.frame)


def hillas_container(row, is_valid, frame):
    """The Hillas container of one kernel row (kernel units) in ``frame``."""
    scale = frame.scale
    deg = _inputs.DEG_PER_RAD
    row = row.tolist()
    common = {
        "intensity": row[H_INTENSITY],
        "r": row[H_R] * scale,
        "phi": row[H_PHI] * deg,
        "length": row[H_LENGTH] * scale,
        "length_uncertainty": row[H_LENGTH_UNC] * scale,
        "width": row[H_WIDTH] * scale,
        "width_uncertainty": row[H_WIDTH_UNC] * scale,
        "psi": row[H_PSI] * deg,
        "psi_uncertainty": row[H_PSI_UNC] * deg,
        "transverse_cog_uncertainty": row[H_TRANSVERSE_COG_UNC] * scale,
        "skewness": row[H_SKEWNESS],
        "kurtosis": row[H_KURTOSIS],
        "is_valid": is_valid,
    }
    if frame.name == "camera":
        return CameraHillasParametersContainer(x=row[H_X], y=row[H_Y], **common)
    return HillasParametersContainer(fov_lon=row[H_X] * scale, fov_lat=row[H_Y] * scale, **common)


def hillas_row(hillas, frame) -> np.ndarray:
    """Kernel row (kernel units) of a Hillas container; checks that it matches ``frame``."""
    if frame.name == "camera":
        if not isinstance(hillas, CameraHillasParametersContainer):
            raise TypeError(
                "the geometry is in the camera frame, so hillas_parameters must be a "
                f"CameraHillasParametersContainer (x, y in m), got {type(hillas).__name__}; "
                "compute it with the same geometry"
            )
        cog_u, cog_v = hillas._x, hillas._y  # floats in the container's unit (m)
    else:
        if not isinstance(hillas, HillasParametersContainer):
            raise TypeError(
                "the geometry is in the telescope frame, so hillas_parameters must be a "
                f"HillasParametersContainer (fov_lon, fov_lat in deg), got "
                f"{type(hillas).__name__}; compute it with the same geometry"
            )
        cog_u, cog_v = hillas._fov_lon, hillas._fov_lat  # deg
    scale = frame.scale
    row = [np.nan] * N_HILLAS
    row[H_INTENSITY] = hillas.intensity
    row[H_X] = cog_u / scale
    row[H_Y] = cog_v / scale
    row[H_LENGTH] = hillas._length / scale
    row[H_WIDTH] = hillas._width / scale
    row[H_PSI] = hillas._psi / _inputs.DEG_PER_RAD
    return np.array(row)


def camera_to_shower_coordinates(x, y, cog_x, cog_y, psi):
    """Coordinates of points along and across the shower axis.

    Parameters
    ----------
    x, y : `~astropy.units.Quantity` or array-like
        Points, e.g. pixel positions (``fov_lon, fov_lat`` in the telescope frame).
    cog_x, cog_y : `~astropy.units.Quantity` or float
        Centroid, in the unit of ``x, y``.
    psi : `~astropy.units.Quantity` or float
        Angle of the shower axis to the first axis (rad when a plain number).

    Returns
    -------
    longitudinal, transverse : like ``x``
        Offset from the centroid along the axis (positive towards ``psi``) and
        across it (positive to the left of it).

    Examples
    --------
    >>> import astropy.units as u
    >>> longi, trans = camera_to_shower_coordinates(1 * u.m, 1 * u.m, 0 * u.m, 0 * u.m, 45 * u.deg)
    >>> round(float(longi.to_value(u.m)), 6), round(float(trans.to_value(u.m)), 6)
    (1.414214, 0.0)
    """
    psi = psi.to_value(u.rad) if isinstance(psi, u.Quantity) else psi
    cos_psi = np.cos(psi)
    sin_psi = np.sin(psi)
    delta_x = x - cog_x
    delta_y = y - cog_y
    longitudinal = delta_x * cos_psi + delta_y * sin_psi
    transverse = delta_y * cos_psi - delta_x * sin_psi
    return longitudinal, transverse
