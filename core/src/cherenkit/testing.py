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

__all__ = ["check_fit_statistic", "check_plugin_class"]

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
