"""docs/tutorials/observation-clustering.md: its code is the script's, and the script makes its
figures and prints what the page shows."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

TUTORIALS = Path(__file__).resolve().parents[3] / "docs" / "tutorials"
MARKDOWN = TUTORIALS / "observation-clustering.md"
SCRIPT = TUTORIALS / "observation_clustering.py"
FIGURES = ["irf_clusters.png", "scaled_features_clusters.png", "zenith_groups.png"]
MAX_FIGURE_BYTES = 100_000


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", MARKDOWN.read_text(), flags=re.DOTALL)


def embedded_figures():
    return re.findall(r"!\[[^\]]*\]\((figures/[^)]+\.png)\)", MARKDOWN.read_text())


def test_every_code_block_of_the_tutorial_is_in_the_script():
    script = SCRIPT.read_text()
    code = blocks("python")
    assert len(code) == 5
    missing = [block for block in code if block not in script]
    assert missing == [], "tutorial code that the script does not run:\n" + "\n".join(missing)


def test_the_embedded_figures_are_committed_and_small():
    names = embedded_figures()
    assert sorted(Path(name).name for name in names) == FIGURES
    sizes = {name: (TUTORIALS / name).stat().st_size for name in names}
    assert all(5_000 < size < MAX_FIGURE_BYTES for size in sizes.values()), sizes


@pytest.mark.data
def test_the_script_writes_the_figures_and_prints_what_the_tutorial_shows(tmp_path, data_dir):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(tmp_path), "--data", str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(path.name for path in tmp_path.glob("*.png")) == FIGURES
    assert all(5_000 < path.stat().st_size < MAX_FIGURE_BYTES for path in tmp_path.glob("*.png"))
    printed = [line.rstrip() for line in done.stdout.splitlines()]
    assert "21 observations of PKS 2155-304" in printed
    # the seed's groupings: 11 / 10 runs by zenith angle, 5 / 16 runs by IRF quality
    sizes = dict(re.findall(r"^(\S+(?: \d)?): (\d+) observations", done.stdout, flags=re.M))
    assert sizes == {"high-zenith": "10", "low-zenith": "11", "cluster 1": "5", "cluster 2": "16"}
    assert "cluster 1: 5 observations: 33787 33788 33789 33800 33801" in printed
    for text in blocks("text"):
        for line in text.splitlines():
            assert line.rstrip() in printed, line
