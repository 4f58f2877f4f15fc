"""CameraCalibrator: R1 waveforms → DL1 images and peak times."""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError

__all__ = ["CameraCalibrator"]

_OWNER = "CameraCalibrator"


class CameraCalibrator:
    """R1 waveforms → DL1 images and peak times, one telescope type at a time.

    The charge extractor is chosen by name (like ``[process.extractor]`` in a
    config file), with per-telescope-type variants where the selection has them.
    Waveforms are integrated in batches: `calibrate_batch` takes every telescope
    event of one type in an `~cherenkit.events.EventBatch` at once; calling the
    calibrator on an `~cherenkit.events.ArrayEvent` runs the same code on each of
    its telescopes.

    Beyond the extractor, calibration does what ctapipe's ``CameraCalibrator`` does
    for simulations:

    * Cameras that record a single sample per pixel (sums only, e.g. ASTRICam in
      old sim_telarray files) bypass the extractor: the sample is the charge and
      the peak time is 0, as in ctapipe.
    * Peak times are corrected by the per-pixel time offsets of the readout
      (sim_telarray's ``tm_calib``, ns): ``peak_time -= time_shift`` for the gain
      channel of each pixel. They come from the ``time_shift`` argument or, when
      not given, from a ``time_shift`` attribute of the telescope event or batch
      (shape ``(n_channels, n_pixels)`` per telescope event).

    There is no invalid-pixel step yet: ctapipe's default (``NeighborAverage``)
    only changes pixels flagged as broken, and no event source flags any.

    Parameters
    ----------
    subarray : `~cherenkit.instrument.SubarrayDescription`
        Gives the camera of every telescope.
    image_extractor : str, mapping, `ChargeExtractor` or `~cherenkit.config.PluginSelection`
        The extractor: a name, a table ``{"name": ..., **parameters}`` with an
        optional ``per_telescope_type`` sub-table, an instance, or a config
        selection (``Config.process.extractor``). Default is ``"neighbor-peak"``.
    apply_peak_time_shift : bool, optional
        Subtract the readout time offsets from the peak times. Default is True.
    **extractor_parameters
        Parameters of the extractor named by ``image_extractor`` (a name only),
        e.g. ``window_width=5``.

    Raises
    ------
    cherenkit.errors.ConfigError
        For an unknown extractor name or parameter, or a bad value.

    Examples
    --------
    >>> from cherenkit.events import EventSource
    >>> source = EventSource("gamma.simtel.zst")  # doctest: +SKIP
    >>> calibrator = CameraCalibrator(  # doctest: +SKIP
    ...     source.subarray, "local-peak", window_width=5
    ... )
    >>> for batch in source.iter_batches(100):  # doctest: +SKIP
    ...     for tel_type, tel_batch in batch.telescopes.items():
    ...         image, peak_time = calibrator.calibrate_batch(tel_batch)
    """

    def __init__(
        self,
        subarray,
        image_extractor="neighbor-peak",
        *,
        apply_peak_time_shift: bool = True,
        **extractor_parameters,
    ):
        from ..config import select_plugin

        if extractor_parameters:
            if not isinstance(image_extractor, str):
                raise ParameterError(
                    _OWNER,
                    "image_extractor",
                    f"extractor parameters ({', '.join(extractor_parameters)}) given as "
                    "keywords need the extractor by name, e.g. "
                    "CameraCalibrator(subarray, 'local-peak', window_width=5); got "
                    f"{image_extractor!r:.60}",
                )
            image_extractor = {"name": image_extractor, **extractor_parameters}
        if not isinstance(apply_peak_time_shift, bool):
            raise ParameterError(
                _OWNER,
                "apply_peak_time_shift",
                f"expected true or false, got {apply_peak_time_shift!r}",
            )
        self.subarray = subarray
        self.image_extractor = select_plugin(
            "charge-extractor", image_extractor, per_telescope_type=True
        )
        self.apply_peak_time_shift = apply_peak_time_shift

    def __repr__(self):
        overrides = list(self.image_extractor.per_telescope_type)
        return (
            f"CameraCalibrator(subarray={self.subarray.name!r}, "
            f"image_extractor={self.image_extractor.component!r}"
            + (f", overridden for {overrides}" if overrides else "")
            + ")"
        )

    def extractor_for(self, telescope_type: str):
        """The configured extractor of ``telescope_type`` (e.g. ``"LST_LST_LSTCam"``)."""
        return self.image_extractor.for_telescope_type(str(telescope_type))

    # --- batches ------------------------------------------------------------------

    def calibrate_batch(self, batch, *, time_shift=None):
        """DL1 images and peak times of every telescope event in a `TelescopeBatch`.

        Parameters
        ----------
        batch : `~cherenkit.events.TelescopeBatch`
            ``r1_waveform`` of shape (n, n_pixels, n_samples), gain-selected, or
            (n, n_channels, n_pixels, n_samples) with every channel.
        time_shift : `numpy.ndarray`, shape (n, n_channels, n_pixels), optional
            Readout time offsets (ns) to subtract from the peak times; shape
            (n, n_pixels) when already gain-selected. Default: ``batch.time_shift``
            where the batch has it, else none.

        Returns
        -------
        image, peak_time : `numpy.ndarray` of float32
            Shape (n, n_pixels), or (n, n_channels, n_pixels) for R1 with every
            channel. Charge in photo-electrons, peak time in ns.
        """
        waveforms = batch.r1_waveform
        if waveforms is None:
            raise ParameterError(
                _OWNER,
                "batch",
                f"the {batch.telescope_type} batch has no R1 waveforms to calibrate",
            )
        if time_shift is None:
            time_shift = getattr(batch, "time_shift", None)
        tel_ids = np.asarray(batch.tel_id)
        gain = batch.selected_gain_channel
        if waveforms.ndim == 4:  # every channel: one row per channel
            n, n_channels, n_pixels = waveforms.shape[:3]
            rows = waveforms.reshape(n * n_channels, *waveforms.shape[2:])
            channel = np.arange(n_channels)[np.newaxis, :, np.newaxis]
            gain = np.broadcast_to(channel, (n, n_channels, n_pixels)).reshape(-1, n_pixels)
            if time_shift is not None:
                time_shift = np.asarray(time_shift).reshape(n * n_channels, -1)
            image, peak_time = self._calibrate(
                batch.telescope_type, np.repeat(tel_ids, n_channels), rows, gain, time_shift
            )
            return image.reshape(n, n_channels, -1), peak_time.reshape(n, n_channels, -1)
        if time_shift is not None:
            time_shift = _select_gain(np.asarray(time_shift), gain, waveforms.shape[:2])
        return self._calibrate(batch.telescope_type, tel_ids, waveforms, gain, time_shift)

    # --- single events ------------------------------------------------------------

    def __call__(self, event, *, time_shift=None) -> dict:
        """DL1 image and peak time of every telescope with R1 waveforms in an event.

        Parameters
        ----------
        event : `~cherenkit.events.ArrayEvent`
        time_shift : dict of int to `numpy.ndarray`, optional
            Readout time offsets (ns) by tel_id, shape (n_channels, n_pixels).
            Default: the ``time_shift`` attribute of each telescope event, if any.

        Returns
        -------
        dict of int to (image, peak_time)
            float32 arrays of shape (n_pixels,) for gain-selected R1,
            (n_channels, n_pixels) for R1 with every channel.
        """
        time_shift = time_shift or {}
        result = {}
        for tel_id, tel in sorted(event.tel.items()):
            if tel.r1_waveform is None:
                continue
            shift = time_shift.get(tel_id, getattr(tel, "time_shift", None))
            result[tel_id] = self.calibrate_telescope(
                tel.r1_waveform,
                tel_id=tel_id,
                selected_gain_channel=tel.selected_gain_channel,
                time_shift=shift,
            )
        return result

    def calibrate_telescope(
        self, waveforms, *, tel_id: int, selected_gain_channel=None, time_shift=None
    ):
        """DL1 image and peak time of one telescope event.

        Parameters
        ----------
        waveforms : `numpy.ndarray`
            R1 of shape (n_pixels, n_samples), gain-selected, or
            (n_channels, n_pixels, n_samples) with every channel.
        tel_id : int
        selected_gain_channel : `numpy.ndarray` of int, shape (n_pixels,), optional
            Gain channel of each pixel of gain-selected R1. Default: channel 0.
        time_shift : `numpy.ndarray`, shape (n_channels, n_pixels), optional
            Readout time offsets (ns) to subtract from the peak times.

        Returns
        -------
        image, peak_time : `numpy.ndarray` of float32
            Shape (n_pixels,), or (n_channels, n_pixels) for R1 with every channel.
        """
        waveforms = np.asarray(waveforms)
        telescope = self._telescope(tel_id)
        if time_shift is not None:
            time_shift = np.asarray(time_shift)
        if waveforms.ndim == 3:  # every channel: one row per channel
            n_channels, n_pixels = waveforms.shape[:2]
            gain = np.broadcast_to(np.arange(n_channels)[:, np.newaxis], (n_channels, n_pixels))
            tel_ids = np.full(n_channels, tel_id)
            return self._calibrate(telescope, tel_ids, waveforms, gain, time_shift)
        if waveforms.ndim != 2:
            raise ParameterError(
                _OWNER,
                "waveforms",
                f"telescope {tel_id}: expected R1 of shape (n_pixels, n_samples) or "
                f"(n_channels, n_pixels, n_samples), got {waveforms.shape}",
            )
        gain = None if selected_gain_channel is None else np.asarray(selected_gain_channel)[None]
        if time_shift is not None:
            time_shift = _select_gain(time_shift[np.newaxis], gain, (1, waveforms.shape[0]))
        image, peak_time = self._calibrate(
            telescope, np.array([tel_id]), waveforms[np.newaxis], gain, time_shift
        )
        return image[0], peak_time[0]

    # --- the work ---------------------------------------------------------------------

    def _telescope(self, tel_id):
        try:
            return self.subarray.tel_descriptions[int(tel_id)]
        except KeyError:
            raise ParameterError(
                _OWNER,
                "tel_id",
                f"telescope {tel_id} is not in subarray {self.subarray.name!r}",
            ) from None

    def _calibrate(self, telescope_type, tel_ids, waveforms, gain, time_shift):
        """Rows [n, n_pixels, n_samples] of one telescope type → image, peak_time [n, n_pixels]."""
        extractor = self.extractor_for(telescope_type)
        cameras = {}
        for tel_id in np.unique(tel_ids):
            camera = self._telescope(tel_id).camera
            cameras.setdefault(camera, []).append(tel_id)
        if len(cameras) == 1:  # the usual case: one camera, no copies
            (camera,) = cameras
            return self._extract(extractor, camera, waveforms, gain, time_shift)
        image = np.empty(waveforms.shape[:2], dtype=np.float32)
        peak_time = np.empty(waveforms.shape[:2], dtype=np.float32)
        for camera, ids in cameras.items():  # same type string, different readouts
            rows = np.isin(tel_ids, ids)
            image[rows], peak_time[rows] = self._extract(
                extractor,
                camera,
                waveforms[rows],
                None if gain is None else np.asarray(gain)[rows],
                None if time_shift is None else time_shift[rows],
            )
        return image, peak_time

    def _extract(self, extractor, camera, waveforms, gain, time_shift):
        if waveforms.shape[-1] == 1:  # sums only: nothing to integrate or time
            image = waveforms[..., 0].astype(np.float32)
            return image, np.zeros_like(image)
        image, peak_time = extractor(waveforms, camera=camera, selected_gain_channel=gain)
        if time_shift is not None and self.apply_peak_time_shift:
            if time_shift.shape != peak_time.shape:
                raise ParameterError(
                    _OWNER,
                    "time_shift",
                    f"expected one offset per pixel and row, shape {peak_time.shape}, "
                    f"got {time_shift.shape}",
                )
            peak_time -= time_shift
        return image, peak_time


def _select_gain(time_shift, gain, shape):
    """Offsets per row and pixel [n, n_pixels] from per-channel ones [n, n_channels, n_pixels]."""
    if time_shift.shape == shape:
        return time_shift
    if time_shift.ndim != 3 or time_shift.shape[::2] != shape:
        raise ParameterError(
            _OWNER,
            "time_shift",
            f"expected shape (n, n_channels, n_pixels) or (n, n_pixels) with "
            f"(n, n_pixels) = {shape}, got {time_shift.shape}",
        )
    if gain is None:
        return time_shift[:, 0]
    index = np.asarray(gain, dtype=np.int64)[:, np.newaxis, :]
    return np.take_along_axis(time_shift, index, axis=1)[:, 0]
