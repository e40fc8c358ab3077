"""Shared helpers for the test suite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from configlib.model import TaskConfig

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).parent.parent


def make_task(runtime: str = "sglang", **sections: Any) -> TaskConfig:
    """A minimal valid task with the given sections (dicts) merged in."""
    data: dict[str, Any] = {
        "task_name": "t",
        "model": {"id_or_path": "Qwen/Qwen3-32B"},
        "base_runtime": runtime,
        "benchmark": {"model_name": "Qwen3-32B", "model_tokenizer": "Qwen/Qwen3-32B"},
    }
    data.update(sections)
    return TaskConfig.model_validate(data)


@pytest.fixture
def data_dir() -> Path:
    return DATA
