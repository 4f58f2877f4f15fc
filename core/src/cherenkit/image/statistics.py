"""Descriptive statistics of pixel values (intensities, peak times)."""

from __future__ import annotations

import numpy as np

from . import _inputs
from .containers import ImageStatisticsContainer

__all__ = ["descriptive_statistics"]


def descriptive_statistics(values, *, container_class=ImageStatisticsContainer):
    """Maximum, minimum, mean, standard deviation, skewness and kurtosis of values.

    The standard deviation is the population one (ddof=0); skewness and kurtosis
    are the third and fourth standardised moments, the kurtosis in excess of a
    Gaussian's (Fisher). Computed in float64.

    Parameters
    ----------
    values : array-like, 1-d
        E.g. ``image[mask]`` or ``peak_time[mask]``.
    container_class : type
        `~cherenkit.image.ImageStatisticsContainer` or a subclass, e.g.
        `~cherenkit.image.IntensityStatisticsContainer`.

    Returns
    -------
    container_class
        NaN for no values or when a value is NaN; skewness and kurtosis are NaN
        when all values are equal. (ctapipe raises for no values.)

    Raises
    ------
    ValueError
        When ``values`` is not 1-d.

    Examples
    --------
    >>> stats = descriptive_statistics([1.0, 2.0, 3.0, 4.0])
    >>> stats.mean, round(stats.std, 4), stats.skewness
    (2.5, 1.118, 0.0)
    """
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"values must be 1-d, got shape {array.shape}")
    array = np.ascontiguousarray(array, dtype=np.float64)[np.newaxis]
    rows = _inputs.kernels("_kernels").statistics_batch(array, _inputs.all_pixels(array.shape[1]))
    return statistics_container(rows[0], container_class)


def statistics_container(row, container_class):
    return container_class(
        max=float(row[0]),
        min=float(row[1]),
        mean=float(row[2]),
        std=float(row[3]),
        skewness=float(row[4]),
        kurtosis=float(row[5]),
    )
