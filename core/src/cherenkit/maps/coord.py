"""`MapCoord`: sky positions plus non-spatial axis values, and input parsing for geometries.

Geometries accept coordinates as

* a `MapCoord`;
* a dict with ``"skycoord"`` (a `~astropy.coordinates.SkyCoord`) or ``"lon"`` / ``"lat"``
  (degrees in the frame of the geometry, plain numbers or angle Quantities), plus one
  entry per non-spatial axis, by axis name;
* a tuple ``(lon, lat, *axis_values)`` in the axis order of the geometry, or
  ``(skycoord, *axis_values)``;
* a bare `~astropy.coordinates.SkyCoord` (image geometries only).

Inside, longitudes and latitudes are float64 degrees in the frame of the geometry
and axis values float64 numbers in the unit of their axis.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MapCoord"]


class MapCoord:
    """Coordinates of map bins: lon/lat in degrees in ``frame`` plus named axis values.

    ``coord["lon"]``, ``coord["lat"]`` (as in gammapy) and ``coord["energy"]`` (any
    axis name) are `~astropy.units.Quantity`; ``coord.lon_deg`` / ``coord.lat_deg``
    are the plain float64 degrees; ``coord.skycoord`` is a
    `~astropy.coordinates.SkyCoord`.
    """

    __slots__ = ("_axes", "frame", "lat_deg", "lon_deg")

    def __init__(self, lon, lat, *, frame="icrs", axes=None):
        self.lon_deg = np.asarray(lon, dtype=np.float64)
        self.lat_deg = np.asarray(lat, dtype=np.float64)
        self.frame = frame
        self._axes = dict(axes or {})

    @property
    def lon(self):
        """Longitudes, `~astropy.units.Quantity` in deg."""
        import astropy.units as u

        return u.Quantity(self.lon_deg, u.deg, copy=False)

    @property
    def lat(self):
        """Latitudes, `~astropy.units.Quantity` in deg."""
        import astropy.units as u

        return u.Quantity(self.lat_deg, u.deg, copy=False)

    @property
    def axis_names(self):
        """Names of the non-spatial axes, in geometry order."""
        return list(self._axes)

    def __getitem__(self, name):
        if name == "lon":
            return self.lon
        if name == "lat":
            return self.lat
        if name == "skycoord":
            return self.skycoord
        try:
            return self._axes[name]
        except KeyError:
            raise KeyError(
                f"no coordinate {name!r}; have 'lon', 'lat', 'skycoord' and {self.axis_names}"
            ) from None

    @property
    def skycoord(self):
        """Positions as a `~astropy.coordinates.SkyCoord` in ``frame``."""
        from astropy.coordinates import SkyCoord

        return SkyCoord(self.lon_deg, self.lat_deg, unit="deg", frame=self.frame)

    @property
    def shape(self):
        """Broadcast shape of all coordinate arrays."""
        return np.broadcast_shapes(
            self.lon_deg.shape, self.lat_deg.shape, *[np.shape(v) for v in self._axes.values()]
        )

    def __repr__(self):
        return f"MapCoord(frame={self.frame!r}, shape={self.shape}, axes={self.axis_names})"


def skycoord_lonlat(skycoord, frame):
    """Longitude and latitude (float64 degrees) of a SkyCoord in ``frame``."""
    if frame in ("icrs", "galactic") and skycoord.frame.name == frame:
        # already there (these frames have no attributes): read the data, no transform
        data = skycoord.data
        if hasattr(data, "lon") and hasattr(data, "lat"):
            return (
                np.asarray(data.lon.to_value("deg"), dtype=np.float64),
                np.asarray(data.lat.to_value("deg"), dtype=np.float64),
            )
    sph = skycoord.transform_to(frame).spherical
    return (
        np.asarray(sph.lon.to_value("deg"), dtype=np.float64),
        np.asarray(sph.lat.to_value("deg"), dtype=np.float64),
    )


def _deg(value):
    if hasattr(value, "unit"):
        return np.asarray(value.to_value("deg"), dtype=np.float64)
    return np.asarray(value, dtype=np.float64)


def _is_skycoord(value):
    return type(value).__name__ == "SkyCoord" or (
        hasattr(value, "frame") and hasattr(value, "transform_to")
    )


def parse_coords(coords, *, frame, axes):
    """Split coordinates into (lon_deg, lat_deg, [axis values in axis units]).

    The arrays are broadcast against each other.
    """
    names = [ax.name for ax in axes]
    if isinstance(coords, MapCoord):
        if coords.frame != frame:
            lon, lat = skycoord_lonlat(coords.skycoord, frame)
        else:
            lon, lat = coords.lon_deg, coords.lat_deg
        values = [coords[name] for name in names]
    elif isinstance(coords, dict):
        if "skycoord" in coords:
            lon, lat = skycoord_lonlat(coords["skycoord"], frame)
        elif "lon" in coords and "lat" in coords:
            lon, lat = _deg(coords["lon"]), _deg(coords["lat"])
        else:
            raise ValueError(
                f"coordinates need 'skycoord' or 'lon' and 'lat', got keys {list(coords)}"
            )
        missing = [name for name in names if name not in coords]
        if missing:
            raise ValueError(f"coordinates miss the axes {missing}; the geometry has {names}")
        values = [coords[name] for name in names]
    else:
        if _is_skycoord(coords):
            coords = (coords,)
        coords = tuple(coords)
        if coords and _is_skycoord(coords[0]):
            lon, lat = skycoord_lonlat(coords[0], frame)
            rest = coords[1:]
        else:
            if len(coords) < 2:
                raise ValueError("coordinates need at least lon and lat")
            lon, lat = _deg(coords[0]), _deg(coords[1])
            rest = coords[2:]
        if len(rest) != len(axes):
            raise ValueError(f"got {len(rest)} non-spatial coordinate arrays for the axes {names}")
        values = list(rest)
    values = [ax._value(v) for ax, v in zip(axes, values, strict=True)]
    arrays = np.broadcast_arrays(lon, lat, *values)
    return arrays[0], arrays[1], list(arrays[2:])
