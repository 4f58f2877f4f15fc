"""The five safe-mask methods on small hand-made datasets and IRFs, the plugin-class
contract, parameter errors and `SafeMaskMaker` end to end."""

import types

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import SkyCoord

from cherenkit import registry
from cherenkit.datasets import MapDataset, SpectrumDataset, SpectrumDatasetOnOff
from cherenkit.errors import ConfigError, ParameterError
from cherenkit.irf import Background2D, EDispKernel, EffectiveAreaTable2D
from cherenkit.makers import SafeMaskMaker
from cherenkit.maps import MapAxis, RegionGeom, WcsGeom
from cherenkit.testing import check_plugin_class
from cherenkit_safemask import (
    AeffDefaultSafeMask,
    AeffMaxSafeMask,
    BkgPeakSafeMask,
    EdispBiasSafeMask,
    OffsetMaxSafeMask,
)
from cherenkit_safemask.edisp import bias_energy

CLASSES = [
    AeffDefaultSafeMask,
    AeffMaxSafeMask,
    EdispBiasSafeMask,
    OffsetMaxSafeMask,
    BkgPeakSafeMask,
]
RECO = MapAxis.from_edges([1.0, 2.0, 4.0, 8.0], unit="TeV", name="energy", interp="log")
# true energy 0.5-16 TeV, 5 bins of a factor 2: centres 0.707, 1.41, 2.83, 5.66, 11.3 TeV
TRUE = MapAxis.from_energy_bounds(0.5, 16, 5, unit="TeV", name="energy_true")
POINTING = SkyCoord(0, 0, unit="deg")


def _observation(**irfs):
    offset = MapAxis.from_edges([0.0, 1.0, 2.0, 3.0], unit="deg", name="offset")
    aeff = EffectiveAreaTable2D(
        axes=[TRUE, offset],
        # linear in ln E (the IRF interpolation is exact): at the edges 0.5 ... 16 TeV
        # the area is [1, 2, 3, 4, 5, 6] · ln 2
        data=np.outer(np.log(TRUE.center_value / 0.25), [1.0, 1.0, 1.0]),
        unit="m2",
        meta={"LO_THRES": 2.0, "HI_THRES": 4.0},
    )
    values = {"obs_id": 7, "pointing": POINTING, "aeff": aeff, "edisp": None, "bkg": None}
    values.update(irfs)
    return types.SimpleNamespace(**values)


def _map_dataset(exposure=None):
    geom = WcsGeom.create(skydir=(0, 0), npix=5, binsz=1.0, axes=[RECO])
    dataset = MapDataset.create(geom, energy_axis_true=TRUE, binsz_irf=1.0, name="d")
    dataset.mask_safe.data[...] = True
    dataset.background.data[...] = 1.0
    dataset.exposure.data[...] = (
        (TRUE.center_value**2)[:, None, None] if exposure is None else exposure
    )
    dataset.exposure.meta["livetime"] = 100.0
    return dataset


def _spectrum_dataset():
    geom = RegionGeom.create("icrs;circle(0, 1.5, 0.1)", axes=[RECO])
    dataset = SpectrumDataset.create(geom, energy_axis_true=TRUE, name="s")
    dataset.exposure.data[...] = (TRUE.center_value**2)[:, None, None]
    dataset.exposure.meta["livetime"] = 100.0
    return dataset


def _bins(mask):
    """Safe reco bins of a mask that is the same in every pixel."""
    flat = mask.reshape(mask.shape[0], -1)
    assert (flat == flat[:, :1]).all()
    return flat[:, 0].astype(int).tolist()


# --- plugin contract ---------------------------------------------------------------


@pytest.mark.parametrize("cls", CLASSES)
def test_plugin_class_contract(cls):
    check_plugin_class(cls)
    assert registry.get("safe-mask", cls.name) is cls


def test_parameter_errors():
    with pytest.raises(ParameterError, match="mutually exclusive"):
        AeffMaxSafeMask(position=(83.6, 22.0), fixed_offset="0.5 deg")
    with pytest.raises(ParameterError, match=r"\[RA, Dec\]"):
        EdispBiasSafeMask(position=(1.0, 100.0))
    with pytest.raises(ParameterError, match="choices"):
        BkgPeakSafeMask(irfs="DL5")
    with pytest.raises(ParameterError, match="out of range"):
        AeffMaxSafeMask(aeff_percent=0)
    with pytest.raises(ParameterError, match="missing unit"):
        OffsetMaxSafeMask(offset_max=2.5)
    # a SkyCoord is stored as ICRS (RA, Dec) in deg
    galactic = SkyCoord(184.557, -5.784, unit="deg", frame="galactic")
    method = AeffMaxSafeMask(position=galactic)
    assert method.position == pytest.approx((83.633, 22.014), abs=2e-3)
    assert method.position_skycoord.separation(galactic).deg < 1e-9


@pytest.mark.parametrize("cls", [AeffDefaultSafeMask, OffsetMaxSafeMask])
def test_observation_required(cls):
    with pytest.raises(ValueError, match="needs the observation"):
        cls()(_map_dataset(), None)


# --- aeff-default ------------------------------------------------------------------


def test_aeff_default_keeps_bins_inside_the_thresholds():
    # LO_THRES 2, HI_THRES 4 TeV: only the bin 2-4 TeV lies fully inside
    assert _bins(AeffDefaultSafeMask()(_map_dataset(), _observation())) == [0, 1, 0]


def test_aeff_default_without_keywords_warns_and_stays_open():
    observation = _observation()
    observation.aeff.meta.clear()
    with pytest.warns(UserWarning) as record:
        mask = AeffDefaultSafeMask()(_map_dataset(), observation)
    assert mask.all()
    messages = [str(w.message) for w in record]
    assert len(messages) == 2
    assert "no LO_THRES" in messages[0] and "observation 7" in messages[0]
    assert "no HI_THRES" in messages[1]


# --- aeff-max ----------------------------------------------------------------------


def test_aeff_max_dl4_solves_the_power_law_crossing():
    # A = E² at the centres; max at 11.31 TeV; 10 % crossing at E = sqrt(0.1) · 11.31
    # = 3.578 TeV (a power law is exact in log-log); bins from 4 TeV are safe
    method = AeffMaxSafeMask()
    threshold = method.threshold_dl4(_map_dataset())
    expected = np.sqrt(0.1) * TRUE.center_value[-1]
    assert threshold.to_value("TeV") == pytest.approx(expected, rel=1e-12)
    assert _bins(method(_map_dataset(), None)) == [0, 0, 1]
    # 1 % -> 1.131 TeV: the bins from 2 TeV
    assert _bins(AeffMaxSafeMask(aeff_percent=1)(_map_dataset(), None)) == [0, 1, 1]


def test_aeff_max_all_and_no_bins_pass():
    flat = _map_dataset(exposure=np.ones((5, 1, 1)))
    # flat: above the threshold everywhere -> E_min = first centre (0.71 TeV)
    assert _bins(AeffMaxSafeMask()(flat, None)) == [1, 1, 1]
    # 100 %: the maximum is the last centre (11.3 TeV), above every reco bin
    assert _bins(AeffMaxSafeMask(aeff_percent=100)(_map_dataset(), None)) == [0, 0, 0]


@pytest.mark.parametrize("value", [0.0, np.nan])
def test_aeff_max_zero_or_nan_exposure_gives_an_empty_mask(value):
    dataset = _map_dataset(exposure=np.full((5, 1, 1), value))
    with pytest.warns(UserWarning, match="effective area is zero"):
        mask = AeffMaxSafeMask()(dataset, None)
    assert not mask.any() and mask.shape == dataset.counts.data.shape


def test_aeff_max_nan_bins_count_as_zero():
    exposure = (TRUE.center_value**2)[:, None, None] * np.ones((5, 5, 5))
    exposure[0] = np.nan  # the first true bin: as zero, the curve starts at the second
    method = AeffMaxSafeMask(aeff_percent=1)
    assert _bins(method(_map_dataset(exposure=exposure), None)) == [0, 1, 1]


def test_aeff_max_position_and_fixed_offset():
    exposure = (TRUE.center_value**2)[:, None, None] * np.ones((5, 5, 5))
    exposure[:, 2, 4] = 1.0  # flat at (lon -2, lat 0): every bin safe there
    dataset = _map_dataset(exposure=exposure)
    position = SkyCoord(-2, 0, unit="deg").icrs
    assert _bins(AeffMaxSafeMask(position=position)(dataset, None)) == [1, 1, 1]
    with pytest.raises(ValueError, match="needs the observation"):
        AeffMaxSafeMask(fixed_offset="1 deg")(dataset, None)
    # outside the map: no effective area
    with pytest.warns(UserWarning):
        assert not AeffMaxSafeMask(position=(30.0, 0.0))(dataset, None).any()


def test_aeff_max_dl3_uses_the_edges():
    # A at the edges 0.5, 1, 2, 4, 8, 16 TeV: [1, 2, 3, 4, 5, 6] ln 2 (max 6 ln 2)
    # 10 %: 0.6 ln 2 -> every edge is above, the lowest is 0.5 TeV: all bins safe
    # 50 %: 3 ln 2 -> strictly above from 4 TeV: the bin 4-8 TeV
    # 30 %: 1.8 ln 2 -> from 1 TeV
    observation = _observation()
    method = AeffMaxSafeMask(irfs="DL3")
    assert method.threshold_dl3(observation).to_value("TeV") == pytest.approx(0.5, rel=1e-12)
    assert _bins(method(_map_dataset(), observation)) == [1, 1, 1]
    half = AeffMaxSafeMask(irfs="DL3", aeff_percent=50)
    assert half.threshold_dl3(observation).to_value("TeV") == pytest.approx(4.0, rel=1e-12)
    assert _bins(half(_map_dataset(), observation)) == [0, 0, 1]
    assert _bins(AeffMaxSafeMask(irfs="DL3", aeff_percent=30)(_map_dataset(), observation)) == [
        1,
        1,
        1,
    ]
    with pytest.raises(ValueError, match="needs the observation"):
        method(_map_dataset(), None)


# --- edisp-bias --------------------------------------------------------------------


def _shifted_kernel(n_shifted):
    """Kernel on TRUE × TRUE: the first ``n_shifted`` true bins land one bin higher
    (bias = 2 - 1 = 1), the others on the diagonal (bias 0)."""
    data = np.zeros((5, 5))
    for i in range(5):
        data[i, min(i + 1, 4) if i < n_shifted else i] = 1.0
    return EDispKernel(energy_true=TRUE, energy=TRUE.copy(name="energy"), data=data)


def test_bias_energy_crossing_in_log_log():
    # bias [1, 1, 0, 0, 0]: between centres c1 (bias 1) and c2 (bias 0 -> the
    # smallest float64 in the log), ln b falls linearly in ln E from 0 to ln(tiny):
    # the 10 % crossing is at ln E = ln c1 + ln(0.1) / ln(tiny) · ln 2
    c = TRUE.center_value
    tiny = np.finfo(np.float64).tiny
    e_true = np.exp(np.log(c[1]) + np.log(0.1) / np.log(tiny) * np.log(2.0))
    got = bias_energy(_shifted_kernel(2), 0.1)
    assert got.to_value("TeV") == pytest.approx(1.1 * e_true, rel=1e-12)
    # no crossing (bias 0 everywhere): the energy of the largest bias, the first centre
    assert bias_energy(_shifted_kernel(0), 0.1).to_value("TeV") == pytest.approx(1.1 * c[0])


def _with_edisp(dataset, kernel):
    dataset.edisp.edisp_map.data[...] = kernel.data[:, :, None, None]
    dataset.edisp.exposure_map.data[...] = 1.0
    return dataset


def test_edisp_bias_dl4_and_dl3():
    data = np.zeros((5, 3))
    # every true bin lands in reco bin 2 (centre 5.66 TeV): biases 5.66 / c - 1 =
    # [7, 3, 1, 0, -0.5]. 10 %: just above c2 = 2.83 TeV (the bias falls to the
    # smallest float64 at c3), times 1.1 -> 3.1 TeV: the bin 4-8 TeV.
    # 200 %: between c1 (3) and c2 (1), ln b linear in ln E: E_t = 1.414 · 2^0.369
    # = 1.83 TeV, times 3 -> 5.5 TeV: no bin.
    data[:, 2] = 1.0
    kernel = EDispKernel(energy_true=TRUE, energy=RECO, data=data)
    geom = WcsGeom.create(skydir=(0, 0), npix=3, binsz=1.0, axes=[RECO])
    dataset = _with_edisp(MapDataset.create(geom, energy_axis_true=TRUE, binsz_irf=1.0), kernel)
    threshold = EdispBiasSafeMask().threshold(dataset, None)
    assert threshold == bias_energy(kernel, 0.1)
    assert 2.83 * 1.1 < threshold.to_value("TeV") < 5.66 * 1.1
    assert _bins(EdispBiasSafeMask()(dataset, None)) == [0, 0, 1]
    expected = np.sqrt(2) * 2 ** (np.log(1.5) / np.log(3)) * 3
    high = EdispBiasSafeMask(bias_percent=200).threshold(dataset, None).to_value("TeV")
    assert high == pytest.approx(expected, rel=1e-6)  # c_i from float edges
    assert _bins(EdispBiasSafeMask(bias_percent=200)(dataset, None)) == [0, 0, 0]
    # DL3: the observation's EnergyDispersion2D is asked for the kernel at offset 0
    seen = {}

    def to_edisp_kernel(offset):
        seen["offset"] = offset
        return kernel

    observation = _observation(edisp=types.SimpleNamespace(to_edisp_kernel=to_edisp_kernel))
    assert EdispBiasSafeMask(irfs="DL3").threshold(dataset, observation) == threshold
    assert seen["offset"] == 0 * u.deg
    EdispBiasSafeMask(irfs="DL3", fixed_offset="1.5 deg").threshold(dataset, observation)
    assert seen["offset"] == 1.5 * u.deg


def test_edisp_bias_needs_an_edisp_map():
    with pytest.raises(ValueError, match="energy-dispersion map"):
        EdispBiasSafeMask()(MapDataset(counts=_map_dataset().counts, name="x"), None)


# --- offset-max --------------------------------------------------------------------


def test_offset_max_on_a_map_and_a_region():
    # pixel centres at integer degrees around the pointing: < 1.5 deg keeps the
    # centre, its 4 neighbours and the 4 diagonal ones (1.414 deg)
    mask = OffsetMaxSafeMask(offset_max="1.5 deg")(_map_dataset(), _observation())
    assert mask.shape == (3, 5, 5)
    assert mask.sum(axis=(1, 2)).tolist() == [9, 9, 9]
    spectrum = _spectrum_dataset()  # centre at 1.5 deg
    assert OffsetMaxSafeMask(offset_max="1.6 deg")(spectrum, _observation()).all()
    assert not OffsetMaxSafeMask(offset_max="1.5 deg")(spectrum, _observation()).any()


# --- bkg-peak ----------------------------------------------------------------------


def test_bkg_peak_dl4_map_and_on_off():
    dataset = _map_dataset()
    dataset.background.data[...] = np.array([1.0, 3.0, 2.0])[:, None, None]
    assert _bins(BkgPeakSafeMask()(dataset, None)) == [0, 1, 1]
    dataset.background.data[...] = np.array([1.0, 1.0, 1.0])[:, None, None]
    assert _bins(BkgPeakSafeMask()(dataset, None)) == [1, 1, 1]  # first of a tie
    dataset.background.data[...] = np.array([1.0, 1.0, 5.0])[:, None, None]
    assert _bins(BkgPeakSafeMask()(dataset, None)) == [0, 0, 1]
    # On/Off: the profiled background without signal, alpha (n_on + n_off) / (1 + alpha)
    spectrum = _spectrum_dataset()
    spectrum.counts.data[:, 0, 0] = [0.0, 12.0, 0.0]
    onoff = SpectrumDatasetOnOff.from_map_dataset(
        spectrum,
        acceptance=1.0,
        acceptance_off=2.0,
        counts_off=np.array([10.0, 4.0, 0.0])[:, None, None],
    )
    # profiled: 0.5 × [10, 16, 0] / 1.5 = [3.33, 5.33, 0] -> bin 1; alpha × n_off: bin 0
    assert _bins(BkgPeakSafeMask()(onoff, None)) == [0, 1, 1]


def test_bkg_peak_dl3_integrates_over_offset():
    energy = MapAxis.from_edges([0.5, 1.0, 2.0, 4.0], unit="TeV", name="energy", interp="log")
    offset = MapAxis.from_edges([0.0, 1.0, 2.0], unit="deg", name="offset")
    # per energy: Σ 2π θ Δθ R = 2π (0.5 R0 + 1.5 R1): [2π·2.0, 2π·3.5, 2π·3.0] -> bin 1
    data = np.array([[1.0, 1.0], [4.0, 1.0], [0.0, 2.0]])
    bkg = Background2D(axes=[energy, offset], data=data, unit="s-1 MeV-1 sr-1")
    method = BkgPeakSafeMask(irfs="DL3")
    observation = _observation(bkg=bkg)
    assert method.threshold(None, observation) == 1.0 * u.TeV
    assert _bins(method(_map_dataset(), observation)) == [1, 1, 1]


def test_bkg_peak_needs_a_background():
    spectrum = _spectrum_dataset()
    spectrum.background = None
    with pytest.raises(ValueError, match="needs a dataset with a background"):
        BkgPeakSafeMask()(spectrum, None)
    with pytest.raises(ValueError, match="no background model"):
        BkgPeakSafeMask(irfs="DL3")(_spectrum_dataset(), _observation())


# --- SafeMaskMaker -----------------------------------------------------------------


def test_safe_mask_maker_end_to_end():
    names = ["aeff-default", "aeff-max", "edisp-bias", "offset-max", "bkg-peak"]
    maker = SafeMaskMaker(methods=names, offset_max="2.5 deg", aeff_percent=1)
    assert [m.name for m in maker.methods] == names
    assert maker.offset_max == 2.5 * u.deg and maker.aeff_percent == 1.0
    dataset = _map_dataset()
    kernel = np.zeros((5, 3))
    kernel[np.arange(5), [0, 0, 1, 2, 2]] = 1.0
    _with_edisp(dataset, EDispKernel(energy_true=TRUE, energy=RECO, data=kernel))
    dataset.background.data[:, 0, 0] = 0.0  # no usable background: never safe
    observation = _observation()
    result = maker.run(dataset, observation)
    expected = np.ones(dataset.counts.data.shape, dtype=bool)
    expected[:, 0, 0] = False
    for method in maker.methods:
        part = method(dataset, observation)
        assert part.shape == expected.shape and part.dtype == bool
        expected &= part
    np.testing.assert_array_equal(result.mask_safe.data, expected)
    assert expected.any() and not expected.all()
    assert dataset.mask_safe.data.all()  # the input is untouched
    # offset 2.5 deg: the 5 × 5 corners (2.83 deg) are out
    assert not result.mask_safe.data[:, 4, 4].any()
    # irfs goes to the three methods that have it
    dl3 = SafeMaskMaker(methods=["aeff-max", "edisp-bias", "bkg-peak"], irfs="DL3")
    assert [m.irfs for m in dl3.methods] == ["DL3"] * 3
    with pytest.raises(ConfigError, match="offset_max"):
        SafeMaskMaker(methods=["aeff-max"], offset_max="2.5 deg")
