"""Source and background models and the `Models` collection.

* `SkyModel`: spectral × spatial (× temporal) model of one source, or a spectral
  model alone for spectrum datasets.
* `FoVBackgroundModel`: a spectral correction (norm, tilt) of one map dataset's
  background template.
* `Models`: an ordered list of both, with names, the joint parameters and their
  covariance, and YAML files in gammapy's layout (``components:`` with ``type``,
  ``spectral``, ``spatial``, ``parameters``), so model files move between the two.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np

from ..errors import closest
from .core import model_class
from .parameter import Parameters
from .spectral import PowerLawNormSpectralModel, SpectralModel

__all__ = ["FoVBackgroundModel", "Models", "SkyModel"]


def _make_name(name):
    return uuid.uuid4().hex[:8] if name is None else str(name)


class _ComponentModel:
    """Shared parts of `SkyModel` and `FoVBackgroundModel`: sub-models, parameters."""

    _parts: tuple[str, ...] = ()

    def _sub_models(self):
        return [getattr(self, part) for part in self._parts if getattr(self, part) is not None]

    @property
    def parameters(self) -> Parameters:
        """The parameters of all sub-models (the same objects), covariance included."""
        return Parameters.from_stack([m.parameters for m in self._sub_models()])

    @property
    def covariance(self):
        return self.parameters.covariance

    @covariance.setter
    def covariance(self, matrix):
        start = 0
        for model in self._sub_models():
            n = len(model.parameters)
            model.covariance = np.asarray(matrix)[start : start + n, start : start + n]
            start += n

    def freeze(self, part=None):
        """Freeze all parameters, or those of one part ("spectral", "spatial", ...)."""
        models = self._sub_models() if part is None else [getattr(self, part)]
        for model in models:
            model.freeze()

    def unfreeze(self, part=None):
        models = self._sub_models() if part is None else [getattr(self, part)]
        for model in models:
            model.unfreeze()


class SkyModel(_ComponentModel):
    """One source: ``spectral_model`` (dN/dE), optional ``spatial_model`` (sr⁻¹, for
    map datasets) and ``temporal_model``.

    Parameters
    ----------
    spectral_model : `~cherenkit.modeling.spectral.SpectralModel`
    spatial_model : `~cherenkit.modeling.spatial.SpatialModel`, optional
        Needed to fit map datasets; spectrum datasets use the spectrum alone.
    temporal_model : optional
    name : str, optional
        Default: a random 8-character name.
    datasets_names : list of str, optional
        The datasets this model contributes to (default: all).
    """

    tag = ("SkyModel",)
    _parts = ("spectral_model", "spatial_model", "temporal_model")

    def __init__(
        self,
        spectral_model,
        spatial_model=None,
        temporal_model=None,
        name=None,
        datasets_names=None,
    ):
        if not isinstance(spectral_model, SpectralModel):
            raise TypeError(
                f"SkyModel: spectral_model must be a SpectralModel, got "
                f"{type(spectral_model).__name__}"
            )
        self.spectral_model = spectral_model
        self.spatial_model = spatial_model
        self.temporal_model = temporal_model
        self.name = _make_name(name)
        self.datasets_names = None if datasets_names is None else list(datasets_names)

    @property
    def position(self):
        """The spatial model's position (`~astropy.coordinates.SkyCoord`), or None."""
        return None if self.spatial_model is None else self.spatial_model.position

    def copy(self, name=None, **kwargs):
        """A copy with unlinked parameters (new random name unless given)."""
        parts = {part: getattr(self, part) for part in self._parts}
        parts = {k: None if v is None else v.copy() for k, v in parts.items()}
        parts.update(kwargs)
        return SkyModel(**parts, name=name, datasets_names=self.datasets_names)

    def to_dict(self) -> dict:
        out = {"name": self.name, "type": "SkyModel"}
        for part, key in zip(self._parts, ("spectral", "spatial", "temporal"), strict=True):
            model = getattr(self, part)
            if model is not None:
                out[key] = model.to_dict()
        if self.datasets_names is not None:
            out["datasets_names"] = list(self.datasets_names)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> SkyModel:
        parts = {}
        for part, key in zip(cls._parts, ("spectral", "spatial", "temporal"), strict=True):
            if key in data:
                kind = key
                parts[part] = model_class(kind, data[key]["type"]).from_dict(data[key])
        if "spectral_model" not in parts:
            raise ValueError(f"SkyModel {data.get('name')!r} has no 'spectral' entry")
        return cls(**parts, name=data.get("name"), datasets_names=data.get("datasets_names"))

    def __repr__(self):
        parts = ", ".join(
            type(getattr(self, p)).__name__ for p in self._parts if getattr(self, p) is not None
        )
        return f"SkyModel(name={self.name!r}, {parts})"

    def __str__(self):
        lines = [f"SkyModel {self.name!r}"]
        for model in self._sub_models():
            lines.append("  " + str(model).replace("\n", "\n  ").rstrip())
        return "\n".join(lines) + "\n"


class FoVBackgroundModel(_ComponentModel):
    """Spectral correction of one dataset's background template: predicted background
    = template × ``spectral_model(E)`` (norm 1, tilt 0 frozen by default).

    Parameters
    ----------
    dataset_name : str
        The dataset whose background this model scales; the model is named
        ``"<dataset_name>-bkg"``.
    spectral_model : `~cherenkit.modeling.spectral.SpectralModel`, optional
        A dimensionless norm model; default `PowerLawNormSpectralModel`.
    """

    tag = ("FoVBackgroundModel",)
    _parts = ("spectral_model",)

    def __init__(self, dataset_name, spectral_model=None):
        if spectral_model is None:
            spectral_model = PowerLawNormSpectralModel()
        if spectral_model.unit != "":
            raise TypeError(
                "FoVBackgroundModel needs a dimensionless (norm) spectral model, got "
                f"{type(spectral_model).__name__} in {spectral_model.unit}"
            )
        self.spectral_model = spectral_model
        self.dataset_name = str(dataset_name)

    @property
    def name(self) -> str:
        return f"{self.dataset_name}-bkg"

    @property
    def datasets_names(self):
        return [self.dataset_name]

    def copy(self, name=None, dataset_name=None):
        return FoVBackgroundModel(dataset_name or self.dataset_name, self.spectral_model.copy())

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "type": "FoVBackgroundModel",
            "datasets_names": [self.dataset_name],
            "spectral": self.spectral_model.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> FoVBackgroundModel:
        names = data.get("datasets_names") or [str(data.get("name", "")).removesuffix("-bkg")]
        spectral = None
        if "spectral" in data:
            spectral = model_class("spectral", data["spectral"]["type"]).from_dict(data["spectral"])
        return cls(names[0], spectral)

    def __repr__(self):
        return f"FoVBackgroundModel(dataset_name={self.dataset_name!r})"

    def __str__(self):
        return (
            f"FoVBackgroundModel {self.name!r}\n  "
            + str(self.spectral_model).replace("\n", "\n  ").rstrip()
            + "\n"
        )


_COMPONENTS = {"SkyModel": SkyModel, "FoVBackgroundModel": FoVBackgroundModel}


class Models:
    """An ordered collection of `SkyModel` and `FoVBackgroundModel` with unique names.

    Parameters
    ----------
    models : model or iterable of models, optional
    covariance_data : `numpy.ndarray`, optional
        Joint covariance of `parameters` (set by a fit).
    """

    def __init__(self, models=None, covariance_data=None):
        if models is None:
            models = []
        elif isinstance(models, _ComponentModel | Models):
            models = list(models) if isinstance(models, Models) else [models]
        self._models = []
        for model in models:
            self.append(model)
        if covariance_data is not None:
            self.covariance = covariance_data

    # --- list behaviour ----------------------------------------------------------------

    def append(self, model) -> None:
        if isinstance(model, SpectralModel):
            raise TypeError(
                "Models holds SkyModel/FoVBackgroundModel objects; wrap a spectral model "
                "as SkyModel(spectral_model=...)"
            )
        if not isinstance(model, _ComponentModel):
            raise TypeError(f"Models cannot hold a {type(model).__name__}")
        if model.name in self.names:
            raise ValueError(f"a model named {model.name!r} is already in these models")
        self._models.append(model)

    def extend(self, models) -> None:
        for model in models:
            self.append(model)

    def __len__(self):
        return len(self._models)

    def __iter__(self):
        return iter(self._models)

    def __getitem__(self, key):
        if isinstance(key, str):
            for model in self._models:
                if model.name == key:
                    return model
            hint = closest(key, self.names)
            hint = f"; did you mean {hint!r}?" if hint else ""
            raise KeyError(f"no model named {key!r}; models are {self.names}{hint}")
        if isinstance(key, slice):
            return Models(self._models[key])
        return self._models[key]

    def __add__(self, other):
        return Models([*self, *Models(other)])

    @property
    def names(self) -> list[str]:
        return [m.name for m in self._models]

    def select(self, datasets_names=None, *, tag=None) -> Models:
        """The models that contribute to a dataset name (all when no name) and/or of a
        type ("SkyModel", "FoVBackgroundModel")."""
        selected = []
        for model in self._models:
            if tag is not None and type(model).__name__ != tag:
                continue
            if datasets_names is not None and model.datasets_names is not None:
                wanted = np.atleast_1d(datasets_names)
                if not set(model.datasets_names) & set(wanted):
                    continue
            selected.append(model)
        return Models(selected)

    # --- parameters --------------------------------------------------------------------

    @property
    def parameters(self) -> Parameters:
        """All parameters, each object once (linked parameters appear once)."""
        return Parameters.from_stack([m.parameters for m in self._models]).unique_parameters

    @property
    def covariance(self):
        """Joint covariance of `parameters` (from the sub-models' blocks, plus the
        cross terms kept from the last fit)."""
        parameters = self.parameters
        matrix = np.zeros((len(parameters), len(parameters)))
        for model in self._models:
            own = model.parameters
            index = [parameters.index(p) for p in own]
            matrix[np.ix_(index, index)] = own.covariance
        cross = getattr(self, "_cross", None)
        if cross is not None and cross[0] == [id(p) for p in parameters]:
            matrix = np.where(matrix == 0, cross[1], matrix)
        return matrix

    @covariance.setter
    def covariance(self, matrix):
        parameters = self.parameters
        matrix = np.asarray(matrix, dtype=float)
        parameters.covariance = matrix
        for model in self._models:
            own = model.parameters
            index = [parameters.index(p) for p in own]
            model.covariance = matrix[np.ix_(index, index)]
        self._cross = ([id(p) for p in parameters], matrix.copy())

    def freeze(self, model_type=None):
        for model in self._models:
            model.freeze(model_type)

    def unfreeze(self, model_type=None):
        for model in self._models:
            model.unfreeze(model_type)

    def copy(self) -> Models:
        return Models([m.copy(name=m.name) for m in self._models])

    # --- files -------------------------------------------------------------------------

    def to_dict(self) -> dict:
        return {"components": [m.to_dict() for m in self._models]}

    @classmethod
    def from_dict(cls, data: dict) -> Models:
        models = []
        for item in data.get("components", []):
            kind = item.get("type", "SkyModel")
            if kind not in _COMPONENTS:
                raise ValueError(
                    f"unknown model component type {kind!r}; known: {sorted(_COMPONENTS)}"
                )
            models.append(_COMPONENTS[kind].from_dict(item))
        return cls(models)

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(_plain(self.to_dict()), sort_keys=False)

    @classmethod
    def from_yaml(cls, text: str) -> Models:
        import yaml

        return cls.from_dict(yaml.safe_load(text) or {})

    def write(self, path, overwrite=False) -> None:
        """Write the models as YAML (atomically: a temporary file renamed into place)."""
        path = Path(path)
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
        text = self.to_yaml()
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text)
        tmp.replace(path)

    @classmethod
    def read(cls, path) -> Models:
        """Read a YAML model file (cherenkit's or gammapy's)."""
        import yaml

        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text())
        except yaml.YAMLError as err:
            raise ValueError(f"{path}: not a YAML model file: {err}") from None
        if not isinstance(data, dict) or "components" not in data:
            raise ValueError(f"{path}: a model file needs a top-level 'components' list")
        try:
            return cls.from_dict(data)
        except (ValueError, KeyError, TypeError) as err:
            raise ValueError(f"{path}: {err}") from None

    def to_parameters_table(self):
        """One row per parameter with its model name and type."""
        from astropy.table import vstack

        tables = []
        for model in self._models:
            table = model.parameters.to_table()
            table.add_column([model.name] * len(table), name="model", index=0)
            tables.append(table)
        return vstack(tables) if tables else None

    def __repr__(self):
        return f"Models({self.names})"

    def __str__(self):
        return "Models\n\n" + "\n".join(str(m) for m in self._models)


def _plain(value):
    """YAML-safe builtins (numpy scalars → floats)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
