"""Result containers of the image parameters (immutable attrs classes).

Field names, meanings and defaults follow ctapipe's containers of the same names,
so code written against ctapipe reads them unchanged. Dimensioned values are
`~astropy.units.Quantity` scalars: lengths in m (camera frame) or deg (telescope
frame), angles in deg. A default-constructed container holds NaN (-1 for counts),
the value of "not computed".

Each container has ``default_prefix``, the prefix ctapipe uses for its columns in
tables (``hillas_intensity``, ``leakage_pixels_width_1``, ...), and ``as_dict()``
returning ``{name: value}``.
"""

from __future__ import annotations

import math
from typing import ClassVar

import astropy.units as u
import attrs

__all__ = [
    "CameraHillasParametersContainer",
    "CameraTimingParametersContainer",
    "ConcentrationContainer",
    "HillasParametersContainer",
    "ImageParametersContainer",
    "ImageStatisticsContainer",
    "IntensityStatisticsContainer",
    "LeakageContainer",
    "MorphologyContainer",
    "PeakTimeStatisticsContainer",
    "TimingParametersContainer",
]

NAN = math.nan


# defaults: a fresh NaN Quantity per container
def _nan_m():
    return u.Quantity(NAN, u.m)


def _nan_deg():
    return u.Quantity(NAN, u.deg)


def _nan_per_m():
    return u.Quantity(NAN, u.m**-1)


def _nan_per_deg():
    return u.Quantity(NAN, u.deg**-1)


class _AsDict:
    __slots__ = ()

    def as_dict(self, *, add_prefix: bool = False) -> dict:
        """The fields as ``{name: value}``; with ``add_prefix``, names are ``prefix_name``."""
        values = attrs.asdict(self, recurse=False)
        if add_prefix:
            return {f"{self.default_prefix}_{k}": v for k, v in values.items()}
        return values


@attrs.frozen(kw_only=True, eq=False)
class _HillasBase(_AsDict):
    intensity: float = NAN
    """Sum of the pixel values (photo-electrons)."""
    skewness: float = NAN
    """Third standardised moment along the major axis."""
    kurtosis: float = NAN
    """Fourth standardised moment along the major axis (3 for a Gaussian)."""


@attrs.frozen(kw_only=True, eq=False)
class CameraHillasParametersContainer(_HillasBase):
    """Hillas parameters in the camera frame: positions and sizes in m.

    ``x, y`` is the intensity-weighted centroid; ``psi`` is measured from the x
    axis towards y.
    """

    default_prefix: ClassVar[str] = "camera_frame_hillas"
    x: u.Quantity = attrs.field(factory=_nan_m)
    y: u.Quantity = attrs.field(factory=_nan_m)
    r: u.Quantity = attrs.field(factory=_nan_m)
    """Distance of the centroid from the camera centre."""
    phi: u.Quantity = attrs.field(factory=_nan_deg)
    """Polar angle of the centroid."""
    length: u.Quantity = attrs.field(factory=_nan_m)
    """Standard deviation along the major axis."""
    length_uncertainty: u.Quantity = attrs.field(factory=_nan_m)
    width: u.Quantity = attrs.field(factory=_nan_m)
    """Standard deviation along the minor axis."""
    width_uncertainty: u.Quantity = attrs.field(factory=_nan_m)
    psi: u.Quantity = attrs.field(factory=_nan_deg)
    """Angle of the major axis to the x axis, in (-90, 90] deg."""
    psi_uncertainty: u.Quantity = attrs.field(factory=_nan_deg)
    transverse_cog_uncertainty: u.Quantity = attrs.field(factory=_nan_m)
    """Uncertainty of the centroid across the major axis."""
    is_valid: bool = False
    """True when the image has an axis: intensity > 0, length > 0, finite width and psi."""


@attrs.frozen(kw_only=True, eq=False)
class HillasParametersContainer(_HillasBase):
    """Hillas parameters in the telescope frame: positions and sizes in deg.

    ``fov_lon, fov_lat`` is the intensity-weighted centroid; ``psi`` is measured
    from the ``fov_lon`` axis towards ``fov_lat`` (as in ctapipe).
    """

    default_prefix: ClassVar[str] = "hillas"
    fov_lon: u.Quantity = attrs.field(factory=_nan_deg)
    fov_lat: u.Quantity = attrs.field(factory=_nan_deg)
    r: u.Quantity = attrs.field(factory=_nan_deg)
    """Angular distance of the centroid from the optical axis."""
    phi: u.Quantity = attrs.field(factory=_nan_deg)
    """Polar angle of the centroid."""
    length: u.Quantity = attrs.field(factory=_nan_deg)
    """Standard deviation along the major axis."""
    length_uncertainty: u.Quantity = attrs.field(factory=_nan_deg)
    width: u.Quantity = attrs.field(factory=_nan_deg)
    """Standard deviation along the minor axis."""
    width_uncertainty: u.Quantity = attrs.field(factory=_nan_deg)
    psi: u.Quantity = attrs.field(factory=_nan_deg)
    """Angle of the major axis to the fov_lon axis, in (-90, 90] deg."""
    psi_uncertainty: u.Quantity = attrs.field(factory=_nan_deg)
    transverse_cog_uncertainty: u.Quantity = attrs.field(factory=_nan_deg)
    """Uncertainty of the centroid across the major axis."""
    is_valid: bool = False
    """True when the image has an axis: intensity > 0, length > 0, finite width and psi."""


@attrs.frozen(kw_only=True, eq=False)
class CameraTimingParametersContainer(_AsDict):
    """Peak time along the shower axis in the camera frame: ``t = slope * l + intercept``."""

    default_prefix: ClassVar[str] = "camera_frame_timing"
    slope: u.Quantity = attrs.field(factory=_nan_per_m)
    """Time gradient: peak-time units (ns) per m, unit ``1 / m`` as in ctapipe."""
    intercept: float = NAN
    """Peak time at the centroid (peak-time units, ns)."""
    deviation: float = NAN
    """Root-mean-square deviation of the peak times from the line (ns)."""
    is_valid: bool = False
    """True when a line was fitted."""


@attrs.frozen(kw_only=True, eq=False)
class TimingParametersContainer(_AsDict):
    """Peak time along the shower axis in the telescope frame: ``t = slope * l + intercept``."""

    default_prefix: ClassVar[str] = "timing"
    slope: u.Quantity = attrs.field(factory=_nan_per_deg)
    """Time gradient: peak-time units (ns) per deg, unit ``1 / deg`` as in ctapipe."""
    intercept: float = NAN
    deviation: float = NAN
    is_valid: bool = False


@attrs.frozen(kw_only=True, eq=False)
class LeakageContainer(_AsDict):
    """Fractions of the selected pixels and of their intensity in the camera's outer rings."""

    default_prefix: ClassVar[str] = "leakage"
    pixels_width_1: float = NAN
    """Fraction of the selected pixels in the outermost pixel ring."""
    pixels_width_2: float = NAN
    """Fraction of the selected pixels in the two outermost rings."""
    intensity_width_1: float = NAN
    """Fraction of the selected intensity in the outermost ring."""
    intensity_width_2: float = NAN
    """Fraction of the selected intensity in the two outermost rings."""


@attrs.frozen(kw_only=True, eq=False)
class ConcentrationContainer(_AsDict):
    """Fractions of the intensity in parts of the image."""

    default_prefix: ClassVar[str] = "concentration"
    cog: float = NAN
    """In pixels closer to the centroid than one pixel width."""
    core: float = NAN
    """In pixels inside the Hillas ellipse."""
    pixel: float = NAN
    """In the brightest pixel."""


@attrs.frozen(kw_only=True, eq=False)
class MorphologyContainer(_AsDict):
    """Number of selected pixels and of connected groups of them ("islands")."""

    default_prefix: ClassVar[str] = "morphology"
    n_pixels: int = -1
    n_islands: int = -1
    n_small_islands: int = -1
    """Islands of 1 or 2 pixels."""
    n_medium_islands: int = -1
    """Islands of 3 to 50 pixels."""
    n_large_islands: int = -1
    """Islands of more than 50 pixels."""


@attrs.frozen(kw_only=True, eq=False)
class ImageStatisticsContainer(_AsDict):
    """Descriptive statistics of a set of pixel values."""

    default_prefix: ClassVar[str] = "statistics"
    max: float = NAN
    min: float = NAN
    mean: float = NAN
    std: float = NAN
    """Population standard deviation (ddof=0)."""
    skewness: float = NAN
    kurtosis: float = NAN
    """Excess kurtosis (Fisher: 0 for a Gaussian)."""


@attrs.frozen(kw_only=True, eq=False)
class IntensityStatisticsContainer(ImageStatisticsContainer):
    """Statistics of the selected pixel intensities."""

    default_prefix: ClassVar[str] = "intensity"


@attrs.frozen(kw_only=True, eq=False)
class PeakTimeStatisticsContainer(ImageStatisticsContainer):
    """Statistics of the selected pixel peak times."""

    default_prefix: ClassVar[str] = "peak_time"


@attrs.frozen(kw_only=True, eq=False)
class ImageParametersContainer:
    """All parameters of one image, as ctapipe's ``ImageParametersContainer``."""

    hillas: HillasParametersContainer | CameraHillasParametersContainer = attrs.field(
        factory=HillasParametersContainer
    )
    timing: TimingParametersContainer | CameraTimingParametersContainer = attrs.field(
        factory=TimingParametersContainer
    )
    leakage: LeakageContainer = attrs.field(factory=LeakageContainer)
    concentration: ConcentrationContainer = attrs.field(factory=ConcentrationContainer)
    morphology: MorphologyContainer = attrs.field(factory=MorphologyContainer)
    intensity_statistics: IntensityStatisticsContainer = attrs.field(
        factory=IntensityStatisticsContainer
    )
    peak_time_statistics: PeakTimeStatisticsContainer = attrs.field(
        factory=PeakTimeStatisticsContainer
    )

    def as_dict(self) -> dict:
        """All fields flattened to ``{prefix_name: value}`` (the ctapipe column names)."""
        out = {}
        for part in attrs.astuple(self, recurse=False):
            out.update(part.as_dict(add_prefix=True))
        return out
