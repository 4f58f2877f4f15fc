"""Camera geometry: where the pixels are, how large they are, which touch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import astropy.units as u
import attrs
import numpy as np

from ..errors import ParameterError
from ._geometry_table import geometry_fields_from_table, geometry_to_table
from ._mapping import camera_to_fov, fov_to_camera
from ._neighbors import border_mask, find_neighbor_pairs, induced_pairs, pairs_to_csr
from ._validation import (
    as_angle,
    as_int_array,
    as_quantity,
    check_choice,
    check_quantity,
    check_str,
    quantity_equal,
    readonly,
)

if TYPE_CHECKING:
    from astropy.table import Table
    from scipy.sparse import csr_matrix

# scipy and astropy.table are imported where they are used, to keep imports light

__all__ = ["FRAMES", "PIXEL_SHAPES", "CameraGeometry"]

PIXEL_SHAPES = ("hexagon", "square", "circle")
"""Pixel shapes. Aliases accepted on input: ``hexagonal``/``hex...``, ``rectangular``/
``rect...``, ``circular``/``circ...``, in any case (ctapipe's and sim_telarray's names)."""

FRAMES = ("camera", "telescope")
"""Frames a geometry can be expressed in: the focal plane (m) or the field of view (deg)."""


def _as_pixel_shape(value):
    value = getattr(value, "value", value)  # enum members (ctapipe's PixelShape)
    if not isinstance(value, str):
        return value
    name = value.strip().lower()
    if name.startswith("hex"):
        return "hexagon"
    if name == "square" or name.startswith("rect"):
        return "square"
    if name.startswith("circ"):
        return "circle"
    return value


def _check_pixel_shape(instance, attribute, value):
    if value not in PIXEL_SHAPES:
        raise ParameterError(
            "CameraGeometry",
            "pix_type",
            f"unknown pixel shape {value!r}; expected one of 'hexagon', 'square', 'circle' "
            "(aliases such as 'hexagonal', 'rectangular' and upper case are accepted)",
        )


_SAME_QUANTITY = attrs.cmp_using(eq=quantity_equal)


@attrs.frozen(kw_only=True)
class CameraGeometry:
    """Pixel layout of a Cherenkov camera, in the focal plane or in the field of view.

    Pixels are addressed by their index ``0 .. n_pixels - 1`` (the position in the
    per-pixel arrays, the same as in an image); ``pix_id`` is carried along and
    survives slicing. Derived arrays (neighbours, border masks) are computed on
    first use and cached; all stored arrays are read-only.

    Attributes
    ----------
    name : str
        Camera name, e.g. ``"LSTCam"``.
    pix_id : `numpy.ndarray` of int, shape (n_pixels,)
        Pixel ids.
    pix_x, pix_y : `~astropy.units.Quantity`, shape (n_pixels,)
        Pixel centres: length in the camera frame (x, y of `CameraFrame`), angle in
        the telescope frame (``fov_lat``, ``fov_lon`` of `TelescopeFrame`, in that
        order: ``pix_x`` is the coordinate along camera x).
    pix_area : `~astropy.units.Quantity`, shape (n_pixels,)
        Pixel areas, in the square of the unit of ``pix_x``.
    pix_type : {"hexagon", "square", "circle"}
        Pixel shape; the aliases in `PIXEL_SHAPES` are accepted.
    pix_rotation : `~astropy.units.Quantity`, angle
        Rotation of the pixel shape. Default is 0 deg.
    cam_rotation : `~astropy.units.Quantity`, angle
        Rotation of the whole camera not yet applied to the pixel positions
        (see `derotate`). Default is 0 deg.
    frame : {"camera", "telescope"}
        Frame of the pixel positions. Default is ``"camera"``.

    Raises
    ------
    cherenkit.errors.ParameterError
        When a field has a wrong type, unit, value or length.

    Examples
    --------
    >>> import astropy.units as u
    >>> geom = CameraGeometry.make_rectangular(n_x=3, n_y=3)
    >>> geom.n_pixels, int(geom.neighbor_matrix[4].sum())
    (9, 4)
    >>> geom.get_border_pixel_mask().sum()
    np.int64(8)
    """

    name: str = attrs.field(validator=check_str)
    pix_id: np.ndarray = attrs.field(converter=as_int_array, eq=attrs.cmp_using(eq=np.array_equal))
    pix_x: u.Quantity = attrs.field(
        converter=as_quantity,
        validator=check_quantity(("length", "angle"), ndim=1),
        eq=_SAME_QUANTITY,
    )
    pix_y: u.Quantity = attrs.field(
        converter=as_quantity,
        validator=check_quantity(("length", "angle"), ndim=1),
        eq=_SAME_QUANTITY,
    )
    pix_area: u.Quantity = attrs.field(
        converter=as_quantity,
        validator=check_quantity(("area", "solid angle"), ndim=1),
        eq=_SAME_QUANTITY,
    )
    pix_type: str = attrs.field(converter=_as_pixel_shape, validator=_check_pixel_shape)
    pix_rotation: u.Quantity = attrs.field(
        default=u.Quantity(0, u.deg),
        converter=as_angle,
        validator=check_quantity("angle", ndim=0),
        eq=_SAME_QUANTITY,
    )
    cam_rotation: u.Quantity = attrs.field(
        default=u.Quantity(0, u.deg),
        converter=as_angle,
        validator=check_quantity("angle", ndim=0),
        eq=_SAME_QUANTITY,
    )
    frame: str = attrs.field(default="camera", validator=check_choice(FRAMES))
    _cache: dict[Any, Any] = attrs.field(init=False, factory=dict, eq=False, repr=False)

    def __attrs_post_init__(self):
        if not isinstance(self.pix_id, np.ndarray) or self.pix_id.ndim != 1:
            raise ParameterError(
                "CameraGeometry",
                "pix_id",
                f"expected a 1-d array of integers, got {self.pix_id!r:.60}",
            )
        shape = self.pix_id.shape
        for key in ("pix_x", "pix_y", "pix_area"):
            value = getattr(self, key)
            if value.shape != shape:
                raise ParameterError(
                    "CameraGeometry",
                    key,
                    f"has {value.shape[0]} entries but pix_id has {shape[0]}: "
                    "every per-pixel array needs one entry per pixel",
                )
        expected = "length" if self.frame == "camera" else "angle"
        for key in ("pix_x", "pix_y"):
            if getattr(self, key).unit.physical_type != expected:
                raise ParameterError(
                    "CameraGeometry",
                    key,
                    f"a geometry in the {self.frame!r} frame needs a unit of {expected}, "
                    f"got {getattr(self, key).unit}",
                )
        if not self.pix_area.unit.is_equivalent(self.pix_x.unit**2):
            raise ParameterError(
                "CameraGeometry",
                "pix_area",
                f"expected a unit of {self.pix_x.unit**2} (pix_x unit squared), "
                f"got {self.pix_area.unit}",
            )

    def __hash__(self):
        return hash(("CameraGeometry", self.name, self.n_pixels, self.pix_type, self.frame))

    def __repr__(self):
        return (
            f"CameraGeometry(name={self.name!r}, pix_type={self.pix_type!r}, "
            f"n_pixels={self.n_pixels}, pix_rotation={self.pix_rotation.to_value(u.deg):.3f} deg, "
            f"cam_rotation={self.cam_rotation.to_value(u.deg):.3f} deg, frame={self.frame!r})"
        )

    def __str__(self):
        return self.name

    def __len__(self):
        return self.n_pixels

    def _cached(self, key, compute):
        """``compute()``, once per geometry; other cherenkit modules keep their
        geometry-derived arrays here too (keys ``kernel_...``)."""
        try:
            return self._cache[key]
        except KeyError:
            value = self._cache[key] = compute()
            return value

    def _share_neighbors(self, other: CameraGeometry) -> None:
        """Give ``other`` (same pixels, moved) this geometry's neighbours, now or later."""
        if "pairs" in self._cache:
            other._cache["pairs"] = self._cache["pairs"]
        else:
            other._cache["parent"] = (self, np.arange(self.n_pixels))

    # --- sizes -----------------------------------------------------------------

    @property
    def n_pixels(self) -> int:
        """Number of pixels."""
        return len(self.pix_id)

    @property
    def unit(self) -> u.UnitBase:
        """Unit of the pixel positions (m in the camera frame, deg in the telescope frame)."""
        return self.pix_x.unit

    @property
    def pixel_width(self) -> u.Quantity:
        """Pixel width from the area, shape (n_pixels,).

        Flat-to-flat width for hexagons, side for squares, diameter for circles.
        """
        area = self.pix_area
        if self.pix_type == "hexagon":
            width = np.sqrt(2 * area / np.sqrt(3))
        elif self.pix_type == "square":
            width = np.sqrt(area)
        else:
            width = 2 * np.sqrt(area / np.pi)
        return readonly(width)

    def guess_radius(self) -> u.Quantity:
        """Camera radius: mean distance of the border pixels from the camera centre.

        The centre is the mean pixel position; the border is
        ``get_border_pixel_mask(1)``.
        """
        border = self.get_border_pixel_mask()
        x, y = self.pix_x.to_value(self.unit), self.pix_y.to_value(self.unit)
        r = np.hypot(x[border] - x.mean(), y[border] - y.mean())
        return u.Quantity(r.mean(), self.unit)

    @staticmethod
    def guess_pixel_width(pix_x: u.Quantity, pix_y: u.Quantity) -> u.Quantity:
        """Smallest distance between two pixel centres (the pitch of a regular grid).

        Parameters
        ----------
        pix_x, pix_y : `~astropy.units.Quantity`, shape (n_pixels,)

        Returns
        -------
        width : `~astropy.units.Quantity`, scalar, unit of ``pix_x``
        """
        unit = pix_x.unit
        points = np.column_stack([pix_x.to_value(unit), pix_y.to_value(unit)])
        if len(points) < 2:
            raise ParameterError(
                "CameraGeometry", "pix_x", "need at least 2 pixels to guess a pixel width"
            )
        from scipy.spatial import cKDTree

        distance, _ = cKDTree(points).query(points, k=2)
        return u.Quantity(distance[:, 1].min(), unit)

    # --- neighbours ------------------------------------------------------------

    @property
    def neighbor_pairs(self) -> np.ndarray:
        """Undirected neighbour pairs ``(i, j)``, ``i < j``, shape (n_pairs, 2), int64.

        Found from the pixel positions with the rule described in
        `cherenkit.instrument.find_neighbor_pairs` (ctapipe's rule, made symmetric).
        """

        def compute():
            if "parent" in self._cache:
                parent, index = self._cache.pop("parent")
                return readonly(induced_pairs(parent.neighbor_pairs, index, parent.n_pixels))
            x, y = self.pix_x.to_value(self.unit), self.pix_y.to_value(self.unit)
            return readonly(find_neighbor_pairs(x, y, self.pix_type))

        return self._cached("pairs", compute)

    @property
    def neighbor_matrix_sparse(self) -> csr_matrix:
        """Symmetric boolean adjacency matrix, `scipy.sparse.csr_matrix` (n_pixels, n_pixels).

        Row ``i`` holds the neighbours of pixel ``i`` in ``indices[indptr[i]:indptr[i+1]]``
        (sorted); do not modify it, it is shared.
        """
        return self._cached("csr", lambda: pairs_to_csr(self.neighbor_pairs, self.n_pixels))

    @property
    def neighbor_matrix(self) -> np.ndarray:
        """Dense boolean adjacency matrix, shape (n_pixels, n_pixels), read-only."""
        return self._cached("dense", lambda: readonly(self.neighbor_matrix_sparse.toarray()))

    @property
    def neighbors(self) -> list[np.ndarray]:
        """Neighbour indices of every pixel: a list of n_pixels sorted int arrays."""

        def compute():
            csr = self.neighbor_matrix_sparse
            indices = readonly(csr.indices.astype(np.int64))
            return np.split(indices, csr.indptr[1:-1])

        return self._cached("list", compute)

    @property
    def n_neighbors(self) -> np.ndarray:
        """Number of neighbours of every pixel, shape (n_pixels,), int64."""
        return self._cached(
            "n_neighbors",
            lambda: readonly(np.diff(self.neighbor_matrix_sparse.indptr).astype(np.int64)),
        )

    @property
    def max_neighbors(self) -> int:
        """Largest number of neighbours of any pixel."""
        return int(self.n_neighbors.max(initial=0))

    def get_border_pixel_mask(self, width: int = 1) -> np.ndarray:
        """Pixels at the edge of the camera.

        ``width=1`` selects the pixels with fewer neighbours than the best-connected
        pixel (fewer than 6 on a full hexagonal camera, 4 on a square one, so pixels
        along gaps between modules count too); each further width adds the
        neighbours of the pixels already selected. On the reference cameras this
        equals ctapipe's mask for every width.

        Parameters
        ----------
        width : int
            Width of the border in pixels, >= 1. Default is 1.

        Returns
        -------
        mask : `numpy.ndarray` of bool, shape (n_pixels,), read-only

        Raises
        ------
        cherenkit.errors.ParameterError
            When ``width`` is not an integer >= 1.
        """
        if isinstance(width, bool) or not isinstance(width, int | np.integer) or width < 1:
            raise ParameterError(
                "CameraGeometry.get_border_pixel_mask",
                "width",
                f"expected an integer >= 1, got {width!r}",
            )
        width = int(width)
        return self._cached(
            ("border", width),
            lambda: readonly(border_mask(self.neighbor_matrix_sparse, width)),
        )

    # --- derived geometries ----------------------------------------------------

    def __getitem__(self, selection) -> CameraGeometry:
        """The geometry of a subset of pixels, e.g. ``geometry[mask]``.

        ``selection`` is a boolean mask of shape (n_pixels,), an index array or a
        slice. The neighbours of the result are the pairs of the original geometry
        between selected pixels (ctapipe instead searches them again among the
        remaining positions, so there a pixel can gain a neighbour across a cut).
        """
        if (
            isinstance(selection, np.ndarray)
            and selection.dtype == np.bool_
            and selection.shape == (self.n_pixels,)
        ):  # the per-image hot path: a cleaning mask
            index = np.flatnonzero(selection)
            sliced = self._subset(index)
            sliced._cache["parent"] = (self, index)
            return sliced
        try:
            index = np.arange(self.n_pixels)[selection]
        except IndexError as err:
            index, problem = None, str(err)
        else:
            problem = f"it selects an array of shape {np.shape(index)}"
        if index is None or index.ndim != 1:
            raise ParameterError(
                "CameraGeometry",
                "selection",
                f"expected a boolean mask of {self.n_pixels} pixels, an index array or a "
                f"slice, but {problem}",
            )
        sliced = self._subset(index)
        if len(np.unique(index)) == len(index):
            sliced._cache["parent"] = (self, index)
        return sliced

    def _subset(self, index) -> CameraGeometry:
        """A geometry of the pixels ``index``, skipping validation.

        A subset of a valid geometry is valid, and `__getitem__` is on the per-image
        hot path (``hillas_parameters(geometry[mask], ...)``), where re-running every
        converter and validator cost ~60 µs.
        """
        subset = object.__new__(type(self))
        for name in _SHARED_FIELDS:
            object.__setattr__(subset, name, getattr(self, name))
        object.__setattr__(subset, "pix_id", readonly(self.pix_id[index]))
        for name in ("pix_x", "pix_y", "pix_area"):
            quantity = getattr(self, name)
            values = readonly(quantity.value[index]).view(u.Quantity)
            values._unit = quantity.unit
            object.__setattr__(subset, name, values)
        object.__setattr__(subset, "_cache", {})
        return subset

    def rotate(self, angle) -> CameraGeometry:
        """The geometry with pixel positions turned counter-clockwise by ``angle``.

        ``pix_rotation`` grows by ``angle``; ``cam_rotation`` is unchanged.
        """
        angle = as_angle(angle)
        if not isinstance(angle, u.Quantity) or angle.ndim != 0:
            raise ParameterError(
                "CameraGeometry.rotate", "angle", f"expected a scalar angle, got {angle!r:.60}"
            )
        cos, sin = np.cos(angle.to_value(u.rad)), np.sin(angle.to_value(u.rad))
        x, y = self.pix_x, self.pix_y.to(self.unit)
        rotated = attrs.evolve(
            self,
            pix_x=x * cos - y * sin,
            pix_y=x * sin + y * cos,
            pix_rotation=self.pix_rotation + angle,
        )
        self._share_neighbors(rotated)
        return rotated

    def derotate(self) -> CameraGeometry:
        """The geometry with ``cam_rotation`` applied to the positions and set to 0.

        The positions turn by ``-cam_rotation`` and ``pix_rotation`` drops by
        ``cam_rotation``, as ctapipe does when it builds a geometry.
        """
        if self.cam_rotation.value == 0:
            return self
        result = attrs.evolve(self.rotate(-self.cam_rotation), cam_rotation=u.Quantity(0, u.deg))
        self._share_neighbors(result)
        return result

    def transform_to_telescope_frame(self, focal_length: u.Quantity) -> CameraGeometry:
        """The geometry in the telescope frame (angles from the optical axis, deg).

        The mapping is equidistant (or small-angle): ``fov_lat = x / f`` and
        ``fov_lon = y / f`` in radians, so ``pix_x`` becomes ``fov_lat`` and
        ``pix_y`` ``fov_lon``; areas scale by ``1 / f**2`` (sr). Swapping the axes
        mirrors the layout, so the pixel rotation becomes ``90 deg - pix_rotation``.
        A camera rotation is applied first (`derotate`).

        Parameters
        ----------
        focal_length : `~astropy.units.Quantity`, length
            The focal length used for the mapping (equivalent or effective).

        Returns
        -------
        geometry : CameraGeometry
            With ``frame="telescope"`` and positions in deg, areas in deg².
        """
        f = self._focal_length_m(focal_length)
        if self.frame != "camera":
            raise ParameterError(
                "CameraGeometry",
                "frame",
                f"geometry {self.name!r} is already in the {self.frame!r} frame",
            )
        cam = self.derotate()
        lon, lat = camera_to_fov(cam.pix_x.to_value(u.m), cam.pix_y.to_value(u.m), f)
        deg_per_rad = np.rad2deg(1.0)
        result = attrs.evolve(
            cam,
            pix_x=u.Quantity(np.rad2deg(lat), u.deg),
            pix_y=u.Quantity(np.rad2deg(lon), u.deg),
            pix_area=u.Quantity(cam.pix_area.to_value(u.m**2) / f**2 * deg_per_rad**2, u.deg**2),
            pix_rotation=u.Quantity(90, u.deg) - cam.pix_rotation,
            cam_rotation=-cam.cam_rotation,
            frame="telescope",
        )
        cam._share_neighbors(result)
        return result

    def transform_to_camera_frame(self, focal_length: u.Quantity) -> CameraGeometry:
        """Inverse of `transform_to_telescope_frame`: positions back in m."""
        f = self._focal_length_m(focal_length)
        if self.frame != "telescope":
            raise ParameterError(
                "CameraGeometry",
                "frame",
                f"geometry {self.name!r} is already in the {self.frame!r} frame",
            )
        x, y = fov_to_camera(self.pix_y.to_value(u.rad), self.pix_x.to_value(u.rad), f)
        result = attrs.evolve(
            self,
            pix_x=u.Quantity(x, u.m),
            pix_y=u.Quantity(y, u.m),
            pix_area=u.Quantity(self.pix_area.to_value(u.sr) * f**2, u.m**2),
            pix_rotation=u.Quantity(90, u.deg) - self.pix_rotation,
            cam_rotation=-self.cam_rotation,
            frame="camera",
        )
        self._share_neighbors(result)
        return result

    @staticmethod
    def _focal_length_m(focal_length) -> float:
        ok = isinstance(focal_length, u.Quantity) and focal_length.unit.physical_type == "length"
        value = focal_length.to_value(u.m) if ok else np.nan
        if not ok or np.ndim(value) != 0 or not np.isfinite(value) or value <= 0:
            raise ParameterError(
                "CameraGeometry",
                "focal_length",
                f"expected a positive finite length Quantity, got {focal_length!r}",
            )
        return float(value)

    # --- tables ----------------------------------------------------------------

    def to_table(self) -> Table:
        """Pixel table: columns ``pix_id, pix_x, pix_y, pix_area``; the rest in ``meta``.

        ``meta`` holds ``CAM_ID``, ``PIX_TYPE``, ``PIX_ROT`` and ``CAM_ROT`` (deg),
        ``FRAME``, ``TAB_TYPE`` and ``TAB_VER`` (the keys ctapipe writes, plus FRAME).
        """
        return geometry_to_table(self)

    @classmethod
    def from_table(cls, table, **read_kwargs) -> CameraGeometry:
        """Build a geometry from a table written by `to_table` (or by ctapipe).

        Parameters
        ----------
        table : `~astropy.table.Table` or path
            The table, or a file `~astropy.table.Table.read` can read.
        **read_kwargs
            Passed to `~astropy.table.Table.read` when ``table`` is a path.

        Raises
        ------
        cherenkit.errors.DataFormatError
            When a column or meta key is missing or the table version is unknown.
        """
        return cls(**geometry_fields_from_table(table, read_kwargs))

    # --- named constructors ----------------------------------------------------

    @classmethod
    def make_rectangular(
        cls,
        *,
        n_x: int = 40,
        n_y: int = 40,
        range_x: tuple[float, float] = (-0.5, 0.5),
        range_y: tuple[float, float] = (-0.5, 0.5),
        name: str = "RectangularCamera",
    ) -> CameraGeometry:
        """A square-pixel test camera: ``n_x`` × ``n_y`` pixels, centres spanning the ranges (m).

        Pixel side is the x pitch; the pixel index runs along x first.
        """
        x = np.linspace(range_x[0], range_x[1], n_x)
        y = np.linspace(range_y[0], range_y[1], n_y)
        xx, yy = np.meshgrid(x, y)
        side = x[1] - x[0] if n_x > 1 else 1.0
        return cls(
            name=name,
            pix_id=np.arange(n_x * n_y),
            pix_x=u.Quantity(xx.ravel(), u.m),
            pix_y=u.Quantity(yy.ravel(), u.m),
            pix_area=u.Quantity(np.full(n_x * n_y, side**2), u.m**2),
            pix_type="square",
        )


# fields a pixel subset shares with its geometry (`CameraGeometry._subset`)
_SHARED_FIELDS = tuple(
    field.name
    for field in attrs.fields(CameraGeometry)
    if field.name not in ("pix_id", "pix_x", "pix_y", "pix_area", "_cache")
)
