"""Task history in the store: versions kept on save and rename, read back, restored."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, update

from configlib.store import ConflictError, InvalidData, NotFound, Store
from configlib.store.engine import Database
from configlib.store.migrate import upgrade
from configlib.store.models import TaskVersionRow
from configlib.taskdiff import task_changes


def _edit(store: Store, name: str, user: str, **update: object) -> int:
    stored = store.get_task(name)
    edited = stored.task.model_copy(update=update)
    return store.save_task(edited, expected_version=stored.version, user=user).version


def test_every_save_is_a_version_newest_first(store: Store, make_task) -> None:
    store.save_task(make_task("t", description="one"), expected_version=None, user="alice")
    _edit(store, "t", "bob", description="two")
    _edit(store, "t", "carol", description="three")
    versions = store.task_versions("t")
    assert [(v.version, v.saved_by, v.current) for v in versions] == [
        (3, "carol", True),
        (2, "bob", False),
        (1, "alice", False),
    ]
    assert store.get_task_version("t", 1).description == "one"
    assert store.get_task_version("t", 2).description == "two"


def test_a_version_reads_back_as_it_was_stored(store: Store, make_task) -> None:
    saved = store.save_task(make_task("t"), expected_version=None)
    assert store.get_task_version("t", 1) == saved.task == store.get_task("t").task


def test_diff_between_versions_names_the_field(store: Store, make_task) -> None:
    store.save_task(make_task("t"), expected_version=None)
    stored = store.get_task("t")
    parallel = stored.task.parallel_config.model_copy(update={"tp": [1, 2, 4]})
    _edit(store, "t", "bob", parallel_config=parallel)
    changes = task_changes(store.get_task_version("t", 1), store.get_task_version("t", 2))
    by_path = {c.path: (c.before, c.after) for c in changes}
    assert by_path["parallel_config.tp"] == ([1, 2], [1, 2, 4])
    assert by_path["parameters.tp-size"] == ([1, 2], [1, 2, 4])
    assert len(changes) == 2


def test_restore_saves_the_old_content_as_a_new_version(store: Store, make_task) -> None:
    store.save_task(make_task("t", description="first"), expected_version=None)
    _edit(store, "t", "bob", description="second")
    restored = store.restore_task_version("t", 1, expected_version=2, user="alice")
    assert (restored.version, restored.task.description) == (3, "first")
    assert store.get_task("t").task.description == "first"
    assert task_changes(store.get_task_version("t", 1), store.get_task("t").task) == []
    assert [v.version for v in store.task_versions("t")] == [3, 2, 1]


def test_restore_from_a_stale_version_is_a_conflict(store: Store, make_task) -> None:
    store.save_task(make_task("t", description="first"), expected_version=None)
    _edit(store, "t", "bob", description="second")
    with pytest.raises(ConflictError):
        store.restore_task_version("t", 1, expected_version=1)
    assert store.get_task("t").task.description == "second"
    assert [v.version for v in store.task_versions("t")] == [2, 1]


def test_history_follows_a_rename_and_restore_keeps_the_new_name(store: Store, make_task) -> None:
    store.save_task(make_task("old", description="first"), expected_version=None)
    _edit(store, "old", "bob", description="second")
    store.rename_task("old", "new", expected_version=2)
    versions = store.task_versions("new")
    assert [(v.version, v.task_name) for v in versions] == [(3, "new"), (2, "old"), (1, "old")]
    restored = store.restore_task_version("new", 1, expected_version=3)
    assert (restored.name, restored.task.description, restored.version) == ("new", "first", 4)
    with pytest.raises(NotFound):
        store.task_versions("old")


def test_deleting_a_task_removes_its_history(store: Store, make_task) -> None:
    store.save_task(make_task("t", description="first"), expected_version=None)
    _edit(store, "t", "bob", description="second")
    store.delete_task("t", expected_version=2)
    store.save_task(make_task("t", description="again"), expected_version=None)
    assert [v.version for v in store.task_versions("t")] == [3]


def test_unknown_task_or_version_is_not_found(store: Store, make_task) -> None:
    with pytest.raises(NotFound, match="no task named 'nope'"):
        store.task_versions("nope")
    store.save_task(make_task("t"), expected_version=None)
    with pytest.raises(NotFound, match="no version 7"):
        store.get_task_version("t", 7)


def test_a_task_without_history_rows_keeps_its_version_when_saved_again(
    store: Store, make_task
) -> None:
    # Tasks saved before the history table existed, or restored from a backup, have no rows.
    store.save_task(make_task("t", description="first"), expected_version=None, user="alice")
    with store.db.write() as session:
        session.execute(delete(TaskVersionRow))
    assert [(v.version, v.current) for v in store.task_versions("t")] == [(1, True)]
    assert store.get_task_version("t", 1).description == "first"
    _edit(store, "t", "bob", description="second")
    versions = store.task_versions("t")
    assert [(v.version, v.saved_by) for v in versions] == [(2, "bob"), (1, "alice")]
    assert store.get_task_version("t", 1).description == "first"
    assert store.restore_task_version("t", 1, expected_version=2).task.description == "first"


def test_a_database_at_revision_0002_gets_the_history_table(db_url: str, make_task) -> None:
    db = Database(db_url)
    upgrade(db, "0002")
    db.dispose()
    with Store.open(db_url) as store:
        store.save_task(make_task("t"), expected_version=None)
        assert [v.version for v in store.task_versions("t")] == [1]


def test_a_stored_version_that_no_longer_validates_is_named(store: Store, make_task) -> None:
    store.save_task(make_task("t", description="first"), expected_version=None)
    _edit(store, "t", "bob", description="second")
    with store.db.write() as session:
        session.execute(
            update(TaskVersionRow)
            .where(TaskVersionRow.version == 1)
            .values(data={"task_name": "t", "base_runtime": "sglang", "model": {}})
        )
    with pytest.raises(InvalidData, match="version 1 of task 't' does not validate"):
        store.get_task_version("t", 1)
    with pytest.raises(InvalidData):
        store.restore_task_version("t", 1, expected_version=2)
    assert store.get_task("t").version == 2


def test_the_command_line_lists_diffs_and_restores_versions(
    db_url: str, store: Store, make_task, capsys: pytest.CaptureFixture[str]
) -> None:
    from configlib.cli import main

    store.save_task(make_task("t", description="first"), expected_version=None, user="alice")
    _edit(store, "t", "bob", description="second")
    assert main(["db", "history", "t", "--url", db_url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("v2") and "bob" in out[0] and "description (current)" in out[0]
    assert out[1].startswith("v1") and "alice" in out[1] and out[1].endswith("created")
    assert main(["db", "diff", "t", "1", "2", "--url", db_url]) == 0
    assert capsys.readouterr().out == 'description: "first" -> "second"\n'
    assert main(["db", "restore-version", "t", "1", "--url", db_url, "--user", "carol"]) == 0
    assert "restored version 1 of t as version 3" in capsys.readouterr().out
    assert store.get_task("t").task.description == "first"
    assert main(["db", "diff", "t", "1", "--url", db_url]) == 0
    assert "do not differ" in capsys.readouterr().out
    # A stale version, an unknown task or version: one line, exit 2, nothing changed.
    for argv, message in (
        (["restore-version", "t", "2", "--expected-version", "2"], "was changed by carol"),
        (["history", "ghost"], "no task named 'ghost'"),
        (["diff", "t", "1", "9"], "no version 9"),
        (["restore-version", "t", "9"], "no version 9"),
    ):
        assert main(["db", *argv, "--url", db_url]) == 2
        err = capsys.readouterr().err
        assert message in err and len(err.strip().splitlines()) == 1
    assert store.get_task("t").version == 3
