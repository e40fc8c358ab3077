"""Field-by-field differences between tasks."""

from __future__ import annotations

from configlib.model import TaskConfig
from configlib.taskdiff import FieldChange, data_changes, task_changes


def _task(**fields: object) -> TaskConfig:
    data: dict[str, object] = {
        "task_name": "t",
        "model": {"id_or_path": "Qwen/Qwen3-8B"},
        "base_runtime": "sglang",
        "parallel_config": {"tp": [1, 2]},
    }
    data.update(fields)
    return TaskConfig.model_validate(data)


def test_equal_tasks_have_no_changes() -> None:
    assert task_changes(_task(), _task()) == []


def test_a_candidate_list_is_one_change() -> None:
    changes = task_changes(_task(), _task(parallel_config={"tp": [1, 2, 4]}))
    assert changes == [FieldChange("parallel_config.tp", [1, 2], [1, 2, 4])]
    assert changes[0].kind == "changed"


def test_added_and_removed_fields_and_sections() -> None:
    before = _task(description="a")
    after = _task(description="b", parallel_config={"tp": [1, 2], "pp": [2]})
    changes = {c.path: c for c in task_changes(before, after)}
    # A single candidate is written as a scalar, as in task files.
    assert changes["parallel_config.pp"] == FieldChange("parallel_config.pp", None, 2)
    assert changes["description"] == FieldChange("description", "a", "b")
    assert changes["parallel_config.pp"].kind == "added"
    back = {c.path: c for c in task_changes(after, before)}
    assert back["parallel_config.pp"].kind == "removed"


def test_two_different_tasks_show_their_names_and_models() -> None:
    other = _task(task_name="u", model={"id_or_path": "meta-llama/Llama-3.1-8B"})
    paths = [(c.path, c.before, c.after) for c in task_changes(_task(), other)]
    assert ("task_name", "t", "u") in paths
    assert ("model.id_or_path", "Qwen/Qwen3-8B", "meta-llama/Llama-3.1-8B") in paths


def test_a_boolean_is_not_equal_to_one() -> None:
    assert data_changes({"k": 1}, {"k": True}) == [FieldChange("k", 1, True)]
    assert data_changes({"k": [1, 2]}, {"k": [True, 2]}) == [FieldChange("k", [1, 2], [True, 2])]
    assert data_changes({"k": [1, {"a": 0}]}, {"k": [1, {"a": False}]}) != []
