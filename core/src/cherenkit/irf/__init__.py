"""Instrument response functions in the GADF DL3 format.

One class per IRF family, named as gammapy users know them:
`EffectiveAreaTable2D` (AEFF_2D), `EnergyDispersion2D` (EDISP_2D) and its
`EDispKernel`, `PSF3D` (PSF_TABLE), `EnergyDependentMultiGaussPSF` (PSF_3GAUSS),
`PSFKing` (PSF_KING), `Background2D` (BKG_2D), `Background3D` (BKG_3D) and
`RadMax2D` (RAD_MAX_2D). `load_irf` reads any of them from a FITS HDU,
choosing the class from the HDUCLAS keywords (never from the extension name).

Everything is loaded on first access, so importing this package loads neither
scipy nor astropy.io.fits.

References
----------
.. [GADF] Deil, C. et al., "Data formats for gamma-ray astronomy",
   https://gamma-astro-data-formats.readthedocs.io, sections
   "IRFs > Full-enclosure IRFs" and "IRFs > Point-like IRFs".
"""

from .._lazy import lazy_exports

_LAZY = {
    "load_irf": "io",
    "IRF_CLASSES": "io",
    "IRF": "core",
    "EffectiveAreaTable2D": "effective_area",
    "EnergyDispersion2D": "edisp",
    "EDispKernel": "edisp_kernel",
    "PSF3D": "psf_table",
    "EnergyDependentMultiGaussPSF": "psf_parametric",
    "PSFKing": "psf_parametric",
    "Background2D": "background",
    "Background3D": "background",
    "RadMax2D": "rad_max",
    "BackgroundModelEstimator": "background_maker",
    "BackgroundHistogram": "background_maker",
    "ZenithBinnedBackground": "background_maker",
    "fov_altaz_coordinates": "background_maker",
    "mean_zenith": "background_maker",
    "write_background_models": "background_maker",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)


__all__ = [*_LAZY]
