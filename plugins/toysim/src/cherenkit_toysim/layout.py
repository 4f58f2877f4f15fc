"""Telescope layouts of the toy array on a flat site.

=============  =================================================================
layout         telescopes (ids in this order)
=============  =================================================================
``lst4``       4 LSTs at the corners of a 120 m square
``mst-grid``   ``grid_size × grid_size`` MSTs, ``spacing`` apart (150 m)
``sst-grid``   ``grid_size × grid_size`` SSTs, ``spacing`` apart (250 m)
``mixed``      the 4 LSTs, 8 MSTs on a 400 m square around them (the 3 × 3 grid of
               200 m without its centre) and 8 SSTs on a circle of 450 m
=============  =================================================================

Positions are in the ground frame of `cherenkit.instrument.SubarrayDescription`
(x north, y west, z up) around a reference location at the longitude and latitude
of the CTAO northern site and a chosen height.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LAYOUTS", "SITE_LAT_DEG", "SITE_LON_DEG", "layout_positions", "toy_subarray"]

LAYOUTS = ("lst4", "mst-grid", "sst-grid", "mixed")
"""Names of the built-in layouts."""
DEFAULT_SPACING_M = {"mst-grid": 150.0, "sst-grid": 250.0}
"""Grid spacing of the grid layouts when none is given."""
SITE_LON_DEG, SITE_LAT_DEG = -17.8920, 28.7615
"""Longitude and latitude of the reference location (Roque de los Muchachos)."""


def _grid(n: int, spacing: float) -> np.ndarray:
    offsets = (np.arange(n) - (n - 1) / 2.0) * spacing
    x, y = np.meshgrid(offsets, offsets, indexing="ij")
    return np.column_stack([x.ravel(), y.ravel(), np.zeros(n * n)])


def layout_positions(layout: str, *, grid_size: int = 3, spacing_m: float | None = None):
    """Telescope positions and size classes of a layout.

    Parameters
    ----------
    layout : {"lst4", "mst-grid", "sst-grid", "mixed"}
    grid_size : int
        Telescopes per side of the grid layouts. Default is 3.
    spacing_m : float, optional
        Distance between neighbours of the grid layouts, m. Default is 150 m for
        ``mst-grid`` and 250 m for ``sst-grid``.

    Returns
    -------
    positions : `numpy.ndarray`, shape (n_tels, 3), m
    size_types : list of str
        ``"LST"``, ``"MST"`` or ``"SST"`` per telescope; ids are 1, 2, ... in this order.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}")
    lsts = np.array(
        [[60.0, 60.0, 0.0], [-60.0, 60.0, 0.0], [-60.0, -60.0, 0.0], [60.0, -60.0, 0.0]]
    )
    if layout == "lst4":
        return lsts, ["LST"] * 4
    if layout in DEFAULT_SPACING_M:
        spacing = DEFAULT_SPACING_M[layout] if spacing_m is None else spacing_m
        positions = _grid(grid_size, spacing)
        return positions, [layout[:3].upper()] * len(positions)
    msts = _grid(3, 200.0)
    msts = msts[np.any(msts != 0.0, axis=1)]
    angles = np.deg2rad(22.5 + 45.0 * np.arange(8))
    ssts = np.column_stack([450.0 * np.cos(angles), 450.0 * np.sin(angles), np.zeros(8)])
    return np.concatenate([lsts, msts, ssts]), ["LST"] * 4 + ["MST"] * 8 + ["SST"] * 8


def toy_subarray(
    layout: str,
    *,
    site_height_m: float = 2200.0,
    grid_size: int = 3,
    spacing_m: float | None = None,
    tel_ids=None,
):
    """The `~cherenkit.instrument.SubarrayDescription` of a toy layout.

    Parameters
    ----------
    layout, grid_size, spacing_m
        See `layout_positions`.
    site_height_m : float
        Height of the reference location a.s.l. Default is 2200 m.
    tel_ids : iterable of int, optional
        Keep only these telescopes (ids as `layout_positions` numbers them).
    """
    import astropy.units as u
    from astropy.coordinates import EarthLocation

    from cherenkit.instrument import SubarrayDescription

    from .cameras import toy_telescope

    positions, size_types = layout_positions(layout, grid_size=grid_size, spacing_m=spacing_m)
    ids = range(1, len(positions) + 1)
    keep = set(ids) if tel_ids is None else {int(t) for t in tel_ids}
    return SubarrayDescription(
        name=f"ToyArray-{layout}",
        tel_positions={
            t: u.Quantity(p, u.m) for t, p in zip(ids, positions, strict=True) if t in keep
        },
        tel_descriptions={
            t: toy_telescope(s) for t, s in zip(ids, size_types, strict=True) if t in keep
        },
        reference_location=EarthLocation.from_geodetic(
            SITE_LON_DEG * u.deg, SITE_LAT_DEG * u.deg, site_height_m * u.m
        ),
    )
