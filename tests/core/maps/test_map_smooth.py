"""WcsNDMap.smooth / convolve: kernels, point responses, units, errors, gammapy 2.1 numbers.

The gammapy numbers below were computed once with gammapy 2.1 (scipy 1.17.1, numpy
2.4.6, Python 3.11) in ``benchmarks/.venv-peers``, run from /tmp::

    ax = MapAxis.from_energy_bounds("1 TeV", "10 TeV", 2)
    g = WcsGeom.create(skydir=(0, 0), npix=21, binsz=0.1, frame="galactic", proj="CAR",
                       axes=[ax])
    m = Map.from_geom(g, unit="cm-2 s-1")
    m.data[0, 10, 10] = 1.0; m.data[0, 15, 3] = 5.0; m.data[0, 0, 0] = 2.0
    m.data[1, 12, 10] = 3.0; m.data[1, 2, 18] = -1.0; m.data[1, 20, 7] = 0.5
    s = m.smooth(width, kernel=kernel, **kwargs)
    [float(s.data[p]) for p in PIX], s.data.sum(axis=(1, 2)).tolist()

and the same for ``m.convolve(np.arange(9.0).reshape(3, 3))`` (float32 in gammapy) and
a bool image smoothed with ``smooth(1.0)``.
"""

import astropy.units as u
import numpy as np
import pytest

from cherenkit.errors import ParameterError
from cherenkit.maps import Map, MapAxis, WcsGeom
from cherenkit.maps._smooth import box_kernel_1d, disk_kernel, gauss_kernel_1d

PIX = [
    (0, 10, 10),
    (0, 11, 9),
    (0, 15, 5),
    (0, 0, 0),
    (0, 1, 2),
    (1, 12, 10),
    (1, 2, 18),
    (1, 20, 7),
    (1, 19, 9),
    (1, 5, 15),
]

# (kernel, width, kwargs) -> (values at PIX, per-plane sums), from gammapy 2.1
GAMMAPY_SMOOTH = [
    (
        ("gauss", "0.15 deg", {}),
        [
            0.07073698608724029,
            0.04535855745749518,
            0.14540527905770528,
            0.4587513107246793,
            0.0936858080001455,
            0.21221095826172087,
            -0.07128497035368413,
            0.06368936830844973,
            0.017620806169511057,
            -0.0012955930932513054,
        ],
        [8.0, 2.5],
    ),
    (
        ("gauss", 1.5, {"mode": "constant"}),
        [
            0.07073698608724026,
            0.04535855745749518,
            0.14540527905770526,
            0.14147397217448052,
            0.046572239597169746,
            0.21221095826172076,
            -0.07073698608724026,
            0.03536849304362013,
            0.011643059899292436,
            -0.0012955930932513067,
        ],
        [6.757316433372356, 2.40391049042859],
    ),
    (
        ("gauss", "0.2 deg", {"truncate": 2.0}),
        [
            0.04168281178978384,
            0.032462606462501646,
            0.12640951666767564,
            0.2954306456865746,
            0.11559121742421806,
            0.12504843536935153,
            -0.04168281178978384,
            0.03923388204264237,
            0.018822725445484002,
            -0.004393336040201354,
        ],
        [8.000000000000004, 2.5000000000000004],
    ),
    (
        ("disk", "0.25 deg", {}),
        [
            0.04761904761904762,
            0.04761904761904762,
            0.2380952380952381,
            0.380952380952381,
            0.09523809523809525,
            0.14285714285714288,
            -0.04761904761904762,
            0.04761904761904762,
            0.02380952380952381,
            0.0,
        ],
        [8.0, 2.5],
    ),
    (
        ("disk", 2.0, {"mode": "constant"}),
        [
            0.07692307692307693,
            0.07692307692307693,
            0.38461538461538464,
            0.15384615384615385,
            0.0,
            0.23076923076923078,
            -0.07692307692307693,
            0.038461538461538464,
            0.0,
            0.0,
        ],
        [6.923076923076923, 2.3461538461538463],
    ),
    (
        ("box", 3, {}),
        [
            0.1111111111111111,
            0.1111111111111111,
            0.0,
            0.8888888888888888,
            0.0,
            0.3333333333333333,
            -0.1111111111111111,
            0.1111111111111111,
            0.0,
            0.0,
        ],
        [8.000000000000002, 2.5],
    ),
    (
        ("box", "0.4 deg", {}),  # 4 pixels: even, the window is [i - 2, i + 1]
        [0.0625, 0.0625, 0.3125, 0.5, 0.25, 0.1875, -0.0625, 0.0625, 0.03125, 0.0],
        [9.125, 2.375],
    ),
    (
        ("box", 3, {"mode": "constant"}),
        [
            0.1111111111111111,
            0.1111111111111111,
            0.0,
            0.2222222222222222,
            0.0,
            0.3333333333333333,
            -0.1111111111111111,
            0.05555555555555555,
            0.0,
            0.0,
        ],
        [6.88888888888889, 2.3333333333333335],
    ),
]
GAMMAPY_BOOL = [0.25568881975723445, 0.11807233570301773, 0.03460371884228054]
GAMMAPY_CONVOLVE_F32 = [
    4.0,
    6.0,
    1.1679041733714257e-07,
    8.0,
    1.509679066202807e-07,
    11.999999046325684,
    -4.0,
    2.0,
    -8.824012098784806e-08,
    -5.418629456244162e-08,
]


@pytest.fixture(scope="module")
def cube():
    axis = MapAxis.from_energy_bounds("1 TeV", "10 TeV", 2)
    geom = WcsGeom.create(
        skydir=(0, 0), npix=21, binsz=0.1, frame="galactic", proj="CAR", axes=[axis]
    )
    m = Map.from_geom(geom, unit="cm-2 s-1")
    m.data[0, 10, 10] = 1.0
    m.data[0, 15, 3] = 5.0
    m.data[0, 0, 0] = 2.0
    m.data[1, 12, 10] = 3.0
    m.data[1, 2, 18] = -1.0
    m.data[1, 20, 7] = 0.5
    return m


def point_image(npix=41, binsz=0.1):
    geom = WcsGeom.create(skydir=(0, 0), npix=npix, binsz=binsz, frame="galactic")
    m = Map.from_geom(geom)
    m.data[npix // 2, npix // 2] = 1.0
    return m


# --- kernels --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kernel", [gauss_kernel_1d(0.7), gauss_kernel_1d(3.2, truncate=2.5), box_kernel_1d(5)]
)
def test_1d_kernels_sum_to_one(kernel):
    assert kernel.sum() == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(kernel, kernel[::-1], rtol=0, atol=1e-17)


@pytest.mark.parametrize("radius", [0.5, 1.0, 1.5, 2.0, 2.6, 3.7, 7.25])
def test_disk_kernel_sums_to_one_and_is_odd(radius):
    k = disk_kernel(radius)
    assert k.sum() == pytest.approx(1.0, abs=1e-15)
    # side: 2 r rounded up to odd (0.5 -> 1, 2.0 -> 5, 2.6 -> 7, 3.7 -> 9)
    expected = {0.5: 1, 1.0: 3, 1.5: 3, 2.0: 5, 2.6: 7, 3.7: 9, 7.25: 15}[radius]
    assert k.shape == (expected, expected)


def test_gauss_kernel_samples():
    # sigma = 2, truncate = 4 -> radius int(8.5) = 8, 17 samples of exp(-k^2 / 8)
    k = gauss_kernel_1d(2.0)
    raw = np.exp(-(np.arange(-8, 9) ** 2) / 8.0)
    np.testing.assert_allclose(k, raw / raw.sum(), rtol=1e-15)
    assert gauss_kernel_1d(2.0, truncate=1.0).size == 5  # int(2.5) = 2


# --- point responses ------------------------------------------------------------------


def test_gauss_point_response_sigma_and_peak():
    m = point_image()
    s = m.smooth("0.2 deg")  # 2 pixels
    img = s.data
    y, x = np.indices(img.shape) - 20
    total = img.sum()
    assert total == pytest.approx(1.0, abs=1e-12)
    sigma_x = np.sqrt((img * x**2).sum() / total)
    sigma_y = np.sqrt((img * y**2).sum() / total)
    assert sigma_x == pytest.approx(2.0, rel=1e-3)
    assert sigma_y == pytest.approx(2.0, rel=1e-3)
    assert (img * x).sum() == pytest.approx(0.0, abs=1e-14)
    # centre: (1 / sum_k exp(-k^2 / 8))^2 ~ 1 / (2 pi sigma^2)
    raw = np.exp(-(np.arange(-8, 9) ** 2) / 8.0)
    assert img[20, 20] == pytest.approx(1.0 / raw.sum() ** 2, rel=1e-12)
    assert img[20, 20] == pytest.approx(1.0 / (8 * np.pi), rel=1e-3)
    # the full response is the outer product of the 1-d kernel, zero beyond 8 pixels
    k = gauss_kernel_1d(2.0)
    np.testing.assert_allclose(img[12:29, 12:29], np.outer(k, k), rtol=1e-12, atol=1e-18)
    assert img[:12].sum() == 0.0 and img[:, 29:].sum() == 0.0


def test_disk_point_response():
    s = point_image(21).smooth(2.0, kernel="disk")
    # pixels with dx^2 + dy^2 <= 4: 13 of them
    hand = (
        np.array(
            [
                [0, 0, 1, 0, 0],
                [0, 1, 1, 1, 0],
                [1, 1, 1, 1, 1],
                [0, 1, 1, 1, 0],
                [0, 0, 1, 0, 0],
            ]
        )
        / 13.0
    )
    expected = np.zeros((21, 21))
    expected[8:13, 8:13] = hand
    np.testing.assert_allclose(s.data, expected, rtol=1e-15, atol=1e-17)


def test_box_point_response_odd_and_even():
    s3 = point_image(21).smooth(3, kernel="box")
    expected = np.zeros((21, 21))
    expected[9:12, 9:12] = 1 / 9
    np.testing.assert_allclose(s3.data, expected, rtol=1e-15, atol=1e-17)
    # width 4.7 -> int 4: output j sees [j - 2, j + 1], so the point at 10 reaches j = 9..12
    s4 = point_image(21).smooth(4.7, kernel="box")
    expected = np.zeros((21, 21))
    expected[9:13, 9:13] = 1 / 16
    np.testing.assert_allclose(s4.data, expected, rtol=1e-15, atol=1e-17)


@pytest.mark.parametrize(
    ("kernel", "width"), [("gauss", 1.3), ("disk", 3.2), ("box", 5), ("box", 4)]
)
@pytest.mark.parametrize("mode", ["constant", "reflect", "nearest"])
def test_flux_conserved_away_from_edges(kernel, width, mode):
    rng = np.random.default_rng(1)
    m = point_image(41)
    m.data[:] = 0.0
    m.data[12:29, 12:29] = rng.uniform(0, 3, (17, 17))
    s = m.smooth(width, kernel=kernel, mode=mode)
    assert s.data.sum() == pytest.approx(m.data.sum(), rel=1e-13)
    assert s.data.max() < m.data.max()


# --- maps -----------------------------------------------------------------------------


def test_planes_smoothed_independently_units_kept(cube):
    s = cube.smooth("0.15 deg", kernel="gauss")
    assert s.unit == u.Unit("cm-2 s-1")
    assert s.geom == cube.geom
    assert s.data.dtype == np.float64
    for i in range(2):
        plane = Map.from_geom(cube.geom.to_image(), data=cube.data[i], unit=cube.unit)
        np.testing.assert_allclose(s.data[i], plane.smooth(1.5).data[...], atol=1e-15)
    assert cube.data[0, 10, 10] == 1.0  # the input is unchanged


def test_width_spellings_agree(cube):
    ref = cube.smooth(2.0, kernel="disk").data
    for width in ["0.2 deg", 0.2 * u.deg, "12 arcmin", 2 * u.pix, 2]:
        np.testing.assert_array_equal(cube.smooth(width, kernel="disk").data, ref)


def test_mean_pixel_scale_converts_angles():
    geom = WcsGeom.create(skydir=(0, 0), npix=(21, 21), binsz=(0.1, 0.3), frame="galactic")
    m = Map.from_geom(geom)
    m.data[10, 10] = 1.0
    # mean pixel scale 0.2 deg -> 0.4 deg is 2 pixels
    np.testing.assert_array_equal(m.smooth("0.4 deg").data, m.smooth(2.0).data)


@pytest.mark.parametrize(("case", "values", "sums"), GAMMAPY_SMOOTH)
def test_agrees_with_gammapy(cube, case, values, sums):
    kernel, width, kwargs = case
    s = cube.smooth(width, kernel=kernel, **kwargs)
    np.testing.assert_allclose([s.data[p] for p in PIX], values, rtol=0, atol=1e-10)
    np.testing.assert_allclose(s.data.sum(axis=(1, 2)), sums, rtol=1e-10)


def test_bool_map_agrees_with_gammapy(cube):
    m = Map.from_geom(cube.geom.to_image(), dtype=bool)
    m.data[10, 10] = m.data[10, 11] = True
    s = m.smooth(1.0)
    assert s.data.dtype == np.float64
    got = [s.data[10, 10], s.data[10, 12], s.data[12, 10]]
    np.testing.assert_allclose(got, GAMMAPY_BOOL, rtol=0, atol=1e-10)


def test_nan_spreads_over_kernel_footprint(cube):
    m = cube.copy()
    m.data[0, 10, 10] = np.nan
    # gammapy 2.1 gives the same counts for gauss (9 x 9) and disk (13); for a 3-pixel box
    # it gives 144 (12 x 12: scipy's running-sum uniform filter carries a NaN to the end
    # of the row), here the NaN stays within the 3 x 3 footprint.
    for kernel, width, n_nan in [("gauss", 1.0, 81), ("disk", 2.0, 13), ("box", 3, 9)]:
        counts = np.isnan(m.smooth(width, kernel=kernel).data).sum(axis=(1, 2))
        assert counts.tolist() == [n_nan, 0]


def test_convolve_agrees_with_gammapy(cube):
    kernel = np.arange(9.0).reshape(3, 3)
    for method in ["fft", "direct"]:
        c = cube.convolve(kernel, method=method)
        assert c.unit == cube.unit and c.data.dtype == np.float64
        # gammapy returns float32
        np.testing.assert_allclose([c.data[p] for p in PIX], GAMMAPY_CONVOLVE_F32, atol=2e-6)
    # a point returns the kernel itself, centred on it (a correlation would flip it)
    c = cube.convolve(kernel, method="direct")
    np.testing.assert_allclose(c.data[0, 9:12, 9:12], kernel, atol=1e-12)


def test_convolve_per_plane_kernel(cube):
    kernels = np.stack([np.ones((3, 3)), 2 * np.ones((3, 3))])
    for method in ["fft", "direct"]:
        c = cube.convolve(kernels, method=method)
        assert c.data[0, 10, 10] == pytest.approx(1.0, abs=1e-12)
        assert c.data[1, 12, 10] == pytest.approx(6.0, abs=1e-12)
        assert c.data[1].sum() == pytest.approx(2 * 9 * cube.data[1].sum() - 2 * 3 * 0.5)


def test_smooth_equals_convolve_with_disk_kernel_in_the_interior(cube):
    s = cube.smooth(2.0, kernel="disk", mode="constant")
    c = cube.convolve(disk_kernel(2.0), method="direct")
    np.testing.assert_allclose(s.data, c.data, atol=1e-15)


# --- errors ---------------------------------------------------------------------------


@pytest.mark.parametrize("width", [-1.0, 0, "-0.1 deg", "1 TeV", "abc", np.nan, [1, 2], None])
def test_bad_width(cube, width):
    with pytest.raises(ParameterError, match="width") as info:
        cube.smooth(width)
    assert "positive angle" in str(info.value)


def test_bad_kernel_mode_truncate(cube):
    with pytest.raises(ValueError, match=r"'gauss', 'disk', 'box'.*'tophat'"):
        cube.smooth(1.0, kernel="tophat")
    with pytest.raises(ValueError, match=r"'reflect', 'constant'.*'edge'"):
        cube.smooth(1.0, mode="edge")
    with pytest.raises(ValueError, match="truncate applies to kernel='gauss' only"):
        cube.smooth(1.0, kernel="box", truncate=3.0)


def test_bad_convolve_arguments(cube):
    with pytest.raises(ValueError, match=r"does not fit data of shape \(2, 21, 21\)"):
        cube.convolve(np.ones((3, 3, 3)))
    with pytest.raises(ValueError, match="does not fit"):
        cube.convolve(np.ones(3))
    with pytest.raises(ValueError, match="mode must be 'same'"):
        cube.convolve(np.ones((3, 3)), mode="full")
    with pytest.raises(ValueError, match=r"'fft', 'direct'"):
        cube.convolve(np.ones((3, 3)), method="auto")


def test_region_map_cannot_smooth():
    m = Map.create(region="icrs;circle(83.63, 22.01, 0.1)")
    with pytest.raises(TypeError, match=r"RegionNDMap\.smooth.*WcsNDMap"):
        m.smooth(1.0)
