"""Good time intervals (GTI) and the time reference of DL3 files.

GADF times are seconds (``TIMEUNIT``) since a reference epoch given as
``MJDREFI`` + ``MJDREFF`` in the time system ``TIMESYS``, plus an optional
``TIMEZERO`` offset (FITS time standard).

References
----------
.. [GADF] "Data formats for gamma-ray astronomy", "Time" and "GTI":
   https://gamma-astro-data-formats.readthedocs.io/en/latest/general/time.html,
   https://gamma-astro-data-formats.readthedocs.io/en/latest/events/gti.html
.. [FITSTIME] Rots, A. H. et al., "Representations of time coordinates in FITS",
   A&A 574, A36 (2015), https://doi.org/10.1051/0004-6361/201424653
"""

from __future__ import annotations

import numpy as np

from cherenkit.errors import DataFormatError

__all__ = ["GTI", "met_to_time", "reference_keywords", "time_reference", "time_to_met"]

_TIMEUNIT_SECONDS = {"s": 1.0, "d": 86400.0}


def time_reference(header, *, where="<header>"):
    """The reference epoch, time scale and unit of a GADF header.

    Parameters
    ----------
    header : mapping
        FITS header (or obs-index meta) with ``MJDREFI``/``MJDREFF`` (or
        ``MJDREF``), optional ``TIMESYS`` (default ``"TT"``), ``TIMEUNIT``
        (default ``"s"``) and ``TIMEZERO`` (default 0).
    where : str
        File or HDU for error messages.

    Returns
    -------
    reference : `~astropy.time.Time`
        The epoch, format ``"mjd"``, scale from ``TIMESYS``.
    seconds_per_unit : float
        Seconds per ``TIMEUNIT``.
    timezero : float
        ``TIMEZERO`` in ``TIMEUNIT``.

    Raises
    ------
    cherenkit.errors.DataFormatError
        The reference keywords are missing or invalid.
    """
    from astropy.time import Time

    try:
        if "MJDREFI" in header:
            mjd_int, mjd_frac = float(header["MJDREFI"]), float(header.get("MJDREFF", 0.0))
        else:
            mjd_int, mjd_frac = float(header["MJDREF"]), 0.0
    except KeyError:
        raise DataFormatError(
            where, "missing time reference: expected MJDREFI and MJDREFF keywords (GADF 'Time')"
        ) from None
    except (TypeError, ValueError) as err:
        raise DataFormatError(where, f"invalid MJDREFI/MJDREFF: {err}") from err
    scale = str(header.get("TIMESYS", "TT")).strip().lower() or "tt"
    unit = str(header.get("TIMEUNIT", "s")).strip().lower() or "s"
    if unit not in _TIMEUNIT_SECONDS:
        raise DataFormatError(where, f"TIMEUNIT {unit!r} is not supported; expected 's' or 'd'")
    try:
        reference = Time(mjd_int, mjd_frac, format="mjd", scale=scale)
    except ValueError as err:
        raise DataFormatError(
            where, f"TIMESYS {scale.upper()!r} is not a known time scale"
        ) from err
    return reference, _TIMEUNIT_SECONDS[unit], float(header.get("TIMEZERO", 0.0) or 0.0)


def reference_keywords(reference):
    """``MJDREFI``, ``MJDREFF`` and ``TIMESYS`` for a reference epoch (a dict)."""
    jd1, jd2 = float(reference.jd1), float(reference.jd2)
    mjd_int = np.floor((jd1 - 2400000.5) + jd2)
    frac = (jd1 - 2400000.5 - mjd_int) + jd2
    return {"MJDREFI": int(mjd_int), "MJDREFF": float(frac), "TIMESYS": reference.scale.upper()}


def met_to_time(met, reference, seconds_per_unit=1.0, timezero=0.0):
    """`~astropy.time.Time` of mission elapsed times ``met`` (in TIMEUNIT)."""
    from astropy.time import TimeDelta

    seconds = (np.asarray(met, dtype=np.float64) + timezero) * seconds_per_unit
    return reference + TimeDelta(seconds, format="sec", scale=reference.scale)


def time_to_met(time, reference, seconds_per_unit=1.0, timezero=0.0):
    """Mission elapsed times (in TIMEUNIT) of `~astropy.time.Time` ``time``."""
    delta = time - reference
    seconds = np.asarray(delta.jd1) * 86400.0 + np.asarray(delta.jd2) * 86400.0
    return seconds / seconds_per_unit - timezero


class GTI:
    """Good time intervals of an observation.

    Intervals are kept as start/stop mission elapsed times (MET) together with
    the reference epoch of their file, so that MET values are exact and
    absolute times are `~astropy.time.Time` objects in the file's time scale.

    Parameters
    ----------
    met_start, met_stop : `numpy.ndarray`, shape (n,)
        Start and stop of each interval in ``TIMEUNIT`` since the reference.
    reference : `~astropy.time.Time`
        Reference epoch (``MJDREFI + MJDREFF``, scale ``TIMESYS``).
    seconds_per_unit : float
        Seconds per ``TIMEUNIT``. Default is 1.
    timezero : float
        ``TIMEZERO`` in ``TIMEUNIT``. Default is 0.
    meta : dict, optional
        Header keywords of the GTI HDU.
    """

    def __init__(
        self, met_start, met_stop, reference, *, seconds_per_unit=1.0, timezero=0.0, meta=None
    ):
        self._start = np.atleast_1d(np.asarray(met_start, dtype=np.float64))
        self._stop = np.atleast_1d(np.asarray(met_stop, dtype=np.float64))
        if self._start.shape != self._stop.shape or self._start.ndim != 1:
            raise ValueError(
                f"start and stop must be 1-d with equal shapes, got "
                f"{self._start.shape} and {self._stop.shape}"
            )
        self.reference = reference
        self.seconds_per_unit = float(seconds_per_unit)
        self.timezero = float(timezero)
        self.meta = dict(meta or {})

    # --- construction -------------------------------------------------------------------

    @classmethod
    def from_hdu(cls, hdu, *, filename=None):
        """Read a GADF ``GTI`` binary table (columns ``START``, ``STOP``).

        Raises
        ------
        cherenkit.errors.DataFormatError
            A column, its unit or the time reference is missing.
        """
        where = f"{filename or getattr(hdu, 'filename', '<memory>')}[{hdu.name}]"
        header = hdu.header
        columns = hdu.columns
        values = {}
        for name in ("START", "STOP"):
            try:
                column = columns[name]
            except KeyError:
                raise DataFormatError(
                    where, f"GTI table lacks column {name!r}; it has {columns.names}"
                ) from None
            unit = (column.unit or "").strip().lower()
            if unit not in ("", "s", "d") or (unit == "" and "TIMEUNIT" not in header):
                raise DataFormatError(
                    where,
                    f"GTI column {name!r} has unit {column.unit!r}; expected 's' "
                    "(or TIMEUNIT in the header)",
                )
            values[name] = hdu.data.field(column.name).astype(np.float64)
        reference, per_unit, timezero = time_reference(header, where=where)
        meta = {k: header[k] for k in header if k and not k.startswith(("TTYPE", "TFORM", "TUNIT"))}
        return cls(
            values["START"],
            values["STOP"],
            reference,
            seconds_per_unit=per_unit,
            timezero=timezero,
            meta=meta,
        )

    @classmethod
    def create(cls, start, stop, *, reference=None):
        """GTI from `~astropy.time.Time` start/stop times.

        Parameters
        ----------
        start, stop : `~astropy.time.Time`
            Interval bounds.
        reference : `~astropy.time.Time`, optional
            Reference epoch (converted to TT). Default is the first start time.
        """
        from astropy.time import Time

        start, stop = Time(start), Time(stop)
        if reference is None:
            reference = Time(np.atleast_1d(start)[0], format="mjd")
        # seconds are counted in TT (a UTC reference has no uniform seconds: leap seconds)
        reference = Time(reference).tt
        return cls(time_to_met(start, reference), time_to_met(stop, reference), reference)

    # --- access -------------------------------------------------------------------------

    def __len__(self):
        return len(self._start)

    def __repr__(self):
        return (
            f"GTI(n_intervals={len(self)}, time_sum={self.time_sum:.6g}, "
            f"reference={self.reference.isot} {self.reference.scale.upper()})"
        )

    @property
    def met_start(self):
        """Interval starts in seconds since the reference (`~astropy.units.Quantity`)."""
        import astropy.units as u

        return u.Quantity((self._start + self.timezero) * self.seconds_per_unit, u.s)

    @property
    def met_stop(self):
        """Interval stops in seconds since the reference (`~astropy.units.Quantity`)."""
        import astropy.units as u

        return u.Quantity((self._stop + self.timezero) * self.seconds_per_unit, u.s)

    @property
    def time_ref(self):
        """Reference epoch (`~astropy.time.Time`)."""
        return self.reference

    @property
    def time_start(self):
        """Interval starts as `~astropy.time.Time`."""
        return met_to_time(self._start, self.reference, self.seconds_per_unit, self.timezero)

    @property
    def time_stop(self):
        """Interval stops as `~astropy.time.Time`."""
        return met_to_time(self._stop, self.reference, self.seconds_per_unit, self.timezero)

    @property
    def time_delta(self):
        """Duration of each interval (`~astropy.units.Quantity`, s)."""
        import astropy.units as u

        return u.Quantity((self._stop - self._start) * self.seconds_per_unit, u.s)

    @property
    def time_sum(self):
        """Summed duration of the intervals (`~astropy.units.Quantity`, s)."""
        return self.time_delta.sum()

    @property
    def time_intervals(self):
        """List of ``(start, stop)`` `~astropy.time.Time` pairs."""
        return list(zip(self.time_start, self.time_stop, strict=True))

    # --- operations ---------------------------------------------------------------------

    def _met_of(self, time):
        return time_to_met(time, self.reference, self.seconds_per_unit, self.timezero)

    def _same_frame(self, other):
        return (
            self.seconds_per_unit == other.seconds_per_unit
            and self.timezero == other.timezero
            and self.reference.scale == other.reference.scale
            and self.reference.jd1 == other.reference.jd1
            and self.reference.jd2 == other.reference.jd2
        )

    def _mets_of(self, other):
        """Start/stop of ``other`` in this GTI's time frame (exact when the frames agree)."""
        if self._same_frame(other):
            return other._start, other._stop
        return self._met_of(other.time_start), self._met_of(other.time_stop)

    def _with(self, start, stop):
        return GTI(
            start,
            stop,
            self.reference,
            seconds_per_unit=self.seconds_per_unit,
            timezero=self.timezero,
            meta=self.meta,
        )

    def select_time(self, time_interval):
        """Clip the intervals to ``[start, stop)`` and drop those outside.

        Parameters
        ----------
        time_interval : `~astropy.time.Time`, shape (2,)
        """
        lo, hi = self._met_of(time_interval[0]), self._met_of(time_interval[1])
        keep = (self._start < hi) & (self._stop > lo)
        return self._with(np.maximum(self._start[keep], lo), np.minimum(self._stop[keep], hi))

    def union(self, *, merge_touching=True):
        """Merge overlapping (and, by default, touching) intervals; sorted by start."""
        order = np.argsort(self._start, kind="stable")
        starts, stops = [], []
        for lo, hi in zip(self._start[order], self._stop[order], strict=True):
            if starts and (lo < stops[-1] or (merge_touching and lo == stops[-1])):
                stops[-1] = max(stops[-1], hi)
            else:
                starts.append(lo)
                stops.append(hi)
        return self._with(np.array(starts), np.array(stops))

    def intersection(self, other):
        """The times inside both ``self`` and ``other`` (in this GTI's reference)."""
        a = self.union()
        b = other.union()
        b_start, b_stop = a._mets_of(b)
        starts, stops = [], []
        for lo, hi in zip(a._start, a._stop, strict=True):
            s, e = np.maximum(lo, b_start), np.minimum(hi, b_stop)
            keep = s < e
            starts.extend(s[keep])
            stops.extend(e[keep])
        return self._with(np.array(starts, float), np.array(stops, float)).union()

    @classmethod
    def stack(cls, gtis):
        """Concatenate GTIs into the reference of the first (no merging)."""
        first = gtis[0]
        pairs = [first._mets_of(g) for g in gtis]
        return first._with(
            np.concatenate([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])
        )

    def to_table_hdu(self, *, name="GTI"):
        """A GADF ``GTI`` `~astropy.io.fits.BinTableHDU`."""
        from astropy.io import fits

        header = fits.Header()
        header["EXTNAME"] = name
        header["HDUCLASS"] = "GADF"
        header["HDUDOC"] = "https://github.com/open-gamma-ray-astro/gamma-astro-data-formats"
        header["HDUVERS"] = "0.3"
        header["HDUCLAS1"] = "GTI"
        header.update(reference_keywords(self.reference))
        header["TIMEUNIT"] = "s" if self.seconds_per_unit == 1.0 else "d"
        header["TIMEZERO"] = self.timezero
        unit = "s" if self.seconds_per_unit == 1.0 else "d"
        columns = [
            fits.Column("START", "D", unit=unit, array=self._start),
            fits.Column("STOP", "D", unit=unit, array=self._stop),
        ]
        return fits.BinTableHDU.from_columns(columns, header=header)
