"""Shared fixtures: where the public data and reference values are."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _shared_dir() -> Path:
    data = os.environ.get("CHERENKIT_DATA")
    if data:
        return Path(data).resolve().parent
    return (REPO.parent / "shared").resolve()


def _require(path: Path, what: str) -> Path:
    if not path.exists():
        reason = f"{what} not found at {path} (set CHERENKIT_DATA to the shared data folder)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """``../shared/reference``: values computed by ctapipe and gammapy."""
    return _require(_shared_dir() / "reference", "reference values")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """``../shared/data`` (or ``$CHERENKIT_DATA``): the public data sets."""
    data = os.environ.get("CHERENKIT_DATA")
    return _require(Path(data) if data else _shared_dir() / "data", "shared data")
