"""`Datasets`: an ordered collection of datasets with unique names."""

from __future__ import annotations

from collections.abc import MutableSequence

import numpy as np

__all__ = ["Datasets"]


class Datasets(MutableSequence):
    """A list of datasets, addressable by position or by name; names must be unique.

    Parameters
    ----------
    datasets : iterable of datasets, optional
    """

    def __init__(self, datasets=()):
        self._datasets = []
        for dataset in datasets:
            self.append(dataset)

    # --- list protocol -------------------------------------------------------------

    def _index(self, key):
        if isinstance(key, str):
            for i, dataset in enumerate(self._datasets):
                if dataset.name == key:
                    return i
            raise KeyError(f"no dataset named {key!r}; names: {self.names}")
        return key

    def __getitem__(self, key):
        if isinstance(key, slice):
            return Datasets(self._datasets[key])
        return self._datasets[self._index(key)]

    def __setitem__(self, key, dataset):
        i = self._index(key)
        self._check_name(dataset, skip=i)
        self._datasets[i] = dataset

    def __delitem__(self, key):
        del self._datasets[self._index(key)]

    def __len__(self):
        return len(self._datasets)

    def insert(self, index, dataset):
        """Insert ``dataset`` before ``index``."""
        self._check_name(dataset)
        self._datasets.insert(index, dataset)

    def _check_name(self, dataset, skip=None):
        for i, existing in enumerate(self._datasets):
            if i != skip and existing.name == dataset.name:
                raise ValueError(
                    f"a dataset named {dataset.name!r} is already in the collection; "
                    "dataset names must be unique (use dataset.copy(name=...))"
                )

    @property
    def names(self):
        """Dataset names, in order."""
        return [d.name for d in self._datasets]

    def copy(self):
        """Deep copies of the datasets (same names, without models)."""
        return Datasets(d.copy(name=d.name) for d in self._datasets)

    def __repr__(self):
        return f"Datasets({self.names})"

    def __str__(self):
        lines = ["Datasets", "--------", ""]
        for i, d in enumerate(self._datasets):
            lines.append(f"Dataset {i}: ")
            lines.append(f"  Type       : {type(d).__name__}")
            lines.append(f"  Name       : {d.name}")
            lines.append("")
        return "\n".join(lines)

    # --- files -------------------------------------------------------------------------

    def write(self, path, overwrite=False):
        """Write the datasets as gammapy does: a YAML index plus ``<name>.fits`` per
        dataset beside it (see `cherenkit.datasets.io`). Models are not written.

        Parameters
        ----------
        path : str or path-like
            The index file (``.yaml`` / ``.yml``) or a folder (index ``datasets.yaml``).
        overwrite : bool
            Replace existing files. Default is False: if any target exists, nothing is
            written.

        Returns
        -------
        index : `~pathlib.Path`
            The index written.
        """
        from .io import write_datasets

        return write_datasets(self, path, overwrite=overwrite)

    @classmethod
    def read(cls, path):
        """Read datasets written by `write` or by gammapy's ``Datasets.write``.

        Parameters
        ----------
        path : str or path-like
            The YAML index, or the folder holding ``datasets.yaml``.

        Returns
        -------
        datasets : `Datasets`
        """
        from .io import read_datasets

        return cls(read_datasets(path))

    # --- models and the joint statistic -----------------------------------------------

    @property
    def models(self):
        """The models of all datasets (each model once, in order of appearance), or
        None when no dataset has models. Setting it gives every dataset the models
        that apply to it (``datasets_names``)."""
        from cherenkit.modeling import Models

        seen, models = set(), []
        for dataset in self._datasets:
            for model in dataset.models or ():
                if id(model) not in seen:
                    seen.add(id(model))
                    models.append(model)
        if not models:
            return None
        names = [m.name for m in models]
        duplicated = sorted({n for n in names if names.count(n) > 1})
        if duplicated:
            raise ValueError(
                f"different models share the names {duplicated} across the datasets; "
                "give each model a unique name or share the same model object"
            )
        return Models(models)

    @models.setter
    def models(self, models):
        for dataset in self._datasets:
            dataset.models = models

    @property
    def parameters(self):
        """The unique parameters of `models` (`~cherenkit.modeling.Parameters`)."""
        from cherenkit.modeling import Parameters

        models = self.models
        return Parameters() if models is None else models.parameters

    def stat_sum(self):
        """The joint statistic: the sum of the datasets' `stat_sum`."""
        return float(sum(d.stat_sum() for d in self._datasets))

    # --- reductions ------------------------------------------------------------------

    def stack_reduce(self, name=None, *, nan_to_num=True):
        """All datasets stacked into one (the first one's safe mask applied too).

        Returns
        -------
        dataset : same type as the first dataset
        """
        if not self._datasets:
            raise ValueError("cannot stack an empty Datasets collection")
        first = self._datasets[0]
        stacked = first.to_masked(name=name, nan_to_num=nan_to_num)
        for dataset in self._datasets[1:]:
            stacked.stack(dataset, nan_to_num=nan_to_num)
        return stacked

    def info_table(self, cumulative=False):
        """One row of `info_dict` per dataset, or per stacking step when ``cumulative``.

        Returns
        -------
        table : `~astropy.table.Table`
        """
        from astropy.table import Table

        if not cumulative:
            rows = [d.info_dict() for d in self._datasets]
        else:
            rows = []
            stacked = None
            for dataset in self._datasets:
                if stacked is None:
                    stacked = dataset.to_masked(name="stacked")
                else:
                    stacked.stack(dataset)
                rows.append(stacked.info_dict())
        return Table(_columns(rows))


def _columns(rows):
    """Column name -> values (Quantities joined into one Quantity column)."""
    import astropy.units as u

    columns = {}
    for key in rows[0] if rows else ():
        values = [row[key] for row in rows]
        if isinstance(values[0], u.Quantity):
            unit = values[0].unit
            columns[key] = u.Quantity([u.Quantity(v).to_value(unit) for v in values], unit)
        else:
            columns[key] = np.array(values)
    return columns
