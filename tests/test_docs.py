"""The TOML examples of the README and the configuration guide are valid configs."""

import re
import tomllib
from pathlib import Path

import pytest

from cherenkit.config import Config

REPO = Path(__file__).resolve().parents[1]
DOCS = ("README.md", "docs/configuration.md")
BLOCKS = [
    pytest.param(block, id=f"{doc}:{i}")
    for doc in DOCS
    for i, block in enumerate(re.findall(r"```toml\n(.*?)```", (REPO / doc).read_text(), re.S))
]


def test_the_docs_have_examples():
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("block", BLOCKS)
def test_toml_example_is_a_valid_config(block):
    Config.from_dict(tomllib.loads(block))
