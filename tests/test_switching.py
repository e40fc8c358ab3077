"""Switching a task's engine says what it drops or translates before it happens."""

from __future__ import annotations

from pathlib import Path

import pytest

from configlib.cli import main
from configlib.engines import supported_versions
from configlib.model import TaskConfig
from configlib.switching import plan_switch, switch_engine
from configlib.validate import validate

NEWEST_VLLM = supported_versions("vllm")[-1]


def _sglang(**sections: object) -> TaskConfig:
    data = {
        "task_name": "t",
        "model": {"id_or_path": "Qwen/Qwen3-8B"},
        "base_runtime": "sglang",
        "parallel_config": {"tp": [1, 2]},
        "memory_config": {"mem_fraction_static": [0.8, 0.85, 0.9]},
    }
    return TaskConfig.model_validate(data | sections)


def test_the_plan_names_the_translation_and_the_grid_sizes() -> None:
    plan = plan_switch(_sglang(), "vllm")
    assert (plan.size_before, plan.size_after, plan.size_translated) == (6, 2, 6)
    assert plan.label == f"vLLM {NEWEST_VLLM}" and not plan.quiet
    [offer] = plan.translations
    assert (offer.from_field, offer.to_field) == (
        "memory_config.mem_fraction_static",
        "memory_config.gpu_memory_utilization",
    )
    assert offer.values == [0.8, 0.85, 0.9]
    assert "weights and KV cache" in offer.meaning and "activations" in offer.meaning
    [drop] = plan.findings(translated=False)
    assert drop.code == "switch-drops" and "is dropped" in drop.message


def test_a_switch_with_nothing_to_lose_needs_no_question() -> None:
    assert plan_switch(_sglang(memory_config=None), "vllm").quiet


def test_translating_keeps_the_sweep_and_says_how_the_meaning_differs() -> None:
    task, findings = switch_engine(_sglang(), "vllm", translate=True)
    assert task.memory_config is not None
    assert task.memory_config.gpu_memory_utilization == [0.8, 0.85, 0.9]
    assert task.memory_config.mem_fraction_static is None
    assert task.parameters["gpu-memory-utilization"] == [0.8, 0.85, 0.9]
    assert [f.code for f in findings] == ["switch-translated"]
    assert (task.engine_version, task.runtime_image_tag) == (NEWEST_VLLM, f"v{NEWEST_VLLM}")
    back, notes = switch_engine(task, "sglang", translate=True)
    assert back.memory_config is not None
    assert back.memory_config.mem_fraction_static == [0.8, 0.85, 0.9]
    assert [f.code for f in notes] == ["switch-translated"]


def test_not_translating_drops_the_setting_with_no_stale_warning_left() -> None:
    task, findings = switch_engine(_sglang(), "vllm")
    assert task.memory_config is None and "gpu-memory-utilization" not in task.parameters
    assert [f.code for f in findings] == ["switch-drops"]
    left = [f for f in validate(task) if "mem" in f.path or "mem-fraction" in f.message]
    assert left == []


def test_a_flag_the_other_engine_lacks_is_named_and_kept_for_the_user() -> None:
    task = _sglang(memory_config=None, parameters={"enable-mixed-chunk": [True]})
    plan = plan_switch(task, "vllm")
    [loss] = plan.losses
    assert loss.path == "parameters.enable-mixed-chunk" and not loss.cleared
    moved, _ = switch_engine(task, "vllm")
    assert any(f.code == "unknown-flag" for f in validate(moved))


def test_the_command_line_reports_and_translates_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "t.json"
    path.write_text(_sglang().model_dump_json(exclude_none=True))
    assert main(["params", str(path), "--runtime", "vllm", "--format", "args"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 2 and "[switch-drops]" in err
    assert main(["params", str(path), "--runtime", "vllm", "--translate", "--format", "args"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == 6 and "--gpu-memory-utilization 0.85" in out
    assert "[switch-translated]" in err
    assert main(["params", str(path), "--translate"]) == 2


def test_a_task_moved_to_vllm_names_its_model_for_the_benchmark() -> None:
    """Without benchmark.model_name vLLM refuses the warm-up requests (issue 13, item 4)."""
    task = TaskConfig.model_validate(
        {"task_name": "named", "model": {"id_or_path": "Qwen/Qwen3-8B"}, "base_runtime": "sglang"}
    )
    assert not task.benchmark.model_name
    moved, _ = switch_engine(task, "vllm")
    assert moved.benchmark.model_name == "Qwen/Qwen3-8B"
    assert "missing-model-name" not in {f.code for f in validate(moved)}
    back, _ = switch_engine(moved, "sglang")
    assert back.benchmark.model_name == "Qwen/Qwen3-8B"  # kept: it names the model for any engine
