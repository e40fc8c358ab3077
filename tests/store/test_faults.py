"""Faults in the middle of a session: a writer killed with SIGKILL, the SQLite file deleted or
replaced, the database turned read-only, a PostgreSQL server that stops answering. Each is a
clear ``StoreUnavailable`` (never a traceback, never a hang), and no save that was
acknowledged is ever lost."""

from __future__ import annotations

import multiprocessing
import os
import select
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from configlib.store import Store, StoreUnavailable
from tests.store.conftest import build_task, reset_postgres

ROOT = Path(__file__).resolve().parents[2]

# ---- kill -9 during writes ---------------------------------------------------------------------

_WRITER = """
import sys
from configlib.store import Store
from tests.store.conftest import build_task
url = sys.argv[1]
with Store.open(url, timeout=30) as store:
    try:
        version = store.get_task("counter").version
    except Exception:
        version = store.save_task(build_task("counter"), expected_version=None).version
    step = 0
    while True:
        step += 1
        task = build_task("counter", description=f"step {step}")
        version = store.save_task(task, expected_version=version).version
        print(version, flush=True)
"""


def _writer(url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CONFIGLIB_DATA_DIR": "/nonexistent-guard"}
    return subprocess.Popen(
        [sys.executable, "-c", _WRITER, url],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


@pytest.mark.timeout(300)
def test_killing_writers_mid_save_loses_no_acknowledged_save(db_url: str) -> None:
    Store.open(db_url).close()
    for lines_before_kill in (1, 7, 25):
        writer = _writer(db_url)
        assert writer.stdout is not None
        acknowledged = 0
        for _ in range(lines_before_kill):
            line = writer.stdout.readline()
            assert line, "the writer stopped before it was killed"
            acknowledged = int(line)
        writer.send_signal(signal.SIGKILL)
        rest, _ = writer.communicate(timeout=60)
        # Saves acknowledged after we stopped reading but before the kill count too.
        for line in rest.split():
            acknowledged = int(line)
        with Store.open(db_url, timeout=30) as store:
            stored = store.get_task("counter")  # readable and valid
            assert stored.version >= acknowledged
    if db_url.startswith("sqlite"):
        path = db_url.removeprefix("sqlite:///")
        with sqlite3.connect(path) as check:
            assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)


# ---- the SQLite file deleted, replaced or made read-only -----------------------------------------


def test_a_deleted_sqlite_file_refuses_the_next_save(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with Store.open(f"sqlite:///{path}") as store:
        saved = store.save_task(build_task("t"), expected_version=None)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        with pytest.raises(StoreUnavailable, match="was deleted"):
            store.save_task(build_task("t", description="lost?"), expected_version=saved.version)
        # Later calls open a new connection, which finds a new, empty file at that path.
        with pytest.raises(StoreUnavailable, match=r"was deleted|was replaced"):
            store.save_task(build_task("u"), expected_version=None)
        with pytest.raises(StoreUnavailable, match=r"was deleted|was replaced"):
            store.get_task("t")


def test_a_replaced_sqlite_file_refuses_the_next_save(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with Store.open(f"sqlite:///{tmp_path / 'other.db'}") as other:
        other.save_task(build_task("other"), expected_version=None)
    with Store.open(f"sqlite:///{path}") as store:
        store.save_task(build_task("t"), expected_version=None)
        shutil.copy(tmp_path / "other.db", tmp_path / "incoming.db")
        os.replace(tmp_path / "incoming.db", path)
        with pytest.raises(StoreUnavailable, match="replaced"):
            store.save_task(build_task("u"), expected_version=None)


def _read_only_child(url: str, folder: str, uid: int, pipe: Any) -> None:
    """Runs as an unprivileged user (root ignores file modes): save, wait for the parent to
    make the database read-only, then save again and with a fresh connection."""
    outcomes: list[tuple[str, str]] = []
    try:
        if uid:
            os.setgid(uid)
            os.setuid(uid)
        with Store.open(url, timeout=2) as store:
            version = store.save_task(build_task("t"), expected_version=None).version
            outcomes.append(("saved", f"t {version}"))
            pipe.send("saved")
            pipe.recv()  # the parent made the file and folder read-only
            try:
                version = store.save_task(
                    build_task("t", description="after"), expected_version=version
                ).version
                outcomes.append(("saved", f"t {version}"))
            except StoreUnavailable as error:
                outcomes.append(("refused", str(error)))
        try:
            with Store.open(url, timeout=2) as fresh:
                version = fresh.save_task(build_task("u"), expected_version=None).version
                outcomes.append(("saved", f"u {version}"))
        except StoreUnavailable as error:
            outcomes.append(("refused", str(error)))
    except BaseException as error:  # the parent fails the test on anything else
        outcomes.append(("crashed", repr(error)))
    pipe.send(outcomes)


@pytest.fixture
def open_folder() -> Iterator[Path]:
    """A folder an unprivileged user can reach (pytest's tmp_path is private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="configlib-ro-"))
    try:
        yield folder
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)


def test_a_sqlite_file_turned_read_only_never_acknowledges_a_lost_save(open_folder: Path) -> None:
    folder = open_folder
    path = folder / "store.db"
    url = f"sqlite:///{path}"
    Store.open(url).close()  # created (and every module the child needs loaded) here
    uid = 65534 if os.geteuid() == 0 else 0
    if uid:
        for item in [folder, *folder.iterdir()]:
            os.chown(item, uid, uid)
    context = multiprocessing.get_context("fork")
    ours, theirs = context.Pipe()
    child = context.Process(target=_read_only_child, args=(url, str(folder), uid, theirs))
    child.start()
    assert ours.recv() == "saved"
    for item in folder.iterdir():
        item.chmod(0o444)
    folder.chmod(0o555)
    ours.send("go")
    outcomes = ours.recv()
    child.join(timeout=60)
    folder.chmod(0o755)
    assert [kind for kind, _ in outcomes if kind == "crashed"] == [], outcomes
    assert any(kind == "refused" for kind, _ in outcomes), outcomes
    for _, message in (o for o in outcomes if o[0] == "refused"):
        assert "store.db" in message and "Traceback" not in message
    last_saved = dict(detail.split() for kind, detail in outcomes if kind == "saved")
    with Store.open(url) as store:
        for name, version in last_saved.items():
            assert store.get_task(name).version == int(version)


# ---- PostgreSQL read-only, unreachable or frozen -----------------------------------------------


@pytest.mark.postgres
def test_a_postgresql_database_turned_read_only_is_a_clear_error(pg_server: str | None) -> None:
    if pg_server is None:
        pytest.skip("no PostgreSQL server")
    reset_postgres(pg_server)
    name = pg_server.rsplit("/", 1)[1]
    admin_url = pg_server.rsplit("/", 1)[0] + "/postgres"
    with Store.open(pg_server, timeout=2) as store:
        saved = store.save_task(build_task("t"), expected_version=None)
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
        try:
            with pytest.raises(StoreUnavailable, match="read-only"):
                store.save_task(build_task("t", description="x"), expected_version=saved.version)
        finally:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (name,),
                )
    with Store.open(pg_server) as store:
        assert store.get_task("t").version == saved.version


class _Silent:
    """A TCP server that accepts connections and never answers."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(connection)

    def close(self) -> None:
        self.listener.close()
        for connection in self.accepted:
            connection.close()


@pytest.mark.timeout(60)
def test_a_server_that_accepts_and_never_answers_is_a_clear_error() -> None:
    silent = _Silent()
    try:
        with pytest.raises(StoreUnavailable, match=r"cannot reach|did not answer"):
            Store.open(f"postgresql://nobody@127.0.0.1:{silent.port}/none", timeout=1)
    finally:
        silent.close()


class _Proxy:
    """A TCP proxy to PostgreSQL that can freeze: it keeps every connection open and stops
    passing bytes either way, as a stopped (SIGSTOP) or hung server would."""

    def __init__(self, port: int) -> None:
        self.upstream = port
        self.frozen = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.upstream))
            self.sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, a: socket.socket, b: socket.socket) -> None:
        peers = {a: b, b: a}
        while True:
            if self.frozen.is_set():
                self.frozen.wait(0.05)
                if self.frozen.is_set():
                    continue
            try:
                ready, _, _ = select.select(list(peers), [], [], 0.05)
                for source in ready:
                    if self.frozen.is_set():
                        break
                    data = source.recv(65536)
                    if not data:
                        return
                    peers[source].sendall(data)
            except (OSError, ValueError):  # closed by close()
                return

    def close(self) -> None:
        self.listener.close()
        for item in self.sockets:
            item.close()


@pytest.fixture
def pg_proxy(pg_server: str | None) -> Iterator[tuple[_Proxy, str]]:
    if pg_server is None:
        pytest.skip("no PostgreSQL server")
    reset_postgres(pg_server)
    host_part, database = pg_server.rsplit("/", 1)
    port = int(host_part.rsplit(":", 1)[1])
    proxy = _Proxy(port)
    user = host_part.split("//", 1)[1].split("@", 1)[0]
    try:
        yield proxy, f"postgresql://{user}@127.0.0.1:{proxy.port}/{database}"
    finally:
        proxy.frozen.clear()
        proxy.close()


@pytest.mark.postgres
@pytest.mark.timeout(120)
def test_a_server_that_freezes_mid_session_is_a_clear_error(
    pg_proxy: tuple[_Proxy, str],
) -> None:
    proxy, url = pg_proxy
    with Store.open(url, timeout=1) as store:
        saved = store.save_task(build_task("t"), expected_version=None)
        proxy.frozen.set()
        with pytest.raises(StoreUnavailable, match="did not answer"):
            store.save_task(build_task("t", description="x"), expected_version=saved.version)
        with pytest.raises(StoreUnavailable):
            store.get_task("t")
        proxy.frozen.clear()
        assert store.get_task("t").version in {saved.version, saved.version + 1}
