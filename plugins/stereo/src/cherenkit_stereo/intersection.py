"""``hillas-intersection``: pairwise crossings of image axes (Hofmann et al. 1999, algorithm 1)."""

from __future__ import annotations

from typing import ClassVar

import attrs
import numpy as np

from cherenkit.component import parameter
from cherenkit.reco.reconstructor import Reconstructor, StereoParameters

from ._inputs import TILTED_COLUMNS, build_result, group_events, reference_height_m

__all__ = ["HillasIntersection"]

WEIGHTINGS = ("konrad", "angle")
"""Pair weights of `HillasIntersection`: ``|sin(psi_1 - psi_2)| * I_1 I_2 / (I_1 + I_2)``
(ctapipe's "Konrad" weighting) or ``|sin(psi_1 - psi_2)|`` alone."""


@attrs.frozen(kw_only=True)
class HillasIntersection(Reconstructor):
    """Pairwise intersection of image axes in the nominal frame (Hofmann et al. 1999).

    Algorithm 1 of Hofmann et al. (1999): every pair of image axes crosses at a
    candidate source position, and the estimate is the weighted mean of the
    crossings. Per array event:

    * direction: the image centroids are moved to the nominal frame of the array
      pointing (through each telescope's pointing); the axes, at their
      telescope-frame angle ``psi``, are crossed pairwise there. The weighted
      mean crossing is turned back to ``alt, az``. ``alt_uncert`` and
      ``az_uncert`` are both ``sqrt(var_lon + var_lat)``, the weighted spread of
      the crossings (0 for two telescopes). Events whose mean crossing lies more
      than 45 deg from the array pointing are not valid.
    * core: the same crossing of the axes drawn through the telescope positions
      in the tilted ground frame of the array pointing (``core_tilted_x``,
      ``core_tilted_y`` with the weighted spreads ``core_tilted_uncert_x``,
      ``core_tilted_uncert_y``), projected along the pointing onto the ground
      (``core_x, core_y``; ``core_uncert_x/y`` are not defined: NaN).
    * ``h_max``: per telescope the distance to the shower maximum, impact
      distance / angular distance between centroid and source (the maximum
      taken at the centroid), intensity-weighted and times the cosine of the
      zenith angle of the array pointing: the height above the subarray's
      reference altitude. NaN above 100 km a.s.l.; ctapipe reports it plus the
      reference altitude. No uncertainty (NaN).

    Pair weight: ``|sin(psi_1 - psi_2)|`` times ``I_1 I_2 / (I_1 + I_2)``
    (``weighting="konrad"``, ctapipe's default) or times 1 (``"angle"``).
    Pairs of parallel axes (|sin| < 1e-10) are left out; an event without a
    crossing pair is not valid. This is ctapipe 0.28's ``HillasIntersection``
    computed for all events at once; results agree with it to ~1e-10 relative.

    Called as ``reconstructor(subarray, parameters)``; returns the columns of
    `~cherenkit.reco.DL2_COLUMNS`, ``telescopes`` and the four ``core_tilted_*``
    columns (m).

    Parameters
    ----------
    weighting : {"konrad", "angle"}
        Pair weight, see above. Default is ``"konrad"``.
    min_intensity, min_pixels, max_leakage_intensity_width_2, min_multiplicity
        Telescope and event selection, see `~cherenkit.reco.Reconstructor`.

    References
    ----------
    .. [1] Hofmann, W., Jung, I., Konopelko, A., Krawczynski, H., Lampeitl, H. &
       Pühlhofer, G. 1999, "Comparison of techniques to reconstruct VHE gamma-ray
       showers from multiple stereoscopic Cherenkov images", Astropart. Phys. 12,
       135, :doi:`10.1016/S0927-6505(99)00084-5`: "algorithm 1", the weighted
       average of the pairwise intersection points of the image axes.
    .. [2] ctapipe 0.28, ``ctapipe.reco.HillasIntersection``, the implementation
       whose results this one reproduces

    Examples
    --------
    >>> HillasIntersection().weighting
    'konrad'
    """

    name: ClassVar[str] = "hillas-intersection"
    column_units: ClassVar[dict] = TILTED_COLUMNS

    weighting: str = parameter(
        "konrad",
        choices=WEIGHTINGS,
        help="Pair weight: |sin dpsi| * I1*I2/(I1+I2) ('konrad', ctapipe) or |sin dpsi| ('angle').",
    )

    def __call__(self, subarray, parameters: StereoParameters) -> dict:
        """Reconstruct every array event of ``parameters``.

        Parameters
        ----------
        subarray : `~cherenkit.instrument.SubarrayDescription`
        parameters : `~cherenkit.reco.StereoParameters`

        Returns
        -------
        dict of str to `numpy.ndarray`
            One row per array event, see the class docstring.
        """
        from ._kernels import hillas_intersection

        g = group_events(self, subarray, parameters)
        names = (
            "alt",
            "az",
            "dir_uncert",
            "core_x",
            "core_y",
            "core_tilted_x",
            "core_tilted_y",
            "core_tilted_uncert_x",
            "core_tilted_uncert_y",
            "h_max",
        )
        out = {name: g.output() for name in names}
        ok = hillas_intersection(
            g.events,
            g.starts,
            g.array_alt,
            g.array_az,
            g.lon,
            g.lat,
            g.psi,
            g.intensity,
            g.tel_alt,
            g.tel_az,
            g.pos_x,
            g.pos_y,
            g.pos_z,
            self.weighting == "angle",
            reference_height_m(subarray),
            *(out[name] for name in names),
            np.zeros(g.n_events, dtype=bool),
        )
        uncert = np.rad2deg(out.pop("dir_uncert"))
        values = {
            "alt": np.rad2deg(out.pop("alt")),
            "az": np.rad2deg(out.pop("az")),
            "alt_uncert": uncert,
            "az_uncert": uncert,
            **out,
        }
        return build_result(g, ok, values)
