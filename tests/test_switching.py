"""Switching a task's engine says what it drops or translates before it happens."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from configlib.cli import main
from configlib.engines import supported_versions
from configlib.model import TaskConfig
from configlib.switching import Loss, plan_switch, switch_engine
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


def test_the_plan_names_the_candidates_the_target_refuses() -> None:
    task = _sglang(memory_config=None, scheduling_config={"schedule_policy": ["lpm", "fcfs"]})
    plan = plan_switch(task, "vllm")
    [loss] = plan.losses
    assert (loss.path, loss.values, loss.candidates, loss.cleared) == (
        "scheduling_config.schedule_policy",
        ["lpm"],
        True,
        False,
    )
    assert not plan.quiet
    [finding] = plan.findings(translated=False)
    assert finding.code == "switch-refused"
    assert "candidate lpm stays" in finding.message
    assert "--scheduling-policy" in finding.message and "fcfs, priority" in finding.message
    moved, notes = switch_engine(task, "vllm")
    assert [f.code for f in notes] == ["switch-refused"]
    assert moved.scheduling_config is not None
    assert moved.scheduling_config.schedule_policy == ["lpm", "fcfs"]  # kept for the user


def test_a_release_switch_names_choices_the_older_release_lacks() -> None:
    task = _sglang(
        memory_config=None,
        engine_version="0.5.23",
        parameters={"attention-backend": ["fa3", "fa4"], "kv-cache-dtype": ["auto", "mxfp8"]},
    )
    plan = plan_switch(task, "sglang", "0.5.2")
    assert {loss.path: loss.values for loss in plan.losses} == {
        "parameters.attention-backend": ["fa4"],
        "parameters.kv-cache-dtype": ["mxfp8"],
    }
    assert all(loss.candidates and not loss.cleared for loss in plan.losses)
    assert "SGLang 0.5.2 refuses fa4" in plan.losses[0].sentence()
    assert plan_switch(task, "sglang", "0.5.23").quiet


def test_values_the_task_already_had_refused_are_not_the_switchs_doing() -> None:
    task = _sglang(memory_config=None, parameters={"max-prefill-tokens": ["lots"]})
    assert not any(loss.candidates for loss in plan_switch(task, "sglang", "0.5.2").losses)


def test_a_dropped_setting_says_its_values_and_one_without_values_shows_none() -> None:
    task = _sglang(memory_config=None, advanced_tuning_config={"swap_space": [4]})
    [loss] = plan_switch(task, "sglang", "0.5.2").losses
    assert loss.sentence().startswith("advanced_tuning_config.swap_space (4.0) stays")
    bare = Loss("parameters.x", [], "no reason", True)
    assert bare.sentence() == "parameters.x is dropped: no reason"


_BOTH = st.fixed_dictionaries(
    {},
    optional={
        "parallel_config": st.fixed_dictionaries(
            {},
            optional={
                "tp": st.lists(st.sampled_from([1, 2, 4, 8]), min_size=1, max_size=3, unique=True),
                "pp": st.lists(st.sampled_from([1, 2]), min_size=1, max_size=2, unique=True),
                "dp": st.lists(st.sampled_from([1, 2]), min_size=1, max_size=2, unique=True),
            },
        ),
        "memory_config": st.fixed_dictionaries(
            {},
            optional={
                "mem_fraction_static": st.lists(
                    st.sampled_from([0.7, 0.8, 0.85, 0.9]), min_size=1, max_size=3, unique=True
                ),
                "max_model_len": st.lists(
                    st.sampled_from([2048, 4096, 32768]), min_size=1, max_size=2, unique=True
                ),
                "enforce_eager": st.booleans().map(lambda b: [b]),
            },
        ),
        "scheduling_config": st.fixed_dictionaries(
            {},
            optional={
                "schedule_policy": st.just(["fcfs"]),
                "max_num_batched_tokens": st.lists(
                    st.sampled_from([2048, 8192, 16384]), min_size=1, max_size=2, unique=True
                ),
                "max_num_seqs": st.lists(
                    st.sampled_from([16, 64, 256]), min_size=1, max_size=3, unique=True
                ),
                "chunked_prefill_enabled": st.booleans().map(lambda b: [b]),
            },
        ),
        "advanced_tuning_config": st.fixed_dictionaries(
            {}, optional={"enable_prefix_caching": st.booleans().map(lambda b: [b])}
        ),
    },
).map(lambda sections: {k: v for k, v in sections.items() if v})

_SECTIONS = ("parallel_config", "memory_config", "scheduling_config", "advanced_tuning_config")


@settings(max_examples=25, deadline=None)
@given(sections=_BOTH)
def test_settings_both_engines_express_survive_sglang_vllm_sglang(
    sections: dict[str, Any],
) -> None:
    task = _sglang(**({"memory_config": None} | sections))
    there_plan = plan_switch(task, "vllm")
    there, notes = switch_engine(task, "vllm", translate=True)
    back_plan = plan_switch(there, "sglang")
    back, more = switch_engine(there, "sglang", translate=True)
    # Nothing is dropped or refused either way; mem_fraction_static is carried over and back.
    assert {f.code for f in [*notes, *more]} <= {"switch-translated"}
    for name in _SECTIONS:
        assert getattr(back, name) == getattr(task, name), name
    assert back_plan.size_translated == there_plan.size_translated == there_plan.size_before
    assert not [f for f in validate(back) if f.severity == "error"]


@settings(max_examples=20, deadline=None)
@given(
    policies=st.lists(
        st.sampled_from(["lpm", "random", "fcfs", "dfs-weight", "lof", "priority"]),
        min_size=1,
        max_size=4,
        unique=True,
    )
)
def test_the_plan_names_exactly_the_policies_vllm_refuses(policies: list[str]) -> None:
    task = _sglang(memory_config=None, scheduling_config={"schedule_policy": policies})
    refused = [loss for loss in plan_switch(task, "vllm").losses if loss.candidates]
    expected = [p for p in policies if p not in ("fcfs", "priority")]
    assert [value for loss in refused for value in loss.values] == expected
    assert all(p in refused[0].sentence() for p in expected)
