"""Reduction kernels on hand-checkable inputs."""

import numpy as np
import pytest

from cherenkit.irf import Background3D
from cherenkit.makers._reduction import fill_background_energy_gaps, integrate_loglog
from cherenkit.maps import MapAxis


def test_integrate_loglog_is_exact_for_power_laws():
    edges = np.array([1.0, 2.0, 4.0])
    # f = E^-2: integral over [a, b] = 1/a - 1/b -> 0.5, 0.25
    np.testing.assert_allclose(integrate_loglog(edges**-2.0, edges), [0.5, 0.25], rtol=1e-14)
    # f = 1/E (index 1, the logarithmic case): ln 2 per bin
    np.testing.assert_allclose(integrate_loglog(1 / edges, edges), np.log(2), rtol=1e-12)
    # a zero end value gives 0
    assert integrate_loglog(np.array([1.0, 0.0]), np.array([1.0, 2.0]))[0] == 0


def test_fill_background_energy_gaps_interpolates_in_log():
    energy = MapAxis.from_energy_bounds(1, 100, 5, unit="TeV")
    lon = MapAxis.from_edges([-1, 1], unit="deg", name="fov_lon")
    lat = MapAxis.from_edges([-1, 1], unit="deg", name="fov_lat")
    data = np.array([0.0, 1e-2, 0.0, 1e-4, 0.0]).reshape(5, 1, 1)
    bkg = Background3D(axes=[energy, lon, lat], data=data, unit="s-1 MeV-1 sr-1")
    filled = fill_background_energy_gaps(bkg).data.ravel()
    # inner gap: geometric mean of the neighbours; the empty ends stay empty
    assert filled[2] == pytest.approx(1e-3, rel=1e-12)
    assert filled[0] == 0 and filled[4] == 0
    assert fill_background_energy_gaps(fill_background_energy_gaps(bkg)).data[2, 0, 0] > 0
