"""Base class of the safe-mask-method plugin kind."""

from __future__ import annotations

import abc
from typing import ClassVar

from ..component import Component

__all__ = ["SafeMaskMaker", "SafeMaskMethod"]


class SafeMaskMethod(Component, abc.ABC):
    """One criterion for the bins of a dataset whose response is trustworthy.

    Contract:

    * Called as ``method(dataset, observation)`` on a dataset reduced from one
      observation; returns a boolean array of the dataset's counts shape
      ``[n_energy, ...spatial]``, true where the bin is safe.
    * `SafeMaskMaker(methods=[...])` applies several methods in order and combines
      their masks with logical AND; a method never modifies the dataset.
    * Thresholds are parameters with units (e.g. ``offset_max = "2.5 deg"``).
    """

    kind: ClassVar[str] = "safe-mask"

    @abc.abstractmethod
    def __call__(self, dataset, observation):
        """Return the boolean safe mask of the dataset's counts shape."""


class SafeMaskMaker:
    """Set the safe mask of a dataset with safe-mask methods chosen by name.

    Each name is looked up in the plugin registry (kind ``"safe-mask"``); the
    methods' masks are combined with logical AND, with the dataset's current safe
    mask and with the bins where the background is usable (finite, and positive for
    a modelled background), as gammapy's ``SafeMaskMaker`` does.

    Parameters
    ----------
    methods : sequence of str or `SafeMaskMethod`
        Plugin names (e.g. ``["aeff-default", "offset-max"]``) or method instances.
        Default is ``("aeff-default",)``.
    **params
        Parameters of the named methods (e.g. ``offset_max="3 deg"``); each goes to
        every named method that has a parameter of that name.

    Raises
    ------
    cherenkit.errors.PluginNotFoundError
        No installed safe-mask method has a given name (the message lists the
        installed ones and the closest name).
    cherenkit.errors.ConfigError
        A parameter belongs to none of the methods, or has a bad value.

    Examples
    --------
    >>> maker = SafeMaskMaker(methods=["aeff-default", "offset-max"], offset_max="3 deg")
    ... # doctest: +SKIP
    >>> dataset = maker.run(dataset, observation)  # doctest: +SKIP
    """

    tag = "SafeMaskMaker"

    def __init__(self, methods=("aeff-default",), **params):
        import attrs

        from cherenkit import registry
        from cherenkit.config import build_component
        from cherenkit.errors import ConfigError

        if isinstance(methods, str):
            methods = [methods]
        resolved, used, valid = [], set(), set()
        for method in methods:
            if isinstance(method, SafeMaskMethod):
                resolved.append(method)
                continue
            cls = registry.get(SafeMaskMethod.kind, method)
            fields = {f.name for f in attrs.fields(cls) if f.init} if attrs.has(cls) else set()
            valid |= fields
            mine = {k: v for k, v in params.items() if k in fields}
            used |= set(mine)
            resolved.append(build_component(cls, mine))
        unused = sorted(set(params) - used)
        if unused:
            names = [getattr(m, "name", type(m).__name__) for m in resolved]
            raise ConfigError(
                f"SafeMaskMaker: parameter(s) {unused} belong to none of the methods {names}; "
                f"their parameters are: {sorted(valid) if valid else 'none'}"
            )
        self.methods = tuple(resolved)
        self.params = dict(params)

    def __repr__(self):
        names = [getattr(m, "name", type(m).__name__) for m in self.methods]
        return f"SafeMaskMaker(methods={names})"

    def __getattr__(self, name):
        # expose method parameters (e.g. ``offset_max``) like gammapy's maker does
        if name.startswith("_") or name in ("methods", "params"):
            raise AttributeError(name)
        for method in self.__dict__.get("methods", ()):
            if hasattr(method, name):
                return getattr(method, name)
        raise AttributeError(f"SafeMaskMaker has no attribute {name!r}")

    def make_mask(self, dataset, observation=None):
        """The combined boolean mask (counts shape) of all methods."""
        import numpy as np

        shape = dataset.counts.data.shape
        mask = np.ones(shape, dtype=bool)
        if dataset.mask_safe is not None:
            mask &= np.asarray(dataset.mask_safe.data, dtype=bool)
        background = dataset.background
        if background is not None:
            # bins without a usable background model are never safe (gammapy's rule):
            # non-finite values, and for a modelled (Cash) background also zeros
            mask &= np.isfinite(background.data)
            if dataset.stat_type == "cash":
                mask &= background.data > 0
        for method in self.methods:
            part = np.asarray(method(dataset, observation), dtype=bool)
            try:
                mask &= np.broadcast_to(part, shape)
            except ValueError:
                raise ValueError(
                    f"safe-mask method {getattr(method, 'name', method)!r} returned a mask of "
                    f"shape {part.shape}; the dataset's counts have shape {shape}"
                ) from None
        return mask

    def run(self, dataset, observation=None):
        """A shallow copy of ``dataset`` with the new safe mask (maps are shared)."""
        import copy

        from cherenkit.maps import Map

        new = copy.copy(dataset)
        new.mask_safe = Map.from_geom(
            dataset.counts.geom, data=self.make_mask(dataset, observation), dtype=bool
        )
        return new
