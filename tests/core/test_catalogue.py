"""registry.toml agrees with the plugin distributions in this repository."""

import tomllib
from pathlib import Path

import pytest

from cherenkit import registry
from cherenkit.catalogue import CATALOGUE_PATH, load_catalogue
from cherenkit.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue(REPO / "registry.toml")


def _distributions(folder):
    """name → entry points of every distribution under plugins/ or contrib/."""
    found = {}
    for pyproject in sorted((REPO / folder).glob("*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text())["project"]
        found[project["name"]] = project.get("entry-points", {}).get("cherenkit", {})
    return found


def test_the_installed_catalogue_is_the_repository_file():
    assert CATALOGUE_PATH.read_text() == (REPO / "registry.toml").read_text()


@pytest.mark.parametrize(("folder", "status"), [("plugins", "builtin"), ("contrib", "contrib")])
def test_every_plugin_distribution_is_catalogued_with_one_entry_point(folder, status):
    distributions = _distributions(folder)
    assert distributions, f"no distributions under {folder}/"
    for name, eps in distributions.items():
        assert len(eps) == 1, f"{name} must declare exactly one entry point in group cherenkit"
        entries = [e for e in CATALOGUE.entries if e.distribution == name]
        assert entries, f"{name} is not in registry.toml"
        for entry in entries:
            assert entry.status == status, (entry.kind, entry.name)
            assert not entry.planned, f"{entry.kind} {entry.name!r} is released: drop planned"


def test_planned_entries_have_no_distribution_yet():
    released = set(_distributions("plugins")) | set(_distributions("contrib")) | {"cherenkit-core"}
    for entry in CATALOGUE.entries:
        if entry.planned:
            assert entry.status == "builtin"
            installed = entry.name in registry.names(entry.kind)
            assert not installed, f"{entry.kind} {entry.name!r} is installed but marked planned"
        else:
            assert entry.distribution in released, f"{entry.distribution} is not in this repository"


def test_installed_plugins_match_their_catalogue_entries():
    for info in registry.get_registry().plugins():
        entry = CATALOGUE.get(info.kind, info.name)
        assert entry is not None, (
            f"{info.kind} {info.name!r} ({info.distribution}) is not catalogued"
        )
        assert entry.distribution == info.distribution
        assert entry.summary == info.cls.summary(), f"summary of {info.name!r} differs"
    for entry in CATALOGUE.entries:
        if entry.status == "builtin" and not entry.planned:
            assert entry.name in registry.names(entry.kind), (
                f"built-in {entry.name!r} not installed"
            )


def test_the_meta_package_depends_on_every_builtin_and_no_contrib_plugin():
    dependencies = set(
        tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    )
    # the core with its optional dask executor
    assert dependencies == {"cherenkit-core[dask]", *_distributions("plugins")}


def test_a_bad_catalogue_is_reported_with_file_and_table(tmp_path):
    path = tmp_path / "registry.toml"
    path.write_text('[cleaner.x]\ndistribution = "a"\nstatus = "official"\nsummary = "s"\n')
    with pytest.raises(
        ConfigError, match=r"registry.toml, \[cleaner.x\], key 'status': status must be one of"
    ):
        load_catalogue(path)
    path.write_text('[cleaners.x]\ndistribution = "a"\n')
    with pytest.raises(ConfigError, match=r"\[cleaners\]: unknown plugin kind"):
        load_catalogue(path)
