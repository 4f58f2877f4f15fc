"""Camera geometries against ctapipe 0.28: neighbours, border, telescope frame.

Every camera type of every reference file is checked; a failure names the file
and the type string.
"""

import json

import astropy.units as u
import numpy as np
import pytest

from cherenkit.instrument import CameraGeometry

from _instrument_reference import REFERENCE_FILES


def _types(ref):
    for index, ttype in enumerate(ref.info["subarray"]["telescope_types"]):
        label = f"{ref.name} type{index} {ttype['type_str']}"
        yield label, index, ttype, ref.types[index].camera.geometry


@pytest.mark.parametrize("name", REFERENCE_FILES)
def test_neighbor_pairs_identical(ctapipe_reference, name):
    ref = ctapipe_reference(name)
    for label, index, ttype, geom in _types(ref):
        expected = ref.npz[f"type{index}_neighbor_pairs"]
        assert geom.neighbor_pairs.dtype == np.int64, label
        np.testing.assert_array_equal(geom.neighbor_pairs, expected, err_msg=label)
        assert len(geom.neighbor_pairs) == ttype["geometry"]["n_neighbor_pairs"], label


@pytest.mark.parametrize("name", REFERENCE_FILES)
def test_neighbor_counts(ctapipe_reference, name):
    ref = ctapipe_reference(name)
    for label, index, ttype, geom in _types(ref):
        np.testing.assert_array_equal(
            geom.n_neighbors, ref.npz[f"type{index}_n_neighbors"], err_msg=label
        )
        values, counts = np.unique(geom.n_neighbors, return_counts=True)
        histogram = {str(v): int(c) for v, c in zip(values, counts, strict=True)}
        assert histogram == ttype["geometry"]["n_neighbors_histogram"], label
        # the three views of the adjacency agree with each other
        dense = geom.neighbor_matrix
        assert (dense == dense.T).all(), label
        np.testing.assert_array_equal(dense.sum(axis=1), geom.n_neighbors, err_msg=label)
        np.testing.assert_array_equal(geom.neighbor_matrix_sparse.toarray(), dense)
        assert [len(n) for n in geom.neighbors] == list(geom.n_neighbors), label


@pytest.mark.parametrize("name", REFERENCE_FILES)
def test_geometry_summary(ctapipe_reference, name):
    ref = ctapipe_reference(name)
    for label, _, ttype, geom in _types(ref):
        info = ttype["geometry"]
        assert geom.n_pixels == len(geom) == info["n_pixels"], label
        assert geom.pix_type == info["pix_type_value"], label
        assert geom.pix_rotation.to_value(u.deg) == info["pix_rotation_deg"], label
        assert u.isclose(geom.pix_area.sum(), info["pix_area_sum_m2"] * u.m**2, rtol=1e-12)
        assert geom.pix_x.min().to_value(u.m) == info["pix_x_min_m"], label
        assert geom.pix_y.max().to_value(u.m) == info["pix_y_max_m"], label


@pytest.mark.parametrize("name", REFERENCE_FILES)
def test_border_pixels(ctapipe_reference, name):
    ref = ctapipe_reference(name)
    for label, _, _, geom in _types(ref):
        border = geom.get_border_pixel_mask()
        # width 1 = the pixels with fewer neighbours than the best-connected one
        assert border.sum() == (geom.n_neighbors < geom.max_neighbors).sum() > 0, label
        assert geom.max_neighbors == (6 if geom.pix_type == "hexagon" else 4), label
        # each further width adds exactly the neighbours of the previous border
        previous = border
        for width in (2, 3):
            mask = geom.get_border_pixel_mask(width)
            touching = geom.neighbor_matrix[:, previous].any(axis=1)
            np.testing.assert_array_equal(mask, previous | touching, err_msg=label)
            # ctapipe's recursion keeps only `touching`; on these cameras it is the same
            np.testing.assert_array_equal(mask, touching, err_msg=label)
            assert mask.sum() > previous.sum(), label
            previous = mask
        assert geom.get_border_pixel_mask(2) is geom.get_border_pixel_mask(2)  # cached


@pytest.mark.parametrize("name", REFERENCE_FILES)
def test_telescope_frame(ctapipe_reference, name):
    ref = ctapipe_reference(name)
    for label, index, ttype, geom in _types(ref):
        focal_length = ttype["geometry"]["frame_focal_length_m"] * u.m
        tf = geom.transform_to_telescope_frame(focal_length)
        assert tf.frame == "telescope" and tf.unit == u.deg, label
        p = f"type{index}_tf_"
        # ctapipe: fov_lon = y / f, fov_lat = x / f
        np.testing.assert_allclose(
            tf.pix_y.to_value(u.deg), ref.npz[p + "pix_fov_lon_deg"], rtol=1e-12, atol=1e-13
        )
        np.testing.assert_allclose(
            tf.pix_x.to_value(u.deg), ref.npz[p + "pix_fov_lat_deg"], rtol=1e-12, atol=1e-13
        )
        np.testing.assert_allclose(
            tf.pix_area.to_value(u.deg**2), ref.npz[p + "pix_area_deg2"], rtol=1e-12
        )
        # neighbours carry over, and are found again from the angles alone
        np.testing.assert_array_equal(tf.neighbor_pairs, geom.neighbor_pairs, err_msg=label)
        fresh = CameraGeometry.from_table(tf.to_table())
        np.testing.assert_array_equal(fresh.neighbor_pairs, geom.neighbor_pairs, err_msg=label)
        back = tf.transform_to_camera_frame(focal_length)
        np.testing.assert_allclose(back.pix_x.to_value(u.m), geom.pix_x.to_value(u.m), atol=1e-15)
        assert u.isclose(back.pix_rotation, geom.pix_rotation), label


def test_toy_image_geometries(reference_dir):
    """The four cameras of the toy-image reference (geometries of gamma_merged)."""
    info = json.loads((reference_dir / "ctapipe" / "toy_images.json").read_text())
    with np.load(reference_dir / "ctapipe" / "toy_images.npz") as npz:
        for cam, cam_info in info["cameras"].items():
            g = cam_info["geometry"]
            geom = CameraGeometry(
                name=cam,
                pix_id=npz[f"{cam}_pix_id"],
                pix_x=npz[f"{cam}_pix_x_m"] * u.m,
                pix_y=npz[f"{cam}_pix_y_m"] * u.m,
                pix_area=npz[f"{cam}_pix_area_m2"] * u.m**2,
                pix_type=g["pix_type_value"],
                pix_rotation=g["pix_rotation_deg"] * u.deg,
            )
            np.testing.assert_array_equal(geom.neighbor_pairs, npz[f"{cam}_neighbor_pairs"])
            np.testing.assert_array_equal(geom.n_neighbors, npz[f"{cam}_n_neighbors"])
            assert len(geom.neighbor_pairs) == g["n_neighbor_pairs"], cam


def test_slicing_reference_camera(ctapipe_reference):
    """``geometry[mask]`` keeps the pairs among the selected pixels, renumbered."""
    geom = ctapipe_reference("lst_muons").types[0].camera.geometry
    mask = geom.pix_x > 0 * u.m
    sliced = geom[mask]
    assert sliced.n_pixels == mask.sum()
    np.testing.assert_array_equal(sliced.pix_id, geom.pix_id[mask])
    np.testing.assert_array_equal(sliced.pix_area, geom.pix_area[mask])
    old = np.flatnonzero(mask)
    expected = {(int(i), int(j)) for i, j in geom.neighbor_pairs if mask[i] and mask[j]}
    got = {(int(old[i]), int(old[j])) for i, j in sliced.neighbor_pairs}
    assert got == expected
    # here the cut is a straight line, so searching again finds the same pairs
    fresh = CameraGeometry.from_table(sliced.to_table())
    np.testing.assert_array_equal(fresh.neighbor_pairs, sliced.neighbor_pairs)
