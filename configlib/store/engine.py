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
from collections.abc import Iterator
from contextlib import contextmanager
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

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _postgres_engine(url: URL, timeout: float) -> Engine:
    millis = int(timeout * 1000)
    return create_engine(
        url,
        connect_args={
            "connect_timeout": max(1, int(timeout)),
            "options": f"-c lock_timeout={millis} -c idle_in_transaction_session_timeout=600000",
        },
        json_serializer=_dumps,
        pool_pre_ping=True,
    )


class Database:
    """An engine plus read and write transactions that turn driver errors into store errors."""

    def __init__(self, url: str | None = None, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.url = resolve_url(url)
        self.timeout = timeout
        self.shown_url = self.url.render_as_string(hide_password=True)
        try:
            if self.url.get_backend_name() == "sqlite":
                self.engine = _sqlite_engine(self.url, timeout)
            elif self.url.get_backend_name() == "postgresql":
                self.engine = _postgres_engine(self.url, timeout)
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

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading (one consistent snapshot)."""
        with (
            self.translate(),
            Session(self.engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose work commits as one transaction, or not at all."""
        with (
            self.translate(),
            Session(self._writer, expire_on_commit=False) as session,
            session.begin(),
        ):
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
        except (OperationalError, InterfaceError) as error:
            raise StoreUnavailable(self.describe(error)) from None
        except DataError as error:
            raise InvalidData(f"the database refused a value: {self.describe(error)}") from None
        except DBAPIError as error:
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
