"""MapAxis: constructors, centres, pixel transforms, bin lookup, GADF columns."""

import astropy.units as u
import numpy as np
import pytest

from cherenkit.maps import MapAxis


def test_energy_bounds_log_edges_and_centres():
    axis = MapAxis.from_energy_bounds("0.1 TeV", "100 TeV", 3)
    # 3 log bins over 3 decades: edges 0.1, 1, 10, 100; centres are geometric means
    np.testing.assert_allclose(axis.edges.to_value("TeV"), [0.1, 1, 10, 100], rtol=1e-15)
    np.testing.assert_allclose(axis.center.to_value("TeV"), np.sqrt([0.1, 10, 1000]), rtol=1e-14)
    np.testing.assert_allclose(axis.bin_width.to_value("TeV"), [0.9, 9, 90], rtol=1e-14)
    assert axis.nbin == 3 and axis.name == "energy" and axis.interp == "log"
    assert axis.bounds[0] == 0.1 * u.TeV and axis.bounds[1] == 100 * u.TeV


def test_energy_bounds_per_decade_and_unit():
    axis = MapAxis.from_energy_bounds(100, 1e5, 5, unit="GeV", per_decade=True, name="energy_true")
    assert axis.nbin == 15 and axis.unit == u.GeV and axis.name == "energy_true"
    with pytest.raises(ValueError, match="energy unit"):
        MapAxis.from_energy_bounds("1 deg", "2 deg", 3)


def test_nodes_axis_edges_half_way():
    axis = MapAxis.from_nodes([0.0, 1.0, 3.0] * u.deg, name="offset")
    # half-way between nodes, outer edges extrapolated by half the neighbouring spacing
    np.testing.assert_allclose(axis.edges.to_value("deg"), [-0.5, 0.5, 2.0, 4.0])
    np.testing.assert_allclose(axis.center.to_value("deg"), [0, 1, 3])


def test_sqrt_axis_centres():
    axis = MapAxis.from_bounds(0, 4, 2, unit="deg", interp="sqrt")
    # sqrt-spaced edges 0, 1, 4; centre of [1, 4] is ((1 + 2) / 2)**2 = 2.25
    np.testing.assert_allclose(axis.edges_value, [0, 1, 4])
    np.testing.assert_allclose(axis.center_value, [0.25, 2.25])


def test_coord_to_pix_and_back():
    axis = MapAxis.from_energy_bounds("1 TeV", "100 TeV", 2)
    # edges at pix -0.5, 0.5, 1.5; 10 TeV is the middle edge -> 0.5; sqrt(10) TeV -> 0
    np.testing.assert_allclose(
        axis.coord_to_pix([np.sqrt(10), 10, 1000] * u.TeV), [0, 0.5, 2.5], atol=1e-14
    )
    np.testing.assert_allclose(
        axis.pix_to_coord([0, 0.5, 2.5]).to_value("TeV"), [np.sqrt(10), 10, 1000]
    )
    np.testing.assert_allclose(axis.coord_to_pix(10000 * u.GeV), [0.5])


def test_coord_to_idx():
    axis = MapAxis.from_edges([0, 1, 2, 4] * u.deg, name="offset")
    idx = axis.coord_to_idx([-0.1, 0, 0.99, 1, 3.9, 4, 4.1, np.nan] * u.deg)
    np.testing.assert_array_equal(idx, [-1, 0, 0, 1, 2, 2, -1, -1])
    np.testing.assert_array_equal(axis.coord_to_idx([-1, 9] * u.deg, clip=True), [0, 2])


def test_upsample_downsample_squash():
    axis = MapAxis.from_energy_bounds("1 TeV", "100 TeV", 2)
    up = axis.upsample(2)
    np.testing.assert_allclose(up.edges.to_value("TeV"), [1, 10**0.5, 10, 10**1.5, 100], rtol=1e-14)
    assert up.downsample(2) == axis
    with pytest.raises(ValueError, match="not divisible"):
        up.downsample(3)
    assert axis.squash().nbin == 1
    np.testing.assert_allclose(axis.squash().edges_value, [1, 100])


def test_table_round_trip_and_equality():
    axis = MapAxis.from_edges([0.0, 0.5, 1.0, 2.5] * u.deg, name="offset")
    table = axis.to_table()
    assert table.colnames == ["THETA_LO", "THETA_HI"]
    assert table["THETA_LO"].shape == (1, 3) and table["THETA_LO"].unit == u.deg
    back = MapAxis.from_table(table, column_prefix="THETA")
    assert back == axis
    assert back != axis.copy(name="rad")
    assert axis.is_allclose(MapAxis.from_edges([0.0, 0.5, 1.0, 2.5 + 1e-9] * u.deg, name="offset"))
    # LO == HI gives sampled (centre) nodes, as RAD_MAX_2D may store them
    nodes = MapAxis.from_lo_hi([1, 2], [1, 2], unit="deg", name="offset")
    assert nodes.node_type == "center" and nodes.nbin == 2


def test_invalid_axes():
    with pytest.raises(ValueError, match="increasing"):
        MapAxis.from_edges([0, 2, 1])
    with pytest.raises(ValueError, match="positive"):
        MapAxis.from_edges([0, 1, 2], interp="log")
    with pytest.raises(ValueError, match="at least 2"):
        MapAxis.from_edges([1])
    with pytest.raises(ValueError, match="not contiguous"):
        MapAxis.from_lo_hi([0, 2], [1, 3])


def test_axis_is_frozen():
    axis = MapAxis.from_edges([0, 1, 2])
    with pytest.raises(AttributeError):
        axis.name = "x"
    with pytest.raises(ValueError):
        axis.nodes[0] = 5
