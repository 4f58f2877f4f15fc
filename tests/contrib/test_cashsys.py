"""contrib/cashsys installed the way a user installs a third-party plugin.

A fresh virtual environment gets ``cherenkit-core`` and ``contrib/cashsys`` and
nothing else (in particular not the built-in ``cherenkit-stats``); every check runs
in that environment through a subprocess: the ``cherenkit`` command, and Python
snippets that read a JSON payload on stdin and print a JSON result.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import numpy as np
import pytest
from uv import find_uv_bin

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
PLUGIN = REPO / "contrib" / "cashsys"
SUMMARY = tomllib.loads((REPO / "registry.toml").read_text())["fit-statistic"]["cash-sys"][
    "summary"
]
VERSION = tomllib.loads((PLUGIN / "pyproject.toml").read_text())["project"]["version"]


def _environ() -> dict:
    """The environment without anything that points at the project's own venv."""
    skip = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "UV_PROJECT_ENVIRONMENT"}
    return {k: v for k, v in os.environ.items() if k not in skip}


def _run(args, *, cwd, stdin=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        env=_environ(),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )


class FreshEnv:
    """A virtual environment with cherenkit-core and cherenkit-cashsys only."""

    def __init__(self, root: Path):
        self.root = root
        self.path = root / "venv"
        bindir = self.path / ("Scripts" if os.name == "nt" else "bin")
        self.python = bindir / "python"
        self.cherenkit = bindir / "cherenkit"

    def create(self) -> None:
        uv = find_uv_bin()
        # cwd outside the repository, so that uv reads no project settings from it
        for args in (
            [uv, "venv", self.path, "--python", sys.executable, "--quiet"],
            [
                *(uv, "pip", "install", "--python", self.python, REPO / "core", PLUGIN),
                # rebuild the two local packages from the working tree, never from uv's cache
                *("--refresh-package", "cherenkit-core", "--refresh-package", "cherenkit-cashsys"),
                "--quiet",
            ],
        ):
            done = _run(args, cwd=self.root)
            if done.returncode != 0:
                pytest.fail(f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")

    def cli(self, *args) -> subprocess.CompletedProcess:
        """Run ``cherenkit ARGS`` in the environment."""
        return _run([self.cherenkit, *args], cwd=self.root)

    def python_json(self, code: str, payload=None):
        """Run ``code`` (reading ``payload`` as JSON on stdin, printing JSON) in the env."""
        done = _run(
            [self.python, "-c", textwrap.dedent(code)], cwd=self.root, stdin=json.dumps(payload)
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> FreshEnv:
    env = FreshEnv(tmp_path_factory.mktemp("cashsys-env"))
    env.create()
    return env


# --- what the environment holds ------------------------------------------------------


def test_fresh_env_lacks_builtin_plugins(env):
    done = _run([env.python, "-c", "import cherenkit_stats"], cwd=env.root)
    assert done.returncode == 1
    assert "No module named 'cherenkit_stats'" in done.stderr


def test_core_installs_the_catalogue_file_not_a_link(env):
    # core/src/cherenkit/registry.toml is a symlink to the repository's registry.toml
    code = """
        import json
        from cherenkit.catalogue import CATALOGUE_PATH

        print(json.dumps([CATALOGUE_PATH.is_symlink(), CATALOGUE_PATH.read_text()]))
    """
    is_link, text = env.python_json(code)
    assert not is_link
    assert text == (REPO / "registry.toml").read_text()


def test_plugins_list_shows_cashsys_installed_and_cash_catalogued(env):
    done = env.cli("plugins", "list", "--json")
    assert done.returncode == 0, done.stderr
    described = json.loads(done.stdout)
    plugins = {(p["kind"], p["name"]): p for p in described["plugins"]}

    cash_sys = plugins["fit-statistic", "cash-sys"]
    assert cash_sys["installed"] is True
    assert cash_sys["distribution"] == "cherenkit-cashsys"
    assert cash_sys["version"] == VERSION
    assert cash_sys["status"] == "contrib"
    assert cash_sys["summary"] == SUMMARY
    assert cash_sys["class"] == "cherenkit_cashsys.statistic.CashSysStatistic"
    for name in ("cash", "wstat", "chi2"):
        builtin = plugins["fit-statistic", name]
        assert builtin["installed"] is False, name
        assert builtin["distribution"] == "cherenkit-stats"
        assert builtin["version"] is None
    assert described["failures"] == []
    assert described["conflicts"] == []


def test_plugins_show_lists_sigma_sys_with_default(env):
    done = env.cli("plugins", "show", "cash-sys")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1].strip() == SUMMARY
    assert f"distribution: cherenkit-cashsys {VERSION}  [contrib]" in done.stdout
    table = lines[lines.index("Parameters:") + 1 :]
    assert table[0].split() == ["NAME", "TYPE", "DEFAULT", "BOUNDS", "HELP"]
    row = next(line for line in table if line.startswith("sigma_sys"))
    assert row.split()[:5] == ["sigma_sys", "float", "0.05", ">=", "0"]
    assert row.endswith("Relative systematic uncertainty of the prediction (1 sigma)")


# --- config files -----------------------------------------------------------------------


def _write_config(tmp_path, body: str) -> Path:
    path = tmp_path / "analysis.toml"
    path.write_text(body)
    return path


def test_config_validate_accepts_cashsys(env, tmp_path):
    path = _write_config(tmp_path, '[fit.statistic]\nname = "cash-sys"\nsigma_sys = 0.1\n')
    done = env.cli("config", "validate", path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"{path}: valid", "  fit.statistic: cash-sys"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            '[fit.statistic]\nname = "cash-sys"\nsigma_sys = -1\n',
            ["[fit.statistic]", "key 'sigma_sys'", "out of range: must be >= 0"],
        ),
        (
            '[fit.statistic]\nname = "cash-sys"\nsigma_sys = inf\n',
            ["[fit.statistic]", "key 'sigma_sys'", "expected a finite number"],
        ),
        (
            '[fit.statistic]\nname = "cash-sy"\nsigma_sys = 0.1\n',
            ["[fit.statistic]", "key 'name'", "Did you mean 'cash-sys'?"],
        ),
        (
            '[fit.statistic]\nname = "cash-sys"\nsigma = 0.1\n',
            ["[fit.statistic]", "has no parameter 'sigma'", "Did you mean 'sigma_sys'?"],
        ),
        (
            '[fit]\nstatistic = "cash"\n',
            ["[fit]", "key 'statistic'", "not installed: pip install cherenkit-stats"],
        ),
    ],
    ids=["negative-sigma", "infinite-sigma", "misspelt-name", "misspelt-parameter", "cash"],
)
def test_config_validate_rejects_with_location(env, tmp_path, body, expected):
    path = _write_config(tmp_path, body)
    done = env.cli("config", "validate", path)
    assert done.returncode == 1
    message = done.stderr.strip()
    assert message.startswith(f"Error: {path}, ")
    assert len(message.splitlines()) == 1, message
    for part in expected:
        assert part in message


# --- the statistic, built from a config file in the fresh environment -------------------

EVALUATE = """
import json, sys
import numpy as np
from cherenkit import registry
from cherenkit_cashsys.statistic import CASH_TRUNCATION

payload = json.load(sys.stdin)
n = np.array(payload["counts"], dtype=float)
npred = np.array(payload["npred"], dtype=float)
mu = np.maximum(npred, CASH_TRUNCATION)
result = {"cash": (2 * (mu - np.where(n == 0, 0.0, n * np.log(mu)))).tolist()}
for sigma in payload["sigmas"]:
    stat = registry.create("fit-statistic", "cash-sys", sigma_sys=sigma)
    result[repr(sigma)] = {
        "stat": stat.stat_array(n, npred).tolist(),
        "shift": stat.systematic_shift(n, npred).tolist(),
    }
print(json.dumps(result))
"""


def test_config_builds_cashsys_component(env, tmp_path):
    path = _write_config(tmp_path, '[fit.statistic]\nname = "cash-sys"\nsigma_sys = 0.1\n')
    code = """
        import json, sys
        from cherenkit import registry
        from cherenkit.config import Config
        from cherenkit_cashsys import CashSysStatistic

        cfg = Config.from_toml(json.load(sys.stdin))
        component = cfg.fit.statistic.component
        print(json.dumps({
            "is_cashsys": type(component) is CashSysStatistic,
            "registered": registry.get("fit-statistic", "cash-sys") is CashSysStatistic,
            "name": component.name,
            "sigma_sys": component.sigma_sys,
            "equal_to_kwargs": component == CashSysStatistic(sigma_sys=0.1),
        }))
    """
    assert env.python_json(code, str(path)) == {
        "is_cashsys": True,
        "registered": True,
        "name": "cash-sys",
        "sigma_sys": 0.1,
        "equal_to_kwargs": True,
    }


def test_hand_worked_values(env, tmp_path):
    # sigma = 0.1 (sigma² = 0.01). With x = 1 + d the stationarity equation is
    # x² - (1 - mu sigma²) x - sigma² n = 0; the values below make x a round number.
    #  n   mu   x = 1 + d   mu x   C = 2 (mu x - n ln(mu x)) + d² / sigma²
    #  22  10   1.1         11     22 - 44 ln 11 + 1        = 23 - 44 ln 11
    #  30   5   1.2          6     12 - 60 ln 6 + 4         = 16 - 60 ln 6
    #   1 100   0.1         10     20 - 2 ln 10 + 81        = 101 - 2 ln 10
    #   0  10   0.9          9     18 + 1                   = 19   (= 2 mu - mu² sigma²)
    #   0 200   0 (d = -1)   0     0 + 1 / sigma²           = 100  (boundary: mu sigma² ≥ 1)
    #   3   3   1            3     6 - 6 ln 3 (cash)        (n = mu: no shift)
    #   0   0   1 (mu = 1e-25)     2e-25 - 1e-52            = 2e-25
    path = _write_config(tmp_path, '[fit.statistic]\nname = "cash-sys"\nsigma_sys = 0.1\n')
    code = """
        import json, sys
        from cherenkit.config import Config

        payload = json.load(sys.stdin)
        stat = Config.from_toml(payload["config"]).fit.statistic.component
        print(json.dumps({
            "stat": stat.stat_array(payload["counts"], payload["npred"]).tolist(),
            "shift": stat.systematic_shift(payload["counts"], payload["npred"]).tolist(),
            "sum": stat.stat_sum(payload["counts"], payload["npred"]),
        }))
    """
    counts = [22, 30, 1, 0, 0, 3, 0]
    npred = [10, 5, 100, 10, 200, 3, 0]
    payload = {"config": str(path), "counts": counts, "npred": npred}
    result = env.python_json(code, payload)
    ln = np.log
    expected_stat = [
        23 - 44 * ln(11),
        16 - 60 * ln(6),
        101 - 2 * ln(10),
        19.0,
        100.0,
        6 - 6 * ln(3),
        2e-25,
    ]
    np.testing.assert_allclose(result["stat"], expected_stat, rtol=1e-13, atol=0)
    np.testing.assert_allclose(
        result["shift"], [0.1, 0.2, -0.9, -0.1, -1.0, 0.0, 0.0], rtol=1e-13, atol=1e-15
    )
    assert result["shift"][4] == -1.0
    assert result["sum"] == pytest.approx(sum(expected_stat), rel=1e-13)


def _random_bins(seed=1, size=20_000):
    """Counts over 0 … 1e6 (a fifth empty) and predictions over 1e-30 … 1e6 (some 0)."""
    rng = np.random.default_rng(seed)
    counts = np.floor(10 ** rng.uniform(-1, 6, size)) * (rng.random(size) < 0.8)
    npred = 10 ** rng.uniform(-30, 6, size) * (rng.random(size) < 0.95)
    # bins where counts and prediction agree or nearly so
    counts[:100], npred[:100] = np.arange(100.0), np.arange(100.0)
    npred[100:200] = counts[100:200] * (1 + 1e-12)
    return counts, npred


@pytest.fixture(scope="module")
def random_results(env):
    counts, npred = _random_bins()
    sigmas = [0.0, 1e-9, 1e-4, 0.05, 0.1, 1.0, 30.0, 1e6]
    payload = {"counts": counts.tolist(), "npred": npred.tolist(), "sigmas": sigmas}
    return counts, npred, sigmas, env.python_json(EVALUATE, payload)


def test_zero_sigma_is_exactly_cash(random_results):
    _, _, _, result = random_results
    assert result["0.0"]["stat"] == result["cash"]
    assert set(result["0.0"]["shift"]) == {0.0}


def test_never_above_cash(random_results):
    _, _, sigmas, result = random_results
    cash = np.array(result["cash"])
    for sigma in sigmas:
        stat = np.array(result[repr(sigma)]["stat"])
        assert np.all(np.isfinite(stat)), sigma
        assert np.all(stat <= cash), sigma
    # a larger systematic can only lower the statistic
    stats = np.array([result[repr(s)]["stat"] for s in sigmas])
    assert np.all(np.diff(stats, axis=0) <= 1e-12 * np.maximum(1, np.abs(cash)))


def test_profiled_shift_is_stationary_and_minimal(random_results):
    counts, npred, sigmas, result = random_results
    n, mu = counts, np.maximum(npred, 1e-25)
    for sigma in sigmas[1:]:
        d = np.array(result[repr(sigma)]["shift"])
        stat = np.array(result[repr(sigma)]["stat"])
        assert np.all(d >= -1), sigma
        # inside: d²/σ² + d (1/σ² + mu) + (mu - n) = 0, relative to the size of its terms
        inner = d > -1
        terms = [d * d / sigma**2, d * (1 / sigma**2 + mu), mu - n]
        residual = np.abs(sum(terms))[inner]
        scale = sum(np.abs(t) for t in terms)[inner] + n[inner] + mu[inner]
        assert np.all(residual <= 1e-13 * scale), sigma
        # on the boundary d = -1 only empty bins whose prediction exceeds 1/σ²
        assert np.all((n[~inner] == 0) & (mu[~inner] * sigma**2 >= 1 - 1e-12)), sigma
        # the statistic is C at that d (evaluated directly here), and C is larger nearby
        x = 1 + d

        def c_terms(x, sigma=sigma):
            with np.errstate(divide="ignore", invalid="ignore"):
                log_term = np.where(n == 0, 0.0, n * np.log(mu * x))
            return 2 * mu * x, -2 * log_term, (x - 1) ** 2 / sigma**2

        terms = c_terms(x)
        tolerance = 1e-12 * (sum(np.abs(t) for t in terms) + 1)  # rounding of the terms
        assert np.all(np.abs(sum(terms) - stat) <= tolerance), sigma
        for step in (1e-3, -1e-3):
            nearby = sum(c_terms(np.maximum(x * (1 + step), 0)))
            assert np.all(nearby >= stat - tolerance), (sigma, step)


def test_contract_checks_of_the_core(env):
    code = """
        import json
        from cherenkit.testing import check_fit_statistic
        from cherenkit_cashsys import CashSysStatistic

        for sigma in (0.0, 0.05, 2.0):
            check_fit_statistic(CashSysStatistic(sigma_sys=sigma))
        print(json.dumps("ok"))
    """
    assert env.python_json(code) == "ok"
