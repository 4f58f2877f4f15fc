"""`ShowerDistribution` and `SimulationConfig.to_table`: per-run simulation facts as tables."""

import doctest

import astropy.units as u
import attrs
import numpy as np
import pytest

from cherenkit.events import EventSource, ShowerDistribution, SimulationConfig, containers


def _distribution(**changes):
    values = {
        "obs_id": 7,
        "n_entries": 6,
        "bins_energy": [0.1, 1.0, 10.0] * u.TeV,  # 2 energy bins
        "bins_core_dist": [0.0, 100.0, 200.0, 300.0] * u.m,  # 3 core bins
        "histogram": [[1, 0, 2], [0, 3, 0]],
    }
    values.update(changes)
    return ShowerDistribution(**values)


def test_fields_are_converted_to_fixed_units_and_dtypes():
    d = _distribution(
        bins_energy=[100.0, 1000.0, 10000.0] * u.GeV, bins_core_dist=[0, 0.1, 0.2, 0.3] * u.km
    )
    assert d.bins_energy.unit == u.TeV and d.bins_energy.value.tolist() == [0.1, 1.0, 10.0]
    assert d.bins_core_dist.unit == u.m
    np.testing.assert_allclose(d.bins_core_dist.value, [0, 100, 200, 300])
    assert d.histogram.dtype == np.float64 and d.histogram.shape == (2, 3)
    assert d.n_showers == 6.0
    assert isinstance(d.obs_id, int) and isinstance(d.n_entries, int)


def test_arrays_are_read_only_copies_and_compare_by_value():
    counts = np.array([[1, 0, 2], [0, 3, 0]])
    d = _distribution(histogram=counts)
    counts[0, 0] = 99
    assert d.histogram[0, 0] == 1
    with pytest.raises(ValueError, match="read-only"):
        d.histogram[0, 0] = 5
    with pytest.raises(ValueError, match="read-only"):
        d.bins_energy[0] = 5 * u.TeV
    assert d == _distribution()
    assert d != _distribution(histogram=[[1, 0, 2], [0, 3, 1]])
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        d.obs_id = 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"histogram": np.zeros((3, 2))},
            "ShowerDistribution.histogram must have shape (n_energy_bins, n_core_bins) = "
            "(2, 3) for the bin edges given, got (3, 2)",
        ),
        (
            {"bins_energy": [1.0] * u.TeV, "histogram": np.zeros((0, 3))},
            "ShowerDistribution.bins_energy must be 1-d bin edges (at least 2), got shape (1,)",
        ),
        (
            {"bins_core_dist": [0.0, 200.0, 100.0, 300.0] * u.m},
            "ShowerDistribution.bins_core_dist must be finite and strictly increasing",
        ),
        (
            {"bins_energy": [0.0, 1.0, 10.0] * u.TeV},
            "ShowerDistribution.bins_energy must be positive",
        ),
        (
            {"bins_core_dist": [-1.0, 100.0, 200.0, 300.0] * u.m},
            "ShowerDistribution.bins_core_dist must not be negative",
        ),
    ],
)
def test_invalid_values_say_what_was_expected(changes, message):
    with pytest.raises(ValueError) as error:
        _distribution(**changes)
    assert str(error.value).startswith(message)


def test_wrong_units_are_refused():
    with pytest.raises(u.UnitConversionError):
        _distribution(bins_energy=[0.1, 1.0, 10.0] * u.m)


def test_to_table_is_one_row_and_reads_back():
    d = _distribution()
    table = d.to_table()
    assert table.colnames == ["obs_id", "n_entries", "bins_energy", "bins_core_dist", "histogram"]
    assert len(table) == 1
    assert table["obs_id"].dtype == np.int64 and table["obs_id"][0] == 7
    assert table["n_entries"][0] == 6
    assert table["bins_energy"].unit == u.TeV and table["bins_energy"].shape == (1, 3)
    assert table["bins_core_dist"].unit == u.m and table["bins_core_dist"].shape == (1, 4)
    assert table["histogram"].shape == (1, 2, 3)
    assert table["histogram"][0].tolist() == [[1, 0, 2], [0, 3, 0]]
    assert ShowerDistribution.from_table(table) == [d]


def test_from_table_of_plain_columns_assumes_tev_and_m():
    from astropy.table import Table, vstack

    second = _distribution(obs_id=8, histogram=[[0, 0, 0], [1, 1, 1]], n_entries=3)
    stacked = vstack([_distribution().to_table(), second.to_table()])
    plain = Table({name: np.asarray(stacked[name]) for name in stacked.colnames})
    assert ShowerDistribution.from_table(plain) == [_distribution(), second]


def _config(**extra):
    return SimulationConfig(
        run_number=4,
        n_showers=100,
        shower_reuse=10,
        energy_range_min=0.003 * u.TeV,
        energy_range_max=330 * u.TeV,
        spectral_index=-2.0,
        max_scatter_range=3000 * u.m,
        min_scatter_range=0 * u.m,
        max_viewcone_radius=10 * u.deg,
        min_viewcone_radius=0 * u.deg,
        max_alt=70 * u.deg,
        min_alt=70 * u.deg,
        max_az=0 * u.deg,
        min_az=0 * u.deg,
        diffuse=True,
        core_pos_mode=1,
        atmosphere=26,
        prod_site_alt=2150 * u.m,
        prod_site_B_total=23.1 * u.uT,
        prod_site_B_declination=0 * u.deg,
        prod_site_B_inclination=-22.7 * u.deg,
        extra=extra,
    )


def test_simulation_config_table_has_every_field_with_units():
    table = _config(corsika_version=6990, corsika_wlen_min=240.0, program="x").to_table()
    fields = [f.name for f in attrs.fields(SimulationConfig) if f.name != "extra"]
    assert table.colnames == [*fields, "corsika_version", "corsika_wlen_min", "program"]
    assert len(table) == 1
    assert table["run_number"][0] == 4 and table["n_showers"][0] == 100
    assert table["energy_range_max"].unit == u.TeV and table["energy_range_max"][0] == 330 * u.TeV
    assert table["max_scatter_range"].unit == u.m
    assert table["max_viewcone_radius"].unit == u.deg
    assert table["prod_site_B_total"].unit == u.uT
    assert table["diffuse"].dtype == bool and table["diffuse"][0]
    assert table["spectral_index"][0] == -2.0
    assert table["corsika_version"][0] == 6990 and table["program"][0] == "x"


def test_simulation_config_table_extra_values():
    table = _config(
        atmosphere="isothermal", skipped=None, options=[1, 2], wlen=300 * u.nm
    ).to_table()
    assert table["atmosphere"][0] == 26  # the field keeps its name
    assert table["extra_atmosphere"][0] == "isothermal"
    assert "skipped" not in table.colnames
    assert table["options"][0] == "[1, 2]"
    assert table["wlen"].unit == u.nm


def test_runs_stack_into_one_table():
    from astropy.table import vstack

    table = vstack([_config().to_table(), attrs.evolve(_config(), run_number=5).to_table()])
    assert table["run_number"].tolist() == [4, 5]
    assert table["energy_range_min"].unit == u.TeV


def test_sources_without_simulation_have_no_distributions(
    make_distribution, use_registry, tmp_path
):
    from _plugin_sources import ACME_SOURCE

    use_registry(*make_distribution("acme-io", "acme_io", ACME_SOURCE))
    path = tmp_path / "run.acme"
    path.write_bytes(b"ACME" + bytes([3, 5, 7]))
    with EventSource(path) as source:
        assert source.shower_distributions == []
        list(source)
        assert source.shower_distributions == []


def test_module_doctests():
    result = doctest.testmod(containers, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
