"""The Tasks page's history: compare two versions, restore one; compare two tasks."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from configlib.store import Store
from tests.app.conftest import button, run_ok, select_rows
from tests.app.shown import shown
from tests.conftest import make_task


def _three_versions(db: Store) -> None:
    db.save_task(make_task(task_name="t", description="first"), expected_version=None)
    for version, text in ((1, "second"), (2, "third")):
        task = db.get_task("t").task.model_copy(update={"description": text})
        db.save_task(task, expected_version=version, user="bob")


def _diff(at: AppTest) -> list[list[str]]:
    assert len(at.dataframe) == 2, "the task list and the diff"
    frame = at.dataframe[1]
    return [[shown(str(v)) for v in row] for row in frame.value.values.tolist()]


def test_history_shows_the_diff_between_two_versions_and_restores(app: AppTest, db: Store) -> None:
    _three_versions(db)
    at = run_ok(app)
    select_rows(at, at.dataframe[0].key, [0])
    versions = at.selectbox(key="history.from:t")
    assert versions.value == 2 and at.selectbox(key="history.to:t").value == 3
    assert _diff(at) == [["Description", "changed", '"second"', '"third"']]
    run_ok(versions.set_value(1))
    assert _diff(at) == [["Description", "changed", '"first"', '"third"']]
    run_ok(button(at, "Restore version 1 as version 4").click())
    stored = db.get_task("t")
    assert (stored.version, stored.task.description) == (4, "first")
    assert any("Restored version 1 of t as version 4" in shown(s.value) for s in at.success)


def test_restoring_after_someone_else_saved_is_refused(app: AppTest, db: Store) -> None:
    _three_versions(db)
    at = run_ok(app)
    select_rows(at, at.dataframe[0].key, [0])
    run_ok(at.selectbox(key="history.from:t").set_value(1))
    task = db.get_task("t").task.model_copy(update={"description": "fourth"})
    db.save_task(task, expected_version=3, user="carol")
    run_ok(button(at, "Restore version 1 as version 4").click())
    assert any("carol" in shown(e.value) for e in at.error)
    assert db.get_task("t").task.description == "fourth"


def test_a_task_with_one_version_says_so(app: AppTest, db: Store) -> None:
    db.save_task(make_task(task_name="t"), expected_version=None)
    at = run_ok(app)
    select_rows(at, at.dataframe[0].key, [0])
    assert any("Only one version so far" in c.value for c in at.caption)


def test_two_selected_tasks_are_compared(app: AppTest, db: Store) -> None:
    db.save_task(make_task(task_name="a", parallel_config={"tp": [1, 2]}), expected_version=None)
    db.save_task(make_task(task_name="b", parallel_config={"tp": 4}), expected_version=None)
    at = run_ok(app)
    names = at.dataframe[0].value["name"].tolist()
    select_rows(at, at.dataframe[0].key, [names.index("a"), names.index("b")])
    first, second = names  # in the table's order
    assert any(f"Compare {first} with {second}" in shown(e.label) for e in at.expander)
    rows = {row[0]: row[1:] for row in _diff(at)}
    tp = {"a": "[1, 2]", "b": "4"}
    assert rows["Task name"] == ["changed", f'"{first}"', f'"{second}"']
    assert rows["Tensor parallel (TP)"] == ["changed", tp[first], tp[second]]


def test_the_setting_column_reads_as_the_form_labels_not_field_paths(
    app: AppTest, db: Store
) -> None:
    db.save_task(
        make_task(
            task_name="a",
            model={"id_or_path": "Qwen/Qwen3-8B"},
            scheduling_config={"max_num_seqs": [32]},
        ),
        expected_version=None,
    )
    db.save_task(
        make_task(
            task_name="b",
            model={"id_or_path": "Qwen/Qwen3-32B"},
            scheduling_config={"max_num_seqs": [64, 128]},
        ),
        expected_version=None,
    )
    at = run_ok(app)
    select_rows(at, at.dataframe[0].key, [0, 1])
    assert at.dataframe[1].value.columns[0] == "setting"
    settings = [row[0] for row in _diff(at)]
    assert {"Task name", "Model id or path", "Max running (requests)"} <= set(settings)
    for raw in ("id_or_path", "max_num_seqs", "task_name", "scheduling_config"):
        assert not any(raw in setting for setting in settings), settings
    # The history of one task reads the same way.
    task = db.get_task("b").task.model_copy(update={"scheduling_config": None})
    db.save_task(task, expected_version=1)
    names = at.dataframe[0].value["name"].tolist()
    select_rows(at, at.dataframe[0].key, [names.index("b")])
    assert "Scheduling" in [row[0] for row in _diff(at)]
