"""The grid interpolator: the separable (outer-product) path against the generic corner path."""

import numpy as np
import pytest

from cherenkit.irf._interp import _corners, _separable_dims, grid_interpolate


def _random_case(rng, *, inside, positive):
    """Grid of 1-3 axes (1-6 nodes) and outer-product coordinates on 1-2 extra dims."""
    n_axes = int(rng.integers(1, 4))
    grid_shape = tuple(int(n) for n in rng.integers(1, 7, size=n_axes))
    nodes = [np.cumsum(rng.uniform(0.1, 1.0, n)) - 1.0 for n in grid_shape]
    if positive:
        values = rng.uniform(0.5, 2.0, grid_shape) * 10 ** rng.uniform(-5, 5)
    else:
        values = rng.normal(size=grid_shape)
    ndim = n_axes + int(rng.integers(0, 2))
    out_dims = rng.permutation(ndim)
    coords = []
    for k, axis_nodes in enumerate(nodes):
        shape = [1] * ndim
        shape[out_dims[k]] = int(rng.integers(1, 9))
        lo, hi = axis_nodes[0], axis_nodes[-1]
        if not inside:
            lo, hi = lo - 1.0, hi + 1.0
        coords.append(rng.uniform(lo, hi, size=shape))
    return nodes, values, coords


def _generic(nodes, values, coords, method):
    shape = np.broadcast_shapes(*(c.shape for c in coords))
    return _corners(nodes, values, coords, shape, method)


@pytest.mark.parametrize("seed", range(200))
def test_separable_equals_generic_inside(seed):
    """Inside the nodes (convex weights, no cancellation) both paths agree to 1e-12 relative."""
    rng = np.random.default_rng(seed)
    nodes, values, coords = _random_case(rng, inside=True, positive=True)
    assert _separable_dims(coords) is not None
    fast = grid_interpolate(nodes, values, coords)
    assert fast.flags.c_contiguous
    np.testing.assert_allclose(fast, _generic(nodes, values, coords, "linear"), rtol=1e-12, atol=0)
    nearest = grid_interpolate(nodes, values, coords, method="nearest")
    np.testing.assert_array_equal(nearest, _generic(nodes, values, coords, "nearest"))


@pytest.mark.parametrize("seed", range(200))
def test_separable_equals_generic_extrapolated(seed):
    """With extrapolation and mixed signs the sum may cancel: agreement is to 1e-12 of the values."""
    rng = np.random.default_rng(1000 + seed)
    nodes, values, coords = _random_case(rng, inside=False, positive=False)
    fast = grid_interpolate(nodes, values, coords)
    generic = _generic(nodes, values, coords, "linear")
    scale = np.abs(values).max() * 10.0  # extrapolation up to ~ a few node spacings
    np.testing.assert_allclose(fast, generic, rtol=1e-12, atol=1e-12 * scale)


def test_generic_path_for_shared_dimensions():
    """Coordinates that share an output dimension (one point per event) are not separable."""
    energy = np.array([0.5, 1.5, 2.5])
    offset = np.array([0.1, 0.2, 0.3])
    assert _separable_dims([energy, offset]) is None
    assert _separable_dims([energy[:, None], offset[None, :]]) == [(0,), (1,)]
    assert _separable_dims([np.array(1.0), offset]) == [(), (0,)]


def test_bilinear_by_hand():
    # values v[i, j] = 10 i + j on nodes x = (0, 1), y = (0, 2), i.e. v(x, y) = 10 x + y / 2:
    # (0.25, 1) -> 3.0, (0.25, 0) -> 2.5; extrapolated (2, 1) -> 20.5, (2, 0) -> 20.0
    nodes = [np.array([0.0, 1.0]), np.array([0.0, 2.0])]
    values = np.array([[0.0, 1.0], [10.0, 11.0]])
    out = grid_interpolate(nodes, values, [np.array([0.25, 2.0])[:, None], np.array([1.0, 0.0])])
    np.testing.assert_allclose(out, [[3.0, 2.5], [20.5, 20.0]], rtol=1e-15)


@pytest.mark.parametrize("method", ["linear", "nearest"])
def test_nan_coordinate_gives_nan_on_both_paths(method):
    nodes = [np.array([0.0, 1.0, 2.0]), np.array([5.0])]
    values = np.array([[1.0], [2.0], [3.0]])
    x = np.array([0.5, np.nan])
    separable = grid_interpolate(
        nodes, values, [x[:, None], np.array([5.0, np.nan])], method=method
    )
    assert np.isnan(separable[1]).all() and np.isnan(separable[:, 1]).all()
    assert np.isfinite(separable[0, 0])
    generic = grid_interpolate(nodes, values, [x, np.array([5.0, 5.0])], method=method)
    assert np.isfinite(generic[0]) and np.isnan(generic[1])
