"""One observation (run) of a DL3 data store, and lists of them.

An `Observation` knows where its HDUs are (from the HDU index) and reads each
on first access: every file is opened once, and the events, the GTI and each
IRF are cached. HDUs are found by their type and class: the ``HDUCLAS1``/
``HDUCLAS2``/``HDUCLAS4`` keywords of the file's HDUs are matched against the
index's ``HDU_TYPE``/``HDU_CLASS``; the index's ``HDU_NAME`` only picks between
several HDUs of the same type, or serves files that carry no HDUCLAS keywords.

References
----------
.. [GADF] "Data formats for gamma-ray astronomy", "HDU classes" and "Event list":
   https://gamma-astro-data-formats.readthedocs.io/en/latest/general/hduclass.html,
   https://gamma-astro-data-formats.readthedocs.io/en/latest/events/events.html
"""

from __future__ import annotations

import copy

from cherenkit.errors import DataFormatError

from ._observations import Observations
from ._utils import header_meta

__all__ = ["IRF_TYPES", "Observation", "Observations"]

#: IRF HDU types, in the order `Observation.available_irfs` lists them.
IRF_TYPES = ("aeff", "edisp", "psf", "bkg", "rad_max")
# HDUCLAS2 of a RESPONSE HDU -> HDU type (H.E.S.S. DR1 writes RPSF for the PSF)
_RESPONSE_TYPES = {
    "EFF_AREA": "aeff",
    "EDISP": "edisp",
    "PSF": "psf",
    "RPSF": "psf",
    "BKG": "bkg",
    "RAD_MAX": "rad_max",
}
_CLAS1_TYPES = {"EVENTS": "events", "GTI": "gti", "POINTING": "pointing"}


def hdu_type_of(header):
    """The GADF HDU type an HDU declares through its HDUCLAS keywords, or None."""
    clas1 = str(header.get("HDUCLAS1", "")).strip().upper()
    if clas1 == "RESPONSE":
        return _RESPONSE_TYPES.get(str(header.get("HDUCLAS2", "")).strip().upper())
    return _CLAS1_TYPES.get(clas1)


def hdu_class_of(header):
    """The HDU class (``aeff_2d``, ...) from HDUCLAS4, lower case, or None."""
    clas4 = str(header.get("HDUCLAS4", "")).strip().lower()
    return clas4 or None


def locate_hdu(fits_file, location, *, obs_id):
    """The HDU of ``fits_file`` that an HDU-index row points at.

    Raises
    ------
    cherenkit.errors.DataFormatError
        No HDU, or several equally good ones, match.
    """
    hdus = fits_file.hdus[1:]
    typed = [h for h in hdus if hdu_type_of(h.header) == location.hdu_type]
    if len(typed) > 1:
        by_class = [h for h in typed if hdu_class_of(h.header) in (None, location.hdu_class)]
        typed = by_class or typed
    if len(typed) > 1:
        by_name = [h for h in typed if h.name == location.hdu_name.upper()]
        typed = by_name or typed
    if len(typed) == 1:
        return typed[0]
    if len(typed) > 1:
        names = [h.name for h in typed]
        raise DataFormatError(
            fits_file.filename,
            f"observation {obs_id}: {len(typed)} HDUs declare type {location.hdu_type!r} "
            f"({names}) and HDU_NAME {location.hdu_name!r} picks none of them",
        )
    # no HDU declares this type: files without HDUCLAS keywords are found by HDU_NAME
    named = fits_file.get(location.hdu_name)
    if named is not None and hdu_type_of(named.header) is None:
        return named
    declared = {h.name: hdu_type_of(h.header) for h in hdus}
    raise DataFormatError(
        fits_file.filename,
        f"observation {obs_id}: no {location.hdu_type!r} HDU ({location.hdu_class}, "
        f"HDU_NAME {location.hdu_name!r}) in the file; its HDUs and declared types: {declared}",
    )


class Observation:
    """One observation: events, good time intervals and IRFs, read on demand.

    Build it with `cherenkit.data.DataStore.obs`; the attributes below are
    read from the files the first time they are used and then cached.

    Parameters
    ----------
    obs_id : int
        Observation id.
    locations : dict of str to `cherenkit.data.hdu_index.HDULocation`
        Where each HDU type is (from the HDU index).
    obs_info : dict, optional
        The observation's row of the observation index (values with units
        as `~astropy.units.Quantity`), and its header keywords under ``"_meta"``.
    """

    def __init__(self, obs_id, locations, *, obs_info=None):
        self.obs_id = int(obs_id)
        self._locations = dict(locations)
        self._obs_info = dict(obs_info or {})
        self._files = {}
        self._cache = {}
        self._overrides = {}  # events/gti of a time-selected copy

    def __repr__(self):
        return f"Observation(obs_id={self.obs_id}, hdus={self.available_hdus})"

    def __str__(self):
        lines = [f"Observation {self.obs_id}"]
        try:
            lines.append(f"  tstart, tstop : {self.tstart.isot}, {self.tstop.isot}")
            lines.append(f"  duration      : {self.observation_time_duration:.2f}")
            lines.append(f"  dead-time     : {self.observation_dead_time_fraction:.2%}")
            lines.append(f"  pointing      : {self.pointing.to_string('decimal')} (ICRS deg)")
        except DataFormatError as err:
            lines.append(f"  ({err})")
        lines.append(f"  HDUs          : {', '.join(self.available_hdus)}")
        return "\n".join(lines)

    # --- loading ------------------------------------------------------------------------

    @property
    def available_hdus(self):
        """HDU types in the index for this observation (`list` of str)."""
        order = ("events", "gti", *IRF_TYPES, "pointing")
        return [t for t in order if t in self._locations]

    @property
    def available_irfs(self):
        """IRF types in the index for this observation (`list` of str)."""
        return [t for t in IRF_TYPES if t in self._locations]

    def _hdu(self, hdu_type):
        """The located HDU of a type (opening its file once), or None when not indexed."""
        from ._fits import read_fits

        location = self._locations.get(hdu_type)
        if location is None:
            return None, None
        path = location.path
        fits_file = self._files.get(path)
        if fits_file is None:
            try:
                fits_file = read_fits(path)
            except DataFormatError as err:
                raise DataFormatError(
                    err.file, f"observation {self.obs_id}: {err.problem}"
                ) from err
            self._files[path] = fits_file
        return locate_hdu(fits_file, location, obs_id=self.obs_id), location

    def _release(self, hdu_type):
        """Drop a file from memory once every HDU located in it has been read."""
        location = self._locations[hdu_type]
        pending = [
            t
            for t, loc in self._locations.items()
            if loc.path == location.path and t not in self._cache and t != "pointing"
        ]
        if not pending:
            self._files.pop(location.path, None)

    def _load(self, hdu_type, reader):
        if hdu_type in self._overrides:
            return self._overrides[hdu_type]
        if hdu_type in self._cache:
            return self._cache[hdu_type]
        hdu, location = self._hdu(hdu_type)
        if hdu is None:
            value = None
        else:
            try:
                value = reader(hdu, location)
            except DataFormatError as err:
                if f"observation {self.obs_id}" in err.problem:
                    raise
                raise DataFormatError(
                    err.file, f"observation {self.obs_id}: {err.problem}"
                ) from err
        self._cache[hdu_type] = value
        if hdu is not None:
            self._release(hdu_type)
        return value

    @property
    def events(self):
        """The event list (`cherenkit.data.EventList`), or None when not indexed."""
        from .event_list import EventList

        def read(hdu, location):
            self._cache["_events_header"] = hdu.header
            return EventList.from_hdu(hdu, filename=str(location.path))

        return self._load("events", read)

    @property
    def gti(self):
        """Good time intervals (`cherenkit.data.GTI`), or None when not indexed."""
        from .gti import GTI

        return self._load("gti", lambda hdu, loc: GTI.from_hdu(hdu, filename=str(loc.path)))

    def _irf(self, hdu_type):
        def read(hdu, location):
            from cherenkit.irf import load_irf

            return load_irf(hdu, hdu_class=location.hdu_class, filename=str(location.path))

        return self._load(hdu_type, read)

    @property
    def aeff(self):
        """Effective area (via `cherenkit.irf.load_irf`), or None."""
        return self._irf("aeff")

    @property
    def edisp(self):
        """Energy dispersion, or None."""
        return self._irf("edisp")

    @property
    def psf(self):
        """Point spread function, or None."""
        return self._irf("psf")

    @property
    def bkg(self):
        """Background model, or None."""
        return self._irf("bkg")

    @property
    def bkg_fov_alignment(self):
        """Orientation of the background model's FoV axes, or None without a background.

        ``bkg.fov_alignment`` (``FOVALIGN``, default ``"RADEC"``), except for the
        background models shipped with H.E.S.S. DR1 (in the file of events whose
        header has ``CREATOR = 'SASH FITS::EventListWriter'``, ``HDUVERS = '0.2'``),
        whose RA/Dec-aligned ``DETX`` axis runs towards increasing RA, the opposite
        of the reversed-longitude FoV frame of `cherenkit.data.EventList.fov_lon`:
        ``"REVERSE_LON_RADEC"``, as gammapy treats these files. A model from another
        file (e.g. one built by `cherenkit.irf.BackgroundModelEstimator`) keeps its
        own ``FOVALIGN``.
        """
        bkg = self.bkg
        if bkg is None:
            return None
        events, model = self._locations.get("events"), self._locations.get("bkg")
        if events is None or model is None or events.path != model.path:
            return bkg.fov_alignment
        header = self.header
        creator = str(header.get("CREATOR", "")).strip()
        if creator == "SASH FITS::EventListWriter" and str(header.get("HDUVERS", "")) == "0.2":
            return "REVERSE_LON_RADEC"
        return getattr(bkg, "fov_alignment", "RADEC")

    @property
    def rad_max(self):
        """Directional cut of point-like IRFs, or None.

        The RAD_MAX_2D HDU when indexed; otherwise, for a point-like effective
        area or energy dispersion with a fixed ``RAD_MAX`` header keyword
        (GADF point-like IRFs), a one-bin `cherenkit.irf.RadMax2D` of that value.
        """
        if "rad_max" in self._locations:
            return self._irf("rad_max")
        if "_rad_max_fixed" not in self._cache:
            from cherenkit.irf import RadMax2D

            value = None
            for irf in (self.aeff, self.edisp):
                if irf is not None and irf.is_pointlike and "RAD_MAX" in irf.meta:
                    value = RadMax2D.from_irf(irf)
                    break
            self._cache["_rad_max_fixed"] = value
        return self._cache["_rad_max_fixed"]

    # --- header facts -------------------------------------------------------------------

    @property
    def header(self):
        """Header of the EVENTS HDU (`~astropy.io.fits.Header`)."""
        if "_events_header" not in self._cache:
            if "events" not in self._locations:
                raise DataFormatError(
                    self._where(), f"observation {self.obs_id}: no events HDU in the HDU index"
                )
            hdu, _ = self._hdu("events")
            self._cache["_events_header"] = hdu.header
            if "events" in self._cache:
                self._release("events")
        return self._cache["_events_header"]

    @property
    def meta(self):
        """Observation facts: the obs-index row overlaid with the EVENTS header (`dict`)."""
        if "_meta" not in self._cache:
            meta = {k: v for k, v in self._obs_info.items() if k != "_meta"}
            for key, value in meta.items():
                meta[key] = getattr(value, "value", value)
            if "events" in self._locations:
                meta.update(header_meta(self.header))
            self._cache["_meta"] = meta
        return self._cache["_meta"]

    def _value(self, key, default=None):
        meta = self.meta
        return meta.get(key, default)

    @property
    def pointing(self):
        """Pointing position, ICRS `~astropy.coordinates.SkyCoord` (``RA_PNT``/``DEC_PNT``)."""
        from astropy.coordinates import SkyCoord

        ra, dec = self._value("RA_PNT"), self._value("DEC_PNT")
        if ra is None or dec is None:
            raise DataFormatError(
                self._where(), f"observation {self.obs_id}: no RA_PNT/DEC_PNT pointing keywords"
            )
        return SkyCoord(float(ra), float(dec), unit="deg", frame="icrs")

    @property
    def target_radec(self):
        """Target position (``RA_OBJ``/``DEC_OBJ``), ICRS, or None."""
        from astropy.coordinates import SkyCoord

        ra, dec = self._value("RA_OBJ"), self._value("DEC_OBJ")
        if ra is None or dec is None:
            return None
        return SkyCoord(float(ra), float(dec), unit="deg", frame="icrs")

    @property
    def muoneff(self):
        """Mean muon efficiency (``MUONEFF``), or None."""
        value = self._value("MUONEFF")
        return None if value is None else float(value)

    @property
    def observatory_earth_location(self):
        """Observatory location (``GEOLON``/``GEOLAT``/``ALTITUDE``), or None."""
        from astropy.coordinates import EarthLocation

        sources = [self.meta, self._obs_info.get("_meta", {})]
        for source in sources:
            if all(k in source for k in ("GEOLON", "GEOLAT")):
                return EarthLocation.from_geodetic(
                    lon=float(source["GEOLON"]),
                    lat=float(source["GEOLAT"]),
                    height=float(source.get("ALTITUDE", 0.0)),
                )
        return None

    def get_pointing_altaz(self, time):
        """Pointing in horizontal coordinates at ``time`` (`~astropy.coordinates.SkyCoord`).

        Fixed RA/Dec pointing transformed with astropy (no refraction).

        Raises
        ------
        cherenkit.errors.DataFormatError
            No observatory location in the EVENTS header or the obs index.
        """
        from astropy.coordinates import AltAz

        location = self.observatory_earth_location
        if location is None:
            raise DataFormatError(
                self._where(),
                f"observation {self.obs_id}: no observatory location "
                "(GEOLON/GEOLAT/ALTITUDE) in the EVENTS header or the observation index",
            )
        return self.pointing.transform_to(AltAz(obstime=time, location=location))

    def _where(self):
        location = self._locations.get("events")
        return str(location.path) if location is not None else f"observation {self.obs_id}"

    # --- times --------------------------------------------------------------------------

    def _gti_or_raise(self):
        gti = self.gti
        if gti is None or len(gti) == 0:
            raise DataFormatError(self._where(), f"observation {self.obs_id}: no GTI")
        return gti

    @property
    def tstart(self):
        """Start of the first good time interval (`~astropy.time.Time`)."""
        return self._gti_or_raise().time_start.min()

    @property
    def tstop(self):
        """Stop of the last good time interval (`~astropy.time.Time`)."""
        return self._gti_or_raise().time_stop.max()

    @property
    def tmid(self):
        """Midpoint between `tstart` and `tstop`."""
        start = self.tstart
        return start + 0.5 * (self.tstop - start)

    @property
    def observation_time_duration(self):
        """Summed GTI duration, dead time included (`~astropy.units.Quantity`, s)."""
        return self._gti_or_raise().time_sum

    @property
    def observation_dead_time_fraction(self):
        """Dead-time fraction ``1 - DEADC`` (0 when no DEADC is given)."""
        deadc = self._value("DEADC")
        return 0.0 if deadc is None else 1.0 - float(deadc)

    @property
    def observation_live_time_duration(self):
        """Live time ``DEADC`` × `observation_time_duration` (`~astropy.units.Quantity`, s)."""
        deadc = self._value("DEADC")
        duration = self.observation_time_duration
        return duration if deadc is None else duration * float(deadc)

    # --- selections ---------------------------------------------------------------------

    def select_time(self, time_interval):
        """A copy restricted to ``time_interval``: events and GTI cut, IRFs shared.

        Parameters
        ----------
        time_interval : `~astropy.time.Time`, shape (2,)
            Start (inclusive) and stop (exclusive).
        """
        events, gti = self.events, self.gti
        new = copy.copy(self)  # shares the file and IRF caches
        new._overrides = {
            "events": None if events is None else events.select_time(time_interval),
            "gti": None if gti is None else gti.select_time(time_interval),
        }
        return new
