"""Measured results of tasks: add (replacing earlier imports of the same file), list, delete."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, select

from configlib.store.engine import Database, rowcount
from configlib.store.errors import InvalidData, NotFound
from configlib.store.models import ResultRow, TaskRow
from configlib.store.tasks import now

if TYPE_CHECKING:  # the results model loads when results are read or written
    from configlib.results import MeasuredResult

#: Result columns that hold MeasuredResult's fields.
RESULT_FIELDS = (
    "experiment_id",
    "status",
    "scenario",
    "concurrency",
    "parameters",
    "metrics",
    "source_file",
    "source_format",
    "error_message",
    "context",
)


@dataclass(frozen=True)
class StoredResult:
    """A measured result as stored."""

    id: int
    """Row id (stable; results are listed in import order)."""
    result: MeasuredResult
    """The measured configuration."""
    imported_at: datetime
    """When it was stored (UTC)."""


def result_columns(record: MeasuredResult) -> dict[str, Any]:
    data = record.model_dump(mode="json")
    return {name: data[name] for name in RESULT_FIELDS}


def result_from_data(data: dict[str, Any], where: str) -> MeasuredResult:
    from pydantic import ValidationError

    from configlib.findings import from_validation_error
    from configlib.results import MeasuredResult

    try:
        return MeasuredResult.model_validate(data)
    except ValidationError as error:
        findings = from_validation_error(error)
        listed = "; ".join(str(f) for f in findings[:3])
        raise InvalidData(f"{where} does not validate: {listed}", findings) from None


def _task_id(db_session: Any, task_name: str) -> int:
    task_id: int | None = db_session.execute(
        select(TaskRow.id).where(TaskRow.name == task_name)
    ).scalar_one_or_none()
    if task_id is None:
        raise NotFound(f"no task named {task_name!r}")
    return task_id


def add_results(
    db: Database, task_name: str, records: Iterable[MeasuredResult], *, replace_source: bool = True
) -> int:
    """Store results for a task; returns how many. With ``replace_source``, results imported
    earlier from the same source files are replaced, so importing a file twice keeps one copy.
    Nothing to store (a file whose items were all empty) is ``InvalidData``, not "stored 0"."""
    from configlib.results import MeasuredResult
    from configlib.store.gate import check_results

    checked = [
        r if isinstance(r, MeasuredResult) else result_from_data(r, "result") for r in records
    ]
    if not checked:
        raise InvalidData(
            f"no measured result to store for {task_name!r}: every item was empty or skipped"
        )
    check_results(checked, f"results for {task_name!r}")
    rows = [result_columns(r) for r in checked]
    stamp = now()
    with db.write() as session:
        task_id = _task_id(session, task_name)
        if replace_source and rows:
            sources = sorted({row["source_file"] for row in rows})
            session.execute(
                delete(ResultRow).where(
                    ResultRow.task_id == task_id, ResultRow.source_file.in_(sources)
                )
            )
        if rows:
            session.execute(
                insert(ResultRow),
                [{**row, "task_id": task_id, "imported_at": stamp} for row in rows],
            )
    return len(rows)


def list_results(db: Database, task_name: str) -> list[StoredResult]:
    with db.read() as session:
        task_id = _task_id(session, task_name)
        rows = (
            session.execute(
                select(ResultRow).where(ResultRow.task_id == task_id).order_by(ResultRow.id)
            )
            .scalars()
            .all()
        )
    return [
        StoredResult(
            row.id,
            result_from_data(
                {k: getattr(row, k) for k in RESULT_FIELDS}, f"stored result {row.id}"
            ),
            row.imported_at,
        )
        for row in rows
    ]


def delete_results(db: Database, task_name: str, source_file: str | None = None) -> int:
    """Delete a task's results (only those from ``source_file`` when given); returns how many."""
    with db.write() as session:
        task_id = _task_id(session, task_name)
        query = delete(ResultRow).where(ResultRow.task_id == task_id)
        if source_file is not None:
            query = query.where(ResultRow.source_file == source_file)
        return rowcount(session.execute(query))
