"""Task files: every autotuner task in the reference set, export in both forms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from configlib.convert import to_flat
from configlib.engines import get_engine
from configlib.taskfile import (
    TaskFormatError,
    load_task,
    parse_task,
    task_from_text,
    to_autotuner,
    to_structured_form,
)
from tests.conftest import DATA

AUTOTUNER_TASKS = sorted((DATA / "autotuner").rglob("*.json"))


@pytest.mark.parametrize("path", AUTOTUNER_TASKS, ids=lambda p: p.name)
def test_every_reference_task_loads_and_round_trips(path: Path) -> None:
    task, _ = load_task(str(path))
    original = json.loads(path.read_text())
    assert task.task_name == original["task_name"]
    assert task.metadata.config_format is not None
    expected_format = "structured" if "parallel_config" in original else "flat"
    assert task.metadata.config_format.value == expected_format
    exported, _ = to_autotuner(task)
    again, _ = parse_task(exported)
    engine = get_engine(task.base_runtime, "0.5.2")
    assert to_flat(again, engine).parameters == to_flat(task, engine).parameters
    rewritten = {"parallel_config", "parameters", "deployment_mode"}
    quant = original.get("quant_config", {})
    if "presets" in quant or "preset" in quant:
        rewritten.add("quant_config")
    for key, value in original.items():
        if key not in rewritten:
            assert_contains(exported[key], value, key)
    for key, values in original["parameters"].items():
        listed = values["values"] if isinstance(values, dict) else values
        assert exported["parameters"][key] == listed


def assert_contains(exported: object, original: object, path: str) -> None:
    """Everything the original says is in the export (which may add defaults)."""
    if isinstance(original, dict):
        assert isinstance(exported, dict), path
        for key, value in original.items():
            assert key in exported, f"{path}.{key}"
            assert_contains(exported[key], value, f"{path}.{key}")
    else:
        assert exported == original, path


def test_legacy_choice_parameters_become_lists() -> None:
    task, _ = load_task(str(DATA / "autotuner/examples/simple_task.json"))
    assert task.parameters == {"tp_size": [1], "mem_frac": [0.8]}
    assert task.deployment_mode.value == "ome"
    assert task.serving_runtime_name == "sglang-llama-small"
    exported, _ = to_autotuner(task)
    assert exported["base_runtime"] == "sglang-llama-small"
    assert exported["clusterbasemodel_config"] == {"preset": "llama-3-2-1b-instruct"}


def test_export_carries_every_setting_as_flags() -> None:
    task, _ = load_task(str(DATA / "autotuner/examples/parallel_config_test.json"))
    exported, _ = to_autotuner(task)
    assert "parallel_config" not in exported
    assert exported["parameters"] == {
        "tp-size": [2, 4],
        "dp-size": [1, 2],
        "mem-fraction-static": [0.85],
    }
    assert exported["optimization"]["timeout_per_iteration"] == 600


def test_timeout_is_always_emitted() -> None:
    task, _ = load_task(str(DATA / "autotuner/examples/quant_custom_task.json"))
    exported, _ = to_autotuner(task)
    assert exported["optimization"]["timeout_per_iteration"] == 1800
    assert exported["quant_config"]["kvcache_dtype"] == "fp8_e5m2"


def test_quant_presets_are_not_exported() -> None:
    task, notes = load_task(str(DATA / "autotuner/examples/quant_multi_preset_task.json"))
    assert [n.code for n in notes] == ["quant-preset-not-expanded"]
    exported, findings = to_autotuner(task)
    assert "quant_config" not in exported
    assert "quant-preset-dropped" in [f.code for f in findings]


def test_structured_form_keeps_sections_and_full_parameters() -> None:
    text = """
task_name: llama
model: {id_or_path: meta-llama/Llama-3.1-70B-Instruct}
base_runtime: vllm
engine_version: "0.33.0"
parallel_config: {tp: 4, pp: 2}
parameters: {max-num-seqs: [256]}
"""
    task, _ = task_from_text(text, "llama.yaml")
    data, findings = to_structured_form(task)
    assert data["parallel_config"] == {"tp": 4, "pp": 2}
    assert data["parameters"] == {
        "tensor-parallel-size": [4],
        "pipeline-parallel-size": [2],
        "max-num-seqs": [256],
    }
    assert data["metadata"]["config_format"] == "structured"
    assert findings == []
    again, _ = parse_task(data)
    assert again.parallel_config == task.parallel_config


def test_not_a_task_names_the_fields() -> None:
    with pytest.raises(TaskFormatError) as caught:
        parse_task(
            {"task_name": "x", "base_runtime": "tgi", "model": {}, "deployment_mode": "docker"}
        )
    paths = {f.path for f in caught.value.findings}
    assert paths == {"base_runtime", "model.id_or_path"}
    with pytest.raises(TaskFormatError):
        parse_task(["not", "a", "task"])


def test_autotuner_run_state_keys_are_ignored() -> None:
    task, _ = parse_task(
        {
            "task_name": "x",
            "base_runtime": "sglang",
            "id": 7,
            "status": "completed",
            "model_config": {"id_or_path": "m"},
            "optimization_config": {"max_iterations": 3},
        }
    )
    assert task.optimization.max_iterations == 3
