"""`cherenkit process`: source → DL1 → DL2 files, executors, bad inputs, interruptions."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

from cherenkit.cli import main
from cherenkit.config import Config
from cherenkit.errors import DataFormatError
from cherenkit.events import EventSource
from cherenkit.io.hdf5 import read_subarray, read_table, table_names
from cherenkit.processing import GEOMETRY, SHOWER, TRIGGER, process_files

TOY = """
[process]
source = {{ name = "toy", n_events = {n_events}, seed = 7, layout = "mixed" }}
reconstructor = ["hillas", "hillas-intersection"]
"""


def _toy_config(tmp_path, n_events=120):
    path = tmp_path / "toy.toml"
    path.write_text(TOY.format(n_events=n_events))
    return path


def _tables(path) -> dict:
    """Every table of an event file as {name: {column: array}} (exact comparison)."""
    out = {}
    with h5py.File(path, "r") as handle:

        def visit(name, item):
            if isinstance(item, h5py.Dataset):
                out.setdefault(item.parent.name, {})[item.name] = item[()]

        handle.visititems(visit)
    return out


def _assert_same_file(a, b):
    first, second = _tables(a), _tables(b)
    assert first.keys() == second.keys()
    for table, columns in first.items():
        assert columns.keys() == second[table].keys(), table
        for name, values in columns.items():
            np.testing.assert_array_equal(values, second[table][name], err_msg=name)


def test_toy_observation_end_to_end(tmp_path):
    config = _toy_config(tmp_path)
    output = tmp_path / "out.h5"
    result = CliRunner().invoke(
        main, ["process", "-o", str(output), "-c", str(config), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    names = table_names(output)
    assert f"{GEOMETRY}/hillas" in names and f"{GEOMETRY}/hillas-intersection" in names
    assert "simulation/run" in names and SHOWER in names
    trigger = read_table(output, TRIGGER)
    truth = read_table(output, SHOWER)
    n = len(trigger)
    assert n > 20
    for label in ("hillas", "hillas-intersection"):
        dl2 = read_table(output, f"{GEOMETRY}/{label}")
        # every array event has a row, in the same order, reconstructed or not
        assert len(dl2) == n and np.array_equal(dl2["event_id"], trigger["event_id"])
        valid = np.asarray(dl2["is_valid"])
        assert 0 < valid.sum() < n
        assert np.all(dl2["multiplicity"][valid] >= 2)
        assert np.all(np.isnan(np.asarray(dl2["alt"].value)[~valid]))
        assert str(dl2["alt"].unit) == "deg" and str(dl2["core_x"].unit) == "m"
        assert str(dl2["core_tilted_x"].unit) == "m"  # the plugin's own column_units
    assert np.array_equal(truth["event_id"], trigger["event_id"])
    with h5py.File(output) as handle:
        assert "n_events = 120" in handle["configuration"].attrs["config"]
    # the summary is printed at the end
    assert "events: " in result.output and "reconstructed by hillas: " in result.output
    assert "events/s" in result.output


@pytest.mark.data
@pytest.mark.slow
@pytest.mark.parametrize("executor", ["processes", "dask"])
def test_executors_give_identical_files(data_dir, tmp_path, executor):
    # two inputs with the same telescopes: copies of one sim_telarray file
    inputs = []
    for i in range(2):
        inputs.append(tmp_path / f"run{i}.simtel.zst")
        shutil.copy(data_dir / "simtel" / "camsettings_v6.simtel.zst", inputs[-1])
    serial = process_files(inputs, tmp_path / "serial.h5")
    assert read_subarray(tmp_path / "serial.h5") == EventSource(inputs[0]).subarray
    parallel = process_files(inputs, tmp_path / "parallel.h5", executor=executor, workers=2)
    assert serial.n_events == parallel.n_events == 2
    assert serial.n_reconstructed() == parallel.n_reconstructed() == {"hillas": 2}
    _assert_same_file(tmp_path / "serial.h5", tmp_path / "parallel.h5")


@pytest.fixture
def good_and_corrupt(data_dir, tmp_path):
    good = tmp_path / "good.simtel.zst"
    shutil.copy(data_dir / "simtel" / "gct_checs_muons.simtel.zst", good)
    corrupt = tmp_path / "corrupt.simtel.zst"
    data = good.read_bytes()
    corrupt.write_bytes(data[: len(data) // 2])  # truncated mid-stream
    return good, corrupt


@pytest.mark.data
def test_a_corrupt_input_is_reported_by_name_and_the_others_are_processed(
    good_and_corrupt, tmp_path
):
    good, corrupt = good_and_corrupt
    output = tmp_path / "out.h5"
    summary = process_files([corrupt, good], output, on_error="skip")
    assert [f.input for f in summary.failed] == [str(corrupt)]
    assert summary.files[1].n_events == summary.n_events == 20  # gct_checs_muons has 20
    assert len(read_table(output, TRIGGER)) == 20
    assert any(line.startswith(f"failed: {corrupt}: ") for line in summary.lines())


@pytest.mark.data
def test_stopping_on_a_corrupt_input_writes_nothing(good_and_corrupt, tmp_path):
    good, corrupt = good_and_corrupt
    output = tmp_path / "out.h5"
    result = CliRunner().invoke(
        main, ["process", str(good), str(corrupt), "-o", str(output), "--no-progress"]
    )
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {corrupt}: ")
    assert result.output.rstrip().endswith("nothing was written")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corrupt.simtel.zst", "good.simtel.zst"]
    with pytest.raises(DataFormatError, match=r"corrupt\.simtel\.zst"):
        process_files([corrupt], output)


def test_bad_options_fail_before_any_work(tmp_path):
    existing = tmp_path / "out.h5"
    existing.write_bytes(b"x")
    runner = CliRunner()
    result = runner.invoke(main, ["process", "-o", str(existing)])
    assert result.exit_code == 1
    assert result.output == f"Error: {existing}: exists already; pass overwrite to replace it\n"
    result = runner.invoke(main, ["process", "-o", str(tmp_path / "new.h5")])
    assert result.exit_code == 1
    assert "no input files and no [process] source configured" in result.output
    result = runner.invoke(main, ["process", "-o", "x.h5", "--executor", "threads"])
    assert result.exit_code == 2 and "'threads' is not one of" in result.output
    assert existing.read_bytes() == b"x"


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL])
def test_an_interrupted_run_leaves_no_file_under_the_final_name(tmp_path, how):
    config = _toy_config(tmp_path, n_events=200_000)
    output = tmp_path / "out.h5"
    cherenkit = Path(sys.executable).parent / "cherenkit"
    process = subprocess.Popen(
        [cherenkit, "process", "-o", output, "-c", config, "--no-progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    # wait until it is writing its part file (`.part-00000.h5.XXXX.part`), then interrupt it
    while not any(p.name.startswith(".part-") for p in tmp_path.rglob("*.part")):
        assert process.poll() is None, process.stdout.read()
        assert time.monotonic() < deadline
        time.sleep(0.2)
    time.sleep(1.0)
    os.kill(process.pid, how)
    process.wait(timeout=60)
    process.stdout.close()
    assert process.returncode != 0
    assert not output.exists()
    leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(".out.h5")]
    if how == signal.SIGINT:
        assert leftovers == []  # cleaned up on the way out


@pytest.mark.data
def test_reconstructors_follow_the_source_focal_length(data_dir, tmp_path):
    # lst_muons has no effective focal length: the source and hillas use the equivalent one
    source = {"name": "simtel", "focal_length_choice": "equivalent"}
    config = Config.from_dict({"process": {"source": source}})
    path = data_dir / "simtel" / "lst_muons.simtel.zst"
    summary = process_files([path], tmp_path / "out.h5", config, max_events=4)
    assert summary.n_events == 4 and summary.n_reconstructed() == {"hillas": 0}  # one telescope
    dl2 = read_table(tmp_path / "out.h5", f"{GEOMETRY}/hillas")
    assert len(dl2) == 4 and not np.any(dl2["is_valid"])
    source = {"name": "simtel", "focal_length_choice": "effective"}
    reconstructor = {"name": "hillas", "focal_length_choice": "equivalent"}
    config = Config.from_dict({"process": {"source": source, "reconstructor": reconstructor}})
    with pytest.raises(DataFormatError, match="reconstructor 'hillas' uses focal_length_choice"):
        process_files(
            [data_dir / "simtel" / "gct_checs_muons.simtel.zst"], tmp_path / "x.h5", config
        )
