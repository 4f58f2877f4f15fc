"""Base class of the stereo-reconstructor plugin kind, and what it consumes and returns."""

from __future__ import annotations

import abc
from typing import ClassVar

import attrs
import numpy as np

from ..component import Component, parameter

__all__ = ["DL2_COLUMNS", "Reconstructor", "StereoParameters"]

DL2_COLUMNS = {
    "alt": "deg",
    "az": "deg",
    "alt_uncert": "deg",
    "az_uncert": "deg",
    "core_x": "m",
    "core_y": "m",
    "core_uncert_x": "m",
    "core_uncert_y": "m",
    "h_max": "m",
    "h_max_uncert": "m",
    "average_intensity": None,
    "multiplicity": None,
    "is_valid": None,
}
"""Columns every reconstructor returns, one row per array event, with their units.

``alt, az`` is the reconstructed arrival direction (horizontal coordinates),
``core_x, core_y`` the impact point in the ground frame of the subarray, ``h_max``
the height of the shower maximum above the subarray's reference altitude;
``*_uncert`` are uncertainties where the method defines them (NaN otherwise).
``average_intensity`` is the mean Hillas intensity (p.e.) of the telescopes used,
``multiplicity`` their number (int16), ``is_valid`` (bool) whether the event was
reconstructed. Besides these, a reconstructor returns ``telescopes`` (bool,
shape (n_events, n_tels of the subarray), in `SubarrayDescription.tel_ids` order):
the telescopes used; and it may add columns of its own.
"""

REQUIRED_PARAMETERS = (
    "hillas_intensity",
    "hillas_fov_lon",
    "hillas_fov_lat",
    "hillas_psi",
    "hillas_length",
    "hillas_width",
    "hillas_is_valid",
    "morphology_n_pixels",
    "leakage_intensity_width_2",
)
"""Telescope-frame DL1 columns that `StereoParameters` must hold."""


def _int_array(values):
    return np.asarray(values, dtype=np.int64)


def _float_array(values):
    return np.asarray(getattr(values, "value", values), dtype=np.float64)


@attrs.frozen(kw_only=True, eq=False)
class StereoParameters:
    """The DL1 parameters of the telescope events of many array events, as columns.

    One row per telescope event; ``event_index`` says which array event
    (``0 .. n_events - 1``) a row belongs to. Rows of one array event need not
    be adjacent. All arrays are plain numpy, angles in deg (as in DL1 files).

    Attributes
    ----------
    n_events : int
        Number of array events.
    event_index : `numpy.ndarray` of int64, shape (n,)
    tel_id : `numpy.ndarray` of int64, shape (n,)
    pointing_alt, pointing_az : `numpy.ndarray` of float64, shape (n,)
        Telescope pointing (deg).
    array_pointing_alt, array_pointing_az : `numpy.ndarray` of float64, shape (n_events,)
        Array pointing (deg).
    columns : dict of str to `numpy.ndarray`, each of shape (n,)
        Image parameters in the telescope frame with ctapipe's column names
        (``hillas_fov_lon`` deg, ``hillas_psi`` deg, ``hillas_intensity`` p.e.,
        ``leakage_intensity_width_2``, ``morphology_n_pixels``, ...); at least
        `REQUIRED_PARAMETERS`. Quantities are converted to their value in deg.

    Raises
    ------
    ValueError
        When a required column is missing or the lengths differ.
    """

    n_events: int = attrs.field(converter=int)
    event_index: np.ndarray = attrs.field(converter=_int_array)
    tel_id: np.ndarray = attrs.field(converter=_int_array)
    pointing_alt: np.ndarray = attrs.field(converter=_float_array)
    pointing_az: np.ndarray = attrs.field(converter=_float_array)
    array_pointing_alt: np.ndarray = attrs.field(converter=_float_array)
    array_pointing_az: np.ndarray = attrs.field(converter=_float_array)
    columns: dict = attrs.field(converter=dict)

    def __attrs_post_init__(self):
        missing = [name for name in REQUIRED_PARAMETERS if name not in self.columns]
        if missing:
            raise ValueError(
                f"StereoParameters lacks the telescope-frame columns {missing}; stereo "
                "reconstruction needs image parameters in the telescope frame"
            )
        for name, values in self.columns.items():
            if hasattr(values, "unit"):
                unit = values.unit
                self.columns[name] = (
                    values.to_value("deg") if unit.physical_type == "angle" else values.value
                )
        n = len(self.tel_id)
        lengths = {
            "event_index": len(self.event_index),
            "pointing_alt": len(self.pointing_alt),
            "pointing_az": len(self.pointing_az),
            **{name: len(values) for name, values in self.columns.items()},
        }
        wrong = {name: length for name, length in lengths.items() if length != n}
        if wrong:
            raise ValueError(f"StereoParameters: {n} telescope events, but lengths {wrong}")
        for name in ("array_pointing_alt", "array_pointing_az"):
            if len(getattr(self, name)) != self.n_events:
                raise ValueError(
                    f"StereoParameters: {name} has {len(getattr(self, name))} entries, "
                    f"expected n_events = {self.n_events}"
                )
        if n and (self.event_index.min() < 0 or self.event_index.max() >= self.n_events):
            raise ValueError(f"StereoParameters: event_index must lie in 0 .. {self.n_events - 1}")

    @property
    def n_telescope_events(self) -> int:
        return len(self.tel_id)


@attrs.frozen(kw_only=True)
class Reconstructor(Component, abc.ABC):
    """Reconstructs shower direction, core and height from several telescope images.

    Contract (batch-first):

    * Called as ``reconstructor(subarray, parameters)`` with the
      `~cherenkit.instrument.SubarrayDescription` and a `StereoParameters` holding
      the telescope-frame DL1 parameters of many array events.
    * Uses only the telescope events that pass `quality_mask` (the selection
      parameters below, common to every reconstructor) and reconstructs the
      events with at least ``min_multiplicity`` of them.
    * Returns a dict of plain arrays, one row per array event, with every column
      of `DL2_COLUMNS` in the units given there, plus ``telescopes``, plus any
      columns of its own (their units in ``column_units``). Events that cannot be
      reconstructed have ``is_valid`` False and NaN values; none is dropped.
    """

    kind: ClassVar[str] = "reconstructor"
    column_units: ClassVar[dict] = {}
    """Units of the columns a reconstructor adds to `DL2_COLUMNS` (None: no unit)."""

    min_intensity: float = parameter(
        50.0, ge=0, help="Telescope images need intensity > this (p.e.)."
    )
    min_pixels: int = parameter(4, ge=0, help="Telescope images need at least this many pixels.")
    max_leakage_intensity_width_2: float = parameter(
        1.0, ge=0, le=1, help="Largest fraction of the intensity in the two outer pixel rings."
    )
    min_multiplicity: int = parameter(
        2, ge=2, help="Telescopes that must pass the selection for an event to be reconstructed."
    )

    @abc.abstractmethod
    def __call__(self, subarray, parameters: StereoParameters) -> dict:
        """Return the reconstructed showers: `DL2_COLUMNS` and ``telescopes``."""

    def quality_mask(self, parameters: StereoParameters) -> np.ndarray:
        """Telescope events usable for reconstruction (bool, one per row).

        Valid Hillas parameters, intensity > ``min_intensity``, width > 0, at
        least ``min_pixels`` pixels and leakage ≤ ``max_leakage_intensity_width_2``
        (ctapipe's default selection is intensity > 50, width > 0, > 3 pixels).
        """
        c = parameters.columns
        with np.errstate(invalid="ignore"):
            return (
                np.asarray(c["hillas_is_valid"], dtype=bool)
                & (c["hillas_intensity"] > self.min_intensity)
                & (c["hillas_width"] > 0)
                & (c["morphology_n_pixels"] >= self.min_pixels)
                & (c["leakage_intensity_width_2"] <= self.max_leakage_intensity_width_2)
            )

    def event_selection(self, subarray, parameters: StereoParameters):
        """Which telescope events are used and which array events can be reconstructed.

        Returns
        -------
        used : `numpy.ndarray` of bool, shape (n,)
            Telescope events that pass `quality_mask` in an event with at least
            ``min_multiplicity`` such telescopes.
        valid : `numpy.ndarray` of bool, shape (n_events,)
            Array events with at least ``min_multiplicity`` usable telescopes.
        telescopes : `numpy.ndarray` of bool, shape (n_events, n_tels)
            ``used`` as a table over the subarray's telescopes.
        """
        passing = self.quality_mask(parameters)
        counts = np.bincount(parameters.event_index[passing], minlength=parameters.n_events)
        valid = counts >= self.min_multiplicity
        used = passing & valid[parameters.event_index]
        telescopes = np.zeros((parameters.n_events, subarray.n_tels), dtype=bool)
        telescopes[
            parameters.event_index[used], subarray.tel_ids_to_indices(parameters.tel_id[used])
        ] = True
        return used, valid, telescopes


def empty_result(n_events: int, n_tels: int) -> dict:
    """`DL2_COLUMNS` filled with "not reconstructed" (NaN, 0, False) for ``n_events``."""
    result = {}
    for name in DL2_COLUMNS:
        if name == "multiplicity":
            result[name] = np.zeros(n_events, dtype=np.int16)
        elif name == "is_valid":
            result[name] = np.zeros(n_events, dtype=bool)
        else:
            result[name] = np.full(n_events, np.nan)
    result["telescopes"] = np.zeros((n_events, n_tels), dtype=bool)
    return result
