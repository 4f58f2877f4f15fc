"""DL3 event lists (GADF ``EVENTS`` HDU).

References
----------
.. [GADF] "Data formats for gamma-ray astronomy", "Event list":
   https://gamma-astro-data-formats.readthedocs.io/en/latest/events/events.html
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from cherenkit.errors import DataFormatError

from ._utils import angular_separation_rad, header_meta, parse_unit, require_unit, sky_to_fov_rad
from .gti import met_to_time, time_reference, time_to_met

__all__ = ["EventList"]

# GADF required columns and the physical type each must carry
_REQUIRED = {"TIME": ("time", "s"), "RA": ("angle", "deg"), "DEC": ("angle", "deg"),
             "ENERGY": ("energy", "TeV")}  # fmt: skip


class EventList:
    """A list of reconstructed gamma-ray candidate events.

    Backed by an `~astropy.table.Table` whose ``meta`` holds the EVENTS header
    keywords (time reference, pointing, observatory location, ...). Columns
    follow GADF: ``EVENT_ID``, ``TIME`` (s since the reference), ``RA``,
    ``DEC`` (deg, ICRS), ``ENERGY``, and any optional ones.

    Parameters
    ----------
    table : `~astropy.table.Table`
        The events; ``table.meta`` must hold ``MJDREFI``/``MJDREFF`` for
        `time` and ``RA_PNT``/``DEC_PNT`` for `offset` and the FoV coordinates.
    """

    def __init__(self, table):
        self.table = table

    # --- construction -------------------------------------------------------------------

    @classmethod
    def from_hdu(cls, hdu, *, filename=None):
        """Read a GADF ``EVENTS`` binary table.

        Parameters
        ----------
        hdu : `cherenkit.data._fits.FitsTableHDU` or `~astropy.io.fits.BinTableHDU`
        filename : str, optional
            File name for error messages.

        Raises
        ------
        cherenkit.errors.DataFormatError
            A required column is missing, or has no or the wrong unit.
        """
        from astropy.table import Table

        where = f"{filename or getattr(hdu, 'filename', '<memory>')}[{hdu.name}]"
        columns = hdu.columns
        names = {c.name.upper(): c for c in columns}
        missing = [n for n in _REQUIRED if n not in names]
        if missing:
            raise DataFormatError(
                where, f"EVENTS table lacks column(s) {missing}; it has {columns.names}"
            )
        data = hdu.data
        table = Table(meta=header_meta(hdu.header))
        for column in columns:
            values = data.field(column.name)
            if values.dtype.kind == "S":
                values = np.char.rstrip(np.char.decode(values, "ascii", errors="replace"))
            elif values.dtype.byteorder not in "=|":
                values = values.astype(values.dtype.newbyteorder("="))
            else:
                values = np.array(values)
            unit = parse_unit(column.unit, where=where, column=column.name)
            key = column.name.upper()
            if key in _REQUIRED:
                physical, expected = _REQUIRED[key]
                require_unit(unit, physical, where=where, column=column.name, expected=expected)
            table[column.name] = values
            if unit is not None:
                table[column.name].unit = unit
        return cls(table)

    @classmethod
    def read(cls, filename, hdu="EVENTS"):
        """Read the EVENTS HDU of a file (found by ``HDUCLAS1 = 'EVENTS'`` or its name)."""
        from ._fits import read_fits

        fits_file = read_fits(filename)
        for candidate in fits_file.hdus[1:]:
            if str(candidate.header.get("HDUCLAS1", "")).strip().upper() == "EVENTS":
                return cls.from_hdu(candidate, filename=filename)
        found = fits_file.get(hdu)
        if found is None:
            raise DataFormatError(
                filename, f"no EVENTS HDU (HDUCLAS1='EVENTS' or {hdu!r}); HDUs: {fits_file.names}"
            )
        return cls.from_hdu(found, filename=filename)

    @classmethod
    def from_stack(cls, event_lists):
        """Concatenate event lists; times move to the reference of the first."""
        from astropy.table import vstack

        first = event_lists[0]
        tables = [first.table]
        for other in event_lists[1:]:
            table = other.table.copy(copy_data=False)
            if _time_keys(other.table.meta) != _time_keys(first.table.meta):
                table["TIME"] = first._met_of(other.time)
                table["TIME"].unit = "s"
            tables.append(table)
        stacked = vstack(tables, metadata_conflicts="silent")
        stacked.meta = dict(first.table.meta)
        return cls(stacked)

    def stack(self, other):
        """A new event list holding the events of ``self`` then ``other``."""
        return self.from_stack([self, other])

    # --- access -------------------------------------------------------------------------

    def __len__(self):
        return len(self.table)

    def __repr__(self):
        return f"EventList(n_events={len(self)}, obs_id={self.table.meta.get('OBS_ID')})"

    @property
    def meta(self):
        """Header keywords (`dict`)."""
        return self.table.meta

    @property
    def energy(self):
        """Reconstructed energies (`~astropy.units.Quantity`)."""
        return self.table["ENERGY"].quantity

    @property
    def radec(self):
        """Reconstructed directions as an ICRS `~astropy.coordinates.SkyCoord`."""
        from astropy.coordinates import SkyCoord

        return SkyCoord(self.table["RA"].quantity, self.table["DEC"].quantity, frame="icrs")

    @property
    def galactic(self):
        """Reconstructed directions in Galactic coordinates."""
        return self.radec.galactic

    def _reference(self):
        return time_reference(self.table.meta, where="EventList.meta")

    @property
    def time_ref(self):
        """Reference epoch of the ``TIME`` column (`~astropy.time.Time`)."""
        return self._reference()[0]

    @property
    def time(self):
        """Event times (`~astropy.time.Time`, the scale of ``TIMESYS``)."""
        reference, per_unit, timezero = self._reference()
        met = self.table["TIME"].quantity.to_value("s") / per_unit
        return met_to_time(met, reference, per_unit, timezero)

    def _met_of(self, time):
        reference, per_unit, timezero = self._reference()
        return time_to_met(time, reference, per_unit, timezero) * per_unit

    @property
    def pointing_radec(self):
        """Pointing position (``RA_PNT``/``DEC_PNT`` header keywords), ICRS."""
        from astropy.coordinates import SkyCoord

        meta = self.table.meta
        if "RA_PNT" not in meta or "DEC_PNT" not in meta:
            raise DataFormatError(
                "EventList.meta", "no pointing position: RA_PNT/DEC_PNT header keywords missing"
            )
        return SkyCoord(float(meta["RA_PNT"]), float(meta["DEC_PNT"]), unit="deg", frame="icrs")

    def _radians(self):
        ra = self.table["RA"].quantity.astype(np.float64, copy=False).to_value("rad")
        dec = self.table["DEC"].quantity.astype(np.float64, copy=False).to_value("rad")
        return ra, dec

    def _pointing_radians(self):
        pointing = self.pointing_radec
        return pointing.ra.rad, pointing.dec.rad

    @property
    def offset(self):
        """Angular distance of each event from the pointing (`~astropy.coordinates.Angle`)."""
        from astropy.coordinates import Angle

        ra, dec = self._radians()
        ra0, dec0 = self._pointing_radians()
        return Angle(np.rad2deg(angular_separation_rad(ra0, dec0, ra, dec)), "deg")

    @property
    def fov_lon(self):
        """Field-of-view longitude relative to the pointing (`~astropy.coordinates.Angle`).

        RA/Dec-aligned, longitude reversed (positive towards decreasing RA), as
        gammapy's ``FoVICRSFrame``; see `cherenkit.data._utils.sky_to_fov_rad`.
        """
        return self._fov()[0]

    @property
    def fov_lat(self):
        """Field-of-view latitude relative to the pointing (`~astropy.coordinates.Angle`)."""
        return self._fov()[1]

    def _fov(self):
        from astropy.coordinates import Angle

        ra, dec = self._radians()
        ra0, dec0 = self._pointing_radians()
        lon, lat = sky_to_fov_rad(ra, dec, ra0, dec0)
        return Angle(np.rad2deg(lon), "deg"), Angle(np.rad2deg(lat), "deg")

    # --- selections ---------------------------------------------------------------------

    def select_row_subset(self, row_specifier):
        """A new event list with the rows picked by a mask, indices or a slice."""
        return self.__class__(self.table[row_specifier])

    def select_mask(self, mask):
        """A new event list with the events where ``mask`` is True."""
        return self.select_row_subset(np.asarray(mask, dtype=bool))

    def select_energy(self, energy_range):
        """Events with ``energy_range[0] <= energy < energy_range[1]``.

        Parameters
        ----------
        energy_range : `~astropy.units.Quantity`, shape (2,), energy
        """
        energy = self.energy
        return self.select_mask((energy >= energy_range[0]) & (energy < energy_range[1]))

    def select_offset(self, offset_band):
        """Events with ``offset_band[0] <= offset < offset_band[1]``.

        Parameters
        ----------
        offset_band : `~astropy.units.Quantity`, shape (2,), angle
        """
        offset = self.offset
        return self.select_mask((offset >= offset_band[0]) & (offset < offset_band[1]))

    def select_time(self, time_interval, inverted=False):
        """Events with ``time_interval[0] <= time < time_interval[1]`` (or outside).

        The bounds are converted to seconds since this list's reference epoch
        and compared with the ``TIME`` column.

        Parameters
        ----------
        time_interval : `~astropy.time.Time`, shape (2,)
        inverted : bool
            Keep the events outside the interval. Default is False.
        """
        met = self.table["TIME"].quantity.to_value("s")
        lo, hi = self._met_of(time_interval[0]), self._met_of(time_interval[1])
        mask = (met >= lo) & (met < hi)
        return self.select_mask(~mask if inverted else mask)

    def select_parameter(self, parameter, band):
        """Events with ``band[0] <= table[parameter] < band[1]``."""
        values = self.table[parameter]
        values = values.quantity if values.unit is not None else np.asarray(values)
        return self.select_mask((values >= band[0]) & (values < band[1]))

    def select_region(self, regions, wcs=None):
        """Events inside one or any of several regions (`regions` package).

        Circles and annuli on the sky are tested exactly on the sphere; other
        sky regions are tested in a gnomonic (TAN) projection centred on the
        region, or in ``wcs`` when given; pixel regions need ``wcs``.

        Parameters
        ----------
        regions : `regions.Region`, list of them, or a DS9 region string
        wcs : `~astropy.wcs.WCS`, optional
        """
        from ._regions import contains

        return self.select_mask(contains(regions, self.radec, wcs=wcs))

    # --- output -------------------------------------------------------------------------

    def to_table_hdu(self, *, name="EVENTS"):
        """The events as a GADF ``EVENTS`` `~astropy.io.fits.BinTableHDU`."""
        from astropy.io import fits

        hdu = fits.table_to_hdu(self.table)
        for key, value in self.table.meta.items():
            if key in ("EXTNAME",) or isinstance(value, (dict, list)):
                continue
            if key not in hdu.header:
                try:
                    hdu.header[key] = value
                except (ValueError, TypeError):
                    continue
        hdu.header["EXTNAME"] = name
        hdu.header.setdefault("HDUCLASS", "GADF")
        hdu.header.setdefault("HDUCLAS1", "EVENTS")
        return hdu

    def write(self, path, *, gti=None, overwrite=False):
        """Write a GADF file with the events (and the GTI, when given).

        The file is written under a temporary name and renamed at the end.
        """
        from astropy.io import fits

        path = Path(path)
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
        hdus = [fits.PrimaryHDU(), self.to_table_hdu()]
        if gti is not None:
            hdus.append(gti.to_table_hdu())
        handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(handle)
        try:
            fits.HDUList(hdus).writeto(tmp, overwrite=True)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    # --- plots --------------------------------------------------------------------------

    def peek(self, *, figsize=(15, 4.5)):
        """Quick look: counts per energy, offset histogram and a counts image.

        Returns
        -------
        fig : `matplotlib.figure.Figure`
        """
        import matplotlib.pyplot as plt

        fig, (ax_e, ax_o, ax_s) = plt.subplots(1, 3, figsize=figsize)
        energy = self.energy.to_value("TeV")
        positive = energy[energy > 0]
        if positive.size:
            bins = np.geomspace(positive.min(), positive.max(), 41)
            ax_e.hist(positive, bins=bins, histtype="step")
        ax_e.set(xscale="log", yscale="log", xlabel="Energy [TeV]", ylabel="Counts")
        try:
            offset = self.offset.deg
            ax_o.hist(offset, bins=40, histtype="step")
            lon, lat = self.fov_lon.deg, self.fov_lat.deg
            ax_s.hist2d(lon, lat, bins=60, cmap="viridis")
            ax_s.set(xlabel="FoV lon [deg]", ylabel="FoV lat [deg]", aspect="equal")
            ax_s.invert_xaxis()
        except DataFormatError:  # no pointing: sky image in RA/Dec
            ra = self.table["RA"].quantity.to_value("deg")
            dec = self.table["DEC"].quantity.to_value("deg")
            ax_s.hist2d(ra, dec, bins=60, cmap="viridis")
            ax_s.set(xlabel="RA [deg]", ylabel="Dec [deg]")
            ax_s.invert_xaxis()
        ax_o.set(xlabel="Offset [deg]", ylabel="Counts")
        ax_s.set_title("Counts")
        fig.tight_layout()
        return fig


def _time_keys(meta):
    return tuple(meta.get(k) for k in ("MJDREFI", "MJDREFF", "TIMESYS", "TIMEUNIT", "TIMEZERO"))
