"""Grouping observations by their conditions or by the quality of their IRFs.

Observations taken under different conditions (zenith angle, optical
efficiency, offset of the source) have different responses; stacking them
into one dataset averages responses that may differ a lot. Two ways to split
an `~cherenkit.data.Observations` into groups of similar runs:

- `group_by_median`: below / above the median of one quantity per observation
  (e.g. `pointing_zenith`);
- `get_irfs_features` → `standard_scaler` → `hierarchical_clustering`: a table
  of IRF properties per observation (energy resolution and bias, PSF
  containment radius, effective area), scaled to zero mean and unit variance,
  and clustered with `scipy.cluster.hierarchy`.

Both give one label per observation, for `cherenkit.data.Observations.group_by_label`.
The functions follow gammapy 2.1's ``gammapy.data.utils.get_irfs_features`` and
``gammapy.utils.cluster``, with the same names and defaults.

References
----------
.. [Ward1963] Ward, J. H., "Hierarchical grouping to optimize an objective
   function", J. Am. Stat. Assoc. 58, 236 (1963), doi:10.1080/01621459.1963.10500845
"""

from __future__ import annotations

import numpy as np

from cherenkit.errors import DataFormatError, ParameterError, closest, quoted_list

from ._utils import angular_separation_rad

__all__ = [
    "FEATURE_NAMES",
    "get_irfs_features",
    "group_by_median",
    "hierarchical_clustering",
    "labels_by_median",
    "pointing_zenith",
    "standard_scaler",
]

#: IRF features `get_irfs_features` computes, and the IRF each needs.
FEATURE_NAMES = {
    "edisp-bias": "edisp",
    "edisp-res": "edisp",
    "psf-radius": "psf",
    "aeff": "aeff",
}
#: columns that identify a row rather than describe it: never scaled nor clustered on
ID_COLUMNS = ("obs_id", "dataset_name", "labels")
#: show a progress bar (on a terminal) from this many observations on
PROGRESS_MIN_OBSERVATIONS = 10


# --- IRF features --------------------------------------------------------------------------


def get_irfs_features(
    observations,
    energy_true,
    *,
    position=None,
    fixed_offset=None,
    names=None,
    containment_fraction=0.68,
    apply_standard_scaler=False,
    progress=None,
):
    """One row of IRF properties per observation, for clustering.

    Each IRF is evaluated at one FoV offset per observation: the angular
    distance between ``position`` and the observation's pointing, clipped to
    the outermost offset-bin centre of the IRFs the features need (so that no
    IRF is extrapolated); or ``fixed_offset``; or 0 deg when neither is given.

    Parameters
    ----------
    observations : `~cherenkit.data.Observations` or iterable of `~cherenkit.data.Observation`
    energy_true : `~astropy.units.Quantity` or str, scalar, energy
        True energy at which the IRFs are evaluated, e.g. ``"1 TeV"``.
    position : `~astropy.coordinates.SkyCoord`, optional
        Sky position (e.g. the source). Exclusive with ``fixed_offset``.
    fixed_offset : `~astropy.units.Quantity` or str, angle, optional
        One offset from the pointing for all observations.
    names : sequence of {"edisp-bias", "edisp-res", "psf-radius", "aeff"}, optional
        Features, as columns in this order. Default is all four.

        - ``edisp-bias``: relative bias of the reconstructed energy,
          `~cherenkit.irf.EDispKernel.get_bias`;
        - ``edisp-res``: relative energy resolution (RMS / true energy),
          `~cherenkit.irf.EDispKernel.get_resolution`; both on the kernel of
          ``edisp.to_edisp_kernel(offset)`` (true and reconstructed energy
          binned as the IRF's true-energy axis), in the true-energy bin that
          contains ``energy_true``;
        - ``psf-radius``: radius containing ``containment_fraction`` of the
          events (deg), ``psf.containment_radius``;
        - ``aeff``: effective area (m²), ``aeff.evaluate``.
    containment_fraction : float
        Containment fraction of ``psf-radius``. Default is 0.68.
    apply_standard_scaler : bool
        Return the features scaled with `standard_scaler`. Default is False.
    progress : bool, optional
        Show a tqdm progress bar. Default: from `PROGRESS_MIN_OBSERVATIONS`
        observations on, and only on a terminal.

    Returns
    -------
    features : `~astropy.table.Table`
        Column ``obs_id`` then one column per name (with units). ``meta`` holds
        the arguments and, under ``"offset"``, the offset used per observation.

    Raises
    ------
    cherenkit.errors.ParameterError
        An unknown feature name, both ``position`` and ``fixed_offset``, a
        non-scalar energy or a fraction outside (0, 1).
    cherenkit.errors.DataFormatError
        An observation lacks an IRF a feature needs.

    Examples
    --------
    >>> features = get_irfs_features(
    ...     observations, "1 TeV", position=source, names=["edisp-res", "psf-radius"]
    ... )  # doctest: +SKIP
    """
    import astropy.units as u
    from astropy.table import Table

    owner = "get_irfs_features"
    names = (
        list(FEATURE_NAMES) if names is None else [names] if isinstance(names, str) else list(names)
    )
    for name in names:
        if name not in FEATURE_NAMES:
            hint = closest(name, FEATURE_NAMES)
            raise ParameterError(
                owner,
                "names",
                f"unknown feature {name!r}"
                + (f" (did you mean {hint!r}?)" if hint else "")
                + f"; valid: {quoted_list(FEATURE_NAMES)}",
            )
    if len(set(names)) != len(names):
        raise ParameterError(owner, "names", f"features given twice: {names}")
    if position is not None and fixed_offset is not None:
        raise ParameterError(
            owner, "position", "position and fixed_offset are exclusive; give one of them or none"
        )
    energy_true = u.Quantity(energy_true)
    if energy_true.ndim != 0 or not energy_true.unit.is_equivalent(u.TeV):
        raise ParameterError(owner, "energy_true", f"expected one energy, got {energy_true!r}")
    if not 0.0 < float(containment_fraction) < 1.0:
        raise ParameterError(
            owner,
            "containment_fraction",
            f"expected a fraction in (0, 1), got {containment_fraction}",
        )
    if fixed_offset is not None:
        fixed_offset = u.Quantity(fixed_offset).to(u.deg)
        if fixed_offset.ndim != 0:
            raise ParameterError(owner, "fixed_offset", f"expected one angle, got {fixed_offset!r}")

    if position is not None:
        position = position.icrs
    observations = list(observations)
    irf_types = sorted({FEATURE_NAMES[name] for name in names})
    values = {name: np.full(len(observations), np.nan) for name in names}
    offsets = np.zeros(len(observations))
    for i, obs in enumerate(_progress(observations, progress)):
        irfs = _irfs_of(obs, irf_types)
        if fixed_offset is not None:
            offset = fixed_offset
        elif position is not None:
            offset_max = min(irf.axis("offset").center[-1].to_value(u.deg) for irf in irfs.values())
            pointing = obs.pointing
            separation = angular_separation_rad(
                position.ra.rad, position.dec.rad, pointing.ra.rad, pointing.dec.rad
            )
            offset = min(np.degrees(separation), offset_max) * u.deg
        else:
            offset = 0.0 * u.deg
        offsets[i] = offset.to_value(u.deg)
        for name, value in _features_at(irfs, names, energy_true, offset, containment_fraction):
            values[name][i] = value

    features = Table()
    features["obs_id"] = np.array([obs.obs_id for obs in observations], dtype=np.int64)
    units = {"psf-radius": u.deg, "aeff": u.m**2}
    for name in names:
        features[name] = values[name]
        features[name].unit = units.get(name)
    if apply_standard_scaler:
        features = standard_scaler(features)
    features.meta.update(
        energy_true=energy_true,
        fixed_offset=fixed_offset,
        containment_fraction=float(containment_fraction),
        apply_standard_scaler=bool(apply_standard_scaler),
        offset=offsets * u.deg,
    )
    if position is not None:
        icrs = position.icrs
        features.meta.update(ra=icrs.ra.to(u.deg), dec=icrs.dec.to(u.deg), frame="icrs")
    return features


def _progress(observations, progress):
    if progress is None:
        progress = len(observations) >= PROGRESS_MIN_OBSERVATIONS
        disable = None if progress else True  # None: tqdm shows itself only on a terminal
    else:
        disable = not progress
    if disable is True:
        return observations
    from tqdm.auto import tqdm

    return tqdm(observations, desc="IRF features", unit="obs", disable=disable)


def _irfs_of(obs, irf_types):
    irfs = {t: getattr(obs, t) for t in irf_types}
    missing = [t for t, irf in irfs.items() if irf is None]
    if missing:
        raise DataFormatError(
            f"observation {obs.obs_id}",
            f"no {', '.join(missing)} IRF in the HDU index, needed for the IRF features; "
            f"it has {obs.available_irfs}",
        )
    return irfs


def _features_at(irfs, names, energy_true, offset, containment_fraction):
    """(name, float value) of each feature, from the IRFs at one offset."""
    kernel = None
    for name in names:
        if name.startswith("edisp-"):
            if kernel is None:
                kernel = irfs["edisp"].to_edisp_kernel(offset)
            getter = kernel.get_bias if name == "edisp-bias" else kernel.get_resolution
            value = getter(energy_true)
        elif name == "psf-radius":
            value = irfs["psf"].containment_radius(
                containment_fraction, energy_true=energy_true, offset=offset
            )
            value = value.to("deg")
        else:
            value = irfs["aeff"].evaluate(energy_true=energy_true, offset=offset).to("m2")
        yield name, float(np.ravel(getattr(value, "value", value))[0])


# --- scaling and clustering ------------------------------------------------------------------


def _feature_columns(table):
    return [name for name in table.colnames if name not in ID_COLUMNS]


def _as_matrix(features, owner):
    """(n_rows, n_features) float64 matrix, and the column names (None for an array)."""
    from astropy.table import Table

    if isinstance(features, Table):
        columns = _feature_columns(features)
        if not columns:
            raise ParameterError(
                owner, "features", f"no feature columns besides {list(ID_COLUMNS)} in the table"
            )
        matrix = np.column_stack(
            [np.asarray(getattr(features[c], "value", features[c]), float) for c in columns]
        )
        return matrix, columns
    matrix = np.asarray(features, dtype=np.float64)
    if matrix.ndim != 2:
        raise ParameterError(
            owner, "features", f"expected a Table or a 2-d array, got shape {matrix.shape}"
        )
    return matrix, None


def standard_scaler(features):
    """Features scaled to zero mean and unit variance, column by column.

    :math:`(x - \\bar x) / \\sigma_x` with the population standard deviation
    (``ddof=0``), as scikit-learn's ``StandardScaler``; a constant column
    becomes 0 (its scale is taken as 1, as scikit-learn does).

    Parameters
    ----------
    features : `~astropy.table.Table` or `~numpy.ndarray`, shape (n_obs, n_features)
        A table's ``obs_id``, ``dataset_name`` and ``labels`` columns are kept as
        they are; every other column is scaled.

    Returns
    -------
    scaled : same type as ``features``
        A copy, the scaled columns dimensionless.

    Examples
    --------
    >>> from astropy.table import Table
    >>> scaled = standard_scaler(Table({"obs_id": [1, 2, 3], "x": [1.0, 2.0, 3.0]}))
    >>> scaled["x"].round(4).tolist()
    [-1.2247, 0.0, 1.2247]
    """
    matrix, columns = _as_matrix(features, "standard_scaler")
    mean = matrix.mean(axis=0)
    scale = matrix.std(axis=0)
    scale[scale == 0] = 1.0
    scaled = (matrix - mean) / scale
    if columns is None:
        return scaled
    table = features.copy()
    for j, name in enumerate(columns):
        table[name] = scaled[:, j]
    return table


def hierarchical_clustering(features, linkage_kwargs=None, fcluster_kwargs=None):
    """Agglomerative clustering of the rows of a feature table.

    `scipy.cluster.hierarchy.linkage` builds the tree from the feature
    matrix (the table's columns except ``obs_id``, ``dataset_name`` and
    ``labels``), and `scipy.cluster.hierarchy.fcluster` cuts it into flat
    clusters; both take their keyword arguments from here. Scale the features
    first (`standard_scaler`) when their units differ.

    Parameters
    ----------
    features : `~astropy.table.Table`
    linkage_kwargs : dict, optional
        Forwarded to ``linkage``, on top of the default
        ``method="ward", metric="euclidean"`` (Ward's minimum variance [Ward1963]_).
    fcluster_kwargs : dict, optional
        Forwarded to ``fcluster``, on top of the default
        ``criterion="maxclust", t=3`` (at most 3 clusters).

    Returns
    -------
    features : `~astropy.table.Table`
        A copy with an integer ``labels`` column (1, 2, ...; replaced if present).

    Examples
    --------
    >>> from astropy.table import Table
    >>> table = Table({"obs_id": [1, 2, 3, 4], "x": [0.0, 0.1, 5.0, 5.2]})
    >>> hierarchical_clustering(table, fcluster_kwargs={"t": 2})["labels"].tolist()
    [1, 1, 2, 2]
    """
    from scipy.cluster import hierarchy

    matrix, _ = _as_matrix(features, "hierarchical_clustering")
    if matrix.shape[0] < 2:
        raise ParameterError(
            "hierarchical_clustering", "features", f"need at least 2 rows, got {matrix.shape[0]}"
        )
    linkage = hierarchy.linkage(
        matrix, **{"method": "ward", "metric": "euclidean", **(linkage_kwargs or {})}
    )
    labels = hierarchy.fcluster(
        linkage, **{"criterion": "maxclust", "t": 3, **(fcluster_kwargs or {})}
    )
    table = features.copy()
    table["labels"] = labels.astype(np.int64)
    return table


# --- grouping by one quantity ----------------------------------------------------------------


def pointing_zenith(observations):
    """Zenith angle of each observation's pointing at the middle of its GTIs.

    Parameters
    ----------
    observations : iterable of `~cherenkit.data.Observation`

    Returns
    -------
    zenith : `~astropy.units.Quantity`, shape (n_obs,), deg
    """
    import astropy.units as u

    return u.Quantity(
        [obs.get_pointing_altaz(obs.tmid).zen.to(u.deg) for obs in observations], u.deg
    )


def labels_by_median(values, *, median=None, labels=("lower", "upper")):
    """``labels[0]`` for values below the median, ``labels[1]`` for the others.

    Parameters
    ----------
    values : `~astropy.units.Quantity` or array-like, shape (n,)
    median : `~astropy.units.Quantity` or float, optional
        The dividing value. Default is the median of ``values``.
    labels : pair of str
        Default is ``("lower", "upper")``.

    Returns
    -------
    labels : `~numpy.ndarray` of str, shape (n,)

    Examples
    --------
    >>> labels_by_median([30.0, 10.0, 20.0, 40.0]).tolist()
    ['upper', 'lower', 'lower', 'upper']
    """
    import astropy.units as u

    owner = "labels_by_median"
    unit = getattr(values, "unit", None)
    values = np.atleast_1d(
        u.Quantity(values).value if unit is not None else np.asarray(values, float)
    )
    if values.ndim != 1 or values.size == 0:
        raise ParameterError(
            owner, "values", f"expected a non-empty 1-d array, got shape {values.shape}"
        )
    if not np.all(np.isfinite(values)):
        raise ParameterError(
            owner,
            "values",
            f"not finite at positions {np.flatnonzero(~np.isfinite(values)).tolist()}",
        )
    if len(labels) != 2:
        raise ParameterError(owner, "labels", f"expected two labels, got {labels!r}")
    if median is None:
        median = np.median(values)
    elif unit is not None:
        median = u.Quantity(median).to_value(unit)
    elif isinstance(median, u.Quantity):
        raise ParameterError(owner, "median", f"values have no unit, got median {median!r}")
    return np.where(values < float(median), labels[0], labels[1])


def group_by_median(observations, values, *, median=None, labels=("lower", "upper")):
    """Split observations in two by the median of one quantity.

    Parameters
    ----------
    observations : `~cherenkit.data.Observations`
    values : `~astropy.units.Quantity`, array-like or callable
        One value per observation, or a function of an observation returning
        it (e.g. ``lambda obs: obs.muoneff``).
    median, labels
        As in `labels_by_median`.

    Returns
    -------
    groups : dict of str to `~cherenkit.data.Observations`
        ``{labels[0]: below the median, labels[1]: the others}`` (a group with no
        observation is left out).
    """
    if callable(values):
        values = [values(obs) for obs in observations]
        if values and hasattr(values[0], "unit"):
            import astropy.units as u

            values = u.Quantity(values)
    if len(values) != len(observations):
        raise ParameterError(
            "group_by_median",
            "values",
            f"got {len(values)} values for {len(observations)} observations",
        )
    split = labels_by_median(values, median=median, labels=labels).tolist()
    return observations.group_by_label(split)
