"""WcsGeom against gammapy 2.1.

Expected numbers were computed once with gammapy 2.1 (numpy 2.4, astropy 7.2, regions
0.10, Python 3.11) in ``benchmarks/.venv-peers`` by this script (abridged)::

    ax = MapAxis.from_energy_bounds("1 TeV", "10 TeV", 11)
    g = WcsGeom.create(skydir=skydir, width=5 * u.deg, binsz=0.02, frame=frame,
                       proj=proj, axes=[ax])
    c = g.get_coord(); c["lon"][0, j, i], c["lat"][0, j, i]         # pixel centres
    sa = g.to_image().solid_angle(); sa.sum(), sa[j, i]
    g.region_mask([CircleSkyRegion(SkyCoord(83.633, 22.014, unit="deg"), 0.2 * u.deg)])
    cg = g.cutout(position, width); cg.npix, cg.wcs.wcs.crpix
    g.coord_to_pix((SkyCoord(84.1, 21.5, unit="deg"), 3 * u.TeV))
    g.separation(SkyCoord(83.633, 22.014, unit="deg"))

for (proj, frame, skydir) in CAR/icrs/(83.63, 22.01), TAN/icrs/(83.63, 22.01) and
TAN/galactic/(184.56, -5.78), at the pixels (i, j) of ``PIXELS``.
"""

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from regions import CircleSkyRegion

from cherenkit.maps import MapAxis, WcsGeom

PIXELS = [(0, 0), (0, 249), (249, 0), (249, 249), (125, 125), (17, 203)]
CRAB = SkyCoord(83.633, 22.014, unit="deg")

GAMMAPY = {
    ("CAR", "icrs", (83.63, 22.01)): {
        "lonlat": [
            [86.26909739245212, 19.498511369138495],
            [86.36348940752805, 24.477742872866536],
            [80.99090260754787, 19.498511369138495],
            [80.89651059247194, 24.477742872866536],
            [83.61921313080711, 22.019999647218548],
            [85.9748040993174, 23.56351411135925],
        ],
        "sa_sum": 0.007613019156979302,
        "sa_pix": [
            1.2173191999020697e-07,
            1.2173191981755966e-07,
            1.2173191999004688e-07,
            1.217319198176372e-07,
            1.2184696359650598e-07,
            1.2180122377166132e-07,
        ],
        "mask_count": 317,
        "cutout_edge": ([53, 63], [-71.5, 125.5]),
        "coord_to_pix": [102.63435614358366, 99.03361001602467, 4.748333801916287],
        "sep": [
            3.5217046727567127,
            3.5160419538315217,
            3.525632978872955,
            3.5199765716089555,
            0.014119515175755501,
            2.6573947957668578,
        ],
    },
    ("TAN", "icrs", (83.63, 22.01)): {
        "lonlat": [
            [86.26750972353004, 19.502447242647214],
            [86.36169406985687, 24.4738620296966],
            [80.99249027646995, 19.502447242647214],
            [80.89830593014312, 24.473862029696594],
            [83.61921313091666, 22.019999646964703],
            [85.97367961386593, 23.562033614879688],
        ],
        "sa_sum": 0.007600968713833835,
        "sa_pix": [
            1.2115983895431436e-07,
            1.2115980663495164e-07,
            1.2115981069038287e-07,
            1.2115984266758318e-07,
            1.2184694998695807e-07,
            1.2145342246810783e-07,
        ],
        "mask_count": 317,
        "cutout_edge": ([53, 63], [-71.5, 125.5]),
        "coord_to_pix": [102.63393153340365, 99.03219737067346, 4.748333801916287],
        "sep": [
            3.5178330384006036,
            3.5121729871884364,
            3.5217631992309335,
            3.516109466644361,
            0.014119514975965657,
            2.655699109703519,
        ],
    },
    ("TAN", "galactic", (184.56, -5.78)): {
        "lonlat": [
            [187.07217121534757, -8.26059738276847],
            [187.05019352003237, -3.2884643217371923],
            [182.04782878465244, -8.260597382768472],
            [182.06980647996764, -3.2884643217371936],
            [184.54994907710733, -5.76999991192111],
            [186.71399393671894, -4.207428468383121],
        ],
        "sa_sum": 0.007600968749250746,
        "sa_pix": [
            1.2115981949014283e-07,
            1.211598275921285e-07,
            1.2115983107847006e-07,
            1.2115982304245173e-07,
            1.218469505555308e-07,
            1.2145343410194307e-07,
        ],
        "mask_count": 316,
        "cutout_edge": ([75, 16], [63.5, 125.5]),
        "coord_to_pix": [91.2961562319078, 128.87621683531648, 4.748333801916287],
        "sep": [
            3.515174257966361,
            3.521803522691547,
            3.5121333699031965,
            3.518768356390805,
            0.016656398995822337,
            2.664805447792067,
        ],
    },
}
CASES = list(GAMMAPY)


@pytest.fixture(scope="module")
def energy_axis():
    return MapAxis.from_energy_bounds("1 TeV", "10 TeV", 11)


def _geom(case, axes):
    proj, frame, skydir = case
    return WcsGeom.create(
        skydir=skydir, width=5 * u.deg, binsz=0.02, frame=frame, proj=proj, axes=axes
    )


@pytest.mark.parametrize("case", CASES)
def test_pixel_centres_and_header(case, energy_axis):
    geom = _geom(case, [energy_axis])
    ref = GAMMAPY[case]
    assert geom.data_shape == (11, 250, 250) and geom.npix == (250, 250)
    assert list(geom.wcs.wcs.crpix) == [125.5, 125.5]
    assert list(geom.wcs.wcs.cdelt) == [-0.02, 0.02]
    coord = geom.get_coord()
    assert coord["lon"].shape == geom.data_shape and coord["lon"].unit == u.deg
    got = [[coord.lon_deg[0, j, i], coord.lat_deg[0, j, i]] for i, j in PIXELS]
    np.testing.assert_allclose(got, ref["lonlat"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(coord["energy"][:, 0, 0], energy_axis.center, rtol=1e-15)
    pix = geom.coord_to_pix((SkyCoord(84.1, 21.5, unit="deg"), 3 * u.TeV))
    np.testing.assert_allclose([float(np.squeeze(p)) for p in pix], ref["coord_to_pix"], rtol=1e-12)
    back = geom.pix_to_coord(pix)
    np.testing.assert_allclose(back[2].to_value("TeV"), 3.0, rtol=1e-12)
    sep = geom.separation(CRAB).deg
    np.testing.assert_allclose([sep[j, i] for i, j in PIXELS], ref["sep"], rtol=1e-12)
    assert geom.center_skydir.frame.name == case[1]
    x, y, e = geom.get_pix()
    assert x[0, 3, 7] == 7 and y[0, 3, 7] == 3 and e[4, 0, 0] == 4


@pytest.mark.parametrize("case", CASES)
def test_solid_angle(case, energy_axis):
    geom = _geom(case, [energy_axis])
    ref = GAMMAPY[case]
    # gammapy's convention (two plane triangles per pixel) to 1e-10
    tri = geom.solid_angle(method="triangles").to_value("sr")
    assert tri.shape == (250, 250)
    np.testing.assert_allclose(tri.sum(), ref["sa_sum"], rtol=1e-10)
    np.testing.assert_allclose([tri[j, i] for i, j in PIXELS], ref["sa_pix"], rtol=1e-10)
    # the exact value differs from gammapy's approximation by < 3e-7
    exact = geom.solid_angle().to_value("sr")
    np.testing.assert_allclose(exact.sum(), ref["sa_sum"], rtol=3e-8)
    np.testing.assert_allclose([exact[j, i] for i, j in PIXELS], ref["sa_pix"], rtol=3e-7)
    # TAN maps great circles to straight lines: the spherical quadrilateral through the
    # corners is exact there, an independent check of the closed form
    if case[0] == "TAN":
        np.testing.assert_allclose(geom._solid_angle_corners(), exact, rtol=1e-9)


def test_solid_angle_exact_closed_cases():
    # the whole sky in CAR: 4 pi
    allsky = WcsGeom.create(binsz=1.0)
    assert allsky.npix == (360, 180)
    np.testing.assert_allclose(allsky.solid_angle().sum().to_value("sr"), 4 * np.pi, rtol=1e-13)
    # CAR centred on the equator: a pixel is a lon/lat rectangle
    geom = WcsGeom.create(skydir=(0, 0), npix=(3, 5), binsz=(2.0, 4.0))
    lat = np.deg2rad([-10, -6, -2, 2, 6, 10])
    expected = np.deg2rad(2.0) * np.diff(np.sin(lat))
    np.testing.assert_allclose(
        geom.solid_angle().to_value("sr"), expected[:, None] * [1, 1, 1], rtol=1e-13
    )
    # one TAN pixel spanning the tangent-plane square [-1, 1]^2: a cube face, 4 pi / 6
    face = WcsGeom.create(skydir=(10, 20), npix=1, binsz=2 * np.rad2deg(1.0), proj="TAN")
    np.testing.assert_allclose(face.solid_angle().to_value("sr"), [[4 * np.pi / 6]], rtol=1e-13)


@pytest.mark.parametrize("case", CASES)
def test_region_mask(case, energy_axis):
    geom = _geom(case, [energy_axis])
    region = CircleSkyRegion(CRAB, 0.2 * u.deg)
    mask = geom.region_mask([region])
    assert mask.data.dtype == bool and mask.data.shape == geom.data_shape
    assert mask.data[0].sum() == GAMMAPY[case]["mask_count"]
    assert mask.data.sum() == 11 * GAMMAPY[case]["mask_count"]  # gammapy: 3487 / 3476
    image = geom.to_image().region_mask(region, inside=False)
    assert (~image.data).sum() == GAMMAPY[case]["mask_count"]
    ds9 = geom.to_image().region_mask("icrs;circle(83.633, 22.014, 0.2)")
    assert ds9.data.sum() == GAMMAPY[case]["mask_count"]


@pytest.mark.parametrize("case", CASES)
def test_cutout(case, energy_axis):
    geom = _geom(case, [energy_axis])
    centre = geom.cutout(CRAB, 1 * u.deg)
    assert centre.npix == (50, 50) and list(centre.wcs.wcs.crpix) == [25.5, 25.5]
    assert list(centre.wcs.wcs.crval) == list(case[2]) and centre.axes == geom.axes
    npix, crpix = GAMMAPY[case]["cutout_edge"]
    edge = geom.cutout(SkyCoord(81.3, 20.0, unit="deg"), 1.5 * u.deg)
    assert list(edge.npix) == npix and list(edge.wcs.wcs.crpix) == crpix
    odd = geom.cutout(CRAB, (0.51 * u.deg, 0.33 * u.deg))
    assert odd.npix == (26, 16) and list(odd.wcs.wcs.crpix) == [13.5, 8.5]


def test_image_cube_equality_header(energy_axis):
    geom = _geom(CASES[0], [energy_axis])
    image = geom.to_image()
    assert image.data_shape == (250, 250) and image.is_image
    assert image.to_cube([energy_axis]) == geom
    assert geom != image and geom == _geom(CASES[0], [energy_axis])
    header = geom.to_header()
    assert header["WCSSHAPE"] == "(250,250,11)" and header["AXCOLS1"] == "E_MIN,E_MAX"
    assert WcsGeom.from_header(header).to_image() == image
    assert geom.contains(
        (SkyCoord([83.63, 90.0], [22.01, 22.01], unit="deg"), [2, 2] * u.TeV)
    ).tolist() == [True, False]
    assert geom.contains({"skycoord": CRAB, "energy": 20 * u.TeV}) == np.False_
    with pytest.raises(ValueError, match="miss the axes"):
        geom.contains({"skycoord": CRAB})
    bv = geom.bin_volume()
    assert bv.shape == geom.data_shape and bv.unit == u.sr * u.TeV
