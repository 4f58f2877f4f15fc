"""The GADF observation index table and observation selections.

References
----------
.. [GADF] "Data formats for gamma-ray astronomy", "Observation index table":
   https://gamma-astro-data-formats.readthedocs.io/en/latest/data_storage/obs_index/index.html
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.table import Table

from cherenkit.errors import DataFormatError, ParameterError, closest

from ._utils import angular_separation_rad
from .gti import met_to_time, time_reference

__all__ = ["ObservationTable"]

_SELECTION_TYPES = ("sky_circle", "time_box", "par_box")


class ObservationTable(Table):
    """Observation index table (GADF): one row per observation.

    An `~astropy.table.Table` with units; ``meta`` holds the header keywords
    (``MJDREFI``/``MJDREFF``/``TIMESYS`` for times, and where present
    ``GEOLON``/``GEOLAT``/``ALTITUDE``). Only ``OBS_ID`` is needed to read
    it; the selections use the columns they name.
    """

    @classmethod
    def read(cls, filename, *, hdu=None):
        """Read the observation index from a FITS file.

        Raises
        ------
        cherenkit.errors.DataFormatError
            Missing file, HDU or ``OBS_ID`` column.
        """
        from ._fits import read_fits

        return cls.from_fits(read_fits(Path(filename)), hdu=hdu)

    @classmethod
    def from_fits(cls, fits_file, *, hdu=None):
        """Read from an already opened `cherenkit.data._fits.FitsFile`."""
        from .hdu_index import find_index_hdu, table_from_hdu

        found = find_index_hdu(fits_file, "OBS", name=hdu or "OBS_INDEX", explicit=hdu is not None)
        table = table_from_hdu(found, cls, where=f"{fits_file.filename}[{found.name}]")
        if "OBS_ID" not in table.colnames:
            raise DataFormatError(
                fits_file.filename,
                f"observation index lacks column 'OBS_ID'; it has {table.colnames}",
            )
        table.meta["INDEX_FILE"] = str(fits_file.filename)
        return table

    # --- derived columns ----------------------------------------------------------------

    def _column_quantity(self, name, unit):
        if name not in self.colnames:
            raise DataFormatError(
                self.meta.get("INDEX_FILE", "<obs table>"),
                f"observation index lacks column {name!r}; it has {self.colnames}",
            )
        column = self[name]
        if column.unit is None:
            raise DataFormatError(
                self.meta.get("INDEX_FILE", "<obs table>"),
                f"observation index column {name!r} has no unit; expected {unit}",
            )
        return column.quantity.to(unit)

    @property
    def pointing_radec(self):
        """Pointing positions (``RA_PNT``, ``DEC_PNT``), ICRS `~astropy.coordinates.SkyCoord`."""
        from astropy.coordinates import SkyCoord

        ra = self._column_quantity("RA_PNT", "deg")
        dec = self._column_quantity("DEC_PNT", "deg")
        return SkyCoord(ra, dec, frame="icrs")

    @property
    def pointing_galactic(self):
        """Pointing positions in Galactic coordinates."""
        return self.pointing_radec.galactic

    def _time_reference(self):
        return time_reference(self.meta, where=self.meta.get("INDEX_FILE", "<obs table>"))

    @property
    def time_ref(self):
        """Reference epoch of ``TSTART``/``TSTOP`` (`~astropy.time.Time`)."""
        return self._time_reference()[0]

    @property
    def time_start(self):
        """Observation starts (`~astropy.time.Time`)."""
        reference, per_unit, timezero = self._time_reference()
        met = self._column_quantity("TSTART", "s").value / per_unit
        return met_to_time(met, reference, per_unit, timezero)

    @property
    def time_stop(self):
        """Observation stops (`~astropy.time.Time`)."""
        reference, per_unit, timezero = self._time_reference()
        met = self._column_quantity("TSTOP", "s").value / per_unit
        return met_to_time(met, reference, per_unit, timezero)

    def summary(self) -> str:
        """A few lines describing the table."""
        name = self.meta.get("OBSERVATORY_NAME", self.meta.get("TELESCOP", "N/A"))
        return (
            f"Observation table:\nObservatory name: {name!r}\nNumber of observations: {len(self)}\n"
        )

    # --- selections ---------------------------------------------------------------------

    def select_obs_id(self, obs_id):
        """Rows of the given observation id(s), in the order asked.

        Raises
        ------
        cherenkit.errors.DataFormatError
            An id is not in the table (the message lists the nearest ids).
        """
        from ._utils import nearest_ids

        ids = np.atleast_1d(np.asarray(obs_id, dtype=np.int64))
        table_ids = np.asarray(self["OBS_ID"], dtype=np.int64)
        row_of = {int(v): i for i, v in enumerate(table_ids)}
        rows = []
        for value in ids:
            if int(value) not in row_of:
                near = ", ".join(str(i) for i in nearest_ids(value, table_ids))
                raise DataFormatError(
                    self.meta.get("INDEX_FILE", "<obs table>"),
                    f"obs_id {int(value)} is not in the observation index; nearest: {near}",
                )
            rows.append(row_of[int(value)])
        return self[np.array(rows, dtype=np.int64)]

    def select_range(self, selection_variable, value_range, inverted=False):
        """Rows with ``value_range[0] <= column < value_range[1]``.

        When both bounds are equal the rows with exactly that value are kept.
        Units are converted when the column has one.

        Parameters
        ----------
        selection_variable : str
            Column name.
        value_range : `~astropy.units.Quantity` or sequence, shape (2,)
        inverted : bool
            Keep the rows outside the range. Default is False.
        """
        import astropy.units as u

        if selection_variable not in self.colnames:
            hint = closest(selection_variable, self.colnames)
            raise ParameterError(
                "ObservationTable.select_observations",
                "variable",
                f"no column {selection_variable!r}"
                + (f"; did you mean {hint!r}?" if hint else f"; columns: {self.colnames}"),
            )
        column = self[selection_variable]
        if column.unit is not None:
            values = column.quantity
            bounds = u.Quantity(value_range)
            if bounds.unit == u.dimensionless_unscaled and column.unit != u.dimensionless_unscaled:
                bounds = bounds.value * column.unit
        else:
            values = np.asarray(column)
            bounds = u.Quantity(value_range)
            if bounds.unit != u.dimensionless_unscaled:
                raise ParameterError(
                    "ObservationTable.select_observations",
                    "value_range",
                    f"column {selection_variable!r} has no unit, got a range in {bounds.unit}",
                )
            bounds = bounds.value
        if bounds[0] == bounds[1]:
            mask = values == bounds[0]
        else:
            mask = (values >= bounds[0]) & (values < bounds[1])
        return self[~mask if inverted else mask]

    def select_time_range(self, time_range, partial_overlap=False, inverted=False):
        """Observations inside ``time_range`` (or, with ``partial_overlap``, touching it).

        Parameters
        ----------
        time_range : `~astropy.time.Time`, shape (2,)
        partial_overlap : bool
            Keep observations that overlap the range only partly. Default is False.
        inverted : bool
            Keep the others. Default is False.
        """
        start, stop = self.time_start, self.time_stop
        if partial_overlap:
            mask = (time_range[0] <= stop) & (time_range[1] >= start)
        else:
            mask = (time_range[0] <= start) & (time_range[1] >= stop)
        mask = np.asarray(mask, dtype=bool)
        return self[~mask if inverted else mask]

    def select_sky_circle(self, center, radius, inverted=False):
        """Observations whose pointing lies closer than ``radius`` to ``center``.

        Parameters
        ----------
        center : `~astropy.coordinates.SkyCoord`
        radius : `~astropy.units.Quantity`, angle
        inverted : bool
            Keep the others. Default is False.
        """
        pointing = self.pointing_radec
        center = center.icrs
        separation = angular_separation_rad(
            center.ra.rad, center.dec.rad, pointing.ra.rad, pointing.dec.rad
        )
        mask = separation < radius.to_value("rad")
        return self[~mask if inverted else mask]

    def select_observations(self, selections=None):
        """Apply one or several gammapy-style selection dictionaries in turn.

        Each dict has a ``"type"``:

        - ``"sky_circle"``: ``frame``, ``lon``, ``lat``, ``radius`` and
          optional ``border`` (added to the radius); pointings within it;
        - ``"time_box"``: ``time_range`` (`~astropy.time.Time` pair) and
          optional ``partial_overlap``;
        - ``"par_box"``: ``variable`` (any column) and ``value_range``
          ``[min, max)`` (equal bounds select exact values).

        Each accepts ``inverted=True``.

        Parameters
        ----------
        selections : dict or list of dict

        Raises
        ------
        cherenkit.errors.ParameterError
            Unknown type, missing key or column.
        """
        if selections is None:
            return self
        if isinstance(selections, dict):
            selections = [selections]
        table = self
        for selection in selections:
            table = table._apply_selection(dict(selection))
        return table

    def _apply_selection(self, selection):
        import astropy.units as u
        from astropy.coordinates import SkyCoord

        owner = "ObservationTable.select_observations"
        kind = selection.pop("type", None)
        if kind not in _SELECTION_TYPES:
            raise ParameterError(
                owner,
                "type",
                f"got {kind!r}; expected one of {', '.join(map(repr, _SELECTION_TYPES))}",
            )
        inverted = bool(selection.pop("inverted", False))
        try:
            if kind == "sky_circle":
                radius = u.Quantity(selection.pop("radius"), "deg")
                radius = radius + u.Quantity(selection.pop("border", 0.0), "deg")
                center = SkyCoord(
                    u.Quantity(selection.pop("lon"), "deg"),
                    u.Quantity(selection.pop("lat"), "deg"),
                    frame=selection.pop("frame"),
                )
                result = self.select_sky_circle(center, radius, inverted=inverted)
            elif kind == "time_box":
                result = self.select_time_range(
                    selection.pop("time_range"),
                    partial_overlap=selection.pop("partial_overlap", False),
                    inverted=inverted,
                )
            else:
                result = self.select_range(
                    selection.pop("variable"), selection.pop("value_range"), inverted=inverted
                )
        except KeyError as err:
            raise ParameterError(owner, str(err.args[0]), f"missing for type {kind!r}") from None
        if selection:
            raise ParameterError(owner, sorted(selection)[0], f"unknown key for type {kind!r}")
        return result
