"""Store fixtures: every store test runs on a SQLite file and, when a PostgreSQL server answers
(127.0.0.1:5432 with trust auth, or ``CONFIGLIB_TEST_PG``), on PostgreSQL too.

For PostgreSQL one scratch database ``configlib_test_<random>`` is created per run and dropped
at the end; each test starts from an empty ``public`` schema.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from configlib.model import TaskConfig
from configlib.store import Store

PG_SERVER = os.environ.get("CONFIGLIB_TEST_PG", "postgresql://postgres@127.0.0.1:5432")

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str | None]:
    """A scratch database URL for this run, or None when no server answers."""
    try:
        admin = psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        yield None
        return
    name = f"configlib_test_{secrets.token_hex(4)}"
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"{PG_SERVER}/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def reset_postgres(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("DROP SCHEMA public CASCADE")
        connection.execute("CREATE SCHEMA public")


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Any, pg_server: str | None) -> Iterator[str]:
    """An empty database of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    if pg_server is None:
        pytest.skip(f"no PostgreSQL server answers at {PG_SERVER}")
    reset_postgres(pg_server)
    yield pg_server


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store.open(db_url, timeout=5)
    try:
        yield opened
    finally:
        opened.close()


def build_task(name: str, runtime: str = "sglang", **fields: Any) -> TaskConfig:
    """A small valid task; keyword arguments override its fields."""
    data: dict[str, Any] = {
        "task_name": name,
        "model": {"id_or_path": "meta-llama/Llama-3.1-8B-Instruct"},
        "base_runtime": runtime,
        "engine_version": "0.5.2" if runtime == "sglang" else "0.10.2",
        "parallel_config": {"tp": [1, 2]},
        "memory_config": (
            {"mem_fraction_static": 0.85}
            if runtime == "sglang"
            else {"gpu_memory_utilization": 0.9}
        ),
        "parameters": {"trust-remote-code": [True]},
    }
    data.update(fields)
    return TaskConfig.model_validate(data)


@pytest.fixture
def make_task() -> Callable[..., TaskConfig]:
    return build_task
