"""ShowerProcessor: DL1 parameters of array events → DL2 showers, per reconstructor."""

from __future__ import annotations

import numpy as np

from .reconstructor import DL2_COLUMNS, REQUIRED_PARAMETERS, StereoParameters

__all__ = ["ShowerProcessor", "stereo_parameters"]


class ShowerProcessor:
    """Run one or several stereo reconstructors on the same array events.

    Parameters
    ----------
    subarray : `~cherenkit.instrument.SubarrayDescription`
    reconstructors : str, list, mapping or `~cherenkit.config.PluginSelection`
        What ``[process.reconstructor]`` accepts: a name (``"hillas"``), a list of
        names, a table with ``name`` and parameters, or labelled tables
        (``{"strict": {"name": "hillas", "min_intensity": 100}, ...}``).
        Default ``"hillas"``. Results are stored per label (the name when unlabelled).

    Examples
    --------
    >>> processor = ShowerProcessor(subarray, ["hillas", "hillas-intersection"])  # doctest: +SKIP
    >>> results = processor(stereo_parameters(batch, dl1))  # doctest: +SKIP
    >>> results["hillas"]["alt"], results["hillas"]["is_valid"]  # doctest: +SKIP
    """

    def __init__(self, subarray, reconstructors="hillas"):
        from ..config import PluginSelection, select_plugin

        self.subarray = subarray
        if isinstance(reconstructors, PluginSelection):
            reconstructors = {reconstructors.name: reconstructors}
        elif not (
            isinstance(reconstructors, dict)
            and all(isinstance(v, PluginSelection) for v in reconstructors.values())
        ):
            reconstructors = select_plugin("reconstructor", reconstructors, labelled=True)
        self.reconstructors = {
            label: selection.component for label, selection in reconstructors.items()
        }

    def units(self, label: str) -> dict:
        """Units of the result columns of ``label`` (`DL2_COLUMNS` and the plugin's own)."""
        return {**DL2_COLUMNS, **type(self.reconstructors[label]).column_units}

    @property
    def labels(self) -> list[str]:
        """The labels results are stored under, in the configured order."""
        return list(self.reconstructors)

    def __call__(self, parameters: StereoParameters) -> dict[str, dict]:
        """Reconstruct every array event of ``parameters`` with every reconstructor.

        Returns
        -------
        dict of str to dict
            Per label, the reconstructor's columns (`~cherenkit.reco.DL2_COLUMNS`
            and ``telescopes``), one row per array event; events that could not be
            reconstructed are flagged ``is_valid = False``, not dropped.

        Raises
        ------
        cherenkit.errors.PluginError
            When a reconstructor returns the wrong columns or row count (naming it).
        """
        results = {}
        for label, reconstructor in self.reconstructors.items():
            result = reconstructor(self.subarray, parameters)
            check_result(label, reconstructor, result, parameters.n_events, self.subarray.n_tels)
            results[label] = result
        return results


def check_result(label, reconstructor, result, n_events, n_tels) -> None:
    """Raise `~cherenkit.errors.PluginError` when a result breaks the reconstructor contract."""
    from ..errors import PluginError

    expected = {**DL2_COLUMNS, "telescopes": None}
    missing = [name for name in expected if name not in result]
    wrong = {
        name: np.shape(values)
        for name, values in result.items()
        if len(np.shape(values)) == 0 or np.shape(values)[0] != n_events
    }
    if np.shape(result.get("telescopes")) != (n_events, n_tels):
        wrong["telescopes"] = np.shape(result.get("telescopes"))
    if missing or wrong:
        problems = []
        if missing:
            problems.append(f"lacks the columns {missing}")
        if wrong:
            problems.append(
                f"returned shapes {wrong} for {n_events} events and {n_tels} telescopes"
            )
        raise PluginError(
            f"reconstructor {reconstructor.name!r} (label {label!r}) broke the reconstructor "
            f"contract: it {' and '.join(problems)}"
        )


def stereo_parameters(batch, dl1: dict) -> StereoParameters:
    """The `StereoParameters` of an `~cherenkit.events.EventBatch` and its DL1 columns.

    Parameters
    ----------
    batch : `~cherenkit.events.EventBatch`
    dl1 : dict of str to dict
        Per telescope type, the columns `~cherenkit.image.ImageProcessor.process_batch`
        returned for ``batch.telescopes[type]`` (telescope frame).

    Returns
    -------
    StereoParameters
        All telescope events of the batch; the parameter columns are those every
        telescope type has.
    """
    types = [t for t in batch.telescopes if t in dl1]
    shared = set.intersection(*(set(dl1[t]) for t in types)) if types else set(REQUIRED_PARAMETERS)
    names = [
        name
        for name in (dl1[types[0]] if types else REQUIRED_PARAMETERS)
        if name in shared
        and name not in ("obs_id", "event_id", "tel_id")
        and np.ndim(dl1[types[0]][name]) == 1  # parameters, not images
    ]

    def joined(get):
        parts = [np.asarray(get(t)) for t in types]
        return np.concatenate(parts) if parts else np.empty(0)

    def column(name):  # plain values, angles in deg (what StereoParameters holds)
        parts = [dl1[t][name] for t in types]
        values = [
            p.to_value("deg") if getattr(p, "unit", None) is not None
            and p.unit.physical_type == "angle" else getattr(p, "value", p)
            for p in parts
        ]  # fmt: skip
        return np.concatenate(values) if values else np.empty(0)

    telescopes = batch.telescopes
    return StereoParameters(
        n_events=batch.n_events,
        event_index=joined(lambda t: telescopes[t].event_index),
        tel_id=joined(lambda t: telescopes[t].tel_id),
        pointing_alt=np.degrees(joined(lambda t: telescopes[t].pointing_alt_rad)),
        pointing_az=np.degrees(joined(lambda t: telescopes[t].pointing_az_rad)),
        array_pointing_alt=np.degrees(batch.pointing_alt_rad),
        array_pointing_az=np.degrees(batch.pointing_az_rad),
        columns={name: column(name) for name in names},
    )
