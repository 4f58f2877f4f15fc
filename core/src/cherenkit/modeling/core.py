"""`ModelBase`: what every model (spectral, spatial, temporal, sky, background) shares.

A model class declares its parameters once, as templates in ``default_parameters``;
each instance gets its own copies. Keyword arguments of the constructor set their
values (a number in the parameter's unit, a quantity or a string such as
``"2 TeV"``) or pass a `Parameter` object, which links it to another model.
Parameters are attributes: ``model.index.value``.

Every class is registered under its ``tag`` names (gammapy's, so model files read
the same), which is how `ModelBase.from_dict` finds the class of a serialised model.
"""

from __future__ import annotations

import importlib
from typing import ClassVar

import numpy as np

from ..errors import ParameterError, closest
from .parameter import Parameter, Parameters

__all__ = ["ModelBase", "model_class"]

_TAGS: dict[str, dict[str, type]] = {}
_KIND_MODULES = {"spectral": "spectral", "spatial": "spatial", "temporal": "temporal"}


def model_class(kind: str, tag: str) -> type:
    """The model class of ``kind`` ("spectral", "spatial", "temporal", "sky") for ``tag``."""
    if kind in _KIND_MODULES:  # classes register on import: load the kind's module first
        importlib.import_module(f"{__package__}.{_KIND_MODULES[kind]}")
    classes = _TAGS.get(kind, {})
    try:
        return classes[tag]
    except KeyError:
        names = sorted({c.tag[0] for c in classes.values()})
        hint = closest(tag, classes)
        hint = f"; did you mean {hint!r}?" if hint else ""
        raise ValueError(f"unknown {kind} model type {tag!r}; known types: {names}{hint}") from None


class ModelBase:
    """Base of all models: parameters from templates, attribute access, copies, dicts.

    Subclasses set ``kind``, ``tag`` (names, the first one is written to files) and
    ``default_parameters``.
    """

    kind: ClassVar[str] = ""
    tag: ClassVar[tuple[str, ...]] = ()
    default_parameters: ClassVar[tuple[Parameter, ...]] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.kind and cls.tag and "tag" in cls.__dict__:
            for name in cls.tag:
                _TAGS.setdefault(cls.kind, {})[name] = cls

    def __init__(self, **kwargs):
        parameters = []
        for template in self.default_parameters:
            if template.name in kwargs:
                value = kwargs.pop(template.name)
                if isinstance(value, Parameter):
                    parameters.append(value)
                    continue
                parameter = template.copy()
                try:
                    parameter.value = value
                except ParameterError as err:
                    raise ParameterError(type(self).__name__, template.name, err.problem) from None
            else:
                parameter = template.copy()
            parameters.append(parameter)
        if kwargs:
            name = next(iter(kwargs))
            names = [p.name for p in self.default_parameters]
            hint = closest(name, names)
            hint = f"; did you mean {hint!r}?" if hint else ""
            raise ParameterError(
                type(self).__name__, name, f"unknown parameter; parameters are {names}{hint}"
            )
        self._parameters = Parameters(parameters)

    def __getattr__(self, name):
        parameters = self.__dict__.get("_parameters")
        if parameters is not None:
            for par in parameters:
                if par.name == name:
                    return par
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def parameters(self) -> Parameters:
        """The model's parameters (the same objects; changing them changes the model)."""
        return self._parameters

    @property
    def covariance(self):
        """Covariance of ``parameters`` (``(n, n)`` array in the parameters' units)."""
        return self.parameters.covariance

    @covariance.setter
    def covariance(self, matrix):
        self.parameters.covariance = matrix

    @property
    def parameter_values(self) -> dict:
        """``{name: float value}``: what the ``evaluate`` functions take."""
        return {p.name: p.value for p in self._parameters}

    def freeze(self) -> None:
        """Freeze every parameter."""
        self.parameters.freeze_all()

    def unfreeze(self) -> None:
        """Unfreeze every parameter."""
        self.parameters.unfreeze_all()

    def _init_kwargs(self) -> dict:
        """Constructor keywords other than the parameters (frames, file names, ...)."""
        return {}

    def copy(self, **kwargs):
        """An independent copy with copied (unlinked) parameters; ``kwargs`` override."""
        values = {p.name: p.copy() for p in self._parameters}
        new = type(self)(**{**self._init_kwargs(), **values, **kwargs})
        new.covariance = self.covariance.copy()
        return new

    def to_dict(self) -> dict:
        """Serialised form: ``{"type": tag, "parameters": [...]}`` plus own keywords."""
        # ``frozen`` is written whenever it differs from the class default, so that an
        # unfrozen default-frozen parameter (e.g. ``tilt``) reads back unfrozen
        default_frozen = {t.name: t.frozen for t in self.default_parameters}
        parameters = []
        for par in self._parameters:
            item = par.to_dict()
            if par.frozen != default_frozen.get(par.name, False):
                item["frozen"] = par.frozen
            parameters.append(item)
        return {"type": self.tag[0], **self._init_kwargs(), "parameters": parameters}

    @classmethod
    def from_dict(cls, data: dict):
        """A model from its serialised form (the class is looked up by ``type``)."""
        data = dict(data)
        target = cls
        if "type" in data:
            target = model_class(cls.kind, data.pop("type")) if cls.kind else cls
        parameters = data.pop("parameters", [])
        model = target(**{k: v for k, v in data.items() if k in target._init_keys()})
        for item in parameters:
            name = item.get("name")
            if name not in model.parameters:
                raise ParameterError(
                    type(model).__name__,
                    str(name),
                    f"unknown parameter in the model file; parameters are {model.parameters.names}",
                )
            model.parameters[name].update_from_dict(item, owner=type(model).__name__)
        return model

    @classmethod
    def _init_keys(cls) -> tuple[str, ...]:
        return ()

    def __repr__(self):
        values = ", ".join(f"{p.name}={p.value:.4g}" for p in self._parameters)
        return f"{type(self).__name__}({values})"

    def __str__(self):
        lines = [type(self).__name__, ""]
        for p in self._parameters:
            error = f" ± {p.error:10.3e}" if p.error else " " * 13
            flag = " (frozen)" if p.frozen else ""
            lines.append(f"  {p.name:14}: {p.value:12.4e}{error} {p.unit}{flag}")
        return "\n".join(lines) + "\n"


def as_float_array(values, unit, what="energy"):
    """Plain float64 values in ``unit`` from a quantity, a string or plain numbers
    (taken to be in ``unit``)."""
    if isinstance(values, str):
        import astropy.units as u

        values = u.Quantity(values)
    if hasattr(values, "unit"):
        try:
            return np.asarray(values.to_value(unit), dtype=float)
        except Exception:
            raise ValueError(f"{what}: {values!r} cannot be converted to {unit}") from None
    return np.asarray(values, dtype=float)
