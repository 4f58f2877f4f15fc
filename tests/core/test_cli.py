"""The ``cherenkit`` command: output, exit codes, and start-up time."""

import json
import re
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from cherenkit import __version__
from cherenkit.cli import main


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_version_and_help():
    result = run("--version")
    assert result.exit_code == 0 and result.output == f"cherenkit, version {__version__}\n"
    for args in (
        [],
        ["plugins"],
        ["plugins", "list"],
        ["plugins", "show"],
        ["config"],
        ["config", "template"],
        ["config", "validate"],
    ):
        result = run(*args, "--help")
        assert result.exit_code == 0, args
        assert "Usage: " in result.output


def test_plugins_list_shows_installed_and_catalogued(planned_catalogue):
    result = run("plugins", "list")
    assert result.exit_code == 0
    installed, _, catalogued = result.output.partition(
        "Catalogued in registry.toml but not installed:"
    )
    assert re.search(
        r"^fit-statistic +wstat +cherenkit-stats +0\.1\.0 +builtin +W-statistic", installed, re.M
    )
    assert re.search(
        r"^background-maker +sky-ring +cherenkit-skyring +- +third-party \(planned\)",
        catalogued,
        re.M,
    )
    assert re.search(r"^cleaner +tailcuts +cherenkit-cleaning", installed, re.M)


def test_plugins_list_json_and_kind_filter():
    result = run("plugins", "list", "--json", "--kind", "fit-statistic")
    assert result.exit_code == 0
    described = json.loads(result.output)
    names = {p["name"]: p for p in described["plugins"]}
    assert {"cash", "wstat", "chi2"} <= set(names)
    assert (
        names["cash"]["distribution"] == "cherenkit-stats" and names["cash"]["version"] == "0.1.0"
    )
    assert all(p["kind"] == "fit-statistic" for p in described["plugins"])
    bad = run("plugins", "list", "--kind", "cleaners")
    assert (
        bad.exit_code == 2 and "Invalid value for '--kind': 'cleaners' is not one of" in bad.output
    )


def test_plugins_show(planned_catalogue):
    result = run("plugins", "show", "wstat")
    assert result.exit_code == 0
    assert result.output.startswith("wstat  (fit-statistic)\n")
    assert "distribution: cherenkit-stats 0.1.0  [builtin]" in result.output
    assert "extra_terms  bool  true" in result.output
    missing = run("plugins", "show", "wstats")
    assert missing.exit_code == 1
    assert missing.output.startswith("Error: No plugin named 'wstats'.")
    assert "Did you mean 'wstat'?" in missing.output
    planned = run("plugins", "show", "sky-ring")
    assert planned.exit_code == 1
    assert planned.output == (
        "Error: No background-maker named 'sky-ring'. Installed: 'adaptive-ring', 'fov', "
        "'reflected-regions', 'ring' (from cherenkit-background). 'sky-ring' is catalogued in "
        "registry.toml as part of cherenkit-skyring, which is planned but not released yet.\n"
    )


def test_two_plugins_with_one_name_at_the_command_line(make_distribution, use_registry, tmp_path):
    from _plugin_sources import THRESHOLD_CLEANER

    use_registry(
        *make_distribution("acme-cleaning", "acme_cli_a", THRESHOLD_CLEANER),
        *make_distribution("other-cleaning", "other_cli_b", THRESHOLD_CLEANER),
    )
    listed = run("plugins", "list")
    assert listed.exit_code == 0
    assert (
        "Conflict: cleaner 'threshold' is declared by acme-cleaning 1.0 and other-cleaning 1.0"
        in listed.output
    )
    path = tmp_path / "c.toml"
    path.write_text("[process]\ncleaner = 'threshold'\n")
    result = run("config", "validate", str(path))
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {path}, [process], key 'cleaner': Two plugins declare a cleaner named 'threshold': "
        "acme-cleaning 1.0 and other-cleaning 1.0. Uninstall one of them, or ask its authors to rename it.\n"
    )


def test_plugins_list_reports_broken_plugins(make_distribution, use_registry):
    use_registry(
        *make_distribution("acme-broken", "acme_cli_broken", "raise ImportError('no libfoo')\n")
    )
    result = run("plugins", "list")
    assert result.exit_code == 0
    assert "Plugins that failed to load:" in result.output
    assert (
        "'acme_cli_broken = acme_cli_broken' from acme-broken 1.0 failed to load: ImportError: no libfoo"
        in result.output
    )


def test_config_template_and_validate(tmp_path):
    out = tmp_path / "cherenkit.toml"
    result = run("config", "template", "-o", str(out))
    assert result.exit_code == 0 and out.exists()
    assert run("config", "validate", str(out)).output == f"{out}: valid\n"
    out.write_text("[fit]\nstatistic = 'wstat'\n")
    result = run("config", "validate", str(out))
    assert result.exit_code == 0
    assert result.output == f"{out}: valid\n  fit.statistic: wstat\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[fit\n", "not valid TOML"),
        ("[fit]\nstatistic = 'kash'\n", "No fit-statistic named 'kash'"),
    ],
)
def test_config_validate_errors_are_one_line_with_exit_code_1(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    result = run("config", "validate", str(path))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {path}")
    assert message in result.output
    assert "Traceback" not in result.output and result.output.count("\n") == 1


def test_loading_every_plugin_keeps_heavy_modules_unimported():
    """Plugin modules stay cheap to import: listing plugins must not load these."""
    heavy = ["astropy.coordinates", "astropy.table", "scipy", "numba", "eventio", "matplotlib"]
    code = (
        "import sys; from cherenkit import registry; r = registry.get_registry(); r.plugins(); "
        "assert not r.failures, r.failures; "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def _seconds(code):
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - start


def test_start_up_is_fast():
    """`import cherenkit` and `cherenkit plugins list` stay well under a second."""
    _seconds("pass")  # warm the file cache
    baseline = min(_seconds("pass") for _ in range(3))
    import_time = min(_seconds("import cherenkit") for _ in range(3)) - baseline
    list_time = (
        min(
            _seconds(
                "import sys; from cherenkit.cli import main; sys.argv=['cherenkit','plugins','list']\n"
                "try: main()\nexcept SystemExit: pass"
            )
            for _ in range(3)
        )
        - baseline
    )
    assert import_time < 0.3, import_time
    assert list_time < 1.0, list_time
