"""`CameraDisplay`: a camera image drawn with matplotlib, one polygon per pixel."""

from __future__ import annotations

from typing import NamedTuple

import astropy.units as u
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.colors import LogNorm, Normalize, SymLogNorm
from matplotlib.patches import Ellipse

from ..instrument import CameraGeometry
from ._inputs import pixel_mask, pixel_values
from ._moments import ellipse_on_display
from ._pixels import pixel_polygons

__all__ = ["NORMS", "CameraDisplay", "MomentsOverlay"]

NORMS = ("lin", "log", "symlog")
"""Colour scales a `CameraDisplay` knows by name (any `matplotlib.colors.Normalize` works too)."""

_AXIS_NAMES = {"camera": ("x", "y"), "telescope": ("fov_lat", "fov_lon")}
# a log scale cannot show values <= 0: they are drawn with the colour below the range
_BELOW_LOG_RANGE = np.nextafter(0.0, 1.0)  # smallest positive float64, log10 = -323.3


class MomentsOverlay(NamedTuple):
    """The artists `CameraDisplay.overlay_moments` adds to the axes."""

    ellipse: Ellipse
    """The ellipse, ``n_sigma`` standard deviations along and across the axis."""
    axis: object
    """`matplotlib.lines.Line2D` along the major axis, twice as long as the ellipse."""
    label: object
    """`matplotlib.text.Text` with length, width, psi and intensity (in the axes'
    upper left corner), or None."""


class CameraDisplay:
    """A camera image: every pixel a polygon filled with the colour of its value.

    Pixels are drawn with their shape (hexagon, square or circle), their size from
    ``pix_area`` and their rotation ``pix_rotation``, as one
    `matplotlib.collections.PolyCollection` (`pixels`); a camera rotation is
    applied first (the display draws ``geometry.derotate()``). Where hexagons or
    squares turned by ``pix_rotation`` would not have a side towards each
    neighbour, and so could not tile the camera, they are turned the way the
    pixel grid runs instead (FlashCam from sim_telarray files: ``pix_rotation`` 0,
    pixels in columns). The horizontal axis
    is ``pix_x`` (``x`` in the camera frame, ``fov_lat`` in the telescope frame),
    the vertical one ``pix_y`` (``y``, ``fov_lon``), both in the unit of the
    geometry and with equal aspect.

    Changing `image` recolours the pixels and, while `autoscale` is on, rescales
    the colours to the new values; `set_limits_minmax` and `set_limits_percent`
    fix the range. Build a display once and set new images on it: that is much
    faster than a new display per image.

    Parameters
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        The camera, in the camera or the telescope frame.
    image : array-like, shape (n_pixels,), optional
        Pixel values (NaN pixels are left empty). Default is zeros.
    ax : `matplotlib.axes.Axes`, optional
        Where to draw (ctapipe's name). Default is the current axes of pyplot
        (``plt.gca()``).
    cmap : str or `matplotlib.colors.Colormap`
        Colour map. Default is ``"inferno"``.
    norm : {"lin", "log", "symlog"} or `matplotlib.colors.Normalize`
        Colour scale (see `norm`). Default is ``"lin"``.
    autoscale : bool
        Rescale the colours to every new image. Default is True.
    title : str, optional
        Axes title. Default is the camera name.

    Attributes
    ----------
    geometry : `~cherenkit.instrument.CameraGeometry`
        The geometry given.
    axes : `matplotlib.axes.Axes`
    pixels : `matplotlib.collections.PolyCollection`
        One polygon per pixel, in pixel order.
    highlights : `matplotlib.collections.PolyCollection` or None
        Outlines of the pixels of the last `highlight_pixels` call.
    colorbar : `matplotlib.colorbar.Colorbar` or None
        Set by `add_colorbar`.
    overlays : list
        Artists added by `add_ellipse` and `overlay_moments` (`clear_overlays`
        removes them).

    Raises
    ------
    TypeError
        When ``geometry`` is not a `~cherenkit.instrument.CameraGeometry`.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from cherenkit.instrument import CameraGeometry
    >>> geometry = CameraGeometry.make_rectangular(n_x=10, n_y=10)
    >>> fig, ax = plt.subplots()
    >>> display = CameraDisplay(geometry, image=range(100), ax=ax, cmap="viridis")
    >>> display.set_limits_minmax(0, 50)
    >>> colorbar = display.add_colorbar(label="charge / p.e.")
    >>> len(display.pixels.get_paths())
    100
    >>> plt.close(fig)
    """

    def __init__(
        self,
        geometry,
        image=None,
        *,
        ax=None,
        cmap="inferno",
        norm="lin",
        autoscale: bool = True,
        title: str | None = None,
    ):
        if not isinstance(geometry, CameraGeometry):
            raise TypeError(
                "CameraDisplay needs a cherenkit.instrument.CameraGeometry, got "
                f"{type(geometry).__name__}"
            )
        if ax is None:
            import matplotlib.pyplot as plt

            ax = plt.gca()
        axes = ax
        self.geometry = geometry
        self.axes = axes
        self.colorbar = None
        self.highlights = None
        self.overlays = []
        self.autoscale = bool(autoscale)
        self._drawn = geometry.derotate()
        self._vertices = pixel_polygons(self._drawn)
        self._image = pixel_values(np.zeros(geometry.n_pixels), geometry, "image")
        self._highlighted = np.zeros(geometry.n_pixels, dtype=bool)
        self._highlighted.flags.writeable = False

        # Neighbouring polygons share their sides exactly; without edges and without
        # antialiasing every screen pixel belongs to one of them, so they tile with no
        # seams (antialiased fills leave faint lines between them).
        self.pixels = PolyCollection(
            self._vertices, cmap=cmap, linewidths=0, antialiaseds=False, zorder=1
        )
        axes.add_collection(self.pixels, autolim=True)
        self.norm = norm
        if image is not None:
            self.image = image

        x_name, y_name = _AXIS_NAMES[geometry.frame]
        unit = geometry.unit.to_string()
        axes.set_xlabel(f"{x_name} / {unit}")
        axes.set_ylabel(f"{y_name} / {unit}")
        axes.set_title(geometry.name if title is None else title)
        axes.set_aspect("equal", adjustable="box")
        axes.autoscale_view()

    def __repr__(self):
        return (
            f"CameraDisplay(camera={self.geometry.name!r}, n_pixels={self.geometry.n_pixels}, "
            f"frame={self.geometry.frame!r}, norm={type(self.norm).__name__}, "
            f"cmap={self.cmap.name!r})"
        )

    # --- the image ---------------------------------------------------------------------

    @property
    def image(self) -> np.ndarray:
        """Pixel values shown, float64 of shape (n_pixels,), read-only.

        Set it to show another image: an array-like or `~astropy.units.Quantity`
        with one value per pixel (masked entries count as NaN and are left empty).

        Raises
        ------
        ValueError
            When the new image does not have one value per pixel.
        TypeError
            When it does not hold numbers.
        """
        return self._image

    @image.setter
    def image(self, image):
        self._image = pixel_values(image, self.geometry, "image")
        self._push()

    def _is_log(self) -> bool:
        return isinstance(self.pixels.norm, LogNorm)

    def _push(self):
        """Hand the image to the collection (and rescale while autoscale is on)."""
        values = self._image
        if self._is_log():
            values = np.where(np.isnan(values) | (values > 0), values, _BELOW_LOG_RANGE)
        self.pixels.set_array(np.ma.masked_invalid(values))
        if self.autoscale:
            self.pixels.set_clim(*self._value_range())

    def _value_range(self) -> tuple[float, float]:
        """Smallest and largest finite value (positive ones for a log scale)."""
        values = self._image[np.isfinite(self._image)]
        if self._is_log():
            values = values[values > 0]
            if values.size == 0:
                return 0.1, 1.0
        if values.size == 0:
            return 0.0, 1.0
        return float(values.min()), float(values.max())

    # --- colours -----------------------------------------------------------------------

    @property
    def cmap(self):
        """The colour map, a `matplotlib.colors.Colormap`; set it with a name or a map."""
        return self.pixels.get_cmap()

    @cmap.setter
    def cmap(self, cmap):
        self.pixels.set_cmap(cmap)

    @property
    def norm(self) -> Normalize:
        """The colour scale, a `matplotlib.colors.Normalize`.

        Set it with ``"lin"`` (linear), ``"log"`` (logarithmic: values <= 0 get the
        lowest colour), ``"symlog"`` (logarithmic on both sides of a linear range
        of ±1) or a `~matplotlib.colors.Normalize` instance, e.g.
        ``PowerNorm(gamma=0.5)``. An instance with both ``vmin`` and ``vmax`` set
        fixes the colour range (`autoscale` turns off); otherwise the range
        follows the image while `autoscale` is on and stays where it was when off.

        Raises
        ------
        ValueError
            For an unknown name, or a log scale with limits that are not positive.
        """
        return self.pixels.norm

    @norm.setter
    def norm(self, norm):
        if isinstance(norm, str):
            factories = {"lin": Normalize, "log": LogNorm, "symlog": _symlog}
            if norm not in factories:
                raise ValueError(
                    f"unknown norm {norm!r}; expected one of {', '.join(map(repr, NORMS))} "
                    "or a matplotlib.colors.Normalize instance"
                )
            new = factories[norm]()
            if not self.autoscale:  # keep the range the user chose
                new.vmin, new.vmax = self.pixels.norm.vmin, self.pixels.norm.vmax
        elif isinstance(norm, Normalize):
            new = norm
            if norm.scaled():
                self.autoscale = False
        else:
            raise TypeError(
                f"norm must be one of {', '.join(map(repr, NORMS))} or a "
                f"matplotlib.colors.Normalize instance, got {type(norm).__name__}"
            )
        if isinstance(new, LogNorm) and new.scaled():
            _check_log_limits(new.vmin, new.vmax)
        self.pixels.set_norm(new)
        self._push()

    def set_limits_minmax(self, zmin, zmax):
        """Fix the colour range to ``[zmin, zmax]`` (turns `autoscale` off).

        Raises
        ------
        ValueError
            When a limit is not finite, ``zmin >= zmax``, or the scale is
            logarithmic and ``zmin`` is not positive.
        """
        zmin, zmax = (float(getattr(z, "value", z)) for z in (zmin, zmax))
        if not (np.isfinite(zmin) and np.isfinite(zmax)) or zmin >= zmax:
            raise ValueError(
                f"colour limits must be finite with zmin < zmax, got zmin={zmin:g}, zmax={zmax:g}"
            )
        if self._is_log():
            _check_log_limits(zmin, zmax)
        self.autoscale = False
        self.pixels.set_clim(zmin, zmax)

    def set_limits_percent(self, percent: float = 95):
        """Colour range from the smallest value to ``percent`` % of the way to the largest.

        Values above the range get the top colour; `autoscale` turns off. On a
        log scale only the positive values count.

        Parameters
        ----------
        percent : float
            In (0, 100]. Default is 95.

        Raises
        ------
        ValueError
            When ``percent`` is out of range, or the image has no finite value
            (positive on a log scale) or a single distinct one.
        """
        if not 0 < percent <= 100:
            raise ValueError(f"percent must be in (0, 100], got {percent!r}")
        values = self._image[np.isfinite(self._image)]
        if self._is_log():
            values = values[values > 0]
        if values.size == 0 or values.min() == values.max():
            raise ValueError(
                "set_limits_percent needs an image with at least two different finite "
                "values" + (" > 0 on a log scale" if self._is_log() else "")
            )
        zmin, zmax = float(values.min()), float(values.max())
        self.set_limits_minmax(zmin, zmin + percent / 100 * (zmax - zmin))

    def add_colorbar(self, label: str | None = None, **kwargs):
        """Add a colour bar beside the axes.

        Parameters
        ----------
        label : str, optional
            Colour-bar label, e.g. ``"charge / p.e."``.
        **kwargs
            Passed to `matplotlib.figure.Figure.colorbar` (``ax`` defaults to the
            display's axes).

        Returns
        -------
        `matplotlib.colorbar.Colorbar`

        Raises
        ------
        ValueError
            When the display already has a colour bar.
        """
        if self.colorbar is not None:
            raise ValueError(
                "this CameraDisplay already has a colour bar; change its label with "
                "display.colorbar.set_label(...)"
            )
        kwargs.setdefault("ax", self.axes)
        self.colorbar = self.axes.figure.colorbar(self.pixels, **kwargs)
        if label is not None:
            self.colorbar.set_label(label)
        return self.colorbar

    # --- pixel outlines ----------------------------------------------------------------

    @property
    def highlighted(self) -> np.ndarray:
        """Mask of the pixels outlined by the last `highlight_pixels`, read-only."""
        return self._highlighted

    def highlight_pixels(self, pixels, *, color="g", linewidth: float = 1.0, alpha: float = 0.75):
        """Outline some pixels (replacing the outlines of an earlier call).

        Parameters
        ----------
        pixels : array-like of bool, shape (n_pixels,), or of int
            A mask (e.g. a cleaning mask) or pixel indices.
        color : matplotlib colour
            Default is ``"g"``.
        linewidth : float
            Outline width in points. Default is 1.
        alpha : float
            Opacity of the outlines. Default is 0.75.

        Returns
        -------
        `matplotlib.collections.PolyCollection`
            The outlines, one polygon per highlighted pixel (also `highlights`).

        Raises
        ------
        ValueError
            When a mask does not have one entry per pixel, or an index is out of range.
        """
        mask = pixel_mask(pixels, self.geometry)
        if self.highlights is not None:
            self.highlights.remove()
        self.highlights = PolyCollection(
            self._vertices[mask],
            facecolors="none",
            edgecolors=color,
            linewidths=linewidth,
            alpha=alpha,
            zorder=1.5,
        )
        self.axes.add_collection(self.highlights, autolim=False)
        self._highlighted = mask
        return self.highlights

    # --- overlays ----------------------------------------------------------------------

    def _display_value(self, value, what: str) -> float:
        if isinstance(value, u.Quantity):
            try:
                value = value.to_value(self.geometry.unit)
            except u.UnitConversionError:
                raise ValueError(
                    f"{what} is in {value.unit}, but the display is in {self.geometry.unit} "
                    f"(camera {self.geometry.name!r}, {self.geometry.frame} frame)"
                ) from None
        return float(value)

    def _add_ellipse(self, x, y, full_length, full_width, angle_deg, **kwargs):
        kwargs.setdefault("fill", False)
        kwargs.setdefault("linewidth", 2)
        kwargs.setdefault("zorder", 3)
        ellipse = Ellipse((x, y), width=full_length, height=full_width, angle=angle_deg, **kwargs)
        self.axes.add_patch(ellipse)
        self.overlays.append(ellipse)
        return ellipse

    def add_ellipse(self, centroid, length, width, angle, **kwargs):
        """Draw an ellipse on the camera.

        Parameters
        ----------
        centroid : (x, y)
            Centre, as `~astropy.units.Quantity` or numbers in the display's unit.
        length, width : `~astropy.units.Quantity` or float
            Full extent along and across the major axis (twice the semi-axes).
        angle : `~astropy.units.Quantity` or float
            Direction of the major axis, counter-clockwise from the horizontal
            display axis; a plain number is in radians (as in ctapipe).
        **kwargs
            Passed to `matplotlib.patches.Ellipse` (default ``fill=False``,
            ``linewidth=2``).

        Returns
        -------
        `matplotlib.patches.Ellipse`
        """
        x, y = (self._display_value(c, "centroid") for c in centroid)
        if isinstance(angle, u.Quantity):
            angle_deg = float(angle.to_value(u.deg))
        else:
            angle_deg = float(np.rad2deg(angle))
        return self._add_ellipse(
            x,
            y,
            self._display_value(length, "length"),
            self._display_value(width, "width"),
            angle_deg,
            **kwargs,
        )

    def overlay_moments(
        self,
        hillas,
        *,
        with_label: bool = True,
        n_sigma: float = 1,
        keep_old: bool = False,
        color="cyan",
        linewidth: float = 2,
        **kwargs,
    ) -> MomentsOverlay:
        """Draw the Hillas ellipse and its major axis.

        The ellipse is centred on the centroid, ``2 n_sigma length`` long and
        ``2 n_sigma width`` wide, turned by ``psi``; the axis is a dotted line
        through it, twice as long.

        Parameters
        ----------
        hillas : CameraHillasParametersContainer or HillasParametersContainer
            From `~cherenkit.image.hillas_parameters` with this display's geometry
            (or a subset of it, ``geometry[mask]``): camera-frame parameters for a
            camera-frame geometry, telescope-frame ones for a telescope-frame one.
        with_label : bool
            Write length, width, psi and intensity in the upper left corner of the
            axes (further labels go below). Default is True.
        n_sigma : float
            Size of the ellipse in standard deviations. Default is 1.
        keep_old : bool
            Keep the overlays drawn before. Default is False.
        color : matplotlib colour
            Default is ``"cyan"``.
        linewidth : float
            Default is 2.
        **kwargs
            Passed to `matplotlib.patches.Ellipse` (they override ``color`` and
            ``linewidth`` there, e.g. ``edgecolor``, ``linestyle``).

        Returns
        -------
        MomentsOverlay

        Raises
        ------
        TypeError
            When ``hillas`` belongs to the other frame.
        ValueError
            When its centroid, length, width or psi is not finite, or ``n_sigma``
            is not positive.
        """
        if not np.isfinite(n_sigma) or n_sigma <= 0:
            raise ValueError(f"n_sigma must be a positive number, got {n_sigma!r}")
        ellipse_geometry = ellipse_on_display(hillas, self.geometry)
        x, y, length, width, angle_deg = ellipse_geometry
        if not keep_old:
            self.clear_overlays()
        style = {"edgecolor": color, "linewidth": linewidth, **kwargs}
        ellipse = self._add_ellipse(
            x, y, 2 * n_sigma * length, 2 * n_sigma * width, angle_deg, **style
        )
        angle = np.deg2rad(angle_deg)
        half = 2 * n_sigma * length
        dx, dy = half * np.cos(angle), half * np.sin(angle)
        (axis,) = self.axes.plot(
            [x - dx, x + dx],
            [y - dy, y + dy],
            color=color,
            linewidth=0.6 * linewidth,
            linestyle=":",
            zorder=3,
            scalex=False,
            scaley=False,
        )
        self.overlays.append(axis)
        label = None
        if with_label:
            label = self._moments_label(hillas, ellipse_geometry, color)
            self.overlays.append(label)
        return MomentsOverlay(ellipse, axis, label)

    def _moments_label(self, hillas, ellipse, color):
        """Text in the upper left corner of the axes (below earlier labels)."""
        unit = self.geometry.unit.to_string()
        earlier = sum(1 for artist in self.overlays if artist in self.axes.texts)
        text = (
            f"length {ellipse.length:.3f} {unit}, width {ellipse.width:.3f} {unit}\n"
            f"psi {hillas.psi.to_value(u.deg):.1f} deg, intensity {hillas.intensity:.0f} p.e."
        )
        return self.axes.text(
            0.02,
            0.98 - 0.1 * earlier,
            text,
            transform=self.axes.transAxes,
            color=color,
            ha="left",
            va="top",
            fontsize="small",
            zorder=4,
            bbox={"facecolor": "black", "alpha": 0.6, "edgecolor": "none", "pad": 2},
        )

    def clear_overlays(self):
        """Remove everything `add_ellipse` and `overlay_moments` drew."""
        while self.overlays:
            self.overlays.pop().remove()

    # --- axes --------------------------------------------------------------------------

    @property
    def title(self) -> str:
        """The axes title."""
        return self.axes.get_title()

    @title.setter
    def title(self, title: str):
        self.axes.set_title(title)

    def update(self):
        """Ask the figure to redraw when the GUI is next idle (interactive use)."""
        self.axes.figure.canvas.draw_idle()


def _symlog():
    return SymLogNorm(linthresh=1.0, base=10)


def _check_log_limits(zmin, zmax):
    if not (zmin > 0 and zmax > 0):
        raise ValueError(
            f"a logarithmic colour scale needs positive limits, got zmin={zmin:g}, "
            f"zmax={zmax:g}; use norm='symlog' or 'lin' to show values <= 0"
        )
