"""Random edit sequences on the editor's state: nothing raises, the draft stays a valid task,
and the two tabs agree after every step."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configlib.convert import to_flat
from configlib.engines import supported_versions
from configlib.model import TaskConfig
from configlib.ui.editor import EditorState
from configlib.ui.fields import field_specs
from configlib.ui.form import apply_form, raw_from_task

SPECS = field_specs()
NUMBER_FIELDS = [p for p, s in SPECS.items() if s.kind in ("int", "float") and s.multiple]
CHOICE_FIELDS = [p for p, s in SPECS.items() if s.widget == "multiselect"]
FLAGS = ["tp-size", "tensor-parallel-size", "pp-size", "dp-size", "mem-fraction-static",
         "gpu-memory-utilization", "kv-cache-dtype", "max-running-requests", "enable-dp-attention",
         "enable-mixed-chunk", "schedule-policy", "my-own-flag"]  # fmt: skip
TOKENS = st.sampled_from(["1", "2", "4", "8", "0", "0.5", "0.9", "true", "false", "fp8", "auto",
                          "lpm", "-1", "x", "1e3", "[1, 2]", "{}"])  # fmt: skip

number_text = st.lists(TOKENS, min_size=0, max_size=3).map(", ".join)
field_edit = st.one_of(
    st.tuples(st.just("field"), st.sampled_from(NUMBER_FIELDS), number_text),
    st.tuples(
        st.just("field"),
        st.sampled_from(CHOICE_FIELDS),
        st.sampled_from(CHOICE_FIELDS).flatmap(
            lambda path: st.lists(
                st.sampled_from(list(SPECS[path].choices)), max_size=2, unique=True
            )
        ),
    ),
)
flag_edit = st.tuples(st.just("flag"), st.sampled_from(FLAGS), number_text)
flag_removal = st.tuples(st.just("drop"), st.sampled_from(FLAGS), st.just(""))
engine_edit = st.tuples(
    st.just("engine"),
    st.sampled_from(["sglang", "vllm"]),
    st.sampled_from([None, *supported_versions("sglang"), *supported_versions("vllm")]),
)
edits = st.lists(st.one_of(field_edit, flag_edit, flag_removal, engine_edit), max_size=8)


def _apply(state: EditorState, edit: tuple[str, Any, Any]) -> None:
    kind, target, value = edit
    if kind == "field":
        state.set_field(target, value)
    elif kind == "engine":
        runtime, version = target, value
        if version is not None and version not in supported_versions(runtime):
            version = None
        state.set_engine(runtime, version)
    else:
        rows = [r for r in state.rows() if r["flag"] != target]
        if kind == "flag" and value:
            rows.append({"flag": target, "values": value})
        state.set_rows(rows)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits)
def test_random_edits_keep_a_valid_task_and_agreeing_tabs(
    steps: list[tuple[str, Any, Any]],
) -> None:
    state = EditorState.from_task(
        TaskConfig(task_name="t", model={"id_or_path": "m"}, base_runtime="sglang",
                   system_config={"gpu_type": "h200_sxm", "total_gpus": 8})
    )  # fmt: skip
    for edit in steps:
        _apply(state, edit)
        TaskConfig.model_validate(state.task.model_dump())  # still a valid task
        # The flags are exactly what the sections generate plus the task's other flags.
        assert to_flat(state.task).parameters == state.task.parameters
        state.findings()
        state.summary()
        rows = state.rows()
        shown = {r["flag"] for r in rows if r["from"] != "not applied"}
        assert shown == set(state.task.parameters)
        # The form shows the draft: read back, it gives the same task (pending typing aside).
        raw = raw_from_task(state.task)
        assert apply_form(state.task, raw).task == state.task
        for path in state.errors:
            assert path in SPECS
