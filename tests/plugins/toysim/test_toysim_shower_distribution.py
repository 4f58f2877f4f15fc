"""The toy source's distribution of all simulated showers in energy and core distance."""

import astropy.units as u
import numpy as np
import pytest

from cherenkit.errors import ConfigError
from cherenkit.events import EventSource, ShowerDistribution
from cherenkit_toysim.distribution import (
    core_distance_edges,
    count_showers,
    energy_edges,
    simulated_shower_histogram,
)
from cherenkit_toysim.showers import draw_showers


def _drawn(source):
    """Energy (TeV) and core distance (m) of every shower of the run, drawn again."""
    s = source._settings
    showers = draw_showers(
        s.key,
        np.arange(source.n_events),
        energy_min_tev=s.energy_min_tev,
        energy_max_tev=s.energy_max_tev,
        spectral_index=s.spectral_index,
        pointing_alt_rad=s.pointing_alt_rad,
        pointing_az_rad=s.pointing_az_rad,
        viewcone_rad=s.viewcone_rad,
        scatter_radius_m=s.scatter_radius_m,
        site_height_m=s.site_height_m,
    )
    return showers.energy_tev, np.hypot(showers.core_x_m, showers.core_y_m)


@pytest.fixture(scope="module")
def run():
    """500 showers of a small LST array, and every triggered event (batches of 64)."""
    source = EventSource(
        source="toy", n_events=500, seed=17, layout="lst4", waveforms=False, scatter_radius="400 m"
    )
    return source, list(source.iter_batches(64))


def test_counts_every_simulated_shower(run):
    source, batches = run
    (d,) = source.shower_distributions
    assert isinstance(d, ShowerDistribution)
    assert d.obs_id == 1 and d.n_entries == 500
    assert d.histogram.sum() == 500  # exact, every shower inside the bins
    n_triggered = sum(b.n_events for b in batches)
    assert 0 < n_triggered < 500  # so the distribution is more than the events


def test_equals_a_numpy_histogram_of_the_drawn_showers(run):
    source, _ = run
    (d,) = source.shower_distributions
    energy, core = _drawn(source)
    expected, _, _ = np.histogram2d(
        energy, core, bins=[d.bins_energy.to_value(u.TeV), d.bins_core_dist.to_value(u.m)]
    )
    assert expected.sum() == 500
    np.testing.assert_array_equal(d.histogram, expected)


def test_default_binning(run):
    source, _ = run
    (d,) = source.shower_distributions
    # 0.03 - 100 TeV on the 20-per-decade grid: 10^(-31/20) = 0.0282 ... 10^(40/20) = 100
    assert d.histogram.shape == (71, 200)
    np.testing.assert_allclose(
        np.log10(d.bins_energy.to_value(u.TeV)), np.arange(-31, 41) / 20, rtol=0, atol=1e-14
    )
    assert d.bins_energy[0] < source.energy_min and d.bins_energy[-1] == source.energy_max
    np.testing.assert_allclose(d.bins_core_dist.to_value(u.m), np.linspace(0, 400, 201))


def test_triggered_events_are_a_subset_in_every_bin(run):
    source, batches = run
    (d,) = source.shower_distributions
    energy = np.concatenate([b.shower["energy_tev"] for b in batches])
    core = np.concatenate([np.hypot(b.shower["core_x_m"], b.shower["core_y_m"]) for b in batches])
    triggered = count_showers(
        energy, core, d.bins_energy.to_value(u.TeV), d.bins_core_dist.to_value(u.m)
    )
    assert np.all(triggered <= d.histogram)
    assert triggered.sum() == len(energy)


@pytest.mark.parametrize("batch", [1, 7, 1000])
def test_independent_of_batches_iteration_and_max_events(run, batch):
    source, _ = run
    (expected,) = source.shower_distributions
    again = EventSource(
        source="toy",
        n_events=500,
        seed=17,
        layout="lst4",
        waveforms=False,
        scatter_radius="400 m",
        max_events=3,
    )
    for _ in again.iter_batches(batch):
        pass
    assert again.shower_distributions == [expected]


def test_independent_of_the_drawing_chunk(run):
    source, _ = run
    (d,) = source.shower_distributions
    edges = d.bins_energy.to_value(u.TeV), d.bins_core_dist.to_value(u.m)
    for chunk in (1, 13, 499, 500):
        counts = simulated_shower_histogram(source._settings, 500, *edges, chunk=chunk)
        np.testing.assert_array_equal(counts, d.histogram)


def test_configurable_binning_and_options():
    source = EventSource(
        source="toy",
        n_events=300,
        seed=2,
        layout="lst4",
        obs_id=42,
        energy_min="0.1 TeV",
        energy_max="10 TeV",
        spectral_index=-1.0,
        viewcone_radius="3 deg",
        scatter_radius="250 m",
        shower_distribution_bins_per_decade=5,
        shower_distribution_core_bins=10,
    )
    (d,) = source.shower_distributions
    assert d.obs_id == 42 and d.histogram.shape == (10, 10)
    np.testing.assert_allclose(d.bins_energy.to_value(u.TeV), np.logspace(-1, 1, 11))
    assert d.bins_energy[0] == 0.1 * u.TeV and d.bins_energy[-1] == 10 * u.TeV
    np.testing.assert_allclose(d.bins_core_dist.to_value(u.m), np.arange(0, 251, 25))
    energy, core = _drawn(source)
    expected, _, _ = np.histogram2d(
        energy, core, bins=[d.bins_energy.to_value(u.TeV), d.bins_core_dist.to_value(u.m)]
    )
    np.testing.assert_array_equal(d.histogram, expected)
    assert d.histogram.sum() == 300


def test_no_showers_and_no_scatter():
    (empty,) = EventSource(source="toy", n_events=0, seed=1, layout="lst4").shower_distributions
    assert empty.n_entries == 0 and empty.histogram.sum() == 0
    (centre,) = EventSource(
        source="toy", n_events=50, seed=1, layout="lst4", scatter_radius="0 m"
    ).shower_distributions
    assert centre.bins_core_dist[-1] == 1 * u.m  # a radius of 0 gets bins up to 1 m
    assert centre.histogram[:, 0].sum() == 50


def test_bad_binning_parameters():
    with pytest.raises(ConfigError) as error:
        EventSource(source="toy", n_events=5, shower_distribution_bins_per_decade=0)
    assert str(error.value) == (
        "ToyEventSource, key 'shower_distribution_bins_per_decade': value 0 is out of range: "
        "must be >= 1"
    )


def test_simulation_config_table():
    source = EventSource(source="toy", n_events=20, seed=9, layout="lst4")
    table = source.simulation_config[1].to_table()
    assert len(table) == 1
    assert table["n_showers"][0] == 20 and table["max_scatter_range"][0] == 600 * u.m
    assert table["atmosphere"][0] == 0
    assert table["atmosphere_model"][0] == "isothermal, scale height 7.5 km"
    assert table["seed"][0] == 9 and table["program"][0] == "cherenkit-toysim"


# --- the binning functions on hand-worked values -------------------------------------


def test_energy_edges_on_the_decade_grid():
    # 0.03 TeV: log10 = -1.52 → grid edge -1.55 (k = -31) below; 100 TeV is on the grid
    edges = energy_edges(0.03, 100.0, 20)
    assert len(edges) == 72 and edges[-1] == 100.0
    np.testing.assert_allclose(edges[0], 10**-1.55)
    # limits on the grid give no empty bins; limits within round-off of an edge count as on it
    assert energy_edges(0.01, 1.0, 2).tolist() == [0.01, 10**-1.5, 0.1, 10**-0.5, 1.0]
    nearly = energy_edges(0.1 * (1 + 1e-13), 1.0 * (1 - 1e-13), 1)
    assert nearly.tolist() == [0.1, 1.0]
    # the outer edges always contain the range
    for low, high, per_decade in [(0.0123, 45.6, 20), (1e-3, 1e3, 7), (2.0, 2.5, 1)]:
        edges = energy_edges(low, high, per_decade)
        assert edges[0] <= low and edges[-1] >= high and np.all(np.diff(edges) > 0)


def test_count_showers_bins_like_histogram2d_and_keeps_round_off():
    e_edges = np.array([1.0, 10.0, 100.0])
    c_edges = np.array([0.0, 50.0, 100.0])
    energy = np.array([1.0, 9.99, 10.0, 100.0, 100.0 * (1 + 1e-15), 1.0 - 1e-16])
    core = np.array([0.0, 49.9, 50.0, 100.0, 100.0 * (1 + 1e-15), 0.0])
    # [1,10)x[0,50): 1.0/0.0, 9.99/49.9, and the value just below 1 (round-off) → 3
    # [10,100]x[50,100]: 10/50, 100/100 (closed last bins), just beyond 100 → 3
    assert count_showers(energy, core, e_edges, c_edges).tolist() == [[3, 0], [0, 3]]
    inside = slice(0, 4)
    expected, _, _ = np.histogram2d(energy[inside], core[inside], bins=[e_edges, c_edges])
    assert count_showers(energy[inside], core[inside], e_edges, c_edges).tolist() == (
        expected.astype(int).tolist()
    )


def test_core_distance_edges():
    assert core_distance_edges(600.0, 3).tolist() == [0.0, 200.0, 400.0, 600.0]
    assert core_distance_edges(0.0, 2).tolist() == [0.0, 0.5, 1.0]


def test_module_doctests():
    import doctest

    from cherenkit_toysim import distribution

    result = doctest.testmod(distribution)
    assert result.attempted == 2 and result.failed == 0
