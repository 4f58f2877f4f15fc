"""ImageProcessor: DL1 images → cleaning masks and image parameters, batch-first."""

from __future__ import annotations

import attrs
import numpy as np

from ..component import parameter
from ..errors import ParameterError

__all__ = ["ImageProcessor", "ImageQualityCriteria"]


@attrs.frozen(kw_only=True)
class ImageQualityCriteria:
    """Which cleaned images are good enough for stereo reconstruction.

    An image is good when its Hillas parameters are valid and it passes every
    criterion below; the result is the ``is_good`` column (images are flagged,
    never dropped).
    """

    min_intensity: float = parameter(
        0.0, ge=0, help="Smallest intensity (p.e.), exclusive: intensity > min_intensity."
    )
    min_pixels: int = parameter(1, ge=0, help="Smallest number of pixels after cleaning.")
    max_leakage_intensity_width_2: float = parameter(
        1.0, ge=0, le=1, help="Largest fraction of intensity in the two outer pixel rings."
    )
    require_width_positive: bool = parameter(True, help="Reject images whose width is 0.")

    def evaluate(self, columns: dict, hillas_prefix: str) -> np.ndarray:
        """``is_good`` per image from the parameter columns."""
        intensity = _plain(columns[f"{hillas_prefix}_intensity"])
        width = _plain(columns[f"{hillas_prefix}_width"])
        with np.errstate(invalid="ignore"):
            good = columns[f"{hillas_prefix}_is_valid"] & (intensity > self.min_intensity)
            good &= columns["morphology_n_pixels"] >= self.min_pixels
            good &= _plain(columns["leakage_intensity_width_2"]) <= (
                self.max_leakage_intensity_width_2
            )
            if self.require_width_positive:
                good &= width > 0
        return good


def _plain(values):
    return getattr(values, "value", values)


class ImageProcessor:
    """Clean DL1 images with a cleaner plugin and compute their image parameters.

    Parameters
    ----------
    subarray : `~cherenkit.instrument.SubarrayDescription`
    cleaner : str, mapping, `~cherenkit.config.PluginSelection` or cleaner instance
        The cleaner, by name (``"tailcuts"``), as a config table
        (``{"name": "tailcuts", "picture_thresh": 8, "per_telescope_type": {...}}``),
        as ``config.process.cleaner[label]``, or an instance. Default ``"tailcuts"``.
    quality : `ImageQualityCriteria`, optional
        Image quality selection; default `ImageQualityCriteria()`.
    use_telescope_frame : bool
        Parameters in the telescope frame (deg, as ctapipe's default) or in the
        camera frame (m). Default True.
    focal_length_choice : {"effective", "equivalent"}
        Focal length for the telescope frame. Default ``"effective"``; a telescope
        without one raises `cherenkit.errors.ParameterError` suggesting "equivalent".

    Examples
    --------
    >>> processor = ImageProcessor(subarray, "tailcuts")  # doctest: +SKIP
    >>> columns = processor.process_batch(telescope_batch, image, peak_time)  # doctest: +SKIP
    >>> columns["hillas_intensity"], columns["is_good"]  # doctest: +SKIP
    """

    def __init__(
        self,
        subarray,
        cleaner="tailcuts",
        *,
        quality: ImageQualityCriteria | None = None,
        use_telescope_frame: bool = True,
        focal_length_choice: str = "effective",
    ):
        from ..config import PluginSelection, select_plugin

        self.subarray = subarray
        if not isinstance(cleaner, PluginSelection):
            cleaner = select_plugin("cleaner", cleaner, per_telescope_type=True)
        self.cleaner = cleaner
        self.quality = quality if quality is not None else ImageQualityCriteria()
        self.use_telescope_frame = use_telescope_frame
        self.focal_length_choice = focal_length_choice
        self._geometries: dict = {}

    def geometry(self, tel_id: int):
        """The geometry parameters are computed in for ``tel_id`` (cached per camera)."""
        tel = self.subarray.tel_descriptions[int(tel_id)]
        # keyed by identity: descriptions are shared objects of the subarray
        key = (id(tel.camera.geometry), id(tel.optics) if self.use_telescope_frame else None)
        if key not in self._geometries:
            geometry = tel.camera.geometry
            if self.use_telescope_frame:
                focal_length = tel.optics.focal_length(self.focal_length_choice)
                geometry = geometry.transform_to_telescope_frame(focal_length)
            self._geometries[key] = geometry
        return self._geometries[key]

    def process_batch(self, batch, image, peak_time=None) -> dict:
        """Clean and parametrise the images of one `~cherenkit.events.TelescopeBatch`.

        Parameters
        ----------
        batch : `~cherenkit.events.TelescopeBatch`
            Gives the telescope ids (and so the cameras) and the type.
        image, peak_time : `numpy.ndarray`, shape (n, n_pixels)
            DL1 images (p.e.) and peak times (ns), e.g. from
            `cherenkit.calib.CameraCalibrator.calibrate_batch`.

        Returns
        -------
        dict of str to array, each with n rows
            ``obs_id, event_id, tel_id``, the image parameters (ctapipe's column
            names), ``image_mask`` (n, n_pixels) and ``is_good``.
        """
        from .parameters import image_parameters_batch

        image = np.asarray(image)
        if image.ndim != 2 or len(image) != batch.n_events:
            raise ParameterError(
                "ImageProcessor",
                "image",
                f"expected shape ({batch.n_events}, n_pixels), got {image.shape}",
            )
        cleaner = self.cleaner.for_telescope_type(batch.telescope_type)
        geometries = [self.geometry(t) for t in batch.tel_id]
        columns: dict = {}
        distinct = list({id(g): g for g in geometries}.values())  # cameras sharing a type
        for geometry in distinct:
            rows = np.array([g is geometry for g in geometries])
            times = None if peak_time is None else np.asarray(peak_time)[rows]
            mask = cleaner(geometry, image[rows], times)
            part = image_parameters_batch(geometry, image[rows], mask, times)
            part["image_mask"] = mask
            for key, values in part.items():
                if key not in columns:
                    columns[key] = _empty_like(values, batch.n_events)
                columns[key][rows] = values
        hillas_prefix = "hillas" if self.use_telescope_frame else "camera_frame_hillas"
        columns["is_good"] = self.quality.evaluate(columns, hillas_prefix)
        return {
            "obs_id": batch.obs_id,
            "event_id": batch.event_id,
            "tel_id": batch.tel_id,
            **columns,
        }


def _empty_like(values, n_rows):
    shape = (n_rows, *np.shape(values)[1:])
    unit = getattr(values, "unit", None)
    dtype = np.asarray(getattr(values, "value", values)).dtype
    empty = np.zeros(shape, dtype=dtype)
    return empty * unit if unit is not None else empty
