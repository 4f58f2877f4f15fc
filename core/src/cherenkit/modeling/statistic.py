"""Base class of the fit-statistic plugin kind."""

from __future__ import annotations

import abc
from typing import ClassVar

import numpy as np

from ..component import Component
from ..errors import StatisticInputError

__all__ = ["FitStatistic", "StatisticInputError"]


class FitStatistic(Component, abc.ABC):
    """A likelihood-based statistic per bin: counts and predicted counts → ``-2 ln L``.

    Contract (batch-first):

    * Inputs are per-bin arrays of any common (broadcastable) shape: ``counts``
      (observed, ≥ 0), ``npred`` (predicted by the model, ≥ 0; for On/Off statistics
      the predicted *signal* in the ON region) and the extra arrays named in
      ``inputs`` (e.g. ``counts_off`` and ``alpha`` for wstat). Plain float64 arrays,
      no units; counts are numbers of events.
    * `stat_array` returns the statistic per bin, float64, finite wherever the
      inputs are valid, including the limits counts = 0 and npred → 0. Differences
      of sums are ``-2 Δ ln L`` (Wilks).
    * `stat_sum` sums over the bins where ``mask`` is true.
    * Statistics that profile a nuisance background (``profiles_background``)
      return its best value per bin from `npred_background`.
    * Invalid inputs (missing or unexpected extra arrays, shapes that do not
      broadcast, negative or non-finite values) raise `StatisticInputError`.

    Subclasses implement `evaluate`, the unchecked formula on float64 arrays,
    which fits call in their inner loop.
    """

    kind: ClassVar[str] = "fit-statistic"
    inputs: ClassVar[tuple[str, ...]] = ()
    """Names of the per-bin arrays needed besides ``counts`` and ``npred``."""
    profiles_background: ClassVar[bool] = False

    @abc.abstractmethod
    def evaluate(self, counts, npred, **data):
        """Statistic per bin on checked float64 arrays of one shape (no validation)."""

    def stat_array(self, counts, npred, **data):
        """Statistic per bin.

        Parameters
        ----------
        counts : array_like
            Observed counts per bin.
        npred : array_like
            Predicted counts per bin (predicted signal for On/Off statistics).
        **data : array_like
            The extra inputs this statistic names in ``inputs``.

        Returns
        -------
        stat : `numpy.ndarray` of float64
            The statistic per bin, in the broadcast shape of the inputs.

        Raises
        ------
        StatisticInputError
            When an input is missing, unexpected, misshapen, negative or not finite.
        """
        arrays = self.check_inputs(counts, npred, data)
        return self.evaluate(**arrays)

    def stat_sum(self, counts, npred, *, mask=None, **data) -> float:
        """Sum of `stat_array` over the bins where ``mask`` is true (all when None)."""
        stat = self.stat_array(counts, npred, **data)
        if mask is None:
            return float(np.sum(stat))
        mask = np.asarray(mask)
        if mask.dtype != bool:
            raise StatisticInputError(self.name, "mask", f"expected booleans, got {mask.dtype}")
        try:
            mask = np.broadcast_to(mask, stat.shape)
        except ValueError:
            raise StatisticInputError(
                self.name, "mask", f"shape {mask.shape} does not match the bins {stat.shape}"
            ) from None
        return float(np.sum(stat, where=mask))

    def scaled_sum(self, counts, background, group, n_groups, **data):
        """``factors -> Σ stat(counts, factors[group] × background)``: the statistic of
        bins whose prediction is a fixed array scaled per group (a background template
        under a spectral norm, one factor per energy bin).

        Fits call the returned function whenever only the background model changes.
        This default evaluates `evaluate` on every call; a statistic with a closed
        form (Cash) overrides it to reduce each call to a few sums per group. The
        result must equal the default to round-off.

        Parameters
        ----------
        counts, background : `numpy.ndarray`
            1-d float64 arrays of the bins (checked, no mask left to apply).
        group : `numpy.ndarray` of int
            The factor index of each bin, in ``[0, n_groups)``.
        n_groups : int
        **data : `numpy.ndarray`
            The extra inputs of this statistic, per bin.

        Returns
        -------
        callable
            ``total(factors) -> float`` for an array of ``n_groups`` factors.
        """

        def total(factors):
            npred = np.asarray(factors, dtype=np.float64)[group] * background
            return float(np.sum(self.evaluate(counts, npred, **data)))

        return total

    def npred_background(self, counts, npred, **data):
        """Best (profiled) background per bin, for statistics that profile it.

        Raises
        ------
        StatisticInputError
            When this statistic does not profile a background.
        """
        raise StatisticInputError(
            self.name, "npred_background", "this statistic does not profile a background"
        )

    def check_inputs(self, counts, npred, data):
        """Validate and broadcast the inputs to float64 arrays of one shape.

        Returns a dict with keys ``counts``, ``npred`` and the names in ``inputs``.
        """
        missing = [name for name in self.inputs if name not in data]
        unexpected = [name for name in data if name not in self.inputs]
        if missing or unexpected:
            wanted = ", ".join(("counts", "npred", *self.inputs))
            name = (missing or unexpected)[0]
            problem = "missing" if missing else "not an input of this statistic"
            raise StatisticInputError(self.name, name, f"{problem}; it takes {wanted}")
        named = {"counts": counts, "npred": npred, **data}
        arrays = {}
        for name, values in named.items():
            try:
                array = np.asarray(values, dtype=np.float64)
            except (TypeError, ValueError) as err:
                raise StatisticInputError(self.name, name, f"not numeric: {err}") from None
            if not np.all(np.isfinite(array)):
                raise StatisticInputError(self.name, name, "contains NaN or infinite values")
            if np.any(array < 0):
                raise StatisticInputError(self.name, name, "contains negative values")
            arrays[name] = array
        try:
            shaped = np.broadcast_arrays(*arrays.values())
        except ValueError:
            shapes = ", ".join(f"{k} {v.shape}" for k, v in arrays.items())
            raise StatisticInputError(
                self.name, "counts", f"input shapes do not broadcast: {shapes}"
            ) from None
        return dict(zip(arrays, shaped, strict=True))
