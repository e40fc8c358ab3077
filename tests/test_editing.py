"""The two editor tabs stay in step through configlib: structured edits regenerate the flags,
flag edits update the structured fields, unknown flags stay as they are."""

from __future__ import annotations

from typing import Any

from configlib import switching
from configlib.convert import editing
from configlib.model import TaskConfig
from configlib.ui.editor import EditorState


def _task(**extra: Any) -> TaskConfig:
    data = {
        "task_name": "t",
        "model": {"id_or_path": "Qwen/Qwen3-32B"},
        "base_runtime": "sglang",
        "engine_version": "0.5.23",
    }
    task, _ = editing.regenerate(TaskConfig.model_validate({**data, **extra}))
    return task


def test_structured_edit_regenerates_flags_and_keeps_other_flags() -> None:
    before = _task(parallel_config={"tp": [2]}, parameters={"enable-mixed-chunk": [True], "x": [1]})
    assert before.parameters == {"tp-size": [2], "enable-mixed-chunk": [True], "x": [1]}
    data = before.model_dump()
    data.update(parallel_config=None, memory_config={"mem_fraction_static": [0.8, 0.9]})
    after = TaskConfig.model_validate(data)
    task, _ = editing.structured_edit(before, after)
    assert task.parameters == {
        "mem-fraction-static": [0.8, 0.9],
        "enable-mixed-chunk": [True],
        "x": [1],
    }


def test_editing_a_mapped_flag_updates_its_field() -> None:
    task = _task(
        parallel_config={"tp": [2]},
        memory_config={"mem_fraction_static": [0.8]},
        parameters={"my-flag": ["a"]},
    )
    edited = dict(task.parameters, **{"tp-size": [4, 8]})
    result, _ = editing.flat_edit(task, edited)
    assert result.parallel_config is not None and result.parallel_config.tp == [4, 8]
    assert result.memory_config is not None and result.memory_config.mem_fraction_static == [0.8]
    assert result.parameters["my-flag"] == ["a"]
    assert result.parameters["tp-size"] == [4, 8]


def test_removing_a_mapped_flag_clears_its_field_and_adding_one_lifts_it() -> None:
    task = _task(parallel_config={"tp": [2]})
    result, _ = editing.flat_edit(task, {"mem-fraction-static": [0.7]})
    assert result.parallel_config is None or result.parallel_config.tp is None
    assert result.memory_config is not None and result.memory_config.mem_fraction_static == [0.7]
    assert result.parameters == {"mem-fraction-static": [0.7]}
    assert result.metadata.config_format is not None
    assert result.metadata.config_format.value == "structured"


def test_flag_spelled_as_an_alias_is_lifted_and_regenerated_canonically() -> None:
    task = _task()
    result, _ = editing.flat_edit(task, {"tensor-parallel-size": [4]})
    assert result.parallel_config is not None and result.parallel_config.tp == [4]
    assert result.parameters == {"tp-size": [4]}


def test_a_flag_that_cannot_be_lifted_stays_as_typed() -> None:
    task = _task(parallel_config={"tp": [2]})
    result, _ = editing.flat_edit(task, {"tp-size": ["two"]})
    assert result.parameters == {"tp-size": ["two"]}
    assert result.parallel_config is None or result.parallel_config.tp is None


def test_rules_writing_several_flags_lift_as_a_whole() -> None:
    task = _task(parallel_config={"tp": [4], "dp": [2], "attention_dp": [True]})
    assert task.parameters == {"tp-size": [8], "attn-dp-size": [2]}
    result, _ = editing.flat_edit(task, {"tp-size": [8], "attn-dp-size": [4]})
    parallel = result.parallel_config
    assert parallel is not None
    assert (parallel.tp, parallel.dp, parallel.attention_dp) == ([2], [4], [True])
    assert result.parameters == {"tp-size": [8], "attn-dp-size": [4]}


def test_precedence_loser_keeps_its_field_after_a_flag_edit() -> None:
    task = _task(advanced_tuning_config={"max_batch_size": [128]}, parallel_config={"tp": [1]})
    assert task.parameters["max-running-requests"] == [128]
    edited = dict(task.parameters, **{"max-running-requests": [256]})
    result, _ = editing.flat_edit(task, edited)
    assert result.advanced_tuning_config is not None
    assert result.advanced_tuning_config.max_batch_size == [256]
    assert result.scheduling_config is None or result.scheduling_config.max_num_seqs is None
    # Editing another flag leaves it alone (no copy into scheduling_config).
    again, _ = editing.flat_edit(result, dict(result.parameters, **{"tp-size": [2]}))
    assert again.scheduling_config is None or again.scheduling_config.max_num_seqs is None


def test_engine_change_retargets_flags() -> None:
    task = _task(
        parallel_config={"tp": [2]},
        quantization_config={"kvcache_quant_mode": "fp8"},
        parameters={"tp-size": [2], "my-flag": [1]},
    )
    assert task.parameters["kv-cache-dtype"] == ["fp8_e4m3"]
    moved, _ = switching.change_engine(task, "vllm", None)
    assert moved.base_runtime.value == "vllm"
    assert moved.parameters == {
        "tensor-parallel-size": [2],
        "kv-cache-dtype": ["fp8"],
        "my-flag": [1],
    }
    back, _ = switching.change_engine(moved, "sglang", "0.5.2")
    assert back.engine_version == "0.5.2" and back.parameters["tp-size"] == [2]


def test_editor_state_keeps_pending_typing_across_a_flag_edit() -> None:
    state = EditorState.from_task(_task(parallel_config={"tp": [2]}))
    state.set_field("memory_config.mem_fraction_static", "0.8, much")
    assert state.errors == {"memory_config.mem_fraction_static": "'much' is not a number"}
    rows = state.rows()
    rows[0]["values"] = "4"
    revision = state.revision
    state.set_rows(rows)
    assert state.revision > revision
    assert state.raw["parallel_config.tp"] == "4"
    assert state.raw["memory_config.mem_fraction_static"] == "0.8, much"
    assert "memory_config.mem_fraction_static" in state.errors


def test_editor_state_bad_rows_keep_the_old_value_and_block_saving() -> None:
    state = EditorState.from_task(_task(parallel_config={"tp": [2]}))
    rows = state.rows()
    rows.append({"flag": "enable-mixed-chunk", "values": "perhaps"})
    rows[0]["flag"] = "tp-size"
    state.set_rows(rows)
    assert state.task.parameters == {"tp-size": [2]}
    shown = state.rows()
    assert shown[-1]["values"] == "perhaps" and "switch" in shown[-1]["problem"]
    assert not state.can_save()


def test_new_draft_requires_name_and_model() -> None:
    state = EditorState.new()
    assert set(state.errors) == {"task_name", "model.id_or_path"}
    assert not state.can_save()
    state.set_field("task_name", "my-task")
    state.set_field("model.id_or_path", "Qwen/Qwen3-8B")
    assert state.errors == {}
    assert state.task.task_name == "my-task" and state.task.model.id_or_path == "Qwen/Qwen3-8B"


def test_summary_counts_grid_and_truncation() -> None:
    task = _task(
        parallel_config={"tp": [1, 2, 4]},
        memory_config={"mem_fraction_static": [0.7, 0.8]},
        optimization={"max_iterations": 4},
    )
    summary = EditorState.from_task(task).summary()
    assert (summary.grid_size, summary.runs, summary.truncated) == (6, 4, True)
    assert summary.commands[0].startswith(
        "python -m sglang.launch_server --model-path Qwen/Qwen3-32B"
    )
    assert "--tp-size 1" in summary.commands[0]
    assert "optimization.max_iterations" in summary.findings
