"""`DataStore`: a set of DL3 observations described by GADF index tables.

References
----------
.. [GADF] "Data formats for gamma-ray astronomy", "Data storage" (HDU index
   and observation index tables):
   https://gamma-astro-data-formats.readthedocs.io/en/latest/data_storage/index.html
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cherenkit.errors import DataFormatError, ParameterError

from .observation import IRF_TYPES, Observation, Observations

__all__ = ["REQUIRED_IRFS", "DataStore"]

#: IRF sets named by ``required_irf``.
REQUIRED_IRFS = {
    "full-enclosure": ("aeff", "edisp", "psf", "bkg"),
    "point-like": ("aeff", "edisp"),
    "all-optional": (),
}


class DataStore:
    """IACT DL3 data: an HDU index table and (optionally) an observation index table.

    Parameters
    ----------
    hdu_table : `cherenkit.data.HDUIndexTable`
    obs_table : `cherenkit.data.ObservationTable`, optional

    Examples
    --------
    >>> from cherenkit.data import DataStore
    >>> store = DataStore.from_dir("hess-dl3-dr1")  # doctest: +SKIP
    >>> observations = store.get_observations([23523, 23526])  # doctest: +SKIP
    >>> observations[0].events.energy.max()  # doctest: +SKIP
    """

    DEFAULT_HDU_TABLE = "hdu-index.fits.gz"
    DEFAULT_OBS_TABLE = "obs-index.fits.gz"

    def __init__(self, hdu_table, obs_table=None):
        self.hdu_table = hdu_table
        self.obs_table = obs_table
        self._locations = None
        self._obs_rows = None

    # --- construction -------------------------------------------------------------------

    @classmethod
    def from_dir(cls, base_dir, hdu_table_filename=None, obs_table_filename=None):
        """Open the index tables of a directory.

        Parameters
        ----------
        base_dir : str or `~pathlib.Path`
            Directory holding the index files.
        hdu_table_filename, obs_table_filename : str or `~pathlib.Path`, optional
            Index files, relative to ``base_dir`` or absolute. Defaults are
            ``hdu-index.fits.gz`` and ``obs-index.fits.gz``; a missing default
            observation index is allowed (no ``obs_table``).

        Raises
        ------
        cherenkit.errors.DataFormatError
            The directory or an index file is missing or unreadable.
        """
        from .hdu_index import HDUIndexTable
        from .obs_table import ObservationTable

        base_dir = Path(base_dir)
        if not base_dir.is_dir():
            raise DataFormatError(base_dir, "data store directory not found")
        hdu_path = base_dir / (hdu_table_filename or cls.DEFAULT_HDU_TABLE)
        hdu_table = HDUIndexTable.read(hdu_path)
        obs_path = base_dir / (obs_table_filename or cls.DEFAULT_OBS_TABLE)
        if obs_table_filename is None and not obs_path.exists():
            obs_table = None
        else:
            obs_table = ObservationTable.read(obs_path)
        return cls(hdu_table, _unique_sorted(obs_table))

    @classmethod
    def from_file(cls, filename, hdu_hdu=None, hdu_obs=None):
        """Open a single FITS file holding the HDU index (and the observation index).

        The HDUs are found by ``HDUCLAS1='INDEX'`` with ``HDUCLAS2`` ``'HDU'``
        or ``'OBS'``, else by the names ``HDU_INDEX``/``OBS_INDEX``; a file
        with the HDU index alone gives a store without ``obs_table``. Paths are
        relative to the header's ``BASE_DIR`` or to the file's folder.

        Raises
        ------
        cherenkit.errors.DataFormatError
            The file or its HDU index is missing or unreadable.
        """
        from ._fits import read_fits
        from .hdu_index import HDUIndexTable
        from .obs_table import ObservationTable

        fits_file = read_fits(filename)
        hdu_table = HDUIndexTable.from_fits(fits_file, hdu=hdu_hdu)
        try:
            obs_table = ObservationTable.from_fits(fits_file, hdu=hdu_obs)
        except DataFormatError:
            if hdu_obs is not None:
                raise
            obs_table = None
        return cls(hdu_table, _unique_sorted(obs_table))

    # --- content ------------------------------------------------------------------------

    @property
    def obs_ids(self):
        """Sorted unique observation ids of the HDU index (`numpy.ndarray`)."""
        return self.hdu_table.obs_id_unique

    def _index(self):
        if self._locations is None:
            self._locations = self.hdu_table.locations()
        return self._locations

    def _obs_info(self, obs_id):
        if self.obs_table is None:
            return {}
        if self._obs_rows is None:
            ids = np.asarray(self.obs_table["OBS_ID"], dtype=np.int64)
            self._obs_rows = {int(v): i for i, v in enumerate(ids)}
        row = self._obs_rows.get(int(obs_id))
        if row is None:
            return {"_meta": self.obs_table.meta}
        info = {"_meta": self.obs_table.meta}
        table = self.obs_table
        for name in table.colnames:
            column = table[name]
            value = column[row]
            if column.unit is not None:
                value = value * column.unit
            info[name] = value.item() if hasattr(value, "item") and column.unit is None else value
        return info

    def info(self, show=True):
        """Summary of both index tables; printed, or returned when ``show=False``."""
        text = "Data store:\n" + self.hdu_table.summary() + "\n"
        if self.obs_table is not None:
            text += self.obs_table.summary()
        else:
            text += "No observation index table.\n"
        if show:
            print(text)
            return None
        return text

    def __str__(self):
        return self.info(show=False)

    # --- observations -------------------------------------------------------------------

    def _missing_obs_id(self, obs_id):
        from ._utils import nearest_ids

        near = ", ".join(str(i) for i in nearest_ids(obs_id, self.obs_ids))
        return DataFormatError(
            self.hdu_table.meta.get("INDEX_FILE", "<HDU index>"),
            f"obs_id {obs_id} is not in the HDU index; nearest ids: {near}",
        )

    def obs(self, obs_id, required_irf="all-optional", require_events=True):
        """One observation.

        Parameters
        ----------
        obs_id : int
        required_irf : {"full-enclosure", "point-like", "all-optional"} or list of str
            IRFs that must be in the HDU index. Default is ``"all-optional"``.
        require_events : bool
            Require ``events`` and ``gti`` HDUs. Default is True.

        Raises
        ------
        cherenkit.errors.DataFormatError
            The id is not indexed (the message lists the nearest ids), or a
            required HDU is not.
        """
        required = _required_hdus(required_irf, require_events)
        locations = self._index().get(int(obs_id))
        if locations is None:
            raise self._missing_obs_id(int(obs_id))
        missing = [t for t in required if t not in locations]
        if missing:
            raise DataFormatError(
                self.hdu_table.meta.get("INDEX_FILE", "<HDU index>"),
                f"observation {int(obs_id)} lacks required HDU(s) {missing} in the HDU index "
                f"(it has {sorted(locations)}); use required_irf='all-optional' or a shorter list",
            )
        first = {hdu_type: rows[0] for hdu_type, rows in locations.items()}
        return Observation(int(obs_id), first, obs_info=self._obs_info(obs_id))

    def get_observations(
        self, obs_id=None, skip_missing=False, required_irf="full-enclosure", require_events=True
    ):
        """Observations by id (default: all, sorted by id).

        Parameters
        ----------
        obs_id : int or sequence of int, optional
            Observation ids, kept in the order given. Default is all ids.
        skip_missing : bool
            Skip ids that are not indexed, or that lack a required HDU,
            instead of raising. Default is False.
        required_irf : {"full-enclosure", "point-like", "all-optional"} or list of str
            IRFs each observation must have: full-enclosure = aeff, edisp, psf,
            bkg; point-like = aeff, edisp; or a list of ``aeff``, ``edisp``,
            ``psf``, ``bkg``, ``rad_max``. Default is ``"full-enclosure"``.
        require_events : bool
            Require ``events`` and ``gti``. Default is True.

        Returns
        -------
        observations : `cherenkit.data.Observations`

        Raises
        ------
        cherenkit.errors.DataFormatError
            An id is missing or lacks a required HDU (unless ``skip_missing``).
        cherenkit.errors.ParameterError
            ``required_irf`` names an unknown IRF set or type.
        """
        _required_hdus(required_irf, require_events)  # validate before any work
        if obs_id is None:
            ids = [int(i) for i in self.obs_ids]
        else:
            ids = [int(i) for i in np.atleast_1d(obs_id)]
        observations = []
        for value in ids:
            try:
                observations.append(self.obs(value, required_irf, require_events))
            except DataFormatError:
                if not skip_missing:
                    raise
        return Observations(observations)


def _required_hdus(required_irf, require_events):
    owner = "DataStore.get_observations"
    if isinstance(required_irf, str):
        if required_irf not in REQUIRED_IRFS:
            raise ParameterError(
                owner,
                "required_irf",
                f"got {required_irf!r}; expected one of {', '.join(map(repr, REQUIRED_IRFS))} "
                f"or a list of {', '.join(map(repr, IRF_TYPES))}",
            )
        names = list(REQUIRED_IRFS[required_irf])
    else:
        names = list(required_irf)
        unknown = [n for n in names if n not in (*IRF_TYPES, "events", "gti")]
        if unknown:
            raise ParameterError(
                owner,
                "required_irf",
                f"unknown HDU type(s) {unknown}; valid: {', '.join(map(repr, IRF_TYPES))}",
            )
    if require_events:
        names = ["events", "gti", *[n for n in names if n not in ("events", "gti")]]
    return names


def _unique_sorted(obs_table):
    """The table sorted by OBS_ID with duplicate ids removed (first kept)."""
    if obs_table is None:
        return None
    ids = np.asarray(obs_table["OBS_ID"], dtype=np.int64)
    _, first = np.unique(ids, return_index=True)
    if len(first) == len(ids) and np.all(np.diff(ids) > 0):
        return obs_table
    return obs_table[np.sort(first)[np.argsort(ids[np.sort(first)], kind="stable")]]
