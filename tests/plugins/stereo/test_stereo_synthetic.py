"""Worked examples with known truth, selection, degenerate input and batching.

The synthetic showers are built from first principles (no code of the plugin):
a shower axis through a known core with a known direction, its maximum at a known
point ``X``; each telescope at ``T`` sees the centroid in the direction ``X - T``
and the source in the shower direction, and its image axis is the great circle
through both (the plane spanned by the axis and the telescope).

Conventions (those of `cherenkit.instrument.frames`): ground frame x north,
y west, z up; horizontal vectors ``(cos alt cos az, cos alt sin az, sin alt)`` with
az east of north, so the ground vector is ``(h0, -h1, h2)``; telescope-frame
offsets are the spherical coordinates after ``R_y(-alt) R_z(az)``.
"""

import warnings

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import EarthLocation

from cherenkit.instrument import (
    CameraDescription,
    CameraGeometry,
    CameraReadout,
    OpticsDescription,
    SubarrayDescription,
    TelescopeDescription,
)
from cherenkit.reco import DL2_COLUMNS, StereoParameters
from cherenkit.testing import check_reconstructor
from cherenkit_stereo import HillasIntersection, HillasReconstructor
from cherenkit_stereo.hillas import axis_step

RECONSTRUCTORS = (HillasReconstructor, HillasIntersection)


# --- geometry from first principles ---------------------------------------------------


def _horizontal(alt, az):
    return np.array([np.cos(alt) * np.cos(az), np.cos(alt) * np.sin(az), np.sin(alt)])


def _ground(alt, az):
    h = _horizontal(alt, az)
    return np.array([h[0], -h[1], h[2]])


def _rotation(alt, az):
    """R_y(-alt) R_z(az): horizontal components → offset-frame components."""
    ca, sa, cz, sz = np.cos(alt), np.sin(alt), np.cos(az), np.sin(az)
    return np.array([[ca * cz, ca * sz, sa], [-sz, cz, 0.0], [-sa * cz, -sa * sz, ca]])


def _offset_of_ground_vector(g, alt, az):
    o = _rotation(alt, az) @ np.array([g[0], -g[1], g[2]])
    o = o / np.linalg.norm(o)
    return np.arctan2(o[1], o[0]), np.arcsin(o[2])


def _ground_vector_of_offset(lon, lat, alt, az):
    o = np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])
    h = _rotation(alt, az).T @ o
    return np.array([h[0], -h[1], h[2]])


def _subarray(positions):
    """Telescopes with a tiny square camera (radius known) at the given ground positions."""
    geometry = CameraGeometry.make_rectangular(n_x=5, n_y=5)
    readout = CameraReadout(
        name="Toy",
        sampling_rate=1 * u.GHz,
        reference_pulse_shape=np.ones((1, 10)),
        reference_pulse_sample_width=1 * u.ns,
        n_channels=1,
        n_pixels=geometry.n_pixels,
        n_samples=20,
    )
    camera = CameraDescription(name="Toy", geometry=geometry, readout=readout)
    optics = OpticsDescription(
        name="Toy",
        size_type="MST",
        reflector_shape="PARABOLIC",
        equivalent_focal_length=16 * u.m,
        effective_focal_length=16.5 * u.m,
        mirror_area=100 * u.m**2,
        n_mirrors=1,
        n_mirror_tiles=80,
    )
    tel = TelescopeDescription(name="Toy", optics=optics, camera=camera)
    return SubarrayDescription(
        name="toy",
        tel_positions={i + 1: p * u.m for i, p in enumerate(positions)},
        tel_descriptions={i + 1: tel for i in range(len(positions))},
        reference_location=EarthLocation(lon=-17.89 * u.deg, lat=28.76 * u.deg, height=2200 * u.m),
    )


class Shower:
    """A shower seen by telescopes: the true values and the Hillas columns they give."""

    def __init__(self, alt, az, core, x_max_distance, positions, pointings, *, exact_axis):
        self.alt, self.az = np.deg2rad(alt), np.deg2rad(az)
        self.core = np.array([core[0], core[1], 0.0])
        direction = _ground(self.alt, self.az)
        self.x_max = self.core + x_max_distance * direction
        self.positions = np.asarray(positions, dtype=float)
        self.subarray = _subarray(self.positions)
        step = axis_step(self.subarray)  # rad, the second axis point used by `hillas`
        self.rows = []
        for k, (t, (p_alt, p_az)) in enumerate(zip(self.positions, pointings, strict=True)):
            p_alt, p_az = np.deg2rad(p_alt), np.deg2rad(p_az)
            lon_c, lat_c = _offset_of_ground_vector(self.x_max - t, p_alt, p_az)
            lon_s, lat_s = _offset_of_ground_vector(direction, p_alt, p_az)
            psi = np.arctan2(lat_s - lat_c, lon_s - lon_c)
            if exact_axis:
                # turn psi so that the point one step along it lies on the great circle
                normal = np.cross(self.x_max - t, direction)

                def off_plane(
                    angle, lon_c=lon_c, lat_c=lat_c, normal=normal, k=k, p_alt=p_alt, p_az=p_az
                ):
                    g = _ground_vector_of_offset(
                        lon_c + step[k] * np.cos(angle),
                        lat_c + step[k] * np.sin(angle),
                        p_alt,
                        p_az,
                    )
                    return normal @ g

                low, high = psi - 0.2, psi + 0.2
                assert off_plane(low) * off_plane(high) < 0
                for _ in range(80):
                    mid = 0.5 * (low + high)
                    if off_plane(low) * off_plane(mid) <= 0:
                        high = mid
                    else:
                        low = mid
                psi = 0.5 * (low + high)
            self.rows.append((lon_c, lat_c, psi, p_alt, p_az))

    def parameters(self, *, intensity=None, n_events=1, event=0):
        n = len(self.rows)
        rows = np.array(self.rows)
        return StereoParameters(
            n_events=n_events,
            event_index=np.full(n, event),
            tel_id=np.arange(1, n + 1),
            pointing_alt=np.rad2deg(rows[:, 3]),
            pointing_az=np.rad2deg(rows[:, 4]),
            array_pointing_alt=np.full(n_events, np.rad2deg(rows[0, 3])),
            array_pointing_az=np.full(n_events, np.rad2deg(rows[0, 4])),
            columns={
                "hillas_fov_lon": np.rad2deg(rows[:, 0]),
                "hillas_fov_lat": np.rad2deg(rows[:, 1]),
                "hillas_psi": np.rad2deg(rows[:, 2]),
                "hillas_length": np.full(n, 0.3),
                "hillas_width": np.full(n, 0.1),
                "hillas_intensity": np.full(n, 200.0) if intensity is None else intensity,
                "hillas_is_valid": np.ones(n, dtype=bool),
                "morphology_n_pixels": np.full(n, 20),
                "leakage_intensity_width_2": np.zeros(n),
            },
        )


def _angle_deg(alt1, az1, alt2, az2):
    a = _horizontal(np.deg2rad(alt1), np.deg2rad(az1))
    b = _horizontal(np.deg2rad(alt2), np.deg2rad(az2))
    return np.rad2deg(np.arctan2(np.linalg.norm(np.cross(a, b)), a @ b))


SQUARE = [[120.0, 10.0, 3.0], [-20.0, 150.0, -2.0], [-140.0, -30.0, 1.0], [30.0, -110.0, 0.0]]


@pytest.fixture(scope="module")
def divergent_shower():
    """Four telescopes at different heights, pointing up to 1.5 deg apart; 5 TeV-ish geometry."""
    pointings = [(69.0, 8.0), (70.5, 11.5), (68.8, 10.2), (70.0, 9.0)]
    return Shower(70.3, 10.4, (35.0, -60.0), 9000.0, SQUARE, pointings, exact_axis=True)


@pytest.fixture(scope="module")
def plus_shower():
    """Telescopes in the two planes where the image axes are straight lines in (lon, lat).

    All telescopes point at the source, so images are radial lines through the
    origin; in the vertical plane of the pointing (psi = 90 deg) and the plane
    perpendicular to it (psi = 0) they are great circles *and* straight.
    """
    alt, az = np.deg2rad(65.0), np.deg2rad(200.0)
    d = _ground(alt, az)
    up = _ground_vector_of_offset(0.0, np.pi / 2, alt, az)  # frame pole: lat direction
    side = np.cross(up, d)  # lon direction (sign irrelevant)
    core = np.array([-40.0, 25.0, 0.0])
    positions = []
    for v, a in ((up, 160.0), (up, -90.0), (side, 130.0), (side, -170.0)):
        p = core + a * v
        positions.append(p - p[2] / d[2] * d)  # slide along the axis direction to z = 0
    pointings = [(65.0, 200.0)] * 4
    return Shower(65.0, 200.0, core[:2], 11000.0, positions, pointings, exact_axis=False)


# --- worked examples ---------------------------------------------------------------


def test_hillas_recovers_a_shower_with_divergent_pointing(divergent_shower):
    s = divergent_shower
    result = HillasReconstructor()(s.subarray, s.parameters())
    assert result["is_valid"][0] and result["multiplicity"][0] == 4
    assert _angle_deg(result["alt"][0], result["az"][0], 70.3, 10.4) < 1e-9
    # the core is the crossing of the axes projected along the *array pointing*, so it is
    # exact only when that is the shower direction (see the straight-axes test); here the
    # pointing is 0.4 deg off the shower and the telescopes stand at different heights
    core_error = np.hypot(result["core_x"][0] - 35.0, result["core_y"][0] + 60.0)
    assert 1e-3 < core_error < 2.0
    # h_max: the lines towards the centroids all meet at X (ground frame height)
    np.testing.assert_allclose(result["h_max"][0], s.x_max[2], rtol=1e-10)
    # every crossing is the true direction: the spread is zero
    assert result["alt_uncert"][0] < 1e-9


@pytest.mark.parametrize("cls", RECONSTRUCTORS)
def test_both_recover_a_shower_with_straight_axes(plus_shower, cls):
    s = plus_shower
    result = cls()(s.subarray, s.parameters())
    assert result["is_valid"][0] and result["multiplicity"][0] == 4
    assert _angle_deg(result["alt"][0], result["az"][0], 65.0, 200.0) < 1e-9
    np.testing.assert_allclose([result["core_x"][0], result["core_y"][0]], [-40.0, 25.0], atol=1e-7)
    assert result["alt_uncert"][0] < 1e-9 and result["alt_uncert"][0] == result["az_uncert"][0]


def test_hillas_intersection_h_max_is_impact_over_disp(plus_shower):
    """h_max = mean over telescopes of impact / disp (small-angle distance to the
    maximum), times cos(zenith): here within the small-angle error of the truth."""
    s = plus_shower
    result = HillasIntersection()(s.subarray, s.parameters())
    d = _ground(s.alt, s.az)
    distances = []
    for t in s.positions:
        along = (s.x_max - t) @ d  # projection of X - T on the axis
        impact = np.linalg.norm((s.core - t) - ((s.core - t) @ d) * d)
        disp = np.arccos(along / np.linalg.norm(s.x_max - t))  # centroid–source angle
        distances.append(impact / disp)
    expected = np.mean(distances) * np.sin(s.alt)
    np.testing.assert_allclose(result["h_max"][0], expected, rtol=1e-9)
    assert abs(result["h_max"][0] - s.x_max[2]) / s.x_max[2] < 1e-3


def test_weights_change_nothing_for_an_exact_shower(divergent_shower):
    s = divergent_shower
    params = s.parameters(intensity=np.array([80.0, 500.0, 120.0, 3000.0]))
    for weighting in ("intensity-length-width", "intensity", "equal"):
        result = HillasReconstructor(weighting=weighting)(s.subarray, params)
        assert _angle_deg(result["alt"][0], result["az"][0], 70.3, 10.4) < 1e-9
    np.testing.assert_allclose(result["average_intensity"], [925.0])


def test_weighting_choices_weight_inexact_showers_differently(plus_shower):
    s = plus_shower
    params = s.parameters(intensity=np.array([60.0, 5000.0, 300.0, 70.0]))
    params.columns["hillas_psi"][0] += 1.0  # spoil one axis by 1 deg
    konrad = HillasIntersection()(s.subarray, params)
    angle = HillasIntersection(weighting="angle")(s.subarray, params)
    assert konrad["is_valid"][0] and angle["is_valid"][0]
    assert konrad["alt"][0] != angle["alt"][0]
    assert konrad["alt_uncert"][0] > 0


# --- selection, degenerate input, batches ----------------------------------------------


def _columns_equal(a, b):
    assert set(a) == set(b)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def _assert_not_reconstructed(result, rows):
    for name in DL2_COLUMNS:
        values = result[name][rows]
        if name == "is_valid":
            assert not values.any()
        elif name == "multiplicity":
            assert (values == 0).all()
        else:
            assert np.isnan(values).all(), name
    assert not result["telescopes"][rows].any()


@pytest.mark.parametrize("cls", RECONSTRUCTORS)
def test_columns_and_types(plus_shower, cls):
    result = cls()(plus_shower.subarray, plus_shower.parameters())
    assert set(DL2_COLUMNS) <= set(result)
    extra = {"telescopes", "core_tilted_x", "core_tilted_y"}
    extra |= {"core_tilted_uncert_x", "core_tilted_uncert_y"}
    assert set(result) - set(DL2_COLUMNS) == extra
    assert result["multiplicity"].dtype == np.int16
    assert result["is_valid"].dtype == bool
    assert result["telescopes"].shape == (1, 4) and result["telescopes"].all()
    # quantities ctapipe does not define stay NaN
    assert np.isnan(result["core_uncert_x"][0]) and np.isnan(result["h_max_uncert"][0])


@pytest.mark.parametrize("cls", RECONSTRUCTORS)
@pytest.mark.parametrize("n_usable", [0, 1])
def test_too_few_telescopes_give_empty_rows(plus_shower, cls, n_usable):
    s = plus_shower
    intensity = np.array([10.0, 10.0, 10.0, 10.0])
    intensity[:n_usable] = 500.0
    result = cls()(s.subarray, s.parameters(intensity=intensity))
    _assert_not_reconstructed(result, 0)


@pytest.mark.parametrize("cls", RECONSTRUCTORS)
def test_min_multiplicity_and_quality_cuts_are_applied(plus_shower, cls):
    s = plus_shower
    params = s.parameters()
    params.columns["morphology_n_pixels"][1] = 3  # fails min_pixels=4
    result = cls()(s.subarray, params)
    assert result["multiplicity"][0] == 3
    assert result["telescopes"][0].tolist() == [True, False, True, True]
    assert not cls(min_multiplicity=4)(s.subarray, params)["is_valid"][0]


@pytest.mark.parametrize("cls", RECONSTRUCTORS)
def test_parallel_axes_are_not_valid(plus_shower, cls):
    """Two telescopes in the same plane through the axis: the planes and axes coincide."""
    s = plus_shower
    params = s.parameters()
    params.columns["hillas_intensity"][2:] = 0.0  # keep telescopes 1 and 2 (same plane)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = cls()(s.subarray, params)
    _assert_not_reconstructed(result, 0)


@pytest.mark.parametrize("cls", RECONSTRUCTORS)
@pytest.mark.parametrize(
    "column", ["hillas_fov_lon", "hillas_psi", "hillas_length", "hillas_intensity"]
)
def test_nan_parameters_give_invalid_rows_without_warnings(plus_shower, cls, column):
    s = plus_shower
    params = s.parameters()
    params.columns[column][:] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = cls()(s.subarray, params)
    if column == "hillas_length" and cls is HillasIntersection:
        assert result["is_valid"][0]  # this method does not use the length
    else:
        _assert_not_reconstructed(result, 0)


def _variants(good):
    """Six versions of one event: rotated axes, brighter; one with a single usable
    telescope (k = 2), one with NaN positions (k = 4)."""
    variants = []
    for k in range(6):
        columns = {name: values.copy() for name, values in good.columns.items()}
        columns["hillas_psi"] += 0.3 * k * np.array([1.0, -1.0, 0.5, 0.0])
        columns["hillas_intensity"] *= 1.0 + 0.1 * k
        if k == 2:
            columns["hillas_intensity"][1:] = 1.0  # one usable telescope
        if k == 4:
            columns["hillas_fov_lat"][:] = np.nan
        variants.append(columns)
    return variants


def _mixed_batch(good, variants):
    """The variants as one batch, their telescope rows interleaved and shuffled."""
    n = len(good.tel_id)
    order = np.random.default_rng(1).permutation(n * len(variants))
    return StereoParameters(
        n_events=len(variants),
        event_index=np.repeat(np.arange(len(variants)), n)[order],
        tel_id=np.tile(good.tel_id, len(variants))[order],
        pointing_alt=np.tile(good.pointing_alt, len(variants))[order],
        pointing_az=np.tile(good.pointing_az, len(variants))[order],
        array_pointing_alt=np.repeat(good.array_pointing_alt, len(variants)),
        array_pointing_az=np.repeat(good.array_pointing_az, len(variants)),
        columns={name: np.concatenate([v[name] for v in variants])[order] for name in good.columns},
    )


@pytest.mark.parametrize("cls", RECONSTRUCTORS)
def test_the_reconstructor_contract(plus_shower, cls):
    good = plus_shower.parameters()
    check_reconstructor(cls(), plus_shower.subarray, _mixed_batch(good, _variants(good)))


@pytest.mark.parametrize("cls", RECONSTRUCTORS)
def test_batch_equals_events_one_by_one_in_order(plus_shower, divergent_shower, cls):
    """Valid and invalid events mixed in one batch, rows interleaved and shuffled."""
    s = plus_shower
    good = s.parameters()
    variants = _variants(good)
    singles = []
    for columns in variants:
        one = StereoParameters(
            n_events=1,
            event_index=good.event_index,
            tel_id=good.tel_id,
            pointing_alt=good.pointing_alt,
            pointing_az=good.pointing_az,
            array_pointing_alt=good.array_pointing_alt,
            array_pointing_az=good.array_pointing_az,
            columns=columns,
        )
        singles.append(cls()(s.subarray, one))
    batch = _mixed_batch(good, variants)
    result = cls()(s.subarray, batch)
    expected = {name: np.concatenate([r[name] for r in singles]) for name in singles[0]}
    np.testing.assert_array_equal(result["is_valid"], [True, True, False, True, False, True])
    for name in expected:
        # telescopes are taken in tel_id order, so the row order changes no digit
        np.testing.assert_array_equal(result[name], expected[name], err_msg=name)


@pytest.mark.parametrize("cls", RECONSTRUCTORS)
def test_no_events_and_no_telescope_events(plus_shower, cls):
    s = plus_shower
    empty = StereoParameters(
        n_events=3,
        event_index=np.zeros(0),
        tel_id=np.zeros(0),
        pointing_alt=[],
        pointing_az=[],
        array_pointing_alt=[70.0] * 3,
        array_pointing_az=[0.0] * 3,
        columns={name: np.zeros(0) for name in s.parameters().columns},
    )
    result = cls()(s.subarray, empty)
    assert result["alt"].shape == (3,) and result["telescopes"].shape == (3, 4)
    _assert_not_reconstructed(result, slice(None))
