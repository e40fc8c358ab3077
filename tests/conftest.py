"""Shared helpers for the test suite."""

from __future__ import annotations

import sys
from collections.abc import Iterator
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
        "benchmark": {"model_name": "Qwen/Qwen3-32B", "model_tokenizer": "Qwen/Qwen3-32B"},
    }
    data.update(sections)
    return TaskConfig.model_validate(data)


@pytest.fixture(autouse=True)
def _keep_main_module() -> Iterator[None]:
    """Give back the ``__main__`` module a test replaced. Streamlit's AppTest runs the app as
    ``__main__`` and leaves it there; a later test that starts processes with ``spawn`` would
    then run app.py in every child (which opens the app's default store) instead of its worker.
    """
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture
def data_dir() -> Path:
    return DATA
