"""Maps: filling, lookup, interpolation, reductions, arithmetic, region maps, FITS, plots.

Expected numbers were computed once with gammapy 2.1 (numpy 2.4, astropy 7.2, regions
0.10, Python 3.11) in ``benchmarks/.venv-peers``::

    rng = np.random.default_rng(42); n = 20000
    ra, dec = rng.normal(83.63, 1.5, n), rng.normal(22.01, 1.5, n)
    e = np.exp(rng.uniform(np.log(0.5), np.log(20), n)); w = rng.uniform(0, 2, n)
    ax = MapAxis.from_energy_bounds("1 TeV", "10 TeV", 11)
    g = WcsGeom.create(skydir=(83.63, 22.01), width=5 * u.deg, binsz=0.02, frame="icrs",
                       proj="CAR", axes=[ax])
    m = Map.from_geom(g, dtype=float); m.fill_by_coord({"skycoord": ..., "energy": e * u.TeV})
    (the same with weights=w)
    m2.data = (lon - 83) ** 2 + 3 * lat + 5 * ln(E / TeV) + 0.3 E / TeV   # at bin centres
    m2.interp_by_coord(POINTS), (method="nearest"), (values_scale="log"), m2.get_by_coord(POINTS)
    rg = RegionGeom.create("icrs;circle(83.633, 22.014, 0.11)", axes=[ax]); rg.solid_angle()
    Map.from_geom(rg).fill_by_coord(...)

FITS interoperability was checked by hand in that venv: maps written by `Map.write`
(energy + offset cube in TAN/galactic, a node axis "migra", an image) read with
gammapy 2.1 `Map.read` give equal geometries (``m.geom == WcsGeom.create(...)``) and data,
and maps written by gammapy 2.1 (cube, image, nodes axis, the filled map above) read
back here with the same geometry and data.
"""

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord

from cherenkit.maps import Map, MapAxis, RegionGeom, RegionNDMap, WcsGeom, WcsNDMap

FILL_PER_ENERGY = [881, 967, 912, 1010, 953, 915, 926, 937, 950, 978, 989]
FILL_WEIGHTED = [
    859.0225411068853,
    971.0606030334477,
    941.5488869614027,
    1008.5837045015583,
    938.4781873177537,
    880.5741039800562,
    936.0459474435413,
    948.8903209027483,
    974.4808188983986,
    975.8968917193803,
    994.7482531911916,
]
INTERP_LINEAR = [73.85529601693221, 64.28438021898731, 86.43351497049419]
INTERP_NEAREST = [73.99576164939616, 64.87276067480592, 85.85566566030147]
INTERP_LOG_VALUES = [73.85425070829494, 64.29157776488616, 86.44038383883948]
REGION_SOLID_ANGLE = 1.1579504563585668e-05
REGION_FILL = [3, 4, 5, 4, 4, 2, 4, 5, 2, 2, 2]
POINTS = {
    "skycoord": SkyCoord([84.011, 83.0, 82.3], [22.5, 21.33, 23.9], unit="deg"),
    "energy": [2.5, 1.0, 9.7] * u.TeV,
}


@pytest.fixture(scope="module")
def energy_axis():
    return MapAxis.from_energy_bounds("1 TeV", "10 TeV", 11)


@pytest.fixture(scope="module")
def geom(energy_axis):
    return WcsGeom.create(
        skydir=(83.63, 22.01),
        width="5 deg",
        binsz=0.02,
        frame="icrs",
        proj="CAR",
        axes=[energy_axis],
    )


@pytest.fixture(scope="module")
def events():
    rng = np.random.default_rng(42)
    n = 20000
    ra, dec = rng.normal(83.63, 1.5, n), rng.normal(22.01, 1.5, n)
    energy = np.exp(rng.uniform(np.log(0.5), np.log(20), n))
    weights = rng.uniform(0, 2, n)
    coords = {"skycoord": SkyCoord(ra, dec, unit="deg"), "energy": energy * u.TeV}
    return coords, weights


def test_fill_by_coord(geom, events):
    coords, weights = events
    counts = Map.from_geom(geom)
    assert isinstance(counts, WcsNDMap) and counts.data.dtype == np.float64
    counts.fill_by_coord(coords)
    assert counts.data.sum() == 10418
    assert counts.data.sum(axis=(1, 2)).tolist() == FILL_PER_ENERGY
    assert counts.data.max() == 2
    assert np.unravel_index(counts.data.argmax(), counts.data.shape) == (0, 55, 134)
    weighted = Map.from_geom(geom)
    weighted.fill_by_coord(coords, weights=weights)
    np.testing.assert_allclose(weighted.data.sum(axis=(1, 2)), FILL_WEIGHTED, rtol=1e-12)
    # same bins through the tuple form (lon, lat, energy) in the map frame
    again = Map.from_geom(geom)
    sky = coords["skycoord"]
    again.fill_by_coord((sky.ra.deg, sky.dec.deg, coords["energy"]))
    assert again == counts


def test_get_and_interp_by_coord(geom):
    coord = geom.get_coord()
    energy = coord["energy"].to_value("TeV")
    data = (coord.lon_deg - 83) ** 2 + 3 * coord.lat_deg + 5 * np.log(energy) + 0.3 * energy
    values = Map.from_geom(geom, data=data)
    np.testing.assert_allclose(values.interp_by_coord(POINTS), INTERP_LINEAR, rtol=1e-13)
    np.testing.assert_allclose(
        values.interp_by_coord(POINTS, method="nearest"), INTERP_NEAREST, rtol=1e-15
    )
    np.testing.assert_allclose(values.get_by_coord(POINTS), INTERP_NEAREST, rtol=1e-15)
    np.testing.assert_allclose(
        values.interp_by_coord(POINTS, values_scale="log"), INTERP_LOG_VALUES, rtol=1e-13
    )
    outside = {"skycoord": SkyCoord(100, 0, unit="deg"), "energy": 2 * u.TeV}
    assert np.isnan(values.get_by_coord(outside))
    assert values.interp_by_coord(outside, fill_value=-1.0) == -1.0
    # at bin centres interpolation returns the data; linear in ln E between centres
    at_centres = values.interp_by_coord(
        {
            "skycoord": SkyCoord(coord.lon_deg[:, 7, 9], coord.lat_deg[:, 7, 9], unit="deg"),
            "energy": coord["energy"][:, 7, 9],
        }
    )
    np.testing.assert_allclose(at_centres, values.data[:, 7, 9], rtol=1e-12)


def test_reductions_and_arithmetic(geom):
    ones = Map.from_geom(geom, data=1.0, unit="cm-2 s-1")
    summed = ones.sum_over_axes()
    assert summed.data.shape == (1, 250, 250) and summed.geom.axes[0].nbin == 1
    assert summed.geom.axes[0].edges_value.tolist() == geom.axes[0].edges_value[[0, -1]].tolist()
    assert np.all(summed.data == 11) and summed.unit == u.Unit("cm-2 s-1")
    image = ones.sum_over_axes(keepdims=False)
    assert image.geom == geom.to_image() and image.data.shape == (250, 250)
    peak = ones.reduce_over_axes(func=np.maximum)
    assert np.all(peak.data == 1)
    exposure = ones * (2 * u.Unit("m2 s"))
    assert exposure.unit.is_equivalent(u.dimensionless_unscaled)
    np.testing.assert_allclose(exposure.quantity.to_value(""), 2e4)
    total = ones + 3 * u.Unit("m-2 s-1")
    np.testing.assert_allclose(total.data, 1.0003)
    ratio = total / ones
    np.testing.assert_allclose(ratio.data, 1.0003)
    with pytest.raises(u.UnitConversionError):
        ones + 1.0
    mask = geom.region_mask("icrs;circle(83.633, 22.014, 0.2)")
    assert (mask & ~mask).data.sum() == 0 and (mask | ~mask).data.all()
    copy = ones.copy(unit="TeV")
    copy.data[0] = 5
    assert ones.data[0, 0, 0] == 1 and copy.unit == u.TeV
    with pytest.raises(ValueError, match="data_shape"):
        WcsNDMap(geom, np.zeros((3, 3)))


def test_cutout_map(geom, events):
    counts = Map.from_geom(geom)
    counts.fill_by_coord(events[0])
    crab = SkyCoord(83.633, 22.014, unit="deg")
    cut = counts.cutout(crab, 1 * u.deg)
    assert cut.data.shape == (11, 50, 50)
    # pixels keep their values: compare by sky position
    np.testing.assert_array_equal(cut.data, counts.get_by_coord(cut.geom.get_coord()))
    edge = counts.cutout(SkyCoord(81.3, 20.0, unit="deg"), 1.5 * u.deg, mode="partial")
    assert edge.data.shape == (11, 75, 75)
    assert np.isnan(edge.data).any() and np.nansum(edge.data) > 0


def test_region_map(energy_axis, events):
    coords, _ = events
    geom = RegionGeom.create("icrs;circle(83.633, 22.014, 0.11)", axes=[energy_axis])
    assert geom.data_shape == (11, 1, 1)
    np.testing.assert_allclose(geom.solid_angle().to_value("sr"), REGION_SOLID_ANGLE, rtol=1e-5)
    inside = geom.contains(SkyCoord([83.633, 83.75, 83.633], [22.014, 22.014, 22.2], unit="deg"))
    assert inside.tolist() == [True, True, False]
    assert geom.center_skydir.ra.deg == 83.633 and geom.to_image().data_shape == (1, 1)
    on = Map.from_geom(geom)
    assert isinstance(on, RegionNDMap)
    on.fill_by_coord(coords)
    assert on.data.ravel().tolist() == REGION_FILL
    assert on.get_by_coord({"energy": 1.1 * u.TeV}) == 3
    np.testing.assert_allclose(on.interp_by_coord({"energy": energy_axis.center[1]}), 4)
    assert on.sum_over_axes(keepdims=False).data.tolist() == [[sum(REGION_FILL)]]
    made = Map.create(region="icrs;circle(83.633, 22.014, 0.11)", axes=[energy_axis])
    assert made.geom == geom


def test_write_read_round_trip(tmp_path, energy_axis):
    offset = MapAxis.from_bounds(0, 2, 2, unit="deg", name="offset")
    migra = MapAxis.from_nodes([0.5, 1.0, 1.5], name="migra")
    cube = Map.create(
        skydir=(0, 0),
        width=1,
        binsz=0.5,
        axes=[energy_axis, offset, migra],
        frame="galactic",
        proj="TAN",
        unit="cm-2 s-1",
    )
    cube.data[:] = np.arange(cube.data.size).reshape(cube.data.shape)
    cube.write(tmp_path / "cube.fits")
    back = Map.read(tmp_path / "cube.fits")
    assert back == cube and back.geom.axes[2].node_type == "center"
    with pytest.raises(FileExistsError):
        cube.write(tmp_path / "cube.fits")
    image = Map.create(skydir=(83.63, 22.01), width=2, binsz=0.1)
    image.data[3, 4] = 7
    image.write(tmp_path / "image.fits", hdu="counts")
    again = Map.read(tmp_path / "image.fits", hdu="COUNTS")
    assert again == image and again.geom.frame == "icrs"
    with pytest.raises(KeyError, match="no HDU"):
        Map.read(tmp_path / "image.fits", hdu="EXPOSURE")


@pytest.mark.data
def test_read_gammapy_cutout(reference_dir):
    path = reference_dir / "gammapy" / "map_stacked_fov_images.fits"
    counts = Map.read(path, hdu="COUNTS")
    # the central 3x3 deg (150 x 150 px) cut-out of the 5 deg, 0.02 deg CAR map
    parent = WcsGeom.create(skydir=(83.63, 22.01), width=5, binsz=0.02)
    expected = parent.cutout(SkyCoord(83.63, 22.01, unit="deg"), 3 * u.deg)
    assert counts.geom == expected and counts.geom.npix == (150, 150)
    assert list(counts.geom.wcs.wcs.crpix) == [75.5, 75.5]
    assert counts.data.sum() > 0 and counts.geom.projection == "CAR"
    exposure = Map.read(path, hdu="EXPOSURE_SUM_M2S")
    assert exposure.geom == counts.geom


def test_plots_render(tmp_path, geom, energy_axis, events):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = Map.from_geom(geom)
    counts.fill_by_coord(events[0])
    fig = plt.figure()
    ax = counts.sum_over_axes().plot(fig=fig, add_cbar=True, stretch="sqrt")
    assert ax.wcs is not None
    fig.savefig(tmp_path / "counts.png")
    plt.close(fig)
    with pytest.raises(ValueError, match="one image"):
        counts.plot()
    on = Map.create(region="icrs;circle(83.633, 22.014, 0.11)", axes=[energy_axis])
    on.fill_by_coord(events[0])
    fig, ax = plt.subplots()
    on.plot(ax=ax)
    fig.savefig(tmp_path / "spectrum.png")
    plt.close(fig)
    assert (tmp_path / "counts.png").stat().st_size > 0
    assert (tmp_path / "spectrum.png").stat().st_size > 0


def test_import_is_lazy():
    import subprocess
    import sys

    code = (
        "import sys, cherenkit, cherenkit.maps; "
        "heavy = [m for m in ('astropy.wcs', 'astropy.io.fits', 'regions', 'scipy') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
