"""The background makers on small synthetic datasets: expected values worked out by
hand, edge cases (nothing usable, rings off the map), and the plugin contract."""

import subprocess
import sys
from types import SimpleNamespace

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.table import Table
from regions import CircleSkyRegion

from cherenkit import registry
from cherenkit.datasets import MapDataset, SpectrumDataset
from cherenkit.errors import ParameterError
from cherenkit.maps import Map, MapAxis, RegionGeom, WcsGeom
from cherenkit.testing import check_plugin_class
from cherenkit_background import (
    AdaptiveRingBackgroundMaker,
    FoVBackgroundMaker,
    ReflectedRegionsBackgroundMaker,
    RingBackgroundMaker,
    find_reflected_regions,
)
from cherenkit_background._utils import BackgroundMakerWarning, ring_kernel, tophat_kernel

CLASSES = [
    FoVBackgroundMaker,
    ReflectedRegionsBackgroundMaker,
    RingBackgroundMaker,
    AdaptiveRingBackgroundMaker,
]


@pytest.mark.parametrize("cls", CLASSES)
def test_plugin_contract(cls):
    check_plugin_class(cls)
    assert registry.get("background-maker", cls.name) is cls
    entry = registry.get_registry().catalogue.get("background-maker", cls.name)
    assert entry.summary == cls.summary() and not entry.planned


def test_plugin_module_imports_no_scipy_or_regions():
    code = (
        "import sys, cherenkit_background.plugin; "
        "print(sorted(m for m in ('scipy', 'regions', 'astropy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_parameters_are_checked():
    with pytest.raises(ParameterError, match="method"):
        FoVBackgroundMaker(method="fitt")
    with pytest.raises(ParameterError, match="missing unit"):
        RingBackgroundMaker(r_in=0.5)
    with pytest.raises(TypeError, match="must hold booleans"):
        RingBackgroundMaker(exclusion_mask=Map.from_geom(_geom(nbin=0)))


# --- FoV ------------------------------------------------------------------------------


def _geom(npix=20, nbin=3, binsz=0.1):
    axes = [MapAxis.from_energy_bounds(1, 10, nbin, unit="TeV")] if nbin else []
    return WcsGeom.create(skydir=(83.6, 22.0), npix=npix, binsz=binsz, axes=axes)


def _map_dataset(geom, counts, background, name="synthetic"):
    return MapDataset(
        counts=Map.from_geom(geom, data=counts),
        background=Map.from_geom(geom, data=background),
        mask_safe=Map.from_geom(geom, data=True, dtype=bool),
        name=name,
    )


def test_fov_scale_by_hand():
    geom = _geom()
    # 1200 voxels, background 1 and counts 2 each; the central 4x4 pixels (48 voxels,
    # with 10 counts each) are excluded: N = 2 * 1152, B = 1152.
    counts = np.full(geom.data_shape, 2.0)
    counts[:, 8:12, 8:12] = 10.0
    exclusion = Map.from_geom(geom.to_image(), data=True, dtype=bool)
    exclusion.data[8:12, 8:12] = False
    dataset = _map_dataset(geom, counts, 1.0)
    out = FoVBackgroundMaker(exclusion_mask=exclusion).run(dataset)
    assert out.background.meta["fov_background_norm"] == 2.0
    assert out.background.meta["fov_background_norm_err"] == pytest.approx(np.sqrt(2304) / 1152)
    np.testing.assert_array_equal(out.background.data, 2.0)
    np.testing.assert_array_equal(dataset.background.data, 1.0)  # input untouched
    assert out is not dataset and out.name == dataset.name


@pytest.mark.parametrize("fit_tilt", [False, True])
def test_fov_fit_recovers_norm_and_tilt(fit_tilt):
    geom = _geom()
    energy = geom.axis("energy").center.to_value("TeV")[:, None, None]
    tilt = 0.3 if fit_tilt else 0.0
    counts = 1.5 * 4.0 * energy**-tilt * np.ones(geom.data_shape)
    dataset = _map_dataset(geom, counts, 4.0)
    meta = FoVBackgroundMaker(method="fit", fit_tilt=fit_tilt).run(dataset).background.meta
    assert meta["fov_background_norm"] == pytest.approx(1.5, rel=1e-7)
    assert meta["fov_background_tilt"] == pytest.approx(tilt, abs=1e-7)
    if not fit_tilt:  # one norm, cash: the error of "scale"
        n = counts.sum()
        assert meta["fov_background_norm_err"] == pytest.approx(np.sqrt(n) / (4.0 * 1200), 1e-5)
    else:
        assert np.isfinite(meta["fov_background_tilt_err"]) and meta["fov_background_tilt_err"] > 0


def test_fov_exclusion_covering_everything_warns_and_masks():
    geom = _geom()
    exclusion = Map.from_geom(geom.to_image(), data=False, dtype=bool)
    dataset = _map_dataset(geom, 1.0, 1.0, name="all-excluded")
    observation = SimpleNamespace(obs_id=4242)
    with pytest.warns(BackgroundMakerWarning, match=r"observation 4242.*'all-excluded'"):
        out = FoVBackgroundMaker(exclusion_mask=exclusion).run(dataset, observation)
    assert not out.mask_safe.data.any()
    np.testing.assert_array_equal(out.background.data, 1.0)
    assert dataset.mask_safe.data.all()


def test_fov_needs_a_map_dataset():
    energy = MapAxis.from_energy_bounds(1, 10, 2, unit="TeV")
    geom = RegionGeom.create("icrs;circle(83.6, 22.0, 0.1)", axes=[energy])
    with pytest.raises(TypeError, match="needs a MapDataset on a WcsGeom"):
        FoVBackgroundMaker().run(SpectrumDataset.create(geom))


# --- reflected regions ----------------------------------------------------------------

POINTING = SkyCoord(83.6, 21.5, unit="deg")
ON = CircleSkyRegion(SkyCoord(83.6, 22.0, unit="deg"), 0.1 * u.deg)


def _observation(ra, dec, energy, obs_id=7):
    table = Table({"RA": ra, "DEC": dec, "ENERGY": energy * u.TeV})
    return SimpleNamespace(obs_id=obs_id, pointing=POINTING, events=SimpleNamespace(table=table))


def _spectrum_dataset(name="spectrum"):
    energy = MapAxis.from_energy_bounds(1, 10, 2, unit="TeV")
    geom = RegionGeom.create(ON, axes=[energy])
    dataset = SpectrumDataset.create(geom, name=name)
    dataset.mask_safe.data[...] = True
    return dataset


def test_reflected_regions_by_hand():
    regions, _ = find_reflected_regions(ON, POINTING)
    # angular size of the ON region seen from 0.5 deg: 2 asin(0.1 / 0.5) = 0.4027 rad
    # (pixel centres inside make it slightly smaller); angles from size + 0.1 rad in
    # steps of the size, below 2 pi - size - 0.1: 14 regions
    assert len(regions) == 14
    separations = [r.center.separation(POINTING).deg for r in regions]
    np.testing.assert_allclose(separations, 0.5, rtol=1e-6)
    centres = SkyCoord([r.center for r in regions])
    for i, region in enumerate(regions):
        others = np.delete(np.arange(len(regions)), i)
        # neighbours may overlap by less than one 0.01 deg pixel: the angular size is
        # measured on the pixel centres inside the region (as gammapy does)
        assert np.all(region.center.separation(centres[others]).deg > 0.2 - 0.01)
        assert region.center.separation(ON.center).deg > 0.2
    # one event at the centre of each OFF region (2 TeV) and three at the ON centre
    ra = [r.center.ra.deg for r in regions] + [83.6] * 3
    dec = [r.center.dec.deg for r in regions] + [22.0] * 3
    observation = _observation(ra, dec, np.full(len(ra), 2.0))
    on_off = ReflectedRegionsBackgroundMaker().run(_spectrum_dataset(), observation)
    np.testing.assert_array_equal(on_off.counts_off.data.ravel(), [14, 0])
    np.testing.assert_array_equal(on_off.acceptance_off.data.ravel(), [14, 14])
    np.testing.assert_allclose(on_off.alpha.data.ravel(), 1 / 14)
    assert type(on_off).__name__ == "SpectrumDatasetOnOff"


def test_reflected_regions_max_number_and_exclusion():
    regions, _ = find_reflected_regions(ON, POINTING, max_region_number=3)
    assert len(regions) == 3
    # exclude the half of the sky East of the pointing: every region lies West of it
    geom = WcsGeom.create(skydir=POINTING, width=3, binsz=0.02, proj="TAN")
    ra = geom.get_coord().lon_deg
    exclusion = Map.from_geom(geom, data=ra <= POINTING.ra.deg, dtype=bool)
    regions, _ = find_reflected_regions(ON, POINTING, exclusion_mask=exclusion)
    assert 0 < len(regions) < 14
    assert all(r.center.ra.deg < POINTING.ra.deg - 0.1 for r in regions)


def test_no_reflected_region_fits_warns_and_gives_an_empty_estimate():
    geom = WcsGeom.create(skydir=POINTING, width=3, binsz=0.02, proj="TAN")
    exclusion = Map.from_geom(geom, data=False, dtype=bool)
    observation = _observation([83.6], [21.0], np.array([2.0]), obs_id=23523)
    with pytest.warns(BackgroundMakerWarning, match=r"observation 23523.*'lonely'.*no OFF region"):
        on_off = ReflectedRegionsBackgroundMaker(exclusion_mask=exclusion).run(
            _spectrum_dataset("lonely"), observation
        )
    assert on_off.counts_off.meta["off_regions"] == []
    np.testing.assert_array_equal(on_off.counts_off.data, 0)
    np.testing.assert_array_equal(on_off.acceptance_off.data, 0)
    np.testing.assert_array_equal(on_off.alpha.data, 0)
    assert not on_off.mask_safe.data.any()


# --- rings ----------------------------------------------------------------------------


@pytest.mark.parametrize(("r_in", "width"), [(5.0, 3.0), (25.0, 15.0), (2.3, 1.7), (0.0, 4.5)])
def test_ring_kernel_equals_astropy(r_in, width):
    from astropy.convolution import Ring2DKernel, Tophat2DKernel

    ring = Ring2DKernel(r_in, width)
    ring.normalize("peak")
    np.testing.assert_array_equal(ring_kernel(r_in, width), ring.array)
    tophat = Tophat2DKernel(r_in + width)
    tophat.normalize("peak")
    np.testing.assert_array_equal(tophat_kernel(r_in + width), tophat.array)


def test_ring_by_hand_and_off_the_map():
    geom = _geom(npix=41, nbin=1, binsz=0.02)
    counts = np.zeros(geom.data_shape)
    counts[0, 20, 20] = 7.0  # the centre pixel only
    dataset = _map_dataset(geom, counts, 0.5)
    maker = RingBackgroundMaker(r_in="0.1 deg", width="0.06 deg")  # 5 and 3 pixels
    n_ring = int(ring_kernel(5.0, 3.0).sum())
    on_off = maker.run(dataset)
    # centre: a full ring of background 0.5 per pixel; no OFF counts (the ring misses it)
    assert on_off.acceptance_off.data[0, 20, 20] == pytest.approx(0.5 * n_ring)
    assert on_off.counts_off.data[0, 20, 20] == 0
    assert on_off.alpha.data[0, 20, 20] == pytest.approx(1 / n_ring)
    # every pixel at distance 5-8 pixels from the centre has the 7 counts in its ring
    y, x = np.mgrid[0:41, 0:41]
    rr = (x - 20) ** 2 + (y - 20) ** 2
    np.testing.assert_array_equal(
        on_off.counts_off.data[0], np.where((rr >= 25) & (rr <= 64), 7, 0)
    )
    # a corner pixel keeps only the quarter of the ring inside the map
    corner = on_off.acceptance_off.data[0, 0, 0]
    assert corner == pytest.approx(0.5 * ring_kernel(5.0, 3.0)[8:, 8:].sum())
    assert on_off.mask_safe.data.all()
    assert on_off.acceptance.data[0, 0, 0] == 0.5


def test_ring_wholly_off_the_map_warns_and_masks():
    geom = _geom(npix=5, nbin=1, binsz=0.02)
    dataset = _map_dataset(geom, 1.0, 1.0, name="tiny")
    with pytest.warns(BackgroundMakerWarning, match=r"observation 9.*'tiny'.*OFF acceptance"):
        on_off = RingBackgroundMaker(r_in="0.5 deg").run(dataset, SimpleNamespace(obs_id=9))
    np.testing.assert_array_equal(on_off.acceptance_off.data, 0)
    assert not on_off.mask_safe.data.any()


def test_ring_exclusion_leaves_excluded_pixels_out():
    geom = _geom(npix=41, nbin=1, binsz=0.02)
    exclusion = Map.from_geom(geom.to_image(), data=True, dtype=bool)
    exclusion.data[:, 20:] = False  # the East half (x >= 20) may not be used
    dataset = _map_dataset(geom, 1.0, 1.0)
    on_off = RingBackgroundMaker(r_in="0.1 deg", width="0.06 deg", exclusion_mask=exclusion).run(
        dataset
    )
    kernel = ring_kernel(5.0, 3.0)
    # at the centre only the kernel columns left of the centre column count
    assert on_off.counts_off.data[0, 20, 20] == kernel[:, :8].sum()


def test_adaptive_ring_takes_the_first_ring_below_threshold():
    geom = _geom(npix=61, nbin=1, binsz=0.02)
    dataset = _map_dataset(geom, 1.0, 1.0)
    kwargs = {"r_in": "0.1 deg", "width": "0.06 deg", "r_out_max": "0.5 deg"}
    ring = RingBackgroundMaker(r_in="0.1 deg", width="0.06 deg").run(dataset)
    # generous threshold: the smallest ring everywhere, the result of the plain ring
    adaptive = AdaptiveRingBackgroundMaker(threshold_alpha=10.0, theta="0.02 deg", **kwargs)
    out = adaptive.run(dataset)
    np.testing.assert_array_equal(out.counts_off.data, ring.counts_off.data)
    np.testing.assert_array_equal(out.acceptance_off.data, ring.acceptance_off.data)
    # theta 0.02 deg = 1 pixel: a 5-pixel disk; at the centre the first ring with
    # 5 / n_ring <= 0.05 (n_ring >= 100) is taken
    adaptive = AdaptiveRingBackgroundMaker(threshold_alpha=0.05, theta="0.02 deg", **kwargs)
    out = adaptive.run(dataset)
    sizes = [k.sum() for k in adaptive.kernels(geom)]
    expected = next(s for s in sizes if 5 / s <= 0.05)
    assert out.acceptance_off.data[0, 30, 30] == expected
    assert out.acceptance.data[0, 30, 30] == 1.0


def test_adaptive_ring_without_any_ring_below_threshold_masks():
    geom = _geom(npix=21, nbin=1, binsz=0.02)
    dataset = _map_dataset(geom, 1.0, 1.0, name="never")
    maker = AdaptiveRingBackgroundMaker(
        r_in="0.1 deg", width="0.06 deg", r_out_max="0.3 deg", threshold_alpha=1e-6
    )
    with pytest.warns(BackgroundMakerWarning, match="'never'"):
        out = maker.run(dataset, SimpleNamespace(obs_id=1))
    assert not out.mask_safe.data.any()
    np.testing.assert_array_equal(out.counts_off.data, 0)
    with pytest.raises(ValueError, match="no ring fits"):
        AdaptiveRingBackgroundMaker(r_in="0.5 deg", width="0.3 deg", r_out_max="0.6 deg").run(
            dataset
        )
