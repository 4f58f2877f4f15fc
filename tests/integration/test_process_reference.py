"""`cherenkit process` on real sim_telarray events against ctapipe 0.28's whole chain.

ctapipe ran calibration (NeighborPeakWindowSum), tailcuts 10/5/2 in the telescope
frame, and HillasReconstructor / HillasIntersection on one event of
``camsettings_v6`` (effective focal length, 7 telescopes used) and of
``gamma_prod6_tel_event_header_v4`` (2 telescopes). Here the same files go through
our whole chain, from the R1 waveforms.

Tolerance: our DL1 images equal ctapipe's sample for sample and the cleaning masks
are identical; the Hillas parameters then differ by at most ~1e-12 relative (float64
sums here, float32 pixel values there: see tests/core/image). Given identical
parameters, the reconstructors agree within ~5e-9 (tests/plugins/stereo). A 1e-12
change of an image axis moves the direction by far less than 1e-6 relative, so the
chain is held to the same 1e-6 as the reconstructors alone. ``h_max``: ctapipe's is
above sea level, ours above the reference altitude.
"""

import json

import numpy as np
import pytest

from cherenkit.config import Config
from cherenkit.io import TableLoader
from cherenkit.io.hdf5 import read_subarray
from cherenkit.processing import process_files

pytestmark = pytest.mark.data

FILES = ("camsettings_v6", "gamma_prod6_tel_event_header_v4")
LABELS = {"hillas": "HillasReconstructor", "hillas-intersection": "HillasIntersection"}


@pytest.mark.parametrize("name", FILES)
def test_whole_chain_agrees_with_ctapipe(data_dir, reference_dir, tmp_path, name):
    reference = json.loads((reference_dir / "ctapipe" / f"{name}.json").read_text())
    (event,) = [e for e in reference["events"] if e["stereo"]]
    output = tmp_path / "out.h5"
    config = Config.from_dict({"process": {"reconstructor": list(LABELS)}})
    process_files([data_dir / "simtel" / f"{name}.simtel.zst"], output, config)
    with TableLoader(output) as loader:
        events = loader.read_subarray_events()
    height = read_subarray(output).reference_location.height.to_value("m")
    row = int(np.flatnonzero(events["event_id"] == event["event_id"])[0])
    for label, key in LABELS.items():
        expected = event["stereo"][key]
        prefix = "reco_" + label.replace("-", "_") + "_"
        assert bool(events[prefix + "is_valid"][row]) is expected["is_valid"] is True
        assert events[prefix + "multiplicity"][row] == len(expected["telescopes"])
        for quantity in ("alt", "az", "core_x", "core_y", "h_max"):
            ours = float(np.asarray(events[prefix + quantity][row]))
            ours += height if quantity == "h_max" else 0.0
            np.testing.assert_allclose(
                ours, expected[quantity], rtol=1e-6, err_msg=f"{name} {label} {quantity}"
            )
