"""cherenkit.data.clustering: IRF features, scaling, hierarchical clustering, median groups.

The H.E.S.S. DL3 DR1 Crab features are checked twice: against the IRF classes
called directly, and against gammapy 2.1's ``gammapy.data.utils.get_irfs_features``
/ ``gammapy.utils.cluster`` on the same four runs. The gammapy numbers in
``GAMMAPY`` were computed once with ``tests/core/data/gammapy_clustering_reference.py``
(gammapy 2.1, peer venv ``benchmarks/.venv-peers``) and pasted here; the tests do
not need gammapy. Conventions shared with gammapy: the offset is the distance of
the source from the pointing, clipped to the last offset-bin centre of the IRFs
(2.5 deg on DR1); ``aeff`` is not a gammapy feature, so its reference is gammapy's
``obs.aeff.evaluate`` at that same offset.
"""

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.table import Table
from scipy.cluster import hierarchy

from cherenkit.data import (
    DataStore,
    Observations,
    get_irfs_features,
    group_by_median,
    hierarchical_clustering,
    labels_by_median,
    pointing_zenith,
    standard_scaler,
)
from cherenkit.errors import DataFormatError, ParameterError

RTOL = 1e-4
CRAB = SkyCoord(83.6331 * u.deg, 22.0145 * u.deg, frame="icrs")
CRAB_IDS = [23523, 23526, 23559, 23592]
NAMES = ["edisp-bias", "edisp-res", "psf-radius", "aeff"]
CASES = {
    "position-1TeV": dict(energy_true=1 * u.TeV, position=CRAB),
    "fixed-1.2deg-3TeV-80%": dict(
        energy_true=3 * u.TeV, fixed_offset=1.2 * u.deg, containment_fraction=0.8
    ),
    "pointing-0.5TeV": dict(energy_true=0.5 * u.TeV),
}

# gammapy 2.1, tests/core/data/gammapy_clustering_reference.py (see the module docstring)
GAMMAPY = {
    "position-1TeV": {
        "obs_id": [23523, 23526, 23559, 23592],
        "edisp-bias": [
            0.070801717946006,
            0.04818332447077222,
            0.02212784006844895,
            0.048520793523086955,
        ],
        "scaled-edisp-bias": [
            1.3573072263400532,
            0.04496094351247556,
            -1.4668094720168905,
            0.06454130216436303,
        ],
        "edisp-res": [
            0.3626039288429982,
            0.3493062789030875,
            0.3143492885419318,
            0.31569003739135226,
        ],
        "scaled-edisp-res": [
            1.290889854364227,
            0.6578519387136859,
            -1.0062842368992169,
            -0.9424575561786908,
        ],
        "psf-radius": [
            0.12262554820626972,
            0.10932155158370732,
            0.10746226552873848,
            0.12177826743572948,
        ],
        "scaled-psf-radius": [
            1.0555916227665438,
            -0.8606694229735938,
            -1.1284744699158271,
            0.933552270122883,
        ],
        "aeff": [230772.61081581752, 232964.91420065233, 158908.41382879685, 160183.65798484028],
        "offset": [0.5000556025093958, 0.49994449107757455, 1.5020938038831213, 1.501661168330823],
        "labels-t2": [2, 1, 1, 1],
    },
    "fixed-1.2deg-3TeV-80%": {
        "obs_id": [23523, 23526, 23559, 23592],
        "edisp-bias": [
            -0.003860621166092884,
            -5.983571743407851e-06,
            0.0005051189193243757,
            -0.003562352022354324,
        ],
        "scaled-edisp-bias": [
            -1.0693501856237886,
            0.8661484974094974,
            1.1227843481589568,
            -0.9195826599446655,
        ],
        "edisp-res": [
            0.33507169265554404,
            0.32112510582021697,
            0.3189781343521587,
            0.3339825481513341,
        ],
        "scaled-edisp-res": [
            1.0678816965120623,
            -0.8458535645362844,
            -1.1404586210566572,
            0.9184304890808718,
        ],
        "psf-radius": [
            0.18038273528218265,
            0.17176360636949536,
            0.17042691372334956,
            0.17970099523663519,
        ],
        "scaled-psf-radius": [
            1.0687116943174617,
            -0.844672925049877,
            -1.1414090773763648,
            0.9173703081087924,
        ],
        "aeff": [354985.9380406443, 336803.48370474397, 334425.976235699, 353515.2676538174],
        "offset": [1.2, 1.2, 1.2, 1.2],
        "labels-t2": [1, 2, 2, 1],
    },
    "pointing-0.5TeV": {
        "obs_id": [23523, 23526, 23559, 23592],
        "edisp-bias": [
            0.5124863788700385,
            0.3048325236941582,
            0.27375680241112954,
            0.49610285503702245,
        ],
        "scaled-edisp-bias": [
            1.069090431255771,
            -0.8498084612331065,
            -1.1369746547178838,
            0.9176926846952188,
        ],
        "edisp-res": [
            0.5285956349393857,
            0.43270287614161057,
            0.4091735233012475,
            0.5245517697409623,
        ],
        "scaled-edisp-res": [
            1.0252713935072948,
            -0.7675198013461119,
            -1.2074197178951873,
            0.9496681257340065,
        ],
        "psf-radius": [
            0.1561072267591953,
            0.13654323033988475,
            0.13372949473559853,
            0.15451651290059087,
        ],
        "scaled-psf-radius": [
            1.071987261814746,
            -0.8550679496923654,
            -1.1322211316818531,
            0.9153018195594727,
        ],
        "aeff": [34435.45218788918, 82337.98750079158, 89801.87806085165, 38153.06309260374],
        "offset": [0.0, 0.0, 0.0, 0.0],
        "labels-t2": [1, 2, 2, 1],
    },
}


# --- standard_scaler ---------------------------------------------------------------------------


def test_standard_scaler_against_hand_computation():
    table = Table({"obs_id": [11, 12, 13, 14], "a": [1.0, 2.0, 3.0, 4.0], "b": [2.0, 2, 2, 2]})
    table["c"] = [0.0, 0.0, 0.0, 8.0] * u.deg
    scaled = standard_scaler(table)
    # a: mean 2.5, population variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25
    s = np.sqrt(1.25)
    np.testing.assert_allclose(scaled["a"], [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s], rtol=1e-15)
    # b: constant -> 0 (scale taken as 1, as scikit-learn's StandardScaler)
    assert list(scaled["b"]) == [0.0, 0.0, 0.0, 0.0]
    # c: mean 2, variance (3 * 4 + 36) / 4 = 12, unit dropped
    np.testing.assert_allclose(scaled["c"], np.array([-2, -2, -2, 6]) / np.sqrt(12), rtol=1e-15)
    assert scaled["c"].unit is None
    assert list(scaled["obs_id"]) == [11, 12, 13, 14]
    assert list(table["a"]) == [1.0, 2.0, 3.0, 4.0]  # input untouched
    # a plain array: the same, columnwise
    matrix = np.column_stack([table["a"], table["b"]])
    np.testing.assert_allclose(standard_scaler(matrix), np.column_stack([scaled["a"], scaled["b"]]))


def test_standard_scaler_keeps_labels_and_rejects_tables_without_features():
    table = Table({"obs_id": [1, 2], "labels": [1, 2], "x": [1.0, 3.0]})
    scaled = standard_scaler(table)
    assert list(scaled["labels"]) == [1, 2] and list(scaled["x"]) == [-1.0, 1.0]
    with pytest.raises(ParameterError, match="no feature columns"):
        standard_scaler(Table({"obs_id": [1, 2]}))
    with pytest.raises(ParameterError, match="2-d array"):
        standard_scaler(np.ones(3))


# --- hierarchical_clustering ------------------------------------------------------------------


@pytest.fixture
def blobs():
    rng = np.random.default_rng(7)
    centres = np.array([[0.0, 0.0, 0.0], [4.0, 0.0, 1.0], [0.0, 5.0, -2.0]])
    points = np.concatenate([c + rng.normal(0, 0.6, (7, 3)) for c in centres])
    table = Table(points, names=["f1", "f2", "f3"])
    table.add_column(np.arange(100, 100 + len(points)), name="obs_id", index=0)
    return table, points


@pytest.mark.parametrize(
    ("linkage_kwargs", "fcluster_kwargs", "scipy_linkage", "scipy_fcluster"),
    [
        (None, None, dict(method="ward"), dict(criterion="maxclust", t=3)),
        (None, {"t": 2}, dict(method="ward"), dict(criterion="maxclust", t=2)),
        (
            {"method": "average", "metric": "cityblock"},
            {"criterion": "distance", "t": 3.0},
            dict(method="average", metric="cityblock"),
            dict(criterion="distance", t=3.0),
        ),
        ({"method": "single"}, {"t": 4}, dict(method="single"), dict(criterion="maxclust", t=4)),
    ],
)
def test_hierarchical_clustering_is_scipy_on_the_feature_matrix(
    blobs, linkage_kwargs, fcluster_kwargs, scipy_linkage, scipy_fcluster
):
    table, points = blobs
    expected = hierarchy.fcluster(hierarchy.linkage(points, **scipy_linkage), **scipy_fcluster)
    clustered = hierarchical_clustering(
        table, linkage_kwargs=linkage_kwargs, fcluster_kwargs=fcluster_kwargs
    )
    assert list(clustered["labels"]) == list(expected)
    assert clustered.colnames == ["obs_id", "f1", "f2", "f3", "labels"]
    assert "labels" not in table.colnames
    # an existing labels column is replaced, not clustered on
    again = hierarchical_clustering(clustered, linkage_kwargs, fcluster_kwargs)
    assert list(again["labels"]) == list(expected)


def test_hierarchical_clustering_default_finds_the_three_blobs(blobs):
    table, _ = blobs
    labels = np.asarray(hierarchical_clustering(table)["labels"])
    assert sorted(len(set(labels[i : i + 7])) for i in (0, 7, 14)) == [1, 1, 1]
    assert len(set(labels)) == 3


def test_hierarchical_clustering_needs_two_rows():
    with pytest.raises(ParameterError, match="at least 2 rows"):
        hierarchical_clustering(Table({"obs_id": [1], "x": [1.0]}))


# --- median groups -------------------------------------------------------------------------------


def test_labels_by_median():
    # median of [3, 1, 2, 5] is 2.5; of [1, 2, 3] is 2 (equal to the median -> upper)
    assert labels_by_median([3, 1, 2, 5]).tolist() == ["upper", "lower", "lower", "upper"]
    assert labels_by_median([1, 2, 3]).tolist() == ["lower", "upper", "upper"]
    zenith = [10.0, 40.0, 20.0] * u.deg
    assert labels_by_median(zenith, median=0.5 * u.rad, labels=("low", "high")).tolist() == [
        "low",
        "high",
        "low",
    ]  # 0.5 rad = 28.6 deg


def test_labels_by_median_errors():
    with pytest.raises(ParameterError, match=r"not finite at positions \[1\]"):
        labels_by_median([1.0, np.nan])
    with pytest.raises(ParameterError, match="two labels"):
        labels_by_median([1.0, 2.0], labels=("a", "b", "c"))
    with pytest.raises(ParameterError, match="no unit"):
        labels_by_median([1.0, 2.0], median=1 * u.deg)
    with pytest.raises(ParameterError, match="non-empty 1-d"):
        labels_by_median([])


def test_group_by_median(pointlike_store):
    observations = DataStore.from_dir(pointlike_store).get_observations(required_irf="point-like")
    groups = group_by_median(observations, [5.0, 1.0] * u.deg)
    assert {k: v.ids for k, v in groups.items()} == {"lower": ["2"], "upper": ["1"]}
    assert all(type(k) is str for k in groups)
    groups = group_by_median(observations, lambda obs: obs.obs_id, labels=("a", "b"))
    assert {k: v.ids for k, v in groups.items()} == {"a": ["1"], "b": ["2"]}
    with pytest.raises(ParameterError, match="got 3 values for 2 observations"):
        group_by_median(observations, [1, 2, 3])


# --- get_irfs_features: arguments and synthetic IRFs ---------------------------------------------


def test_features_of_a_synthetic_store_against_the_irfs(pointlike_store):
    observations = DataStore.from_dir(pointlike_store).get_observations(required_irf="point-like")
    features = get_irfs_features(
        observations, "1 TeV", fixed_offset="0.7 deg", names=["aeff", "edisp-res"]
    )
    assert features.colnames == ["obs_id", "aeff", "edisp-res"]
    assert list(features["obs_id"]) == [1, 2]
    assert features["aeff"].unit == u.m**2
    for row, obs in zip(features, observations, strict=True):
        aeff = obs.aeff.evaluate(energy_true=1 * u.TeV, offset=0.7 * u.deg)
        assert row["aeff"] == pytest.approx(aeff.to_value("m2"), rel=1e-12)
        kernel = obs.edisp.to_edisp_kernel(0.7 * u.deg)
        res = kernel.get_resolution(1 * u.TeV)
        assert row["edisp-res"] == pytest.approx(float(np.ravel(res)[0]), rel=1e-12)
    assert features.meta["offset"].to_value("deg").tolist() == [0.7, 0.7]


def test_features_progress_bar(pointlike_store, capsys):
    observations = DataStore.from_dir(pointlike_store).get_observations(required_irf="point-like")
    quiet = get_irfs_features(observations, "2 TeV", names=["aeff"])  # 2 < 10 runs: no bar
    assert "IRF features" not in capsys.readouterr().err
    loud = get_irfs_features(observations, "2 TeV", names=["aeff"], progress=True)
    assert "IRF features" in capsys.readouterr().err
    assert list(loud["aeff"]) == list(quiet["aeff"])
    assert loud.meta["offset"].to_value("deg").tolist() == [0.0, 0.0]  # no position: 0 deg


def test_feature_argument_errors(pointlike_store):
    observations = DataStore.from_dir(pointlike_store).get_observations(required_irf="point-like")
    with pytest.raises(
        ParameterError,
        match=r"unknown feature 'psf-radus' \(did you mean 'psf-radius'\?\); valid: 'aeff', 'edisp-bias', 'edisp-res', 'psf-radius'",
    ):
        get_irfs_features(observations, "1 TeV", names=["psf-radus"])
    with pytest.raises(ParameterError, match="exclusive"):
        get_irfs_features(observations, "1 TeV", position=CRAB, fixed_offset="1 deg")
    with pytest.raises(ParameterError, match="expected one energy"):
        get_irfs_features(observations, [1, 2] * u.TeV)
    with pytest.raises(ParameterError, match="expected one energy"):
        get_irfs_features(observations, "1 deg")
    with pytest.raises(ParameterError, match=r"fraction in \(0, 1\)"):
        get_irfs_features(observations, "1 TeV", containment_fraction=68)
    with pytest.raises(ParameterError, match="given twice"):
        get_irfs_features(observations, "1 TeV", names=["aeff", "aeff"])
    # the point-like store has no PSF
    with pytest.raises(DataFormatError, match=r"observation 1: no psf IRF .* it has \['aeff'"):
        get_irfs_features(observations, "1 TeV", names=["psf-radius"])


# --- get_irfs_features on H.E.S.S. DL3 DR1 -------------------------------------------------------


@pytest.fixture(scope="module")
def crab(data_dir):
    store = DataStore.from_dir(data_dir / "hess-dl3-dr1")
    return store.get_observations(CRAB_IDS)


def _offset_from_pointing(obs, case):
    if "fixed_offset" in case:
        return case["fixed_offset"]
    if "position" not in case:
        return 0 * u.deg
    return min(case["position"].separation(obs.pointing), 2.5 * u.deg)


@pytest.mark.data
@pytest.mark.parametrize("case", list(CASES))
def test_crab_features_against_the_irf_classes(crab, case):
    kwargs = CASES[case]
    features = get_irfs_features(crab, names=NAMES, progress=False, **kwargs)
    energy = kwargs["energy_true"]
    fraction = kwargs.get("containment_fraction", 0.68)
    for row, obs in zip(features, crab, strict=True):
        offset = _offset_from_pointing(obs, kwargs)
        kernel = obs.edisp.to_edisp_kernel(offset)
        expected = {
            "edisp-bias": kernel.get_bias(energy),
            "edisp-res": kernel.get_resolution(energy),
            "psf-radius": obs.psf.containment_radius(fraction, energy_true=energy, offset=offset),
            "aeff": obs.aeff.evaluate(energy_true=energy, offset=offset).to("m2"),
        }
        for name, value in expected.items():
            assert row[name] == pytest.approx(float(np.ravel(value.value)[0]), rel=1e-10), name
    assert features["psf-radius"].unit == u.deg


@pytest.mark.data
@pytest.mark.parametrize("case", list(CASES))
def test_crab_features_against_gammapy(crab, case):
    expected = GAMMAPY[case]
    features = get_irfs_features(crab, names=NAMES, progress=False, **CASES[case])
    assert list(features["obs_id"]) == expected["obs_id"]
    np.testing.assert_allclose(
        features.meta["offset"].to_value("deg"), expected["offset"], rtol=1e-9
    )
    for name in NAMES:
        np.testing.assert_allclose(features[name], expected[name], rtol=RTOL, err_msg=name)
    gammapy_names = NAMES[:3]
    scaled = standard_scaler(features[["obs_id", *gammapy_names]])
    for name in gammapy_names:
        np.testing.assert_allclose(
            scaled[name], expected[f"scaled-{name}"], rtol=RTOL, atol=1e-8, err_msg=name
        )
    clustered = hierarchical_clustering(scaled, fcluster_kwargs={"t": 2})
    assert list(clustered["labels"]) == expected["labels-t2"]
    scaled_directly = get_irfs_features(
        crab, names=gammapy_names, apply_standard_scaler=True, progress=False, **CASES[case]
    )
    for name in gammapy_names:
        np.testing.assert_allclose(scaled_directly[name], scaled[name], rtol=1e-12)


@pytest.mark.data
def test_crab_groups_by_cluster_and_by_zenith(crab):
    features = get_irfs_features(crab, "1 TeV", position=CRAB, names=["edisp-res", "psf-radius"])
    clustered = hierarchical_clustering(standard_scaler(features), fcluster_kwargs={"t": 2})
    groups = crab.group_by_label(clustered["labels"].tolist())
    assert {k: v.ids for k, v in groups.items()} == {
        1: ["23526", "23559"],
        2: ["23523", "23592"],
    }
    zenith = pointing_zenith(crab)
    assert zenith.unit == u.deg and zenith.shape == (4,)
    # zenith at the middle of each run: within a degree of the obs index's ZEN_PNT
    zen_pnt = [obs.meta["ZEN_PNT"] for obs in crab]
    np.testing.assert_allclose(zenith.to_value("deg"), zen_pnt, atol=1.0)
    groups = group_by_median(crab, zenith)
    assert sum(len(g) for g in groups.values()) == 4
    assert sorted(groups) == ["lower", "upper"] and len(groups["lower"]) == 2
    assert isinstance(groups["lower"], Observations)
