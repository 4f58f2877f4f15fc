"""SimTelEventSource against ctapipe 0.28's SimTelEventSource, file by file.

The references (``../shared/reference/ctapipe/<file>.json`` and ``.npz``) were made
with the focal-length choice each file allows and with calibration events kept;
the fixtures read every file with the same options. Integers (counts, ids, ADC
sums, true images) must agree exactly; R1 statistics to 1e-6 relative (they agree
bit for bit); float32 header values converted to float64 to 1e-9.
"""

import astropy.units as u
import numpy as np
import pytest

from _data_files import SIMTEL_FILES

pytestmark = pytest.mark.data


@pytest.fixture(params=SIMTEL_FILES)
def name(request):
    return request.param


def test_every_simtel_file_is_checked(simtel_dir, reference_dir):
    names = sorted(p.name.split(".simtel")[0] for p in simtel_dir.glob("*.simtel*"))
    assert names == sorted(SIMTEL_FILES)
    for file in names:
        assert (reference_dir / "ctapipe" / f"{file}.json").is_file()


# --- subarray -----------------------------------------------------------------------


def test_subarray_telescopes_and_positions(name, references, read_simtel):
    reference = references(name)[0]["subarray"]
    subarray = read_simtel(name)[0].subarray
    assert subarray.name == reference["name"]
    assert subarray.n_tels == reference["n_tels"]
    assert subarray.tel_ids.tolist() == reference["tel_ids"]
    for tel_id, position in reference["tel_positions_m"].items():
        ours = subarray.tel_positions[int(tel_id)].to_value(u.m)
        np.testing.assert_allclose(ours, position, rtol=1e-12, atol=0)


def test_reference_location(name, references, read_simtel):
    reference = references(name)[0]["subarray"]["reference_location"]
    location = read_simtel(name)[0].subarray.reference_location
    assert location.lon.deg == pytest.approx(reference["lon_deg"], abs=1e-9)
    assert location.lat.deg == pytest.approx(reference["lat_deg"], abs=1e-9)
    assert location.height.to_value(u.m) == pytest.approx(reference["height_m"], abs=1e-6)


def test_telescope_types(name, references, read_simtel):
    reference = references(name)[0]["subarray"]
    subarray = read_simtel(name)[0].subarray
    assert len(subarray.telescope_types) == reference["n_telescope_types"]
    groups = {tuple(ids.tolist()) for ids in subarray.tel_ids_by_description.values()}
    assert groups == {tuple(t["tel_ids"]) for t in reference["telescope_types"]}
    for expected in reference["telescope_types"]:
        for tel_id in expected["tel_ids"]:
            tel = subarray.tel[tel_id]
            optics = tel.optics
            assert str(tel) == expected["type_str"]
            assert tel.name == expected["tel_type_name"]
            assert tel.type == expected["tel_type"] == expected["size_type"]
            assert (optics.name, tel.camera.name) == (
                expected["optics_name"],
                expected["camera_name"],
            )
            assert optics.reflector_shape == expected["reflector_shape"]
            assert optics.n_mirrors == expected["n_mirrors"]
            assert optics.n_mirror_tiles == expected["n_mirror_tiles"]
            assert optics.mirror_area.to_value(u.m**2) == pytest.approx(
                expected["mirror_area_m2"], rel=1e-12
            )
            assert optics.equivalent_focal_length.to_value(u.m) == pytest.approx(
                expected["equivalent_focal_length_m"], rel=1e-12
            )
            assert optics.effective_focal_length.to_value(u.m) == pytest.approx(
                expected["effective_focal_length_m"], rel=1e-12, nan_ok=True
            )


def test_chosen_focal_length(name, references, read_simtel):
    reference = references(name)[0]["subarray"]
    focal_lengths = read_simtel(name)[0].focal_lengths
    for expected in reference["telescope_types"]:
        for tel_id in expected["tel_ids"]:
            assert focal_lengths[tel_id].to_value(u.m) == pytest.approx(
                expected["geometry"]["frame_focal_length_m"], rel=1e-12
            )


def test_camera_geometry(name, references, read_simtel):
    reference, arrays = references(name)
    subarray = read_simtel(name)[0].subarray
    for expected in reference["subarray"]["telescope_types"]:
        i = expected["type_index"]
        geometry = subarray.tel[expected["tel_ids"][0]].camera.geometry
        facts = expected["geometry"]
        assert geometry.name == facts["camera_name"]
        assert geometry.n_pixels == facts["n_pixels"]
        assert geometry.pix_type == facts["pix_type_value"]
        assert geometry.cam_rotation.to_value(u.deg) == facts["cam_rotation_deg"]
        assert geometry.pix_rotation.to_value(u.deg) == pytest.approx(
            facts["pix_rotation_deg"], rel=1e-9
        )
        assert geometry.pix_area.sum().to_value(u.m**2) == pytest.approx(
            facts["pix_area_sum_m2"], rel=1e-12
        )
        np.testing.assert_array_equal(geometry.pix_id, arrays[f"type{i}_pix_id"])
        np.testing.assert_allclose(
            geometry.pix_x.to_value(u.m), arrays[f"type{i}_pix_x_m"], atol=1e-12
        )
        np.testing.assert_allclose(
            geometry.pix_y.to_value(u.m), arrays[f"type{i}_pix_y_m"], atol=1e-12
        )
        np.testing.assert_array_equal(
            geometry.pix_area.to_value(u.m**2), arrays[f"type{i}_pix_area_m2"]
        )
        assert len(geometry.neighbor_pairs) == facts["n_neighbor_pairs"]


def test_camera_geometry_in_the_telescope_frame(name, references, read_simtel):
    reference, arrays = references(name)
    source = read_simtel(name)[0]
    for expected in reference["subarray"]["telescope_types"]:
        i, tel_id = expected["type_index"], expected["tel_ids"][0]
        geometry = source.subarray.tel[tel_id].camera.geometry
        fov = geometry.transform_to_telescope_frame(source.focal_lengths[tel_id])
        # pix_x carries fov_lat and pix_y fov_lon (camera x points up the sky)
        np.testing.assert_allclose(
            fov.pix_x.to_value(u.deg), arrays[f"type{i}_tf_pix_fov_lat_deg"], atol=1e-9
        )
        np.testing.assert_allclose(
            fov.pix_y.to_value(u.deg), arrays[f"type{i}_tf_pix_fov_lon_deg"], atol=1e-9
        )


def test_camera_readout(name, references, read_simtel):
    reference = references(name)[0]["subarray"]
    subarray = read_simtel(name)[0].subarray
    for expected in reference["telescope_types"]:
        readout = subarray.tel[expected["tel_ids"][0]].camera.readout
        facts = expected["readout"]
        assert readout.name == facts["name"]
        assert readout.sampling_rate.to_value(u.GHz) == pytest.approx(
            facts["sampling_rate_GHz"], rel=1e-12
        )
        assert readout.reference_pulse_sample_width.to_value(u.ns) == pytest.approx(
            facts["reference_pulse_sample_width_ns"], rel=1e-12
        )
        assert readout.reference_pulse_shape.shape[0] == facts["n_channels"]
        assert (readout.n_channels, readout.n_pixels, readout.n_samples) == (
            facts["n_channels"],
            facts["n_pixels"],
            facts["n_samples"],
        )
        assert readout.n_samples_long == facts["n_samples_long"]


# --- simulation configuration ----------------------------------------------------------


def test_simulation_config(name, references, read_simtel):
    reference = references(name)[0]
    source = read_simtel(name)[0]
    assert source.obs_ids == reference["obs_ids"]
    assert source.is_simulation
    for obs_id, expected in reference["simulation_config"].items():
        config = source.simulation_config[int(obs_id)]
        units = expected["_units"]
        checked = 0
        for key, value in expected.items():
            if key == "_units":
                continue
            ours = getattr(config, key) if hasattr(config, key) else config.extra[key]
            if key in units and isinstance(ours, u.Quantity):
                ours = ours.to_value(units[key])
            if isinstance(value, float):
                # float32 in the file; ctapipe converts some angles in float32
                assert ours == pytest.approx(value, rel=1e-7, abs=1e-12), key
            else:
                assert ours == value, key
            checked += 1
        assert checked == len(expected) - 1 >= 30


# --- events ---------------------------------------------------------------------------


def test_number_of_events(name, references, read_simtel, simtel_file):
    from cherenkit_simtel import SimTelEventSource

    reference = references(name)[0]
    assert len(read_simtel(name)[1]) == reference["n_events"] == len(reference["events"])
    choice = reference["event_source"]["config"]["focal_length_choice"].lower()
    with SimTelEventSource(simtel_file(name), focal_length_choice=choice) as source:
        n_default = sum(1 for _ in source)
    assert n_default == reference["n_events_with_default_skip_calibration_events"]


def test_event_index_type_and_trigger(name, references, read_simtel):
    reference = references(name)[0]
    events = read_simtel(name)[1]
    for expected, ours in zip(reference["events"], events, strict=True):
        event = ours["event"]
        assert (event.obs_id, event.event_id, event.count) == (
            expected["obs_id"],
            expected["event_id"],
            expected["index"],
        )
        assert event.count == expected["count"]
        assert event.event_type == expected["event_type"]
        assert event.tels_with_trigger.tolist() == expected["tels_with_trigger"]
        assert ours["tels_with_data"] == expected["tels_with_data"]
        assert len(ours["tels_with_data"]) == expected["n_tels_with_data"]


def test_shower_truth(name, references, read_simtel):
    reference = references(name)[0]
    events = read_simtel(name)[1]
    for expected, ours in zip(reference["events"], events, strict=True):
        truth, shower = ours["event"].simulation, expected["shower"]
        if shower is None:
            assert truth is None
            continue
        assert truth.shower_primary_id == shower["shower_primary_id"]
        for attr, key, unit in [
            ("energy", "energy_TeV", u.TeV),
            ("alt", "alt_deg", u.deg),
            ("az", "az_deg", u.deg),
            ("core_x", "core_x_m", u.m),
            ("core_y", "core_y_m", u.m),
            ("h_first_int", "h_first_int_m", u.m),
            ("x_max", "x_max_g_cm2", u.g / u.cm**2),
            ("starting_grammage", "starting_grammage_g_cm2", u.g / u.cm**2),
        ]:
            value = getattr(truth, attr).to_value(unit)
            assert value == pytest.approx(shower[key], rel=1e-12, nan_ok=True), attr


def test_pointing(name, references, read_simtel):
    reference = references(name)[0]
    events = read_simtel(name)[1]
    for expected, ours in zip(reference["events"], events, strict=True):
        event = ours["event"]
        pointing = expected["array_pointing"]
        # ctapipe converts the float32 angles in float32, we in float64
        assert event.pointing_alt.to_value(u.deg) == pytest.approx(pointing["alt_deg"], rel=1e-6)
        assert event.pointing_az.to_value(u.deg) == pytest.approx(pointing["az_deg"], rel=1e-6)
        for tel_id, tel in expected["tel"].items():
            alt, az = ours["tel"][int(tel_id)]["pointing"]
            assert alt == pytest.approx(tel["pointing_alt_deg"], rel=1e-6)
            assert az == pytest.approx(tel["pointing_az_deg"], rel=1e-6, abs=1e-9)


def test_r0_waveforms(name, references, read_simtel):
    reference = references(name)[0]
    events = read_simtel(name)[1]
    for expected, ours in zip(reference["events"], events, strict=True):
        assert sorted(ours["tel"]) == sorted(int(t) for t in expected["tel"])
        for tel_id, tel in expected["tel"].items():
            summary = ours["tel"][int(tel_id)]
            assert summary["r0_shape"] == tel["r0_waveform_shape"]
            assert summary["r0_sum"] == tel["r0_waveform_sum"]


def test_r1_waveforms(name, references, read_simtel):
    reference = references(name)[0]
    events = read_simtel(name)[1]
    all_gains = None
    for expected, ours in zip(reference["events"], events, strict=True):
        for tel_id, tel in expected["tel"].items():
            summary = ours["tel"][int(tel_id)]
            shape = tel["r1_waveform_shape"]
            if tel["r1_n_pixels_low_gain_selected"] is None:
                # ctapipe leaves calibration events ungain-selected: compare with ours
                # read with select_gain=False (every channel kept)
                all_gains = all_gains or read_simtel(name, select_gain=False)[1]
                summary = all_gains[expected["index"]]["tel"][int(tel_id)]
                assert summary["r1_shape"] == shape
                assert summary["n_low_gain"] is None
            else:
                assert [1, *summary["r1_shape"]] == shape  # ctapipe keeps a channel axis
                assert summary["n_low_gain"] == tel["r1_n_pixels_low_gain_selected"]
            # always float32 (ctapipe gives float64 for ASTRICam, whose R0 are uint32 sums)
            assert summary["r1_dtype"] == "float32"
            uint32_sums = summary["r0_dtype"] == "uint32"
            assert tel["r1_waveform_dtype"] == ("float64" if uint32_sums else "float32")
            for key in ("sum", "min", "max"):
                value = tel[f"r1_waveform_{key}"]
                assert summary[f"r1_{key}"] == pytest.approx(value, rel=1e-6), key


def test_true_images(name, references, read_simtel):
    reference, arrays = references(name)
    events = read_simtel(name)[1]
    for expected, ours in zip(reference["events"], events, strict=True):
        for tel_id, tel in expected["tel"].items():
            image = ours["tel"][int(tel_id)]["true_image"]
            assert image.dtype == np.int32
            assert int(image.sum()) == tel["true_image_array_sum"]
            if image.min() >= 0:
                assert int(image.sum()) == tel["true_image_sum"]
            np.testing.assert_array_equal(
                image, arrays[f"e{expected['index']}_t{tel_id}_true_image"]
            )
