"""Fixtures for registry and config tests: real plugin distributions made on the fly.

`make_distribution` writes a module and a ``*.dist-info`` folder with an
``entry_points.txt`` into a temporary folder on ``sys.path``, so the registry loads
it exactly as it loads an installed third-party plugin.
"""

import sys
import textwrap
from importlib.metadata import PathDistribution, entry_points

import pytest

from cherenkit import catalogue, registry

from _plugin_sources import OFFSET_METHOD, THRESHOLD_CLEANER


@pytest.fixture
def make_distribution(tmp_path, monkeypatch):
    """Factory: ``make(dist, module, source)`` → the entry points of a new distribution."""
    monkeypatch.syspath_prepend(str(tmp_path))
    modules = []

    def make(dist_name, module_name, source, *, version="1.0", entry_name=None):
        (tmp_path / f"{module_name}.py").write_text(textwrap.dedent(source))
        info = tmp_path / f"{dist_name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: {version}\n"
        )
        (info / "entry_points.txt").write_text(
            f"[cherenkit]\n{entry_name or module_name} = {module_name}\n"
        )
        modules.append(module_name)
        return [ep for ep in PathDistribution(info).entry_points if ep.group == "cherenkit"]

    yield make
    for name in modules:
        sys.modules.pop(name, None)


@pytest.fixture
def use_registry(monkeypatch):
    """Factory: make the process-wide registry see the installed plugins plus ``extra``."""

    def use(*extra_entry_points, installed=True):
        eps = list(entry_points(group="cherenkit")) if installed else []
        reg = registry.Registry(entry_points=[*eps, *extra_entry_points])
        monkeypatch.setattr(registry, "_registry", reg)
        return reg

    return use


@pytest.fixture
def test_plugins(make_distribution, use_registry):
    """The registry with two extra plugins: a 'threshold' cleaner and an 'offset-cut' method."""
    return use_registry(
        *make_distribution("acme-cleaning", "acme_cleaning", THRESHOLD_CLEANER),
        *make_distribution("acme-safemask", "acme_safemask", OFFSET_METHOD),
    )


PLANNED_ENTRY = """
[background-maker.sky-ring]
distribution = "cherenkit-skyring"
status = "third-party"
summary = "Ring background on a sky grid (a planned plugin, for these tests)."
planned = true
"""


@pytest.fixture
def planned_catalogue(tmp_path, monkeypatch, use_registry):
    """A fresh registry whose catalogue is registry.toml plus one planned entry,
    background-maker 'sky-ring' (every built-in entry is released, so none stays planned)."""
    path = tmp_path / "registry.toml"
    path.write_text(catalogue.CATALOGUE_PATH.read_text() + PLANNED_ENTRY)
    monkeypatch.setattr(catalogue, "CATALOGUE_PATH", path)
    return use_registry()
