"""Read any GADF IRF HDU into its class, chosen by the HDUCLAS keywords.

References
----------
.. [GADF] "Data formats for gamma-ray astronomy", HDU classes:
   https://gamma-astro-data-formats.readthedocs.io/en/latest/general/hduclass.html
   and "IRFs > Full-enclosure IRFs" (AEFF_2D, EDISP_2D, PSF_TABLE, PSF_3GAUSS,
   PSF_KING, BKG_2D, BKG_3D), "IRFs > Point-like IRFs" (RAD_MAX_2D).
"""

from __future__ import annotations

import importlib

from cherenkit.errors import DataFormatError

__all__ = ["IRF_CLASSES", "load_irf"]

#: HDU class (HDUCLAS4 / the HDU index's HDU_CLASS, lower case) -> (module, class name)
IRF_CLASSES = {
    "aeff_2d": ("effective_area", "EffectiveAreaTable2D"),
    "edisp_2d": ("edisp", "EnergyDispersion2D"),
    "psf_table": ("psf_table", "PSF3D"),
    "psf_3gauss": ("psf_parametric", "EnergyDependentMultiGaussPSF"),
    "psf_king": ("psf_parametric", "PSFKing"),
    "bkg_2d": ("background", "Background2D"),
    "bkg_3d": ("background", "Background3D"),
    "rad_max_2d": ("rad_max", "RadMax2D"),
}

# HDUCLAS2 -> the HDU type it announces; H.E.S.S. DR1 (GADF 0.2) writes "RPSF" for PSFs
_CLAS2_TYPE = {
    "eff_area": "aeff",
    "edisp": "edisp",
    "rpsf": "psf",
    "psf": "psf",
    "bkg": "bkg",
    "rad_max": "rad_max",
}


def _hdu_label(hdu, filename) -> str:
    name = getattr(hdu, "name", None) or "?"
    if filename is None:
        fileobj = getattr(hdu, "_file", None)
        filename = getattr(fileobj, "name", None)
    return f"{filename or '<memory>'}[{name}]"


def _normalise_class(header, hdu_class):
    """The HDU class (``aeff_2d``, ...) from an index entry or the header keywords."""
    if hdu_class:
        return str(hdu_class).strip().lower()
    clas4 = str(header.get("HDUCLAS4", "")).strip().lower()
    if clas4 in IRF_CLASSES:
        return clas4
    clas2 = str(header.get("HDUCLAS2", "")).strip().lower()
    hdu_type = _CLAS2_TYPE.get(clas2, clas2)
    # CTA 1DC style: HDUCLAS4 holds only the suffix ("2D", "3D", "TABLE")
    combined = f"{hdu_type}_{clas4}" if clas4 else ""
    if combined in IRF_CLASSES:
        return combined
    return clas4 or clas2


def load_irf(hdu, *, hdu_class=None, filename=None):
    """Read an IRF from a GADF FITS binary-table HDU.

    The class is chosen by the header keywords HDUCLAS2/HDUCLAS4 or, when
    given, by ``hdu_class`` (the ``HDU_CLASS`` column of an HDU index), never by
    the extension name.

    Parameters
    ----------
    hdu : `~astropy.io.fits.BinTableHDU`
        The IRF HDU (one row, array cells, as GADF stores IRFs).
    hdu_class : str, optional
        HDU class from the HDU index, e.g. ``"aeff_2d"``, ``"psf_table"``.
        Default is None: read it from the header.
    filename : str or `~pathlib.Path`, optional
        File the HDU came from, used in error messages.

    Returns
    -------
    irf : `EffectiveAreaTable2D`, `EnergyDispersion2D`, `PSF3D`,
        `EnergyDependentMultiGaussPSF`, `PSFKing`, `Background2D`,
        `Background3D` or `RadMax2D`

    Raises
    ------
    cherenkit.errors.DataFormatError
        The HDU class is unknown, or the HDU lacks a column, a unit or a keyword.
    """
    label = _hdu_label(hdu, filename)
    header = getattr(hdu, "header", None)
    if header is None:
        raise DataFormatError(label, f"expected a FITS binary table HDU, got {type(hdu).__name__}")
    cls_key = _normalise_class(header, hdu_class)
    if cls_key not in IRF_CLASSES:
        known = ", ".join(sorted(IRF_CLASSES))
        clas2 = header.get("HDUCLAS2", "<missing>")
        clas4 = header.get("HDUCLAS4", "<missing>")
        given = (
            f"hdu_class={hdu_class!r}" if hdu_class else f"HDUCLAS2={clas2!r}, HDUCLAS4={clas4!r}"
        )
        raise DataFormatError(
            label,
            f"unknown IRF class ({given}); known IRF classes: {known}",
        )
    module, name = IRF_CLASSES[cls_key]
    cls = getattr(importlib.import_module(f"cherenkit.irf.{module}"), name)
    return cls.from_hdu(hdu, filename=filename)
