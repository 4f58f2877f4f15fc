"""Spectral models: closed-form integrals against quadrature, the numerical log-log
rule, continuity at breaks, broadcasting and error propagation."""

import astropy.units as u
import numpy as np
import pytest
from scipy.integrate import quad

from cherenkit.errors import ParameterError
from cherenkit.modeling import (
    BrokenPowerLawSpectralModel,
    ExpCutoffPowerLawSpectralModel,
    LogParabolaSpectralModel,
    PowerLaw2SpectralModel,
    PowerLawSpectralModel,
    SmoothBrokenPowerLawSpectralModel,
)
from cherenkit.modeling.spectral import integrate_loglog

# bins below, across and above the breaks (1.7 TeV and 3 TeV) and the PL2 range
E_MIN = np.array([0.12, 0.5, 1.5, 2.0, 4.0])
E_MAX = np.array([0.4, 2.5, 1.9, 20.0, 4.01])

MODELS = {
    "pl": PowerLawSpectralModel(index=2.4, amplitude="3e-12 cm-2 s-1 TeV-1", reference="1.3 TeV"),
    "pl2": PowerLaw2SpectralModel(index=2.3, amplitude=2e-11, emin=0.2, emax=50.0),
    "pl2-index1": PowerLaw2SpectralModel(index=1.0, amplitude=2e-11),
    "ecpl": ExpCutoffPowerLawSpectralModel(index=1.8, lambda_=0.2, alpha=1.3),
    "bpl": BrokenPowerLawSpectralModel(index1=1.6, index2=3.2, ebreak=1.7),
    "bpl-flat": BrokenPowerLawSpectralModel(index1=1.0, index2=2.5, ebreak=3.0),
    "sbpl": SmoothBrokenPowerLawSpectralModel(index1=1.7, index2=2.9, ebreak=3.0, beta=0.7),
    "sbpl-soft-to-hard": SmoothBrokenPowerLawSpectralModel(index1=3.0, index2=2.0, ebreak=3.0),
    "lp": LogParabolaSpectralModel(alpha=2.2, beta=0.2, reference=1.0),
}
CLOSED = ["pl", "pl2", "pl2-index1", "bpl", "bpl-flat"]


def _quad(func, lo, hi, breaks=()):
    points = [b for b in breaks if lo < b < hi] or None
    return quad(func, lo, hi, epsabs=0, epsrel=1e-13, limit=200, points=points)[0]


def _breaks(model):
    return [model.ebreak.value] if "ebreak" in model.parameters else []


@pytest.mark.parametrize("name", CLOSED)
def test_closed_form_integral_matches_quad(name):
    model = MODELS[name]
    expected = [
        _quad(model.dnde_values, a, b, _breaks(model)) for a, b in zip(E_MIN, E_MAX, strict=True)
    ]
    np.testing.assert_allclose(model.integral_values(E_MIN, E_MAX), expected, rtol=1e-8)
    expected = [
        _quad(lambda e: e * model.dnde_values(e), a, b, _breaks(model))
        for a, b in zip(E_MIN, E_MAX, strict=True)
    ]
    np.testing.assert_allclose(model.energy_flux_values(E_MIN, E_MAX), expected, rtol=1e-8)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_integrals_agree_with_loglog_rule_and_quad(name):
    model = MODELS[name]
    expected = [
        _quad(model.dnde_values, a, b, _breaks(model)) for a, b in zip(E_MIN, E_MAX, strict=True)
    ]
    # a fine log-log grid converges to the true integral ...
    fine = integrate_loglog(model.dnde_values, E_MIN, E_MAX, ndecade=20000)
    np.testing.assert_allclose(fine, expected, rtol=1e-6)
    # ... and the default grid (what models without a closed form use) to 1e-4
    coarse = integrate_loglog(model.dnde_values, E_MIN, E_MAX)
    np.testing.assert_allclose(coarse, expected, rtol=1e-4)
    np.testing.assert_allclose(model.integral_values(E_MIN, E_MAX), expected, rtol=1e-4)


@pytest.mark.parametrize("index", [2.3, 1.0, 1.0 + 1e-12, 0.5, 3.7])
def test_powerlaw2_integral_over_its_range_is_its_amplitude(index):
    model = PowerLaw2SpectralModel(index=index, amplitude=4.2e-11, emin=0.3, emax=30.0)
    assert model.integral_values(0.3, 30.0) == pytest.approx(4.2e-11, rel=1e-12)
    assert _quad(model.dnde_values, 0.3, 30.0) == pytest.approx(4.2e-11, rel=1e-9)
    # two halves add up
    halves = model.integral_values(np.array([0.3, 3.0]), np.array([3.0, 30.0]))
    assert halves.sum() == pytest.approx(4.2e-11, rel=1e-12)


def test_powerlaw2_equals_the_powerlaw_with_the_same_integral():
    pl2 = PowerLaw2SpectralModel(index=2.5, amplitude=1e-11, emin=0.1, emax=100.0)
    # ∫ φ0 E^-2.5 over [0.1, 100] = φ0 (0.1^-1.5 - 100^-1.5) / 1.5
    phi0 = 1e-11 * 1.5 / (0.1**-1.5 - 100.0**-1.5)
    energy = np.geomspace(0.05, 200, 7)
    np.testing.assert_allclose(pl2.dnde_values(energy), phi0 * energy**-2.5, rtol=1e-12)


def test_broken_power_law_is_continuous_and_has_both_indices():
    model = MODELS["bpl"]
    eb = model.ebreak.value
    below, above = model.dnde_values(np.array([eb * (1 - 1e-12), eb * (1 + 1e-12)]))
    assert below == pytest.approx(model.amplitude.value, rel=1e-10)
    assert above == pytest.approx(model.amplitude.value, rel=1e-10)
    slope_lo = np.log(model.dnde_values(0.2) / model.dnde_values(0.1)) / np.log(2)
    slope_hi = np.log(model.dnde_values(20.0) / model.dnde_values(10.0)) / np.log(2)
    assert (slope_lo, slope_hi) == pytest.approx((-1.6, -3.2), abs=1e-12)


@pytest.mark.parametrize("name", ["sbpl", "sbpl-soft-to-hard"])
def test_smooth_broken_power_law_limits(name):
    model = MODELS[name]
    i1, i2, eb = model.index1.value, model.index2.value, model.ebreak.value

    def slope(e):
        return np.log(model.dnde_values(e * 1.001) / model.dnde_values(e)) / np.log(1.001)

    assert slope(eb * 1e-6) == pytest.approx(-i1, abs=1e-3)
    assert slope(eb * 1e6) == pytest.approx(-i2, abs=1e-3)
    energy = eb * np.array([1 - 1e-9, 1 + 1e-9])
    a, b = model.dnde_values(energy)
    assert a == pytest.approx(b, rel=1e-8)  # continuous (and smooth) at the break
    # at E = E_b: φ0 (E_b/E0)^-Γ1 × 2^-β'
    beta = model.beta.value * np.sign(i2 - i1)
    expected = model.amplitude.value * eb**-i1 * 2.0**-beta
    assert model.dnde_values(eb) == pytest.approx(expected, rel=1e-12)


def test_smooth_broken_power_law_equal_indices_is_finite():
    model = SmoothBrokenPowerLawSpectralModel(index1=2.0, index2=2.0, beta=1.0)
    np.testing.assert_allclose(model.dnde_values([0.5, 2.0]), 1e-12 * np.array([4.0, 0.25]) / 2)
    # no overflow far from the break
    assert np.isfinite(MODELS["sbpl-soft-to-hard"].dnde_values(1e8))


def test_exp_cutoff_power_law_values_and_peak():
    model = ExpCutoffPowerLawSpectralModel(index=1.5, amplitude=2e-12, lambda_=0.1)
    # φ0 (E/E0)^-Γ exp(-λE) at E = 10 TeV: 2e-12 × 10^-1.5 × e^-1
    assert model.dnde_values(10.0) == pytest.approx(2e-12 * 10**-1.5 * np.exp(-1), rel=1e-14)
    assert model.e_peak.to_value("TeV") == pytest.approx(5.0)  # (2 - Γ)/λ
    assert np.isnan(ExpCutoffPowerLawSpectralModel(index=2.5).e_peak.value)
    assert model(10 * u.TeV).unit == u.Unit("cm-2 s-1 TeV-1")


@pytest.mark.parametrize("name", sorted(MODELS))
def test_evaluate_broadcasts(name):
    model = MODELS[name]
    energy = np.geomspace(0.1, 100, 12).reshape(3, 4)
    values = model.dnde_values(energy)
    assert values.shape == (3, 4)
    np.testing.assert_allclose(values.ravel(), [model.dnde_values(e) for e in energy.ravel()])
    lo, hi = energy[:, :-1], energy[:, 1:]
    assert model.integral_values(lo, hi).shape == (3, 3)


def test_evaluate_broadcasts_over_parameter_arrays():
    energy = np.array([0.5, 1.0, 4.0])[:, None]
    index1 = np.array([1.5, 2.0])
    values = BrokenPowerLawSpectralModel.evaluate(energy, index1, 3.0, 1e-12, 2.0)
    assert values.shape == (3, 2)
    assert values[0, 1] == pytest.approx(1e-12 * 0.25**-2.0)
    integral = BrokenPowerLawSpectralModel.evaluate_integral(
        np.array([1.0]), np.array([4.0]), index1, 3.0, 1e-12, 2.0
    )
    expected = [
        _quad(lambda e, i=i: BrokenPowerLawSpectralModel.evaluate(e, i, 3.0, 1e-12, 2.0), 1, 4, [2])
        for i in index1
    ]
    np.testing.assert_allclose(integral, expected, rtol=1e-10)


def test_powerlaw_integral_error_matches_the_analytic_gradient():
    model = PowerLawSpectralModel(index=2.3, amplitude=2e-12, reference=1.0)
    # made-up covariance of (index, amplitude), reference frozen
    cov = np.zeros((3, 3))
    cov[:2, :2] = [[0.01, 2e-15], [2e-15, 4e-26]]
    model.covariance = cov
    e1, e2 = 1.0, 10.0
    g = 1.0 - 2.3
    flux = 2e-12 * (e2**g - e1**g) / g
    d_amplitude = flux / 2e-12
    # dI/dΓ = -dI/dg, dI/dg = φ0 [(E2^g ln E2 - E1^g ln E1)/g - (E2^g - E1^g)/g²]
    d_index = -2e-12 * ((e2**g * np.log(e2) - e1**g * np.log(e1)) / g - (e2**g - e1**g) / g**2)
    jac = np.array([d_index, d_amplitude])
    expected = np.sqrt(jac @ cov[:2, :2] @ jac)
    value, error = model.integral_error(e1 * u.TeV, e2 * u.TeV).to_value("cm-2 s-1")
    assert value == pytest.approx(flux, rel=1e-12)
    assert error == pytest.approx(expected, rel=1e-6)
    # freezing the index leaves only the amplitude term
    model.index.frozen = True
    _, error = model.integral_error(e1 * u.TeV, e2 * u.TeV).to_value("cm-2 s-1")
    assert error == pytest.approx(d_amplitude * 2e-13, rel=1e-6)


def test_spectral_model_tags_defaults_and_bad_input():
    model = ExpCutoffPowerLawSpectralModel()
    assert model.parameters.names == ["index", "amplitude", "reference", "lambda_", "alpha"]
    assert (model.index.value, model.lambda_.value, model.alpha.frozen) == (1.5, 0.1, True)
    assert model.lambda_.unit == "TeV-1"
    pl2 = PowerLaw2SpectralModel(emin="100 GeV", emax="0.1 PeV")
    assert (pl2.emin.value, pl2.emax.value, pl2.amplitude.unit) == (0.1, 100.0, "cm-2 s-1")
    assert pl2.emin.frozen and pl2.amplitude.is_norm
    assert SmoothBrokenPowerLawSpectralModel.tag[:2] == (
        "SmoothBrokenPowerLawSpectralModel",
        "sbpl",
    )
    with pytest.raises(
        ParameterError,
        match=r"ExpCutoffPowerLawSpectralModel\.lambda: unknown parameter.*did you mean 'lambda_'",
    ):
        ExpCutoffPowerLawSpectralModel(**{"lambda": 0.1})
    with pytest.raises(
        ParameterError,
        match=r"BrokenPowerLawSpectralModel\.ebreak: .*cannot be converted to the unit 'TeV'",
    ):
        BrokenPowerLawSpectralModel(ebreak="1 deg")


def test_plot_takes_energy_bounds_as_strings_quantities_or_numbers():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model = PowerLawSpectralModel(index=2.5, amplitude=1e-12, reference=1.0)
    for bounds in (("0.1 TeV", "100 TeV"), [100, 100000] * u.GeV, (0.1, 100)):
        fig, ax = plt.subplots()
        model.plot(bounds, ax=ax, sed_type="e2dnde")
        x, y = ax.get_lines()[0].get_data()
        np.testing.assert_allclose(x[[0, -1]], [0.1, 100.0])
        np.testing.assert_allclose(y, 1e-12 * x**-0.5, rtol=1e-12)  # E² dN/dE
        plt.close(fig)
    with pytest.raises(ValueError, match="energy_bounds"):
        model.plot(("1 TeV",))
