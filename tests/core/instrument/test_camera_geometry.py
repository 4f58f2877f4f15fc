"""CameraGeometry on small hand-made cameras: construction, errors, derived arrays."""

import astropy.units as u
import attrs
import numpy as np
import pytest
from astropy.table import Table

from cherenkit.errors import DataFormatError, ParameterError
from cherenkit.instrument import CameraGeometry, find_neighbor_pairs


def hex_camera(n_rings=2, pitch=0.05):
    """A hexagonal camera: 1 + 3 n (n + 1) pixels on a flat-topped hex grid (m)."""
    q, r = np.meshgrid(np.arange(-n_rings, n_rings + 1), np.arange(-n_rings, n_rings + 1))
    q, r = q.ravel(), r.ravel()
    keep = np.abs(q + r) <= n_rings
    q, r = q[keep], r[keep]
    x = pitch * (q + r / 2)
    y = pitch * r * np.sqrt(3) / 2
    area = np.full(len(x), np.sqrt(3) / 2 * pitch**2)
    return CameraGeometry(
        name="HexCam",
        pix_id=np.arange(len(x)),
        pix_x=x * u.m,
        pix_y=y * u.m,
        pix_area=area * u.m**2,
        pix_type="hexagonal",
    )


def kwargs(**changes):
    base = dict(
        name="Tiny",
        pix_id=np.arange(3),
        pix_x=[0.0, 1.0, 2.0] * u.m,
        pix_y=[0.0, 0.0, 0.0] * u.m,
        pix_area=[1.0, 1.0, 1.0] * u.m**2,
        pix_type="square",
    )
    return {**base, **changes}


# --- construction and validation ------------------------------------------------------


def test_fields_are_normalised_and_read_only():
    geom = CameraGeometry(**kwargs(pix_type="RECTANGULAR", pix_rotation="10 deg"))
    assert geom.pix_type == "square"
    assert geom.pix_rotation.to_value(u.deg) == pytest.approx(10)
    assert geom.cam_rotation.to_value(u.deg) == 0 and geom.frame == "camera"
    assert geom.pix_id.dtype == np.int64
    with pytest.raises(ValueError, match="read-only"):
        geom.pix_x[0] = 5 * u.m
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        geom.name = "Other"


@pytest.mark.parametrize(
    ("alias", "shape"),
    [
        ("hexagonal", "hexagon"),
        ("HEXAGON", "hexagon"),
        ("hex", "hexagon"),
        ("Square", "square"),
        ("rectangular", "square"),
        ("circular", "circle"),
    ],
)
def test_pixel_shape_aliases(alias, shape):
    assert CameraGeometry(**kwargs(pix_type=alias)).pix_type == shape


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"pix_y": [0.0, 1.0] * u.m},
            "CameraGeometry.pix_y: has 2 entries but pix_id has 3: every per-pixel array "
            "needs one entry per pixel",
        ),
        (
            {"pix_area": [1.0, 1.0, 1.0, 1.0] * u.m**2},
            "CameraGeometry.pix_area: has 4 entries but pix_id has 3",
        ),
        (
            {"pix_type": "triangle"},
            "CameraGeometry.pix_type: unknown pixel shape 'triangle'; expected one of "
            "'hexagon', 'square', 'circle' (aliases such as 'hexagonal', 'rectangular' "
            "and upper case are accepted)",
        ),
        (
            {"pix_x": [0.0, 1.0, 2.0]},
            "CameraGeometry.pix_x: expected a Quantity with a unit of length or angle, "
            "got [0.0, 1.0, 2.0]",
        ),
        (
            {"pix_x": [0.0, 1.0, 2.0] * u.deg},
            "CameraGeometry.pix_x: a geometry in the 'camera' frame needs a unit of length, "
            "got deg",
        ),
        (
            {"pix_area": [1.0, 1.0, 1.0] * u.deg**2},
            "CameraGeometry.pix_area: expected a unit of m2 (pix_x unit squared), got deg2",
        ),
        (
            {"pix_rotation": 5},
            "CameraGeometry.pix_rotation: expected a Quantity with a unit of angle, got 5",
        ),
        (
            {"frame": "sky"},
            "CameraGeometry.frame: got 'sky', expected one of 'camera', 'telescope'",
        ),
        (
            {"pix_id": [0.5, 1, 2]},
            "CameraGeometry.pix_id: expected a 1-d array of integers, got [0.5, 1, 2]",
        ),
        ({"name": ""}, "CameraGeometry.name: expected a non-empty string, got ''"),
    ],
)
def test_bad_input_one_clear_error(changes, message):
    with pytest.raises(ParameterError) as info:
        CameraGeometry(**kwargs(**changes))
    assert str(info.value).startswith(message)
    assert info.value.owner == "CameraGeometry"


def test_equality_and_hash():
    a = CameraGeometry(**kwargs())
    b = CameraGeometry(**kwargs(pix_x=[0.0, 100.0, 200.0] * u.cm))
    assert a == b and hash(a) == hash(b)
    assert a != CameraGeometry(**kwargs(pix_x=[0.0, 1.0, 2.5] * u.m))
    assert a != CameraGeometry(**kwargs(pix_rotation=1 * u.deg))
    assert len({a, b}) == 1
    a.neighbor_pairs  # noqa: B018 - the cache takes no part in equality
    assert a == b


def test_repr_is_short():
    geom = hex_camera()
    assert repr(geom) == (
        "CameraGeometry(name='HexCam', pix_type='hexagon', n_pixels=19, "
        "pix_rotation=0.000 deg, cam_rotation=0.000 deg, frame='camera')"
    )
    assert str(geom) == "HexCam"


# --- neighbours and border --------------------------------------------------------------


def test_hexagonal_neighbors():
    geom = hex_camera(n_rings=2)  # 19 pixels: 1 centre, 6 inner, 12 outer
    assert geom.n_pixels == len(geom) == 19
    counts = np.bincount(geom.n_neighbors)
    # centre and inner ring: 6; outer corners 3, outer edges 4
    assert counts[6] == 7 and counts[3] == 6 and counts[4] == 6
    # 19 pixels: 3 * 6 inner bonds ... counted: sum of degrees / 2
    assert len(geom.neighbor_pairs) == (7 * 6 + 6 * 3 + 6 * 4) // 2 == 42
    assert geom.max_neighbors == 6
    assert geom.get_border_pixel_mask().sum() == 12
    assert geom.get_border_pixel_mask(2).sum() == 18
    assert geom.get_border_pixel_mask(3).sum() == 19


def test_square_neighbors_have_no_diagonals():
    geom = CameraGeometry.make_rectangular(n_x=3, n_y=3)
    expected = [[0, 1], [0, 3], [1, 2], [1, 4], [2, 5], [3, 4], [3, 6], [4, 5], [4, 7],
                [5, 8], [6, 7], [7, 8]]  # fmt: skip
    np.testing.assert_array_equal(geom.neighbor_pairs, expected)
    np.testing.assert_array_equal(geom.neighbors[4], [1, 3, 5, 7])
    assert geom.get_border_pixel_mask().tolist() == [True] * 4 + [False] + [True] * 4
    # hand computed: 4 side pixels 0.5 m from the centre, 4 corners 0.5 sqrt(2) m
    assert geom.guess_radius().to_value(u.m) == pytest.approx((0.5 + 0.5 * np.sqrt(2)) / 2)


def test_neighbor_rule_is_relative_to_each_pixels_pitch():
    # two modules of 2x2 pixels (pitch 1) with a gap of 1.4 between them: pixels
    # at the gap see their nearest pixel at 1, and 1.4 < 1.5 * 1 in L1 ...
    x = np.array([0, 1, 0, 1, 2.4, 3.4, 2.4, 3.4])
    y = np.array([0, 0, 1, 1, 0, 0, 1, 1])
    pairs = find_neighbor_pairs(x, y, "square")
    assert [1, 4] in pairs.tolist() and [3, 6] in pairs.tolist()
    # ... while a gap of 1.6 splits the modules
    pairs = find_neighbor_pairs(np.where(x > 2, x + 0.2, x), y, "square")
    assert pairs.max(initial=0) <= 7 and not any(i < 4 <= j for i, j in pairs)
    assert len(pairs) == 8


def test_neighbor_edge_cases():
    assert find_neighbor_pairs(np.array([0.0]), np.array([0.0]), "hexagon").shape == (0, 2)
    assert find_neighbor_pairs(np.zeros(0), np.zeros(0), "square").shape == (0, 2)
    two = find_neighbor_pairs(np.array([0.0, 1.0]), np.array([0.0, 0.0]), "hexagon")
    np.testing.assert_array_equal(two, [[0, 1]])
    single = CameraGeometry(**kwargs(pix_id=[0], pix_x=[0] * u.m, pix_y=[0] * u.m,
                                     pix_area=[1] * u.m**2))  # fmt: skip
    assert single.neighbor_matrix.shape == (1, 1) and not single.neighbor_matrix.any()
    assert single.get_border_pixel_mask().tolist() == [False]


def test_derived_arrays_are_cached_and_read_only():
    geom = hex_camera()
    assert geom.neighbor_matrix is geom.neighbor_matrix
    assert geom.neighbor_matrix_sparse is geom.neighbor_matrix_sparse
    for array in (geom.neighbor_pairs, geom.neighbor_matrix, geom.n_neighbors,
                  geom.get_border_pixel_mask()):  # fmt: skip
        assert not array.flags.writeable


@pytest.mark.parametrize("width", [0, -1, 1.5, True])
def test_border_width_must_be_positive_int(width):
    with pytest.raises(
        ParameterError, match=r"get_border_pixel_mask\.width: expected an integer >= 1"
    ):
        hex_camera().get_border_pixel_mask(width)


# --- slicing -------------------------------------------------------------------------------


def test_slicing_with_mask_index_and_slice():
    geom = CameraGeometry.make_rectangular(n_x=3, n_y=3)
    mask = np.zeros(9, bool)
    mask[[0, 1, 3, 4]] = True
    for selection in (mask, np.array([0, 1, 3, 4]), [0, 1, 3, 4]):
        sub = geom[selection]
        assert sub.n_pixels == 4 and sub.name == geom.name and sub.pix_type == "square"
        np.testing.assert_array_equal(sub.pix_id, [0, 1, 3, 4])
        # induced sub-graph: the 2x2 square keeps its 4 edges
        np.testing.assert_array_equal(sub.neighbor_pairs, [[0, 1], [0, 2], [1, 3], [2, 3]])
    assert geom[2:5].n_pixels == 3


def test_slicing_does_not_join_pixels_across_a_cut():
    geom = CameraGeometry.make_rectangular(n_x=3, n_y=1)
    ends = geom[np.array([True, False, True])]
    assert len(ends.neighbor_pairs) == 0  # searching again would pair them


def test_slicing_with_repeated_indices_searches_again():
    geom = CameraGeometry.make_rectangular(n_x=3, n_y=1)
    sub = geom[np.array([0, 0, 1])]
    assert sub.n_pixels == 3 and len(sub.neighbor_pairs) >= 1


@pytest.mark.parametrize("selection", [np.ones(4, bool), np.ones((3, 3), bool)])
def test_bad_selection(selection):
    with pytest.raises(ParameterError) as info:
        CameraGeometry(**kwargs())[selection]
    assert str(info.value).startswith(
        "CameraGeometry.selection: expected a boolean mask of 3 pixels, an index array or a slice"
    )


# --- rotation, frames, tables --------------------------------------------------------------


def test_rotate_and_derotate():
    geom = CameraGeometry.make_rectangular(n_x=2, n_y=1, range_x=(0, 1), range_y=(0, 0))
    turned = geom.rotate(90 * u.deg)
    np.testing.assert_allclose(turned.pix_x.to_value(u.m), [0, 0], atol=1e-15)
    np.testing.assert_allclose(turned.pix_y.to_value(u.m), [0, 1])
    assert turned.pix_rotation.to_value(u.deg) == pytest.approx(90)
    rotated = attrs.evolve(geom, cam_rotation=30 * u.deg, pix_rotation=10 * u.deg)
    flat = rotated.derotate()
    assert flat.cam_rotation.to_value(u.deg) == 0 and flat.pix_rotation.to_value(
        u.deg
    ) == pytest.approx(-20)
    np.testing.assert_allclose(flat.pix_y.to_value(u.m), [0, -0.5])  # turned by -30 deg
    assert geom.derotate() is geom
    with pytest.raises(
        ParameterError, match=r"CameraGeometry\.rotate\.angle: expected a scalar angle"
    ):
        geom.rotate(5)


def test_telescope_frame_mapping():
    geom = CameraGeometry(**kwargs(pix_x=[0.1, 0.0, 0.0] * u.m, pix_y=[0.0, 0.2, 0.0] * u.m,
                                   pix_rotation=10 * u.deg))  # fmt: skip
    tf = geom.transform_to_telescope_frame(10 * u.m)
    # pix_x is fov_lat = x / f, pix_y is fov_lon = y / f
    np.testing.assert_allclose(tf.pix_x.to_value(u.rad), [0.01, 0, 0])
    np.testing.assert_allclose(tf.pix_y.to_value(u.rad), [0, 0.02, 0])
    np.testing.assert_allclose(tf.pix_area.to_value(u.sr), [0.01] * 3)
    assert tf.pix_rotation.to_value(u.deg) == pytest.approx(80)
    assert tf.frame == "telescope"
    with pytest.raises(ParameterError, match="already in the 'telescope' frame"):
        tf.transform_to_telescope_frame(10 * u.m)
    with pytest.raises(ParameterError, match="already in the 'camera' frame"):
        geom.transform_to_camera_frame(10 * u.m)


@pytest.mark.parametrize("focal_length", [0 * u.m, -1 * u.m, np.nan * u.m, 5 * u.deg, 5])
def test_bad_focal_length(focal_length):
    with pytest.raises(ParameterError, match=r"CameraGeometry\.focal_length: expected a positive"):
        CameraGeometry(**kwargs()).transform_to_telescope_frame(focal_length)


def test_pixel_width():
    geom = hex_camera(pitch=0.05)
    np.testing.assert_allclose(geom.pixel_width.to_value(u.m), 0.05)
    assert CameraGeometry.guess_pixel_width(geom.pix_x, geom.pix_y).to_value(u.m) == (
        pytest.approx(0.05)
    )
    square = CameraGeometry.make_rectangular(n_x=3, n_y=3)
    np.testing.assert_allclose(square.pixel_width.to_value(u.m), 0.5)
    with pytest.raises(ParameterError, match="need at least 2 pixels"):
        CameraGeometry.guess_pixel_width([0] * u.m, [0] * u.m)


def test_table_round_trip(tmp_path):
    geom = hex_camera()
    table = geom.to_table()
    assert table.colnames == ["pix_id", "pix_x", "pix_y", "pix_area"]
    assert table.meta["PIX_TYPE"] == "hexagon" and table.meta["CAM_ID"] == "HexCam"
    assert CameraGeometry.from_table(table) == geom
    path = tmp_path / "geom.ecsv"
    table.write(path)
    assert CameraGeometry.from_table(path) == geom


def test_table_from_ctapipe_layout():
    table = Table(
        {"pix_id": [0, 1], "pix_x": [0, 1] * u.m, "pix_y": [0, 0] * u.m,
         "pix_area": [1, 1] * u.m**2},
        meta={"TAB_VER": "1.1", "PIX_TYPE": "rectangular", "CAM_ID": "Old", "PIX_ROT": 0.0,
              "CAM_ROT": 0.0},
    )  # fmt: skip
    geom = CameraGeometry.from_table(table)
    assert geom.pix_type == "square" and geom.name == "Old"


def test_bad_tables():
    good = hex_camera().to_table()
    bad_version = good.copy()
    bad_version.meta["TAB_VER"] = "9"
    with pytest.raises(DataFormatError) as info:
        CameraGeometry.from_table(bad_version)
    assert str(info.value) == (
        "<table>: unsupported camera geometry table version '9'; readable: 1, 1.0, 1.1, 2.0"
    )
    del good["pix_area"]
    with pytest.raises(DataFormatError, match="camera geometry table lacks pix_area"):
        CameraGeometry.from_table(good)


def test_slicing_skips_validation_but_equals_a_validated_subset():
    geom = CameraGeometry.make_rectangular(n_x=6, n_y=5)
    mask = np.zeros(geom.n_pixels, bool)
    mask[[3, 4, 10, 11, 12]] = True
    fast = geom[mask]
    validated = attrs.evolve(
        geom,
        pix_id=geom.pix_id[mask],
        pix_x=geom.pix_x[mask],
        pix_y=geom.pix_y[mask],
        pix_area=geom.pix_area[mask],
    )
    assert fast == validated
    assert fast.n_pixels == 5 and fast.pix_rotation == geom.pix_rotation
    with pytest.raises(ValueError, match="read-only"):
        fast.pix_x.value[0] = 1.0
    # neighbours of a slice are the parent's pairs between selected pixels, renumbered
    index = np.flatnonzero(mask)
    expected = [
        [int(np.searchsorted(index, i)), int(np.searchsorted(index, j))]
        for i, j in geom.neighbor_pairs
        if mask[i] and mask[j]
    ]
    assert fast.neighbor_pairs.tolist() == expected and len(expected) > 0
