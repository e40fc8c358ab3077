"""Every shipped example loads, validates without errors and converts for its engine."""

from __future__ import annotations

from pathlib import Path

import pytest

from configlib.convert import to_flat
from configlib.findings import errors
from configlib.grid import grid_of
from configlib.taskfile import load_task, to_autotuner
from configlib.validate import validate
from tests.conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.*"))


def test_there_are_examples_for_each_runtime_and_one_with_an_slo() -> None:
    tasks = [load_task(str(p))[0] for p in EXAMPLES]
    assert {t.base_runtime.value for t in tasks} == {"sglang", "vllm"}
    assert any(t.slo is not None for t in tasks)
    assert any(t.task_name == "aiconfig-llama_70b-tp4-pp2" for t in tasks)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_is_valid(path: Path) -> None:
    task, notes = load_task(str(path))
    findings = [*notes, *validate(task)]
    assert errors(findings) == []
    assert findings == [], [str(f) for f in findings]
    flat = to_flat(task)
    assert grid_of(flat.parameters).size >= 1
    exported, _ = to_autotuner(task)
    assert exported["parameters"] == flat.parameters


def test_design_example_keeps_its_documented_flags() -> None:
    task, _ = load_task(str(ROOT / "examples/design-llama70b-h200.json"))
    assert to_flat(task).parameters == task.parameters
    assert task.parameters["kv-cache-dtype"] == ["fp8_e4m3"]
