"""GADF IRFs written here (point-like + RAD_MAX_2D, PSF_3GAUSS, PSF_KING, BKG_2D) with known values,
round trips, bad input and plots."""

import astropy.units as u
import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from cherenkit.errors import DataFormatError
from cherenkit.irf import (
    Background2D,
    EffectiveAreaTable2D,
    EnergyDependentMultiGaussPSF,
    EnergyDispersion2D,
    PSFKing,
    RadMax2D,
    load_irf,
)
from cherenkit.maps import MapAxis

E_EDGES = [0.1, 1.0, 10.0, 100.0]  # TeV: centres sqrt(0.1), sqrt(10), sqrt(1000)
T_EDGES = [0.0, 1.0, 2.0]  # deg: centres 0.5, 1.5


def _table(columns, header):
    table = Table()
    for name, (values, unit) in columns.items():
        table[name] = np.asarray(values, dtype=np.float32)[np.newaxis]
        if unit is not None:
            table[name].unit = unit
    hdu = fits.BinTableHDU(table, name=header.pop("EXTNAME", "IRF"))
    hdu.header.update(header)
    return hdu


def _axes_columns():
    return {
        "ENERG_LO": (E_EDGES[:-1], "TeV"),
        "ENERG_HI": (E_EDGES[1:], "TeV"),
        "THETA_LO": (T_EDGES[:-1], "deg"),
        "THETA_HI": (T_EDGES[1:], "deg"),
    }


def _header(clas2, clas3, clas4, **extra):
    return {
        "HDUCLASS": "GADF",
        "HDUCLAS1": "RESPONSE",
        "HDUCLAS2": clas2,
        "HDUCLAS3": clas3,
        "HDUCLAS4": clas4,
        **extra,
    }


# --- point-like effective area + RAD_MAX_2D ----------------------------------------------


def _pointlike_aeff(**extra):
    # stored (THETA, ENERG) in numpy order = (ENERG, THETA) in FITS TDIM order
    data = np.array([[1.0, 2.0, 3.0], [10.0, 20.0, 30.0]])
    cols = {**_axes_columns(), "EFFAREA": (data, "m2")}
    return _table(
        cols, _header("EFF_AREA", "POINT-LIKE", "AEFF_2D", EXTNAME="EFFECTIVE AREA", **extra)
    )


def test_pointlike_aeff_values_and_rad_max_keyword():
    aeff = load_irf(_pointlike_aeff(RAD_MAX=0.1))
    assert isinstance(aeff, EffectiveAreaTable2D) and aeff.is_pointlike
    assert aeff.rad_max == 0.1 * u.deg
    # data[energy][offset]: the FITS cell (2 offsets x 3 energies) transposed
    np.testing.assert_array_equal(aeff.data, [[1, 10], [2, 20], [3, 30]])
    # at the centres: exact; half-way in log energy between centres 1 and 2, linear offset
    assert aeff.evaluate(energy_true=np.sqrt(0.1) * u.TeV, offset=1.5 * u.deg).to_value(
        "m2"
    ) == pytest.approx(10)
    e_mid = np.sqrt(np.sqrt(0.1) * np.sqrt(10)) * u.TeV
    assert aeff.evaluate(energy_true=e_mid, offset=1.0 * u.deg).value == pytest.approx(
        (1 + 2 + 10 + 20) / 4
    )
    # extrapolated inside the edges (offset 0 < first centre 0.5): 1 - (10 - 1) / 2
    assert aeff.evaluate(
        energy_true=np.sqrt(0.1) * u.TeV, offset=0.0 * u.deg
    ).value == pytest.approx(0.0)
    # outside the edges: 0
    assert aeff.evaluate(energy_true=200 * u.TeV, offset=0.5 * u.deg).value == 0
    rad_max = RadMax2D.from_irf(aeff)
    np.testing.assert_array_equal(
        rad_max.evaluate(energy=[1, 50] * u.TeV, offset=0.3 * u.deg).to_value("deg"), [0.1, 0.1]
    )


def test_rad_max_2d_table():
    data = np.array([[0.1, 0.2, 0.3], [0.2, 0.3, 0.4]])  # (THETA, ENERG)
    cols = {**_axes_columns(), "RAD_MAX": (data, "deg")}
    hdu = _table(cols, _header("RAD_MAX", "POINT-LIKE", "RAD_MAX_2D", EXTNAME="RAD_MAX"))
    rad_max = load_irf(hdu)
    assert isinstance(rad_max, RadMax2D) and rad_max.is_pointlike and not rad_max.is_fixed_rad_max
    assert rad_max.axis("energy").name == "energy"  # reconstructed energy
    assert rad_max.evaluate(energy=np.sqrt(10) * u.TeV, offset=1.0 * u.deg).to_value(
        "deg"
    ) == pytest.approx(0.25)
    assert load_irf(rad_max.to_table_hdu()) == rad_max


# --- PSF_3GAUSS -------------------------------------------------------------------------------


def _gauss_hdu(sigma_1=0.1, sigma_2=0.2, sigma_3=0.3, ampl_2=0.5, ampl_3=0.0):
    shape = (2, 3)
    cols = {
        **_axes_columns(),
        "SCALE": (np.full(shape, 7.0), "sr-1"),
        "SIGMA_1": (np.full(shape, sigma_1), "deg"),
        "SIGMA_2": (np.full(shape, sigma_2), "deg"),
        "SIGMA_3": (np.full(shape, sigma_3), "deg"),
        "AMPL_2": (np.full(shape, ampl_2), None),
        "AMPL_3": (np.full(shape, ampl_3), None),
    }
    return _table(
        cols, _header("PSF", "FULL-ENCLOSURE", "PSF_3GAUSS", EXTNAME="POINT SPREAD FUNCTION")
    )


def test_psf_3gauss_closed_form():
    psf = load_irf(_gauss_hdu())
    assert isinstance(psf, EnergyDependentMultiGaussPSF)
    # weights n_i ~ A_i sigma_i^2: 0.01 and 0.5 * 0.04 = 0.02 -> 1/3, 2/3
    r = 0.15
    expected = 1 / 3 * (1 - np.exp(-(r**2) / (2 * 0.1**2))) + 2 / 3 * (
        1 - np.exp(-(r**2) / (2 * 0.2**2))
    )
    assert psf.containment(r * u.deg, energy_true=1 * u.TeV, offset=0.5 * u.deg) == pytest.approx(
        expected, rel=1e-6
    )
    density = 1 / 3 / (2 * np.pi * 0.01) + 2 / 3 / (2 * np.pi * 0.04)  # deg^-2 at r = 0
    assert psf.evaluate(0 * u.deg, energy_true=1 * u.TeV, offset=1 * u.deg).to_value(
        "deg-2"
    ) == pytest.approx(density, rel=1e-6)


def test_psf_3gauss_single_gaussian_radius():
    # one Gaussian: r_f = sigma sqrt(-2 ln(1 - f)); 68 %: 0.1 * 1.50959 deg
    psf = load_irf(_gauss_hdu(ampl_2=0.0, ampl_3=0.0))
    radius = psf.containment_radius([0.68, 0.95], energy_true=3 * u.TeV, offset=0.2 * u.deg)
    np.testing.assert_allclose(
        radius.to_value("deg"), 0.1 * np.sqrt(-2 * np.log1p(-np.array([0.68, 0.95]))), rtol=1e-6
    )
    # normalised density integrates to 1 over the plane
    r = np.linspace(0, 2, 20001)
    density = psf.evaluate(r * u.deg, energy_true=3 * u.TeV, offset=0.2 * u.deg).to_value("deg-2")
    assert np.trapezoid(2 * np.pi * r * density, r) == pytest.approx(1, rel=1e-6)
    assert load_irf(psf.to_table_hdu()) == psf


# --- PSF_KING ---------------------------------------------------------------------------------


def test_psf_king_closed_form():
    shape = (2, 3)
    cols = {
        **_axes_columns(),
        "GAMMA": (np.full(shape, 2.0), None),
        "SIGMA": (np.full(shape, 0.1), "deg"),
    }
    psf = load_irf(_table(cols, _header("RPSF", "FULL-ENCLOSURE", "PSF_KING", EXTNAME="PSF")))
    assert isinstance(psf, PSFKing)
    # gamma = 2: C(r) = 1 - 1 / (1 + r^2 / (4 sigma^2)); C = 0.5 at r = 2 sigma
    assert psf.containment(0.2 * u.deg, energy_true=1 * u.TeV, offset=0.5 * u.deg) == pytest.approx(
        0.5, rel=1e-6
    )
    assert psf.containment_radius(0.5, energy_true=1 * u.TeV, offset=0.5 * u.deg).to_value(
        "deg"
    ) == pytest.approx(0.2, rel=1e-6)
    # density at 0: (1 - 1/gamma) / (2 pi sigma^2) = 0.5 / (0.02 pi) deg^-2
    assert psf.evaluate(0 * u.deg, energy_true=1 * u.TeV, offset=0.5 * u.deg).to_value(
        "deg-2"
    ) == pytest.approx(0.5 / (0.02 * np.pi), rel=1e-6)


# --- BKG_2D ----------------------------------------------------------------------------------


def test_bkg_2d_log_interpolation():
    data = np.array([[1e-4, 1e-6, 1e-8], [1e-5, 1e-7, 0.0]])  # (THETA, ENERG)
    cols = {**_axes_columns(), "BKG": (data, "1/s/MeV/sr")}
    bkg = load_irf(_table(cols, _header("BKG", "FULL-ENCLOSURE", "BKG_2D", EXTNAME="BACKGROUND")))
    assert isinstance(bkg, Background2D)
    assert bkg.unit == u.Unit("s-1 MeV-1 sr-1")
    # half-way in log energy between centres 0 and 1 at the first offset centre: geometric mean
    e_mid = np.sqrt(np.sqrt(0.1) * np.sqrt(10)) * u.TeV
    assert bkg.evaluate(energy=e_mid, offset=0.5 * u.deg).value == pytest.approx(1e-5, rel=1e-5)
    # and half-way in offset: geometric mean of 1e-4 and 1e-5
    assert bkg.evaluate(energy=np.sqrt(0.1) * u.TeV, offset=1.0 * u.deg).value == pytest.approx(
        10**-4.5, rel=1e-5
    )
    assert (
        bkg.evaluate(energy=np.sqrt(1000) * u.TeV, offset=1.5 * u.deg).value < 1e-37
    )  # an empty bin stays ~0
    back = load_irf(bkg.to_table_hdu())
    assert back == bkg and back.data.dtype == bkg.data.dtype


# --- round trips, dispatch and errors ------------------------------------------------------


def test_edisp_round_trip_and_kernel_is_probability():
    e_true = MapAxis.from_energy_bounds("0.1 TeV", "100 TeV", 12, name="energy_true")
    migra = MapAxis.from_bounds(0.2, 5, 48, name="migra")
    offset = MapAxis.from_edges([0, 1, 2] * u.deg, name="offset")
    mu = migra.center_value
    pdf = np.exp(-0.5 * ((mu - 1) / 0.1) ** 2) / (np.sqrt(2 * np.pi) * 0.1)  # Gaussian, sigma 10 %
    data = np.broadcast_to(pdf[None, :, None], (12, 48, 2)).copy()
    edisp = EnergyDispersion2D(axes=[e_true, migra, offset], data=data)
    back = load_irf(edisp.to_table_hdu())
    assert back == edisp
    kernel = edisp.to_edisp_kernel(
        0.5 * u.deg, energy=MapAxis.from_energy_bounds("0.01 TeV", "1000 TeV", 30)
    )
    np.testing.assert_allclose(kernel.pdf_matrix.sum(axis=1), 1, rtol=1e-6)
    assert abs(kernel.get_bias(1 * u.TeV).value) < 0.05


def test_unknown_class_lists_known_classes():
    hdu = _table(_axes_columns(), _header("EFF_AREA", "FULL-ENCLOSURE", "AEFF_5D", EXTNAME="WEIRD"))
    with pytest.raises(
        DataFormatError, match=r"irf\.fits\[WEIRD\].*AEFF_5D.*aeff_2d, bkg_2d, bkg_3d"
    ) as err:
        load_irf(hdu, filename="irf.fits")
    assert err.value.file == "irf.fits[WEIRD]"
    with pytest.raises(DataFormatError, match="hdu_class='events'"):
        load_irf(hdu, hdu_class="events")


def test_missing_unit_and_wrong_unit_and_missing_column():
    cols = {**_axes_columns(), "EFFAREA": (np.ones((2, 3)), None)}
    hdu = _table(cols, _header("EFF_AREA", "FULL-ENCLOSURE", "AEFF_2D", EXTNAME="AEFF"))
    with pytest.raises(DataFormatError, match=r"a\.fits\[AEFF\]: column 'EFFAREA' has no unit.*m2"):
        load_irf(hdu, filename="a.fits")
    cols = {**_axes_columns(), "EFFAREA": (np.ones((2, 3)), "s")}
    hdu = _table(cols, _header("EFF_AREA", "FULL-ENCLOSURE", "AEFF_2D", EXTNAME="AEFF"))
    with pytest.raises(DataFormatError, match=r"column 'EFFAREA' has unit 's', expected .*m2"):
        load_irf(hdu, filename="a.fits")
    cols = _axes_columns()
    del cols["THETA_HI"]
    cols["EFFAREA"] = (np.ones((2, 3)), "m2")
    hdu = _table(cols, _header("EFF_AREA", "FULL-ENCLOSURE", "AEFF_2D", EXTNAME="AEFF"))
    with pytest.raises(DataFormatError, match=r"missing column 'THETA_HI'"):
        load_irf(hdu, filename="a.fits")
    cols = {**_axes_columns(), "EFFAREA": (np.ones((2, 2)), "m2")}
    hdu = _table(cols, _header("EFF_AREA", "FULL-ENCLOSURE", "AEFF_2D", EXTNAME="AEFF"))
    with pytest.raises(DataFormatError, match=r"column 'EFFAREA' has shape"):
        load_irf(hdu, filename="a.fits")


def test_unit_spellings():
    for text in ("TeV", "TEV", "tev"):
        cols = {**_axes_columns(), "EFFAREA": (np.ones((2, 3)), "m2")}
        hdu = _table(cols, _header("EFF_AREA", "FULL-ENCLOSURE", "AEFF_2D", EXTNAME="AEFF"))
        hdu.columns.change_unit("ENERG_LO", text)
        hdu.columns.change_unit("ENERG_HI", text)
        hdu = fits.BinTableHDU.from_columns(hdu.columns, header=hdu.header)
        assert load_irf(hdu).axis("energy_true").unit == u.TeV


def test_evaluate_rejects_unknown_coordinate():
    aeff = load_irf(_pointlike_aeff())
    with pytest.raises(ValueError, match=r"unknown coordinate.*'energy'.*valid"):
        aeff.evaluate(energy=1 * u.TeV)


def test_plots_render(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    aeff = load_irf(_pointlike_aeff())
    psf = load_irf(_gauss_hdu())
    data = np.array([[1e-4, 1e-6, 1e-8], [1e-5, 1e-7, 1e-9]])
    bkg = load_irf(
        _table(
            {**_axes_columns(), "BKG": (data, "s-1 MeV-1 sr-1")},
            _header("BKG", "FULL-ENCLOSURE", "BKG_2D"),
        )
    )
    for i, irf in enumerate([aeff, psf, bkg]):
        fig = irf.peek()
        path = tmp_path / f"peek{i}.png"
        fig.savefig(path)
        plt.close(fig)
        assert path.stat().st_size > 5000
