"""MapDataset / SpectrumDataset / On-Off / Datasets on small synthetic maps.

Geometry used throughout: 4 x 4 pixels of 1 deg, 2 reco-energy bins (1-10-100 TeV),
true energy = the same edges, IRF pixels of 2 deg (2 x 2).
"""

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord

from cherenkit.datasets import (
    Datasets,
    MapDataset,
    MapDatasetOnOff,
    SpectrumDataset,
    SpectrumDatasetOnOff,
)
from cherenkit.maps import MapAxis, RegionGeom, WcsGeom


def _geom(npix=4):
    energy = MapAxis.from_energy_bounds(1, 100, 2, unit="TeV")
    return WcsGeom.create(skydir=(0, 0), npix=npix, binsz=1.0, axes=[energy])


def _filled(name, counts=1.0, background=0.5, exposure=10.0, livetime=100.0, irf=1.0):
    dataset = MapDataset.create(_geom(), binsz_irf=2.0, name=name)
    dataset.counts.data[...] = counts
    dataset.background.data[...] = background
    dataset.exposure.data[...] = exposure
    dataset.exposure.meta["livetime"] = livetime
    dataset.mask_safe.data[...] = True
    for irf_map in (dataset.psf, dataset.edisp):
        irf_map.irf_map.data[...] = irf
        irf_map.exposure_map.data[...] = exposure
    return dataset


def test_create_shapes_and_empty_mask():
    dataset = MapDataset.create(_geom(), binsz_irf=2.0, name="empty")
    assert dataset.name == "empty"
    assert dataset.counts.data.shape == (2, 4, 4)
    assert dataset.exposure.data.shape == (2, 4, 4)
    assert dataset.exposure.geom.axes_names == ["energy_true"]
    # PSF: default rad axis 0-0.66 deg in 66 bins, IRF grid 2 x 2
    assert dataset.psf.psf_map.data.shape == (2, 66, 2, 2)
    assert dataset.psf.exposure_map.data.shape == (2, 1, 2, 2)
    assert dataset.edisp.edisp_map.data.shape == (2, 2, 2, 2)
    assert not dataset.mask_safe.data.any()
    assert dataset.counts.unit == u.dimensionless_unscaled
    assert dataset.exposure.unit == u.Unit("m2 s")


def test_create_rejects_migra_and_wrong_true_axis():
    with pytest.raises(NotImplementedError, match="migra_axis=None"):
        MapDataset.create(_geom(), migra_axis=MapAxis.from_edges([0.2, 5], name="migra"))
    with pytest.raises(ValueError, match="named 'energy_true'"):
        MapDataset.create(
            _geom(), energy_axis_true=MapAxis.from_energy_bounds(1, 10, 2, unit="TeV")
        )


def test_stack_applies_other_safe_mask():
    a = _filled("a", counts=1.0, background=0.5, exposure=10.0, livetime=100.0, irf=1.0)
    b = _filled("b", counts=2.0, background=1.0, exposure=30.0, livetime=50.0, irf=3.0)
    # b safe only in the high-energy bin of the left two pixel columns
    b.mask_safe.data[...] = False
    b.mask_safe.data[1, :, :2] = True
    a.stack(b)
    # counts: 1 everywhere + 2 where b is safe
    expected = np.ones((2, 4, 4))
    expected[1, :, :2] += 2
    np.testing.assert_array_equal(a.counts.data, expected)
    np.testing.assert_array_equal(a.background.data, expected / 2)
    # exposure: b's counts where it is safe in any energy bin, in every true-energy bin
    exposure = np.full((2, 4, 4), 10.0)
    exposure[:, :, :2] += 30.0
    np.testing.assert_array_equal(a.exposure.data, exposure)
    assert a.livetime == 150 * u.s
    # masks are OR-ed: a was all safe
    assert a.mask_safe.data.all()
    # IRF grid pixel (0, 0) covers counts pixels x, y in {0, 1}: b safe there
    # -> PSF = (1 * 10 + 3 * 30) / 40 = 2.5; the right IRF column: b not safe -> 1
    np.testing.assert_allclose(a.psf.psf_map.data[..., 0], 2.5)
    np.testing.assert_allclose(a.psf.psf_map.data[..., 1], 1.0)
    np.testing.assert_allclose(a.psf.exposure_map.data[..., 0], 40.0)
    # edisp kernel entries are masked per reco bin, while the exposure adds where b is
    # safe in any bin (gammapy's rule): reco bin 1 -> (1 * 10 + 3 * 30) / 40 = 2.5,
    # reco bin 0 -> (1 * 10 + 0) / 40 = 0.25
    np.testing.assert_allclose(a.edisp.edisp_map.data[:, 1, :, 0], 2.5)
    np.testing.assert_allclose(a.edisp.edisp_map.data[:, 0, :, 0], 0.25)
    np.testing.assert_allclose(a.edisp.exposure_map.data[..., 0], 40.0)


def test_stack_of_unsafe_dataset_adds_nothing_and_no_livetime():
    a = _filled("a")
    b = _filled("b", counts=5.0)
    b.mask_safe.data[...] = False
    a.stack(b)
    assert a.counts.data.sum() == 32  # 2 x 4 x 4 ones
    assert a.livetime == 100 * u.s


def test_stack_cutout_into_parent():
    parent = MapDataset.create(_geom(), binsz_irf=2.0, name="stacked")
    part = _filled("part").cutout(SkyCoord(0, 0, unit="deg"), 2 * u.deg)
    # (0, 0) is the corner between the four central pixels (x, y in {1, 2})
    assert part.counts.data.shape == (2, 2, 2)
    parent.stack(part)
    assert parent.counts.data.sum() == 8
    np.testing.assert_array_equal(parent.counts.data[0, 1:3, 1:3], 1)
    assert parent.mask_safe.data.sum() == 8


def test_to_masked_and_copy():
    a = _filled("a")
    a.mask_safe.data[0] = False
    masked = a.to_masked(name="m")
    assert masked.counts.data.sum() == 16
    copy = a.copy(name="c")
    assert copy.name == "c"
    copy.counts.data[...] = 7
    assert a.counts.data.max() == 1
    assert a.copy().name != a.name


def test_info_dict_and_str():
    a = _filled("a", counts=2.0, background=1.0)
    a.mask_safe.data[1] = False  # 16 safe bins
    info = a.info_dict()
    assert info["counts"] == 32
    assert info["background"] == 16
    assert info["excess"] == 16
    # Cash: TS = 2 (mu - n + n ln(n / mu)) = 2 (16 - 32 + 32 ln 2)
    assert info["sqrt_ts"] == pytest.approx(np.sqrt(2 * (16 - 32 + 32 * np.log(2))))
    assert info["n_bins"] == 32
    assert info["n_fit_bins"] == 16
    assert info["exposure_min"] == 10 * u.Unit("m2 s")
    assert info["livetime"] == 100 * u.s
    assert info["stat_type"] == "cash"
    assert info_all_counts(a) == 64
    text = str(a)
    assert text.startswith("MapDataset\n----------\n")
    assert "  Total counts                    : 32" in text
    assert "  Total background counts         : 16.00" in text
    assert "  Exposure max                    : 1.00e+01 m2 s" in text
    assert "  Fit statistic type              : cash" in text


def info_all_counts(dataset):
    return dataset.info_dict(in_safe_data_range=False)["counts"]


def test_on_off_alpha_background_and_stack():
    base = _filled("a", counts=3.0)
    a = MapDatasetOnOff.from_map_dataset(base, acceptance=1, acceptance_off=4, counts_off=8)
    b = MapDatasetOnOff.from_map_dataset(
        _filled("b", counts=1.0), acceptance=1, acceptance_off=2, counts_off=4
    )
    np.testing.assert_allclose(a.alpha.data, 0.25)
    np.testing.assert_allclose(a.background.data, 2.0)
    info = a.info_dict()
    assert info["counts_off"] == 8 * 32
    assert info["alpha"] == pytest.approx(0.25)
    assert info["stat_type"] == "wstat"
    a.stack(b)
    # off counts 8 + 4; alpha_stacked = (0.25 * 8 + 0.5 * 4) / 12 = 1 / 3
    np.testing.assert_allclose(a.counts_off.data, 12)
    np.testing.assert_allclose(a.alpha.data, 1 / 3)
    np.testing.assert_allclose(a.acceptance.data, 2)
    np.testing.assert_allclose(a.counts.data, 4)
    with pytest.raises(AttributeError, match="alpha \\* counts_off"):
        a.background = base.background
    with pytest.raises(TypeError, match="MapDatasetOnOff"):
        a.stack(base)
    assert "Total counts_off" in str(a)


def test_on_off_zero_off_counts_use_average_alpha():
    a = MapDatasetOnOff.from_map_dataset(_filled("a"), acceptance=1, acceptance_off=4, counts_off=8)
    b = MapDatasetOnOff.from_map_dataset(_filled("b"), acceptance=1, acceptance_off=2, counts_off=0)
    a.counts_off.data[0, 0, 0] = 0
    a.stack(b)
    # (0, 0, 0) has no off counts left: acceptance_off = acceptance / mean alpha (= 0.25)
    assert a.acceptance_off.data[0, 0, 0] == pytest.approx(2 / 0.25)


def test_spectrum_datasets():
    region = "icrs;circle(83.63, 22.01, 0.11)"
    energy = MapAxis.from_energy_bounds(1, 10, 3, unit="TeV")
    geom = RegionGeom.create(region, axes=[energy])
    a = SpectrumDataset.create(geom, name="a")
    assert a.psf is None
    assert a.counts.data.shape == (3, 1, 1)
    assert a.edisp.edisp_map.data.shape == (3, 3, 1, 1)
    a.counts.data[...] = 2
    a.mask_safe.data[...] = True
    b = a.copy(name="b")
    b.mask_safe.data[0] = False
    a.stack(b)
    np.testing.assert_array_equal(a.counts.data.ravel(), [2, 4, 4])
    with pytest.raises(TypeError, match="RegionGeom"):
        SpectrumDataset.create(_geom())
    with pytest.raises(TypeError, match="cannot be cut out"):
        a.cutout(geom.center_skydir, 1 * u.deg)
    on_off = SpectrumDatasetOnOff.from_map_dataset(a, acceptance=1, acceptance_off=5, counts_off=10)
    assert isinstance(on_off, SpectrumDatasetOnOff)
    np.testing.assert_allclose(on_off.background.data, 2)


def test_datasets_collection():
    a, b = _filled("a"), _filled("b", counts=2.0)
    b.mask_safe.data[1] = False
    datasets = Datasets([a, b])
    assert datasets.names == ["a", "b"]
    assert datasets["b"] is b
    with pytest.raises(ValueError, match="already in the collection"):
        datasets.append(a.copy(name="a"))
    with pytest.raises(KeyError, match="no dataset named 'c'"):
        datasets["c"]
    stacked = datasets.stack_reduce(name="stacked")
    assert stacked.name == "stacked"
    # a: 32 counts; b: 2 x 16 safe bins
    assert stacked.counts.data.sum() == 64
    assert a.counts.data.sum() == 32  # inputs untouched
    table = datasets.info_table()
    assert list(table["name"]) == ["a", "b"]
    assert list(table["counts"]) == [32, 32]
    cumulative = datasets.info_table(cumulative=True)
    assert list(cumulative["counts"]) == [32, 64]
    assert cumulative["livetime"].unit == u.s
    assert list(cumulative["livetime"].value) == [100, 200]


def test_to_image_sums_the_safe_bins():
    dataset = _filled("d", counts=2.0, background=0.5)
    dataset.mask_safe.data[0] = False  # the first energy bin is unsafe everywhere
    dataset.mask_safe.data[1:, 0, 0] = False  # and one pixel in every bin
    image = dataset.to_image(name="image")
    n_energy = dataset.counts.data.shape[0]
    assert image.counts.data.shape == (1, *dataset.counts.data.shape[1:])
    assert image.counts.geom.axis("energy").nbin == 1
    assert image.counts.geom.axis("energy").edges[0] == dataset.counts.geom.axis("energy").edges[0]
    np.testing.assert_array_equal(image.counts.data[0, 1:, 1:], 2.0 * (n_energy - 1))
    assert image.counts.data[0, 0, 0] == 0.0
    np.testing.assert_allclose(image.background.data[0, 1, 1], 0.5 * (n_energy - 1))
    assert image.mask_safe.data.dtype == bool
    assert not image.mask_safe.data[0, 0, 0] and image.mask_safe.data[0, 1, 1]
    # the exposure keeps its true-energy axis; the edisp kernel is summed over reco energy
    np.testing.assert_array_equal(image.exposure.data, dataset.exposure.data)
    # the first reco bin is unsafe everywhere: only the others enter the kernel
    kernel = dataset.edisp.edisp_map.data
    np.testing.assert_allclose(image.edisp.edisp_map.data[:, 0], kernel[:, 1:].sum(axis=1))
    on_off = MapDatasetOnOff.from_map_dataset(dataset, acceptance=1, acceptance_off=2)
    with pytest.raises(TypeError, match="On/Off"):
        on_off.to_image()
