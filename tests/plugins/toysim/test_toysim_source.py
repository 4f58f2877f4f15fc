"""The ``toy`` event source: plugin contract, reproducibility, trigger, truth, parameters."""

import astropy.units as u
import numpy as np
import pytest

from cherenkit import registry
from cherenkit.errors import ConfigError, ParameterError
from cherenkit.events import EventBatch, EventSource, ShowerTruth, SimulationConfig
from cherenkit_toysim import ToyEventSource

SMALL = {"n_events": 150, "seed": 3, "layout": "lst4"}


def concatenated(batches):
    """Event and telescope columns of a list of batches, joined in order."""
    joined = {
        "event_id": np.concatenate([b.event_id for b in batches]),
        "count": np.concatenate([b.count for b in batches]),
        "energy": np.concatenate([b.shower["energy_tev"] for b in batches]),
        "core_x": np.concatenate([b.shower["core_x_m"] for b in batches]),
    }
    types = {t for b in batches for t in b.telescopes}
    for tel_type in sorted(types):
        parts = [(b, b.telescopes[tel_type]) for b in batches if tel_type in b.telescopes]
        joined[tel_type] = {
            "event_id": np.concatenate([t.event_id for _, t in parts]),
            "tel_id": np.concatenate([t.tel_id for _, t in parts]),
            "true_image": np.concatenate([t.true_image for _, t in parts]),
            "r1": None
            if parts[0][1].r1_waveform is None
            else np.concatenate([t.r1_waveform for _, t in parts]),
        }
    return joined


def assert_same(a, b):
    assert a.keys() == b.keys()
    for key, value in a.items():
        if isinstance(value, dict):
            assert_same(value, b[key])
        elif value is None:
            assert b[key] is None
        else:
            np.testing.assert_array_equal(value, b[key])


# --- the plugin ------------------------------------------------------------------------


def test_registered_as_the_toy_event_source():
    cls = registry.get("event-source", "toy")
    assert cls is ToyEventSource
    assert cls.summary() == "Synthetic showers from a toy array simulation; needs no data files."
    from cherenkit_toysim import plugin

    assert plugin.cherenkit_api == ">=1.0,<2"
    assert plugin.cherenkit_register_event_sources() == [ToyEventSource]


def test_plugin_contract():
    from cherenkit.testing import check_plugin_class

    check_plugin_class(ToyEventSource)


def test_event_source_by_name():
    source = EventSource(source="toy", n_events=20, seed=1, layout="lst4")
    assert isinstance(source, ToyEventSource)
    assert source.path is None and source.is_simulation
    assert source.obs_ids == [1]
    assert source.subarray.n_tels == 4
    created = registry.create("event-source", "toy", n_events=20, seed=1, layout="lst4")
    assert_same(
        concatenated(list(created.iter_batches(5))), concatenated(list(source.iter_batches(7)))
    )
    with source as opened:
        assert opened is source


@pytest.mark.parametrize("path", ["missing.simtel", ".", None, 123, b"\x00", object()])
def test_is_compatible_is_false_and_never_raises(path, tmp_path):
    assert ToyEventSource.is_compatible(path) is False
    real = tmp_path / "events.simtel.zst"
    real.write_bytes(b"\x28\xb5\x2f\xfd" + bytes(100))
    assert ToyEventSource.is_compatible(real) is False


def test_a_path_is_rejected(tmp_path):
    with pytest.raises(
        ParameterError,
        match=r"ToyEventSource.path: the toy source simulates "
        r"events and reads no file, got '.*x.simtel'; leave path unset",
    ):
        ToyEventSource(path=tmp_path / "x.simtel")


# --- reproducibility -------------------------------------------------------------------


def test_identical_whatever_the_batch_size():
    runs = []
    for size in (1, 7, 64, 500):
        source = EventSource(source="toy", **SMALL)
        batches = list(source.iter_batches(size))
        assert all(len(b) == size for b in batches[:-1]) and 0 < len(batches[-1]) <= size
        runs.append(concatenated(batches))
    assert len(runs[0]["event_id"]) > 10
    for run in runs[1:]:
        assert_same(runs[0], run)
    np.testing.assert_array_equal(runs[0]["count"], np.arange(len(runs[0]["count"])))


def test_iteration_gives_the_batch_events():
    source = EventSource(source="toy", **SMALL)
    events = list(source)
    batch = next(EventSource(source="toy", **SMALL).iter_batches(1000))
    assert [e.event_id for e in events] == batch.event_id.tolist()
    rebuilt = EventBatch.from_events(events, source.subarray)
    assert_same(concatenated([rebuilt]), concatenated([batch]))
    assert all(isinstance(e.simulation, ShowerTruth) for e in events)


def test_seeds():
    a = concatenated(list(EventSource(source="toy", **SMALL).iter_batches(100)))
    b = concatenated(list(EventSource(source="toy", **{**SMALL, "seed": 4}).iter_batches(100)))
    assert not np.array_equal(a["energy"][:5], b["energy"][:5])
    # no seed: fresh entropy, recorded so the run can be repeated
    first = EventSource(source="toy", n_events=60, layout="lst4")
    second = EventSource(source="toy", n_events=60, layout="lst4")
    assert first.seed_used != second.seed_used
    assert first.simulation_config[1].extra["seed"] == first.seed_used
    again = EventSource(source="toy", n_events=60, layout="lst4", seed=first.seed_used)
    assert_same(
        concatenated(list(first.iter_batches(9))), concatenated(list(again.iter_batches(50)))
    )


def test_images_do_not_depend_on_waveforms():
    with_wf = concatenated(list(EventSource(source="toy", **SMALL).iter_batches(50)))
    without = EventSource(source="toy", waveforms=False, **SMALL)
    batches = list(without.iter_batches(50))
    for batch in batches:
        for tel in batch.telescopes.values():
            assert tel.r1_waveform is None and tel.selected_gain_channel is None
    without = concatenated(batches)
    for tel_type in ("LST_LST_ToyLSTCam",):
        np.testing.assert_array_equal(
            with_wf[tel_type]["true_image"], without[tel_type]["true_image"]
        )


# --- events ----------------------------------------------------------------------------


def test_max_events_counts_yielded_events():
    source = EventSource(source="toy", max_events=13, **SMALL)
    batches = list(source.iter_batches(5))
    assert [len(b) for b in batches] == [5, 5, 3]
    assert len(list(source)) == 13
    assert list(EventSource(source="toy", max_events=0, **SMALL)) == []
    assert list(EventSource(source="toy", **{**SMALL, "n_events": 0})) == []


def test_trigger_and_multiplicity():
    source = EventSource(
        source="toy", min_multiplicity=2, trigger_threshold=8.0, trigger_n_pixels=4, **SMALL
    )
    n = 0
    for batch in source.iter_batches(20):
        for i in range(len(batch)):
            with_data = sorted(
                int(t.tel_id[r])
                for t in batch.telescopes.values()
                for r in np.nonzero(t.event_index == i)[0]
            )
            assert len(with_data) >= 2
            assert batch.tels_with_trigger[i].tolist() == with_data
        for tel in batch.telescopes.values():
            assert np.all(np.count_nonzero(tel.true_image >= 8.0, axis=1) >= 4)
            n += len(tel)
    assert n > 0
    # a looser trigger keeps more events from the same showers
    loose = EventSource(source="toy", **SMALL)
    tight = EventSource(source="toy", min_multiplicity=2, **SMALL)
    n_loose = sum(len(b) for b in loose.iter_batches(100))
    n_tight = sum(len(b) for b in tight.iter_batches(100))
    assert n_loose > n_tight > 0


def test_allowed_tels():
    source = EventSource(source="toy", allowed_tels=(2, 3), **SMALL)
    assert source.subarray.tel_ids.tolist() == [2, 3]
    tels = {
        int(t) for b in source.iter_batches(50) for tel in b.telescopes.values() for t in tel.tel_id
    }
    assert tels and tels <= {2, 3}
    with pytest.raises(
        ConfigError,
        match=r"layout 'lst4' has no telescope 7, 9; its "
        r"telescopes are 1-4",
    ):
        EventSource(source="toy", allowed_tels=(1, 7, 9), **SMALL)


def test_mixed_array_batches_per_type():
    source = EventSource(source="toy", n_events=300, seed=2, energy_min="0.3 TeV")
    types = [str(t) for t in source.subarray.telescope_types]
    assert types == ["LST_LST_ToyLSTCam", "MST_MST_ToyMSTCam", "SST_SST_ToySSTCam"]
    seen = set()
    for batch in source.iter_batches(100):
        assert list(batch.telescopes) == [t for t in types if t in batch.telescopes]
        for tel_type, tel in batch.telescopes.items():
            seen.add(tel_type)
            description = source.subarray.tel[int(tel.tel_id[0])]
            readout = description.camera.readout
            assert tel.r1_waveform.shape[1:] == (readout.n_pixels, readout.n_samples)
            assert tel.r1_waveform.dtype == np.float32 and tel.true_image.dtype == np.int32
            assert tel.selected_gain_channel.dtype == np.int8
            assert not tel.selected_gain_channel.any()
            np.testing.assert_allclose(tel.pointing_alt_rad, np.deg2rad(70.0))
    assert seen == set(types)


def test_truth_and_simulation_config():
    source = EventSource(
        source="toy",
        n_events=400,
        seed=5,
        layout="lst4",
        viewcone_radius="2 deg",
        scatter_radius="300 m",
        energy_min="0.1 TeV",
        energy_max="10 TeV",
        pointing_az="180 deg",
    )
    config = source.simulation_config[1]
    assert isinstance(config, SimulationConfig)
    assert config.n_showers == 400 and config.spectral_index == -2.0
    assert config.energy_range_min == 0.1 * u.TeV and config.energy_range_max == 10 * u.TeV
    assert config.max_scatter_range == 300 * u.m and config.max_viewcone_radius == 2 * u.deg
    assert config.diffuse and config.core_pos_mode == 0
    assert config.max_alt == 70 * u.deg and config.max_az == 180 * u.deg
    assert config.prod_site_alt == 2200 * u.m
    table = None
    for batch in source.iter_batches(1000):
        table = batch.shower_table()
    assert np.all((table["true_energy"] >= 0.1 * u.TeV) & (table["true_energy"] <= 10 * u.TeV))
    assert np.all(np.hypot(table["true_core_x"], table["true_core_y"]) <= 300 * u.m)
    from astropy.coordinates import angular_separation

    offset = angular_separation(table["true_az"], table["true_alt"], 180 * u.deg, 70 * u.deg)
    assert np.all(offset <= 2 * u.deg + 1e-9 * u.deg)
    assert np.all(table["true_h_first_int"] > 2200 * u.m)
    assert np.all(table["true_shower_primary_id"] == 0)


def test_noise_and_waveform_integrals_in_a_run(lst4_run):
    _, batches = lst4_run
    rate, window = 0.1, 40.0  # GHz, ns
    noise, integral, charge = [], [], []
    for batch in batches:
        images = batch.simulated.images["LST_LST_ToyLSTCam"]
        tel = batch.events.telescopes["LST_LST_ToyLSTCam"]
        np.testing.assert_array_equal(images.true_pe, tel.true_image)
        noise.append((images.image_pe - images.true_pe).ravel())
        integral.append(tel.r1_waveform.sum(axis=2).ravel())
        charge.append(images.image_pe.ravel())
    noise = np.concatenate(noise)
    assert abs(noise.mean()) < 0.02
    assert noise.var() == pytest.approx(rate * window + 40 * 0.2**2, rel=0.03)
    np.testing.assert_allclose(np.concatenate(integral), np.concatenate(charge), atol=5e-3)


def test_stereo_geometry_recovers_direction_and_core(lst4_run):
    """Intersecting the planes of the image axes gives back the shower axis."""
    from cherenkit_toysim._vectors import pointing_basis

    source, batches = lst4_run
    pointing, e_lon, e_lat = pointing_basis(np.deg2rad(70.0), 0.0)
    positions = source.subarray.positions.to_value(u.m)

    def direction(x, y):  # camera position -> unit vector (inverse of the mapping)
        lon, lat = y / 28.0, x / 28.0
        return (
            np.cos(lat) * np.cos(lon) * pointing
            + np.cos(lat) * np.sin(lon) * e_lon
            + np.sin(lat) * e_lat
        )

    errors_deg, errors_m = [], []
    for batch in batches:
        images = batch.simulated.images["LST_LST_ToyLSTCam"]
        showers = batch.simulated.showers
        for i in range(len(showers)):
            rows = np.nonzero(images.event_index == i)[0]
            if len(rows) < 2:
                continue
            m = images.models.take(rows)
            normals = []
            for r in range(len(rows)):
                a = direction(m.cog_x_m[r], m.cog_y_m[r])
                b = direction(
                    m.cog_x_m[r] + 0.1 * np.cos(m.psi_rad[r]),
                    m.cog_y_m[r] + 0.1 * np.sin(m.psi_rad[r]),
                )
                n = np.cross(a, b)
                normals.append(n / np.linalg.norm(n))
            axis = np.cross(normals[0], normals[1])
            axis *= np.sign(axis[2]) / np.linalg.norm(axis)
            alt, az = showers.alt_rad[i], showers.az_rad[i]
            true = np.array([np.cos(alt) * np.cos(az), -np.cos(alt) * np.sin(az), np.sin(alt)])
            errors_deg.append(np.rad2deg(np.arccos(min(axis @ true, 1.0))))
            tels = positions[images.tel_id[rows] - 1]
            matrix = np.array([normals[0][:2], normals[1][:2]])
            rhs = np.array([normals[0] @ tels[0], normals[1] @ tels[1]])
            core = np.linalg.solve(matrix, rhs)
            errors_m.append(np.hypot(*(core - [showers.core_x_m[i], showers.core_y_m[i]])))
    assert len(errors_deg) > 5
    # exact up to the small-angle mapping of the camera: ~1e-4 deg, ~1 cm
    assert np.median(errors_deg) < 1e-3 and np.max(errors_deg) < 0.01
    assert np.median(errors_m) < 0.1 and np.max(errors_m) < 1.0


# --- parameters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"energy_min": "2 TeV", "energy_max": "1 TeV"},
            "ToyEventSource.energy_max: must be larger than energy_min (2.0 TeV), got 1.0 TeV",
        ),
        (
            {"energy_min": 1.0},
            "ToyEventSource.energy_min: missing unit: expected an energy such as "
            "'1.0 TeV', got the plain number 1.0",
        ),
        (
            {"layout": "hexagon"},
            "ToyEventSource.layout: 'hexagon' is not one of the choices 'lst4', 'mst-grid', "
            "'sst-grid', 'mixed'",
        ),
        (
            {"pointing_alt": "10 deg"},
            "ToyEventSource.pointing_alt: value 10.0 deg is out of range: must be >= 20 deg",
        ),
        (
            {"min_multiplicity": 5},
            "ToyEventSource.min_multiplicity: 5 is more than the 4 telescopes simulated "
            "(layout 'lst4'); no event could pass",
        ),
        ({"n_events": -1}, "ToyEventSource.n_events: value -1 is out of range: must be >= 0"),
        (
            {"nsb_rate": "3 m"},
            "ToyEventSource.nsb_rate: wrong unit: 3.0 m is not convertible to GHz (frequency)",
        ),
        (
            {"trigger_n_pixels": 0},
            "ToyEventSource.trigger_n_pixels: value 0 is out of range: must be >= 1",
        ),
        ({"seed": -3}, "ToyEventSource.seed: value -3 is out of range: must be >= 0"),
    ],
)
def test_bad_parameters(kwargs, message):
    with pytest.raises(ParameterError) as error:
        ToyEventSource(**{"layout": "lst4", **kwargs})
    assert str(error.value).startswith(message)
    # through EventSource / the registry the same problem names the class and key
    with pytest.raises(ConfigError) as error:
        EventSource(source="toy", **{"layout": "lst4", **kwargs})
    assert message.split(": ", 1)[1] in str(error.value)


def test_unknown_parameter_lists_the_valid_ones():
    with pytest.raises(
        ConfigError,
        match=r"event-source 'toy' has no parameter 'n_event'\. "
        r"Valid: .*'n_events'.*Did you mean 'n_events'\?",
    ):
        EventSource(source="toy", n_event=10)


def test_batch_size_must_be_positive():
    source = ToyEventSource(**SMALL)
    with pytest.raises(ParameterError, match=r"ToyEventSource.n_events: must be >= 1, got 0"):
        next(source.iter_batches(0))
    with pytest.raises(ParameterError, match=r"expected an integer, got 2.5"):
        next(source.iter_simulated(2.5))


def test_options_change_the_images():
    skewed = EventSource(source="toy", skewed_images=True, **SMALL)
    batch = next(skewed.iter_simulated(100))
    models = batch.simulated.images["LST_LST_ToyLSTCam"].models
    assert np.all(models.sigma_tail_m > models.sigma_head_m)
    quiet = next(
        EventSource(source="toy", nsb_rate="0 GHz", electronic_noise=0.0, **SMALL).iter_simulated(
            100
        )
    )
    images = quiet.simulated.images["LST_LST_ToyLSTCam"]
    np.testing.assert_allclose(images.image_pe, images.true_pe, atol=1e-6)
    np.testing.assert_allclose(
        quiet.events.telescopes["LST_LST_ToyLSTCam"].r1_waveform.sum(axis=2),
        images.true_pe,
        atol=1e-3,
    )
