"""One form edit converts the draft once: every panel of the editor (validation, the side
panel's summary, the expert table) reads the flat result of the draft's current revision; and
it validates the edited section, never the whole task again."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from streamlit.testing.v1 import AppTest

import configlib.convert as convert
import configlib.convert.flat as flat
from configlib.convert import editing, generate, to_flat, with_parameters
from configlib.engines import get_engine
from configlib.model import TaskConfig
from configlib.ui import keys
from configlib.ui.editor import EditorState
from tests.app.conftest import open_page, set_field
from tests.test_roundtrip import engine_and_sections, make_task


def _count_conversions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[0].task_name)
        return generate(*args, **kwargs)

    monkeypatch.setattr(flat, "generate", counting)
    monkeypatch.setattr(convert, "generate", counting)
    return calls


def test_one_edit_of_tp_converts_the_draft_once(
    app: AppTest, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = open_page(app, "editor")
    set_field(at, "task_name", "one-conversion")
    set_field(at, "model.id_or_path", "Qwen/Qwen3-32B")
    calls = _count_conversions(monkeypatch)
    set_field(at, "parallel_config.tp", "4")
    state = at.session_state[keys.DRAFTS][keys.NEW_DRAFT]
    assert isinstance(state, EditorState)
    assert state.task.parameters["tp-size"] == [4]
    assert calls == ["one-conversion"]


def test_the_kept_result_is_the_drafts_own(monkeypatch: pytest.MonkeyPatch) -> None:
    state = EditorState.new()
    state.set_field("task_name", "kept")
    state.set_field("parallel_config.tp", "2, 4")
    kept = state.flat()
    fresh = to_flat(state.task)
    assert kept.parameters == fresh.parameters
    assert kept.findings == fresh.findings
    calls = _count_conversions(monkeypatch)
    state.findings(), state.rows(), state.summary()
    assert calls == []
    state.task = state.task.model_copy(update={"description": "replaced from outside"})
    state.flat()
    assert calls == ["kept"], "a task replaced from outside is converted again"


def _count_task_validations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every whole-task validation (TaskConfig(...), model_validate, model_validate_json)."""
    calls: list[str] = []
    validator = TaskConfig.__pydantic_validator__

    class Counting:
        def __getattr__(self, name: str) -> Any:
            return getattr(validator, name)

        def validate_python(self, *args: Any, **kwargs: Any) -> Any:
            calls.append("python")
            return validator.validate_python(*args, **kwargs)

        def validate_json(self, *args: Any, **kwargs: Any) -> Any:
            calls.append("json")
            return validator.validate_json(*args, **kwargs)

    monkeypatch.setattr(TaskConfig, "__pydantic_validator__", Counting())
    return calls


def test_a_form_edit_validates_its_section_not_the_whole_task(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    state = EditorState.new()
    state.set_field("task_name", "sections")
    state.set_field("model.id_or_path", "Qwen/Qwen3-32B")
    calls = _count_task_validations(monkeypatch)
    state.set_field("parallel_config.tp", "4")
    state.set_field("memory_config.mem_fraction_static", "0.8")
    state.set_field("description", "top-level fields are validated one by one")
    assert state.task.parameters["tp-size"] == [4]
    assert state.task.description.startswith("top-level")
    assert calls == []
    state.set_field("task_name", "x" * 300)  # refused by the model's own field constraint
    assert state.task.task_name == "sections" and "task_name" in state.errors
    assert calls == []
    TaskConfig.model_validate(state.task.model_dump())  # the counter sees one when there is one
    assert calls == ["python"]


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(engine_and_sections())
def test_converting_a_regenerated_task_again_gives_the_same_result(
    case: tuple[str, str, dict[str, Any]],
) -> None:
    runtime, version, data = case
    engine = get_engine(runtime, version)
    task = make_task(engine.runtime.value, **data)
    regenerated, first = editing.regenerate_flat(task)
    again = to_flat(regenerated)
    assert again.parameters == first.parameters
    assert again.sources == first.sources
    assert again.findings == first.findings
    # The generated flags are exactly those with sources: what structured_edit relies on.
    assert set(generate(regenerated, again.engine).parameters) == set(first.sources)
    assert with_parameters(task)[0].parameters == regenerated.parameters
