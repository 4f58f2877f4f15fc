"""CameraDisplay colours: image, colour scales and limits, colour bar, highlights, PNG output."""

import astropy.units as u
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import LogNorm, Normalize, PowerNorm, SymLogNorm
from matplotlib.image import imread

from cherenkit.visualization import CameraDisplay


def drawn_colours(display):
    """Face colours (RGBA) the pixels get when the figure is drawn."""
    display.axes.figure.canvas.draw()
    return display.pixels.get_facecolors()


# --- image -------------------------------------------------------------------------


def test_colours_follow_the_image(lst_geometry, lst_image, axes):
    display = CameraDisplay(lst_geometry, lst_image, ax=axes, cmap="viridis")
    colours = drawn_colours(display)
    cmap = plt.get_cmap("viridis")
    assert len(colours) == lst_geometry.n_pixels
    np.testing.assert_allclose(colours[np.argmax(lst_image)], cmap(1.0))  # brightest: top colour
    np.testing.assert_allclose(colours[np.argmin(lst_image)], cmap(0.0))
    # a pixel halfway up the range gets the middle colour of the map
    lo, hi = lst_image.min(), lst_image.max()
    pixel = np.argmin(np.abs(lst_image - (lo + hi) / 2))
    fraction = (lst_image[pixel] - lo) / (hi - lo)
    np.testing.assert_allclose(colours[pixel], cmap(fraction), atol=1 / 255)
    assert display.norm.vmin == lo and display.norm.vmax == hi


def test_a_new_image_recolours_and_rescales(lst_geometry, lst_image, axes):
    display = CameraDisplay(lst_geometry, ax=axes)
    assert np.all(display.image == 0)
    flipped = lst_image[::-1].copy()
    display.image = 3 * flipped
    np.testing.assert_array_equal(display.image, 3 * flipped)
    assert display.norm.vmax == pytest.approx(3 * lst_image.max())
    colours = drawn_colours(display)
    np.testing.assert_allclose(colours[np.argmax(flipped)], display.cmap(1.0))


def test_image_is_a_read_only_copy(lst_geometry, lst_image, axes):
    display = CameraDisplay(lst_geometry, lst_image, ax=axes)
    lst_image[:] = 0  # the caller's array changes; the display keeps what it was given
    assert display.image.max() > 0
    with pytest.raises(ValueError, match="read-only"):
        display.image[0] = 1


def test_quantities_and_masked_images_are_accepted(lst_geometry, lst_image, axes):
    display = CameraDisplay(lst_geometry, lst_image * u.ct, ax=axes)
    np.testing.assert_array_equal(display.image, lst_image)
    masked = np.ma.masked_array(lst_image, mask=np.arange(lst_geometry.n_pixels) < 10)
    display.image = masked
    assert np.isnan(display.image[:10]).all() and np.isfinite(display.image[10:]).all()
    # NaN pixels are left out of the colour range and drawn transparent
    assert display.norm.vmin == lst_image[10:].min()
    assert drawn_colours(display)[0][3] == 0


def test_an_image_of_the_wrong_length_names_both_lengths(lst_geometry, axes):
    display = CameraDisplay(lst_geometry, ax=axes)
    with pytest.raises(
        ValueError,
        match=r"^image has 1854 values but camera 'ToyLSTCam' has 1855 pixels; pass one value per pixel$",
    ):
        display.image = np.zeros(1854)
    with pytest.raises(ValueError, match=r"image has 2048 values but camera 'ToyLSTCam' has 1855"):
        CameraDisplay(lst_geometry, np.ones(2048), ax=axes)
    with pytest.raises(
        ValueError,
        match=r"image must be 1-d .*\(1855 for camera 'ToyLSTCam'\), got shape \(5, 1855\)",
    ):
        display.image = np.zeros((5, 1855))
    with pytest.raises(TypeError, match="image must hold numbers, got an array of dtype <U1"):
        display.image = np.array(["a"] * 1855)


# --- colour scales and limits ------------------------------------------------------


def test_log_scale_gives_values_below_one_and_zero_the_lowest_colour(lst_geometry, lst_image, axes):
    display = CameraDisplay(lst_geometry, lst_image, ax=axes, norm="log")
    assert isinstance(display.norm, LogNorm)
    positive = lst_image[lst_image > 0]
    assert display.norm.vmin == positive.min() and display.norm.vmax == lst_image.max()
    image = lst_image.copy()
    image[:3] = [0.0, -5.0, np.nan]
    display.image = image
    colours = drawn_colours(display)
    np.testing.assert_allclose(colours[0], display.cmap(0.0))  # 0 and negative: lowest colour
    np.testing.assert_allclose(colours[1], display.cmap(0.0))
    assert colours[2][3] == 0  # NaN: empty
    np.testing.assert_allclose(colours[np.nanargmax(image)], display.cmap(1.0))
    np.testing.assert_array_equal(display.image[:2], [0.0, -5.0])  # the image itself is kept


def test_log_scale_rejects_limits_that_are_not_positive(lst_geometry, lst_image, axes):
    display = CameraDisplay(lst_geometry, lst_image, ax=axes, norm="log")
    message = r"a logarithmic colour scale needs positive limits, got zmin=0, zmax=10; use norm='symlog' or 'lin'"
    with pytest.raises(ValueError, match=message):
        display.set_limits_minmax(0, 10)
    with pytest.raises(ValueError, match="needs positive limits, got zmin=-1, zmax=100"):
        display.norm = LogNorm(vmin=-1, vmax=100)
    linear = CameraDisplay(lst_geometry, lst_image, ax=axes)
    linear.set_limits_minmax(-5, 50)
    with pytest.raises(ValueError, match="needs positive limits, got zmin=-5, zmax=50"):
        linear.norm = "log"  # the fixed range cannot be kept on a log scale
    assert isinstance(linear.norm, Normalize) and not isinstance(linear.norm, LogNorm)


def test_symlog_and_normalize_instances(lst_geometry, lst_image, axes):
    display = CameraDisplay(lst_geometry, lst_image - 10, ax=axes, norm="symlog")
    assert isinstance(display.norm, SymLogNorm)
    assert display.norm.vmin == pytest.approx(lst_image.min() - 10)
    display.norm = PowerNorm(gamma=0.5)  # no limits: still follows the image
    assert display.autoscale and display.norm.vmax == pytest.approx(lst_image.max() - 10)
    display.norm = Normalize(vmin=0, vmax=20)  # limits given: kept
    display.image = lst_image
    assert not display.autoscale and (display.norm.vmin, display.norm.vmax) == (0, 20)


def test_unknown_norms_list_the_choices(lst_geometry, axes):
    display = CameraDisplay(lst_geometry, ax=axes)
    with pytest.raises(
        ValueError,
        match=r"unknown norm 'logarithmic'; expected one of 'lin', 'log', 'symlog' or a matplotlib.colors.Normalize instance",
    ):
        display.norm = "logarithmic"
    with pytest.raises(TypeError, match=r"norm must be one of 'lin', 'log', 'symlog' .* got int"):
        display.norm = 3


def test_fixed_limits_survive_new_images_and_clip_to_the_end_colours(lst_geometry, lst_image, axes):
    display = CameraDisplay(lst_geometry, lst_image, ax=axes)
    display.set_limits_minmax(5, 20)
    display.image = 2 * lst_image
    assert (display.norm.vmin, display.norm.vmax) == (5, 20) and not display.autoscale
    colours = drawn_colours(display)
    np.testing.assert_allclose(colours[np.argmax(lst_image)], display.cmap(1.0))
    np.testing.assert_allclose(colours[np.argmin(lst_image)], display.cmap(0.0))
    with pytest.raises(
        ValueError, match="colour limits must be finite with zmin < zmax, got zmin=20, zmax=5"
    ):
        display.set_limits_minmax(20, 5)
    display.autoscale = True
    display.image = lst_image
    assert display.norm.vmax == lst_image.max()


def test_set_limits_percent_cuts_the_top_of_the_range(lst_geometry, axes):
    image = np.linspace(0, 100, lst_geometry.n_pixels)
    display = CameraDisplay(lst_geometry, image, ax=axes)
    display.set_limits_percent(95)
    assert (display.norm.vmin, display.norm.vmax) == (0, pytest.approx(95))
    display.set_limits_percent(100)
    assert display.norm.vmax == 100
    with pytest.raises(ValueError, match=r"percent must be in \(0, 100\], got 0"):
        display.set_limits_percent(0)
    display.image = np.ones(lst_geometry.n_pixels)
    with pytest.raises(
        ValueError, match="needs an image with at least two different finite values"
    ):
        display.set_limits_percent()


def test_cmap_can_be_changed(lst_geometry, lst_image, axes):
    display = CameraDisplay(lst_geometry, lst_image, ax=axes)
    assert display.cmap.name == "inferno"
    display.cmap = "gray"
    np.testing.assert_allclose(drawn_colours(display)[np.argmax(lst_image)], (1, 1, 1, 1))


def test_colorbar_gets_its_label_once(lst_geometry, lst_image, axes):
    display = CameraDisplay(lst_geometry, lst_image, ax=axes)
    colorbar = display.add_colorbar(label="charge / p.e.")
    assert display.colorbar is colorbar
    assert colorbar.ax.get_ylabel() == "charge / p.e."
    assert colorbar.vmax == pytest.approx(lst_image.max())
    with pytest.raises(ValueError, match="already has a colour bar; change its label with"):
        display.add_colorbar(label="again")
    display.norm = "log"  # the colour bar follows the display
    assert isinstance(colorbar.norm, LogNorm)


# --- highlights --------------------------------------------------------------------


def test_highlight_outlines_exactly_the_masked_pixels(lst_geometry, lst_image, axes):
    display = CameraDisplay(lst_geometry, lst_image, ax=axes)
    mask = lst_image > 20
    outlines = display.highlight_pixels(mask, color="red", linewidth=2, alpha=0.5)
    assert 10 < mask.sum() < 200
    assert len(outlines.get_paths()) == mask.sum()
    np.testing.assert_array_equal(display.highlighted, mask)
    np.testing.assert_allclose(outlines.get_edgecolor()[0], (1, 0, 0, 0.5))
    assert outlines.get_linewidths()[0] == 2
    np.testing.assert_allclose(
        outlines.get_paths()[0].vertices[:6],
        display.pixels.get_paths()[np.flatnonzero(mask)[0]].vertices[:6],
    )
    # a second call replaces the outlines; indices work as well as masks
    display.highlight_pixels([0, 5, 7])
    assert len(display.highlights.get_paths()) == 3 == display.highlighted.sum()
    assert (
        sum(c is display.highlights for c in axes.collections) == 1 and len(axes.collections) == 2
    )
    display.highlight_pixels(np.zeros(lst_geometry.n_pixels, bool))
    assert len(display.highlights.get_paths()) == 0


def test_highlight_rejects_masks_of_the_wrong_length_and_bad_indices(lst_geometry, axes):
    display = CameraDisplay(lst_geometry, ax=axes)
    with pytest.raises(
        ValueError, match=r"pixel mask has shape \(100,\) but camera 'ToyLSTCam' has 1855 pixels"
    ):
        display.highlight_pixels(np.ones(100, bool))
    with pytest.raises(
        ValueError, match="pixel index 1855 is out of range for camera 'ToyLSTCam' with 1855 pixels"
    ):
        display.highlight_pixels([3, 1855])
    with pytest.raises(
        ValueError,
        match="boolean mask or a 1-d array of pixel indices, got an array of dtype float64",
    ):
        display.highlight_pixels([0.5, 2.0])


# --- rendering ---------------------------------------------------------------------


def _image_display(geometry, image, ax):
    display = CameraDisplay(geometry, image, ax=ax)
    display.add_colorbar(label="charge / p.e.")


def _log_display(geometry, image, ax):
    display = CameraDisplay(geometry, image, ax=ax, norm="log", cmap="viridis")
    display.add_colorbar(label="charge / p.e.")


def _cleaned_display(geometry, image, ax):
    from cherenkit.image import hillas_parameters

    mask = image > 10
    display = CameraDisplay(geometry, np.where(mask, image, 0), ax=ax)
    display.highlight_pixels(mask, color="white")
    display.overlay_moments(hillas_parameters(geometry[mask], image[mask]), n_sigma=2)


def _telescope_display(geometry, image, ax):
    display = CameraDisplay(geometry.transform_to_telescope_frame(28 * u.m), image, ax=ax)
    display.set_limits_percent(80)
    display.add_colorbar(label="charge / p.e.")


@pytest.mark.parametrize(
    "kind", [_image_display, _log_display, _cleaned_display, _telescope_display]
)
@pytest.mark.parametrize("camera", ["LST", "SST"])
def test_every_kind_of_display_renders_to_png(tmp_path, toy_geometry, shower_image, kind, camera):
    geometry = toy_geometry(camera)
    scale = 1.0 if camera == "LST" else 0.1  # the SST-like camera is 0.3 m across
    image = shower_image(
        geometry, x=0.3 * scale, y=-0.2 * scale, length=0.15 * scale, width=0.04 * scale, psi=35
    )
    fig, ax = plt.subplots(figsize=(5, 4))
    kind(geometry, image, ax)
    path = tmp_path / f"{camera}{kind.__name__}.png"
    fig.savefig(path, dpi=60)
    plt.close(fig)
    assert path.stat().st_size > 5_000
    pixels = imread(path)
    assert pixels.shape[:2] == (240, 300)
    # not a blank canvas: white margins, a dark camera and the colours of the shower
    assert len(np.unique(pixels.reshape(-1, pixels.shape[-1]), axis=0)) > 50
