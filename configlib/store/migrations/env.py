"""Alembic environment for configlib's schema.

configlib runs migrations itself (``Store.open``, ``configlib db upgrade``) and hands Alembic
a connection that already holds the write lock, so two processes upgrading at once run the
migrations once. Run by hand (``alembic -c configlib/store/alembic.ini ...``), it connects to
the database ``Store.open`` would use (``DATABASE_URL`` or the default SQLite file).
"""

from __future__ import annotations

from alembic import context

from configlib.store.models import Base

config = context.config
connection = config.attributes.get("connection")


def _run(bind: object) -> None:
    context.configure(
        connection=bind,  # type: ignore[arg-type]
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("configlib migrations run online only (configlib db upgrade)")
if connection is not None:
    _run(connection)
else:
    from configlib.store.engine import Database

    database = Database(config.get_main_option("sqlalchemy.url") or None)
    with database.connect_for_write() as own_connection:
        _run(own_connection)
