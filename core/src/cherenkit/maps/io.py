"""FITS layout of maps, as gammapy writes them (``format="gadf"``), so either reads the other.

A WCS map is one image HDU (the primary HDU unless named) holding the data in the
order ``(..., axis_1, axis_0, lat, lon)``, i.e. FITS ``NAXIS1`` = lon, ``NAXIS2`` = lat,
``NAXIS3`` = first non-spatial axis. Its header carries the celestial WCS,
``WCSSHAPE = '(nx,ny,n0,n1,...)'``, ``BUNIT``, ``META`` (JSON, ``'{}'``) and, when the
map has non-spatial axes, ``BANDSHDU`` naming a binary table ``<HDU>_BANDS``:

* header ``AXCOLS<i> = 'NAME_MIN,NAME_MAX'`` (bin edges) or ``'NAME'`` (nodes), and
  ``INTERP<i>`` (``lin`` / ``log`` / ``sqrt``), ``i`` counting axes from 1; an axis
  called ``energy`` uses the columns ``ENERGY``, ``E_MIN``, ``E_MAX``;
* one row per bin of the flattened non-spatial grid (``CHANNEL`` = row number), the
  centre and the two edges of every axis as float64 columns with units.

A region map (`RegionNDMap`) is three binary tables:

* ``<HDU>``: columns ``CHANNEL`` and ``DATA`` (one row per bin of the last axis, each
  cell the rest of the data array, ``TDIM`` giving its shape), the unit on ``DATA``,
  ``AXCOLS<i>`` / ``INTERP<i>`` and ``META`` in the header;
* ``<HDU>_BANDS``: the BANDS table of the axes, as above;
* ``<HDU>_REGION``: the region as a FITS region table (regions package, columns
  ``SHAPE``, ``X``, ``Y``, ``R``, ``ROTANG``, ...) in the pixels of the TAN WCS in its
  header. gammapy reads and writes these three. cherenkit adds the header card
  ``SKYREG`` (JSON: shape, parameters in sky units, meta) so that its own files give
  back the region bit for bit; the pixel table is the fallback for files without it.
"""

from __future__ import annotations

import json

import numpy as np

from .axes import MapAxis

__all__ = [
    "axes_from_bands_hdu",
    "axes_header",
    "axes_to_bands_hdu",
    "region_from_table_hdu",
    "region_map_from_hdulist",
    "region_map_to_hdulist",
    "region_to_table_hdu",
]


def _column_names(axis):
    name = axis.name.upper()
    if name == "ENERGY":
        return "ENERGY", "E_MIN", "E_MAX"
    return name, f"{name}_MIN", f"{name}_MAX"


def axes_header(axes):
    """``AXCOLS<i>`` / ``INTERP<i>`` cards for the axes, as a dict in order."""
    cards = {}
    for i, axis in enumerate(axes, start=1):
        centre, lo, hi = _column_names(axis)
        cards[f"AXCOLS{i}"] = f"{lo},{hi}" if axis.node_type == "edges" else centre
        cards[f"INTERP{i}"] = axis.interp
    return cards


def axes_to_bands_hdu(axes, *, name="BANDS"):
    """The BANDS binary table of the non-spatial axes."""
    from astropy.io import fits

    grids = [
        np.meshgrid(*[getattr(ax, attr) for ax in axes])
        for attr in ("center_value", "_edges_min", "_edges_max")
    ]
    n = int(np.prod([ax.nbin for ax in axes]))
    columns = [fits.Column("CHANNEL", "K", array=np.arange(n))]
    for i, axis in enumerate(axes):
        unit = axis.unit.to_string("fits")
        names = _column_names(axis)
        for colname, grid in zip(names, grids, strict=True):
            columns.append(fits.Column(colname, "D", unit=unit, array=np.ravel(grid[i])))
    hdu = fits.BinTableHDU.from_columns(columns, name=name)
    for key, value in axes_header(axes).items():
        hdu.header[key] = value
    return hdu


def axes_from_bands_hdu(hdu, *, path=""):
    """Non-spatial axes from a BANDS table written by gammapy or by `axes_to_bands_hdu`."""
    import astropy.units as u

    header = hdu.header
    axes = []
    i = 1
    while f"AXCOLS{i}" in header:
        colnames = [c.strip() for c in header[f"AXCOLS{i}"].split(",")]
        interp = header.get(f"INTERP{i}", "lin").strip()
        if colnames[0] == "E_MIN":
            name = "energy"
        else:
            name = colnames[0].replace("_MIN", "").lower()
            if name == "theta":
                name = "rad"
        missing = [c for c in colnames if c not in hdu.columns.names]
        if missing:
            raise ValueError(f"{path}: BANDS table {hdu.name!r} lacks the columns {missing}")
        column = hdu.columns[colnames[0]]
        unit = u.Unit(column.unit or "", parse_strict="silent")
        data = hdu.data
        if len(colnames) == 1:
            axis = MapAxis(
                np.unique(data[colnames[0]]),
                name=name,
                unit=unit,
                interp=interp,
                node_type="center",
            )
        else:
            lo = np.unique(np.asarray(data[colnames[0]], dtype=np.float64))
            hi = np.unique(np.asarray(data[colnames[1]], dtype=np.float64))
            axis = MapAxis(np.append(lo, hi[-1]), name=name, unit=unit, interp=interp)
        axes.append(axis)
        i += 1
    return tuple(axes)


# --- region maps ---------------------------------------------------------------------

_WCS_KEYS = (
    "WCSAXES", "CTYPE", "CRPIX", "CRVAL", "CDELT", "CUNIT", "PC", "CD", "LONPOLE",
    "LATPOLE", "RADESYS", "EQUINOX", "MJDREF", "DATEREF", "WCSSHAPE",
)  # fmt: skip


def _simple_regions(region):
    """The regions whose union is ``region`` (a compound region of OR-ed parts)."""
    import operator

    from regions import CompoundSkyRegion

    if isinstance(region, CompoundSkyRegion):
        if region.operator is not operator.or_:
            raise ValueError(
                f"only unions of regions can be written to FITS, got a compound region "
                f"with operator {region.operator.__name__!r}"
            )
        return [*_simple_regions(region.region1), *_simple_regions(region.region2)]
    return [region]


def _sky_region_json(region):
    """JSON of a simple sky region: its class, parameters (sky units) and meta; None when
    the region has parameters this encoding does not know."""
    import astropy.units as u
    from astropy.coordinates import SkyCoord, UnitSphericalRepresentation

    params = {}
    for key in getattr(type(region), "_params", ()):
        value = getattr(region, key)
        if isinstance(value, SkyCoord):
            rep = value.frame.represent_as(UnitSphericalRepresentation)
            params[key] = {
                "frame": value.frame.name,
                "lon": np.asarray(rep.lon.deg).tolist(),
                "lat": np.asarray(rep.lat.deg).tolist(),
            }
        elif isinstance(value, u.Quantity):
            params[key] = {"value": np.asarray(value.value).tolist(), "unit": str(value.unit)}
        else:
            return None
    if not params:
        return None
    return {
        "type": type(region).__name__,
        "params": params,
        "meta": dict(region.meta),
        "visual": dict(region.visual),
    }


def _sky_region_from_json(item):
    import astropy.units as u
    import regions
    from astropy.coordinates import SkyCoord

    cls = getattr(regions, item["type"])
    kwargs = {}
    for key, value in item["params"].items():
        if "frame" in value:
            kwargs[key] = SkyCoord(
                np.asarray(value["lon"]) * u.deg,
                np.asarray(value["lat"]) * u.deg,
                frame=value["frame"],
            )
        else:
            kwargs[key] = u.Quantity(value["value"], value["unit"])
    return cls(
        **kwargs,
        meta=regions.RegionMeta(item.get("meta", {})),
        visual=regions.RegionVisual(item.get("visual", {})),
    )


def _union(parts):
    import functools
    import operator

    return functools.reduce(operator.or_, parts)


def region_to_table_hdu(geom, *, name="REGION"):
    """FITS region table of the region of a `RegionGeom` (gammapy's ``<HDU>_REGION``).

    Parameters
    ----------
    geom : `~cherenkit.maps.RegionGeom`
    name : str
        EXTNAME. Default is "REGION".

    Returns
    -------
    hdu : `~astropy.io.fits.BinTableHDU`
    """
    from astropy.io import fits
    from regions import Regions

    parts = _simple_regions(geom.region)
    table = Regions([part.to_pixel(geom.wcs) for part in parts]).serialize(format="fits")
    hdu = fits.table_to_hdu(table)
    hdu.name = name
    header = geom.wcs.to_header()
    for key in header:
        hdu.header[key] = (header[key], header.comments[key])
    hdu.header["WCSSHAPE"] = "(1,1)"
    encoded = [_sky_region_json(part) for part in parts]
    if all(item is not None for item in encoded):
        hdu.header["SKYREG"] = (
            json.dumps(encoded, default=str),
            "exact sky region (JSON, cherenkit)",
        )
    return hdu


def region_from_table_hdu(hdu, *, path=""):
    """The sky region and WCS pixel size (deg) of a FITS region table.

    The ``SKYREG`` card is used when present (exact); otherwise the pixel regions are
    converted to the sky with the WCS of the header, as gammapy does. Several rows are
    joined into their union.

    Returns
    -------
    region : `~regions.SkyRegion`
    binsz_wcs : float
    """
    from astropy.io import fits
    from astropy.table import QTable
    from astropy.wcs import WCS
    from regions import Regions

    header = hdu.header
    binsz = abs(float(header.get("CDELT2", 0.1))) or 0.1
    if "SKYREG" in header:
        try:
            items = json.loads(header["SKYREG"])
            return _union([_sky_region_from_json(item) for item in items]), binsz
        except (ValueError, TypeError, KeyError, AttributeError):
            pass  # not ours or damaged: use the pixel table
    wcs_header = fits.Header()
    for key in header:
        if key.startswith(_WCS_KEYS) and key != "WCSSHAPE":
            wcs_header[key] = header[key]
    try:
        wcs = WCS(wcs_header, naxis=2)
        parts = Regions.parse(QTable.read(hdu), format="fits")
    except Exception as err:  # the regions parser raises many types
        raise ValueError(f"{path}: HDU {hdu.name!r} is not a readable region table: {err}") from err
    if len(parts) == 0:
        raise ValueError(f"{path}: region table {hdu.name!r} has no rows")
    return _union([part.to_sky(wcs) for part in parts]), binsz


def region_map_to_hdulist(m, *, hdu="SKYMAP"):
    """HDU list of a `RegionNDMap`: an empty primary HDU, then the data, BANDS and REGION
    tables (see the module docstring)."""
    from astropy.io import fits
    from astropy.table import Column, Table

    hdu = hdu.upper()
    if hdu == "PRIMARY":
        hdu = "SKYMAP"
    data = m.data
    table = Table()
    table["CHANNEL"] = np.arange(data.shape[0], dtype=np.int32)
    table["DATA"] = Column(data, unit=m.unit if m.unit.to_string() else None)
    data_hdu = fits.table_to_hdu(table)
    data_hdu.name = hdu
    if m.unit.to_string() == "":
        data_hdu.header["TUNIT2"] = ""
    for key, value in axes_header(m.geom.axes).items():
        data_hdu.header[key] = value
    data_hdu.header["META"] = json.dumps(m.meta, default=str)
    hdus = [fits.PrimaryHDU(), data_hdu]
    hdus.append(axes_to_bands_hdu(m.geom.axes, name=f"{hdu}_BANDS"))
    hdus.append(region_to_table_hdu(m.geom, name=f"{hdu}_REGION"))
    return fits.HDUList(hdus)


def region_map_from_hdulist(hdulist, *, hdu="SKYMAP", path=""):
    """`RegionNDMap` from the ``<hdu>``, ``<hdu>_BANDS`` and ``<hdu>_REGION`` tables.

    Raises
    ------
    KeyError
        One of the three HDUs is missing.
    ValueError
        The tables do not describe a region map (no ``DATA`` column, wrong size).
    """
    import astropy.units as u
    from astropy.io import fits

    from .core import RegionNDMap
    from .region import RegionGeom

    hdu = str(hdu).upper()
    names = [h.name for h in hdulist]
    tables = {}
    for name in (hdu, f"{hdu}_BANDS", f"{hdu}_REGION"):
        if name not in hdulist:
            raise KeyError(f"{path}: no HDU {name!r}; the file has {names}")
        tables[name] = hdulist[name]
    table = tables[hdu]
    if not isinstance(table, fits.BinTableHDU) or "DATA" not in table.columns.names:
        raise ValueError(f"{path}: HDU {hdu!r} is not a region map table (no DATA column)")
    axes = axes_from_bands_hdu(tables[f"{hdu}_BANDS"], path=path)
    region, binsz = region_from_table_hdu(tables[f"{hdu}_REGION"], path=path)
    geom = RegionGeom(region, axes, binsz)
    data = np.asarray(table.data["DATA"])
    if data.size != int(np.prod(geom.data_shape)):
        raise ValueError(
            f"{path}: HDU {hdu!r} holds {data.size} values, its axes describe {geom.data_shape}"
        )
    data = data.reshape(geom.data_shape)
    data = data.astype(data.dtype.newbyteorder("="))
    unit = u.Unit(table.columns["DATA"].unit or "", parse_strict="silent")
    try:
        meta = json.loads(table.header.get("META", "{}"))
    except json.JSONDecodeError:
        meta = {}
    return RegionNDMap(geom, data, unit, meta if isinstance(meta, dict) else {})
