"""docs/tutorials/camera-images.md: its code is the script's, and the script makes its figures."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

TUTORIALS = Path(__file__).resolve().parents[3] / "docs" / "tutorials"
MARKDOWN = TUTORIALS / "camera-images.md"
SCRIPT = TUTORIALS / "camera_images.py"
MAX_FIGURE_BYTES = 200_000
MAX_TOTAL_BYTES = 1_000_000


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", MARKDOWN.read_text(), flags=re.DOTALL)


def embedded_figures():
    return re.findall(r"!\[[^\]]*\]\((figures/[^)]+\.png)\)", MARKDOWN.read_text())


def test_every_code_block_of_the_tutorial_is_in_the_script():
    script = SCRIPT.read_text()
    code = blocks("python")
    assert len(code) >= 8
    missing = [block for block in code if block not in script]
    assert missing == [], "tutorial code that the script does not run:\n" + "\n".join(missing)


def test_the_embedded_figures_are_in_the_repository_and_small():
    names = embedded_figures()
    assert len(names) == 7
    sizes = {name: (TUTORIALS / name).stat().st_size for name in names}
    assert all(1_000 < size < MAX_FIGURE_BYTES for size in sizes.values()), sizes
    assert sum(sizes.values()) < MAX_TOTAL_BYTES


@pytest.mark.slow
@pytest.mark.data
def test_the_script_writes_every_figure_and_prints_what_the_tutorial_shows(tmp_path, data_dir):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--output", str(tmp_path), "--data", str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    written = sorted(path.name for path in tmp_path.glob("*.png"))
    assert written == sorted(Path(name).name for name in embedded_figures())
    sizes = [path.stat().st_size for path in tmp_path.glob("*.png")]
    assert all(10_000 < size < MAX_FIGURE_BYTES for size in sizes) and sum(sizes) < MAX_TOTAL_BYTES
    for text in blocks("text"):
        for line in text.splitlines():
            assert line in done.stdout
