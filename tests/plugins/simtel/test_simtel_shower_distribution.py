"""The simulated-shower histogram (id 6) of sim_telarray files as `ShowerDistribution`.

Agreement with ctapipe 0.28 (``SimTelEventSource.simulated_shower_distributions``,
run in the peer environment ``benchmarks/.venv-peers``) is checked by
``plugins/simtel/scripts/compare_shower_distributions_with_ctapipe.py``; the
reference JSONs hold no shower distribution. Its result on ../shared/data/simtel
(obs_id, n_entries, both edge arrays and the histogram equal with ``==``)::

    calib_events.simtel.gz: identical (obs_id 6, n_entries 10, histogram (120, 200), sum 10)
    camsettings_v6.simtel.zst: identical (obs_id 1, n_entries 1, histogram (120, 200), sum 1)
    gamma_merged.simtel.gz: no shower distribution (none in ctapipe either)
    gamma_prod6_tel_event_header_v4.simtel.zst: identical (obs_id 4, n_entries 1, ...)
    gct_checs_muons.simtel.zst: identical (obs_id 28, n_entries 20, histogram (120, 200), sum 20)
    lst_muons.simtel.zst: no shower distribution (none in ctapipe either)

Here the values are checked against eventio's own parse of the file and against
the numbers above.
"""

import math

import astropy.units as u
import numpy as np
import pytest

from cherenkit.errors import DataFormatError
from cherenkit.events import ShowerDistribution
from cherenkit_simtel import SimTelEventSource
from cherenkit_simtel._histograms import histograms_block, shower_distributions

pytestmark = pytest.mark.data

# file: (obs_id, n_entries, core-distance limit in m); None: the file has no histogram
EXPECTED = {
    "calib_events": (6, 10, 5000.0),
    "camsettings_v6": (1, 1, 1000.0),
    "gamma_merged": (None, None, None),
    "gamma_prod6_tel_event_header_v4": (4, 1, 1000.0),
    "gct_checs_muons": (28, 20, 1000.0),
    "lst_muons": (None, None, None),
}


def _eventio_histogram_6(path):
    """Histogram 6 as eventio parses it: every top-level object, the Histograms one parsed.

    (After a full event loop, ``SimTelFile.histograms`` is this same parse; see
    `test_available_before_during_and_after_iteration`.)
    """
    from eventio import EventIOFile
    from eventio.histograms import Histograms

    with EventIOFile(path) as stream:
        for obj in stream:
            if isinstance(obj, Histograms):
                return next(h for h in obj.parse() if h["id"] == 6)
    return None


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_distribution_equals_eventio_parse(simtel_file, read_simtel, name):
    obs_id, n_entries, core_max = EXPECTED[name]
    path = simtel_file(name)
    raw = _eventio_histogram_6(path)
    source, _ = read_simtel(name)  # read to the end: the event loop picked up the block
    distributions = source._shower_distributions
    assert source.shower_distributions == distributions
    # the header-only pass finds the same
    assert shower_distributions(histograms_block(path), source.obs_ids[0], path) == distributions
    if obs_id is None:
        assert raw is None and distributions == []
        return
    (d,) = distributions
    assert isinstance(d, ShowerDistribution)
    assert (d.obs_id, d.n_entries) == (obs_id, n_entries) == (source.obs_ids[0], raw["entries"])
    # sim_telarray's layout: x = core distance, 200 bins; y = log10(E / TeV), 120 bins
    assert (raw["n_bins_x"], raw["n_bins_y"]) == (200, 120)
    assert d.histogram.shape == (120, 200) == raw["data"].shape
    np.testing.assert_array_equal(d.histogram, raw["data"])
    assert d.n_showers == n_entries  # no shower outside the bins in these files
    core = d.bins_core_dist.to_value(u.m)
    assert core[0] == raw["lower_x"] == 0.0 and core[-1] == raw["upper_x"] == core_max
    np.testing.assert_allclose(np.diff(core), core_max / 200, rtol=1e-12)
    log_energy = np.log10(d.bins_energy.to_value(u.TeV))
    assert (raw["lower_y"], raw["upper_y"]) == (-3.0, 3.0)
    assert d.bins_energy[0] == 1e-3 * u.TeV and d.bins_energy[-1] == 1e3 * u.TeV
    np.testing.assert_allclose(log_energy, np.linspace(-3, 3, 121), rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ["camsettings_v6", "gamma_prod6_tel_event_header_v4"])
def test_axis_order_from_the_single_shower(simtel_file, name):
    """One shower: its bin holds eventio's sums of x (distance) and y (log10 E), and its energy."""
    path = simtel_file(name)
    raw = _eventio_histogram_6(path)
    with SimTelEventSource(path) as source:
        (event,) = list(source)
        (d,) = source.shower_distributions
    ((i, j),) = np.argwhere(d.histogram)
    assert d.histogram[i, j] == 1
    energy = event.simulation.energy
    assert d.bins_energy[i] <= energy < d.bins_energy[i + 1]
    assert math.isclose(raw["sum_y"], math.log10(energy.to_value(u.TeV)), rel_tol=1e-6)
    assert d.bins_core_dist[j] <= raw["sum_x"] * u.m < d.bins_core_dist[j + 1]


@pytest.mark.parametrize("max_events", [None, 0, 5])
def test_available_before_during_and_after_iteration(simtel_file, max_events):
    path = simtel_file("gct_checs_muons")
    with SimTelEventSource(path) as fresh:
        expected = fresh.shower_distributions  # before iterating: the header-only pass
    with SimTelEventSource(path, max_events=max_events) as source:
        events = list(source)
        assert len(events) == (20 if max_events is None else max_events)
        if max_events is None:  # the event loop (eventio's SimTelFile) read the block
            assert source._shower_distributions == expected
            assert source._simtel is None and not source._live_files
        assert source.shower_distributions == expected
        assert [e.event_id for e in source] == [e.event_id for e in events]
    assert source.shower_distributions == expected  # kept after closing


def test_asking_first_does_not_change_the_events(simtel_file):
    path = simtel_file("gct_checs_muons")
    with SimTelEventSource(path) as source:
        assert len(source.shower_distributions) == 1
        ids = [e.event_id for e in source]
    with SimTelEventSource(path) as plain:
        assert ids == [e.event_id for e in plain]


def test_one_row_table(simtel_file):
    with SimTelEventSource(simtel_file("gct_checs_muons")) as source:
        (d,) = source.shower_distributions
    table = d.to_table()
    assert table["obs_id"][0] == 28 and table["n_entries"][0] == 20
    assert table["histogram"].shape == (1, 120, 200) and table["histogram"].sum() == 20
    assert table["bins_energy"].unit == u.TeV and table["bins_core_dist"].unit == u.m


def test_simulation_config_table(simtel_file, references):
    """``simulation/run``: the values ctapipe reports, with their units."""
    reference = references("gamma_prod6_tel_event_header_v4")[0]["simulation_config"]["4"]
    with SimTelEventSource(simtel_file("gamma_prod6_tel_event_header_v4")) as source:
        table = source.simulation_config[4].to_table()
    assert len(table) == 1
    units = reference.pop("_units")
    for key, value in reference.items():
        column = table[key]
        if key.startswith("corsika_wlen"):  # in extra: plain numbers in nm
            assert units[key] == "nm" and getattr(column, "unit", None) is None
            assert column[0] == value
        elif key in units:
            assert column.unit == u.Unit(units[key]), key
            assert column[0].value == pytest.approx(value, rel=1e-6), key
        else:
            assert column[0] == value, key


def test_a_template_has_none():
    assert SimTelEventSource(focal_length_choice="equivalent").shower_distributions == []


@pytest.fixture(scope="module")
def muons_uncompressed(simtel_file, tmp_path_factory):
    """gct_checs_muons decompressed, and where its histograms block starts."""
    import zstandard
    from eventio import EventIOFile

    plain = (
        zstandard.ZstdDecompressor()
        .decompressobj()
        .decompress(simtel_file("gct_checs_muons").read_bytes())
    )
    path = tmp_path_factory.mktemp("muons") / "gct_checs_muons.simtel"
    path.write_bytes(plain)
    with EventIOFile(path) as stream:
        *_, last = stream
    header = last.header
    assert header.type == 100  # Histograms, the last object
    return plain, header.content_address - header.header_size


def test_an_uncompressed_file_gives_the_same(muons_uncompressed, simtel_file, tmp_path):
    plain, _ = muons_uncompressed
    path = tmp_path / "plain.simtel"
    path.write_bytes(plain)
    with SimTelEventSource(simtel_file("gct_checs_muons")) as compressed:
        expected = compressed.shower_distributions
    with SimTelEventSource(path) as uncompressed:
        assert uncompressed.shower_distributions == expected


def test_cut_inside_the_histograms_block(muons_uncompressed, tmp_path):
    plain, start = muons_uncompressed
    path = tmp_path / "cut.simtel"
    path.write_bytes(plain[: start + 1000])
    with pytest.raises(DataFormatError) as error:
        SimTelEventSource(path).shower_distributions  # noqa: B018
    assert str(error.value).startswith(
        f"{path}: cannot read the histograms at the end of the file: it is truncated or corrupt ("
    )


def test_cut_before_the_histograms_block(muons_uncompressed, tmp_path):
    """A file that ends before its histograms has no distribution (events read fine)."""
    plain, start = muons_uncompressed
    path = tmp_path / "no_histograms.simtel"
    path.write_bytes(plain[:start])
    with SimTelEventSource(path) as source:
        assert source.shower_distributions == []
        assert len(list(source)) == 20
        assert source.shower_distributions == []


def test_histogram_6_must_be_two_dimensional(tmp_path):
    one_d = {"id": 6, "title": "odd", "n_bins_x": 10, "n_bins_y": 0, "entries": 0}
    with pytest.raises(DataFormatError) as error:
        shower_distributions([one_d], 1, tmp_path / "x.simtel")
    assert str(error.value) == (
        f"{tmp_path / 'x.simtel'}: histogram 6 ('odd') should have two axes "
        "(core distance, log10 energy), got 10 x 0 bins"
    )
    assert shower_distributions([{"id": 1}], 1, "x") == []
    assert shower_distributions(None, 1, "x") == []
