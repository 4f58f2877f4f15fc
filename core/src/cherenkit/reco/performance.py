"""Reconstruction performance: angular and core resolution against the simulated truth."""

from __future__ import annotations

import numpy as np

__all__ = ["angular_separation", "containment_radius", "core_distance"]


def angular_separation(alt1, az1, alt2, az2):
    """Great-circle distance between two horizontal directions (all in deg, result in deg).

    Uses the Vincenty formula, accurate for small and large separations alike.

    Examples
    --------
    >>> round(float(angular_separation(70.0, 0.0, 70.0, 180.0)), 9)
    40.0
    """
    lat1, lon1, lat2, lon2 = (
        np.radians(np.asarray(a, dtype=float)) for a in (alt1, az1, alt2, az2)
    )
    dlon = lon2 - lon1
    num1 = np.cos(lat2) * np.sin(dlon)
    num2 = np.cos(lat1) * np.sin(lat2) - np.sin(lat1) * np.cos(lat2) * np.cos(dlon)
    den = np.sin(lat1) * np.sin(lat2) + np.cos(lat1) * np.cos(lat2) * np.cos(dlon)
    return np.degrees(np.arctan2(np.hypot(num1, num2), den))


def core_distance(core_x, core_y, true_x, true_y):
    """Distance between reconstructed and true impact points (m)."""
    return np.hypot(np.asarray(core_x) - true_x, np.asarray(core_y) - true_y)


def containment_radius(distances, fraction: float = 0.68) -> float:
    """The ``fraction`` quantile of ``distances`` (NaN entries, i.e. failed events, excluded).

    Returns NaN when no distance is finite.

    Examples
    --------
    >>> containment_radius([0.1, 0.2, 0.3, np.nan], 0.5)
    0.2
    """
    values = np.asarray(distances, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return float("nan")
    return float(np.quantile(values, fraction))
