"""The task editor page: both tabs in sync, errors next to their field, engine switch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from configlib.engines import supported_versions
from configlib.store import Store
from configlib.ui import keys
from configlib.ui.editor import EditorState
from tests.app.conftest import (
    ROOT,
    button,
    edit_table,
    field_value,
    open_page,
    open_popover,
    open_section,
    open_selection_popover,
    open_tab,
    run_ok,
    save_examples,
    select_rows,
    set_field,
)
from tests.app.shown import shown as visible
from tests.conftest import make_task


def _draft(at: AppTest) -> EditorState:
    state = at.session_state[keys.DRAFTS][keys.NEW_DRAFT]
    assert isinstance(state, EditorState)
    return state


def _field(at: AppTest, path: str) -> str:
    return keys.field(path)


def _fill(at: AppTest, **values: str) -> AppTest:
    for path, value in values.items():
        set_field(at, path.replace("__", "."), value)
    return at


def _table(at: AppTest) -> dict[str, str]:
    open_tab(at, "Expert mode")
    frame = at.data_editor[0].value
    return dict(zip(frame["flag"], frame["values"], strict=True))


def test_advanced_edits_appear_as_flags_in_expert_mode(app: AppTest) -> None:
    at = open_page(app, "editor")
    assert [t.label for t in at.tabs] == ["Advanced config", "Expert mode"]
    _fill(at, task_name="llama-tune", model__id_or_path="Qwen/Qwen3-32B")
    _fill(at, parallel_config__tp="2, 4", memory_config__mem_fraction_static="0.8")
    set_field(at, "quantization_config.kvcache_quant_mode", ["fp8"])
    assert _table(at) == {
        "tp-size": "2, 4",
        "mem-fraction-static": "0.8",
        "kv-cache-dtype": "fp8_e4m3",
    }
    commands = at.code[0].value
    assert "--model-path Qwen/Qwen3-32B --tp-size 2" in commands
    assert any(m.value == "2" for m in at.metric)  # grid size


def test_expert_edits_update_the_advanced_fields_and_keep_other_flags(app: AppTest) -> None:
    at = open_page(app, "editor")
    _fill(at, parallel_config__tp="2")
    open_tab(at, "Expert mode")
    key = keys.expert_table("editor", keys.NEW_DRAFT, _draft(at).revision)
    edit_table(
        at,
        key,
        edited_rows={0: {"values": "4, 8"}},
        added_rows=[
            {"flag": "--mem-fraction-static", "values": "0.85"},
            {"flag": "enable-mixed-chunk", "values": "true"},
            {"flag": "my-own-flag", "values": "x"},
        ],
    )
    open_tab(at, "Advanced config")
    open_section(at, "parallel_config")
    open_section(at, "memory_config")
    assert field_value(at, "parallel_config.tp") == "4, 8"
    assert field_value(at, "memory_config.mem_fraction_static") == "0.85"
    table = _table(at)
    assert table["my-own-flag"] == "x" and table["enable-mixed-chunk"] == "true"
    assert _draft(at).task.parameters["tp-size"] == [4, 8]


def test_a_bad_value_is_shown_at_its_field_kept_as_typed_and_blocks_saving(app: AppTest) -> None:
    at = open_page(app, "editor")
    _fill(at, task_name="t", model__id_or_path="m", parallel_config__tp="2, zero")
    captions = [c.value for c in at.caption]
    assert any("'zero' is not a whole number" in c for c in captions)
    assert field_value(at, "parallel_config.tp") == "2, zero"
    save = next(b for b in at.button if b.label.startswith("Save"))
    assert save.disabled
    _fill(at, parallel_config__tp="2")
    save = next(b for b in at.button if b.label.startswith("Save"))
    assert not save.disabled


def test_switching_runtime_regenerates_the_flags(app: AppTest) -> None:
    at = open_page(app, "editor")
    _fill(at, parallel_config__tp="2")
    at.segmented_control(key="editor.runtime").set_value("vllm").run()
    assert not at.exception
    assert _table(at) == {"tensor-parallel-size": "2"}
    at.selectbox(key="editor.version").set_value("0.10.2").run()
    assert _draft(at).task.engine_version == "0.10.2"
    assert "vLLM 0.10.2" in at.markdown[-1].value or any(
        "vLLM 0.10.2" in m.value for m in at.markdown
    )


def test_the_release_and_the_image_are_one_choice(app: AppTest) -> None:
    at = open_page(app, "editor")
    newest = supported_versions("sglang")[-1]
    picker = at.selectbox(key="editor.version")
    assert picker.value == newest and f"{newest} · lmsysorg/sglang:v{newest}" in picker.options
    assert field_value(at, "runtime_image_tag") == f"v{newest}"
    panel = visible("\n".join(m.value for m in at.markdown))
    assert "the autotuner will run" not in panel  # no "runs 0.5.2, checked against newer"
    run_ok(at.selectbox(key="editor.version").set_value("0.5.14"))
    assert field_value(at, "runtime_image_tag") == "v0.5.14"
    set_field(at, "runtime_image_tag", "v0.5.16")
    assert _draft(at).task.engine_version == "0.5.16"
    assert at.selectbox(key="editor.version").value == "0.5.16"


def test_an_engine_switch_that_drops_a_sweep_asks_first(app: AppTest) -> None:
    at = open_page(app, "editor")
    _fill(at, parallel_config__tp="1, 2", memory_config__mem_fraction_static="0.8, 0.85, 0.9")
    at.segmented_control(key="editor.runtime").set_value("vllm").run()
    assert not at.exception
    assert _draft(at).task.base_runtime.value == "sglang"  # nothing happened yet
    question = visible("\n".join(m.value for m in at.markdown))
    assert "goes from 6 to 2 combination(s), or 6 with the translation" in question
    # Settings read as the form calls them, not as paths.
    assert (
        "Static memory fraction (SGLang) 0.8, 0.85, 0.9 can become GPU memory utilization "
        "(vLLM) 0.8, 0.85, 0.9" in question
    )
    assert "activations" in question and "memory_config." not in question
    run_ok(button(at, "Cancel").click())
    assert _draft(at).task.base_runtime.value == "sglang"
    assert at.segmented_control(key="editor.runtime").value == "sglang"
    at.segmented_control(key="editor.runtime").set_value("vllm").run()
    run_ok(button(at, "Switch and translate").click())
    task = _draft(at).task
    assert task.base_runtime.value == "vllm"
    assert task.parameters["gpu-memory-utilization"] == [0.8, 0.85, 0.9]
    assert any(m.value == "6" for m in at.metric)  # the grid kept its size
    panel = visible("\n".join(m.value for m in at.markdown))
    assert "mem_fraction_static 0.8, 0.85, 0.9 became" in panel
    assert "no --mem-fraction-static" not in panel


def test_validation_findings_are_grouped_by_field(app: AppTest) -> None:
    at = open_page(app, "editor")
    _fill(at, task_name="t", model__id_or_path="m")
    _fill(at, optimization__max_iterations="1", parallel_config__tp="1, 2")
    panel = "\n".join(m.value for m in at.markdown)
    assert "**`optimization.max_iterations`**" in panel
    assert "grid search runs only the first 1" in panel
    assert any("cuts the grid" in w.value for w in at.warning)


# ---- With the store --------------------------------------------------------------------------


def _save_button(at: AppTest) -> Any:
    return next(b for b in at.button if b.label in ("Save", "Save as new task"))


def test_save_then_save_again_bumps_the_version(app: AppTest, db: Store) -> None:
    at = open_page(app, "editor")
    _fill(at, task_name="saved-task", model__id_or_path="Qwen/Qwen3-8B", parallel_config__tp="1, 2")
    run_ok(_save_button(at).click())
    stored = db.get_task("saved-task")
    assert stored.version == 1 and stored.task.parameters["tp-size"] == [1, 2]
    assert at.query_params["task"] == ["saved-task"] or at.query_params["task"] == "saved-task"
    _fill(at, parallel_config__tp="4")
    run_ok(_save_button(at).click())
    assert db.get_task("saved-task").version == 2
    assert any("version 2" in s.value for s in at.success)


def test_stale_save_shows_the_conflict_and_offers_reload(app: AppTest, db: Store) -> None:
    name = save_examples(db, "qwen3-32b-h200-sglang.json")[0]
    at = open_page(app, "editor", task=name)
    # Someone else saves a new version meanwhile.
    theirs = db.get_task(name)
    other = theirs.task.model_copy(update={"description": "changed by a colleague"})
    db.save_task(other, expected_version=theirs.version, user="colleague")
    _fill(at, parallel_config__tp="8")
    run_ok(_save_button(at).click())
    message = " ".join(e.value for e in at.error)
    assert "colleague" in message and "version 2" in message
    assert db.get_task(name).task.description == "changed by a colleague"
    run_ok(button(at, "Reload the stored version").click())
    assert field_value(at, "description") == "changed by a colleague"
    assert field_value(at, "parallel_config.tp") == "2, 4"
    assert not any("colleague" in e.value for e in at.error)


def test_stale_save_can_be_saved_under_another_name(app: AppTest, db: Store) -> None:
    name = save_examples(db, "qwen3-32b-h200-sglang.json")[0]
    at = open_page(app, "editor", task=name)
    theirs = db.get_task(name)
    db.save_task(theirs.task, expected_version=theirs.version)
    _fill(at, parallel_config__tp="8")
    run_ok(_save_button(at).click())
    at.text_input(key=keys.SAVE_AS_NAME).set_value("my-variant").run()
    run_ok(button(at, "Save under this name").click())
    assert db.get_task("my-variant").task.parallel_config.tp == [8]  # type: ignore[union-attr]
    assert db.get_task(name).version == 2


def test_nothing_typed_is_lost_on_a_page_switch(app: AppTest) -> None:
    at = open_page(app, "editor")
    _fill(at, parallel_config__tp="2, 4", memory_config__mem_fraction_static="0.9, lots")
    at.switch_page("views/tasks.py")
    run_ok(at)
    at.switch_page("views/editor.py")
    run_ok(at)
    assert field_value(at, "parallel_config.tp") == "2, 4"
    assert field_value(at, "memory_config.mem_fraction_static") == "0.9, lots"
    assert any("'lots' is not a number" in c.value for c in at.caption)


def test_apply_presets_shows_conflicts_before_applying(app: AppTest, db: Store) -> None:
    name = save_examples(db, "qwen3-32b-h200-sglang.json")[0]
    at = open_page(app, "editor", task=name)
    open_popover(at, "apply")
    run_ok(at.multiselect(key="editor.apply_names").set_value(["Low Latency", "Balanced"]))
    listed = "\n".join(m.value for m in at.markdown)
    assert "conflict(s)" in listed
    tp_line = next(
        line for line in listed.splitlines() if line.startswith("- `parallel_config.tp`")
    )
    assert "2, 4 (task qwen3-32b-h200-sglang)" in visible(tp_line) and "Low Latency" in tp_line
    before = db.get_task(name).task
    run_ok(at.radio(key="editor.apply_strategy").set_value("last_wins"))
    run_ok(button(at, "Apply to this task").click())
    draft = at.session_state[keys.DRAFTS][keys.draft_id(name)]
    assert draft.task.parallel_config.tp == [1, 2]
    assert draft.task.scheduling_config.schedule_policy == ["fcfs", "lpm"]
    assert db.get_task(name).task == before  # applying does not save
    assert field_value(at, "parallel_config.tp") == "1, 2"


def test_union_keeps_the_tasks_values_with_a_preview_and_an_undo(app: AppTest, db: Store) -> None:
    name = save_examples(db, "qwen3-32b-h200-sglang.json")[0]
    at = open_page(app, "editor", task=name)
    open_popover(at, "apply")
    run_ok(at.multiselect(key="editor.apply_names").set_value(["Low Latency"]))
    # Before applying: the resulting grid, its size next to today's, flag by flag.
    listed = "\n".join(m.value for m in at.markdown)
    assert "Grid after applying: 12 combination(s)** (now 8)" in listed
    preview = next(
        d.value for d in at.dataframe if list(d.value.columns) == ["flag", "now", "after"]
    )
    row = preview[preview["flag"] == "tp-size"].iloc[0]
    assert (row["now"], row["after"]) == ("2, 4", "1, 2, 4")
    run_ok(button(at, "Apply to this task").click())
    draft = at.session_state[keys.DRAFTS][keys.draft_id(name)]
    assert draft.task.parallel_config.tp == [1, 2, 4]  # the task's 2 and 4 stay
    assert field_value(at, "parallel_config.tp") == "1, 2, 4"
    run_ok(button(at, "Undo presets").click())
    draft = at.session_state[keys.DRAFTS][keys.draft_id(name)]
    assert draft.task.parallel_config.tp == [2, 4]
    assert field_value(at, "parallel_config.tp") == "2, 4"
    assert not [b for b in at.button if b.label == "Undo presets"]


def test_save_as_preset(app: AppTest, db: Store) -> None:
    name = save_examples(db, "qwen3-32b-h200-sglang.json")[0]
    at = open_page(app, "editor", task=name)
    open_popover(at, "save_preset")
    at.text_input(key="editor.preset_name").set_value("from-qwen").run()
    run_ok(button(at, "Save preset").click())
    preset = db.get_preset("from-qwen").preset
    assert preset.runtime is not None and preset.runtime.value == "sglang"
    assert preset.parallel_config == db.get_task(name).task.parallel_config


def test_flags_are_added_from_the_release_manifest(app: AppTest) -> None:
    at = open_page(app, "editor")
    open_tab(at, "Expert mode")
    picker = at.selectbox(key="editor.add_flag")
    names = {option.split("  (")[0] for option in picker.options}  # shown with type and choices
    assert "enable-mixed-chunk" in names and "tensor-parallel-size" not in names
    assert "enable-mixed-chunk  (switch (true or false))" in picker.options
    picker.set_value("enable-mixed-chunk")
    at.text_input(key="editor.add_values").set_value("maybe")
    run_ok(button(at, "Add").click())
    assert any("is a switch" in e.value for e in at.error)
    at.text_input(key="editor.add_values").set_value("true")
    run_ok(button(at, "Add").click())
    assert _table(at) == {"enable-mixed-chunk": "true"}
    assert _draft(at).task.parameters == {"enable-mixed-chunk": [True]}


AUTOTUNER_TASKS = sorted((ROOT / "tests" / "data" / "autotuner").glob("examples*/**/*.json"))


@pytest.mark.parametrize("path", AUTOTUNER_TASKS, ids=lambda p: p.name)
def test_every_autotuner_example_opens_in_both_tabs(
    app: AppTest, db: Store, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from configlib.store import gate
    from configlib.taskfile import load_task

    task, _ = load_task(str(path))
    # Some examples (the OME one's mem_frac) are refused by the store's gate today; a
    # database written before the gate may still hold them, and the editor must open them.
    monkeypatch.setattr(gate, "check_task", lambda *args, **kwargs: [])
    db.save_task(task, expected_version=None)
    at = open_page(app, "editor", task=task.task_name)
    assert visible(at.title[0].value) == task.task_name
    for group in ("parallel_config", "benchmark", "slo", "optimization"):
        open_section(at, group)
    open_tab(at, "Expert mode")
    shown = dict(zip(at.data_editor[0].value["flag"], at.data_editor[0].value["from"], strict=True))
    assert set(shown) == set(db.get_task(task.task_name).task.parameters)


def test_a_save_the_database_refuses_is_a_message(
    app: AppTest, db: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from configlib.store import StoreUnavailable

    def refuse(*args: object, **kwargs: object) -> None:
        raise StoreUnavailable("app.db: the database is busy; try again")

    at = open_page(app, "editor")
    _fill(at, task_name="refused", model__id_or_path="Qwen/Qwen3-8B")
    monkeypatch.setattr(Store, "save_task", refuse)
    run_ok(_save_button(at).click())
    assert any("Not saved" in e.value and "busy" in e.value for e in at.error)
    assert _draft(at).stored is None and "refused" not in db.task_names()


def test_a_problem_with_a_whole_section_is_shown_at_its_top(app: AppTest) -> None:
    at = open_page(app, "editor")
    set_field(at, "system_config.gpu_type", "h200_sxm")
    _fill(at, system_config__total_gpus="2", parallel_config__tp="4")
    open_section(at, "parallel_config")
    captions = [c.value for c in at.caption]
    assert any("needs up to 4 GPUs" in c for c in captions), captions


def test_a_task_with_an_error_shows_why_instead_of_a_launch_command(app: AppTest) -> None:
    at = open_page(app, "editor")
    _fill(at, task_name="t", model__id_or_path="Qwen/Qwen3-32B", parallel_config__tp="2")
    assert "--tp-size 2" in at.code[0].value
    _fill(at, memory_config__mem_fraction_static="1.5")
    assert not [c for c in at.code if "launch_server" in c.value]
    captions = [c.value for c in at.caption]
    assert any(c.startswith("No launch command: the 1 error(s) above") for c in captions)


def test_applying_presets_closes_its_popover_without_writing_the_browsers_state(
    app: AppTest, db: Store
) -> None:
    # The browser keeps an open popover open whatever the session says; writing False into
    # its state made the next top-bar click rerun the editor behind the navigation, with the
    # form's widgets empty (issue 13, item 1). Closing draws a new, closed popover instead.
    at = open_page(app, "editor")
    _fill(at, task_name="nav-after-presets", model__id_or_path="Qwen/Qwen3-8B")
    open_popover(at, "apply")
    opened = keys.popover("editor", "apply")
    run_ok(at.multiselect(key="editor.apply_names").set_value(["Memory Efficient"]))
    run_ok(button(at, "Apply to this task").click())
    assert at.session_state.get(opened) is not False
    assert not [b for b in at.button if b.label == "Apply to this task"]  # closed
    assert _draft(at).task.parameters["mem-fraction-static"] == [0.7, 0.75]

    run_ok(button(at, "Save as new task").click())
    at.query_params.clear()  # a top-bar link carries no query
    at.switch_page("views/tasks.py")
    run_ok(at)
    assert [t.value for t in at.title] == ["Tasks"]
    at.switch_page("views/editor.py")
    run_ok(at)
    draft = at.session_state[keys.DRAFTS][keys.draft_id("nav-after-presets")]
    assert not draft.dirty and draft.stored.version == 1
    assert field_value(at, "task_name") == "nav-after-presets"
    assert field_value(at, "model.id_or_path") == "Qwen/Qwen3-8B"
    # The popover opens again, in its new generation.
    open_popover(at, "apply")
    assert at.multiselect(key="editor.apply_names").value == []


def test_the_side_panel_is_kept_in_view(app: AppTest) -> None:
    # Issue 13, item 10: on a long form the side panel scrolled away with it.
    from views.parts import layout

    at = open_page(app, "editor")
    styles = [h.proto.body for h in at.get("html")]
    assert any(f".st-key-{layout.SIDE_PANEL}" in s and "position: sticky" in s for s in styles)
    assert any(b.label == "Save as new task" for b in at.button)


# ---- Undo, unchanged saves -----------------------------------------------------------------


def _status(at: AppTest) -> str:
    return next(
        c.value
        for c in at.caption
        if c.value.startswith(("stored version", "new", "no longer stored"))
    )


def _apply_presets(at: AppTest, *names: str) -> AppTest:
    open_popover(at, "apply")
    run_ok(at.multiselect(key="editor.apply_names").set_value(list(names)))
    return run_ok(button(at, "Apply to this task").click())


def test_undo_presets_brings_back_a_clean_draft_and_save_then_stores_nothing(
    app: AppTest, db: Store
) -> None:
    name = save_examples(db, "qwen3-32b-h200-sglang.json")[0]
    at = open_page(app, "editor", task=name)
    assert _status(at) == "stored version 1"
    _apply_presets(at, "Low Latency")
    assert _status(at) == "stored version 1 · unsaved changes"
    run_ok(button(at, "Undo presets").click())
    draft = at.session_state[keys.DRAFTS][keys.draft_id(name)]
    assert not draft.dirty and draft.task == db.get_task(name).task
    assert _status(at) == "stored version 1"
    run_ok(_save_button(at).click())
    assert [visible(i.value) for i in at.info] == ["No unsaved changes."]
    assert db.get_task(name).version == 1
    assert len(db.task_versions(name)) == 1


def test_undo_presets_keeps_the_edits_made_before_and_what_was_still_typed(
    app: AppTest, db: Store
) -> None:
    name = save_examples(db, "qwen3-32b-h200-sglang.json")[0]
    at = open_page(app, "editor", task=name)
    _fill(at, description="tried by hand", parallel_config__tp="2, zero")
    _apply_presets(at, "Low Latency")
    assert field_value(at, "parallel_config.tp") == "1, 2, 4"
    run_ok(button(at, "Undo presets").click())
    assert field_value(at, "description") == "tried by hand"
    assert field_value(at, "parallel_config.tp") == "2, zero"  # pending, as typed
    assert any("'zero' is not a whole number" in c.value for c in at.caption)
    assert _status(at) == "stored version 1 · unsaved changes"
    _fill(at, parallel_config__tp="2, 4")
    run_ok(_save_button(at).click())
    stored = db.get_task(name)
    assert stored.version == 2 and stored.task.description == "tried by hand"


def test_undo_presets_on_a_new_task_leaves_it_untouched(app: AppTest) -> None:
    at = open_page(app, "editor")
    _apply_presets(at, "Memory Efficient")
    assert _draft(at).dirty
    run_ok(button(at, "Undo presets").click())
    assert not _draft(at).dirty and _status(at) == "new, not saved"
    assert field_value(at, "task_name") == ""
    assert any(c.value == ":red[required]" for c in at.caption)


def test_a_task_edited_back_to_as_stored_has_nothing_to_save(app: AppTest, db: Store) -> None:
    name = save_examples(db, "qwen3-32b-h200-sglang.json")[0]
    at = open_page(app, "editor", task=name)
    _fill(at, parallel_config__tp="8")
    assert _status(at) == "stored version 1 · unsaved changes"
    _fill(at, parallel_config__tp="2, 4")
    assert _status(at) == "stored version 1"
    run_ok(_save_button(at).click())
    assert [visible(i.value) for i in at.info] == ["No unsaved changes."]
    assert db.get_task(name).version == 1


# ---- The stored task deleted while it is being edited ----------------------------------------


def _delete_meanwhile(db: Store, name: str) -> None:
    db.delete_task(name, expected_version=db.get_task(name).version)


def test_a_task_deleted_elsewhere_keeps_the_edits_to_save_as_a_new_task(
    app: AppTest, db: Store
) -> None:
    name = save_examples(db, "qwen3-32b-h200-sglang.json")[0]
    at = open_page(app, "editor", task=name)
    _fill(at, parallel_config__tp="8")
    _delete_meanwhile(db, name)
    run_ok(at)
    assert any("was deleted or renamed since you opened it" in w.value for w in at.warning)
    assert _status(at) == "no longer stored · unsaved changes"
    assert field_value(at, "parallel_config.tp") == "8"
    assert not [b for b in at.button if b.label == "Save"]
    run_ok(_save_button(at).click())
    assert _save_button(at).label == "Save"
    stored = db.get_task(name)
    assert stored.task.parallel_config.tp == [8]  # type: ignore[union-attr]
    assert not at.warning and _status(at) == f"stored version {stored.version}"


def test_saving_a_task_deleted_a_moment_before_keeps_the_edits(app: AppTest, db: Store) -> None:
    name = save_examples(db, "qwen3-32b-h200-sglang.json")[0]
    at = open_page(app, "editor", task=name)
    _fill(at, parallel_config__tp="8")
    _delete_meanwhile(db, name)
    run_ok(_save_button(at).click())  # the page has not been drawn since the deletion
    assert any("Not saved" in w.value and "no longer exists" in w.value for w in at.warning)
    assert _save_button(at).label == "Save as new task"
    assert field_value(at, "parallel_config.tp") == "8"
    assert name not in db.task_names()
    run_ok(_save_button(at).click())
    assert db.get_task(name).task.parallel_config.tp == [8]  # type: ignore[union-attr]


def test_an_unedited_draft_of_a_deleted_task_is_not_kept(app: AppTest, db: Store) -> None:
    name = save_examples(db, "qwen3-32b-h200-sglang.json")[0]
    at = open_page(app, "editor", task=name)
    _delete_meanwhile(db, name)
    run_ok(at)
    assert any(f"There is no task named '{name}'" in visible(e.value) for e in at.error)
    assert keys.draft_id(name) not in at.session_state[keys.DRAFTS]


def test_deleting_an_edited_task_from_the_tasks_page_keeps_the_draft(
    app: AppTest, db: Store
) -> None:
    name = save_examples(db, "qwen3-32b-h200-sglang.json")[0]
    at = open_page(app, "editor", task=name)
    _fill(at, description="kept after deletion")
    at.query_params.clear()
    at.switch_page("views/tasks.py")
    run_ok(at)
    select_rows(at, at.dataframe[0].key, [0])
    open_selection_popover(at, "delete", name)
    run_ok(at)
    run_ok(next(c for c in at.checkbox if visible(c.label).startswith(f"Delete {name}")).check())
    run_ok(button(at, "Delete for good").click())
    assert name not in db.task_names()
    at.switch_page("views/editor.py")
    run_ok(at)
    assert visible(at.title[0].value) == name
    assert field_value(at, "description") == "kept after deletion"
    assert _save_button(at).label == "Save as new task"


# ---- Coming back to the editor ---------------------------------------------------------------


def test_the_editor_opens_again_on_the_tab_last_used(app: AppTest) -> None:
    at = open_page(app, "editor")
    assert not at.data_editor  # the form is open first
    open_tab(at, "Expert mode")
    assert at.data_editor
    for _ in range(2):  # the way back, twice: once more after a rerun elsewhere
        at.switch_page("views/tasks.py")
        run_ok(at)
        run_ok(at)
        at.switch_page("views/editor.py")
        run_ok(at)
        assert at.data_editor and at.session_state["editor.tab"] == "Expert mode"
    open_tab(at, "Advanced config")
    at.switch_page("views/presets.py")
    run_ok(at)
    at.switch_page("views/editor.py")
    run_ok(at)
    assert not at.data_editor and at.session_state["editor.tab"] == "Advanced config"


def test_the_side_panel_names_the_setting_each_flag_comes_from(app: AppTest, db: Store) -> None:
    task = make_task(
        task_name="labelled",
        parallel_config={"tp": [2, 4]},
        scheduling_config={"max_num_seqs": [64]},
        memory_config={"max_model_len": [8192]},
    )
    db.save_task(task, expected_version=None)
    at = open_page(app, "editor", task="labelled")
    panel = next(
        d.value for d in at.dataframe if list(d.value.columns) == ["flag", "values", "from"]
    )
    origins = set(panel["from"])
    assert {"Tensor parallel (TP)", "Max running (requests)", "Max context length (tokens)"} <= (
        origins
    )
    assert not any("_" in origin or "config." in origin for origin in origins), origins


def test_the_benchmark_names_follow_the_model_typed(app: AppTest) -> None:
    at = open_page(app, "editor")
    set_field(at, "model.id_or_path", "meta-llama/Llama-3.1-8B-Instruct")
    assert field_value(at, "benchmark.model_tokenizer") == "meta-llama/Llama-3.1-8B-Instruct"
    assert _draft(at).task.benchmark.model_name == "meta-llama/Llama-3.1-8B-Instruct"
    set_field(at, "benchmark.model_tokenizer", "my/tokenizer")
    set_field(at, "model.id_or_path", "Qwen/Qwen3-8B")
    assert field_value(at, "benchmark.model_tokenizer") == "my/tokenizer"  # the user's choice
    assert _draft(at).task.benchmark.model_name == "Qwen/Qwen3-8B"
