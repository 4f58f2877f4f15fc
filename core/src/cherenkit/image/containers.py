"""Result containers of the image parameters (immutable attrs classes).

Field names, meanings and defaults follow ctapipe's containers of the same names,
so code written against ctapipe reads them unchanged. Dimensioned values are
`~astropy.units.Quantity` scalars: lengths in m (camera frame) or deg (telescope
frame), angles in deg. They are stored as floats in those units and become
Quantities when read, so that making a container costs little; the constructors
take Quantities (converted) or plain numbers (taken in the field's unit). A
default-constructed container holds NaN (-1 for counts), the value of "not
computed".

Each container has ``default_prefix``, the prefix ctapipe uses for its columns in
tables (``hillas_intensity``, ``leakage_pixels_width_1``, ...), and ``as_dict()``
returning ``{name: value}``.
"""

from __future__ import annotations

import math
from typing import ClassVar

import astropy.units as u
import attrs

from ._inputs import quantity

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


def _in_unit(unit):
    """Converter of a dimensioned field: a Quantity or a number in ``unit`` → float."""

    def convert(value):
        if type(value) is float:  # what the kernels' results are
            return value
        if isinstance(value, u.Quantity):
            return float(value.to_value(unit))
        return float(value)

    return convert


def _dimensioned(unit):
    """A field stored as a float in ``unit`` and read as a Quantity.

    Give it a private name (``_length``): the constructor argument is ``length``
    (a Quantity, or a number taken in ``unit``), and `_quantities` adds the
    public read-only ``length`` that returns the Quantity. Building the Quantity
    only when it is read keeps a container cheap to make (the per-image API makes
    one per call; most fields are never looked at).
    """
    return attrs.field(default=NAN, converter=_in_unit(unit), metadata={"unit": unit})


def _quantity_property(private, unit):
    def get(self):
        return quantity(getattr(self, private), unit)

    return property(get, doc=f"`~astropy.units.Quantity` in {unit}.")


def _quantities(cls):
    """Class decorator: a public Quantity property for each `_dimensioned` field."""
    for field in attrs.fields(cls):
        unit = field.metadata.get("unit")
        if unit is not None:
            setattr(cls, field.alias, _quantity_property(field.name, unit))
    return cls


_M = u.m
_DEG = u.deg
_PER_M = u.m**-1
_PER_DEG = u.deg**-1


class _AsDict:
    __slots__ = ()

    def as_dict(self, *, add_prefix: bool = False) -> dict:
        """The fields as ``{name: value}``; with ``add_prefix``, names are ``prefix_name``.

        Dimensioned fields are `~astropy.units.Quantity`.
        """
        prefix = f"{self.default_prefix}_" if add_prefix else ""
        return {
            f"{prefix}{field.alias}": getattr(self, field.alias)
            for field in attrs.fields(type(self))
        }

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value}" for name, value in self.as_dict().items())
        return f"{type(self).__name__}({fields})"


@attrs.frozen(kw_only=True, eq=False, repr=False)
class _HillasBase(_AsDict):
    intensity: float = NAN
    """Sum of the pixel values (photo-electrons)."""
    skewness: float = NAN
    """Third standardised moment along the major axis."""
    kurtosis: float = NAN
    """Fourth standardised moment along the major axis (3 for a Gaussian)."""


@_quantities
@attrs.frozen(kw_only=True, eq=False, repr=False)
class CameraHillasParametersContainer(_HillasBase):
    """Hillas parameters in the camera frame: positions and sizes in m.

    ``x, y`` is the intensity-weighted centroid; ``psi`` is measured from the x
    axis towards y.
    """

    default_prefix: ClassVar[str] = "camera_frame_hillas"
    _x: float = _dimensioned(_M)
    _y: float = _dimensioned(_M)
    _r: float = _dimensioned(_M)
    """Distance of the centroid from the camera centre."""
    _phi: float = _dimensioned(_DEG)
    """Polar angle of the centroid."""
    _length: float = _dimensioned(_M)
    """Standard deviation along the major axis."""
    _length_uncertainty: float = _dimensioned(_M)
    _width: float = _dimensioned(_M)
    """Standard deviation along the minor axis."""
    _width_uncertainty: float = _dimensioned(_M)
    _psi: float = _dimensioned(_DEG)
    """Angle of the major axis to the x axis, in (-90, 90] deg."""
    _psi_uncertainty: float = _dimensioned(_DEG)
    _transverse_cog_uncertainty: float = _dimensioned(_M)
    """Uncertainty of the centroid across the major axis."""
    is_valid: bool = False
    """True when the image has an axis: intensity > 0, length > 0, finite width and psi."""


@_quantities
@attrs.frozen(kw_only=True, eq=False, repr=False)
class HillasParametersContainer(_HillasBase):
    """Hillas parameters in the telescope frame: positions and sizes in deg.

    ``fov_lon, fov_lat`` is the intensity-weighted centroid; ``psi`` is measured
    from the ``fov_lon`` axis towards ``fov_lat`` (as in ctapipe).
    """

    default_prefix: ClassVar[str] = "hillas"
    _fov_lon: float = _dimensioned(_DEG)
    _fov_lat: float = _dimensioned(_DEG)
    _r: float = _dimensioned(_DEG)
    """Angular distance of the centroid from the optical axis."""
    _phi: float = _dimensioned(_DEG)
    """Polar angle of the centroid."""
    _length: float = _dimensioned(_DEG)
    """Standard deviation along the major axis."""
    _length_uncertainty: float = _dimensioned(_DEG)
    _width: float = _dimensioned(_DEG)
    """Standard deviation along the minor axis."""
    _width_uncertainty: float = _dimensioned(_DEG)
    _psi: float = _dimensioned(_DEG)
    """Angle of the major axis to the fov_lon axis, in (-90, 90] deg."""
    _psi_uncertainty: float = _dimensioned(_DEG)
    _transverse_cog_uncertainty: float = _dimensioned(_DEG)
    """Uncertainty of the centroid across the major axis."""
    is_valid: bool = False
    """True when the image has an axis: intensity > 0, length > 0, finite width and psi."""


@_quantities
@attrs.frozen(kw_only=True, eq=False, repr=False)
class CameraTimingParametersContainer(_AsDict):
    """Peak time along the shower axis in the camera frame: ``t = slope * l + intercept``."""

    default_prefix: ClassVar[str] = "camera_frame_timing"
    _slope: float = _dimensioned(_PER_M)
    """Time gradient: peak-time units (ns) per m, unit ``1 / m`` as in ctapipe."""
    intercept: float = NAN
    """Peak time at the centroid (peak-time units, ns)."""
    deviation: float = NAN
    """Root-mean-square deviation of the peak times from the line (ns)."""
    is_valid: bool = False
    """True when a line was fitted."""


@_quantities
@attrs.frozen(kw_only=True, eq=False, repr=False)
class TimingParametersContainer(_AsDict):
    """Peak time along the shower axis in the telescope frame: ``t = slope * l + intercept``."""

    default_prefix: ClassVar[str] = "timing"
    _slope: float = _dimensioned(_PER_DEG)
    """Time gradient: peak-time units (ns) per deg, unit ``1 / deg`` as in ctapipe."""
    intercept: float = NAN
    deviation: float = NAN
    is_valid: bool = False


@attrs.frozen(kw_only=True, eq=False, repr=False)
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


@attrs.frozen(kw_only=True, eq=False, repr=False)
class ConcentrationContainer(_AsDict):
    """Fractions of the intensity in parts of the image."""

    default_prefix: ClassVar[str] = "concentration"
    cog: float = NAN
    """In pixels closer to the centroid than one pixel width."""
    core: float = NAN
    """In pixels inside the Hillas ellipse."""
    pixel: float = NAN
    """In the brightest pixel."""


@attrs.frozen(kw_only=True, eq=False, repr=False)
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


@attrs.frozen(kw_only=True, eq=False, repr=False)
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


@attrs.frozen(kw_only=True, eq=False, repr=False)
class IntensityStatisticsContainer(ImageStatisticsContainer):
    """Statistics of the selected pixel intensities."""

    default_prefix: ClassVar[str] = "intensity"


@attrs.frozen(kw_only=True, eq=False, repr=False)
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
