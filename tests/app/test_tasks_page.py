"""The Tasks page: empty start with examples, server-side paging, actions, uploads."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from streamlit.testing.v1 import AppTest

from configlib.store import Store
from tests.app.conftest import (
    ROOT,
    button,
    dup_name_key,
    open_selection_popover,
    run_ok,
    save_examples,
    select_rows,
)
from tests.app.shown import shown
from tests.conftest import make_task


def test_empty_database_offers_the_examples(app: AppTest, db: Store) -> None:
    at = run_ok(app)
    assert at.title[0].value == "Tasks"
    assert any("No tasks yet" in i.value for i in at.info)
    examples = sorted(p.name for p in (ROOT / "examples").iterdir())
    shown = " ".join(m.value for m in at.markdown)
    assert all(name in shown for name in examples)
    run_ok(button(at, "Add all examples to the database").click())
    assert db.count_tasks() == len(examples)
    assert at.dataframe[0].value["name"].tolist()  # the table replaced the empty state
    assert any("Added" in s.value for s in at.success)


def test_opening_an_example_starts_an_unsaved_draft(app: AppTest, db: Store) -> None:
    at = run_ok(app)
    run_ok(button(at, "Open").click())
    assert at.title[0].value  # the editor, showing the example's task
    draft = at.session_state["editor.drafts"]["new"]
    assert draft.stored is None and draft.task.task_name == shown(at.title[0].value)
    assert db.count_tasks() == 0


def test_paging_search_and_sort_run_on_the_server(app: AppTest, db: Store) -> None:
    for number in range(60):
        db.save_task(make_task(task_name=f"task-{number:02d}"), expected_version=None)
    at = run_ok(app)
    assert len(at.dataframe[0].value) == 50
    assert at.pagination[0].num_pages == 2
    run_ok(at.pagination[0].set_value(2))
    assert len(at.dataframe[0].value) == 10
    run_ok(at.text_input(key="tasks.search").set_value("task-1"))
    names = at.dataframe[0].value["name"].tolist()
    assert sorted(names) == [f"task-{n}" for n in range(10, 20)]
    assert "page 1 of 1" in " ".join(c.value for c in at.caption)
    run_ok(at.selectbox(key="tasks.sort").set_value("name"))
    run_ok(at.toggle(key="tasks.desc").set_value(False))
    assert at.dataframe[0].value["name"].tolist()[0] == "task-10"
    for sort in at.selectbox(key="tasks.sort").options:  # every offered order is one the store has
        run_ok(at.selectbox(key="tasks.sort").set_value(sort))
        assert len(at.dataframe[0].value) == 10


def test_duplicate_and_delete_the_selected_task(app: AppTest, db: Store) -> None:
    save_examples(db, "qwen3-32b-h200-sglang.json")
    at = run_ok(app)
    select_rows(at, at.dataframe[0].key, [0])
    assert shown(at.subheader[0].value) == "qwen3-32b-h200-sglang"
    # The popover's content is drawn when open.
    open_selection_popover(at, "dup", "qwen3-32b-h200-sglang")
    run_ok(at)
    at.text_input(key=dup_name_key("qwen3-32b-h200-sglang")).set_value("copy-of-qwen")
    run_ok(button(at, "Create the copy").click())
    assert db.get_task("copy-of-qwen").task.parallel_config == (
        db.get_task("qwen3-32b-h200-sglang").task.parallel_config
    )
    select_rows(at, at.dataframe[0].key, [0])
    target = shown(at.subheader[0].value)
    open_selection_popover(at, "delete", target)
    run_ok(at)
    assert button(at, "Delete for good").disabled
    run_ok(next(c for c in at.checkbox if shown(c.label).startswith(f"Delete {target}")).check())
    run_ok(button(at, "Delete for good").click())
    assert target not in db.task_names() and db.count_tasks() == 1


def test_uploads_are_saved_once_and_bad_files_named(app: AppTest, db: Store) -> None:
    at = run_ok(app)
    good = (ROOT / "examples" / "qwen3-32b-h200-sglang.json").read_bytes()
    files = [
        ("good.json", good, "application/json"),
        ("broken.json", b'{"task_name": "x",', "application/json"),
        ("latin1.yaml", "task_name: caf\xe9".encode("latin-1"), "application/yaml"),
        ("not-a-task.json", json.dumps([1, 2]).encode(), "application/json"),
    ]
    run_ok(at.file_uploader(key="tasks.upload").set_value(files))
    assert db.task_names() == ["qwen3-32b-h200-sglang"]
    errors = [shown(e.value) for e in at.error]
    assert any(e.startswith("broken.json") and "invalid JSON" in e for e in errors)
    assert any(e.startswith("latin1.yaml") and "UTF-8" in e for e in errors)
    assert any(e.startswith("not-a-task.json") for e in errors)
    assert any("saved as qwen3-32b-h200-sglang" in shown(s.value) for s in at.success)
    run_ok(at)  # a rerun does not save the file again (no "exists already" error)
    assert not any("exists already" in e.value for e in at.error)


def test_a_task_link_on_the_tasks_page_opens_the_editor(app: AppTest, db: Store) -> None:
    name = save_examples(db, "llama-3.1-8b-l40s-slo.yaml")[0]
    app.query_params["task"] = name
    at = run_ok(app)
    assert shown(at.title[0].value) == name


def test_a_task_link_opens_the_editor_only_when_the_browser_opens_it(
    app: AppTest, db: Store
) -> None:
    name = save_examples(db, "llama-3.1-8b-l40s-slo.yaml")[0]
    app.query_params["task"] = name
    at = run_ok(app)
    assert shown(at.title[0].value) == name
    # Back from the editor: the browser shows /?task=NAME again, in the same session.
    at.query_params["task"] = name
    at.switch_page("views/tasks.py")
    run_ok(at)
    assert [t.value for t in at.title] == ["Tasks"]
    assert "task" not in at.query_params  # the address no longer names the task
    run_ok(at)
    assert [t.value for t in at.title] == ["Tasks"]
    at.query_params["task"] = name  # nor does a later run with the link open it
    run_ok(at)
    assert [t.value for t in at.title] == ["Tasks"]


def test_a_database_failure_mid_page_is_a_message(
    app: AppTest, db: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from configlib.store import StoreUnavailable

    save_examples(db, "qwen3-32b-h200-sglang.json")

    def locked(*args: object, **kwargs: object) -> None:
        raise StoreUnavailable("app.db: the database is busy; try again")

    monkeypatch.setattr(Store, "list_tasks", locked)
    at = run_ok(app)
    assert any("the database is busy" in e.value for e in at.error)


def test_an_upload_the_store_refuses_names_every_finding(app: AppTest, db: Store) -> None:
    """The Tasks page's upload passes the store's gate, like the editor's save."""
    at = run_ok(app)
    bad = {
        "task_name": "bad-upload",
        "model": {"id_or_path": "m/m"},
        "base_runtime": "sglang",
        "engine_version": "0.5.2",
        "parameters": {"tp-size": ["four"], "no-such-flag": [1]},
    }
    files = [("bad.json", json.dumps(bad).encode(), "application/json")]
    run_ok(at.file_uploader(key="tasks.upload").set_value(files))
    assert "bad-upload" not in db.task_names()
    shown = " ".join(e.value.replace("\\", "") for e in at.error)
    assert "bad.json: not saved" in shown
    assert "parameters.tp-size[0]" in shown and "parameters.no-such-flag" in shown
    assert not at.success


def test_several_selected_tasks_are_deleted_at_once_after_confirming(
    app: AppTest, db: Store
) -> None:
    names = save_examples(db)
    at = run_ok(app)
    listed = at.dataframe[0].value["name"].tolist()
    select_rows(at, at.dataframe[0].key, [0, 2, 3])
    assert shown(at.subheader[0].value) == "3 tasks selected"
    open_selection_popover(at, "delete_many", listed[0], listed[2], listed[3])
    run_ok(at)
    assert button(at, "Delete them for good").disabled
    confirm = next(c for c in at.checkbox if c.label.startswith("Delete these 3 tasks"))
    run_ok(confirm.check())
    run_ok(button(at, "Delete them for good").click())
    assert sorted(db.task_names()) == sorted(set(names) - {listed[0], listed[2], listed[3]})
    assert any("Deleted 3 task(s)" in shown(s.value) for s in at.success)
    # The browser's ticks do not pass to the tasks that moved up: nothing is selected now.
    assert not at.subheader and at.dataframe[0].value["name"].tolist() == [listed[1]]


def test_a_bulk_delete_keeps_and_names_a_task_changed_meanwhile(db: Store) -> None:
    from configlib.ui import bulk

    save_examples(db)
    items = db.list_tasks(page=0, page_size=10).items
    changed = db.get_task(items[0].name)
    db.save_task(changed.task, expected_version=changed.version)
    done = bulk.delete_tasks(db, items)
    assert done.deleted == [item.name for item in items[1:]]
    assert [name for name, _ in done.refused] == [items[0].name]
    assert db.task_names() == [items[0].name]


def test_the_zip_holds_each_selected_task_as_stored(db: Store) -> None:
    from configlib.taskfile import task_from_text
    from configlib.ui import bulk

    save_examples(db)
    stored = [db.get_task(name).task for name in db.task_names()]
    clash = stored[0].model_copy(update={"task_name": stored[0].task_name.upper()})
    for kind, (_, suffix) in bulk.EXPORT_FORMATS.items():
        archive = zipfile.ZipFile(io.BytesIO(bulk.export_zip([*stored, clash], kind)))
        files = archive.namelist()
        assert files[-1] == f"{clash.task_name}-2{suffix}"  # not over its case-folded twin
        for file, task in zip(files, [*stored, clash], strict=True):
            back, _ = task_from_text(archive.read(file).decode(), file)
            assert back.task_name == task.task_name
            if kind == "autotuner":
                assert back.parameters == task.parameters  # the flat flags it runs
            else:
                assert back == task


def test_the_export_popover_offers_one_zip_of_the_selection(app: AppTest, db: Store) -> None:
    save_examples(db)
    at = run_ok(app)
    select_rows(at, at.dataframe[0].key, [0, 1])
    open_selection_popover(at, "export", *at.dataframe[0].value["name"].tolist()[:2])
    run_ok(at)
    run_ok(at.radio(key="tasks.export_format").set_value("structured-yaml"))
    download = at.get("download_button")
    assert [d.proto.label for d in download] == ["Download 2 task file(s)"]


def test_select_the_whole_page(app: AppTest, db: Store) -> None:
    names = save_examples(db)
    at = run_ok(app)
    run_ok(button(at, "Select the whole page").click())
    assert shown(at.subheader[0].value) == f"{len(names)} tasks selected"
    listed = next(c.value for c in at.caption if names[0] in shown(c.value))
    assert all(name in shown(listed) for name in names)


def test_a_delete_confirmation_does_not_carry_over_to_another_task(app: AppTest, db: Store) -> None:
    save_examples(db)
    at = run_ok(app)
    names = at.dataframe[0].value["name"].tolist()
    select_rows(at, at.dataframe[0].key, [0])
    open_selection_popover(at, "delete", names[0])
    run_ok(at)
    run_ok(at.checkbox[0].check())
    assert not button(at, "Delete for good").disabled
    select_rows(at, at.dataframe[0].key, [1])
    # The other task's popover is a new one, closed; opened, nothing is confirmed in it.
    assert not [b for b in at.button if b.label == "Delete for good"]
    open_selection_popover(at, "delete", names[1])
    run_ok(at)
    assert button(at, "Delete for good").disabled


def _popovers(at: AppTest) -> list[str]:
    """The labels of the popovers drawn."""
    return [node.proto.popover.label for node in at.main if node.type == "popover"]


def test_actions_follow_the_selection_never_a_previous_one(app: AppTest, db: Store) -> None:
    names = save_examples(db)
    at = run_ok(app)
    listed = at.dataframe[0].value["name"].tolist()
    select_rows(at, at.dataframe[0].key, [0, 1, 2])
    open_selection_popover(at, "delete_many", *listed[:3])
    open_selection_popover(at, "export", *listed[:3])
    run_ok(at)
    assert "Delete 3 tasks" in _popovers(at)
    assert any(c.label.startswith("Delete these 3 tasks") for c in at.checkbox)
    select_rows(at, at.dataframe[0].key, [1, 3])  # another selection, of two
    assert shown(at.subheader[0].value) == "2 tasks selected"
    assert {"Delete 2 tasks", "Export 2 tasks (zip)"} <= set(_popovers(at))
    assert not any("3 task" in label for label in _popovers(at))
    # The popovers opened for the three are gone: nothing of them is drawn for the two.
    assert not at.checkbox and not at.get("download_button")
    open_selection_popover(at, "export", listed[1], listed[3])
    run_ok(at)
    assert [d.proto.label for d in at.get("download_button")] == ["Download 2 task file(s)"]

    # One task, then another: the name typed for the first is not offered for the second.
    select_rows(at, at.dataframe[0].key, [0])
    open_selection_popover(at, "dup", listed[0])
    run_ok(at)
    at.text_input(key=dup_name_key(listed[0])).set_value("typed-for-the-first")
    run_ok(at)
    select_rows(at, at.dataframe[0].key, [2])
    assert not [t for t in at.text_input if t.label == "New name"]  # closed for the new row
    open_selection_popover(at, "dup", listed[2])
    run_ok(at)
    box = next(t for t in at.text_input if t.label == "New name")
    assert box.value == f"{listed[2]}-copy"
    run_ok(button(at, "Create the copy").click())
    assert f"{listed[2]}-copy" in db.task_names() and len(db.task_names()) == len(names) + 1


def test_select_the_whole_page_holds_for_that_page_only(app: AppTest, db: Store) -> None:
    for number in range(60):
        db.save_task(make_task(task_name=f"task-{number:02d}"), expected_version=None)
    at = run_ok(app)
    run_ok(button(at, "Select the whole page").click())
    assert shown(at.subheader[0].value) == "50 tasks selected"
    run_ok(at.pagination[0].set_value(2))  # another page: nothing selected on it
    assert not at.subheader
    assert not any(label.startswith(("Delete", "Export")) for label in _popovers(at))
    run_ok(at.pagination[0].set_value(1))  # back: the page is drawn anew, unselected
    assert not at.subheader
    run_ok(button(at, "Select the whole page").click())
    assert shown(at.subheader[0].value) == "50 tasks selected"
    run_ok(at.text_input(key="tasks.search").set_value("task-1"))  # a search: a new table
    assert not at.subheader
    assert sorted(at.dataframe[0].value["name"]) == [f"task-{n}" for n in range(10, 20)]
