"""Connecting: which database, how SQLite is set up, transactions, and readable errors.

The database is ``url`` when given, else ``DATABASE_URL``, else a SQLite file
``configlib.db`` in ``CONFIGLIB_DATA_DIR``, else in ``$XDG_DATA_HOME/configlib``, else in
``~/.local/share/configlib``. ``postgresql://`` URLs use the psycopg 3 driver.

SQLite runs in WAL mode (readers never wait for a writer) with a busy timeout, and every
write transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock up front, waiting
up to the timeout, so two processes never both read a row and then fail to upgrade their
lock. PostgreSQL gets a connect timeout and a lock timeout for the same reason: a busy or
unreachable database is an error after the timeout, never a hang.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, CursorResult, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DatabaseError,
    DataError,
    DBAPIError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
)
from sqlalchemy.orm import Session

from configlib.store.errors import InvalidData, StoreUnavailable

#: Seconds a write waits for a lock, or a connection attempt for the server, before failing.
DEFAULT_TIMEOUT_S = 10.0
_WRITE = "configlib_write"


def rowcount(result: Any) -> int:
    """Rows an UPDATE or DELETE matched (``Session.execute`` is typed as returning any Result)."""
    return int(cast(CursorResult[Any], result).rowcount)


def data_dir() -> Path:
    """The folder of the default SQLite file."""
    explicit = os.environ.get("CONFIGLIB_DATA_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "configlib"


def default_url() -> str:
    """``DATABASE_URL`` when set, else the SQLite file in ``data_dir()``."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir() / 'configlib.db'}"


def resolve_url(url: str | None = None) -> URL:
    """The SQLAlchemy URL to use; plain ``postgresql://`` gets the psycopg 3 driver."""
    text = url or default_url()
    try:
        parsed = make_url(text)
    except ArgumentError:
        raise StoreUnavailable(
            f"{text!r} is not a database URL (e.g. sqlite:///path.db or postgresql://user@host/db)"
        ) from None
    if parsed.drivername in {"postgres", "postgresql"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _dumps(value: Any) -> str:
    # NaN and infinity are not JSON (PostgreSQL refuses them): fail the write instead.
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def _sqlite_engine(url: URL, timeout: float) -> Engine:
    database = url.database or ""
    memory = database in {"", ":memory:"} or database.startswith("file::memory:")
    if not memory:
        try:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreUnavailable(
                f"cannot create the folder for {database}: {error.strerror or error}"
            ) from None
    engine = create_engine(
        url,
        connect_args={"timeout": timeout, "check_same_thread": False},
        json_serializer=_dumps,
    )

    @event.listens_for(engine, "connect")
    def _setup(dbapi_connection: Any, _record: Any) -> None:
        # Transactions are begun explicitly below, not by the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL with synchronous=NORMAL: a commit is in the WAL file when save returns, so it
        # survives the app crashing; only an OS crash or power cut can roll back the last
        # commits (never corrupt the file). FULL would add an fsync (~4 ms, far more on a busy
        # disk) to every save; a team wanting more uses PostgreSQL.
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Listing scans covering indexes of ~10 MB per 100k tasks: read them from a memory map
        # and a page cache that holds them, instead of a read() call per 4 KiB page.
        cursor.execute(f"PRAGMA mmap_size={256 * 1024 * 1024}")
        cursor.execute(f"PRAGMA cache_size=-{16 * 1024}")
        cursor.close()

    # The file this store opened first: every later connection must find that same file.
    # A descriptor is kept open on it so its inode number cannot be reused by a new file.
    first_file: list[tuple[int, int] | None] = []

    @event.listens_for(engine, "connect")
    def _remember_file(dbapi_connection: Any, record: Any) -> None:
        if not memory:
            if not first_file:
                try:
                    fd = os.open(Path(database).expanduser(), os.O_RDONLY)
                except OSError:
                    first_file.append(None)
                else:
                    info = os.fstat(fd)
                    first_file.append((info.st_dev, info.st_ino))
                    weakref.finalize(engine, os.close, fd)
            record.info[_FILE_ID] = first_file[0]

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        if not memory:
            _check_same_file(connection, database)

    @event.listens_for(engine, "commit")
    def _commit(connection: Connection) -> None:
        if not memory:
            _check_same_file(connection, database)

    return engine


_FILE_ID = "configlib_file_id"


def _file_id(database: str) -> tuple[int, int] | None:
    try:
        info = os.stat(Path(database).expanduser())
    except OSError:
        return None
    return (info.st_dev, info.st_ino)


def _check_same_file(connection: Connection, database: str) -> None:
    """Refuse to go on when the file was deleted or replaced since the connection opened it
    (SQLite would go on writing to the deleted file, and the save would be lost)."""
    opened = connection.connection.info.get(_FILE_ID)
    if opened is None:
        return  # not a plain file path (e.g. a file: URI): nothing to compare with
    now = _file_id(database)
    if now == opened:
        return
    connection.invalidate()
    state = "was deleted" if now is None else "was replaced by another file"
    raise StoreUnavailable(
        f"the database file {database} {state} while configlib was using it; nothing was "
        "saved. Restore the file (or restart to start a new, empty database)"
    )


class Watchdog:
    """Shuts down the socket of a PostgreSQL call the server does not answer in time.

    A stopped or frozen server keeps the TCP connection open (its kernel even answers
    keepalives), so without this a call waits forever. The server-side statement timeout
    fires first for anything merely slow; this only catches a server that answers nothing.
    """

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._armed: dict[int, tuple[float, int, int]] = {}  # id -> (deadline, fd, thread)
        self._fired: set[int] = set()  # threads whose call was cut
        self._thread: threading.Thread | None = None

    def arm(self, dbapi_connection: Any) -> None:
        try:
            fd = int(dbapi_connection.pgconn.socket)
        except Exception:  # closed connection: nothing to watch
            return
        with self._lock:
            self._armed[id(dbapi_connection)] = (
                time.monotonic() + self.limit,
                fd,
                threading.get_ident(),
            )
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._watch, name="configlib-pg-watchdog", daemon=True
                )
                self._thread.start()

    def disarm(self, dbapi_connection: Any) -> None:
        with self._lock:
            self._armed.pop(id(dbapi_connection), None)

    def cut_for_this_thread(self) -> bool:
        """Whether the watchdog cut a call of this thread (and forget it)."""
        with self._lock:
            ident = threading.get_ident()
            if ident in self._fired:
                self._fired.discard(ident)
                return True
            return False

    def watched(self, call: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def run(dbapi_connection: Any) -> Any:
            self.arm(dbapi_connection)
            try:
                return call(dbapi_connection)
            finally:
                self.disarm(dbapi_connection)

        return run

    def _watch(self) -> None:
        while True:
            time.sleep(min(0.25, self.limit / 4))
            now = time.monotonic()
            with self._lock:
                late = [(key, v) for key, v in self._armed.items() if v[0] <= now]
                for key, (_deadline, fd, thread) in late:
                    del self._armed[key]
                    self._fired.add(thread)
                    try:
                        with socket.socket(fileno=os.dup(fd)) as sock:
                            sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass


def _postgres_engine(url: URL, timeout: float) -> tuple[Engine, Watchdog]:
    millis = int(timeout * 1000)
    statement_millis = 2 * millis
    engine = create_engine(
        url,
        connect_args={
            "connect_timeout": max(1, round(timeout)),
            "options": (
                f"-c lock_timeout={millis} -c statement_timeout={statement_millis} "
                "-c idle_in_transaction_session_timeout=600000"
            ),
            # A dead peer (host gone, network cut) is noticed in about 5 + 2 x 3 seconds,
            # and data the server does not acknowledge fails the call after the timeout.
            "keepalives": 1,
            "keepalives_idle": 5,
            "keepalives_interval": 2,
            "keepalives_count": 3,
            "tcp_user_timeout": statement_millis,
        },
        json_serializer=_dumps,
        pool_pre_ping=True,
    )
    watchdog = Watchdog(statement_millis / 1000 + 2)

    @event.listens_for(engine, "before_cursor_execute")
    def _arm(connection: Connection, *_args: Any) -> None:
        watchdog.arm(connection.connection.dbapi_connection)

    @event.listens_for(engine, "after_cursor_execute")
    def _disarm(connection: Connection, *_args: Any) -> None:
        watchdog.disarm(connection.connection.dbapi_connection)

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _arm_end(connection: Connection) -> None:
        watchdog.arm(connection.connection.dbapi_connection)

    @event.listens_for(engine, "reset")
    def _arm_reset(dbapi_connection: Any, _record: Any, _state: Any) -> None:
        watchdog.arm(dbapi_connection)

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, _record: Any) -> None:
        if dbapi_connection is not None:
            watchdog.disarm(dbapi_connection)

    @event.listens_for(engine, "handle_error")
    def _failed(context: Any) -> None:
        if context.connection is not None and not context.connection.closed:
            dbapi = context.connection.connection.dbapi_connection
            if dbapi is not None:
                watchdog.disarm(dbapi)

    dialect: Any = engine.dialect
    dialect.do_ping = watchdog.watched(dialect.do_ping)
    return engine, watchdog


class Database:
    """An engine plus read and write transactions that turn driver errors into store errors."""

    def __init__(self, url: str | None = None, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.url = resolve_url(url)
        self.timeout = timeout
        self.shown_url = self.url.render_as_string(hide_password=True)
        self.watchdog: Watchdog | None = None
        try:
            if self.url.get_backend_name() == "sqlite":
                self.engine = _sqlite_engine(self.url, timeout)
            elif self.url.get_backend_name() == "postgresql":
                self.engine, self.watchdog = _postgres_engine(self.url, timeout)
            else:
                self.engine = create_engine(self.url, json_serializer=_dumps)
        except (NoSuchModuleError, ImportError) as error:
            raise StoreUnavailable(
                f"{self.shown_url}: no driver for this database ({error})"
            ) from None
        self._writer = self.engine.execution_options(**{_WRITE: True})

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()

    def read(self) -> AbstractContextManager[Session]:
        """A session for reading (one consistent snapshot)."""
        return self._session(self.engine)

    def write(self) -> AbstractContextManager[Session]:
        """A session whose work commits as one transaction, or not at all."""
        return self._session(self._writer)

    @contextmanager
    def _session(self, bind: Engine) -> Iterator[Session]:
        with self.translate(), Session(bind, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def connect_for_write(self) -> Iterator[Connection]:
        """A connection in a write transaction (migrations)."""
        with self.translate(), self._writer.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def translate(self) -> Iterator[None]:
        """Turn a locked, refused or broken connection into ``StoreUnavailable``."""
        try:
            yield
        except DBAPIError as error:
            if self.watchdog is not None and self.watchdog.cut_for_this_thread():
                raise StoreUnavailable(
                    f"{self.shown_url}: the database server did not answer within "
                    f"{self.watchdog.limit:g} s (is it frozen or overloaded?); "
                    "reload before saving again"
                ) from None
            if getattr(error.orig, "sqlstate", None) == "25006":
                raise StoreUnavailable(
                    f"{self.shown_url}: the database is read-only right now; nothing was saved"
                ) from None
            if isinstance(error, (OperationalError, InterfaceError)):
                raise StoreUnavailable(self.describe(error)) from None
            if isinstance(error, DataError):
                raise InvalidData(f"the database refused a value: {self.describe(error)}") from None
            # The bare DatabaseError class is what SQLite raises for a file that is not a
            # database or is damaged; its subclasses (integrity, programming) are ours to handle.
            if error.connection_invalidated or type(error) is DatabaseError:
                raise StoreUnavailable(self.describe(error)) from None
            raise

    def describe(self, error: DBAPIError) -> str:
        """A one-line explanation of a driver error, naming the database."""
        detail = str(error.orig).strip().splitlines()[0] if error.orig else str(error)
        lowered = detail.lower()
        if "locked" in lowered or "lock timeout" in lowered or "lock_timeout" in lowered:
            return (
                f"{self.shown_url}: the database is busy (another process held a lock for "
                f"more than {self.timeout:g} s); try again"
            )
        if "unable to open" in lowered or "readonly" in lowered or "read-only" in lowered:
            return f"{self.shown_url}: cannot open or write the database file ({detail})"
        if "connect" in lowered or "refused" in lowered or "timeout" in lowered:
            return f"{self.shown_url}: cannot reach the database server ({detail})"
        return f"{self.shown_url}: {detail}"
