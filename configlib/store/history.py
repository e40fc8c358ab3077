"""Task history: every saved version of a task, listed and read back.

``save_task`` and ``rename_task`` record each version they write (``record_version``, inside
their transaction). Tasks last saved before the history table existed (or restored from a
backup) have no row for their current version: it is read from the task itself, and recorded
when that version is overwritten (``keep_unrecorded``), so no version is ever lost.
Restoring is a save of an old version's content (``Store.restore_task_version``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from configlib.store.engine import Database
from configlib.store.errors import NotFound
from configlib.store.models import TaskRow, TaskVersionRow
from configlib.store.rows import row_named, task_data, task_from_data

if TYPE_CHECKING:
    from configlib.model import TaskConfig


@dataclass(frozen=True)
class TaskVersion:
    """One saved version of a task, as the history lists it."""

    version: int
    """The version number (what ``expected_version`` named after that save)."""
    saved_at: datetime
    """When it was saved (UTC)."""
    saved_by: str | None
    """Who saved it, if known."""
    task_name: str
    """The name the task had at that version (renames keep the history)."""
    current: bool
    """This is the task's version now."""


def record_version(
    session: Session,
    task_id: int,
    version: int,
    columns: dict[str, Any],
    saved_at: datetime,
    saved_by: str | None,
) -> None:
    """Keep a copy of the task just written (``columns`` as ``prepare_task`` computed them)."""
    session.add(
        TaskVersionRow(
            task_id=task_id,
            version=version,
            data=task_data(TaskRow(**columns)),
            saved_at=saved_at,
            saved_by=saved_by,
        )
    )


def keep_unrecorded(session: Session, name: str, version: int) -> None:
    """Record the stored ``version`` of ``name`` before it is overwritten, when the history
    lacks it (saved before the history table existed, or restored from a backup)."""
    recorded = (
        select(TaskVersionRow.id)
        .where(TaskVersionRow.task_id == TaskRow.id, TaskVersionRow.version == TaskRow.version)
        .exists()
    )
    row = session.execute(
        select(TaskRow).where(TaskRow.name == name, TaskRow.version == version, ~recorded)
    ).scalar_one_or_none()
    if row is not None:
        session.add(
            TaskVersionRow(
                task_id=row.id,
                version=row.version,
                data=task_data(row),
                saved_at=row.updated_at,
                saved_by=row.updated_by,
            )
        )


def list_versions(db: Database, name: str) -> list[TaskVersion]:
    """The task's versions, newest first."""
    with db.read() as session:
        row = row_named(session, TaskRow, "task", name)
        kept = session.execute(
            select(
                TaskVersionRow.version,
                TaskVersionRow.saved_at,
                TaskVersionRow.saved_by,
                TaskVersionRow.data,
            )
            .where(TaskVersionRow.task_id == row.id)
            .order_by(TaskVersionRow.version.desc())
        ).all()
        versions = [
            TaskVersion(
                found.version,
                found.saved_at,
                found.saved_by,
                str(found.data.get("task_name", name)),
                found.version == row.version,
            )
            for found in kept
        ]
        if not versions or versions[0].version != row.version:
            versions.insert(0, TaskVersion(row.version, row.updated_at, row.updated_by, name, True))
    return versions


def get_version(db: Database, name: str, version: int) -> TaskConfig:
    """The task as it was saved at ``version`` (under the name it had then)."""
    with db.read() as session:
        row = row_named(session, TaskRow, "task", name)
        data: dict[str, Any] | None
        if version == row.version:
            data = task_data(row)
        else:
            data = session.execute(
                select(TaskVersionRow.data).where(
                    TaskVersionRow.task_id == row.id, TaskVersionRow.version == version
                )
            ).scalar_one_or_none()
            if data is None:
                raise NotFound(f"task {name!r} has no version {version} in its history")
    return task_from_data(data, f"version {version} of task {name!r}")
