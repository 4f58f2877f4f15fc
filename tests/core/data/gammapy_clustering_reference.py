"""Reference numbers for test_clustering.py, computed with gammapy 2.1 (run once, by hand).

Not a test and not imported by one: its printed output is pasted into
``GAMMAPY`` in ``tests/core/data/test_clustering.py``. Run it in the peer
virtual environment from the repository root::

    benchmarks/.venv-peers/bin/python tests/core/data/gammapy_clustering_reference.py \
        ../shared/data/hess-dl3-dr1

For the four H.E.S.S. DL3 DR1 Crab runs it prints, per case, gammapy's
``get_irfs_features`` (edisp-bias, edisp-res, psf-radius), the effective area
of ``obs.aeff.evaluate`` at the same offset (gammapy has no "aeff" feature),
the standard-scaled features and the labels of
``hierarchical_clustering(..., fcluster_kwargs={"t": 2})``.
"""

import sys
from pprint import pprint

import astropy.units as u
import gammapy
import numpy as np
from astropy.coordinates import SkyCoord
from gammapy.data import DataStore
from gammapy.data.utils import get_irfs_features
from gammapy.utils.cluster import hierarchical_clustering, standard_scaler

OBS_IDS = [23523, 23526, 23559, 23592]
CRAB = SkyCoord(83.6331 * u.deg, 22.0145 * u.deg, frame="icrs")
NAMES = ["edisp-bias", "edisp-res", "psf-radius"]
CASES = {
    "position-1TeV": dict(energy_true=1 * u.TeV, position=CRAB),
    "fixed-1.2deg-3TeV-80%": dict(
        energy_true=3 * u.TeV, fixed_offset=1.2 * u.deg, containment_fraction=0.8
    ),
    "pointing-0.5TeV": dict(energy_true=0.5 * u.TeV),
}


def offset_of(obs, case):
    """The offset gammapy's get_irfs_features uses for a full-enclosure observation."""
    if "fixed_offset" in case:
        return case["fixed_offset"]
    if "position" not in case:
        return 0 * u.deg
    offset_max = np.minimum(obs.psf.axes["offset"].center[-1], obs.edisp.axes["offset"].center[-1])
    return np.minimum(case["position"].separation(obs.get_pointing_icrs(obs.tmid)), offset_max)


def main(path):
    store = DataStore.from_dir(path)
    observations = store.get_observations(OBS_IDS)
    out = {"gammapy": gammapy.__version__}
    for label, case in CASES.items():
        table = get_irfs_features(observations, names=NAMES, **case)
        scaled = standard_scaler(table)
        clustered = hierarchical_clustering(scaled, fcluster_kwargs={"t": 2})
        result = {"obs_id": [int(i) for i in table["obs_id"]]}
        for name in NAMES:
            result[name] = [float(v) for v in np.asarray(table[name])]
            result[f"scaled-{name}"] = [float(v) for v in np.asarray(scaled[name])]
        result["aeff"] = [
            float(
                obs.aeff.evaluate(
                    energy_true=case["energy_true"], offset=offset_of(obs, case)
                ).to_value("m2")
            )
            for obs in observations
        ]
        result["offset"] = [float(offset_of(obs, case).to_value("deg")) for obs in observations]
        result["labels-t2"] = [int(v) for v in clustered["labels"]]
        out[label] = result
    pprint(out, width=100, sort_dicts=False)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/hess-dl3-dr1")
