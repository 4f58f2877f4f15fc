"""The numba kernels on small hand-made arrays, the module's light import, and its doctests."""

import doctest
import importlib
import subprocess
import sys

import numpy as np
import pytest

from cherenkit.image import _islands, _layout, _lts
from cherenkit.image._batch import image_parameters_kernel
from cherenkit.instrument import CameraGeometry


def test_kth_smallest_matches_a_sort():
    rng = np.random.default_rng(0)
    for n in (1, 2, 3, 7, 50, 201):
        values = rng.integers(0, 5, n).astype(float)  # many ties
        for k in {0, n // 2, n - 1}:
            work = values.copy()
            assert _lts._kth_smallest(work, n, k) == np.sort(values)[k]


def test_lts_line_ignores_the_trimmed_points():
    # 10 points on t = 2 x + 1, two far off: int(0.85 * 12) = 10 kept -> exact line
    x = np.arange(12.0)
    y = 2 * x + 1
    y[[3, 8]] += [40.0, -25.0]
    slope, intercept = _lts.lts_line(x, y.copy(), np.ones(12), 12, np.empty(12), np.empty(12))
    assert slope == pytest.approx(2.0, abs=1e-12)
    assert intercept == pytest.approx(1.0, abs=1e-12)


def test_lts_line_needs_two_kept_points():
    x = np.array([0.0, 1.0])
    slope, intercept = _lts.lts_line(x, x.copy(), np.ones(2), 2, np.empty(2), np.empty(2))
    assert np.isnan(slope) and np.isnan(intercept)


def test_islands_on_a_hand_drawn_mask():
    # 5 x 4 square camera, pixel index = column + 5 row, 4 neighbours each;
    # selected ("#"), top row first:
    #   row 3:  # . . # #    -> islands, numbered by their lowest pixel:
    #   row 2:  . . . . #       1 = {0, 5}, 2 = {3, 4, 9, 14, 19, 18},
    #   row 1:  # . # . #       3 = {7}, 4 = {15}
    #   row 0:  # . . # #    -> sizes 2, 6, 1, 1: three small, one medium
    geometry = CameraGeometry.make_rectangular(n_x=5, n_y=4)
    selected = [0, 3, 4, 5, 7, 9, 14, 15, 18, 19]
    mask = np.zeros(20, dtype=bool)
    mask[selected] = True
    csr = geometry.neighbor_matrix_sparse
    labels, morphology = _islands.islands_batch(
        csr.indptr.astype(np.int64), csr.indices.astype(np.int64), mask[np.newaxis]
    )
    expected = np.zeros(20, dtype=np.int32)
    expected[[0, 5]] = 1
    expected[[3, 4, 9, 14, 19, 18]] = 2
    expected[7] = 3
    expected[15] = 4
    np.testing.assert_array_equal(labels[0], expected)
    assert morphology[0].tolist() == [10, 4, 3, 1, 0]


def test_all_parameters_kernel_on_plain_arrays():
    # the hot-path kernel needs no geometry object: plain float64 / bool / int arrays
    geometry = CameraGeometry.make_rectangular(n_x=6, n_y=6)
    x = geometry.pix_x.value.copy()
    y = geometry.pix_y.value.copy()
    area = geometry.pix_area.value.copy()
    csr = geometry.neighbor_matrix_sparse
    images = np.zeros((3, 36))
    images[0, [14, 15, 20, 21]] = [10.0, 20.0, 5.0, 8.0]
    images[1, 7] = 3.0
    masks = images > 0
    times = np.tile(np.linspace(0, 10, 36), (3, 1))
    values, morphology, flags = image_parameters_kernel(
        x,
        y,
        area,
        np.sqrt(area),
        np.asarray(geometry.get_border_pixel_mask(1)),
        np.asarray(geometry.get_border_pixel_mask(2)),
        csr.indptr.astype(np.int64),
        csr.indices.astype(np.int64),
        images,
        times,
        masks,
        np.zeros((0, 36), dtype=np.int32),
    )
    assert values.shape == (3, _layout.N_FLOAT_COLUMNS)
    assert values[0, _layout.HILLAS_OFFSET + _layout.H_INTENSITY] == 43.0
    assert flags[:, _layout.VALID_HILLAS].tolist() == [True, False, False]
    assert morphology[:, 0].tolist() == [4, 1, 0]
    # leakage: pixel 7 (row 1, column 1) is in the two-pixel border, not the outer ring
    row = values[1]
    assert row[_layout.LEAKAGE_OFFSET : _layout.LEAKAGE_OFFSET + 4].tolist() == [0, 1, 0, 1]


def test_importing_the_package_loads_no_numba():
    code = (
        "import sys, cherenkit.image as image; "
        "heavy = [m for m in ('numba', 'scipy', 'astropy.coordinates', 'astropy.table') "
        "if m in sys.modules]; "
        "assert 'hillas_parameters' in dir(image); print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_unknown_attribute_error_names_the_module():
    import cherenkit.image

    with pytest.raises(AttributeError, match=r"'cherenkit\.image' has no attribute 'hilas'"):
        cherenkit.image.hilas  # noqa: B018


@pytest.mark.parametrize(
    "module",
    ["hillas", "statistics", "parameters", "toymodel"],
)
def test_doctests(module):
    result = doctest.testmod(
        importlib.import_module(f"cherenkit.image.{module}"), optionflags=doctest.ELLIPSIS
    )
    assert result.attempted > 0
    assert result.failed == 0
