"""Fixtures for the display tests: toy cameras, shower images, figures drawn off screen."""

import astropy.units as u
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")  # before pyplot is imported anywhere: no window, no display needed

import matplotlib.pyplot as plt

from cherenkit.image import Gaussian


@pytest.fixture(scope="session")
def toy_geometry():
    """``toy_geometry("LST" | "MST" | "SST")``: camera geometry of a toysim telescope."""
    from cherenkit_toysim.cameras import toy_telescope

    return lambda size_type: toy_telescope(size_type).camera.geometry


@pytest.fixture(scope="session")
def lst_geometry(toy_geometry):
    """1855 pointy-topped hexagons, 50 mm pitch (pixel width = pitch: they tile)."""
    return toy_geometry("LST")


@pytest.fixture(scope="session")
def sst_geometry(toy_geometry):
    """2048 axis-aligned squares, 6.2 mm pitch."""
    return toy_geometry("SST")


def _shower_image(geometry, *, x, y, length, width, psi, intensity=2000.0):
    unit = geometry.unit
    model = Gaussian(
        x=x * unit, y=y * unit, length=length * unit, width=width * unit, psi=psi * u.deg
    )
    return np.asarray(model.expected_signal(geometry, intensity), dtype=np.float64)


@pytest.fixture(scope="session")
def shower_image():
    """``shower_image(geometry, x=, y=, length=, width=, psi=[deg], intensity=2000)``.

    Expected photo-electrons of a Gaussian shower image (no noise); positions and
    sizes in the unit of the geometry's positions (m or deg).
    """
    return _shower_image


@pytest.fixture
def lst_image(lst_geometry):
    """A bright elongated image off the centre of the LST-like camera."""
    return _shower_image(lst_geometry, x=0.3, y=-0.2, length=0.15, width=0.04, psi=35.0)


@pytest.fixture
def axes():
    """Axes of a new figure, closed after the test."""
    fig, ax = plt.subplots(figsize=(5, 4))
    yield ax
    plt.close(fig)
