"""Maps: a data array on a geometry, with a unit.

`Map.create` / `Map.from_geom` return a `WcsNDMap` (sky image or cube) or a
`RegionNDMap` (one region with non-spatial axes). ``map.data`` is a plain numpy array
of shape ``geom.data_shape``; ``map.quantity`` is the same as a Quantity.
"""

from __future__ import annotations

import json
import operator
import os
from pathlib import Path

import attrs
import numpy as np

from .coord import parse_coords

__all__ = ["Map", "RegionNDMap", "WcsNDMap"]

_VALUE_SCALES = ("lin", "log", "sqrt")


def _unit(unit):
    import astropy.units as u

    return u.Unit(unit if unit is not None else "")


@attrs.define(eq=False, slots=False)
class Map:
    """A data array on a geometry, with a unit. Create with `Map.create` or `Map.from_geom`.

    Parameters
    ----------
    geom : `WcsGeom` or `RegionGeom`
    data : `~numpy.ndarray` of shape ``geom.data_shape``
    unit : str or `~astropy.units.Unit`
    meta : dict
    """

    geom: object
    data: np.ndarray
    unit: object = attrs.field(default="", converter=_unit)
    meta: dict = attrs.field(factory=dict)

    def __attrs_post_init__(self):
        if self.data.shape != self.geom.data_shape:
            raise ValueError(
                f"data shape {self.data.shape} does not match the geometry's "
                f"data_shape {self.geom.data_shape}"
            )

    # --- constructors --------------------------------------------------------------

    @staticmethod
    def create(*, region=None, axes=None, dtype=float, unit="", meta=None, **kwargs):
        """An empty map: a `RegionNDMap` with ``region=``, otherwise a `WcsNDMap`.

        Keyword arguments other than ``dtype``, ``unit`` and ``meta`` go to
        `WcsGeom.create` (``skydir``, ``width``, ``binsz``, ``npix``, ``frame``,
        ``proj``, ``refpix``) or `RegionGeom.create`.
        """
        if region is not None:
            from .region import RegionGeom

            geom = RegionGeom.create(region, axes=axes, **kwargs)
        else:
            from .wcs import WcsGeom

            geom = WcsGeom.create(axes=axes, **kwargs)
        return Map.from_geom(geom, dtype=dtype, unit=unit, meta=meta)

    @staticmethod
    def from_geom(geom, data=None, *, unit="", dtype=float, meta=None):
        """A map on ``geom``; ``data`` defaults to zeros and broadcasts (a scalar fills).

        A Quantity ``data`` sets the unit (converted to ``unit`` when that is given).
        """
        from .region import RegionGeom

        cls = RegionNDMap if isinstance(geom, RegionGeom) else WcsNDMap
        if hasattr(data, "unit") and hasattr(data, "value"):
            unit = data.unit if not unit else _unit(unit)
            data = data.to_value(unit)
        if data is None:
            data = np.zeros(geom.data_shape, dtype=dtype)
        else:
            data = np.asarray(data)
            if data.shape != geom.data_shape:
                data = np.broadcast_to(data, geom.data_shape)
            data = np.array(data, dtype=data.dtype if np.ndim(data) else dtype)
        return cls(geom, data, unit, dict(meta or {}))

    # --- basic properties ----------------------------------------------------------

    @property
    def quantity(self):
        """``data`` with ``unit``, `~astropy.units.Quantity` (a view)."""
        import astropy.units as u

        return u.Quantity(self.data, self.unit, copy=False)

    @quantity.setter
    def quantity(self, value):
        import astropy.units as u

        value = u.Quantity(value)
        self.data = np.array(np.broadcast_to(value.value, self.geom.data_shape))
        self.unit = value.unit

    def copy(self, **changes):
        """A deep copy; ``geom=``, ``data=``, ``unit=`` or ``meta=`` replace fields."""
        geom = changes.pop("geom", self.geom)
        data = changes.pop("data", None)
        data = self.data.copy() if data is None else np.array(data)
        unit = changes.pop("unit", self.unit)
        meta = changes.pop("meta", dict(self.meta))
        if changes:
            raise TypeError(f"unknown fields {sorted(changes)}")
        return type(self)(geom, data, unit, meta)

    def __repr__(self):
        return (
            f"{type(self).__name__}(geom={self.geom!r}, unit={self.unit.to_string()!r}, "
            f"dtype={self.data.dtype}, shape={self.data.shape})"
        )

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.data, dtype=dtype)

    # --- reductions ----------------------------------------------------------------

    def reduce(self, axis_name, *, func=np.add, keepdims=False, weights=None):
        """Reduce one non-spatial axis with a ufunc (``np.add``, ``np.maximum``, ...).

        ``weights`` (array broadcastable to the data, or a Map) multiply the data
        first. With ``keepdims`` the axis stays as one bin spanning its range.
        """
        data = self.data
        if weights is not None:
            data = data * np.asarray(getattr(weights, "data", weights))
        i = self.geom._data_axis(axis_name)
        data = func.reduce(data, axis=i, keepdims=keepdims)
        if keepdims:
            axes = [ax.squash() if ax.name == axis_name else ax for ax in self.geom.axes]
        else:
            axes = [ax for ax in self.geom.axes if ax.name != axis_name]
        return type(self)(self.geom.replace_axes(axes), data, self.unit, dict(self.meta))

    def reduce_over_axes(self, *, func=np.add, keepdims=False, axes_names=None, weights=None):
        """Reduce several (default: all) non-spatial axes with ``func``."""
        names = self.geom.axes_names if axes_names is None else list(axes_names)
        result = self
        if weights is not None:
            result = self.copy(data=self.data * np.asarray(getattr(weights, "data", weights)))
        for name in names:
            result = result.reduce(name, func=func, keepdims=keepdims)
        return result

    def sum_over_axes(self, *, axes_names=None, keepdims=True, weights=None):
        """Sum over non-spatial axes (all by default); ``keepdims`` keeps one-bin axes."""
        return self.reduce_over_axes(
            func=np.add, keepdims=keepdims, axes_names=axes_names, weights=weights
        )

    # --- lookup and interpolation --------------------------------------------------

    def get_by_idx(self, idx):
        """Values at index tuples ``(ix, iy, *axis_idx)``; NaN (or 0 / False) where any is -1."""
        idx = np.broadcast_arrays(*idx)
        valid = np.all([i >= 0 for i in idx], axis=0)
        fill = np.nan if np.issubdtype(self.data.dtype, np.floating) else 0
        out = np.full(valid.shape, fill, dtype=self.data.dtype)
        out[valid] = self.data[tuple(i[valid] for i in idx[::-1])]
        return out

    def get_by_coord(self, coords):
        """Values of the bins that contain the coordinates (NaN outside the map)."""
        return self.get_by_idx(self.geom.coord_to_idx(coords))

    def interp_by_coord(self, coords, *, method="linear", fill_value=None, values_scale="lin"):
        """Interpolate the data at coordinates.

        Interpolation is multilinear in pixel coordinates of every axis, so along a
        log axis (energy) it is linear in ln E, as in gammapy. Axes of one bin are
        taken as constant. Beyond the outermost bin centres the values are
        extrapolated linearly (``fill_value=None``, the gammapy default); give a
        ``fill_value`` to use it for coordinates outside the map instead.
        Non-finite data count as 0.

        Parameters
        ----------
        coords : see `MapCoord`
        method : {"linear", "nearest"}
        fill_value : float, optional
        values_scale : {"lin", "log", "sqrt"}
            Scale in which the data values are interpolated.
        """
        if method not in ("linear", "nearest"):
            raise ValueError(f"method must be 'linear' or 'nearest', got {method!r}")
        if values_scale not in _VALUE_SCALES:
            raise ValueError(f"values_scale must be one of {_VALUE_SCALES}, got {values_scale!r}")
        pix = self.geom.coord_to_pix(coords)
        return self.interp_by_pix(
            pix, method=method, fill_value=fill_value, values_scale=values_scale
        )

    def interp_by_pix(self, pix, *, method="linear", fill_value=None, values_scale="lin"):
        """Interpolate at pixel coordinates ``(x, y, *axis_pix)``; see `interp_by_coord`."""
        pix = np.broadcast_arrays(*[np.asarray(p, dtype=np.float64) for p in pix])
        data = np.where(np.isfinite(self.data), self.data, 0.0).astype(np.float64)
        if values_scale == "log":
            tiny = np.finfo(np.float64).tiny
            data = np.log(np.clip(data, tiny, None))
        elif values_scale == "sqrt":
            data = np.sqrt(data)
        # pix is (x, y, a0, a1, ...); data axes are (..., a1, a0, y, x)
        dims = pix[::-1]
        shape = data.shape
        if method == "nearest":
            idx = tuple(
                np.clip(np.ceil(p - 0.5), 0, n - 1).astype(np.int64)
                if n > 1
                else np.zeros(p.shape, np.int64)
                for p, n in zip(dims, shape, strict=True)
            )
            out = data[idx]
        else:
            out = _multilinear(data, dims)
        if values_scale == "log":
            out = np.exp(out)
        elif values_scale == "sqrt":
            out = out**2
        if fill_value is not None:
            outside = np.zeros(out.shape, dtype=bool)
            for p, n in zip(dims, shape, strict=True):
                ip = np.floor(p + 0.5)
                outside |= (ip < 0) | (ip >= n) | ~np.isfinite(p)
            out = np.where(outside | ~np.isfinite(out), fill_value, out)
        return out

    # --- filling -------------------------------------------------------------------

    def fill_by_idx(self, idx, weights=None):
        """Add ``weights`` (default 1) at index tuples; indices of -1 are dropped."""
        flat, valid = self.geom._flat_index(idx)
        if weights is not None:
            weights = np.broadcast_to(np.asarray(weights, dtype=np.float64), valid.shape)[valid]
        counts = np.bincount(flat, weights=weights, minlength=self.data.size)
        self.data += counts.reshape(self.data.shape).astype(self.data.dtype, copy=False)

    def fill_by_coord(self, coords, weights=None):
        """Histogram events into the map: add ``weights`` (default 1) at each coordinate.

        Coordinates outside the map are dropped. Bins are pixels (``round(pix)``)
        and half-open ``[lo, hi)`` axis bins, the last one closed.
        """
        self.fill_by_idx(self.geom.coord_to_idx(coords), weights=weights)

    def fill_events(self, events, weights=None):
        """Fill from a table with RA/DEC (deg) and ENERGY columns (GADF event list)."""
        from astropy.coordinates import SkyCoord

        coords = {"skycoord": SkyCoord(events["RA"], events["DEC"], unit="deg", frame="icrs")}
        for name in self.geom.axes_names:
            column = "ENERGY" if name == "energy" else name.upper()
            coords[name] = (
                events[column].quantity if hasattr(events[column], "quantity") else (events[column])
            )
        self.fill_by_coord(coords, weights=weights)

    # --- arithmetic ----------------------------------------------------------------

    def _binary(self, other, op, *, same_unit):
        import astropy.units as u

        if isinstance(other, Map):
            if other.geom.data_shape != self.geom.data_shape and other.geom != self.geom:
                other_q = u.Quantity(other.data, other.unit, copy=False)
            else:
                other_q = other.quantity
        else:
            other_q = u.Quantity(other, copy=False) if hasattr(other, "unit") else other
        if same_unit:
            if hasattr(other_q, "unit"):
                other_v = other_q.to_value(self.unit)
            elif self.unit == u.dimensionless_unscaled:
                other_v = other_q
            else:
                raise u.UnitConversionError(
                    f"cannot combine a map in {self.unit} with a plain number; use a Quantity"
                )
            data = op(self.data, np.asarray(other_v))
            unit = self.unit
        else:
            result = op(self.quantity, other_q)
            data, unit = np.asarray(result.value), result.unit
        return type(self)(
            self.geom, np.broadcast_to(data, self.geom.data_shape).copy(), unit, dict(self.meta)
        )

    def __add__(self, other):
        return self._binary(other, operator.add, same_unit=True)

    def __radd__(self, other):
        return self.__add__(other)

    def __sub__(self, other):
        return self._binary(other, operator.sub, same_unit=True)

    def __rsub__(self, other):
        return (-self).__add__(other)

    def __mul__(self, other):
        return self._binary(other, operator.mul, same_unit=False)

    def __rmul__(self, other):
        return self.__mul__(other)

    def __truediv__(self, other):
        return self._binary(other, operator.truediv, same_unit=False)

    def __rtruediv__(self, other):
        import astropy.units as u

        result = u.Quantity(other) / self.quantity
        return self.copy(data=np.asarray(result.value), unit=result.unit)

    def __pow__(self, power):
        return self._binary(power, operator.pow, same_unit=False)

    def __neg__(self):
        return self.copy(data=-self.data)

    def __iadd__(self, other):
        self.data += self._binary(other, operator.add, same_unit=True).data - self.data
        return self

    def _logical(self, other, op):
        other = getattr(other, "data", other)
        return self.copy(data=op(self.data, other))

    def __and__(self, other):
        return self._logical(other, operator.and_)

    def __or__(self, other):
        return self._logical(other, operator.or_)

    def __xor__(self, other):
        return self._logical(other, operator.xor)

    def __invert__(self):
        return self.copy(data=~self.data)

    def __eq__(self, other):
        if not isinstance(other, Map):
            return NotImplemented
        return (
            type(self) is type(other)
            and self.geom == other.geom
            and self.unit == other.unit
            and np.array_equal(self.data, other.data, equal_nan=self.data.dtype.kind == "f")
        )

    __hash__ = None

    def to_unit(self, unit):
        """The map converted to another unit."""
        unit = _unit(unit)
        return self.copy(data=self.quantity.to_value(unit), unit=unit)

    # --- I/O -----------------------------------------------------------------------

    @staticmethod
    def read(path, *, hdu=None, hdu_bands=None):
        """Read a map from FITS (as written by `Map.write` or by gammapy).

        A binary-table HDU is read as a `RegionNDMap` (with its ``<HDU>_BANDS`` and
        ``<HDU>_REGION`` tables), an image HDU as a `WcsNDMap`.

        Parameters
        ----------
        path : str or path-like
        hdu : str or int, optional
            HDU holding the data; default is the first HDU with image data, or the
            ``SKYMAP`` table of a region map.
        hdu_bands : str, optional
            Name of the BANDS table; default from the ``BANDSHDU`` header keyword.
        """
        from astropy.io import fits

        path = Path(path)
        try:
            hdulist = fits.open(path, memmap=False)
        except OSError as exc:
            raise OSError(f"{path}: cannot read as FITS: {exc}") from exc
        with hdulist:
            names = [h.name for h in hdulist]
            if hdu is None and "SKYMAP_REGION" in names and "SKYMAP" in names:
                hdu = "SKYMAP"
            if hdu is not None and isinstance(_find_hdu(hdulist, hdu), fits.BinTableHDU):
                return RegionNDMap.from_hdulist(hdulist, hdu=hdulist[hdu].name, path=path)
            return WcsNDMap.from_hdulist(hdulist, hdu=hdu, hdu_bands=hdu_bands, path=path)

    def write(self, path, *, overwrite=False, hdu="PRIMARY"):
        """Write the map to FITS in the gammapy layout (see `cherenkit.maps.io`).

        The file is written to a temporary name and renamed at the end.
        """
        path = Path(path)
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
        hdulist = self.to_hdulist(hdu=hdu)
        tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
        try:
            hdulist.writeto(tmp, overwrite=True)
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()


def _find_hdu(hdulist, hdu):
    try:
        return hdulist[hdu]
    except (KeyError, IndexError):
        return None


def _multilinear(data, pix):
    """Multilinear interpolation of ``data`` at float indices ``pix`` (one array per data
    axis), extrapolating linearly from the outermost cells; size-1 axes are constant."""
    shape = data.shape
    base = []
    frac = []
    for p, n in zip(pix, shape, strict=True):
        if n == 1:
            base.append(np.zeros(p.shape, np.int64))
            frac.append(None)
            continue
        i0 = np.clip(np.floor(np.nan_to_num(p, nan=0.0)), 0, n - 2).astype(np.int64)
        base.append(i0)
        frac.append(p - i0)
    out = np.zeros(np.broadcast_shapes(*[b.shape for b in base]), dtype=np.float64)
    active = [d for d, f in enumerate(frac) if f is not None]
    for corner in range(2 ** len(active)):
        idx = list(base)
        weight = 1.0
        for bit, d in enumerate(active):
            if corner >> bit & 1:
                idx[d] = base[d] + 1
                weight = weight * frac[d]
            else:
                weight = weight * (1.0 - frac[d])
        out = out + weight * data[tuple(idx)]
    return out


class WcsNDMap(Map):
    """A map on a `WcsGeom`: data of shape ``(..., n_axis_0, ny, nx)``."""

    def cutout(self, position, width, *, mode="trim", odd_npix=False, min_npix=1):
        """The part of the map within ``width`` around ``position`` (see `WcsGeom.cutout`).

        With ``mode="partial"`` pixels beyond the map are NaN (0 for integer, False for
        boolean data).
        """
        geom = self.geom.cutout(position, width, mode=mode, odd_npix=odd_npix, min_npix=min_npix)
        fill = np.nan if np.issubdtype(self.data.dtype, np.floating) else 0
        data = np.full(geom.data_shape, fill, dtype=self.data.dtype)
        slices = self.geom.overlap_slices(geom)
        if slices is not None:
            big, small = slices
            data[(Ellipsis, *small)] = self.data[(Ellipsis, *big)]
        return WcsNDMap(geom, data, self.unit, dict(self.meta))

    def smooth(self, width, kernel="gauss", *, mode="reflect", cval=0.0, truncate=None):
        """A smoothed copy: every image plane convolved with a kernel of sum 1.

        Reproduces gammapy's ``WcsNDMap.smooth`` (scipy.ndimage filters); the unit and
        the geometry are kept and the data become float64 (bool and integer maps too).
        NaN spreads to every pixel whose kernel footprint holds one.

        Parameters
        ----------
        width : `~astropy.units.Quantity`, str or float
            σ for ``"gauss"``, radius for ``"disk"``, full width for ``"box"``: an angle
            (``"0.1 deg"``; converted with the mean pixel scale) or a number of pixels.
            A box is ``int(width)`` pixels wide; an even one is centred half a pixel low.
        kernel : {"gauss", "disk", "box"}
            Default is "gauss".
        mode : {"reflect", "constant", "nearest", "mirror", "wrap"}
            How the image is extended beyond its edges (`scipy.ndimage.correlate1d`);
            "constant" pads with ``cval``. Default is "reflect", as in gammapy.
        cval : float
            Padding value for ``mode="constant"``. Default is 0.
        truncate : float, optional
            Half-width of the Gaussian kernel in σ (``"gauss"`` only). Default is 4.

        Returns
        -------
        map : `WcsNDMap`

        Raises
        ------
        cherenkit.errors.ParameterError
            For a width that is not a positive angle or number of pixels.
        ValueError
            For an unknown ``kernel`` or ``mode``, or ``truncate`` with a non-Gaussian kernel.

        References
        ----------
        .. [1] P. Virtanen et al., "SciPy 1.0", Nature Methods 17, 261 (2020),
           doi:10.1038/s41592-019-0686-2 (``scipy.ndimage`` filters).
        """
        from . import _smooth

        if kernel not in _smooth.KERNELS:
            raise ValueError(f"kernel must be one of {_smooth.KERNELS}, got {kernel!r}")
        if mode not in _smooth.MODES:
            raise ValueError(f"mode must be one of {_smooth.MODES}, got {mode!r}")
        if truncate is not None and kernel != "gauss":
            raise ValueError(f"truncate applies to kernel='gauss' only, not {kernel!r}")
        scale = float(np.mean(self.geom.pixel_scales.deg))
        data = _smooth.smooth_planes(
            self.data,
            _smooth.width_to_pixels(width, scale),
            kernel=kernel,
            mode=mode,
            cval=cval,
            truncate=4.0 if truncate is None else truncate,
        )
        return self.copy(data=data)

    def convolve(self, kernel, *, method="fft", mode="same"):
        """Convolve every image plane with a 2-d array kernel (`scipy.signal.convolve`).

        Parameters
        ----------
        kernel : `~numpy.ndarray`, shape (ky, kx) or ``(*geom.shape_axes, ky, kx)``
            One kernel for all planes, or one per plane; used as given (not normalised).
        method : {"fft", "direct"}
            Default is "fft".
        mode : {"same"}
            Only "same" (output on this geometry, zero outside the image) is supported.

        Returns
        -------
        map : `WcsNDMap`
            float64 data (gammapy returns float32), same unit and geometry.
        """
        from . import _smooth

        kernel = np.asarray(kernel)
        if mode != "same":
            raise ValueError(f"mode must be 'same' (the only supported mode), got {mode!r}")
        if method not in _smooth.CONVOLVE_METHODS:
            raise ValueError(f"method must be one of {_smooth.CONVOLVE_METHODS}, got {method!r}")
        if kernel.ndim < 2 or (kernel.ndim > 2 and kernel.shape[:-2] != self.data.shape[:-2]):
            raise ValueError(
                f"kernel of shape {kernel.shape} does not fit data of shape {self.data.shape}: "
                f"give a 2-d kernel or one of shape {self.data.shape[:-2]} + (ky, kx)"
            )
        return self.copy(data=_smooth.convolve_planes(self.data, kernel, method=method))

    def to_hdulist(self, *, hdu="PRIMARY"):
        """`~astropy.io.fits.HDUList` of the map (image HDU plus BANDS table when needed)."""
        from astropy.io import fits

        from .io import axes_to_bands_hdu

        header = self.geom.to_header()
        hdu = hdu.upper()
        bands = None
        if self.geom.axes:
            bands = axes_to_bands_hdu(self.geom.axes, name=f"{hdu}_BANDS")
            header["BANDSHDU"] = bands.name
        header["META"] = json.dumps(self.meta, default=str)
        header["BUNIT"] = self.unit.to_string("fits")
        data = self.data.astype(np.uint8) if self.data.dtype == bool else self.data
        if hdu == "PRIMARY":
            hdus = [fits.PrimaryHDU(data=data, header=header)]
        else:
            hdus = [fits.PrimaryHDU(), fits.ImageHDU(data=data, header=header, name=hdu)]
        if bands is not None:
            hdus.append(bands)
        return fits.HDUList(hdus)

    @staticmethod
    def from_hdulist(hdulist, *, hdu=None, hdu_bands=None, path=""):
        """Map from an open HDU list; see `Map.read`."""
        from .wcs import WcsGeom

        if hdu is None:
            candidates = [h for h in hdulist if h.is_image and h.header.get("NAXIS", 0) >= 2]
            if not candidates:
                raise ValueError(f"{path}: no image HDU with data")
            image = candidates[0]
        else:
            try:
                image = hdulist[hdu]
            except KeyError:
                names = [h.name for h in hdulist]
                raise KeyError(f"{path}: no HDU {hdu!r}; the file has {names}") from None
        header = image.header
        if hdu_bands is None:
            hdu_bands = header.get("BANDSHDU")
        bands = None
        if hdu_bands:
            try:
                bands = hdulist[hdu_bands]
            except KeyError:
                raise KeyError(f"{path}: BANDS HDU {hdu_bands!r} is missing") from None
        geom = WcsGeom.from_header(header, bands, path=path)
        data = np.asarray(image.data)
        if data.shape != geom.data_shape:
            raise ValueError(
                f"{path}: HDU {image.name!r} holds data of shape {data.shape}, the header "
                f"describes {geom.data_shape}"
            )
        data = data.astype(data.dtype.newbyteorder("="))
        unit = _unit(header.get("BUNIT", "") or "")
        try:
            meta = json.loads(header.get("META", "{}"))
        except json.JSONDecodeError:
            meta = {}
        return WcsNDMap(geom, data, unit, meta)

    def plot(self, *, ax=None, fig=None, add_cbar=False, stretch="linear", **kwargs):
        """Show an image map (or a cube with one-bin axes) with `~astropy.visualization.wcsaxes`.

        Parameters
        ----------
        ax : `~astropy.visualization.wcsaxes.WCSAxes`, optional
            Default: a new WCSAxes on ``fig`` (or the current figure).
        add_cbar : bool
            Add a colour bar labelled with the unit.
        stretch : {"linear", "sqrt", "log"}
            Colour stretch.
        **kwargs
            Passed to `~matplotlib.axes.Axes.imshow` (``cmap``, ``vmin``, ...).

        Returns
        -------
        ax : `~astropy.visualization.wcsaxes.WCSAxes`
        """
        import matplotlib.pyplot as plt
        from astropy.visualization import simple_norm

        image = np.squeeze(self.data)
        if image.ndim != 2:
            raise ValueError(
                f"plot() shows one image; this map has data of shape {self.data.shape}: "
                "use sum_over_axes() or select a slice first"
            )
        if fig is None:
            fig = plt.gcf()
        if ax is None:
            ax = fig.add_subplot(1, 1, 1, projection=self.geom.wcs)
        finite = np.where(np.isfinite(image), image, np.nan).astype(float)
        kwargs.setdefault("cmap", "afmhot")
        kwargs.setdefault("origin", "lower")
        kwargs.setdefault("interpolation", "nearest")
        if "norm" not in kwargs:
            kwargs["norm"] = simple_norm(
                finite[np.isfinite(finite)] if np.isfinite(finite).any() else [0.0, 1.0],
                stretch=stretch,
                vmin=kwargs.pop("vmin", None),
                vmax=kwargs.pop("vmax", None),
            )
        im = ax.imshow(finite, **kwargs)
        frame = self.geom.frame
        xlabel, ylabel = (
            ("Galactic Longitude", "Galactic Latitude")
            if frame == "galactic"
            else ("Right Ascension", "Declination")
        )
        try:
            ax.coords[0].set_axislabel(xlabel)
            ax.coords[1].set_axislabel(ylabel)
        except AttributeError:
            ax.set_xlabel(xlabel)
            ax.set_ylabel(ylabel)
        if add_cbar:
            label = self.unit.to_string() if self.unit.to_string() else ""
            fig.colorbar(im, ax=ax, label=label)
        return ax


class RegionNDMap(Map):
    """A map on a `RegionGeom`: data of shape ``(..., n_axis_0, 1, 1)``."""

    def to_hdulist(self, *, hdu="SKYMAP"):
        """`~astropy.io.fits.HDUList` in gammapy's layout: an empty primary HDU, the data
        table ``<HDU>``, ``<HDU>_BANDS`` and ``<HDU>_REGION`` (see `cherenkit.maps.io`).
        ``hdu="PRIMARY"`` (a table cannot be the primary HDU) means ``"SKYMAP"``."""
        from .io import region_map_to_hdulist

        return region_map_to_hdulist(self, hdu=hdu)

    @staticmethod
    def from_hdulist(hdulist, *, hdu="SKYMAP", path=""):
        """Region map from an open HDU list; see `Map.read`."""
        from .io import region_map_from_hdulist

        return region_map_from_hdulist(hdulist, hdu=hdu, path=path)

    def plot(self, *, ax=None, axis_name=None, **kwargs):
        """Plot the values against one axis (default: the first), as a step histogram."""
        import matplotlib.pyplot as plt

        if not self.geom.axes:
            raise ValueError("a region map without axes has nothing to plot against")
        axis = self.geom.axis(axis_name or self.geom.axes_names[0])
        other = [n for n in self.geom.axes_names if n != axis.name]
        values = self.sum_over_axes(axes_names=other, keepdims=False).data.reshape(-1)
        ax = plt.gca() if ax is None else ax
        edges = axis.edges_value
        kwargs.setdefault("where", "post")
        ax.step(edges, np.append(values, values[-1]), **kwargs)
        if axis.interp == "log":
            ax.set_xscale("log")
        unit = axis.unit.to_string()
        ax.set_xlabel(f"{axis.name} [{unit}]" if unit else axis.name)
        ax.set_ylabel(self.unit.to_string() or "value")
        return ax

    def smooth(self, width, kernel="gauss", **kwargs):
        """Not available: a region map has no image to smooth."""
        raise TypeError(
            "RegionNDMap.smooth: a region map holds one spectrum per region, not an image; "
            "smooth a WcsNDMap (Map.create(skydir=..., width=..., binsz=...)) instead"
        )

    def get_by_coord(self, coords):
        """Values of the bins that contain the coordinates (NaN outside the region/axes).

        A dict without a sky position selects by the axes only.
        """
        return super().get_by_coord(self._with_center(coords))

    def interp_by_coord(self, coords, **kwargs):
        """Interpolate along the non-spatial axes (the sky position is ignored)."""
        lon, lat, values = parse_coords(
            self._with_center(coords), frame=self.geom.frame, axes=self.geom.axes
        )
        pix = [np.zeros_like(lon), np.zeros_like(lat)]
        pix += [ax.coord_to_pix_value(v) for ax, v in zip(self.geom.axes, values, strict=True)]
        return self.interp_by_pix(pix, **kwargs)

    def _with_center(self, coords):
        if isinstance(coords, dict) and "skycoord" not in coords and "lon" not in coords:
            return {"skycoord": self.geom.center_skydir, **coords}
        return coords
