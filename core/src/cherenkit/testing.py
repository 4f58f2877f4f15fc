"""Contract tests that any plugin can run in one line.

A plugin's own test suite calls the check for its kind; the check asserts what
the base class promises, so that the core can rely on every plugin alike::

    from cherenkit.testing import check_fit_statistic

    def test_contract():
        check_fit_statistic(MyStatistic())

Only the pieces of the contract that the core already exercises have a check;
more kinds get one as the core grows the data model they need.
"""

from __future__ import annotations

import numpy as np

from .component import describe_parameters
from .errors import StatisticInputError

__all__ = ["check_fit_statistic", "check_plugin_class", "check_reconstructor"]

_EXAMPLE_INPUTS = {
    "counts_off": np.array([0.0, 0.0, 3.0, 20.0, 5.0, 1.0]),
    "alpha": np.array([0.2, 0.2, 0.2, 0.2, 0.5, 1.0]),
    "counts_err": np.array([1.0, 1.0, 1.5, 3.0, 2.0, 1.0]),
}


def check_plugin_class(cls) -> None:
    """Assert the parts of the contract shared by every plugin class.

    Explicit kebab-case ``name``, a one-line summary, parameters that describe
    themselves, and an instance buildable with all defaults.
    """
    import attrs

    from .registry import _NAME_PATTERN

    assert isinstance(cls.__dict__.get("name"), str), f"{cls.__name__} must set its own `name`"
    assert _NAME_PATTERN.match(cls.name), f"{cls.name!r} is not kebab-case"
    assert cls.summary(), f"{cls.__name__} needs a docstring whose first line is a summary"
    assert attrs.has(cls), f"{cls.__name__} must be an attrs class"
    for p in describe_parameters(cls):
        assert p["help"], f"parameter {p['name']!r} of {cls.name!r} has no help text"
    cls()


def check_fit_statistic(statistic, **inputs) -> None:
    """Assert the `~cherenkit.modeling.FitStatistic` contract for one instance.

    Parameters
    ----------
    statistic : `~cherenkit.modeling.FitStatistic`
        The configured statistic.
    **inputs : array_like, shape (6,)
        Valid values of the extra inputs this statistic names, for names the
        check does not know (it knows ``counts_off``, ``alpha``, ``counts_err``).

    Raises
    ------
    AssertionError
        Naming the broken promise.
    """
    from .modeling import FitStatistic

    assert isinstance(statistic, FitStatistic)
    check_plugin_class(type(statistic))
    counts = np.array([0.0, 0.0, 2.0, 10.0, 5.0, 1.0])
    npred = np.array([0.0, 1e-30, 2.0, 12.5, 3.0, 0.5])
    data = {}
    for name in statistic.inputs:
        assert name in inputs or name in _EXAMPLE_INPUTS, f"give an example value for {name!r}"
        data[name] = np.asarray(inputs.get(name, _EXAMPLE_INPUTS.get(name)), dtype=float)
    frozen = {k: v.copy() for k, v in {"counts": counts, "npred": npred, **data}.items()}

    stat = statistic.stat_array(counts, npred, **data)
    assert isinstance(stat, np.ndarray) and stat.dtype == np.float64, "stat_array must be float64"
    assert stat.shape == counts.shape, f"stat_array shape {stat.shape} != bins {counts.shape}"
    assert np.all(np.isfinite(stat)), f"non-finite statistic at counts=0 or npred→0: {stat}"
    for name, original in frozen.items():
        value = counts if name == "counts" else npred if name == "npred" else data[name]
        assert np.array_equal(value, original), f"stat_array modified its input {name!r}"
    again = statistic.stat_array(counts, npred, **data)
    assert np.array_equal(stat, again), "stat_array is not deterministic"

    mask = np.array([True, False, True, True, False, True])
    assert np.isclose(statistic.stat_sum(counts, npred, **data), stat.sum(), rtol=1e-12)
    assert np.isclose(statistic.stat_sum(counts, npred, mask=mask, **data), stat[mask].sum())

    two_d = statistic.stat_array(counts[None, :], npred[None, :], **data)
    assert two_d.shape == (1, counts.size), "inputs of any shape must broadcast"

    bad_cases = [({"counts": -counts - 1}, "counts"), ({"npred": npred * np.nan}, "npred")]
    for override, name in bad_cases:
        arrays = {"counts": counts, "npred": npred, **data, **override}
        try:
            statistic.stat_array(**arrays)
        except StatisticInputError as err:
            assert err.input == name, f"error names {err.input!r}, expected {name!r}"
        else:
            raise AssertionError(f"invalid {name} was accepted")
    for name in statistic.inputs:
        partial = {k: v for k, v in data.items() if k != name}
        try:
            statistic.stat_array(counts, npred, **partial)
        except StatisticInputError as err:
            assert err.input == name
        else:
            raise AssertionError(f"missing input {name!r} was accepted")

    background = np.array([0.5, 1.0, 2.0, 10.0, 3.0, 1e-3])
    group = np.array([0, 0, 1, 1, 2, 2])
    scaled = statistic.scaled_sum(counts, background, group, 3, **data)
    for factors in (np.ones(3), np.array([0.5, 1.0, 2.0])):
        expected = float(np.sum(statistic.evaluate(counts, factors[group] * background, **data)))
        value = scaled(factors)
        assert np.isclose(value, expected, rtol=1e-10, atol=1e-12), (
            f"scaled_sum({factors}) = {value}, bin by bin {expected}"
        )


def check_reconstructor(reconstructor, subarray, parameters) -> None:
    """Assert the `~cherenkit.reco.Reconstructor` contract on example events.

    Parameters
    ----------
    reconstructor : `~cherenkit.reco.Reconstructor`
        The configured reconstructor.
    subarray : `~cherenkit.instrument.SubarrayDescription`
    parameters : `~cherenkit.reco.StereoParameters`
        Example events; include some that can and some that cannot be reconstructed.

    Checks the columns, shapes and dtypes of the result, that invalid events are
    NaN and valid ones finite, that ``multiplicity`` counts ``telescopes``, that only
    telescopes of the event are used, that the order of the events and of their
    telescope rows does not change any result, and that an empty batch works.
    """
    from .reco import StereoParameters
    from .reco.shower_processor import check_result

    check_plugin_class(type(reconstructor))
    result = reconstructor(subarray, parameters)
    check_result("check", reconstructor, result, parameters.n_events, subarray.n_tels)
    valid = np.asarray(result["is_valid"])
    assert valid.dtype == bool and result["telescopes"].dtype == bool
    assert valid.any(), "the example events should include reconstructable ones"
    assert np.all(np.isnan(result["alt"][~valid])) and np.all(np.isnan(result["az"][~valid]))
    assert np.all(np.isfinite(result["alt"][valid])) and np.all(np.isfinite(result["az"][valid]))
    assert np.all(np.abs(result["alt"][valid]) <= 90)
    np.testing.assert_array_equal(result["multiplicity"], result["telescopes"].sum(axis=1))
    assert np.all(result["multiplicity"][valid] >= getattr(reconstructor, "min_multiplicity", 2))
    present = np.zeros_like(result["telescopes"])
    present[parameters.event_index, subarray.tel_ids_to_indices(parameters.tel_id)] = True
    assert not np.any(result["telescopes"] & ~present), "a telescope not in the event was used"

    # reversed events and reversed rows: the same results, event by event
    n = parameters.n_events
    rows = np.arange(parameters.n_telescope_events)[::-1]
    flipped = StereoParameters(
        n_events=n,
        event_index=n - 1 - parameters.event_index[rows],
        tel_id=parameters.tel_id[rows],
        pointing_alt=parameters.pointing_alt[rows],
        pointing_az=parameters.pointing_az[rows],
        array_pointing_alt=parameters.array_pointing_alt[::-1],
        array_pointing_az=parameters.array_pointing_az[::-1],
        columns={name: np.asarray(values)[rows] for name, values in parameters.columns.items()},
    )
    again = reconstructor(subarray, flipped)
    for name, values in result.items():
        np.testing.assert_allclose(
            again[name][::-1], values, rtol=1e-12, atol=1e-9, equal_nan=True, err_msg=name
        )

    empty = StereoParameters(
        n_events=0,
        event_index=[],
        tel_id=[],
        pointing_alt=[],
        pointing_az=[],
        array_pointing_alt=[],
        array_pointing_az=[],
        columns={name: np.asarray(values)[:0] for name, values in parameters.columns.items()},
    )
    check_result("check", reconstructor, reconstructor(subarray, empty), 0, subarray.n_tels)
