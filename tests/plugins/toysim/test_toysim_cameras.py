"""Built-in toy cameras and layouts: pixel counts, areas, neighbours, readout, optics."""

import astropy.units as u
import numpy as np
import pytest

from cherenkit.instrument import SubarrayDescription
from cherenkit_toysim.cameras import (
    MAX_SUBDIVISION,
    camera_model,
    hexagonal_positions,
    pulse_template,
    toy_telescope,
)
from cherenkit_toysim.layout import LAYOUTS, layout_positions, toy_subarray


@pytest.mark.parametrize(
    ("size", "type_string", "n_pixels", "pix_type", "area_m2", "focal_m"),
    [
        ("LST", "LST_LST_ToyLSTCam", 1855, "hexagon", np.sqrt(3) / 2 * 0.05**2, 28.0),
        ("MST", "MST_MST_ToyMSTCam", 1765, "hexagon", np.sqrt(3) / 2 * 0.05**2, 16.0),
        ("SST", "SST_SST_ToySSTCam", 2048, "square", 0.0062**2, 2.15),
    ],
)
def test_camera_geometry(size, type_string, n_pixels, pix_type, area_m2, focal_m):
    telescope = toy_telescope(size)
    geometry = telescope.camera.geometry
    assert str(telescope) == type_string
    assert geometry.n_pixels == n_pixels == telescope.camera.readout.n_pixels
    assert geometry.pix_type == pix_type
    np.testing.assert_allclose(geometry.pix_area.to_value(u.m**2), area_m2)
    assert telescope.optics.equivalent_focal_length == focal_m * u.m
    # pixels tile the plane: nearest neighbours one pitch apart, no overlaps
    pitch = np.sqrt(area_m2 / (np.sqrt(3) / 2)) if pix_type == "hexagon" else np.sqrt(area_m2)
    assert CameraGeometryPitch(geometry) == pytest.approx(pitch)
    # interior pixels have 6 (hexagons) or 4 (squares) neighbours, none more
    expected = 6 if pix_type == "hexagon" else 4
    counts = np.bincount(geometry.n_neighbors)
    assert geometry.max_neighbors == expected
    assert counts[expected] > 0.85 * n_pixels
    border = geometry.get_border_pixel_mask()
    assert np.all(geometry.n_neighbors[~border] == expected)
    # the telescope-frame geometry has the expected pixel size on the sky
    sky = geometry.transform_to_telescope_frame(telescope.optics.equivalent_focal_length)
    np.testing.assert_allclose(
        sky.pix_area.to_value(u.deg**2), area_m2 / focal_m**2 * np.rad2deg(1) ** 2
    )


def CameraGeometryPitch(geometry):
    return geometry.guess_pixel_width(geometry.pix_x, geometry.pix_y).to_value(u.m)


def test_lst_camera_is_sixfold_symmetric():
    x, y = hexagonal_positions(n_rings=24, extra=9)
    assert len(x) == 1855
    turned = np.exp(1j * np.pi / 3) * (x + 1j * y)
    points = {(round(a, 6), round(b, 6)) for a, b in zip(x, y, strict=True)}
    assert {(round(p.real, 6), round(p.imag, 6)) for p in turned} == points


def test_square_camera_has_32_modules_without_corners():
    geometry = toy_telescope("SST").camera.geometry
    x = np.round(geometry.pix_x.to_value(u.m) / 0.0062 + 23.5).astype(int)
    y = np.round(geometry.pix_y.to_value(u.m) / 0.0062 + 23.5).astype(int)
    modules = {(a // 8, b // 8) for a, b in zip(x, y, strict=True)}
    assert len(modules) == 32
    assert {(0, 0), (0, 5), (5, 0), (5, 5)}.isdisjoint(modules)


@pytest.mark.parametrize("size", ["LST", "MST", "SST"])
def test_readout_and_pulse(size):
    readout = toy_telescope(size).camera.readout
    assert readout.n_channels == 1
    pulse = readout.reference_pulse_shape[0]
    width = readout.reference_pulse_sample_width.to_value(u.ns)
    assert pulse.sum() * width == pytest.approx(1.0)
    assert pulse[0] == 0.0 and pulse[-1] < 1e-3 * pulse.max()
    window = (readout.n_samples * readout.sample_width).to_value(u.ns)
    assert window > 3 * len(pulse) * width / 2  # room for the pulse and a time gradient


def test_pulse_template_peaks_at_k_tau():
    pulse = pulse_template(4.0, 0.6, sample_width_ns=0.01)
    assert np.argmax(pulse) * 0.01 == pytest.approx(2.4, abs=0.011)


def test_camera_model_subpixel_points(lst_camera, sst_camera):
    for camera, n_per_level in ((lst_camera, lambda m: 3 * m * m), (sst_camera, lambda m: m * m)):
        counts = np.diff(camera.sub_start)
        assert counts[0] == 1
        assert list(counts[1:]) == [n_per_level(m) for m in range(1, MAX_SUBDIVISION + 1)]
        for level in range(MAX_SUBDIVISION + 1):
            points = slice(camera.sub_start[level], camera.sub_start[level + 1])
            # equal-area midpoint rules: centred on the pixel, inside it
            assert np.mean(camera.sub_x_m[points]) == pytest.approx(0.0, abs=1e-12)
            assert np.mean(camera.sub_y_m[points]) == pytest.approx(0.0, abs=1e-12)
            radius = np.hypot(camera.sub_x_m[points], camera.sub_y_m[points])
            assert radius.max() < camera.pix_radius_m
    # level 0 for images wider than 0.7 pixel, finer cells for narrower ones
    levels = lst_camera.subdivision_level(np.array([0.05, 0.035, 0.02, 0.005, 0.003, 0.0]))
    assert list(levels) == [0, 0, 2, 5, MAX_SUBDIVISION, MAX_SUBDIVISION]  # ceil(0.7 R / σ)


def test_camera_model_of_a_rotated_camera_applies_the_rotation():
    import attrs

    telescope = toy_telescope("SST")
    geometry = attrs.evolve(telescope.camera.geometry, cam_rotation=90 * u.deg)
    camera = attrs.evolve(telescope.camera, geometry=geometry)
    model = camera_model(attrs.evolve(telescope, camera=camera))
    plain = camera_model(telescope)
    np.testing.assert_allclose(model.pix_x_m, plain.pix_y_m, atol=1e-12)
    np.testing.assert_allclose(model.pix_y_m, -plain.pix_x_m, atol=1e-12)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_layouts(layout):
    positions, sizes = layout_positions(layout)
    subarray = toy_subarray(layout, site_height_m=1800.0)
    assert isinstance(subarray, SubarrayDescription)
    assert list(subarray.tel_ids) == list(range(1, len(positions) + 1))
    np.testing.assert_allclose(subarray.positions.to_value(u.m), positions)
    assert [t.type for t in subarray.tel_descriptions.values()] == sizes
    assert subarray.reference_location.height.to_value(u.m) == pytest.approx(1800.0)
    distances = np.linalg.norm(positions[:, None] - positions[None], axis=-1)
    assert distances[~np.eye(len(positions), dtype=bool)].min() >= 100.0


def test_layout_counts_and_grids():
    assert [len(layout_positions(n)[0]) for n in LAYOUTS] == [4, 9, 9, 20]
    positions, sizes = layout_positions("mst-grid", grid_size=4, spacing_m=100.0)
    assert len(positions) == 16 and set(sizes) == {"MST"}
    assert np.ptp(positions[:, 0]) == pytest.approx(300.0)
    assert toy_subarray("mixed", tel_ids=[1, 5, 13]).tel_ids.tolist() == [1, 5, 13]
    with pytest.raises(ValueError, match="unknown layout 'hex'; expected one of lst4, "):
        layout_positions("hex")
