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
"""

from __future__ import annotations

import numpy as np

from .axes import MapAxis

__all__ = ["axes_from_bands_hdu", "axes_header", "axes_to_bands_hdu"]


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
