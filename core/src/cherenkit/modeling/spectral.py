"""Spectral models: differential flux dN/dE as a function of true energy.

Every model has a static ``evaluate(energy, **values)`` on plain float arrays
(energy in TeV, parameters in their own units, result in ``cm-2 s-1 TeV-1`` or, for
norm models, dimensionless); ``__call__`` wraps it with units. Integrals over energy
bins use the model's ``evaluate_integral`` when it has a closed form and otherwise
the log-log trapezoidal rule on a grid of `NDECADE` points per decade, which is exact
for power laws.

Errors of derived quantities (dnde, integral and energy flux) are propagated linearly
from the covariance of the free parameters with numerical derivatives (gammapy
samples the covariance instead; both agree where the model is close to linear
within the errors).

References
----------
.. [1] Cash, W. (1979), ApJ 228, 939 (parameter estimation with Poisson data).
.. [2] Massaro, E. et al. (2004), A&A 413, 489 (log-parabola spectra).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from .core import ModelBase, as_float_array
from .parameter import Parameter

__all__ = [
    "BrokenPowerLawSpectralModel",
    "ConstantSpectralModel",
    "ExpCutoffPowerLawSpectralModel",
    "LogParabolaSpectralModel",
    "PowerLaw2SpectralModel",
    "PowerLawNormSpectralModel",
    "PowerLawSpectralModel",
    "SmoothBrokenPowerLawSpectralModel",
    "SpectralModel",
    "integrate_loglog",
]

DNDE_UNIT = "cm-2 s-1 TeV-1"
NDECADE = 100
"""Grid points per decade for numerical integrals (gammapy's default too)."""


def integrate_loglog(func, energy_min, energy_max, *, ndecade=NDECADE):
    """Integral of ``func`` over each ``[energy_min, energy_max]`` bin with the log-log
    trapezoidal rule: between grid points the function is taken to be a power law.

    Parameters
    ----------
    func : callable
        Plain float array of energies (TeV) → values (positive; zeros are allowed).
    energy_min, energy_max : `numpy.ndarray`
        Bin edges (TeV), same shape.
    ndecade : int
        Grid points per decade; every bin gets the same number of points, set by the
        widest bin (at least 2).

    Returns
    -------
    `numpy.ndarray`
        The integrals, shape of ``energy_min``.
    """
    grid, log_ratio = _loglog_grid(energy_min, energy_max, ndecade)
    return _trapz_loglog(func(grid), grid, log_ratio).sum(axis=-1)


_GRIDS: dict = {}
_MAX_GRIDS = 32


def _loglog_grid(energy_min, energy_max, ndecade):
    """The integration grid of `integrate_loglog` and its log steps, cached per edges
    (fits integrate over the same bins at every evaluation)."""
    energy_min = np.asarray(energy_min, dtype=float)
    energy_max = np.asarray(energy_max, dtype=float)
    key = (energy_min.tobytes(), energy_max.tobytes(), energy_min.shape, ndecade)
    cached = _GRIDS.get(key)
    if cached is None:
        decades = np.log10(energy_max / energy_min)
        num = int(max(np.max(ndecade * decades, initial=0.0), 2))
        grid = np.geomspace(energy_min, energy_max, num, axis=-1)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = np.log(grid[..., 1:] / grid[..., :-1])
        if len(_GRIDS) >= _MAX_GRIDS:
            _GRIDS.pop(next(iter(_GRIDS)))
        cached = _GRIDS[key] = (grid, log_ratio)
    return cached


def _trapz_loglog(y, x, log_ratio):
    """Power-law segments between consecutive points along the last axis."""
    x0, x1, y0, y1 = x[..., :-1], x[..., 1:], y[..., :-1], y[..., 1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.log(y1 / y0) / log_ratio  # d ln y / d ln x
        # ∫ y0 (x/x0)^s dx = y0 x0 ((x1/x0)^(s+1) - 1) / (s + 1)
        gain = slope + 1.0
        segment = y0 * x0 * np.expm1(gain * log_ratio) / gain
        close = np.abs(gain * log_ratio) < 1e-10
        segment = np.where(close, y0 * x0 * log_ratio, segment)
    # zeros or sign changes: fall back to the linear trapezoid
    linear = 0.5 * (y0 + y1) * (x1 - x0)
    good = np.isfinite(segment) & (y0 > 0) & (y1 > 0)
    return np.where(good, segment, linear)


class SpectralModel(ModelBase):
    """Base class: dN/dE(E) with parameters.

    Subclasses define ``default_parameters`` and a static ``evaluate(energy, ...)``
    on plain floats (energy in TeV); they may define ``evaluate_integral(energy_min,
    energy_max, ...)`` with the closed-form integral.
    """

    kind: ClassVar[str] = "spectral"
    unit: ClassVar[str] = DNDE_UNIT
    """Unit of ``evaluate``'s result."""

    @staticmethod
    def evaluate(energy, **values):  # pragma: no cover - abstract
        raise NotImplementedError

    # --- plain-array evaluation (the fast path the datasets use) -----------------------

    def dnde_values(self, energy):
        """dN/dE at ``energy`` (plain TeV) in ``unit``, plain floats."""
        return self.evaluate(np.asarray(energy, dtype=float), **self.parameter_values)

    def integral_values(self, energy_min, energy_max):
        """∫ dN/dE dE over each bin (plain TeV) in ``unit × TeV``, plain floats."""
        values = self.parameter_values
        closed = getattr(self, "evaluate_integral", None)
        if closed is not None:
            return closed(np.asarray(energy_min, float), np.asarray(energy_max, float), **values)
        return integrate_loglog(lambda e: self.evaluate(e, **values), energy_min, energy_max)

    def energy_flux_values(self, energy_min, energy_max):
        """∫ E dN/dE dE over each bin (plain TeV) in ``unit × TeV²``, plain floats."""
        values = self.parameter_values
        closed = getattr(self, "evaluate_energy_flux", None)
        if closed is not None:
            return closed(np.asarray(energy_min, float), np.asarray(energy_max, float), **values)
        return integrate_loglog(lambda e: e * self.evaluate(e, **values), energy_min, energy_max)

    # --- quantities at the API edge ----------------------------------------------------

    def __call__(self, energy):
        """dN/dE at ``energy`` (a quantity, or plain numbers in TeV)."""
        import astropy.units as u

        return u.Quantity(self.dnde_values(as_float_array(energy, "TeV")), self.unit)

    def integral(self, energy_min, energy_max):
        """Integral flux between the energies (`~astropy.units.Quantity`)."""
        import astropy.units as u

        lo, hi = as_float_array(energy_min, "TeV"), as_float_array(energy_max, "TeV")
        return u.Quantity(self.integral_values(lo, hi), u.Unit(self.unit) * u.TeV)

    def energy_flux(self, energy_min, energy_max):
        """Energy flux between the energies (`~astropy.units.Quantity`, TeV cm⁻² s⁻¹)."""
        import astropy.units as u

        lo, hi = as_float_array(energy_min, "TeV"), as_float_array(energy_max, "TeV")
        return u.Quantity(self.energy_flux_values(lo, hi), u.Unit(self.unit) * u.TeV**2)

    # --- errors from the covariance ----------------------------------------------------

    def _propagate(self, func):
        """Value and 1σ error of ``func()`` (plain array) from the covariance of the
        free parameters, with central numerical derivatives."""
        value = np.asarray(func(), dtype=float)
        free = [p for p in self.parameters if not p.frozen]
        if not free:
            return value, np.zeros_like(value)
        covariance = self.parameters.get_subcovariance(free)
        gradients = []
        for par in free:
            original = par.value
            step = 1e-4 * (par.error if par.error > 0 else max(abs(original), 1e-12))
            try:
                par.value = original + step
                upper = np.asarray(func(), dtype=float)
                par.value = original - step
                lower = np.asarray(func(), dtype=float)
            finally:
                par.value = original
            gradients.append((upper - lower) / (2 * step))
        gradients = np.array(gradients)
        variance = np.einsum("i...,ij,j...->...", gradients, covariance, gradients)
        return value, np.sqrt(np.clip(variance, 0, None))

    def evaluate_error(self, energy):
        """dN/dE and its error at ``energy``: a quantity of shape ``(2, ...)``."""
        import astropy.units as u

        energy = as_float_array(energy, "TeV")
        value, error = self._propagate(lambda: self.dnde_values(energy))
        return u.Quantity([value, error], self.unit)

    def integral_error(self, energy_min, energy_max):
        """Integral flux and its error: a quantity of shape ``(2, ...)``."""
        import astropy.units as u

        lo, hi = as_float_array(energy_min, "TeV"), as_float_array(energy_max, "TeV")
        value, error = self._propagate(lambda: self.integral_values(lo, hi))
        return u.Quantity([value, error], u.Unit(self.unit) * u.TeV)

    def energy_flux_error(self, energy_min, energy_max):
        """Energy flux and its error: a quantity of shape ``(2, ...)``."""
        import astropy.units as u

        lo, hi = as_float_array(energy_min, "TeV"), as_float_array(energy_max, "TeV")
        value, error = self._propagate(lambda: self.energy_flux_values(lo, hi))
        return u.Quantity([value, error], u.Unit(self.unit) * u.TeV**2)

    # --- plots -------------------------------------------------------------------------

    def plot(self, energy_bounds=("0.1 TeV", "100 TeV"), ax=None, sed_type="dnde", n_points=100,
             **kwargs):  # fmt: skip
        """Plot the model against energy (log-log). ``sed_type``: "dnde", "e2dnde"."""
        import matplotlib.pyplot as plt

        ax = plt.gca() if ax is None else ax
        energy = np.geomspace(*_bounds_tev(energy_bounds), n_points)
        values, unit = self._sed(energy, self.dnde_values(energy), sed_type)
        ax.plot(energy, values, **kwargs)
        _label_sed_axes(ax, sed_type, unit)
        return ax

    def plot_error(self, energy_bounds=("0.1 TeV", "100 TeV"), ax=None, sed_type="dnde",
                   n_points=100, **kwargs):  # fmt: skip
        """Shade the 1σ band of the model (from the covariance) against energy."""
        import matplotlib.pyplot as plt

        ax = plt.gca() if ax is None else ax
        energy = np.geomspace(*_bounds_tev(energy_bounds), n_points)
        value, error = self._propagate(lambda: self.dnde_values(energy))
        lo, unit = self._sed(energy, value - error, sed_type)
        hi, _ = self._sed(energy, value + error, sed_type)
        kwargs.setdefault("alpha", 0.3)
        kwargs.setdefault("linewidth", 0)
        ax.fill_between(energy, lo, hi, **kwargs)
        _label_sed_axes(ax, sed_type, unit)
        return ax

    def _sed(self, energy, dnde, sed_type):
        if sed_type == "dnde":
            return dnde, self.unit
        if sed_type == "e2dnde":
            return energy**2 * dnde, "TeV cm-2 s-1"
        raise ValueError(f"sed_type must be 'dnde' or 'e2dnde', got {sed_type!r}")


def _bounds_tev(energy_bounds):
    """Two energies in TeV from a pair of quantities, strings or numbers (TeV), or a
    2-element quantity."""
    if hasattr(energy_bounds, "unit"):
        bounds = as_float_array(energy_bounds, "TeV", what="energy_bounds").ravel()
    else:
        bounds = np.array(
            [float(as_float_array(b, "TeV", what="energy_bounds")) for b in energy_bounds]
        )
    if bounds.shape != (2,) or not np.all(bounds > 0):
        raise ValueError(f"energy_bounds must be two positive energies, got {energy_bounds!r}")
    return bounds


def _label_sed_axes(ax, sed_type, unit):
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("Energy [TeV]")
    ax.set_ylabel(f"{'dN/dE' if sed_type == 'dnde' else 'E² dN/dE'} [{unit}]")


def _amplitude(value=1e-12):
    return Parameter("amplitude", value, DNDE_UNIT, is_norm=True, interp="log")


def _reference(value=1.0):
    return Parameter("reference", value, "TeV", frozen=True)


class PowerLawSpectralModel(SpectralModel):
    r"""Power law :math:`\phi(E) = \phi_0 (E / E_0)^{-\Gamma}`.

    Parameters: ``index`` Γ, ``amplitude`` φ₀ (cm⁻² s⁻¹ TeV⁻¹), ``reference`` E₀
    (TeV, frozen).
    """

    tag = ("PowerLawSpectralModel", "PL", "pl")
    default_parameters = (Parameter("index", 2.0), _amplitude(), _reference())

    @staticmethod
    def evaluate(energy, index, amplitude, reference):
        return amplitude * (energy / reference) ** (-index)

    @staticmethod
    def evaluate_integral(energy_min, energy_max, index, amplitude, reference):
        r""":math:`\phi_0 E_0 [(E/E_0)^{1-\Gamma}]_{E_1}^{E_2} / (1-\Gamma)`, with the
        Γ → 1 limit :math:`\phi_0 E_0 \ln(E_2/E_1)`."""
        gain = 1.0 - index
        lo, hi = np.log(energy_min / reference), np.log(energy_max / reference)
        if abs(gain) < 1e-10:
            return amplitude * reference * (hi - lo)
        # exp(g hi) - exp(g lo) = exp(g lo) expm1(g (hi - lo)): accurate for narrow bins
        return amplitude * reference * np.exp(gain * lo) * np.expm1(gain * (hi - lo)) / gain

    @staticmethod
    def evaluate_energy_flux(energy_min, energy_max, index, amplitude, reference):
        """Closed-form ∫ E φ(E) dE (the power law of index Γ − 1, times E₀)."""
        return reference * PowerLawSpectralModel.evaluate_integral(
            energy_min, energy_max, index - 1.0, amplitude, reference
        )

    @property
    def pivot_energy(self):
        """Energy where the amplitude and index errors decorrelate (`~astropy.units.Quantity`),
        from the covariance: E₀ exp(cov(φ₀, Γ) / (φ₀ σ_Γ²))."""
        import astropy.units as u

        i, a = self.parameters.index("index"), self.parameters.index("amplitude")
        var_index = self.covariance[i, i]
        if not var_index > 0:
            return u.Quantity(np.nan, "TeV")
        ratio = self.covariance[i, a] / (self.amplitude.value * var_index)
        return u.Quantity(self.reference.value * np.exp(ratio), "TeV")


class LogParabolaSpectralModel(SpectralModel):
    r"""Log parabola :math:`\phi(E) = \phi_0 (E/E_0)^{-\alpha - \beta \ln(E/E_0)}`
    (natural log, as in gammapy; Massaro et al. 2004 use log10).
    """

    tag = ("LogParabolaSpectralModel", "LogParabola", "lp")
    default_parameters = (
        _amplitude(),
        _reference(10.0),
        Parameter("alpha", 2.0),
        Parameter("beta", 1.0),
    )

    @staticmethod
    def evaluate(energy, amplitude, reference, alpha, beta):
        x = np.log(energy / reference)
        return amplitude * np.exp(-(alpha + beta * x) * x)

    @classmethod
    def from_log10(cls, alpha, beta, amplitude, reference):
        """From the log10 convention: β_ln = β_log10 / ln(10)."""
        return cls(alpha=alpha, beta=float(beta) / np.log(10), amplitude=amplitude,
                   reference=reference)  # fmt: skip


class ConstantSpectralModel(SpectralModel):
    """A constant dN/dE (parameter ``const``, cm⁻² s⁻¹ TeV⁻¹)."""

    tag = ("ConstantSpectralModel", "const")
    default_parameters = (Parameter("const", 1e-12, DNDE_UNIT, is_norm=True),)

    @staticmethod
    def evaluate(energy, const):
        return np.full_like(np.asarray(energy, dtype=float), const)

    @staticmethod
    def evaluate_integral(energy_min, energy_max, const):
        return const * (energy_max - energy_min)


class PowerLawNormSpectralModel(SpectralModel):
    r"""Dimensionless spectral correction :math:`n (E/E_0)^{-t}` (``norm``, ``tilt``,
    ``reference``): the background model's spectral shape (tilt frozen at 0 by default).
    """

    tag = ("PowerLawNormSpectralModel", "PLNorm")
    unit = ""
    default_parameters = (
        Parameter("norm", 1.0, is_norm=True),
        Parameter("tilt", 0.0, frozen=True),
        _reference(),
    )

    @staticmethod
    def evaluate(energy, norm, tilt, reference):
        return norm * (energy / reference) ** (-tilt)

    @staticmethod
    def evaluate_integral(energy_min, energy_max, norm, tilt, reference):
        return PowerLawSpectralModel.evaluate_integral(
            energy_min, energy_max, tilt, norm, reference
        )


# --- more spectral models ----------------------------------------------------------------


def _expm1_over(gain, log_ratio):
    r"""``(exp(gain · L) - 1) / gain`` with its limit ``L`` for ``gain → 0`` (broadcast).

    With ``L = ln(b / a)`` this is :math:`\int_a^b (E/a)^{\mathrm{gain} - 1} \, dE / a`,
    the building block of every power-law integral below.
    """
    gain = np.asarray(gain, dtype=float)
    log_ratio = np.asarray(log_ratio, dtype=float)
    x = gain * log_ratio
    small = np.abs(x) < 1e-8
    safe_gain = np.where(small, 1.0, gain)
    with np.errstate(over="ignore"):
        return np.where(small, log_ratio * (1.0 + 0.5 * x), np.expm1(x) / safe_gain)


def _powerlaw_segment(energy_min, energy_max, index, amplitude, reference):
    r""":math:`\int_{E_1}^{E_2} \phi_0 (E/E_0)^{-\Gamma} dE`, vectorised over all arguments;
    zero where ``energy_max <= energy_min``."""
    energy_max = np.maximum(energy_max, energy_min)
    gain = 1.0 - np.asarray(index, dtype=float)
    start = np.exp(gain * np.log(energy_min / reference))
    return amplitude * reference * start * _expm1_over(gain, np.log(energy_max / energy_min))


def _integral_flux(value=1e-12):
    return Parameter("amplitude", value, "cm-2 s-1", is_norm=True, interp="log")


class PowerLaw2SpectralModel(SpectralModel):
    r"""Power law normalised by its integral flux between two energies.

    .. math::

        \phi(E) = F_0 \, \frac{(1 - \Gamma) \, E^{-\Gamma}}
                  {E_{\max}^{1 - \Gamma} - E_{\min}^{1 - \Gamma}}

    so that :math:`\int_{E_{\min}}^{E_{\max}} \phi \, dE = F_0`; the limit
    :math:`\Gamma \to 1` is :math:`F_0 / (E \ln(E_{\max}/E_{\min}))`. Fitting
    :math:`F_0` instead of a differential amplitude decorrelates it from the index
    when :math:`[E_{\min}, E_{\max}]` is the fitted energy range.

    Parameters
    ----------
    amplitude : float
        Integral flux :math:`F_0` between ``emin`` and ``emax`` (cm⁻² s⁻¹).
        Default is 1e-12.
    index : float
        Spectral index :math:`\Gamma`. Default is 2.
    emin, emax : float
        Energy range of :math:`F_0` (TeV, frozen). Defaults are 0.1 and 100.

    References
    ----------
    .. [1] Fermi Science Support Center, "Model descriptions: PowerLaw2",
       https://fermi.gsfc.nasa.gov/ssc/data/analysis/scitools/source_models.html
    """

    tag = ("PowerLaw2SpectralModel", "pl-2")
    default_parameters = (
        _integral_flux(),
        Parameter("index", 2.0),
        Parameter("emin", 0.1, "TeV", frozen=True),
        Parameter("emax", 100.0, "TeV", frozen=True),
    )

    @staticmethod
    def evaluate(energy, amplitude, index, emin, emax):
        """dN/dE (cm⁻² s⁻¹ TeV⁻¹) at ``energy`` (TeV); all arguments broadcast."""
        gain = 1.0 - np.asarray(index, dtype=float)
        # ∫_emin^emax (E/emin)^-Γ dE = emin · _expm1_over(1 - Γ, ln(emax/emin))
        norm = emin * _expm1_over(gain, np.log(emax / emin))
        return amplitude * np.exp(-index * np.log(energy / emin)) / norm

    @staticmethod
    def evaluate_integral(energy_min, energy_max, amplitude, index, emin, emax):
        r""":math:`F_0 \, (E_2^{1-\Gamma} - E_1^{1-\Gamma}) /
        (E_{\max}^{1-\Gamma} - E_{\min}^{1-\Gamma})`, written with ``expm1`` so that
        narrow bins and :math:`\Gamma \approx 1` keep full precision."""
        gain = 1.0 - np.asarray(index, dtype=float)
        top = np.exp(gain * np.log(energy_min / emin)) * _expm1_over(
            gain, np.log(energy_max / energy_min)
        )
        return amplitude * top / _expm1_over(gain, np.log(emax / emin))

    @staticmethod
    def evaluate_energy_flux(energy_min, energy_max, amplitude, index, emin, emax):
        r"""Closed-form :math:`\int_{E_1}^{E_2} E \, \phi(E) \, dE` (TeV cm⁻² s⁻¹)."""
        gain = 1.0 - np.asarray(index, dtype=float)
        top = energy_min * np.exp(gain * np.log(energy_min / emin))
        top = top * _expm1_over(gain + 1.0, np.log(energy_max / energy_min))
        return amplitude * top / _expm1_over(gain, np.log(emax / emin))


class ExpCutoffPowerLawSpectralModel(SpectralModel):
    r"""Power law with an exponential cut-off.

    .. math::

        \phi(E) = \phi_0 \left(\frac{E}{E_0}\right)^{-\Gamma}
                  \exp\left(-(\lambda E)^{\alpha}\right)

    Parameters
    ----------
    index : float
        :math:`\Gamma`. Default is 1.5.
    amplitude : float
        :math:`\phi_0` (cm⁻² s⁻¹ TeV⁻¹). Default is 1e-12.
    reference : float
        :math:`E_0` (TeV, frozen). Default is 1.
    lambda_ : float
        Inverse cut-off energy :math:`\lambda = 1 / E_c` (TeV⁻¹). Default is 0.1.
    alpha : float
        Sharpness :math:`\alpha` of the cut-off (frozen). Default is 1.

    Notes
    -----
    Integrals use the log-log rule of `integrate_loglog` (no closed form for general
    :math:`\alpha`).

    References
    ----------
    .. [1] Aharonian, F. et al. (H.E.S.S.) (2006), A&A 457, 899,
       doi:10.1051/0004-6361:20065351 (the Crab spectrum with an exponential cut-off).
    """

    tag = ("ExpCutoffPowerLawSpectralModel", "ecpl")
    default_parameters = (
        Parameter("index", 1.5),
        _amplitude(),
        _reference(),
        Parameter("lambda_", 0.1, "TeV-1"),
        Parameter("alpha", 1.0, frozen=True),
    )

    @staticmethod
    def evaluate(energy, index, amplitude, reference, lambda_, alpha):
        """dN/dE (cm⁻² s⁻¹ TeV⁻¹) at ``energy`` (TeV); all arguments broadcast."""
        with np.errstate(divide="ignore"):
            cutoff = np.power(energy * lambda_, alpha)
        return amplitude * np.exp(-index * np.log(energy / reference) - cutoff)

    @property
    def e_peak(self):
        r"""Peak of :math:`E^2 \phi(E)`:
        :math:`E_p = ((2 - \Gamma)/\alpha)^{1/\alpha} / \lambda` (`~astropy.units.Quantity`,
        TeV); NaN when :math:`E^2\phi` has no maximum (:math:`\Gamma \ge 2` or
        :math:`\lambda \le 0`)."""
        import astropy.units as u

        index, lambda_, alpha = self.index.value, self.lambda_.value, self.alpha.value
        if not (index < 2 and lambda_ > 0 and alpha > 0):
            return u.Quantity(np.nan, "TeV")
        return u.Quantity(((2.0 - index) / alpha) ** (1.0 / alpha) / lambda_, "TeV")


class BrokenPowerLawSpectralModel(SpectralModel):
    r"""Two power laws joined at a break energy.

    .. math::

        \phi(E) = \phi_0 \times \begin{cases}
            (E / E_b)^{-\Gamma_1} & E < E_b \\
            (E / E_b)^{-\Gamma_2} & E \ge E_b
        \end{cases}

    The model is continuous at :math:`E_b`, where it equals :math:`\phi_0`; its
    integral has a closed form (a sum of two power-law integrals).

    Parameters
    ----------
    index1, index2 : float
        :math:`\Gamma_1` below and :math:`\Gamma_2` above the break. Defaults are 2.
    amplitude : float
        :math:`\phi_0`, the flux at the break (cm⁻² s⁻¹ TeV⁻¹). Default is 1e-12.
    ebreak : float
        :math:`E_b` (TeV). Default is 1.

    References
    ----------
    .. [1] Fermi Science Support Center, "Model descriptions: BrokenPowerLaw",
       https://fermi.gsfc.nasa.gov/ssc/data/analysis/scitools/source_models.html
    """

    tag = ("BrokenPowerLawSpectralModel", "bpl")
    default_parameters = (
        Parameter("index1", 2.0),
        Parameter("index2", 2.0),
        _amplitude(),
        Parameter("ebreak", 1.0, "TeV"),
    )

    @staticmethod
    def evaluate(energy, index1, index2, amplitude, ebreak):
        """dN/dE (cm⁻² s⁻¹ TeV⁻¹) at ``energy`` (TeV); all arguments broadcast."""
        log_ratio = np.log(energy / ebreak)
        index = np.where(log_ratio < 0, index1, index2)
        return amplitude * np.exp(-index * log_ratio)

    @staticmethod
    def evaluate_integral(energy_min, energy_max, index1, index2, amplitude, ebreak):
        r"""The integral over the part of each bin below the break with
        :math:`\Gamma_1` plus the part above it with :math:`\Gamma_2`."""
        below = _powerlaw_segment(
            np.minimum(energy_min, ebreak), np.minimum(energy_max, ebreak), index1, amplitude,
            ebreak,
        )  # fmt: skip
        above = _powerlaw_segment(
            np.maximum(energy_min, ebreak), np.maximum(energy_max, ebreak), index2, amplitude,
            ebreak,
        )  # fmt: skip
        return below + above

    @staticmethod
    def evaluate_energy_flux(energy_min, energy_max, index1, index2, amplitude, ebreak):
        r"""Closed-form :math:`\int E \phi \, dE`: the broken power law of indices
        :math:`\Gamma_i - 1` and amplitude :math:`\phi_0 E_b`."""
        return BrokenPowerLawSpectralModel.evaluate_integral(
            energy_min, energy_max, np.asarray(index1) - 1.0, np.asarray(index2) - 1.0,
            amplitude * ebreak, ebreak,
        )  # fmt: skip


class SmoothBrokenPowerLawSpectralModel(SpectralModel):
    r"""Power law whose index changes smoothly from :math:`\Gamma_1` to
    :math:`\Gamma_2` around a break energy.

    .. math::

        \phi(E) = \phi_0 \left(\frac{E}{E_0}\right)^{-\Gamma_1}
                  \left[1 + \left(\frac{E}{E_b}\right)^{(\Gamma_2 - \Gamma_1)/\beta'}
                  \right]^{-\beta'},
        \qquad \beta' = \beta \, \operatorname{sign}(\Gamma_2 - \Gamma_1)

    (gammapy's parametrisation): far below :math:`E_b` the index is :math:`\Gamma_1`,
    far above it :math:`\Gamma_2`; larger :math:`\beta` makes the transition wider.
    For :math:`\Gamma_1 = \Gamma_2` the sign is taken as +1, so that the model is the
    power law times :math:`2^{-\beta}` (gammapy returns NaN there). The bracket is
    evaluated in log space, so that it neither overflows nor underflows.

    Parameters
    ----------
    index1, index2 : float
        :math:`\Gamma_1`, :math:`\Gamma_2`. Defaults are 2.
    amplitude : float
        :math:`\phi_0` (cm⁻² s⁻¹ TeV⁻¹). Default is 1e-12.
    ebreak : float
        :math:`E_b` (TeV). Default is 1.
    reference : float
        :math:`E_0` (TeV, frozen). Default is 1.
    beta : float
        Smoothness :math:`\beta` (frozen). Default is 1.

    References
    ----------
    .. [1] Fermi Science Support Center, "Model descriptions: SmoothBrokenPowerLaw",
       https://fermi.gsfc.nasa.gov/ssc/data/analysis/scitools/source_models.html
    """

    tag = ("SmoothBrokenPowerLawSpectralModel", "sbpl")
    default_parameters = (
        Parameter("index1", 2.0),
        Parameter("index2", 2.0),
        _amplitude(),
        Parameter("ebreak", 1.0, "TeV"),
        _reference(),
        Parameter("beta", 1.0, frozen=True),
    )

    @staticmethod
    def evaluate(energy, index1, index2, amplitude, ebreak, reference, beta):
        """dN/dE (cm⁻² s⁻¹ TeV⁻¹) at ``energy`` (TeV); all arguments broadcast."""
        change = np.asarray(index2, dtype=float) - index1
        beta = np.where(change < 0, -1.0, 1.0) * beta
        # ln[1 + (E/Eb)^(ΔΓ/β')] = logaddexp(0, (ΔΓ/β') ln(E/Eb))
        log_bracket = np.logaddexp(0.0, change / beta * np.log(energy / ebreak))
        return amplitude * np.exp(-index1 * np.log(energy / reference) - beta * log_bracket)
