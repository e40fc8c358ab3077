"""The task editor page: both tabs in sync, errors next to their field, engine switch."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from configlib.ui import keys
from configlib.ui.editor import EditorState
from tests.app.conftest import edit_table, open_page


def _draft(at: AppTest) -> EditorState:
    state = at.session_state[keys.DRAFTS][keys.NEW_DRAFT]
    assert isinstance(state, EditorState)
    return state


def _field(at: AppTest, path: str) -> str:
    return keys.field(path)


def _fill(at: AppTest, **values: str) -> AppTest:
    for path, value in values.items():
        at.text_input(key=_field(at, path.replace("__", "."))).set_value(value).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest) -> dict[str, str]:
    frame = at.data_editor[0].value
    return dict(zip(frame["flag"], frame["values"], strict=True))


def test_advanced_edits_appear_as_flags_in_expert_mode(app: AppTest) -> None:
    at = open_page(app, "editor")
    assert [t.label for t in at.tabs] == ["Advanced config", "Expert mode"]
    _fill(at, task_name="llama-tune", model__id_or_path="Qwen/Qwen3-32B")
    _fill(at, parallel_config__tp="2, 4", memory_config__mem_fraction_static="0.8")
    at.multiselect(key=_field(at, "quantization_config.kvcache_quant_mode")).set_value(
        ["fp8"]
    ).run()
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
    assert at.text_input(key=_field(at, "parallel_config.tp")).value == "4, 8"
    assert at.text_input(key=_field(at, "memory_config.mem_fraction_static")).value == "0.85"
    table = _table(at)
    assert table["my-own-flag"] == "x" and table["enable-mixed-chunk"] == "true"
    assert _draft(at).task.parameters["tp-size"] == [4, 8]


def test_a_bad_value_is_shown_at_its_field_kept_as_typed_and_blocks_saving(app: AppTest) -> None:
    at = open_page(app, "editor")
    _fill(at, task_name="t", model__id_or_path="m", parallel_config__tp="2, zero")
    captions = [c.value for c in at.caption]
    assert any("'zero' is not a whole number" in c for c in captions)
    assert at.text_input(key=_field(at, "parallel_config.tp")).value == "2, zero"
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


def test_validation_findings_are_grouped_by_field(app: AppTest) -> None:
    at = open_page(app, "editor")
    _fill(at, task_name="t", model__id_or_path="m")
    _fill(at, optimization__max_iterations="1", parallel_config__tp="1, 2")
    panel = "\n".join(m.value for m in at.markdown)
    assert "**`optimization.max_iterations`**" in panel
    assert "grid search runs only the first 1" in panel
    assert any("cuts the grid" in w.value for w in at.warning)
