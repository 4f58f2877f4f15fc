"""`TemplateSpatialModel`: a sky image (sr⁻¹) used as the morphology of a source.

The model is registered with the other spatial models (`cherenkit.modeling.spatial`
imports this module), and serialised with the file name of its map.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ParameterError
from .parameter import Parameter
from .spatial import FRAMES, SpatialModel

__all__ = ["TemplateSpatialModel"]


def _template_data(map_, normalize):
    """Surface brightness (sr⁻¹) of a template map as a float array; see
    `TemplateSpatialModel`."""
    import astropy.units as u

    from ..maps import WcsGeom

    name = "TemplateSpatialModel"
    geom = getattr(map_, "geom", None)
    if not isinstance(geom, WcsGeom):
        raise ParameterError(name, "map", f"expected a WCS sky map, got {type(map_).__name__}")
    if geom.axes:
        raise ParameterError(
            name, "map", f"expected a 2-d sky image, the map has the axes {geom.axes_names}"
        )
    data = np.nan_to_num(np.asarray(map_.data, dtype=float))
    omega = geom.solid_angle().value
    unit = u.Unit(map_.unit)
    if unit == u.dimensionless_unscaled:
        total = data.sum()  # weights per pixel
        if normalize:
            data = data / (total * omega) if total else data
    else:
        try:
            data = data * unit.to("sr-1")
        except u.UnitConversionError:
            raise ParameterError(
                name, "map", f"the unit {unit} is not a surface brightness (sr-1)"
            ) from None
        total = np.sum(data * omega)
        if normalize and total:
            data = data / total
    if not total:
        raise ParameterError(name, "map", "the template map holds no flux (all zero or NaN)")
    return data


class TemplateSpatialModel(SpatialModel):
    r"""A sky image as spatial model, evaluated by interpolation.

    The image is interpolated linearly in log(value) between pixel centres (as in
    gammapy) and is 0 outside the map. The position ``lon_0``, ``lat_0`` is the map
    centre (frozen); moving it shifts the image in longitude and latitude, which is
    exact only near the map centre.

    Parameters
    ----------
    map : `~cherenkit.maps.Map`, optional
        A 2-d sky map (`~cherenkit.maps.WcsGeom` without axes). A unit convertible to
        sr⁻¹ is a surface brightness; a dimensionless map holds weights per pixel (with
        ``normalize=False`` it is taken to be in sr⁻¹). Default: read from ``filename``.
    normalize : bool
        Scale the image so that :math:`\sum_i f_i \Omega_i = 1`. Default is True.
    filename : str, optional
        File of the map; written to model files instead of the data. Needed to
        serialise the model (see `write`).
    frame : {"icrs", "galactic"}, optional
        Must be the map's frame, which is always used.
    **kwargs
        ``lon_0``, ``lat_0``.

    Raises
    ------
    `~cherenkit.errors.ParameterError`
        For a map that is not a 2-d sky image, is in an unknown frame, has a unit that
        is not a surface brightness or holds no flux.
    """

    tag = ("TemplateSpatialModel", "template")
    default_parameters = (
        Parameter("lon_0", np.nan, "deg", frozen=True),
        Parameter("lat_0", np.nan, "deg", min=-90.0, max=90.0, frozen=True),
    )

    def __init__(self, map=None, *, normalize=True, filename=None, frame=None, **kwargs):
        from ..maps import Map

        name = type(self).__name__
        if map is None:
            if filename is None:
                raise ParameterError(name, "map", "give a map or the filename of one")
            if not Path(filename).exists():
                raise FileNotFoundError(f"{name}: template map file {filename} not found")
            map = Map.read(filename)
        data = _template_data(map, normalize)
        self._map = Map.from_geom(map.geom, data=data, unit="sr-1")
        self.normalize = bool(normalize)
        self.filename = None if filename is None else str(filename)
        map_frame = self._map.geom.frame
        if map_frame not in FRAMES:
            raise ParameterError(
                name, "map", f"the map's frame {map_frame!r} is not one of {list(FRAMES)}"
            )
        if frame is not None and frame != map_frame:
            raise ParameterError(
                name, "frame", f"the template map is in {map_frame!r}, got frame={frame!r}"
            )
        centre = self._map.geom.center_skydir.spherical
        self._centre = (float(centre.lon.deg), float(centre.lat.deg))
        for key, value in zip(("lon_0", "lat_0"), self._centre, strict=True):
            given = kwargs.get(key)
            if given is None:
                kwargs[key] = value
            elif isinstance(given, Parameter) and np.isnan(given.value):
                given.value = value
        super().__init__(frame=map_frame, **kwargs)

    @classmethod
    def read(cls, filename, *, normalize=True):
        """The model of the map in a FITS file (`~cherenkit.maps.Map.read`)."""
        return cls(normalize=normalize, filename=filename)

    def write(self, filename=None, *, overwrite=False):
        """Write the (normalised) map to ``filename`` (default: `filename`), which then
        becomes the model's `filename`."""
        filename = self.filename if filename is None else str(filename)
        if filename is None:
            raise ValueError("TemplateSpatialModel.write: give a filename")
        self._map.write(filename, overwrite=overwrite)
        self.filename = filename

    @property
    def map(self):
        """The template, `~cherenkit.maps.Map` in sr⁻¹ (normalised when ``normalize``)."""
        return self._map

    @property
    def evaluation_radius(self) -> float:
        """Half the diagonal of the map (deg)."""
        return 0.5 * float(np.hypot(*self._map.geom.width.to_value("deg")))

    def _init_kwargs(self) -> dict:
        return {"frame": self.frame, "filename": self.filename, "normalize": self.normalize}

    @classmethod
    def _init_keys(cls) -> tuple[str, ...]:
        return ("frame", "filename", "normalize")

    def copy(self, **kwargs):
        """A copy sharing the map data, with unlinked parameters; ``kwargs`` override."""
        values = {p.name: p.copy() for p in self._parameters}
        new = type(self)(
            self._map, normalize=self.normalize, filename=self.filename, **{**values, **kwargs}
        )
        new.covariance = self.covariance.copy()
        return new

    def to_dict(self) -> dict:
        """Serialised form with the map's ``filename`` (the data are not included)."""
        if self.filename is None:
            raise ValueError(
                "TemplateSpatialModel has no filename: write the map first with "
                "model.write('template.fits') so that the model file can refer to it"
            )
        return super().to_dict()

    def evaluate(self, lon, lat, lon_0, lat_0):
        """Surface brightness (sr⁻¹) at plain-degree ``lon``, ``lat`` in the map's frame:
        the map interpolated at the coordinates shifted by the offset of (``lon_0``,
        ``lat_0``) from the map centre; negative values are clipped to 0."""
        lon, lat = np.broadcast_arrays(np.asarray(lon, float), np.asarray(lat, float))
        x, y = self._map.geom.wcs.wcs_world2pix(
            lon - (lon_0 - self._centre[0]), lat - (lat_0 - self._centre[1]), 0
        )
        values = self._map.interp_by_pix((x, y), fill_value=0.0, values_scale="log")
        return np.clip(values, 0.0, None)

    def _evaluate_in_frame(self, lon, lat, frame):
        if frame != self.frame:
            from astropy.coordinates import SkyCoord

            sph = SkyCoord(lon, lat, unit="deg", frame=frame).transform_to(self.frame).spherical
            lon, lat = sph.lon.deg, sph.lat.deg
        return self.evaluate(lon, lat, **self.parameter_values)

    def to_region(self, **kwargs):
        """The map's outline, `~regions.RectangleSkyRegion`."""
        import astropy.units as u
        from regions import RectangleSkyRegion

        width, height = self._map.geom.width.to_value("deg")
        return RectangleSkyRegion(
            center=self._map.geom.center_skydir,
            width=width * u.deg,
            height=height * u.deg,
            **kwargs,
        )

    def plot(self, geom=None, ax=None, **kwargs):
        """Show the template (on ``geom``, default: the template's own grid)."""
        return super().plot(geom=self._map.geom if geom is None else geom, ax=ax, **kwargs)

    def __repr__(self):
        nx, ny = self._map.geom.npix
        return (
            f"TemplateSpatialModel(lon_0={self.lon_0.value:.4g}, lat_0={self.lat_0.value:.4g}, "
            f"frame={self.frame!r}, npix=({nx}, {ny}), filename={self.filename!r})"
        )
