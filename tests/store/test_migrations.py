"""Migrations: empty to head, re-running is a no-op, the migrations match the models, and
databases this configlib cannot handle are refused with a reason."""

from __future__ import annotations

import multiprocessing

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from configlib.store import SchemaError, Store
from configlib.store.engine import Database
from configlib.store.migrate import current_revision, downgrade, head_revision, upgrade
from configlib.store.models import Base

TABLES = {
    "tasks",
    "presets",
    "measured_results",
    "version_marks",
    "task_versions",
    "alembic_version",
}


def _tables(db: Database) -> set[str]:
    with db.engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def test_an_empty_database_is_brought_to_head(db_url: str) -> None:
    db = Database(db_url)
    assert current_revision(db) is None
    report = upgrade(db)
    assert (report.before, report.after, report.changed) == (None, head_revision(), True)
    assert _tables(db) == TABLES
    assert current_revision(db) == head_revision()
    db.dispose()


def test_upgrading_again_changes_nothing(db_url: str, make_task) -> None:
    with Store.open(db_url) as store:
        store.save_task(make_task("kept"), expected_version=None)
        before = store.export_all()
    db = Database(db_url)
    report = upgrade(db)
    assert not report.changed and report.before == head_revision()
    db.dispose()
    with Store.open(db_url) as store:
        after = store.export_all()
    before.pop("exported_at"), after.pop("exported_at")
    assert after == before


def test_the_migrations_create_exactly_the_models_schema(db_url: str) -> None:
    db = Database(db_url)
    upgrade(db)
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    db.dispose()
    assert differences == []


def test_downgrade_to_base_and_up_again(db_url: str) -> None:
    db = Database(db_url)
    upgrade(db)
    downgrade(db, "base")
    assert _tables(db) <= {"alembic_version"}
    assert current_revision(db) is None
    upgrade(db)
    assert _tables(db) == TABLES
    db.dispose()


def test_a_database_from_a_newer_configlib_is_refused(db_url: str) -> None:
    db = Database(db_url)
    upgrade(db)
    with db.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(SchemaError, match=r"revision 9999.*newer configlib"):
        Store.open(db_url)
    db.dispose()


def test_another_programs_tables_are_not_touched(db_url: str) -> None:
    db = Database(db_url)
    with db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE tasks (id INTEGER PRIMARY KEY, task_name TEXT)"))
    with pytest.raises(SchemaError, match=r"inference-autotuner.*import-autotuner"):
        Store.open(db_url)
    assert _tables(db) == {"tasks"}
    db.dispose()


def _open_and_count(url: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    try:
        with Store.open(url, timeout=30) as store:
            queue.put(len(store.list_presets(system=True)))
    except Exception as error:  # reported to the parent, which fails the test
        queue.put(repr(error))


def test_processes_opening_a_new_database_at_once_migrate_it_once(db_url: str) -> None:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_open_and_count, args=(db_url, queue)) for _ in range(3)]
    for worker in workers:
        worker.start()
    outcomes = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert outcomes == [4, 4, 4]
    with Store.open(db_url) as store:
        assert store.revision() == head_revision()


def test_head_revision_constant_is_alembics_head() -> None:
    """Opening reads HEAD_REVISION without Alembic; it must name the newest shipped script."""
    from alembic.script import ScriptDirectory

    from configlib.store.migrate import HEAD_REVISION, _config

    assert ScriptDirectory.from_config(_config()).get_current_head() == HEAD_REVISION
    from configlib.store.migrate import REVISIONS

    scripts = ScriptDirectory.from_config(_config()).walk_revisions()
    assert tuple(reversed([s.revision for s in scripts])) == REVISIONS


def test_a_database_at_the_first_revision_is_brought_to_head_keeping_its_tasks(
    db_url: str,
) -> None:
    from configlib.store import Store
    from tests.store.conftest import build_task

    db = Database(db_url)
    upgrade(db, "0001")
    assert "version_marks" not in _tables(db)
    db.dispose()
    with Store.open(db_url) as store:
        assert store.revision() == head_revision()
        store.save_task(build_task("kept"), expected_version=None)
        store.delete_task("kept", expected_version=1)
        assert store.save_task(build_task("kept"), expected_version=None).version == 2
