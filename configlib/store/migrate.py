"""Bringing a database to the newest migration with Alembic (scripts ship in the package).

Upgrading takes the database's write lock first (SQLite ``BEGIN IMMEDIATE``, a PostgreSQL
advisory lock), so processes that open the same database at the same time run each migration
once; the others then find it at head and do nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import DBAPIError

from configlib.store.engine import Database
from configlib.store.errors import SchemaError
from configlib.store.models import Base

if TYPE_CHECKING:
    from alembic.config import Config

#: Where the migration scripts live, as an Alembic package resource.
SCRIPT_LOCATION = "configlib.store:migrations"
#: The newest migration shipped (a test checks it against Alembic's script directory). Opening a
#: database that is already there needs no Alembic at all, which keeps the app's start fast.
HEAD_REVISION = "0003"
#: Every revision shipped, oldest first (a test checks it against Alembic's scripts). Backups
#: name the revision they were written at; only these are read.
REVISIONS = ("0001", "0002", "0003")
#: Key of the PostgreSQL advisory lock held while migrating.
_LOCK_KEY = 0x636F6E66  # "conf"


@dataclass(frozen=True)
class UpgradeReport:
    """Revisions before and after an upgrade."""

    before: str | None
    """Revision before (None: the database had no configlib schema)."""
    after: str
    """Revision after."""

    @property
    def changed(self) -> bool:
        return self.before != self.after


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest migration this configlib ships."""
    return HEAD_REVISION


def _revision_of(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def current_revision(db: Database) -> str | None:
    """The database's revision (None for a database without configlib's schema)."""
    with db.translate(), db.engine.connect() as connection:
        try:
            row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
        except DBAPIError:
            return None  # no version table: no configlib schema yet
        return None if row is None else str(row[0])


def _check_foreign(connection: Connection, revision: str | None) -> None:
    if revision is not None:
        from alembic.script import ScriptDirectory

        known = {s.revision for s in ScriptDirectory.from_config(_config()).walk_revisions()}
        if revision not in known:
            raise SchemaError(
                f"the database is at schema revision {revision}, which this configlib does not "
                "know: it was written by a newer configlib; upgrade configlib to use it"
            )
        return
    ours = set(Base.metadata.tables)
    present = ours & set(inspect(connection).get_table_names())
    if present:
        raise SchemaError(
            f"the database already has table(s) {', '.join(sorted(present))} but no configlib "
            "schema version: it belongs to another program (is it inference-autotuner's "
            "database? use `configlib db import-autotuner` to copy its tasks and presets)"
        )


def upgrade(db: Database, revision: str = "head") -> UpgradeReport:
    """Bring the database to ``revision`` (default: the newest); a no-op when already there.

    A database already there is only read, so opening it never waits for another writer.
    """
    target = head_revision() if revision == "head" else revision
    current = current_revision(db)
    if current == target:
        return UpgradeReport(current, target)
    from alembic import command
    from alembic.util import CommandError

    with db.connect_for_write() as connection:
        if db.dialect == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        before = _revision_of(connection)
        _check_foreign(connection, before)
        if before != target:
            try:
                command.upgrade(_config(connection), revision)
            except CommandError as error:
                raise SchemaError(f"cannot migrate to {revision}: {error}") from None
    return UpgradeReport(before, target)


def downgrade(db: Database, revision: str) -> UpgradeReport:
    """Go back to an older revision ("base" removes every configlib table)."""
    from alembic import command
    from alembic.util import CommandError

    with db.connect_for_write() as connection:
        if db.dialect == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        before = _revision_of(connection)
        try:
            command.downgrade(_config(connection), revision)
        except CommandError as error:
            raise SchemaError(f"cannot migrate to {revision}: {error}") from None
        after = _revision_of(connection)
    return UpgradeReport(before, after or "base")
