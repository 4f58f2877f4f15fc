"""Model parameters: `Parameter` (value, unit, bounds, frozen, error, scale) and the
ordered collection `Parameters` with its covariance matrix.

A parameter's unit is fixed when the parameter is created: values given in another
unit are converted to it. Models can then evaluate their formulas on plain float
values, and the fitter works on dimensionless *factors* ``value / scale``, with the
scale chosen so that the factors are of order one (`Parameter.autoscale`).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ParameterError

__all__ = ["Parameter", "Parameters"]


def _as_value(owner, name, value, unit):
    """A float in ``unit`` from a number, a `~astropy.units.Quantity` or a string."""
    if isinstance(value, str):
        import astropy.units as u

        try:
            value = u.Quantity(value)
        except (TypeError, ValueError) as err:
            raise ParameterError(
                owner, name, f"cannot read {value!r} as a quantity: {err}"
            ) from None
    if hasattr(value, "unit"):
        try:
            return float(value.to_value(unit or ""))
        except Exception as err:  # UnitConversionError, TypeError for arrays
            raise ParameterError(
                owner, name, f"{value!r} cannot be converted to the unit {unit or '1'!r}: {err}"
            ) from None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ParameterError(owner, name, f"expected a number, got {value!r}") from None


class Parameter:
    """One model parameter.

    Parameters
    ----------
    name : str
        Name, unique within its model (``"index"``, ``"amplitude"``, ...).
    value : float, str or `~astropy.units.Quantity`
        Value; a quantity is converted to ``unit``.
    unit : str
        The parameter's unit, fixed for its lifetime (``""`` for dimensionless).
    min, max : float, optional
        Bounds in ``unit`` (NaN: unbounded). The fitter keeps the value inside them.
    frozen : bool
        Frozen parameters are not fitted.
    error : float
        1σ error in ``unit`` (set by the fit from the covariance).
    scale : float
        The fitter varies ``factor = value / scale``; see `autoscale`.
    is_norm : bool
        True for parameters that scale a model linearly (amplitudes, norms); flux
        point and light curve estimators fit these.
    interp : {"lin", "log"}
        Spacing of scan values (`scan_values`).
    """

    __slots__ = (
        "_value",
        "error",
        "frozen",
        "interp",
        "is_norm",
        "max",
        "min",
        "name",
        "scale",
        "scan_max",
        "scan_min",
        "scan_n_sigma",
        "scan_n_values",
        "unit",
    )  # fmt: skip

    def __init__(
        self,
        name,
        value,
        unit="",
        *,
        min=np.nan,
        max=np.nan,
        frozen=False,
        error=0.0,
        scale=1.0,
        is_norm=False,
        interp="lin",
        scan_n_sigma=2.0,
        scan_n_values=11,
        scan_min=None,
        scan_max=None,
    ):
        self.name = str(name)
        if hasattr(value, "unit") and unit == "":
            unit = value.unit.to_string()
        self.unit = str(unit)
        self._value = _as_value(self.name, "value", value, self.unit)
        self.min = _as_value(self.name, "min", min, self.unit)
        self.max = _as_value(self.name, "max", max, self.unit)
        self.frozen = bool(frozen)
        self.error = _as_value(self.name, "error", error, self.unit)
        self.scale = float(scale)
        self.is_norm = bool(is_norm)
        if interp not in ("lin", "log"):
            raise ParameterError(self.name, "interp", f"expected 'lin' or 'log', got {interp!r}")
        self.interp = interp
        self.scan_n_sigma = float(scan_n_sigma)
        self.scan_n_values = int(scan_n_values)
        self.scan_min = scan_min
        self.scan_max = scan_max

    # --- value and quantity ------------------------------------------------------------

    @property
    def value(self) -> float:
        """The value in ``unit`` (a float)."""
        return self._value

    @value.setter
    def value(self, value):
        self._value = _as_value(self.name, "value", value, self.unit)

    @property
    def quantity(self):
        """The value as a `~astropy.units.Quantity`."""
        import astropy.units as u

        return u.Quantity(self._value, self.unit)

    @quantity.setter
    def quantity(self, value):
        self.value = value

    @property
    def factor(self) -> float:
        """``value / scale``: what the fitter varies."""
        return self._value / self.scale

    @factor.setter
    def factor(self, factor):
        self._value = float(factor) * self.scale

    @property
    def factor_min(self) -> float:
        """Lower bound of `factor` (NaN when unbounded)."""
        return self.min / self.scale

    @property
    def factor_max(self) -> float:
        """Upper bound of `factor` (NaN when unbounded)."""
        return self.max / self.scale

    def autoscale(self):
        """Set ``scale`` to the power of ten of the value (1 for a zero value), so that
        the factor the fitter varies lies in [1, 10)."""
        value = abs(self._value)
        finite = value > 0 and np.isfinite(value)
        self.scale = 10.0 ** math.floor(math.log10(value)) if finite else 1.0

    def check_bounds(self) -> None:
        """Raise `ParameterError` when the value lies outside [min, max]."""
        if self._value < self.min or self._value > self.max:
            raise ParameterError(
                self.name,
                "value",
                f"{self._value:g} {self.unit} lies outside its bounds [{self.min:g}, {self.max:g}]",
            )

    def at_bound(self, *, rtol=1e-6) -> bool:
        """True when the value sits on (within ``rtol`` of the scale of) one of its bounds."""
        tol = rtol * max(abs(self.scale), abs(self._value), 1e-300)
        return bool(abs(self._value - self.min) <= tol or abs(self._value - self.max) <= tol)

    def scan_values(self):
        """Values for a likelihood scan: explicit ``scan_min``/``scan_max`` or
        ``value ± scan_n_sigma × error``, ``scan_n_values`` points, lin or log spaced."""
        if self.scan_min is not None and self.scan_max is not None:
            lo = _as_value(self.name, "scan_min", self.scan_min, self.unit)
            hi = _as_value(self.name, "scan_max", self.scan_max, self.unit)
        else:
            if not self.error > 0:
                raise ParameterError(
                    self.name,
                    "error",
                    "needs a positive error (run a fit first) or scan_min/scan_max for a scan",
                )
            lo = self._value - self.scan_n_sigma * self.error
            hi = self._value + self.scan_n_sigma * self.error
            if self.interp == "log":
                lo = max(lo, self._value / 10.0)
        if self.interp == "log":
            return np.geomspace(lo, hi, self.scan_n_values)
        return np.linspace(lo, hi, self.scan_n_values)

    # --- copies and serialisation ------------------------------------------------------

    def copy(self) -> Parameter:
        """An independent copy (not linked to this parameter)."""
        new = object.__new__(Parameter)
        for slot in self.__slots__:
            setattr(new, slot, getattr(self, slot))
        return new

    def to_dict(self) -> dict:
        """The serialised form (gammapy's keys: name, value, unit, error, min, max, frozen)."""
        out = {"name": self.name, "value": self._value, "unit": self.unit}
        if self.error:
            out["error"] = self.error
        if np.isfinite(self.min):
            out["min"] = self.min
        if np.isfinite(self.max):
            out["max"] = self.max
        if self.frozen:
            out["frozen"] = True
        return out

    def update_from_dict(self, data: dict, *, owner="model") -> None:
        """Set value, error, bounds and frozen from a serialised dict (units converted)."""
        unit = data.get("unit", self.unit)
        with_unit = _unit_adder(unit)
        for key in ("value", "error", "min", "max"):
            if key in data and data[key] is not None:
                setattr(
                    self,
                    "value" if key == "value" else key,
                    _as_value(f"{owner}.{self.name}", key, with_unit(data[key]), self.unit),
                )
        if "frozen" in data:
            self.frozen = bool(data["frozen"])

    def __repr__(self):
        text = f"{self.name}={self._value:.6g}"
        if self.error:
            text += f" ± {self.error:.3g}"
        if self.unit:
            text += f" {self.unit}"
        if self.frozen:
            text += ", frozen"
        return f"Parameter({text})"


def _unit_adder(unit):
    if not unit:
        return lambda value: float(value)
    import astropy.units as u

    unit = u.Unit(unit)
    return lambda value: float(value) * unit


class Parameters:
    """An ordered collection of parameters with their covariance.

    Parameters can be shared between models (the same `Parameter` object in two
    models links them); `unique` keeps the first occurrence of each object, which is
    what a joint fit varies.

    Parameters
    ----------
    parameters : iterable of `Parameter`
    covariance : `numpy.ndarray`, optional
        ``(n, n)`` covariance in the parameters' units; zeros when not given.
    """

    def __init__(self, parameters=(), covariance=None):
        self._parameters = list(parameters)
        n = len(self._parameters)
        self.covariance = np.zeros((n, n)) if covariance is None else np.asarray(covariance)

    @property
    def covariance(self):
        """The ``(n, n)`` covariance matrix in the parameters' units."""
        return self._covariance

    @covariance.setter
    def covariance(self, matrix):
        matrix = np.array(matrix, dtype=float)
        n = len(self._parameters)
        if matrix.shape != (n, n):
            raise ParameterError(
                "Parameters", "covariance", f"expected shape ({n}, {n}), got {matrix.shape}"
            )
        self._covariance = matrix

    # --- sequence behaviour ------------------------------------------------------------

    def __len__(self):
        return len(self._parameters)

    def __iter__(self):
        return iter(self._parameters)

    def __contains__(self, item):
        if isinstance(item, str):
            return item in self.names
        return any(p is item for p in self._parameters)

    def __getitem__(self, key):
        if isinstance(key, str):
            for par in self._parameters:
                if par.name == key:
                    return par
            from ..errors import closest

            hint = closest(key, self.names)
            hint = f"; did you mean {hint!r}?" if hint else ""
            raise KeyError(f"no parameter {key!r}; parameters are {self.names}{hint}")
        if isinstance(key, slice | list | np.ndarray):
            index = np.arange(len(self))[key]
            return Parameters([self._parameters[i] for i in index])
        return self._parameters[key]

    def index(self, parameter) -> int:
        """Position of ``parameter`` (a `Parameter` object or a name)."""
        if isinstance(parameter, str):
            return self.names.index(parameter)
        for i, par in enumerate(self._parameters):
            if par is parameter:
                return i
        raise KeyError(f"{parameter!r} is not in these parameters")

    @property
    def names(self) -> list[str]:
        return [p.name for p in self._parameters]

    @property
    def value(self):
        """The values as a float array (settable)."""
        return np.array([p.value for p in self._parameters], dtype=float)

    @value.setter
    def value(self, values):
        values = np.asarray(values, dtype=float)
        if values.shape != (len(self),):
            raise ParameterError(
                "Parameters", "value", f"expected {len(self)} values, got shape {values.shape}"
            )
        for par, value in zip(self._parameters, values, strict=True):
            par.value = value

    @property
    def free_parameters(self) -> Parameters:
        """The parameters that are not frozen (same objects)."""
        return Parameters([p for p in self._parameters if not p.frozen])

    @property
    def unique_parameters(self) -> Parameters:
        """Each parameter object once, in order of first appearance."""
        seen, unique = set(), []
        for par in self._parameters:
            if id(par) not in seen:
                seen.add(id(par))
                unique.append(par)
        return Parameters(unique)

    @property
    def norm_parameters(self) -> Parameters:
        return Parameters([p for p in self._parameters if p.is_norm])

    @classmethod
    def from_stack(cls, parameters_list) -> Parameters:
        """Concatenate several `Parameters` (covariances block-diagonal)."""
        pars, blocks = [], []
        for parameters in parameters_list:
            pars.extend(parameters)
            blocks.append(parameters.covariance)
        n = len(pars)
        covariance = np.zeros((n, n))
        start = 0
        for block in blocks:
            stop = start + len(block)
            covariance[start:stop, start:stop] = block
            start = stop
        return cls(pars, covariance)

    def get_subcovariance(self, parameters) -> np.ndarray:
        """The covariance block of ``parameters`` (a subset of these)."""
        index = [self.index(p) for p in parameters]
        return self._covariance[np.ix_(index, index)]

    def set_subcovariance(self, parameters, matrix) -> None:
        """Write the covariance block of ``parameters`` (a subset of these)."""
        index = [self.index(p) for p in parameters]
        self._covariance[np.ix_(index, index)] = matrix

    def set_errors_from_covariance(self) -> None:
        """``error = sqrt(diag(covariance))`` for every parameter."""
        for par, var in zip(self._parameters, np.diag(self._covariance), strict=True):
            par.error = float(np.sqrt(var)) if var > 0 else 0.0

    def freeze_all(self) -> None:
        for par in self._parameters:
            par.frozen = True

    def unfreeze_all(self) -> None:
        for par in self._parameters:
            par.frozen = False

    def autoscale(self) -> None:
        for par in self._parameters:
            par.autoscale()

    def to_table(self):
        """An `~astropy.table.Table`: name, value, unit, error, min, max, frozen."""
        from astropy.table import Table

        rows = [
            (p.name, p.value, p.unit, p.error, p.min, p.max, p.frozen, p.is_norm)
            for p in self._parameters
        ]
        names = ("name", "value", "unit", "error", "min", "max", "frozen", "is_norm")
        table = Table(rows=rows or None, names=names)
        for col in ("value", "error"):
            table[col].format = ".4e"
        return table

    def __repr__(self):
        return "Parameters(\n" + "".join(f"  {p!r}\n" for p in self._parameters) + ")"
