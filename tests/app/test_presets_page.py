"""The Presets page: system presets protected, the preset editor, import/export, conversion."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

from configlib.store import Store
from tests.app.conftest import (
    ROOT,
    button,
    open_page,
    open_tab,
    run_ok,
    select_rows,
    set_field,
)
from tests.app.shown import shown

AUTOTUNER_EXPORT = ROOT / "tests" / "data" / "autotuner-presets" / "preset-high-throughput.json"


def _row_of(at: AppTest, name: str) -> int:
    return at.dataframe[0].value["name"].tolist().index(name)


def test_system_presets_are_listed_and_protected(app: AppTest, db: Store) -> None:
    at = open_page(app, "presets")
    frame = at.dataframe[0].value
    assert len(frame) >= 4 and set(frame["origin"]) == {"system"}
    select_rows(at, at.dataframe[0].key or "", [0])
    assert button(at, "Edit").disabled
    assert any("read-only" in shown(c.value) for c in at.caption)
    run_ok(at.selectbox(key="presets.origin").set_value("user"))
    assert at.dataframe[0].value.empty


def test_create_a_preset_in_the_browser_editor(app: AppTest, db: Store) -> None:
    at = open_page(app, "presets")
    run_ok(button(at, "New preset").click())
    run_ok(at.text_input(key="preset.name").set_value("wide-tp"))
    run_ok(at.segmented_control(key="preset.runtime").set_value("vllm"))
    set_field(at, "parallel_config.tp", "4, 8", scope="preset")
    open_tab(at, "Expert mode", scope="preset")
    table = at.data_editor[0].value
    assert table["flag"].tolist() == ["tensor-parallel-size"]
    run_ok(button(at, "Save preset").click())
    preset = db.get_preset("wide-tp").preset
    assert preset.runtime is not None and preset.runtime.value == "vllm"
    assert preset.parallel_config is not None and preset.parallel_config.tp == [4, 8]
    assert preset.parameters == {}


def test_edit_and_delete_a_user_preset(app: AppTest, db: Store) -> None:
    at = open_page(app, "presets")
    select_rows(at, at.dataframe[0].key or "", [_row_of(at, "Balanced")])
    at.text_input(key="presets.dup").set_value("my-balanced")
    run_ok(button(at, "Create the copy").click())
    select_rows(at, at.dataframe[0].key or "", [_row_of(at, "my-balanced")])
    run_ok(button(at, "Edit").click())
    set_field(at, "parallel_config.tp", "4", scope="preset")
    run_ok(button(at, "Save preset").click())
    stored = db.get_preset("my-balanced")
    assert stored.version == 2 and stored.preset.parallel_config.tp == [4]  # type: ignore[union-attr]
    select_rows(at, at.dataframe[0].key or "", [_row_of(at, "my-balanced")])
    run_ok(at.checkbox(key="presets.confirm_delete").check())
    run_ok(button(at, "Delete for good").click())
    assert "my-balanced" not in [p.name for p in db.list_presets()]


def test_import_a_legacy_export_and_convert_it(app: AppTest, db: Store) -> None:
    at = open_page(app, "presets")
    run_ok(at.toggle(key="presets.structure").set_value(False))
    data = json.loads(AUTOTUNER_EXPORT.read_text())
    data["preset"]["name"] = "legacy-throughput"
    upload = ("legacy.json", json.dumps(data).encode(), "application/json")
    run_ok(at.file_uploader(key="presets.upload").set_value(upload))
    assert any("Imported legacy-throughput" in shown(s.value) for s in at.success)
    flat = db.get_preset("legacy-throughput").preset
    assert flat.parameters and not flat.has_structured()
    select_rows(at, at.dataframe[0].key or "", [_row_of(at, "legacy-throughput")])
    run_ok(button(at, "Convert to structured").click())
    moved = at.dataframe[1].value
    assert "tp-size" in moved["flag"].tolist()
    run_ok(button(at, "Save the converted preset").click())
    converted = db.get_preset("legacy-throughput").preset
    assert converted.parallel_config is not None and converted.parallel_config.tp


def test_export_is_offered_for_the_selected_preset(app: AppTest) -> None:
    at = open_page(app, "presets")
    select_rows(at, at.dataframe[0].key or "", [0])
    assert any(d.label == "Export JSON" for d in at.download_button)


def test_filters_match_the_store_listing(app: AppTest, db: Store) -> None:
    from configlib.ui.presetting import matching

    at = open_page(app, "presets")
    run_ok(button(at, "New preset").click())
    run_ok(at.text_input(key="preset.name").set_value("vllm-only"))
    run_ok(at.segmented_control(key="preset.runtime").set_value("vllm"))
    set_field(at, "parallel_config.tp", "2", scope="preset")
    run_ok(button(at, "Save preset").click())
    everything = db.list_presets()
    for runtime in ("any", "sglang", "vllm"):
        for origin in ("all", "system", "user"):
            expected = db.list_presets(
                runtime=None if runtime == "any" else runtime,
                system=None if origin == "all" else origin == "system",
                search="a",
            )
            assert matching(everything, "a", "any", runtime, origin) == expected
    run_ok(at.selectbox(key="presets.runtime").set_value("vllm"))
    assert at.dataframe[0].value["name"].tolist() == ["vllm-only"] + [
        p.name for p in everything if p.runtime is None
    ]


def test_a_preset_switched_to_another_engine_asks_before_dropping(app: AppTest, db: Store) -> None:
    at = open_page(app, "presets")
    run_ok(button(at, "New preset").click())
    run_ok(at.text_input(key="preset.name").set_value("lean-memory"))
    run_ok(at.segmented_control(key="preset.runtime").set_value("sglang"))
    set_field(at, "memory_config.mem_fraction_static", "0.8, 0.9", scope="preset")
    run_ok(at.segmented_control(key="preset.runtime").set_value("vllm"))
    question = shown("\n".join(m.value for m in at.markdown))
    assert "Switch to vLLM" in question and "GPU memory utilization (vLLM)" in question
    assert at.segmented_control(key="preset.runtime").value == "sglang"
    run_ok(button(at, "Switch and translate").click())
    assert at.segmented_control(key="preset.runtime").value == "vllm"
    run_ok(button(at, "Save preset").click())
    preset = db.get_preset("lean-memory").preset
    assert preset.runtime is not None and preset.runtime.value == "vllm"
    assert preset.memory_config is not None
    assert preset.memory_config.gpu_memory_utilization == [0.8, 0.9]
    assert preset.memory_config.mem_fraction_static is None
