"""`Observations`: an ordered list of observations, indexed by position or obs_id."""

from __future__ import annotations

import collections.abc

import numpy as np

__all__ = ["Observations"]


class Observations(collections.abc.MutableSequence):
    """An ordered list of `cherenkit.data.Observation`.

    Integers (and slices, integer arrays, boolean masks) index by position;
    strings index by observation id, as in gammapy (``obs["23523"]``).

    Parameters
    ----------
    observations : iterable of `cherenkit.data.Observation`, optional
    """

    def __init__(self, observations=None):
        self._observations = list(observations or [])

    def __len__(self):
        return len(self._observations)

    def __iter__(self):
        return iter(self._observations)

    def __repr__(self):
        return f"Observations(n={len(self)}, ids={self.ids})"

    def __str__(self):
        return "\n".join([f"Observations: {len(self)}", *(str(o) for o in self)])

    @property
    def ids(self):
        """Observation ids as strings, in order (`list` of str)."""
        return [str(obs.obs_id) for obs in self._observations]

    def index(self, key):
        """Position of an observation given by obs_id string, position or object."""
        if isinstance(key, str):
            try:
                return self.ids.index(key.strip())
            except ValueError:
                raise KeyError(f"obs_id {key!r} is not in these observations: {self.ids}") from None
        if isinstance(key, (int, np.integer)):
            return int(key)
        return self._observations.index(key)

    def __getitem__(self, item):
        if isinstance(item, slice):
            return self.__class__(self._observations[item])
        if isinstance(item, (list, tuple, np.ndarray)):
            items = list(item)
            if items and all(isinstance(i, str) for i in items):
                return self.__class__([self._observations[self.index(i)] for i in items])
            array = np.asarray(items)
            if array.dtype == bool:
                if array.shape != (len(self),):
                    raise IndexError(f"boolean mask of shape {array.shape} for {len(self)} items")
                array = np.flatnonzero(array)
            return self.__class__([self._observations[int(i)] for i in array])
        return self._observations[self.index(item)]

    def __setitem__(self, key, obs):
        self._observations[self.index(key)] = obs

    def __delitem__(self, key):
        del self._observations[self.index(key)]

    def insert(self, index, obs):
        self._observations.insert(index, obs)

    def select_time(self, time_intervals):
        """Observations cut to the time interval(s), dropping those outside.

        Parameters
        ----------
        time_intervals : `~astropy.time.Time` of shape (2,), or a list of them
            Start (inclusive) and stop (exclusive) of each interval.
        """
        from astropy.time import Time

        if isinstance(time_intervals, Time) and time_intervals.shape == (2,):
            time_intervals = [time_intervals]
        selected = []
        for interval in time_intervals:
            for obs in self._observations:
                if obs.tstart < interval[1] and obs.tstop > interval[0]:
                    selected.append(obs.select_time(interval))
        return self.__class__(selected)

    def group_by_label(self, labels):
        """Split into groups by a label per observation.

        Parameters
        ----------
        labels : sequence, same length as the observations

        Returns
        -------
        groups : dict
            ``{label: Observations}``, labels in sorted order.
        """
        labels = list(labels)
        if len(labels) != len(self):
            raise ValueError(f"got {len(labels)} labels for {len(self)} observations")
        groups = {}
        for label in sorted(set(labels), key=lambda v: (str(type(v)), v)):
            groups[label] = self.__class__(
                [o for o, lab in zip(self._observations, labels, strict=True) if lab == label]
            )
        return groups

    @classmethod
    def from_stack(cls, observations_list):
        """Concatenate several `Observations`."""
        return cls([obs for observations in observations_list for obs in observations])
