"""Spatial models: flux fractions per pixel (normalisation, containment, disk areas,
point-source centroid, orientation), gammapy reference values, frames and regions."""

import math

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from regions import CircleAnnulusSkyRegion, CircleSkyRegion, EllipseSkyRegion, PointSkyRegion

from cherenkit.errors import ParameterError
from cherenkit.maps import Map, WcsGeom
from cherenkit.modeling import (
    ConstantTemporalModel,
    DiskSpatialModel,
    GaussianSpatialModel,
    PointSpatialModel,
    ShellSpatialModel,
    TemplateSpatialModel,
)

# the geometry of the gammapy reference numbers below
REF_GEOM = WcsGeom.create(skydir=(0, 0), npix=(24, 20), binsz=0.05, frame="galactic")
REF_PIXELS = ([9, 9, 6, 12, 8], [9, 10, 12, 7, 10])  # (iy, ix)


def _geom(frame="icrs", proj="CAR", binsz=0.02, width=4.0):
    return WcsGeom.create(skydir=(83.6, 22.0), width=width, binsz=binsz, frame=frame, proj=proj)


EXTENDED = {
    "gauss": GaussianSpatialModel(lon_0=83.63, lat_0=22.01, sigma=0.2),
    "gauss-ell": GaussianSpatialModel(lon_0=83.63, lat_0=22.01, sigma=0.25, e=0.8, phi=30),
    "gauss-small": GaussianSpatialModel(lon_0=83.63, lat_0=22.01, sigma=0.004),
    "disk": DiskSpatialModel(lon_0=83.63, lat_0=22.01, r_0=0.5),
    "disk-sharp": DiskSpatialModel(lon_0=83.63, lat_0=22.01, r_0=0.3, edge_width=0),
    "disk-ell": DiskSpatialModel(lon_0=83.63, lat_0=22.01, r_0=0.6, e=0.7, phi=-50, edge_width=0.2),
    "shell": ShellSpatialModel(lon_0=83.63, lat_0=22.01, radius=0.4, width=0.15),
    # a galactic model on the ICRS map
    "gauss-galactic": GaussianSpatialModel(lon_0=184.55, lat_0=-5.78, sigma=0.3, frame="galactic"),
}


@pytest.mark.parametrize("name", sorted(EXTENDED))
@pytest.mark.parametrize("proj", ["CAR", "TAN"])
def test_integrate_geom_sums_to_one(name, proj):
    model = EXTENDED[name]
    result = model.integrate_geom(_geom(proj=proj))
    assert result.unit == u.one
    assert result.geom.data_shape == (200, 200)
    assert result.data.sum() == pytest.approx(1.0, abs=1e-3)
    assert result.data.min() >= 0


def test_integrate_geom_ignores_non_spatial_axes_and_matches_private_array():
    from cherenkit.maps import MapAxis

    axis = MapAxis.from_energy_bounds(1, 10, 3, unit="TeV", name="energy_true")
    geom = _geom().to_cube([axis])
    model = EXTENDED["gauss"]
    result = model.integrate_geom(geom)
    assert result.geom.axes == ()
    np.testing.assert_array_equal(result.data, model._integrate_pixels(geom.to_image()))


def test_cutout_holds_all_of_the_flux():
    """The cut-out result equals the evaluation of every pixel of the map."""
    geom = _geom(binsz=0.05)
    for model in EXTENDED.values():
        n = model._oversampling(geom)
        full = (slice(0, geom.npix[1]), slice(0, geom.npix[0]))
        everywhere = model._box_mean(geom, full, n) * geom.solid_angle().value
        cut = model._integrate_pixels(geom, oversampling_factor=n)
        # a Gaussian has exp(-12.5) = 4e-6 of its flux beyond 5σ
        np.testing.assert_allclose(cut, everywhere, rtol=0, atol=1e-8)
        assert everywhere.sum() - cut.sum() < 5e-6


def test_gaussian_containment_radius():
    sigma = 0.3
    model = GaussianSpatialModel(lon_0=83.6, lat_0=22.0, sigma=sigma)
    geom = _geom(binsz=0.01, width=3.2)
    fraction = model.integrate_geom(geom).data.ravel()
    sep = geom.separation(model.position).deg.ravel()
    order = np.argsort(sep)
    containment = np.cumsum(fraction[order])
    r68 = np.interp(0.68, containment, sep[order])
    # 2-d normal distribution: 1 - exp(-r²/2σ²) = 0.68 → r = σ √(-2 ln 0.32) = 1.5096 σ
    assert r68 / sigma == pytest.approx(math.sqrt(-2 * math.log(0.32)), rel=5e-3)
    assert r68 / sigma == pytest.approx(1.51, abs=0.01)


def test_gaussian_matches_gammapy():
    # gammapy 2.1: GaussianSpatialModel(lon_0="0.1 deg", lat_0="-0.05 deg",
    # sigma="0.15 deg", frame="galactic").integrate_geom(REF_GEOM).data (2 sub-pixels per side)
    expected = [0.017083698730522474, 0.01708369873052247, 0.008811704100617684,
                0.006328469984860613, 0.017083685720539418]  # fmt: skip
    model = GaussianSpatialModel(lon_0=0.1, lat_0=-0.05, sigma=0.15, frame="galactic")
    assert model._oversampling(REF_GEOM) == 2
    data = model.integrate_geom(REF_GEOM).data
    np.testing.assert_allclose(data[REF_PIXELS], expected, rtol=1e-6)
    assert data.sum() == pytest.approx(0.9981203823536207, rel=1e-6)


def test_elliptical_gaussian_in_another_frame_matches_gammapy():
    # gammapy 2.1: GaussianSpatialModel(lon_0="266.5 deg", lat_0="-28.9 deg", sigma="0.2 deg",
    # e=0.8, phi="30 deg", frame="icrs").integrate_geom(REF_GEOM) (galactic map, no
    # oversampling); the normalisations differ by 8e-7 (gammapy's is the small-angle one)
    expected = [0.015668456445698448, 0.01615964586925702, 0.00879418316319418,
                0.004315313884631809, 0.016280803498188806]  # fmt: skip
    model = GaussianSpatialModel(lon_0=266.5, lat_0=-28.9, sigma=0.2, e=0.8, phi=30)
    data = model._integrate_pixels(REF_GEOM, oversampling_factor=1)
    np.testing.assert_allclose(data[REF_PIXELS], expected, rtol=2e-6)
    assert data.sum() == pytest.approx(0.9953598055569136, rel=2e-6)


def test_shell_matches_gammapy():
    # gammapy 2.1: ShellSpatialModel(lon_0="0.1 deg", lat_0="-0.05 deg", radius="0.2 deg",
    # width="0.1 deg", frame="galactic").integrate_geom(REF_GEOM).data × (180/π)² (gammapy
    # returns deg⁻² sr); gammapy samples pixel centres only, without edge refinement
    expected = np.array([1.9340078768343747e-06, 1.9340078768343747e-06, 2.8484391854321243e-06,
                         4.002861618873594e-06, 1.9340063961544467e-06]) * (180 / np.pi) ** 2  # fmt: skip
    model = ShellSpatialModel(lon_0=0.1, lat_0=-0.05, radius=0.2, width=0.1, frame="galactic")
    data = model._integrate_pixels(REF_GEOM, oversampling_factor=1)
    np.testing.assert_allclose(data[REF_PIXELS], expected, rtol=1e-6)
    # with the edge refinement the total is right (gammapy: 0.99579)
    assert model.integrate_geom(REF_GEOM).data.sum() == pytest.approx(1.0, abs=2e-4)


def test_point_source_matches_gammapy_and_keeps_the_centroid():
    model = PointSpatialModel(lon_0=0.123, lat_0=-0.0456, frame="galactic")
    data = model.integrate_geom(REF_GEOM).data
    # gammapy 2.1 PointSpatialModel(...).integrate_geom(REF_GEOM); by hand: the position is
    # at pixel (x, y) = (11.5 - 0.123/0.05, 9.5 - 0.0456/0.05) = (9.04, 8.588), so
    # w(9, 9) = 0.96 × 0.588, w(9, 10) = 0.04 × 0.588, w(8, 10) = 0.04 × 0.412
    expected = [0.5644799999999998, 0.023519999999999465, 0.0, 0.0, 0.016479999999999682]
    np.testing.assert_allclose(data[REF_PIXELS], expected, rtol=1e-12, atol=1e-15)
    assert np.count_nonzero(data) == 4
    assert data.sum() == pytest.approx(1.0, rel=1e-14)
    x0, y0 = REF_GEOM.wcs.wcs_world2pix(0.123, -0.0456, 0)
    y, x = np.indices(data.shape)
    assert (data * x).sum() == pytest.approx(float(x0), rel=0, abs=1e-12)
    assert (data * y).sum() == pytest.approx(float(y0), rel=0, abs=1e-12)


def test_point_source_in_another_frame_and_outside():
    crab = SkyCoord(83.633, 22.0145, unit="deg")
    geom = WcsGeom.create(skydir=crab, width=4.0, binsz=0.1, frame="galactic")
    model = PointSpatialModel.from_position(crab)
    data = model.integrate_geom(geom).data
    x0, y0 = geom.wcs.wcs_world2pix(*[[v] for v in (crab.galactic.l.deg, crab.galactic.b.deg)], 0)
    y, x = np.indices(data.shape)
    assert (data * x).sum() == pytest.approx(x0[0], abs=1e-9)
    assert (data * y).sum() == pytest.approx(y0[0], abs=1e-9)
    far = PointSpatialModel(lon_0=10.0, lat_0=-40.0)
    assert not far.integrate_geom(geom).data.any()
    with pytest.raises(TypeError, match="PointSpatialModel has no surface brightness"):
        model(1 * u.deg, 2 * u.deg)


def _overlap_fraction(geom, centre_lonlat, radius, n=400):
    """Area of each pixel inside a circle, by fine sampling of pixel coordinates in
    the tangent plane (independent of the model code); normalised to 1."""
    x0, y0 = (float(v) for v in geom.wcs.wcs_world2pix(*centre_lonlat, 0))
    scale = float(geom.pixel_scales.deg[0])
    r_pix = radius / scale
    offsets = (np.arange(n) + 0.5) / n - 0.5
    out = np.zeros(geom.data_shape_image)
    for iy in range(int(y0 - r_pix) - 1, int(y0 + r_pix) + 3):
        dy = iy + offsets[:, None] - y0
        for ix in range(int(x0 - r_pix) - 1, int(x0 + r_pix) + 3):
            dx = ix + offsets[None, :] - x0
            out[iy, ix] = np.mean(dx**2 + dy**2 <= r_pix**2)
    return out / out.sum()


def test_disk_pixel_fractions_equal_the_overlap_areas():
    geom = WcsGeom.create(skydir=(30.0, 10.0), npix=40, binsz=0.05, proj="TAN")
    model = DiskSpatialModel(lon_0=30.013, lat_0=10.021, r_0=0.37, edge_width=0)
    expected = _overlap_fraction(geom, (30.013, 10.021), 0.37)
    data = model.integrate_geom(geom).data
    full_pixel = 0.05**2 / (np.pi * 0.37**2)
    assert np.abs(data - expected).max() < 5e-3 * full_pixel
    # inside pixels carry exactly one pixel area of flux (relative to the disk on the sphere)
    assert data.max() == pytest.approx(expected.max(), rel=1e-4)
    assert data.sum() == pytest.approx(1.0, abs=1e-4)


def _sphere_integral(model, edge, smooth=0.0):
    """∫ f dΩ over the sphere around (0, 0) by Gauss-Legendre in θ on three segments
    split at the edge ``edge(ψ)`` (rad) ± 8 ``smooth``, and the periodic trapezoid in ψ."""
    from astropy.coordinates import offset_by

    psi = np.arange(256) * (2 * np.pi / 256)
    r_e = edge(psi)[:, None]
    nodes, weights = np.polynomial.legendre.leggauss(96)
    lo = np.clip(r_e - 8 * smooth, 0, np.pi)
    hi = np.clip(r_e + 8 * smooth, 0, np.pi)
    total = 0.0
    for a, b in [(0.0 * r_e, lo), (lo, hi), (hi, np.pi + 0.0 * r_e)]:
        theta = a + (b - a) * (nodes + 1) / 2
        lon, lat = offset_by(0.0, 0.0, psi[:, None], theta)
        values = model.evaluate(lon.deg, lat.deg, **model.parameter_values)
        total += np.sum((b - a) / 2 * weights * np.sin(theta) * values) * (2 * np.pi / 256)
    return total


def _ellipse_edge(major_deg, e, phi_deg):
    a, b = np.deg2rad(major_deg), np.deg2rad(major_deg) * np.sqrt(1 - e**2)
    delta = np.deg2rad(phi_deg)
    return lambda psi: a * b / np.hypot(a * np.sin(delta - psi), b * np.cos(delta - psi))


@pytest.mark.parametrize("e, edge_width", [(0.0, 0.0), (0.0, 0.3), (0.9, 0.1), (0.6, 0.0)])
def test_disk_normalisation_is_exact_on_the_sphere(e, edge_width):
    model = DiskSpatialModel(r_0=20.0, e=e, edge_width=edge_width, phi=10)  # large: curved
    edge = _ellipse_edge(20.0, e, 10)
    smooth = np.deg2rad(20.0) * edge_width / 3.29
    assert _sphere_integral(model, edge, smooth) == pytest.approx(1.0, rel=1e-6)


@pytest.mark.parametrize("e", [0.0, 0.95])
def test_gaussian_normalisation_is_exact_on_the_sphere(e):
    model = GaussianSpatialModel(sigma=15.0, e=e, phi=40)
    assert _sphere_integral(model, lambda psi: np.full_like(psi, 2.0)) == pytest.approx(
        1.0, rel=1e-6
    )


@pytest.mark.parametrize("phi, long_axis", [(0.0, "lat"), (90.0, "lon"), (-90.0, "lon")])
def test_elliptical_gaussian_is_oriented_by_phi(phi, long_axis):
    e = 0.8
    model = GaussianSpatialModel(lon_0=83.6, lat_0=22.0, sigma=0.2, e=e, phi=phi)
    geom = WcsGeom.create(skydir=(83.6, 22.0), npix=201, binsz=0.01, proj="TAN")
    data = model.integrate_geom(geom).data
    y, x = np.indices(data.shape) - 100.0
    var_x, var_y = (data * x**2).sum(), (data * y**2).sum()
    ratio = var_x / var_y if long_axis == "lon" else var_y / var_x
    assert ratio == pytest.approx(1 / (1 - e**2), rel=1e-2)  # (major / minor)²
    assert abs((data * x * y).sum()) < 1e-3 * var_x


def test_elliptical_gaussian_position_angle_is_east_of_north():
    # phi = 45°: the major axis points north-east, i.e. to +lat and +lon, which is to
    # the upper *left* of a map with longitude increasing to the left
    model = GaussianSpatialModel(lon_0=0, lat_0=0, sigma=0.2, e=0.9, phi=45)
    # along the major axis vs the minor axis at d = 0.1√2 deg: exp(d²/2 (1/σ_b² - 1/σ²)) = 2.90
    ratio = (model(0.1, 0.1) / model(-0.1, 0.1)).value
    assert ratio == pytest.approx(np.exp(0.5 * 0.02 * (1 / (0.2**2 * 0.19) - 1 / 0.2**2)), rel=1e-3)
    geom = WcsGeom.create(skydir=(0, 0), npix=101, binsz=0.01, proj="TAN")
    data = model.integrate_geom(geom).data
    y, x = np.indices(data.shape) - 50.0
    assert (data * x * y).sum() < 0  # pixel x grows to the west


def test_frames_round_trip_through_position():
    model = GaussianSpatialModel(lon_0=184.5575, lat_0=-5.7843, frame="galactic")
    assert model.position.frame.name == "galactic"
    model.position = SkyCoord(83.633, 22.0145, unit="deg")
    assert model.lon_0.value == pytest.approx(184.5575, abs=1e-3)
    assert model.position.icrs.ra.deg == pytest.approx(83.633, abs=1e-9)
    with pytest.raises(
        ParameterError,
        match=r"GaussianSpatialModel\.frame: expected one of \['icrs', 'galactic'\], got 'fk4'",
    ):
        GaussianSpatialModel(frame="fk4")


def test_evaluation_radius_and_regions():
    gauss = GaussianSpatialModel(sigma=0.2, e=0.6, phi=20)
    assert gauss.evaluation_radius == pytest.approx(1.0)
    region = gauss.to_region()
    assert isinstance(region, EllipseSkyRegion)
    assert region.height.to_value("deg") == pytest.approx(0.4)
    assert region.width.to_value("deg") == pytest.approx(0.4 * 0.8)
    assert region.angle.to_value("deg") == pytest.approx(20)
    disk = DiskSpatialModel(r_0=0.5, edge_width=0.1)
    assert disk.evaluation_radius == pytest.approx(0.6)
    assert isinstance(disk.to_region(), CircleSkyRegion)
    shell = ShellSpatialModel(radius=0.5, width=0.2)
    assert shell.evaluation_radius == pytest.approx(0.7)
    assert isinstance(shell.to_region(), CircleAnnulusSkyRegion)
    point = PointSpatialModel(lon_0=1, lat_0=2)
    assert point.evaluation_radius == 0
    assert isinstance(point.to_region(), PointSkyRegion)


def test_model_partly_outside_the_map_loses_flux_without_error():
    geom = _geom(width=2.0)  # centred on (83.6, 22)
    model = GaussianSpatialModel(lon_0=83.6, lat_0=23.0, sigma=0.2)  # on the top edge
    assert model.integrate_geom(geom).data.sum() == pytest.approx(0.5, abs=0.02)
    far = DiskSpatialModel(lon_0=200, lat_0=-30, r_0=1)
    assert not far.integrate_geom(geom).data.any()


def test_call_accepts_quantities_and_degrees():
    model = GaussianSpatialModel(sigma=0.2)
    value = model(6 * u.arcmin, 0 * u.deg)
    assert value.unit == u.Unit("sr-1")
    assert value.value == pytest.approx(float(model(0.1, 0.0).value))
    peak = model(0, 0).value
    # at the centre: 1 / (2π σ²) for a small σ
    assert peak == pytest.approx(1 / (2 * np.pi * np.deg2rad(0.2) ** 2), rel=1e-5)
    assert model(0.1, 0).value / peak == pytest.approx(np.exp(-0.5 * 0.25), rel=1e-5)


def _template_map(frame="galactic"):
    geom = WcsGeom.create(skydir=(0.0, 0.0), npix=(120, 100), binsz=0.01, frame=frame)
    gauss = GaussianSpatialModel(lon_0=0.05, lat_0=-0.03, sigma=0.1, frame=frame)
    return gauss, gauss.evaluate_geom(geom)


def test_template_reproduces_the_model_it_was_made_from():
    gauss, template_map = _template_map()
    template = TemplateSpatialModel(template_map, filename=None)
    assert template.frame == "galactic"
    assert template.lon_0.frozen and template.lon_0.value == pytest.approx(0.0, abs=1e-9)
    geom = WcsGeom.create(skydir=(0.0, 0.0), npix=30, binsz=0.04, frame="galactic")
    data = template.integrate_geom(geom).data
    # the 0.04 deg pixel centres fall half-way between the template's 0.01 deg nodes, where
    # interpolation linear in log(value) is lowest: -(0.005/σ)²/2 = -1.25e-3 per direction
    assert data.sum() == pytest.approx(1.0, abs=3e-3)
    expected = gauss.integrate_geom(geom).data
    assert np.abs(data - expected).max() < 0.02 * expected.max()
    # on another frame's grid
    icrs = WcsGeom.create(skydir=SkyCoord(0, 0, unit="deg", frame="galactic"), npix=40,
                          binsz=0.04, frame="icrs")  # fmt: skip
    assert template.integrate_geom(icrs).data.sum() == pytest.approx(1.0, abs=3e-3)
    assert template.evaluation_radius == pytest.approx(0.5 * np.hypot(1.2, 1.0), rel=1e-6)


def test_template_normalisation_and_shift():
    _, template_map = _template_map()
    counts = Map.from_geom(template_map.geom, data=template_map.data * 7.0)  # per pixel
    template = TemplateSpatialModel(counts)
    omega = template_map.geom.solid_angle().value
    assert np.sum(template.map.data * omega) == pytest.approx(1.0, rel=1e-12)
    assert template.map.unit == u.Unit("sr-1")
    raw = TemplateSpatialModel(template_map.to_unit("deg-2") * 2, normalize=False)
    assert np.sum(raw.map.data * omega) == pytest.approx(2.0, rel=1e-3)
    shifted = TemplateSpatialModel(template_map, lon_0=0.2, lat_0=0.1)
    assert shifted(0.25, 0.07).value == pytest.approx(template(0.05, -0.03).value, rel=1e-5)
    with pytest.raises(
        ParameterError, match=r"TemplateSpatialModel\.map: the unit TeV is not a surface brightness"
    ):
        TemplateSpatialModel(Map.from_geom(template_map.geom, data=1.0, unit="TeV"))
    with pytest.raises(ParameterError, match="holds no flux"):
        TemplateSpatialModel(Map.from_geom(template_map.geom, data=0.0))


def test_constant_temporal_model():
    from astropy.time import Time

    model = ConstantTemporalModel()
    assert model.kind == "temporal" and len(model.parameters) == 0
    np.testing.assert_array_equal(model(Time([55000.0, 55001.0], format="mjd")), [1.0, 1.0])
    t_min = Time([55000.0, 55001.0, 55003.0], format="mjd")
    t_max = Time([55000.5, 55002.0, 55003.5], format="mjd")
    np.testing.assert_allclose(model.integral(t_min, t_max), [0.25, 0.5, 0.25])
    with pytest.raises(ValueError, match="t_max is before t_min"):
        model.integral(t_max, t_min)
