"""SubarrayDescription rebuilt from the reference files, and its error messages."""

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import EarthLocation
from astropy.table import Table

from cherenkit.errors import ParameterError
from cherenkit.instrument import SubarrayDescription

from _instrument_reference import REFERENCE_FILES


@pytest.mark.parametrize("name", REFERENCE_FILES)
def test_subarray_matches_reference(ctapipe_reference, name):
    ref = ctapipe_reference(name)
    info, sub = ref.info["subarray"], ref.subarray
    assert sub.name == info["name"]
    assert sub.n_tels == len(sub) == info["n_tels"]
    np.testing.assert_array_equal(sub.tel_ids, info["tel_ids"])
    # the distinct types, in the order ctapipe lists them
    assert len(sub.telescope_types) == info["n_telescope_types"]
    for tel, expected in zip(sub.telescope_types, info["telescope_types"], strict=True):
        assert str(tel) == tel.type_string == expected["type_str"]
        assert tel.name == expected["tel_type_name"]
        assert tel.type == expected["tel_type"]
        np.testing.assert_array_equal(sub.get_tel_ids_for_type(tel), expected["tel_ids"])
    for tel_id, index in info["tel_id_to_type_index"].items():
        assert sub.tel[int(tel_id)] is ref.types[index]
    positions = np.array([info["tel_positions_m"][str(t)] for t in info["tel_ids"]])
    np.testing.assert_array_equal(sub.positions.to_value(u.m), positions)
    assert sub.positions.shape == (sub.n_tels, 3)


def test_type_strings_group_equal_names(ctapipe_reference):
    """LST-1 and LST-2..4 of prod6 are two descriptions with one type string."""
    sub = ctapipe_reference("camsettings_v6").subarray
    assert [t.type_string for t in sub.telescope_types] == [
        "LST_LST_LSTcam",
        "LST_LST_LSTcam",
        "MST_MST_NectarCam",
    ]
    assert list(sub.tel_ids_by_type) == ["LST_LST_LSTcam", "MST_MST_NectarCam"]
    np.testing.assert_array_equal(sub.tel_ids_by_type["LST_LST_LSTcam"], [1, 2, 3, 4])
    np.testing.assert_array_equal(sub.get_tel_ids_for_type("LST_LST_LSTcam"), [1, 2, 3, 4])
    by_description = list(sub.tel_ids_by_description.values())
    np.testing.assert_array_equal(by_description[0], [1])
    np.testing.assert_array_equal(by_description[1], [2, 3, 4])
    np.testing.assert_array_equal(sub.get_tel_ids(["MST_MST_NectarCam", 1]), [1, *range(5, 20)])


def test_tel_index(ctapipe_reference):
    sub = ctapipe_reference("gamma_merged").subarray.select_subarray([3, 7, 100, 5])
    np.testing.assert_array_equal(sub.tel_ids, [3, 5, 7, 100])
    assert sub.tel_index(100) == 3
    np.testing.assert_array_equal(sub.tel_ids_to_indices([7, 3]), [2, 0])
    index = sub.tel_index_array
    assert index.shape == (101,) and index[5] == 1 and index[4] == -1
    with pytest.raises(ParameterError) as info:
        sub.tel_index(4)
    assert str(info.value) == (
        "SubarrayDescription.tel_ids: unknown telescope id 4; subarray "
        "'MonteCarloArray[3, 5, 7, 100]' has telescopes 3, 5, 7, 100"
    )


def test_select_subarray(ctapipe_reference):
    full = ctapipe_reference("gamma_merged").subarray
    sub = full.select_subarray([30, 1, 2, 2], name="mixed")
    assert sub.name == "mixed"
    np.testing.assert_array_equal(sub.tel_ids, [1, 2, 30])
    assert [t.type_string for t in sub.telescope_types] == ["LST_LST_LSTCam", "SST_GCT_CHEC"]
    np.testing.assert_array_equal(sub.positions[2], full.positions[full.tel_index(30)])
    assert sub.reference_location == full.reference_location
    assert full.select_subarray(full.tel_ids, name=full.name) == full
    assert sub != full


def test_select_subarray_unknown_ids(ctapipe_reference):
    full = ctapipe_reference("gamma_merged").subarray
    with pytest.raises(ParameterError) as info:
        full.select_subarray([1, 2, 195, 196, 300, 0])
    assert str(info.value) == (
        "SubarrayDescription.tel_ids: unknown telescope ids 0, 195-196, 300; "
        "subarray 'MonteCarloArray' has telescopes 1-194"
    )
    assert isinstance(info.value, ValueError)


def test_unknown_type(ctapipe_reference):
    sub = ctapipe_reference("calib_events").subarray
    with pytest.raises(ParameterError) as info:
        sub.get_tel_ids_for_type("MST_MST_LSTCam")
    assert str(info.value) == (
        "SubarrayDescription.tel_type: no telescope of type 'MST_MST_LSTCam' in subarray "
        "'MonteCarloArray'; it has 'LST_LST_LSTCam', 'MST_MST_NectarCam', 'MST_MST_FlashCam', "
        "'SST_ASTRI_ASTRICam', 'SST_GCT_CHEC', 'SST_1M_DigiCam', 'MST_SCT_SCTCam'"
    )
    with pytest.raises(ParameterError, match="expected a TelescopeDescription or a type string"):
        sub.get_tel_ids_for_type(5)


def test_tables(ctapipe_reference):
    sub = ctapipe_reference("gamma_merged").subarray
    table = sub.to_table()
    assert isinstance(table, Table) and len(table) == 194
    assert table.colnames == [
        "tel_id", "name", "type", "pos_x", "pos_y", "pos_z", "camera_name", "optics_name",
        "camera_index", "optics_index", "tel_description",
    ]  # fmt: skip
    row = table[table["tel_id"] == 30][0]
    assert row["tel_description"] == "SST_GCT_CHEC" and row["camera_name"] == "CHEC"
    assert table["pos_x"].unit == u.m
    optics = sub.to_table(kind="optics")
    # NectarCam and FlashCam telescopes share one MST optics
    assert list(optics["optics_name"]) == ["LST", "MST", "GCT", "1M"]
    assert np.isnan(optics["effective_focal_length"][0])
    with pytest.raises(ParameterError) as info:
        sub.to_table(kind="camera")
    assert str(info.value) == (
        "SubarrayDescription.to_table.kind: got 'camera', expected one of 'optics', 'subarray'"
    )


def test_info(ctapipe_reference):
    lines = []
    ctapipe_reference("gamma_merged").subarray.info(printer=lines.append)
    assert lines[0] == "Subarray 'MonteCarloArray': 194 telescopes"
    assert lines[3].split() == ["LST_LST_LSTCam", "4", "1-4"]
    assert lines[-1].split() == ["SST_1M_DigiCam", "70", "125-194"]


def test_equality(ctapipe_reference):
    a = ctapipe_reference("lst_muons").subarray
    b = ctapipe_reference("calib_events").subarray.select_subarray([1], name=a.name)
    # same LST, same id and name, but another site height and position
    assert a != b
    assert a == a.select_subarray([1], name=a.name)
    with pytest.raises(TypeError):
        hash(a)


def _location():
    return EarthLocation.from_geodetic(0 * u.deg, 0 * u.deg, 2000 * u.m)


def test_bad_construction(ctapipe_reference):
    tel = ctapipe_reference("lst_muons").types[0]
    good = dict(
        name="A",
        tel_positions={1: [0, 0, 0] * u.m, 2: [1, 0, 0] * u.m},
        tel_descriptions={1: tel, 2: tel},
        reference_location=_location(),
    )
    SubarrayDescription(**good)
    cases = [
        (
            {"tel_descriptions": {1: tel, 3: tel}},
            "SubarrayDescription.tel_descriptions: tel_positions and tel_descriptions must "
            "have the same telescopes; only positions: 2, only descriptions: 3",
        ),
        (
            {"tel_positions": {1: [0, 0] * u.m, 2: [1, 0, 0] * u.m}},
            "SubarrayDescription.tel_positions: position of telescope 1 must have shape "
            "(3,) (x, y, z), got (2,)",
        ),
        (
            {"tel_positions": {1: [0, 0, 0], 2: [1, 0, 0] * u.m}},
            "SubarrayDescription.tel_positions: position of telescope 1 must be a length "
            "Quantity, got [0, 0, 0]",
        ),
        (
            {"tel_descriptions": {1: tel, 2: "LST"}},
            "SubarrayDescription.tel_descriptions: telescope 2 must be a "
            "TelescopeDescription, got str",
        ),
        (
            {"tel_positions": {-1: [0, 0, 0] * u.m}, "tel_descriptions": {-1: tel}},
            "SubarrayDescription.tel_descriptions: telescope ids must be >= 0, got [-1]",
        ),
        (
            {"reference_location": None},
            "SubarrayDescription.reference_location: expected a scalar EarthLocation, got None",
        ),
    ]
    for changes, message in cases:
        with pytest.raises(ParameterError) as info:
            SubarrayDescription(**{**good, **changes})
        assert str(info.value) == message


def test_keys_are_sorted_ints(ctapipe_reference):
    tel = ctapipe_reference("lst_muons").types[0]
    sub = SubarrayDescription(
        name="A",
        tel_positions={np.int16(5): [0, 0, 0] * u.km, 2: [1, 0, 0] * u.m},
        tel_descriptions={2: tel, 5: tel},
        reference_location=_location(),
    )
    assert list(sub.tel_positions) == [2, 5] and all(type(k) is int for k in sub.tel)
    assert sub.tel_positions[5].unit == u.m
    np.testing.assert_array_equal(sub.tel_ids, [2, 5])
