"""Behaviour shared by `WcsGeom` and `RegionGeom`: non-spatial axes and bin lookup.

Data arrays are ordered as gammapy orders them: the non-spatial axes last to first,
then latitude (rows), then longitude (columns). A geometry with axes
``[energy, offset]`` and ``nx × ny`` pixels holds data of shape
``(n_offset, n_energy, ny, nx)``. Index and pixel tuples go the other way round,
``(x, y, i_energy, i_offset)``, as in gammapy.
"""

from __future__ import annotations

import numpy as np

from .axes import MapAxis
from .coord import parse_coords

__all__ = ["Geom"]


def check_axes(axes):
    """A tuple of `MapAxis` with unique, non-empty names that are not lon/lat."""
    axes = tuple(axes or ())
    for ax in axes:
        if not isinstance(ax, MapAxis):
            raise TypeError(f"map axes must be MapAxis, got {type(ax).__name__}")
    names = [ax.name for ax in axes]
    if any(not name for name in names):
        raise ValueError(f"map axes need names, got {names}")
    if len(set(names)) != len(names) or {"lon", "lat", "skycoord"} & set(names):
        raise ValueError(f"map axis names must be unique and not lon/lat, got {names}")
    return axes


class Geom:
    """Mixin for geometries: subclasses provide ``axes``, ``frame``, ``_image_shape``
    and ``_spatial_idx(lon_deg, lat_deg) -> (ix, iy)``."""

    @property
    def axes_names(self):
        """Names of the non-spatial axes."""
        return [ax.name for ax in self.axes]

    def axis(self, name):
        """The non-spatial axis called ``name``."""
        for ax in self.axes:
            if ax.name == name:
                return ax
        raise KeyError(f"no axis {name!r}; the geometry has {self.axes_names}")

    @property
    def is_image(self):
        """True when the geometry has no non-spatial axis."""
        return not self.axes

    @property
    def data_shape_axes(self):
        """Shape of the non-spatial part of the data: ``(n_last_axis, ..., n_first_axis)``."""
        return tuple(ax.nbin for ax in self.axes[::-1])

    @property
    def data_shape(self):
        """Shape of data arrays: non-spatial axes (last to first), then lat, then lon."""
        return self.data_shape_axes + self._image_shape

    def _data_axis(self, name):
        """Position of a non-spatial axis in the data array."""
        return len(self.axes) - 1 - self.axes_names.index(name)

    def _axes_view(self, values):
        """Reshape a 1-d array of axis ``i`` centres for broadcasting with the data."""
        out = []
        n = len(self.axes)
        for i, v in enumerate(values):
            shape = [1] * (n + 2)
            shape[n - 1 - i] = v.size
            out.append(v.reshape(shape))
        return out

    def coord_to_idx(self, coords, *, clip=False):
        """Bin indices ``(ix, iy, *axis_idx)`` of coordinates; -1 where outside.

        Spatial bins are pixels (``round(pix)``); axis bins are half-open
        ``[lo, hi)`` (see `MapAxis.coord_to_idx`). With ``clip=True`` indices
        outside are clipped to the nearest valid bin (NaN stays -1).
        """
        lon, lat, values = parse_coords(coords, frame=self.frame, axes=self.axes)
        ix, iy = self._spatial_idx(lon, lat, clip=clip)
        idx = [
            ax.coord_to_idx(v.ravel(), clip=clip).reshape(v.shape)
            for ax, v in zip(self.axes, values, strict=True)
        ]
        return (ix, iy, *idx)

    def _flat_index(self, idx):
        """Flat data index of index tuples (x, y, *axes), and the mask of valid ones."""
        idx = np.broadcast_arrays(*idx)
        valid = np.all([i >= 0 for i in idx], axis=0)
        data_idx = tuple(i[valid] for i in idx[::-1])
        return np.ravel_multi_index(data_idx, self.data_shape), valid

    def contains(self, coords):
        """True for coordinates inside the geometry (all axes included)."""
        idx = self.coord_to_idx(coords)
        return np.all(np.broadcast_arrays(*[i >= 0 for i in idx]), axis=0)
