"""Fixtures of the aiconfigurator import tests (helpers live in aic_helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from aic_helpers import DATA


@pytest.fixture
def sglang_dense() -> Path:
    return DATA / "sglang-default-qwen3_32b-h200"


@pytest.fixture
def sglang_moe() -> Path:
    return DATA / "sglang-default-qwen3_30b_a3b-h200"
