"""Several writers at once lose nothing; a busy or unreachable database is a clear error;
a write that fails part-way leaves the stored data as it was."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path
from queue import Empty
from typing import Any

import psycopg
import pytest

from configlib.presets import Preset
from configlib.store import ConflictError, Store, StoreUnavailable
from tests.store.conftest import build_task

TASKS_PER_WORKER = 15
INCREMENTS_PER_WORKER = 15


def _worker(url: str, worker: int, queue: Any) -> None:
    """Create tasks, and increment a shared counter by read-modify-write with retries."""
    try:
        conflicts = 0
        with Store.open(url, timeout=30) as store:
            for i in range(TASKS_PER_WORKER):
                store.save_task(
                    build_task(f"w{worker}-{i}"), expected_version=None, user=f"worker{worker}"
                )
            done = 0
            while done < INCREMENTS_PER_WORKER:
                current = store.get_preset("counter")
                count = current.preset.metadata["count"]
                bumped = current.preset.model_copy(update={"metadata": {"count": count + 1}})
                try:
                    store.save_preset(
                        bumped, expected_version=current.version, user=f"worker{worker}"
                    )
                except ConflictError:
                    conflicts += 1
                    continue
                done += 1
        queue.put(("ok", conflicts))
    except Exception as error:  # reported to the parent, which fails the test
        queue.put(("error", repr(error)))


def _outcomes(workers: list[Any], queue: Any, deadline_s: float = 900) -> list[tuple[str, Any]]:
    """Each worker's report; a worker that dies without one fails the test with its exit code
    instead of leaving the parent waiting on an empty queue."""
    outcomes: list[tuple[str, Any]] = []
    waited = 0.0
    while len(outcomes) < len(workers):
        try:
            outcomes.append(queue.get(timeout=1))
            continue
        except Empty:
            waited += 1
        silent_exits = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
        if silent_exits:
            pytest.fail(f"a worker died without reporting (exit codes {silent_exits})")
        if waited > deadline_s:
            pytest.fail(f"workers still running after {deadline_s:g} s: {outcomes}")
    for worker in workers:
        worker.join(timeout=60)
    return outcomes


def test_two_processes_writing_at_once_lose_nothing(store: Store, db_url: str) -> None:
    counter = Preset(name="counter", parameters={"tp-size": [1]}, metadata={"count": 0})
    store.save_preset(counter, expected_version=None)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_worker, args=(db_url, n, queue)) for n in range(2)]
    for worker in workers:
        worker.start()
    outcomes = _outcomes(workers, queue)
    assert all(kind == "ok" for kind, _ in outcomes), outcomes
    stored = store.get_preset("counter")
    assert stored.preset.metadata["count"] == 2 * INCREMENTS_PER_WORKER
    assert stored.version == 1 + 2 * INCREMENTS_PER_WORKER
    names = set(store.task_names())
    assert names == {f"w{w}-{i}" for w in range(2) for i in range(TASKS_PER_WORKER)}


def test_a_locked_sqlite_database_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    url = f"sqlite:///{path}"
    Store.open(url).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with Store.open(url, timeout=0.3) as store:
            assert store.list_tasks().total == 0  # opening and reading do not wait (WAL)
            with pytest.raises(StoreUnavailable, match="busy"):
                store.save_task(build_task("t"), expected_version=None)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with Store.open(url) as store:
        store.save_task(build_task("t"), expected_version=None)
        assert store.task_names() == ["t"]


@pytest.mark.postgres
def test_a_row_locked_in_postgresql_is_a_clear_error(pg_server: str | None) -> None:
    if pg_server is None:
        pytest.skip("no PostgreSQL server")
    from tests.store.conftest import reset_postgres

    reset_postgres(pg_server)
    with Store.open(pg_server, timeout=0.3) as store:
        store.save_task(build_task("t"), expected_version=None)
        with psycopg.connect(pg_server) as holder:
            holder.execute("SELECT * FROM tasks WHERE name = 't' FOR UPDATE")
            with pytest.raises(StoreUnavailable, match="busy"):
                store.save_task(build_task("t", description="x"), expected_version=1)
        assert store.get_task("t").version == 1


def test_an_unreachable_server_is_a_clear_error() -> None:
    with pytest.raises(StoreUnavailable, match="cannot reach"):
        Store.open("postgresql://nobody@127.0.0.1:1/none", timeout=1)


def test_an_unusable_sqlite_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreUnavailable, match="cannot create the folder"):
        Store.open(f"sqlite:///{blocker}/sub/store.db")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database file" * 200)
    with pytest.raises(StoreUnavailable, match=r"garbage\.db"):
        Store.open(f"sqlite:///{garbage}")


def test_a_url_that_is_not_a_url_is_a_clear_error() -> None:
    with pytest.raises(StoreUnavailable, match="not a database URL"):
        Store.open("definitely not a url")


def test_a_write_that_fails_part_way_changes_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from configlib.store import autotuner as importer
    from tests.store.test_autotuner_import import build_autotuner_db

    store.save_task(build_task("existing"), expected_version=None)
    before = store.export_all()
    source = build_autotuner_db(tmp_path / "autotuner.db")
    calls = {"n": 0}
    real = importer.result_columns

    def failing(record: Any) -> dict[str, Any]:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full (simulated)")
        return real(record)

    monkeypatch.setattr(importer, "result_columns", failing)
    with pytest.raises(RuntimeError, match="simulated"):
        store.import_autotuner(source)
    after = store.export_all()
    before.pop("exported_at"), after.pop("exported_at")
    assert after == before
