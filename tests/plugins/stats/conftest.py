"""Fixtures of the cherenkit-stats tests: the gammapy reference values."""

import json

import pytest


@pytest.fixture(scope="session")
def spectrum_1d_reference(reference_dir) -> dict:
    """The gammapy 2.1 values of ``reference/gammapy/spectrum_1d.json``."""
    return json.loads((reference_dir / "gammapy" / "spectrum_1d.json").read_text())
