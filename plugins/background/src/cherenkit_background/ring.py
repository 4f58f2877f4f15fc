"""`RingBackgroundMaker` and `AdaptiveRingBackgroundMaker`: OFF counts from a ring around
every pixel of a map, giving `~cherenkit.datasets.MapDatasetOnOff`."""

from __future__ import annotations

from typing import ClassVar

import attrs
import numpy as np

from cherenkit.component import parameter
from cherenkit.makers import BackgroundMaker

from ._utils import (
    check_exclusion_mask,
    convolve_images,
    exclusion_on_geom,
    ring_kernel,
    tophat_kernel,
    warn_failed,
)

__all__ = ["AdaptiveRingBackgroundMaker", "RingBackgroundMaker"]


def _check_map_dataset(maker, dataset):
    geom = None if dataset.counts is None else dataset.counts.geom
    if geom is None or not hasattr(geom, "wcs") or getattr(geom, "region", None) is not None:
        raise TypeError(
            f"{type(maker).__name__} needs a MapDataset on a WcsGeom with counts, got "
            f"{type(dataset).__name__}"
        )
    if dataset.stat_type != "cash":
        raise TypeError(
            f"{type(maker).__name__} needs a MapDataset with a background template, got "
            f"the On/Off dataset {type(dataset).__name__} {dataset.name!r}"
        )
    return geom


def _pixel_scale_deg(geom):
    """Pixel size (deg) along longitude at the reference point (gammapy's ring scale)."""
    return float(geom.pixel_scales[0].deg)


def _on_off_dataset(maker, dataset, observation, counts_off, acceptance, acceptance_off):
    from cherenkit.datasets import MapDatasetOnOff
    from cherenkit.maps import Map

    geom = dataset.counts.geom
    out = MapDatasetOnOff.from_map_dataset(
        dataset,
        counts_off=Map.from_geom(geom, data=counts_off),
        acceptance=Map.from_geom(geom, data=acceptance),
        acceptance_off=Map.from_geom(geom, data=acceptance_off),
        name=dataset.name,
    )
    no_off = ~(np.asarray(acceptance_off) > 0)
    if out.mask_safe is not None:
        out.mask_safe.data[no_off] = False
        if not out.mask_safe.data.any() and np.asarray(dataset.mask_safe.data).any():
            warn_failed(maker, dataset, observation, "no pixel has an OFF acceptance > 0")
    return out


@attrs.frozen(kw_only=True)
class RingBackgroundMaker(BackgroundMaker):
    """Ring around each position as OFF region; produces On/Off maps.

    For every pixel, the OFF counts are the counts summed over the pixels whose
    centres lie in a ring of inner radius ``r_in`` and width ``width`` around it
    (excluded pixels left out), and the OFF acceptance is the background template
    summed over the same pixels. The ON acceptance is the template in the pixel, so
    ``alpha = background / ring background``. Radii are converted to pixels with the
    pixel size along longitude at the map's reference point; the ring holds the
    pixel offsets with ``r_in² <= dx² + dy² <= (r_in + width)²`` (gammapy's
    ``Ring2DKernel``). Rings that reach beyond the map edge lose the part outside.
    Pixels without OFF acceptance (e.g. rings wholly excluded or off the map) are
    removed from ``mask_safe``; when that leaves nothing safe, a warning names the
    observation.

    Parameters
    ----------
    r_in : angle
        Inner radius of the ring. Default is 0.5 deg.
    width : angle
        Width of the ring. Default is 0.3 deg.
    exclusion_mask : `~cherenkit.maps.WcsNDMap` of bool, optional
        True where the sky may be used. Not a config parameter (pass it in Python).
    """

    name: ClassVar[str] = "ring"

    r_in: object = parameter("0.5 deg", unit="deg", ge=0, help="Inner radius of the ring.")
    width: object = parameter("0.3 deg", unit="deg", gt=0, help="Width of the ring.")
    exclusion_mask: object = attrs.field(
        default=None, eq=False, repr=False, validator=check_exclusion_mask
    )

    def kernel(self, geom):
        """The 0/1 ring kernel (`~numpy.ndarray`) on the pixels of ``geom``."""
        scale = _pixel_scale_deg(geom)
        return ring_kernel(self.r_in.to_value("deg") / scale, self.width.to_value("deg") / scale)

    def run(self, dataset, observation=None):
        """A `~cherenkit.datasets.MapDatasetOnOff` with ring OFF counts and acceptances."""
        geom = _check_map_dataset(self, dataset)
        usable = exclusion_on_geom(self.exclusion_mask, geom)
        kernel = self.kernel(geom)
        background = np.asarray(dataset.npred_background().data, dtype=np.float64)
        counts = np.asarray(dataset.counts.data, dtype=np.float64)
        counts_off = convolve_images(counts * usable, kernel)
        acceptance_off = convolve_images(background * usable, kernel)
        return _on_off_dataset(self, dataset, observation, counts_off, background, acceptance_off)


@attrs.frozen(kw_only=True)
class AdaptiveRingBackgroundMaker(BackgroundMaker):
    """Ring background whose ring grows until its acceptance is large enough.

    For each pixel, rings are tried in order of size: with ``method="fixed_width"``
    the inner radius grows from ``r_in`` in steps of ``stepsize`` (width fixed),
    with ``"fixed_r_in"`` the width grows from ``width``; every ring stays inside
    ``r_out_max`` (gammapy's ``np.arange`` ranges, in pixels). The first ring whose
    ``alpha = acceptance_theta / acceptance_off <= threshold_alpha`` is used, where
    ``acceptance_theta`` is the background template summed in a disk of radius
    ``theta`` around the pixel (the ON region of the later significance estimate).
    Pixels where no ring reaches the threshold get no OFF estimate (OFF counts and
    acceptance 0; they leave ``mask_safe``). The dataset's ``acceptance`` is the
    template in the pixel, as for `RingBackgroundMaker`. The ring is chosen on the
    first energy plane and used for all planes (meant for images: one energy bin).

    gammapy 2.1 converts ``theta`` to pixels by multiplying with the pixel size
    instead of dividing, so its disk is a single pixel and the threshold is tested on
    per-pixel alpha; this implementation uses the intended disk radius
    ``theta / pixel size``, so the chosen rings (and the results) differ from gammapy's.

    Parameters
    ----------
    r_in, r_out_max, width, stepsize, theta : angle
        Default 0.5, 1.5, 0.3, 0.02 and 0.22 deg.
    threshold_alpha : float
        Default 0.1.
    method : {"fixed_width", "fixed_r_in"}
        Default "fixed_width".
    exclusion_mask : `~cherenkit.maps.WcsNDMap` of bool, optional
        True where the sky may be used. Not a config parameter (pass it in Python).
    """

    name: ClassVar[str] = "adaptive-ring"

    r_in: object = parameter("0.5 deg", unit="deg", ge=0, help="Smallest inner radius of the ring.")
    r_out_max: object = parameter(
        "1.5 deg", unit="deg", gt=0, help="Largest outer radius of the ring."
    )
    width: object = parameter("0.3 deg", unit="deg", gt=0, help="(Smallest) width of the ring.")
    stepsize: object = parameter("0.02 deg", unit="deg", gt=0, help="Step by which the ring grows.")
    threshold_alpha: float = parameter(
        0.1, gt=0, help="Use the first ring with alpha at or below this."
    )
    theta: object = parameter(
        "0.22 deg", unit="deg", gt=0, help="Radius of the ON disk whose alpha is tested."
    )
    method: str = parameter(
        "fixed_width",
        choices=("fixed_width", "fixed_r_in"),
        help="Grow the inner radius ('fixed_width') or the width ('fixed_r_in').",
    )
    exclusion_mask: object = attrs.field(
        default=None, eq=False, repr=False, validator=check_exclusion_mask
    )

    def kernels(self, geom):
        """The ring kernels, smallest first (list of `~numpy.ndarray`)."""
        scale = _pixel_scale_deg(geom)
        r_in = self.r_in.to_value("deg") / scale
        r_out_max = self.r_out_max.to_value("deg") / scale
        width = self.width.to_value("deg") / scale
        step = self.stepsize.to_value("deg") / scale
        if self.method == "fixed_width":
            pairs = [(r, width) for r in np.arange(r_in, r_out_max - width, step)]
        else:
            pairs = [(r_in, w) for w in np.arange(width, r_out_max - r_in, step)]
        return [ring_kernel(r, w) for r, w in pairs]

    def run(self, dataset, observation=None):
        """A `~cherenkit.datasets.MapDatasetOnOff` with adaptive-ring OFF counts."""
        geom = _check_map_dataset(self, dataset)
        kernels = self.kernels(geom)
        if not kernels:
            raise ValueError(
                f"{type(self).__name__}: no ring fits inside r_out_max={self.r_out_max} "
                f"(r_in={self.r_in}, width={self.width})"
            )
        usable = exclusion_on_geom(self.exclusion_mask, geom)
        background = np.asarray(dataset.npred_background().data, dtype=np.float64)
        counts = np.asarray(dataset.counts.data, dtype=np.float64)
        lead = (0,) * (counts.ndim - 2)
        theta_pix = self.theta.to_value("deg") / _pixel_scale_deg(geom)
        acceptance_theta = convolve_images(background[lead], tophat_kernel(theta_pix))
        shape = counts.shape
        counts_off = np.full(shape, np.nan)
        acceptance_off = np.full(shape, np.nan)
        chosen = np.zeros(shape[-2:], dtype=bool)
        for kernel in kernels:
            off = convolve_images(background * usable, kernel)
            with np.errstate(divide="ignore", invalid="ignore"):
                alpha = np.where(off[lead] > 0, acceptance_theta / off[lead], np.inf)
            take = (alpha <= self.threshold_alpha) & ~chosen
            if take.any():
                acceptance_off[..., take] = off[..., take]
                counts_off[..., take] = convolve_images(counts * usable, kernel)[..., take]
                chosen |= take
            if chosen.all():
                break
        out = _on_off_dataset(
            self, dataset, observation, counts_off, background, np.nan_to_num(acceptance_off)
        )
        out.counts_off.data = np.nan_to_num(counts_off)
        return out
