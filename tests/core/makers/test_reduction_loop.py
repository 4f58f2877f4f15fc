"""The seed's reduction loop against `DatasetsMaker`, the fast paths against the plain
ones, and bad inputs (missing IRF, no overlap, exclusion mask in another frame).

Data: the four H.E.S.S. DL3 DR1 Crab runs (a 2.4 deg map around the Crab, which keeps
the tests fast while every run's 6 deg cut-out still overlaps it partly).
"""

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from regions import CircleSkyRegion

from cherenkit.data import DataStore
from cherenkit.datasets import MapDataset
from cherenkit.errors import DataFormatError
from cherenkit.makers import DatasetsMaker, MapDatasetMaker, SafeMaskMaker
from cherenkit.maps import MapAxis, WcsGeom

pytestmark = pytest.mark.data

OBS_IDS = [23523, 23526, 23559, 23592]
CENTRE = SkyCoord(83.63, 22.01, unit="deg", frame="icrs")


@pytest.fixture(scope="module")
def store(data_dir):
    return DataStore.from_dir(data_dir / "hess-dl3-dr1")


@pytest.fixture(scope="module")
def observations(store):
    return store.get_observations(OBS_IDS)


def _geom(skydir=(83.63, 22.01), width=2.4, frame="icrs"):
    energy = MapAxis.from_energy_bounds(1, 10, 5, unit="TeV")
    return WcsGeom.create(
        skydir=skydir, width=width, binsz=0.02, frame=frame, proj="CAR", axes=[energy]
    )


def _stacked(geom=None):
    return MapDataset.create(geom or _geom(), binsz_irf=0.2, name="stacked")


def _fov_maker(geom, frame="icrs"):
    from cherenkit_background import FoVBackgroundMaker

    mask_geom = geom if frame == geom.frame else _geom(skydir=CENTRE, frame=frame)
    mask_geom = mask_geom.to_image()
    centre = CENTRE if frame == "icrs" else CENTRE.transform_to(frame)
    exclusion = mask_geom.region_mask([CircleSkyRegion(centre, 0.2 * u.deg)], inside=False)
    return FoVBackgroundMaker(exclusion_mask=exclusion)


def _assert_identical(a, b):
    for key in ("counts", "background", "exposure", "mask_safe"):
        np.testing.assert_array_equal(getattr(a, key).data, getattr(b, key).data, err_msg=key)
    np.testing.assert_array_equal(a.psf.psf_map.data, b.psf.psf_map.data)
    np.testing.assert_array_equal(a.psf.exposure_map.data, b.psf.exposure_map.data)
    np.testing.assert_array_equal(a.edisp.edisp_map.data, b.edisp.edisp_map.data)
    np.testing.assert_array_equal(a.edisp.exposure_map.data, b.edisp.exposure_map.data)
    assert a.livetime == b.livetime


def test_seed_loop_equals_datasets_maker(observations):
    """The loop of gammapy's analysis seed (cut-out of the stacked dataset around each
    pointing, MapDatasetMaker, SafeMaskMaker, FoVBackgroundMaker, ``stacked.stack``) and
    ``DatasetsMaker(..., stack_datasets=True, cutout_width="6 deg")`` stack bit for bit
    the same counts, background, exposure, safe mask, PSF and edisp maps, whether the
    observations come as a list or as an iterator."""
    geom = _geom()
    makers = [
        MapDatasetMaker(),
        SafeMaskMaker(methods=["aeff-default", "offset-max"], offset_max="3 deg"),
        _fov_maker(geom),
    ]
    loop = _stacked(geom)
    for observation in observations:
        dataset = loop.cutout(observation.pointing, width=6 * u.deg, name="cut")
        for maker in makers:
            dataset = maker.run(dataset, observation)
        loop.stack(dataset)
    maker = DatasetsMaker(makers, stack_datasets=True, cutout_width="6 deg")
    stacked = maker.run(_stacked(geom), observations)[0]
    _assert_identical(stacked, loop)
    # an iterator (each observation freed after its turn) stacks the same
    lazy = maker.run(_stacked(geom), (obs for obs in observations))[0]
    _assert_identical(lazy, loop)
    assert stacked.counts.data.sum() > 0
    assert stacked.background.data.sum() > 0
    assert list(stacked.meta_table["OBS_ID"]) == OBS_IDS


@pytest.mark.filterwarnings("ignore:overflow encountered in exp")
def test_background_fast_path_is_the_plain_evaluation(observations):
    """`evaluate_energy_pixels` (numba, the 3-d background on the pixel grid) equals
    ``Background3D.evaluate_values`` on the broadcast grid bit for bit, also for pixels
    beyond the template's FoV (0 there) and energies beyond its axis."""
    from cherenkit.data._utils import sky_to_fov_rad
    from cherenkit.makers import _reduction as red

    geom = _geom(width=14).to_image()  # reaches beyond the templates' +-6 deg FoV axes
    energy = np.geomspace(0.01, 500, 25)  # beyond the energy axis at both ends
    for observation in observations:  # (the exp of extrapolated log rates may overflow)
        bkg = red.fill_background_energy_gaps(observation.bkg)
        pointing = observation.pointing
        ra, dec = np.deg2rad(red.pixel_lonlat_icrs(geom))
        lon, lat = np.rad2deg(sky_to_fov_rad(ra, dec, pointing.ra.rad, pointing.dec.rad))
        plain = bkg.evaluate_values([energy[:, None, None], lon[None], lat[None]])
        fast = red.evaluate_energy_pixels(bkg, energy, [lon, lat])
        np.testing.assert_array_equal(fast, plain)
        assert (plain == 0).any() and (plain > 0).any()


def test_geometry_caches_do_not_change_results(observations):
    """Cut-outs and pixel offsets are cached per sky image; a geometry built afresh (no
    cache) gives the same maps bit for bit, and the offsets follow the pointing."""
    from cherenkit.makers import _reduction as red

    first, second = observations[0], observations[2]
    geom = _geom()
    cached = geom.cutout(first.pointing, 6 * u.deg)
    assert geom.cutout(first.pointing, 6 * u.deg).to_image()._cache is cached._cache
    fresh = WcsGeom(cached.wcs.deepcopy(), cached.npix, cached.axes)
    np.testing.assert_array_equal(
        MapDatasetMaker().make_background(cached, first).data,
        MapDatasetMaker().make_background(fresh, first).data,
    )
    true = [geom.axis("energy").copy(name="energy_true")]
    np.testing.assert_array_equal(
        MapDatasetMaker.make_exposure(cached.replace_axes(true), first).data,
        MapDatasetMaker.make_exposure(fresh.replace_axes(true), first).data,
    )
    offsets_first = red.pixel_offsets_deg(cached, first.pointing)
    offsets_second = red.pixel_offsets_deg(cached, second.pointing)
    np.testing.assert_array_equal(offsets_second, red.pixel_offsets_deg(fresh, second.pointing))
    assert not np.array_equal(offsets_first, offsets_second)


# --- bad inputs ------------------------------------------------------------------------


@pytest.fixture
def store_without_bkg(store, tmp_path):
    """A data store whose HDU index lacks the background of run 23526."""
    from astropy.table import Table

    hdu = Table.read(store.hdu_table.meta["INDEX_FILE"])
    keep = ~((hdu["OBS_ID"] == 23526) & (np.char.strip(hdu["HDU_TYPE"]) == "bkg"))
    hdu = hdu[keep]
    hdu.meta["BASE_DIR"] = store.hdu_table.meta["BASE_DIR"]
    hdu.write(tmp_path / "hdu-index.fits.gz")
    Table.read(store.obs_table.meta["INDEX_FILE"]).write(tmp_path / "obs-index.fits.gz")
    return DataStore.from_dir(tmp_path)


def test_missing_irf_is_a_clear_error(store_without_bkg):
    """An observation without the background IRF: loading it with the default
    ``required_irf`` is a `DataFormatError` already; loaded with "all-optional", the
    MapDatasetMaker whose selection needs the background raises `DataFormatError`
    naming the observation, the HDU and what to do; without "background" in the
    selection the run reduces."""
    with pytest.raises(DataFormatError, match=r"observation 23526 lacks.*\['bkg'\]"):
        store_without_bkg.get_observations([23523, 23526])
    observations = store_without_bkg.get_observations([23523, 23526], required_irf="all-optional")
    maker = DatasetsMaker([MapDatasetMaker()], cutout_width="6 deg")
    with pytest.raises(DataFormatError, match=r"observation 23526.*no 'bkg' HDU.*selection"):
        maker.run(_stacked(), observations)
    selection = ["counts", "exposure", "psf", "edisp"]
    stacked = DatasetsMaker([MapDatasetMaker(selection=selection)], cutout_width="6 deg").run(
        _stacked(), observations
    )[0]
    assert stacked.counts.data.sum() > 0
    assert stacked.background.data.sum() == 0


def test_geometry_without_overlap_is_skipped(observations):
    """A geometry that no observation overlaps: DatasetsMaker skips every run (their
    cut-outs are empty), so the stacked dataset stays empty (zero counts, exposure and
    live time, nothing safe) and ``stack_datasets=False`` returns no dataset."""
    far = _geom(skydir=(250.0, -40.0))
    makers = [MapDatasetMaker(), SafeMaskMaker(methods=["offset-max"], offset_max="2.5 deg")]
    stacked = DatasetsMaker(makers, cutout_width="6 deg").run(_stacked(far), observations)
    assert len(stacked) == 1
    (dataset,) = stacked
    assert dataset.counts.data.sum() == 0
    assert dataset.exposure.data.sum() == 0
    assert not dataset.mask_safe.data.any()
    assert dataset.meta_table is None
    per_run = DatasetsMaker(makers, stack_datasets=False, cutout_width="6 deg").run(
        _stacked(far), observations
    )
    assert len(per_run) == 0


@pytest.mark.filterwarnings("ignore:overflow encountered in exp")
def test_geometry_without_overlap_and_no_cutout_gives_an_empty_dataset(observations):
    """Without a cut-out, MapDatasetMaker on a sky region far from the pointing gives a
    defined empty dataset: no counts, zero exposure and background (the IRFs are 0
    beyond their offset axes), and SafeMaskMaker's offset-max leaves nothing safe."""
    dataset = _stacked(_geom(skydir=(250.0, -40.0)))
    dataset = MapDatasetMaker().run(dataset, observations[0])
    dataset = SafeMaskMaker(methods=["offset-max"], offset_max="2.5 deg").run(
        dataset, observations[0]
    )
    assert dataset.counts.data.sum() == 0
    assert dataset.exposure.data.sum() == 0
    assert dataset.background.data.sum() == 0
    assert not dataset.mask_safe.data.any()


def test_exclusion_mask_in_another_frame(observations):
    """An exclusion mask on a galactic grid excludes the same sky: its pixels are looked
    up at the icrs dataset's pixel centres (transformed to galactic), so the FoV
    normalisation agrees with that of the icrs mask to the pixelisation of the circle
    (here 3e-3), and the Crab stays excluded."""
    from cherenkit_background._utils import exclusion_on_geom

    geom = _geom()
    dataset = MapDatasetMaker().run(_stacked(geom), observations[0])
    icrs, galactic = _fov_maker(geom), _fov_maker(geom, frame="galactic")
    usable = exclusion_on_geom(galactic.exclusion_mask, geom)
    iy, ix = (round(v) for v in geom.to_image().center_pix[::-1])
    assert not usable[iy, ix]
    assert usable.sum() == pytest.approx(exclusion_on_geom(icrs.exclusion_mask, geom).sum(), 1e-2)
    norm_icrs = icrs.run(dataset).background.meta["fov_background_norm"]
    norm_galactic = galactic.run(dataset).background.meta["fov_background_norm"]
    assert norm_galactic == pytest.approx(norm_icrs, rel=3e-3)
