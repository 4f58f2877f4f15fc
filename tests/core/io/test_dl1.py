"""DL1 files: source → calibration → cleaning → parameters → HDF5, and back."""

import numpy as np
import pytest

from cherenkit.calib import CameraCalibrator
from cherenkit.errors import DataFormatError
from cherenkit.events import EventSource
from cherenkit.image import ImageProcessor
from cherenkit.io.dl1 import read_dl1_parameters, write_dl1
from cherenkit.io.hdf5 import read_subarray, read_table


@pytest.fixture(scope="module")
def toy_dl1(tmp_path_factory):
    path = tmp_path_factory.mktemp("dl1") / "toy.dl1.h5"
    source = EventSource(source="toy", n_events=60, seed=3, layout="mixed", min_multiplicity=2)
    calibrator = CameraCalibrator(source.subarray)
    processor = ImageProcessor(source.subarray, use_telescope_frame=False)
    counts = write_dl1(
        path,
        source,
        calibrator,
        processor,
        write_images=True,
        batch_size=16,
        config_text='[process]\ncleaner = "tailcuts"\n',
    )
    events = list(source)
    return path, source, events, counts


def test_every_telescope_event_is_written_with_its_truth(toy_dl1):
    path, source, events, counts = toy_dl1
    assert counts["n_events"] == len(events) > 0
    assert counts["n_telescope_events"] == sum(len(e.tel) for e in events)
    n_rows = 0
    for tel_type in {str(t) for t in source.subarray.telescope_types}:
        try:
            table = read_dl1_parameters(path, tel_type)
        except DataFormatError:
            continue  # no event of this type triggered
        n_rows += len(table)
        truth = {(e.obs_id, e.event_id): e.simulation.energy.value for e in events}
        for row in table[:5]:
            assert row["true_energy"].value == pytest.approx(
                truth[int(row["obs_id"]), int(row["event_id"])]
            )
        assert {"camera_frame_hillas_intensity", "is_good", "pointing_alt", "n_trigger"} <= set(
            table.colnames
        )
    assert n_rows == counts["n_telescope_events"]


def test_images_match_a_direct_calibration(toy_dl1):
    path, source, events, _ = toy_dl1
    calibrator = CameraCalibrator(source.subarray)
    event = events[0]
    tel_id = event.tels_with_data[0]
    tel_type = str(source.subarray.tel_descriptions[tel_id])
    images = read_table(path, f"dl1/event/telescope/images/{tel_type}")
    row = np.flatnonzero((images["event_id"] == event.event_id) & (images["tel_id"] == tel_id))[0]
    image, _ = calibrator(event)[tel_id]
    np.testing.assert_allclose(images["image"][row], image, rtol=1e-6)


def test_instrument_and_config_round_trip(toy_dl1):
    import h5py

    path, source, _, _ = toy_dl1
    assert read_subarray(path) == source.subarray
    with h5py.File(path) as handle:
        assert handle["configuration"].attrs["config"] == '[process]\ncleaner = "tailcuts"\n'
        assert handle.attrs["data_level"] == "DL1"


def test_unknown_type(toy_dl1):
    path = toy_dl1[0]
    with pytest.raises(DataFormatError, match=r"has no telescope type 'XYZ'; it has \["):
        read_dl1_parameters(path, "XYZ")
    with pytest.raises(
        DataFormatError, match=r"holds telescope types .*choose one with telescope_type="
    ):
        read_dl1_parameters(path)
