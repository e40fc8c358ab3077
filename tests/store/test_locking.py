"""Optimistic locking holds across delete, re-create and rename, on SQLite as on PostgreSQL:
a (name, version) pair is never given out twice, so an editor holding a version of an item
that is gone gets a conflict instead of saving over whatever took its name."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from configlib.model import TaskConfig
from configlib.presets import Preset
from configlib.store import ConflictError, NotFound, Store
from tests.store import stress


def test_a_recreated_task_does_not_take_a_stale_editors_save(
    store: Store, make_task: Callable[..., TaskConfig]
) -> None:
    stale = store.save_task(make_task("t", description="old"), expected_version=None)
    store.delete_task("t", expected_version=stale.version)
    fresh = store.save_task(make_task("t", description="new"), expected_version=None)
    assert fresh.version > stale.version
    with pytest.raises(ConflictError, match="reload"):
        store.save_task(
            stale.task.model_copy(update={"description": "stale"}),
            expected_version=stale.version,
        )
    with pytest.raises(ConflictError):
        store.delete_task("t", expected_version=stale.version)
    assert store.get_task("t").task.description == "new"


def test_a_name_freed_by_rename_never_repeats_a_version(
    store: Store, make_task: Callable[..., TaskConfig]
) -> None:
    old = store.save_task(make_task("a", description="first a"), expected_version=None)
    store.save_task(make_task("b"), expected_version=None)
    store.delete_task("b", expected_version=1)
    renamed = store.rename_task("a", "b", expected_version=old.version)
    assert renamed.version > 1  # above the deleted b's version 1
    again = store.save_task(make_task("a", description="second a"), expected_version=None)
    assert again.version > old.version
    with pytest.raises(ConflictError):
        store.save_task(old.task, expected_version=old.version)
    with pytest.raises(ConflictError):  # an editor of the deleted b
        store.save_task(make_task("b"), expected_version=1)
    assert store.get_task("a").task.description == "second a"
    assert store.get_task("b").task.description == "first a"


def test_a_renamed_task_refuses_its_old_name_and_version(
    store: Store, make_task: Callable[..., TaskConfig]
) -> None:
    old = store.save_task(make_task("a"), expected_version=None)
    store.rename_task("a", "b", expected_version=old.version)
    with pytest.raises(NotFound, match="was renamed to 'b'"):
        store.save_task(old.task, expected_version=old.version)
    assert store.task_names() == ["b"]
    store.delete_task("b", expected_version=store.get_task("b").version)
    store.save_task(make_task("a2"), expected_version=None)
    with pytest.raises(NotFound, match="no longer exists"):
        store.save_task(make_task("b"), expected_version=1)


def test_a_recreated_preset_does_not_take_a_stale_editors_save(store: Store) -> None:
    stale = store.save_preset(
        Preset(name="p", description="old", parameters={"tp-size": [2]}), expected_version=None
    )
    store.delete_preset("p", expected_version=stale.version)
    fresh = store.save_preset(
        Preset(name="p", description="new", parameters={"tp-size": [4]}), expected_version=None
    )
    assert fresh.version > stale.version
    with pytest.raises(ConflictError):
        store.save_preset(stale.preset, expected_version=stale.version)
    with pytest.raises(ConflictError):
        store.delete_preset("p", expected_version=stale.version)
    assert store.get_preset("p").preset.description == "new"


def test_processes_editing_shared_tasks_accept_no_stale_write_and_lose_nothing(
    db_url: str,
) -> None:
    """The stress run of scripts/store_stress.py, smaller: 4 processes x 50 operations."""
    report = stress.run(db_url, processes=4, operations=50, seed_number=7)
    assert report.errors == []
    assert (report.stale_accepted, report.lost) == (0, 0), report.line()
    assert report.succeeded > 0 and report.refused["conflict"] > 0  # the race did happen


def test_the_judge_counts_a_stale_write_and_the_update_it_lost() -> None:
    seeded = [("task", "t", 1, "seed")]
    honest = stress.Outcome(done=[("edit", seeded[0], ("task", "t", 2, "w0-0"))])
    # A stale editor that read the seed too and was allowed to save over version 2.
    stale = stress.Outcome(done=[("stale-edit", seeded[0], ("task", "t", 3, "w1-0"))])
    report = stress.judge(seeded, [honest, stale], {("task", "t", 3, "w1-0")}, 0.0)
    assert (report.stale_accepted, report.lost) == (1, 1)
