"""Fixtures for the instrument tests: the ctapipe reference files, rebuilt."""

import pytest

from _instrument_reference import Reference


@pytest.fixture(scope="session")
def ctapipe_reference(reference_dir):
    """Factory: ``load(name)`` → `Reference` of ``reference/ctapipe/{name}.json|npz``."""
    cache = {}

    def load(name):
        if name not in cache:
            cache[name] = Reference(reference_dir / "ctapipe", name)
        return cache[name]

    return load
