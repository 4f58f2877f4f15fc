"""FITS files of reduced datasets, in the layout gammapy 2.1 writes with
``MapDataset.write``, so that either reads the other's files.

One dataset is one FITS file: an empty primary HDU whose header holds ``NAME`` (the
dataset name) and ``DSTYPE`` (the class, cherenkit only), then one map per HDU group
(see `cherenkit.maps.io` for the map layout; a map ``X`` on a `~cherenkit.maps.WcsGeom`
is the image ``X`` plus the table ``X_BANDS``, on a `~cherenkit.maps.RegionGeom` the
tables ``X``, ``X_BANDS`` and ``X_REGION``), in this order:

==================  ==========================================================
HDU                 content
==================  ==========================================================
COUNTS              counts
EXPOSURE            exposure (true energy)
BACKGROUND          background (`MapDataset` only)
EDISP               energy-dispersion kernel map; EDISP_EXPOSURE its exposure
PSF                 PSF map; PSF_EXPOSURE its exposure (sky maps only)
MASK_SAFE           safe mask (0/1)
MASK_FIT            fit mask (0/1)
GTI                 good time intervals (GADF GTI table)
META_TABLE          one row per observation
COUNTS_OFF          OFF counts (On/Off datasets)
ACCEPTANCE          ON acceptance (On/Off datasets)
ACCEPTANCE_OFF      OFF acceptance (On/Off datasets)
==================  ==========================================================

Absent maps are simply not written. Models are not written (gammapy neither): keep
them in a separate YAML/script and set ``dataset.models`` after reading.

A collection (`Datasets`) is a YAML index ``datasets.yaml`` listing ``name``, ``type``
and ``filename`` of each dataset, with one FITS file per dataset beside it (gammapy's
``Datasets.write`` layout).

Every file is written to a temporary name in its folder and renamed at the end, so an
error never leaves a partial file under the final name.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from cherenkit.errors import DataFormatError

__all__ = [
    "dataset_from_hdulist",
    "dataset_to_hdulist",
    "read_dataset",
    "read_datasets",
    "write_dataset",
    "write_datasets",
]

_MASKS = ("MASK_SAFE", "MASK_FIT")
_ON_OFF = ("COUNTS_OFF", "ACCEPTANCE", "ACCEPTANCE_OFF")
_DATASET_HDUS = ("COUNTS", "EXPOSURE", "BACKGROUND", "EDISP", "PSF", *_MASKS, *_ON_OFF)


# --- helpers ---------------------------------------------------------------------------


def _is_on_off(obj):
    from .map import MapDatasetOnOff

    return issubclass(obj if isinstance(obj, type) else type(obj), MapDatasetOnOff)


def _dataset_classes():
    from .map import MapDataset, MapDatasetOnOff
    from .spectrum import SpectrumDataset, SpectrumDatasetOnOff

    return {
        cls.tag: cls for cls in (MapDataset, MapDatasetOnOff, SpectrumDataset, SpectrumDatasetOnOff)
    }


def _temporary(path):
    return path.with_name(f".{path.name}.tmp{os.getpid()}")


def _write_atomic(path, write):
    """Call ``write(tmp)`` and rename ``tmp`` to ``path``; remove ``tmp`` on any error."""
    tmp = _temporary(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _check_target(path, overwrite):
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a directory; give a file name ending in .fits")


# --- one dataset -------------------------------------------------------------------------


def dataset_to_hdulist(dataset):
    """The `~astropy.io.fits.HDUList` of a dataset, in gammapy's layout (see the module
    docstring). Models are not included.

    Parameters
    ----------
    dataset : `MapDataset`, `MapDatasetOnOff`, `SpectrumDataset` or `SpectrumDatasetOnOff`

    Returns
    -------
    hdulist : `~astropy.io.fits.HDUList`
    """
    from astropy.io import fits

    import cherenkit

    primary = fits.PrimaryHDU()
    primary.header["NAME"] = (str(dataset.name), "dataset name")
    primary.header["DSTYPE"] = (dataset.tag, "dataset class")
    primary.header["CREATOR"] = f"cherenkit {cherenkit.__version__}"
    hdulist = fits.HDUList([primary])
    on_off = _is_on_off(dataset)

    def add(m, name):
        if m is not None:
            hdulist.extend(m.to_hdulist(hdu=name)[1:])

    add(dataset.counts, "COUNTS")
    add(dataset.exposure, "EXPOSURE")
    if dataset.exposure is not None and "livetime" in dataset.exposure.meta:
        hdulist["EXPOSURE"].header["META"] = _meta_json(dataset.exposure.meta)
    if not on_off:
        add(dataset.background, "BACKGROUND")
    if dataset.edisp is not None:
        add(dataset.edisp.edisp_map, "EDISP")
        add(dataset.edisp.exposure_map, "EDISP_EXPOSURE")
    if dataset.psf is not None:
        add(dataset.psf.psf_map, "PSF")
        add(dataset.psf.exposure_map, "PSF_EXPOSURE")
    add(dataset.mask_safe, "MASK_SAFE")
    add(dataset.mask_fit, "MASK_FIT")
    if dataset.gti is not None:
        hdulist.append(dataset.gti.to_table_hdu(name="GTI"))
    if dataset.meta_table is not None:
        table = fits.table_to_hdu(dataset.meta_table)
        table.name = "META_TABLE"
        hdulist.append(table)
    if on_off:
        add(dataset.counts_off, "COUNTS_OFF")
        add(dataset.acceptance, "ACCEPTANCE")
        add(dataset.acceptance_off, "ACCEPTANCE_OFF")
    return hdulist


def _meta_json(meta):
    """META card of the exposure, with the live time as gammapy writes it (``"1687.0 s"``;
    the shortest repr, so reading gives back the same float)."""
    import astropy.units as u

    meta = dict(meta)
    try:
        meta["livetime"] = u.Quantity(meta["livetime"], u.s).to_string()
    except (TypeError, ValueError, u.UnitsError):
        pass
    return json.dumps(meta, default=str)


def _problem(err, path):
    message = str(err.args[0]) if err.args else str(err)
    prefix = f"{path}: "
    return message[len(prefix) :] if message.startswith(prefix) else message


def _read_map(hdulist, name, path):
    """The map in HDU ``name`` (None when absent): an image HDU is a WCS map, a table a
    region map. Every failure becomes a `DataFormatError` naming the file and HDU."""
    from astropy.io import fits

    from cherenkit.maps import RegionNDMap, WcsNDMap

    if name not in hdulist:
        return None
    hdu = hdulist[name]
    try:
        if isinstance(hdu, fits.BinTableHDU):
            return RegionNDMap.from_hdulist(hdulist, hdu=name, path=path)
        if not hdu.is_image or hdu.data is None:
            raise ValueError(f"HDU {name!r} holds no image data")
        return WcsNDMap.from_hdulist(hdulist, hdu=name, path=path)
    except DataFormatError:
        raise
    except (KeyError, ValueError, TypeError, IndexError, OSError) as err:
        raise DataFormatError(path, f"HDU {name!r}: {_problem(err, path)}") from err


def _check_shape(m, shape, name, path, what, *, image=False):
    if m is None:
        return
    found = m.data.shape[-2:] if image else m.data.shape
    if found != tuple(shape):
        raise DataFormatError(
            path,
            f"HDU {name!r} has data of shape {m.data.shape}, but {what} of shape "
            f"{tuple(shape)}; the file is not a consistent dataset",
        )


def _livetime_seconds(m):
    """gammapy stores the live time as a string such as ``"1687.0 s"``: make it seconds."""
    import astropy.units as u

    value = m.meta.get("livetime") if m is not None else None
    if isinstance(value, str):
        try:
            m.meta["livetime"] = float(u.Quantity(value).to_value(u.s))
        except (TypeError, ValueError, u.UnitsError):
            pass


def dataset_from_hdulist(hdulist, *, cls=None, name=None, path="<memory>"):
    """A dataset of class ``cls`` from an HDU list in gammapy's layout.

    Parameters
    ----------
    hdulist : `~astropy.io.fits.HDUList`
    cls : type, optional
        `MapDataset`, `MapDatasetOnOff`, `SpectrumDataset` or `SpectrumDatasetOnOff`.
        Default: the ``DSTYPE`` of the primary header, else `MapDataset`. Maps the class
        does not hold are ignored (the OFF maps for `MapDataset`, BACKGROUND for an
        On/Off dataset, PSF for a region geometry).
    name : str, optional
        Default: ``NAME`` of the primary header, else a random name.
    path : str or path-like
        The file, for error messages.

    Returns
    -------
    dataset : ``cls``

    Raises
    ------
    cherenkit.errors.DataFormatError
        COUNTS is missing, a map cannot be read, maps disagree in shape, or an On/Off
        file has OFF counts without both acceptances.
    """
    from astropy.table import Table

    from cherenkit.data import GTI

    from .irf_maps import EDispKernelMap, PSFMap

    names = [hdu.name for hdu in hdulist]
    header = hdulist[0].header if len(hdulist) else {}
    if cls is None:
        cls = _dataset_classes().get(str(header.get("DSTYPE", "")).strip())
        if cls is None:
            from .map import MapDataset

            cls = MapDataset
    if "COUNTS" not in names:
        raise DataFormatError(
            path,
            f"no COUNTS HDU, so this is not a dataset file (written by MapDataset.write "
            f"or gammapy); the file has the HDUs {names}",
        )
    kwargs = {"name": name if name is not None else header.get("NAME")}
    maps = {key: _read_map(hdulist, key, path) for key in _DATASET_HDUS}
    counts = maps["COUNTS"]
    geom = counts.geom
    if hasattr(cls, "_check_geom"):
        try:
            cls._check_geom(geom)
        except TypeError as err:
            raise DataFormatError(
                path, f"HDU 'COUNTS': {err}; read this file with MapDataset.read"
            ) from err
    is_region = hasattr(geom, "region")
    for key in ("BACKGROUND", *_MASKS, *_ON_OFF):
        _check_shape(maps[key], geom.data_shape, key, path, "the counts are")
    _check_shape(
        maps["EXPOSURE"], geom.data_shape[-2:], "EXPOSURE", path, "counts images are", image=True
    )
    exposure = maps["EXPOSURE"]
    if exposure is not None and exposure.geom.axes and exposure.geom.axes[0].name == "energy":
        axes = [exposure.geom.axes[0].copy(name="energy_true"), *exposure.geom.axes[1:]]
        exposure = exposure.copy(geom=exposure.geom.replace_axes(axes))
    _livetime_seconds(exposure)
    for key in _MASKS:
        if maps[key] is not None:
            maps[key] = maps[key].copy(data=maps[key].data.astype(bool))
    kwargs.update(
        counts=counts,
        exposure=exposure,
        mask_safe=maps["MASK_SAFE"],
        mask_fit=maps["MASK_FIT"],
    )
    if maps["EDISP"] is not None:
        kwargs["edisp"] = EDispKernelMap(maps["EDISP"], _read_map(hdulist, "EDISP_EXPOSURE", path))
    if maps["PSF"] is not None and not is_region:
        kwargs["psf"] = PSFMap(maps["PSF"], _read_map(hdulist, "PSF_EXPOSURE", path))
    if "GTI" in names:
        kwargs["gti"] = GTI.from_hdu(hdulist["GTI"], filename=path)
    if "META_TABLE" in names:
        try:
            kwargs["meta_table"] = Table.read(hdulist["META_TABLE"])
        except (ValueError, TypeError) as err:
            raise DataFormatError(path, f"HDU 'META_TABLE': {err}") from err
    if _is_on_off(cls):
        if maps["COUNTS_OFF"] is not None:
            missing = [key for key in _ON_OFF[1:] if maps[key] is None]
            if missing:
                raise DataFormatError(
                    path,
                    f"the file has COUNTS_OFF but no {' and '.join(missing)} HDU; an "
                    "On/Off dataset needs both acceptances",
                )
        kwargs.update(
            counts_off=maps["COUNTS_OFF"],
            acceptance=maps["ACCEPTANCE"],
            acceptance_off=maps["ACCEPTANCE_OFF"],
        )
    else:
        kwargs["background"] = maps["BACKGROUND"]
    return cls(**kwargs)


def write_dataset(dataset, filename, *, overwrite=False):
    """Write ``dataset`` to the FITS file ``filename`` (see the module docstring).

    The folder is created when missing; the file is written under a temporary name
    and renamed at the end. Models are not written.

    Parameters
    ----------
    dataset : `MapDataset` or a subclass
    filename : str or path-like
    overwrite : bool
        Replace an existing file. Default is False.

    Raises
    ------
    FileExistsError
        ``filename`` exists and ``overwrite`` is False.
    """
    path = Path(filename)
    _check_target(path, overwrite)
    hdulist = dataset_to_hdulist(dataset)
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomic(path, lambda tmp: hdulist.writeto(tmp, overwrite=True))


def read_dataset(filename, *, cls=None, name=None):
    """Read one dataset from a FITS file written by `write_dataset` or gammapy.

    Parameters
    ----------
    filename : str or path-like
    cls : type, optional
        Dataset class; default from the file (``DSTYPE``), else `MapDataset`.
    name : str, optional
        Default: the name stored in the file.

    Returns
    -------
    dataset : ``cls``

    Raises
    ------
    FileNotFoundError
        No such file.
    cherenkit.errors.DataFormatError
        The file is not FITS or not a dataset (see `dataset_from_hdulist`).
    """
    import warnings

    from astropy.io import fits
    from astropy.utils.exceptions import AstropyUserWarning

    path = Path(filename)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such dataset file")
    with warnings.catch_warnings():
        # astropy only warns about a truncated file and reads what is there
        warnings.filterwarnings("error", "File may have been truncated", AstropyUserWarning)
        hdulist = None
        try:
            hdulist = fits.open(path, memmap=False)
            hdulist.readall()
        except (OSError, ValueError, AstropyUserWarning) as err:
            if hdulist is not None:
                hdulist.close()
            raise DataFormatError(path, f"cannot be read as FITS: {err}") from err
    with hdulist:
        return dataset_from_hdulist(hdulist, cls=cls, name=name, path=path)


# --- collections -------------------------------------------------------------------------


def _index_path(path):
    path = Path(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        return path
    return path / "datasets.yaml"


def _file_name(name):
    return re.sub(r"[^A-Za-z0-9._+-]", "_", str(name)) + ".fits"


def write_datasets(datasets, path, *, overwrite=False):
    """Write a collection as gammapy does: a YAML index plus one FITS file per dataset.

    Parameters
    ----------
    datasets : `Datasets` or iterable of datasets
    path : str or path-like
        The index file (ending in ``.yaml`` / ``.yml``) or a folder, in which the index
        is ``datasets.yaml``. Dataset files ``<name>.fits`` go beside the index.
    overwrite : bool
        Replace existing files. Default is False: if the index or any dataset file
        exists, nothing is written.

    Returns
    -------
    index : `~pathlib.Path`
        The YAML index written.

    Raises
    ------
    FileExistsError
        A target file exists and ``overwrite`` is False.
    ValueError
        Two dataset names give the same file name.
    """
    import yaml

    index = _index_path(path)
    folder = index.parent
    entries, targets = [], [index]
    for dataset in datasets:
        filename = _file_name(dataset.name)
        if folder / filename in targets:
            raise ValueError(
                f"datasets {dataset.name!r} and another one would both be written to "
                f"{filename}; rename one of them"
            )
        targets.append(folder / filename)
        entries.append({"name": str(dataset.name), "type": dataset.tag, "filename": filename})
    for target in targets:
        _check_target(target, overwrite)
    folder.mkdir(parents=True, exist_ok=True)
    created = []
    try:
        for dataset, target in zip(datasets, targets[1:], strict=True):
            existed = target.exists()
            write_dataset(dataset, target, overwrite=True)
            if not existed:
                created.append(target)
        text = yaml.safe_dump({"datasets": entries}, sort_keys=False)
        _write_atomic(index, lambda tmp: tmp.write_text(text))
    except BaseException:
        for target in created:  # files this call made; replaced ones cannot be restored
            target.unlink(missing_ok=True)
        raise
    return index


def read_datasets(path):
    """Read a collection written by `write_datasets` or gammapy's ``Datasets.write``.

    Parameters
    ----------
    path : str or path-like
        The YAML index, or the folder holding ``datasets.yaml``.

    Returns
    -------
    datasets : `Datasets`

    Raises
    ------
    FileNotFoundError
        No index or a listed dataset file is missing.
    cherenkit.errors.DataFormatError
        The index is not a list of datasets, names a type cherenkit cannot read, or a
        dataset file is not a dataset.
    """
    import yaml

    from .collection import Datasets

    index = _index_path(path)
    if not index.is_file():
        raise FileNotFoundError(f"{index}: no datasets index (YAML) found")
    try:
        content = yaml.safe_load(index.read_text())
    except yaml.YAMLError as err:
        raise DataFormatError(index, f"not valid YAML: {err}") from err
    entries = content.get("datasets") if isinstance(content, dict) else None
    if not isinstance(entries, list):
        raise DataFormatError(index, "expected a mapping with a 'datasets' list")
    classes = _dataset_classes()
    datasets = Datasets()
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or "filename" not in entry:
            raise DataFormatError(index, f"entry {i} has no 'filename': {entry!r}")
        kind = entry.get("type", "MapDataset")
        if kind not in classes:
            raise DataFormatError(
                index,
                f"entry {i} has type {kind!r}; cherenkit reads {', '.join(sorted(classes))}",
            )
        filename = Path(entry["filename"])
        if not filename.is_absolute():
            filename = index.parent / filename
        datasets.append(read_dataset(filename, cls=classes[kind], name=entry.get("name")))
    return datasets
