"""CameraDisplay geometry: one polygon per pixel with the right size, place and rotation."""

import json

import astropy.units as u
import attrs
import numpy as np
import pytest

from cherenkit.instrument import CameraGeometry
from cherenkit.visualization import CameraDisplay
from cherenkit.visualization._pixels import (
    CIRCLE_VERTICES,
    drawing_rotation,
    layout_rotation,
    shape_rotation,
    unit_polygon,
)


def polygons(collection):
    """Vertices of every polygon of a collection, without the closing vertex."""
    out = []
    for path in collection.get_paths():
        vertices = path.vertices
        if len(vertices) > 1 and np.allclose(vertices[0], vertices[-1]):
            vertices = vertices[:-1]
        out.append(vertices)
    return np.array(out)


def shoelace_area(vertices):
    x, y = vertices[..., 0], vertices[..., 1]
    return 0.5 * np.abs(np.sum(x * np.roll(y, -1, axis=-1) - np.roll(x, -1, axis=-1) * y, axis=-1))


def telescope_lst(lst_geometry):
    return lst_geometry.transform_to_telescope_frame(28 * u.m)


@pytest.mark.parametrize(
    ("camera", "n_vertices", "circumradius_per_width"),
    [
        ("LST", 6, 1 / np.sqrt(3)),  # hexagon: width is flat to flat
        ("MST", 6, 1 / np.sqrt(3)),
        ("SST", 4, 1 / np.sqrt(2)),  # square: width is the side
    ],
)
def test_one_polygon_per_pixel_with_the_pixel_area(
    toy_geometry, axes, camera, n_vertices, circumradius_per_width
):
    geometry = toy_geometry(camera)
    display = CameraDisplay(geometry, ax=axes)
    vertices = polygons(display.pixels)
    assert vertices.shape == (geometry.n_pixels, n_vertices, 2)
    # centred on the pixels (the mean of a regular polygon's vertices is its centre)
    np.testing.assert_allclose(
        vertices.mean(axis=1)[:, 0], geometry.pix_x.to_value(u.m), atol=1e-12
    )
    np.testing.assert_allclose(
        vertices.mean(axis=1)[:, 1], geometry.pix_y.to_value(u.m), atol=1e-12
    )
    # every vertex at the circumradius the area implies
    centre = vertices.mean(axis=1, keepdims=True)
    distance = np.linalg.norm(vertices - centre, axis=-1)
    expected = circumradius_per_width * geometry.pixel_width.to_value(u.m)
    np.testing.assert_allclose(
        distance, np.broadcast_to(expected[:, None], distance.shape), rtol=1e-9
    )
    # and the polygon has exactly the pixel area
    np.testing.assert_allclose(
        shoelace_area(vertices), geometry.pix_area.to_value(u.m**2), rtol=1e-6
    )


def test_telescope_frame_polygons_are_in_degrees_with_the_pixel_solid_angle(lst_geometry, axes):
    geometry = telescope_lst(lst_geometry)
    vertices = polygons(CameraDisplay(geometry, ax=axes).pixels)
    assert vertices.shape == (1855, 6, 2)
    np.testing.assert_allclose(
        shoelace_area(vertices), geometry.pix_area.to_value(u.deg**2), rtol=1e-6
    )
    # 50 mm at 28 m is 0.1023 deg: the pixel centres are 0.1023 deg apart
    np.testing.assert_allclose(
        vertices.mean(axis=1)[:, 0], geometry.pix_x.to_value(u.deg), atol=1e-12
    )
    assert abs(axes.get_xlim()[1]) < 5  # drawn in deg, not rad or m


@pytest.mark.parametrize("camera", ["LST", "SST"])
def test_neighbouring_pixels_share_a_whole_side(toy_geometry, axes, camera):
    """The toy cameras' pixels are as wide as the pitch: every neighbour pair shares 2 vertices."""
    geometry = toy_geometry(camera)
    vertices = polygons(CameraDisplay(geometry, ax=axes).pixels)
    pairs = geometry.neighbor_pairs
    a, b = vertices[pairs[:, 0]], vertices[pairs[:, 1]]
    close = np.linalg.norm(a[:, :, None, :] - b[:, None, :, :], axis=-1) < 1e-9
    shared = close.any(axis=2).sum(axis=1)
    assert len(pairs) > 3000
    np.testing.assert_array_equal(shared, 2)


def test_real_cameras_turn_their_sides_towards_the_neighbours(reference_dir, axes):
    """LSTCam (pix_rotation 100.9 deg), FlashCam and CHEC from ctapipe: a side faces each neighbour.

    The direction from a pixel to a neighbour must bisect a side, i.e. lie 30 deg
    (hexagons) or 45 deg (squares) from the nearest vertex. FlashCam's pix_rotation
    (0 deg) would point corners at its neighbours (ctapipe 0.28 draws it so, with
    overlaps and gaps); the display turns its hexagons to the layout's 30 deg.
    """
    directory = reference_dir / "ctapipe"
    cameras = json.loads((directory / "toy_images.json").read_text())["cameras"]
    npz = np.load(directory / "toy_images.npz")
    for name, half_side_angle in [("LSTCam", 30), ("FlashCam", 30), ("CHEC", 45)]:
        info = cameras[name]["geometry"]
        geometry = CameraGeometry(
            name=name,
            pix_id=npz[f"{name}_pix_id"],
            pix_x=npz[f"{name}_pix_x_m"] * u.m,
            pix_y=npz[f"{name}_pix_y_m"] * u.m,
            pix_area=npz[f"{name}_pix_area_m2"] * u.m**2,
            pix_type=info["pix_type"],
            pix_rotation=info["pix_rotation_deg"] * u.deg,
            cam_rotation=info["cam_rotation_deg"] * u.deg,
        )
        vertices = polygons(CameraDisplay(geometry, ax=axes).pixels)
        pairs = geometry.neighbor_pairs
        centre = np.column_stack([geometry.pix_x.to_value(u.m), geometry.pix_y.to_value(u.m)])
        towards = np.arctan2(*(centre[pairs[:, 1]] - centre[pairs[:, 0]]).T[::-1])
        corner = vertices[pairs[:, 0]] - centre[pairs[:, 0], None, :]
        corner_angle = np.arctan2(corner[..., 1], corner[..., 0])
        offset = np.rad2deg(np.abs(np.angle(np.exp(1j * (corner_angle - towards[:, None])))))
        # within 1 deg: CHEC's modules sit on a curved focal plane, some rows turn 0.9 deg
        np.testing.assert_allclose(offset.min(axis=1), half_side_angle, atol=1.0, err_msg=name)


def test_circle_pixels_are_polygons_on_the_circle(axes):
    square = CameraGeometry.make_rectangular(n_x=4, n_y=3)
    geometry = attrs.evolve(
        square, pix_type="circle", pix_area=np.full(12, np.pi * 0.1**2) * u.m**2
    )
    vertices = polygons(CameraDisplay(geometry, ax=axes).pixels)
    assert vertices.shape == (12, CIRCLE_VERTICES, 2)
    centre = np.column_stack([geometry.pix_x.to_value(u.m), geometry.pix_y.to_value(u.m)])
    np.testing.assert_allclose(np.linalg.norm(vertices - centre[:, None], axis=-1), 0.1, rtol=1e-12)


def test_pix_rotation_turns_each_polygon_about_its_centre(lst_geometry, axes):
    turned = lst_geometry.rotate(15 * u.deg)  # positions and pixel shapes together
    assert turned.pix_rotation == 15 * u.deg
    vertices = polygons(CameraDisplay(turned, ax=axes).pixels)
    offsets = vertices[0] - vertices[0].mean(axis=0)
    angles = np.sort(np.rad2deg(np.arctan2(offsets[:, 1], offsets[:, 0])) % 360)
    # pointy-topped at 0 deg: vertices at 30 + 60 k; turned by 15 deg: 45 + 60 k
    np.testing.assert_allclose(angles, 45 + 60 * np.arange(6), atol=1e-9)


@pytest.mark.parametrize(("pix_rotation", "drawn"), [(60, 60), (30, 0), (-20, 0), (0.5, 0.5)])
def test_a_pix_rotation_that_cannot_tile_gives_way_to_the_layout(
    lst_geometry, axes, pix_rotation, drawn
):
    """Hexagons whose corners would point at their neighbours are turned to face them."""
    geometry = attrs.evolve(lst_geometry, pix_rotation=pix_rotation * u.deg)
    assert np.rad2deg(layout_rotation(geometry)) == pytest.approx(0, abs=1e-9)
    assert np.rad2deg(drawing_rotation(geometry)) == pytest.approx(drawn, abs=1e-9)
    vertices = polygons(CameraDisplay(geometry, ax=axes).pixels)
    offsets = vertices[0] - vertices[0].mean(axis=0)
    angles = np.sort(np.rad2deg(np.arctan2(offsets[:, 1], offsets[:, 0])) % 60)
    np.testing.assert_allclose(angles, (30 + drawn) % 60, atol=1e-9)


def _same_modulo(a_rad, b_rad, period_deg):
    offset = (np.rad2deg(a_rad - b_rad) + period_deg / 2) % period_deg - period_deg / 2
    return abs(offset) < 1e-6


def test_telescope_frame_pix_rotation_is_drawn_mirrored_and_agrees_with_the_layout(lst_geometry):
    """In the telescope frame pix_rotation is measured from fov_lon (pix_y), like psi.

    transform_to_telescope_frame turns 0 deg into 90 deg; drawn as 90 deg from the
    horizontal axis, hexagons would point corners at their neighbours. Mirrored, the
    pix_rotation itself gives the tiling orientation (the layout is not needed).
    """
    for geometry in (lst_geometry, lst_geometry.rotate(40.893 * u.deg)):
        sky = geometry.transform_to_telescope_frame(28 * u.m)
        assert sky.pix_rotation == 90 * u.deg - geometry.pix_rotation
        assert _same_modulo(shape_rotation(sky), shape_rotation(geometry), 60)
        assert _same_modulo(shape_rotation(sky), layout_rotation(sky), 60)
        assert drawing_rotation(sky) == shape_rotation(sky)


def test_layout_rotation_needs_a_regular_grid():
    scattered = CameraGeometry(
        name="scattered",
        pix_id=np.arange(5),
        pix_x=[0.0, 1.0, 0.1, 2.3, 1.7] * u.m,
        pix_y=[0.0, 0.2, 1.1, 0.8, 2.0] * u.m,
        pix_area=np.full(5, 0.5) * u.m**2,
        pix_type="hexagon",
        pix_rotation=10 * u.deg,
    )
    assert layout_rotation(scattered) is None
    assert drawing_rotation(scattered) == pytest.approx(np.deg2rad(10))
    assert layout_rotation(attrs.evolve(scattered, pix_type="circle")) is None


def test_unit_polygon_names_the_valid_shapes():
    with pytest.raises(
        ValueError, match=r"unknown pixel shape 'octagon'; expected one of 'hexagon'"
    ):
        unit_polygon("octagon")


def test_cam_rotation_is_applied_to_pixels_and_overlays(lst_geometry, lst_image, axes):
    from cherenkit.image import hillas_parameters

    rotated = attrs.evolve(lst_geometry, cam_rotation=20 * u.deg)
    display = CameraDisplay(rotated, lst_image, ax=axes)
    expected = CameraDisplay(rotated.derotate(), lst_image, ax=axes)
    np.testing.assert_allclose(polygons(display.pixels), polygons(expected.pixels), atol=1e-12)
    # Hillas of the stored (not yet rotated) positions lands where the derotated one is
    drawn = display.overlay_moments(hillas_parameters(rotated, lst_image)).ellipse
    truth = hillas_parameters(rotated.derotate(), lst_image)
    np.testing.assert_allclose(
        drawn.center, (truth.x.to_value(u.m), truth.y.to_value(u.m)), atol=1e-9
    )
    assert drawn.angle == pytest.approx(truth.psi.to_value(u.deg), abs=1e-6)


def test_axes_labels_units_title_and_equal_aspect(lst_geometry, axes):
    display = CameraDisplay(lst_geometry, ax=axes)
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("x / m", "y / m")
    assert axes.get_title() == "ToyLSTCam" == display.title
    assert axes.get_aspect() == 1.0
    x0, x1 = axes.get_xlim()
    assert (
        x0 < lst_geometry.pix_x.to_value(u.m).min() and x1 > lst_geometry.pix_x.to_value(u.m).max()
    )
    display.title = "event 7, tel 1"
    assert axes.get_title() == "event 7, tel 1"


def test_telescope_frame_axes_are_named_after_the_frame(lst_geometry, axes):
    CameraDisplay(telescope_lst(lst_geometry), ax=axes, title="LST")
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("fov_lat / deg", "fov_lon / deg")
    assert axes.get_title() == "LST"


def test_display_draws_on_the_current_axes_without_an_axes_argument(lst_geometry, axes):
    import matplotlib.pyplot as plt

    plt.sca(axes)
    assert CameraDisplay(lst_geometry).axes is axes


def test_a_non_geometry_is_refused(axes):
    with pytest.raises(
        TypeError, match=r"CameraDisplay needs a cherenkit\.instrument\.CameraGeometry, got dict"
    ):
        CameraDisplay({"pix_x": [0.0]}, ax=axes)
