"""Quick-look plots of reduced datasets: what is drawn is the data it claims to show.

Sky datasets: 4 x 4 pixels of 1 deg, 2 reco-energy bins (1-10-100 TeV). Spectrum
datasets: one circle region, 4 reco-energy bins (0.1-100 TeV), true energy the same edges.
"""

import subprocess
import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.collections import LineCollection

from cherenkit.datasets import (
    MapDataset,
    MapDatasetOnOff,
    SpectrumDataset,
    SpectrumDatasetOnOff,
)
from cherenkit.maps import MapAxis, RegionGeom, WcsGeom


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --- builders --------------------------------------------------------------------------


def _map_dataset():
    energy = MapAxis.from_energy_bounds(1, 100, 2, unit="TeV")
    geom = WcsGeom.create(skydir=(0, 0), npix=4, binsz=1.0, axes=[energy])
    dataset = MapDataset.create(geom, binsz_irf=2.0, name="sky")
    rng = np.random.default_rng(1)
    dataset.counts.data[...] = rng.poisson(5.0, size=dataset.counts.data.shape)
    dataset.background.data[...] = rng.uniform(0.5, 3.0, size=dataset.background.data.shape)
    dataset.exposure.data[0] = 1e9
    dataset.exposure.data[1] = 3e9
    dataset.exposure.data[:, 0, 0] = 0.0
    dataset.mask_safe.data[...] = True
    dataset.mask_safe.data[0, :, :2] = False  # low energy unsafe in the two left columns
    return dataset


def _region_geom():
    energy = MapAxis.from_energy_bounds(0.1, 100, 4, unit="TeV")
    return RegionGeom.create("icrs;circle(83.63, 22.01, 0.2)", axes=[energy])


def _spectrum_dataset():
    dataset = SpectrumDataset.create(_region_geom(), name="spec")
    dataset.counts.data[:, 0, 0] = [3, 40, 25, 4]
    dataset.background.data[:, 0, 0] = [1.0, 10.0, 5.0, 0.5]
    dataset.exposure.data[:, 0, 0] = [1e7, 5e8, 2e9, 3e9]
    dataset.mask_safe.data[:, 0, 0] = [False, True, True, False]
    kernel = np.eye(4) * 0.8 + np.eye(4, k=1) * 0.2
    dataset.edisp.edisp_map.data[:, :, 0, 0] = kernel
    return dataset


def _spectrum_on_off():
    acceptance_off = np.array([2.0, 5.0, 10.0, 4.0]).reshape(4, 1, 1)
    counts_off = np.array([8.0, 20.0, 30.0, 2.0]).reshape(4, 1, 1)
    return SpectrumDatasetOnOff.from_map_dataset(
        _spectrum_dataset(), acceptance=1.0, acceptance_off=acceptance_off, counts_off=counts_off
    )


# --- helpers to read back what was drawn ------------------------------------------------


def _errorbar(ax, label):
    """(x, y, yerr, x_low, x_high) of the errorbar container labelled ``label``."""
    (container,) = [c for c in ax.containers if c.get_label() == label]
    line = container.lines[0]
    x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
    vertical, horizontal = None, None
    for collection in container.lines[2]:
        assert isinstance(collection, LineCollection)
        segments = np.array(collection.get_segments())
        if np.allclose(segments[:, 0, 0], segments[:, 1, 0]):
            vertical = segments
        else:
            horizontal = segments
    yerr = (vertical[:, 1, 1] - vertical[:, 0, 1]) / 2
    return x, y, yerr, horizontal[:, 0, 0], horizontal[:, 1, 0]


def _stairs(ax, gid):
    (patch,) = [p for p in ax.patches if p.get_gid() == gid]
    values, edges, _ = patch.get_data()
    return np.asarray(values), np.asarray(edges)


def _spans(ax, gid):
    """x extents (data units) of the shaded bands with ``gid``, sorted."""
    spans = []
    for patch in ax.patches:
        if patch.get_gid() == gid:
            xy = patch.get_patch_transform().transform(patch.get_path().vertices)
            spans.append((xy[:, 0].min(), xy[:, 0].max()))
    return sorted(spans)


def _axes_by_title(fig):
    return {ax.get_title(): ax for ax in fig.axes if ax.get_title()}


# --- sky datasets ----------------------------------------------------------------------


def test_map_peek_images_are_the_safe_sums():
    dataset = _map_dataset()
    fig = dataset.peek(figsize=(8, 7))
    assert tuple(fig.get_size_inches()) == (8, 7)
    axes = _axes_by_title(fig)
    safe = dataset.mask_safe.data
    counts = (dataset.counts.data * safe).sum(axis=0)
    background = (dataset.background.data * safe).sum(axis=0)
    # the safe mask matters for these data
    assert not np.allclose(counts, dataset.counts.data.sum(axis=0))

    def image(title):
        return np.asarray(axes[title].images[0].get_array())

    np.testing.assert_allclose(image("Counts (safe range)"), counts)
    np.testing.assert_allclose(image("Background (safe range)"), background)
    np.testing.assert_allclose(
        image("Excess (counts − background, safe range)"), counts - background
    )
    np.testing.assert_allclose(
        image("Exposure (summed over true energy)"), dataset.exposure.data.sum(axis=0)
    )
    # excess colour scale symmetric around zero
    vmin, vmax = axes["Excess (counts − background, safe range)"].images[0].get_clim()
    assert vmin == pytest.approx(-vmax)
    assert vmax == pytest.approx(np.abs(counts - background).max())
    # colour bars carry the units
    labels = {ax.get_ylabel() for ax in fig.axes}
    assert "m2 s" in labels


def test_map_on_off_peek_uses_alpha_times_off():
    base = _map_dataset()
    acceptance_off = np.where(np.arange(4) < 2, 4.0, 2.0)[None, None, :] * np.ones((2, 4, 4))
    dataset = MapDatasetOnOff.from_map_dataset(
        base, acceptance=1.0, acceptance_off=acceptance_off, counts_off=6.0
    )
    axes = _axes_by_title(dataset.peek())
    safe = dataset.mask_safe.data
    background = (6.0 / acceptance_off * safe).sum(axis=0)
    counts = (dataset.counts.data * safe).sum(axis=0)
    excess = axes["Excess (counts − background, safe range)"].images[0].get_array()
    np.testing.assert_allclose(np.asarray(excess), counts - background)
    bkg = axes["Background (safe range)"].images[0].get_array()
    np.testing.assert_allclose(np.asarray(bkg), background)


def test_map_plot_masks_shows_or_of_safe_mask_and_fit_contour():
    dataset = _map_dataset()
    dataset.mask_safe.data[:, 3, 3] = False  # unsafe in every energy bin
    dataset.mask_fit = dataset.mask_safe.copy(data=np.zeros((2, 4, 4), dtype=bool))
    dataset.mask_fit.data[1, 1:3, 1:3] = True
    ax = dataset.plot_masks()
    (image,) = ax.images
    expected = np.ones((4, 4))
    expected[3, 3] = 0.0  # only the pixel unsafe at all energies is off (OR over energy)
    np.testing.assert_array_equal(np.asarray(image.get_array()), expected)
    (contour,) = [c for c in ax.collections if c.get_gid() == "mask-fit"]
    vertices = np.concatenate([p.vertices for p in contour.get_paths()])
    # the 0.5 level of the 2 x 2 fit region lies between pixel centres 0/1 and 2/3
    assert vertices[:, 0].min() == pytest.approx(0.5)
    assert vertices[:, 0].max() == pytest.approx(2.5)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["mask_safe", "mask_fit"]


# --- spectrum datasets -----------------------------------------------------------------


def test_spectrum_plot_counts():
    dataset = _spectrum_dataset()
    ax = dataset.plot_counts()
    edges = dataset.counts.geom.axis("energy").edges.to_value("TeV")
    x, y, yerr, x_lo, x_hi = _errorbar(ax, "Counts")
    np.testing.assert_array_equal(y, [3, 40, 25, 4])
    np.testing.assert_allclose(yerr, np.sqrt([3, 40, 25, 4]))
    np.testing.assert_allclose(x_lo, edges[:-1])
    np.testing.assert_allclose(x_hi, edges[1:])
    np.testing.assert_allclose(x, np.sqrt(edges[:-1] * edges[1:]))
    values, stair_edges = _stairs(ax, "background")
    np.testing.assert_allclose(values, [1.0, 10.0, 5.0, 0.5])
    np.testing.assert_allclose(stair_edges, edges)
    # first and last bins are outside the safe range: two separate bands
    np.testing.assert_allclose(
        _spans(ax, "outside-mask-safe"), [(edges[0], edges[1]), (edges[3], edges[4])]
    )
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "Reconstructed energy [TeV]"
    assert ax.get_ylabel() == "Counts"


def test_spectrum_unsafe_run_is_one_band_and_all_safe_has_none():
    dataset = _spectrum_dataset()
    edges = dataset.counts.geom.axis("energy").edges.to_value("TeV")
    dataset.mask_safe.data[:, 0, 0] = [False, False, True, True]
    ax = dataset.plot_excess(ax=plt.figure().add_subplot())
    np.testing.assert_allclose(_spans(ax, "outside-mask-safe"), [(edges[0], edges[2])])
    dataset.mask_safe.data[...] = True
    ax = dataset.plot_excess(ax=plt.figure().add_subplot())
    assert _spans(ax, "outside-mask-safe") == []


def test_spectrum_plot_excess_cash_errors_are_sqrt_counts():
    dataset = _spectrum_dataset()
    ax = dataset.plot_excess()
    _, y, yerr, _, _ = _errorbar(ax, "Excess")
    np.testing.assert_allclose(y, [2.0, 30.0, 20.0, 3.5])
    np.testing.assert_allclose(yerr, np.sqrt([3, 40, 25, 4]))
    assert ax.get_ylabel() == "Excess counts"


def test_spectrum_on_off_counts_and_excess():
    dataset = _spectrum_on_off()
    alpha = 1.0 / np.array([2.0, 5.0, 10.0, 4.0])
    n_off = np.array([8.0, 20.0, 30.0, 2.0])
    n_on = np.array([3.0, 40.0, 25.0, 4.0])

    ax = dataset.plot_counts()
    values, _ = _stairs(ax, "background")
    np.testing.assert_allclose(values, alpha * n_off)
    assert "Background (α × OFF counts)" in [t.get_text() for t in ax.get_legend().get_texts()]

    ax = dataset.plot_excess(ax=plt.figure().add_subplot())
    _, y, yerr, _, _ = _errorbar(ax, "Excess")
    np.testing.assert_allclose(y, n_on - alpha * n_off)
    np.testing.assert_allclose(yerr, np.sqrt(n_on + alpha**2 * n_off))
    # the On/Off error is not the plain √n_on for these numbers
    assert not np.allclose(yerr, np.sqrt(n_on))


def test_spectrum_peek_panels():
    dataset = _spectrum_dataset()
    fig = dataset.peek()
    axes = _axes_by_title(fig)
    assert {"Counts", "Excess", "Exposure", "Energy dispersion"} <= set(axes)
    exposure, edges = _stairs(axes["Exposure"], "exposure")
    np.testing.assert_allclose(exposure, [1e7, 5e8, 2e9, 3e9])
    np.testing.assert_allclose(edges, dataset.exposure.geom.axis("energy_true").edges_value)
    assert axes["Exposure"].get_xlabel() == "True energy [TeV]"
    assert axes["Exposure"].get_ylabel() == "Exposure [m2 s]"
    (mesh,) = axes["Energy dispersion"].collections
    kernel = dataset.edisp.edisp_map.data[:, :, 0, 0]  # (true, reco)
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(4, 4), kernel.T)
    _, y, _, _, _ = _errorbar(axes["Counts"], "Counts")
    np.testing.assert_array_equal(y, [3, 40, 25, 4])
    assert len(_spans(axes["Excess"], "outside-mask-safe")) == 2


def test_spectrum_plot_masks_shades_safe_and_fit():
    dataset = _spectrum_dataset()
    dataset.mask_fit = dataset.mask_safe.copy(data=np.ones((4, 1, 1), dtype=bool))
    dataset.mask_fit.data[2] = False
    edges = dataset.counts.geom.axis("energy").edges.to_value("TeV")
    ax = dataset.plot_masks()
    np.testing.assert_allclose(
        _spans(ax, "outside-mask-safe"), [(edges[0], edges[1]), (edges[3], edges[4])]
    )
    np.testing.assert_allclose(_spans(ax, "outside-mask-fit"), [(edges[2], edges[3])])


def test_importing_datasets_does_not_import_matplotlib():
    code = (
        "import sys, cherenkit.datasets._plotting, cherenkit.datasets.map, "
        "cherenkit.datasets.spectrum; print('matplotlib' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
