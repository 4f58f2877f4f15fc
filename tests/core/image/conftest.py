"""Fixtures for the image-parameter tests: the ctapipe 0.28 reference values."""

import pytest
from _image_reference import EVENT_FILES, load_event_file, load_toy


@pytest.fixture(scope="session")
def toy(reference_dir):
    """The toy-image reference (`ToyReference`) with a geometry per camera."""
    return load_toy(reference_dir / "ctapipe")


@pytest.fixture(scope="session")
def event_images(reference_dir):
    """Every telescope image of the event files (``calib_events`` apart), in file order."""
    directory = reference_dir / "ctapipe"
    return [image for name in EVENT_FILES for image in load_event_file(directory, name)]


@pytest.fixture(scope="session")
def calib_images(reference_dir):
    """The two-gain images of ``calib_events`` (ctapipe's ImageProcessor raises on them)."""
    return load_event_file(reference_dir / "ctapipe", "calib_events")
