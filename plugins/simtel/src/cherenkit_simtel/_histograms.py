"""The simulated-shower histogram of a sim_telarray file → `ShowerDistribution`.

sim_telarray ends every run with a ``Histograms`` block (EventIO type 100). Its
histogram with id 6, "Events, without weights (Ra3d, log10(E))", counts every
simulated shower (each reuse once), triggered or not: x is the core distance
``Ra3d`` (m, linear bins), y is log10 of the true energy in TeV (linear bins, i.e.
log-spaced in energy). ``Ra3d`` is sim_telarray's own distance of the shower axis
from the array centre; it is not ``hypot(core_x, core_y)`` of the event truth
(metres apart in the test files: for one shower of ``camsettings_v6`` 40.4 m
against 41.8 m), so compare triggered events with it in energy only, or through
sim_telarray's triggered-event histograms. eventio parses it into a
dict with ``n_bins_x``/``lower_x``/``upper_x`` (and ``_y``), ``entries`` and
``data`` of shape ``(n_bins_y, n_bins_x)`` = (energy, core distance): the axis
order of `~cherenkit.events.ShowerDistribution`.

The block sits after the last event. `histograms_block` finds it without parsing
anything else: it walks the top-level EventIO object headers and skips every
payload (for a compressed file this still decompresses the stream, but parses no
event), and stops at the first block, as eventio's ``SimTelFile`` does.
"""

from __future__ import annotations

import numpy as np

from cherenkit.errors import DataFormatError

__all__ = ["SHOWER_HISTOGRAM_ID", "histograms_block", "shower_distributions"]

SHOWER_HISTOGRAM_ID = 6
"""sim_telarray's histogram of all simulated showers: core distance × log10(E / TeV)."""

_HISTOGRAMS_TYPE = 100
"""EventIO object type of the ``Histograms`` block."""


def histograms_block(path) -> list | None:
    """The parsed first ``Histograms`` block of a file, or None when it has none.

    Parameters
    ----------
    path : path-like
        A sim_telarray file (plain, gzip or zstd).

    Returns
    -------
    list of dict or None
        eventio's ``Histograms.parse()`` result.

    Raises
    ------
    cherenkit.errors.DataFormatError
        When the file is corrupt, or cut inside the block.
    """
    from eventio import EventIOFile
    from eventio.histograms import Histograms

    try:
        with EventIOFile(path) as stream:
            for obj in stream:
                if obj.header.type == _HISTOGRAMS_TYPE and isinstance(obj, Histograms):
                    return obj.parse()
    except Exception as err:
        raise DataFormatError(
            path,
            "cannot read the histograms at the end of the file: it is truncated or corrupt "
            f"({type(err).__name__}: {err})",
        ) from err
    return None


def shower_distributions(histograms, obs_id: int, path) -> list:
    """`ShowerDistribution` list (0 or 1 entry) from eventio's parsed histograms.

    Parameters
    ----------
    histograms : list of dict or None
        ``Histograms.parse()`` (or ``SimTelFile.histograms``); None for a file
        without the block.
    obs_id : int
        The run number.
    path : path-like
        The file, for error messages.

    Returns
    -------
    list of `~cherenkit.events.ShowerDistribution`
        Empty when the file has no histogram with id 6.

    Raises
    ------
    cherenkit.errors.DataFormatError
        When histogram 6 is not two-dimensional.
    """
    import astropy.units as u

    from cherenkit.events import ShowerDistribution

    found = [h for h in histograms or () if h.get("id") == SHOWER_HISTOGRAM_ID]
    if not found:
        return []
    hist = found[0]
    n_core, n_energy = int(hist["n_bins_x"]), int(hist["n_bins_y"])
    if n_core < 1 or n_energy < 1:
        raise DataFormatError(
            path,
            f"histogram {SHOWER_HISTOGRAM_ID} ({hist.get('title', '')!r}) should have two "
            f"axes (core distance, log10 energy), got {n_core} x {n_energy} bins",
        )
    # edges as sim_telarray defines them: equal steps between lower and upper
    core_edges = np.linspace(hist["lower_x"], hist["upper_x"], n_core + 1)
    log_energy_edges = np.linspace(hist["lower_y"], hist["upper_y"], n_energy + 1)
    return [
        ShowerDistribution(
            obs_id=obs_id,
            n_entries=hist["entries"],
            bins_energy=u.Quantity(10.0**log_energy_edges, u.TeV),
            bins_core_dist=u.Quantity(core_edges, u.m),
            histogram=np.asarray(hist["data"]).reshape(n_energy, n_core),
        )
    ]
