"""Every IRF HDU of all 105 H.E.S.S. DL3 DR1 runs loads through the HDU index."""

import numpy as np
import pytest
from astropy.io import fits

from cherenkit.irf import load_irf

pytestmark = pytest.mark.data

EXPECTED = {
    "aeff_2d": "EffectiveAreaTable2D",
    "edisp_2d": "EnergyDispersion2D",
    "psf_table": "PSF3D",
    "bkg_3d": "Background3D",
}


def test_all_runs_load_all_irfs(data_dir):
    root = data_dir / "hess-dl3-dr1"
    with fits.open(root / "hdu-index.fits.gz") as hdul:
        index = hdul[1].data
        rows = [
            (
                int(r["OBS_ID"]),
                r["HDU_CLASS"].strip(),
                r["FILE_DIR"].strip(),
                r["FILE_NAME"].strip(),
                r["HDU_NAME"].strip(),
            )
            for r in index
        ]
    by_file = {}
    for obs_id, hdu_class, file_dir, file_name, hdu_name in rows:
        if hdu_class in EXPECTED:
            by_file.setdefault((file_dir, file_name), []).append((obs_id, hdu_class, hdu_name))
    assert len(by_file) == 105
    loaded = 0
    for (file_dir, file_name), entries in by_file.items():
        path = root / file_dir / file_name
        with fits.open(path) as hdul:
            for _, hdu_class, hdu_name in entries:
                # by the index's HDU_CLASS and, independently, by the header keywords
                irf = load_irf(hdul[hdu_name], hdu_class=hdu_class, filename=path)
                assert type(irf).__name__ == EXPECTED[hdu_class]
                assert type(load_irf(hdul[hdu_name])) is type(irf)
                assert np.all(np.isfinite(irf.data))
                assert not irf.is_pointlike
                loaded += 1
    assert loaded == 4 * 105
