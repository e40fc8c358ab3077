"""Applying presets: union, intersection and last_wins in the user's order, every conflict
reported, structured and flat tasks, spellings and engines."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from configlib.engines import get_engine, supported_versions
from configlib.model import TaskConfig
from configlib.presets import Preset, apply_presets, merge_presets, system_presets
from configlib.presets.merge import typed_value, union_values
from configlib.validate import validate


def _task(**fields: Any) -> TaskConfig:
    data: dict[str, Any] = {
        "task_name": "t",
        "model": {"id_or_path": "m/m"},
        "base_runtime": "sglang",
        "engine_version": "0.5.2",
    }
    data.update(fields)
    return TaskConfig.model_validate(data)


def _flat(**parameters: list[Any]) -> Preset:
    name = parameters.pop("name")  # type: ignore[arg-type]
    return Preset(name=str(name), runtime="sglang", parameters=parameters)


A = Preset(
    name="A",
    runtime="sglang",
    parameters={"tp-size": [1, 2], "schedule-policy": ["lpm"], "max-running-requests": [64]},
)
B = Preset(
    name="B",
    runtime="sglang",
    parameters={"tp-size": [4, 2], "schedule-policy": ["fcfs"], "mem-fraction-static": [0.9]},
)
C = Preset(name="C", runtime="sglang", parameters={"tp-size": [2, 8], "schedule-policy": ["lpm"]})


def test_union_gives_every_value_once_sorted_in_any_order() -> None:
    flat = _task(parameters={"trust-remote-code": [True]})
    forward = apply_presets(flat, [A, B, C], "union").task.parameters
    assert forward["tp-size"] == [1, 2, 4, 8]
    assert forward["schedule-policy"] == ["fcfs", "lpm"]
    backward = apply_presets(flat, [C, B, A], "union").task.parameters
    assert backward["tp-size"] == [1, 2, 4, 8]
    assert backward["schedule-policy"] == ["fcfs", "lpm"]
    assert list(forward) == [
        "trust-remote-code",
        "tp-size",
        "schedule-policy",
        "max-running-requests",
        "mem-fraction-static",
    ]


def test_union_reports_combined_values() -> None:
    result = apply_presets(_task(parameters={}), [A, B], "union")
    combined = {c.parameter: c for c in result.conflicts}
    tp = combined["parameters.tp-size"]
    assert (tp.before, tp.before_from, tp.incoming, tp.incoming_from) == ([1, 2], "A", [4, 2], "B")
    assert (tp.after, tp.won_by) == ([1, 2, 4], None)
    assert "mem-fraction-static" not in str(combined)  # only B sets it: no conflict


def test_intersection_keeps_the_first_presets_parameters_and_order() -> None:
    result = apply_presets(_task(parameters={}), [A, B, C], "intersection")
    assert result.task.parameters == {"tp-size": [2]}
    reasons = {(c.parameter, c.incoming_from): c for c in result.conflicts}
    assert reasons[("parameters.schedule-policy", "B")].after == []
    assert "no common values" in reasons[("parameters.schedule-policy", "B")].reason
    assert "does not set" in reasons[("parameters.max-running-requests", "B")].reason
    assert "first preset (A)" in reasons[("parameters.mem-fraction-static", "B")].reason
    narrowed = reasons[("parameters.tp-size", "B")]
    assert (narrowed.before, narrowed.after) == ([1, 2], [2])
    assert apply_presets(_task(parameters={}), [B, A], "intersection").task.parameters == {
        "tp-size": [2]
    }
    unsorted = Preset(name="D", parameters={"tp-size": [4, 2, 1]})
    assert apply_presets(_task(parameters={}), [unsorted, B], "intersection").task.parameters == {
        "tp-size": [4, 2]
    }


def test_last_wins_replaces_whole_lists_and_names_the_winner() -> None:
    result = apply_presets(_task(parameters={}), [A, B, C], "last_wins")
    assert result.task.parameters == {
        "tp-size": [2, 8],
        "schedule-policy": ["lpm"],
        "max-running-requests": [64],
        "mem-fraction-static": [0.9],
    }
    overrides = [(c.parameter, c.before, c.after, c.won_by) for c in result.conflicts]
    assert overrides == [
        ("parameters.tp-size", [1, 2], [4, 2], "B"),
        ("parameters.schedule-policy", ["lpm"], ["fcfs"], "B"),
        ("parameters.tp-size", [4, 2], [2, 8], "C"),
        ("parameters.schedule-policy", ["fcfs"], ["lpm"], "C"),
    ]
    reordered = apply_presets(_task(parameters={}), [C, B, A], "last_wins").task.parameters
    assert reordered["tp-size"] == [1, 2] and reordered["schedule-policy"] == ["lpm"]


def test_union_keeps_the_tasks_own_values_and_reports_the_addition() -> None:
    task = _task(parameters={"tp-size": [2, 4, 8], "trust-remote-code": [True]})
    result = apply_presets(task, [A], "union")
    assert result.task.parameters["tp-size"] == [1, 2, 4, 8]
    assert result.task.parameters["trust-remote-code"] == [True]
    conflict = result.conflicts[-1]
    assert (conflict.parameter, conflict.before, conflict.before_from) == (
        "parameters.tp-size",
        [2, 4, 8],
        "task t",
    )
    assert (conflict.after, conflict.won_by) == ([1, 2, 4, 8], None)
    assert "keeps the task's values" in conflict.reason


def test_last_wins_replaces_the_tasks_value_and_reports_it() -> None:
    task = _task(parameters={"tp-size": [8], "trust-remote-code": [True]})
    result = apply_presets(task, [A], "last_wins")
    assert result.task.parameters["tp-size"] == [1, 2]
    conflict = result.conflicts[-1]
    assert (conflict.before, conflict.after, conflict.won_by) == ([8], [1, 2], "A")


def test_values_are_compared_with_their_types() -> None:
    ints = Preset(name="ints", parameters={"max-running-requests": [1, 2]})
    mixed = Preset(name="mixed", parameters={"max-running-requests": [1.0, True, 2]})
    merged = apply_presets(_task(parameters={}), [ints, mixed], "union").task.parameters
    assert merged["max-running-requests"] == [1, 1.0, 2, True]
    assert [type(v) for v in merged["max-running-requests"]] == [int, float, int, bool]


def test_values_written_as_text_meet_their_typed_values() -> None:
    # A preset file or a task written by hand often quotes numbers and switches.
    task = _task(parameters={"tp-size": [2, 4, 8], "mem-fraction-static": ["0.9"]})
    quoted = Preset(
        name="quoted",
        parameters={
            "tp-size": ["2", "1"],
            "mem-fraction-static": [0.9, "0.8"],
            "enable-torch-compile": ["true"],
        },
    )
    result = apply_presets(task, [quoted], "union")
    assert result.task.parameters["tp-size"] == [1, 2, 4, 8]
    assert result.task.parameters["mem-fraction-static"] == [0.8, 0.9]
    assert result.task.parameters["enable-torch-compile"] == [True]
    tp = next(c for c in result.conflicts if c.parameter == "parameters.tp-size")
    assert (tp.incoming, tp.after) == ([2, 1], [1, 2, 4, 8])


def test_quoted_values_of_presets_meet_each_other() -> None:
    ints = Preset(name="ints", parameters={"max-running-requests": [64, 128]})
    quoted = Preset(name="quoted", parameters={"max-running-requests": ["128", "256"]})
    merged = merge_presets([ints, quoted], "intersection", _task(parameters={}))
    assert merged.settings["flag:--max-running-requests"].values == [128]
    union = apply_presets(_task(parameters={}), [ints, quoted], "union").task.parameters
    assert union["max-running-requests"] == [64, 128, 256]


def test_text_is_read_by_the_flags_type() -> None:
    manifest = get_engine("sglang", "0.5.2").manifest

    def read(flag: str, text: str) -> Any:
        resolved = manifest.lookup_lenient(flag)
        assert resolved is not None
        return typed_value(text, resolved.spec)

    assert read("tp-size", "8") == 8
    assert read("tp-size", "2.5") == "2.5"  # not a whole number: left for validation
    assert read("mem-fraction-static", "0.9") == 0.9
    assert read("enable-torch-compile", "False") is False
    assert read("kv-cache-dtype", "fp8_e4m3") == "fp8_e4m3"
    assert read("revision", "1") == "1"  # a text flag keeps its text
    unknown = [typed_value(v, None) for v in ("true", "3", "0.5", "x", "nan")]
    assert unknown == [True, 3, 0.5, "x", "nan"]


_SIZES = st.lists(st.integers(min_value=1, max_value=64), max_size=6)


@settings(max_examples=60, deadline=None)
@given(own=_SIZES, theirs=_SIZES.filter(bool), quote_own=st.booleans(), quote=st.booleans())
def test_union_holds_both_sides_once_sorted(
    own: list[int], theirs: list[int], quote_own: bool, quote: bool
) -> None:
    written = [str(v) for v in own] if quote_own else own
    parameters = {"max-running-requests": written} if own else {}
    preset = Preset(
        name="p", parameters={"max-running-requests": [str(v) if quote else v for v in theirs]}
    )
    merged = apply_presets(_task(parameters=parameters), [preset], "union").task.parameters
    values = merged["max-running-requests"]
    assert values == sorted(set(own) | set(theirs))
    assert all(type(v) is int for v in values)


@given(
    lists=st.lists(
        st.lists(st.one_of(st.integers(-5, 5), st.booleans(), st.sampled_from(["a", "b"]))),
        max_size=4,
    )
)
def test_union_values_keeps_every_value_once_in_order(lists: list[list[Any]]) -> None:
    merged = union_values(*lists)
    for values in lists:
        for value in values:
            assert any(type(v) is type(value) and v == value for v in merged)
    assert len({(type(v), v) for v in merged}) == len(merged)
    numbers = [v for v in merged if type(v) is int]
    assert numbers == sorted(numbers)
    kinds = [0 if type(v) is int else 1 if type(v) is bool else 2 for v in merged]
    assert kinds == sorted(kinds)


def test_spellings_of_one_flag_are_one_parameter() -> None:
    short = Preset(name="short", parameters={"tp-size": [1]})
    long = Preset(name="long", parameters={"tensor-parallel-size": [2]})
    result = apply_presets(_task(parameters={}), [short, long], "last_wins")
    assert result.task.parameters == {"tp-size": [2]}
    assert result.conflicts[0].parameter == "parameters.tp-size"


def test_a_structured_task_gets_fields_and_regenerated_flags() -> None:
    task = _task(
        parallel_config={"tp": 4},
        memory_config={"mem_fraction_static": 0.8},
        parameters={"tp-size": [4], "mem-fraction-static": [0.8], "trust-remote-code": [True]},
    )
    high, low = system_presets()[1], system_presets()[2]
    result = apply_presets(task, [high, low], "last_wins")
    merged = result.task
    assert merged.parallel_config is not None and merged.parallel_config.tp == [1, 2]
    assert merged.memory_config is not None
    assert merged.memory_config.mem_fraction_static == [0.85]
    assert merged.scheduling_config is not None
    assert merged.scheduling_config.schedule_policy == ["lpm"]
    assert merged.parameters == {
        "tp-size": [1, 2],
        "mem-fraction-static": [0.85],
        "schedule-policy": ["lpm"],
        "trust-remote-code": [True],
        "enable-mixed-chunk": [True],
    }
    task_level = [c for c in result.conflicts if c.before_from == "task t"]
    assert {c.parameter for c in task_level} == {
        "parallel_config.tp",
        "memory_config.mem_fraction_static",
    }


def test_a_flat_preset_lands_in_the_fields_of_a_structured_task() -> None:
    task = _task(parallel_config={"tp": 4}, parameters={"tp-size": [4]})
    result = apply_presets(task, [A], "union")
    assert result.task.parallel_config is not None
    assert result.task.parallel_config.tp == [1, 2, 4]
    assert result.task.scheduling_config is not None
    assert result.task.scheduling_config.max_num_seqs == [64]


def test_a_flat_task_stays_flat() -> None:
    structured = system_presets()[3]  # Balanced
    result = apply_presets(_task(parameters={"tp-size": [1]}), [structured], "union")
    assert not result.task.has_structured()
    assert result.task.parameters == {
        "tp-size": [1, 2],
        "mem-fraction-static": [0.85],
        "schedule-policy": ["fcfs", "lpm"],
    }


def test_an_sglang_preset_on_a_vllm_task() -> None:
    task = _task(
        base_runtime="vllm",
        engine_version="0.10.2",
        parallel_config={"tp": 1},
        parameters={"tensor-parallel-size": [1]},
    )
    sglang_only = A.model_copy(
        update={"parameters": {**A.parameters, "enable-mixed-chunk": [True]}}
    )
    result = apply_presets(task, [sglang_only], "union")
    assert result.task.parameters["tensor-parallel-size"] == [1, 2]
    assert result.task.parameters["max-num-seqs"] == [64]
    # The field carries over; vLLM's validation then says lpm is not one of its policies.
    assert result.task.parameters["scheduling-policy"] == ["lpm"]
    assert result.task.parameters["enable-mixed-chunk"] == [True]
    assert [f.code for f in result.findings] == ["preset-other-engine"]
    assert "enable-mixed-chunk" in result.findings[0].message


def test_merge_presets_without_a_task() -> None:
    merged = merge_presets([A, B], "last_wins", _task(parameters={}))
    assert merged.applied == ["A", "B"]
    assert merged.origins["flag:--tensor-parallel-size"] == ["B"]
    assert merged.settings["flag:--tensor-parallel-size"].values == [4, 2]


def test_an_unknown_strategy_is_refused() -> None:
    with pytest.raises(ValueError):
        apply_presets(_task(parameters={}), [A], "average")


@pytest.mark.parametrize("version", supported_versions("sglang"))
def test_system_presets_use_flags_every_sglang_release_has(version: str) -> None:
    engine = get_engine("sglang", version)
    for preset in system_presets():
        assert preset.is_system and preset.runtime == "sglang"
        for key in preset.parameters:
            assert engine.manifest.lookup_key(key) is not None, (preset.name, key)
        task = _task(engine_version=version, parallel_config={"tp": 1})
        applied = apply_presets(task, [preset])
        problems = [f for f in validate(applied.task) if f.code == "unknown-flag"]
        assert problems == [], (preset.name, problems)


def test_a_preset_needs_a_name_and_a_setting() -> None:
    with pytest.raises(ValueError, match="at least one field or flag"):
        Preset(name="empty")
    with pytest.raises(ValueError):
        Preset(name=" ", parameters={"tp-size": [1]})
    with pytest.raises(ValueError, match="at least one value"):
        Preset(name="x", parameters={"tp-size": []})
    with pytest.raises(ValueError, match="finite"):
        Preset(name="x", parameters={"mem-fraction-static": [float("nan")]})
    with pytest.raises(ValueError, match="not a flag name"):
        Preset(name="x", parameters={"tp size": [1]})
    assert Preset(name="x", parameters={"tp-size": 2}).parameters == {"tp-size": [2]}


def test_grid_preview_shows_the_resulting_grid_and_its_size() -> None:
    from configlib.presets import grid_preview

    task = _task(parameters={"tp-size": [2, 4, 8]})
    result = apply_presets(task, [A], "union")
    preview = grid_preview(task, result.task)
    assert (preview.size_before, preview.size_after) == (3, 4)
    changes = {c.flag: (c.before, c.after) for c in preview.changes}
    assert changes["tp-size"] == ([2, 4, 8], [1, 2, 4, 8])
    assert changes["max-running-requests"] == (None, [64])
    assert preview.axes == {"tp-size": [1, 2, 4, 8]}
