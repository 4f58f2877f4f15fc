"""Fixtures of the cherenkit-toysim tests: toy cameras, image models, small runs."""

import pytest

from cherenkit_toysim.cameras import camera_model, toy_telescope


@pytest.fixture(scope="session")
def lst_camera():
    """Plain-array model of the LST-like camera (1855 hexagonal pixels, f = 28 m)."""
    return camera_model(toy_telescope("LST"))


@pytest.fixture(scope="session")
def sst_camera():
    """Plain-array model of the SST-like camera (2048 square pixels, f = 2.15 m)."""
    return camera_model(toy_telescope("SST"))


@pytest.fixture(scope="module")
def lst4_run():
    """A small LST run with waveforms: the source and its `ToyBatch` list."""
    from cherenkit.events import EventSource

    source = EventSource(source="toy", n_events=400, seed=11, layout="lst4")
    return source, list(source.iter_simulated(40))
