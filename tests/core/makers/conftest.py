"""A registry that sees a 'test-offset-max' safe-mask plugin (an on-the-fly distribution)."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from _safe_mask_plugin import OFFSET_MAX_METHOD


@pytest.fixture
def offset_plugin(make_distribution, use_registry):
    """The process-wide registry with the installed plugins plus 'test-offset-max'."""
    return use_registry(*make_distribution("acme-offset", "acme_offset_max", OFFSET_MAX_METHOD))
