"""Tasks: list (paged, searched, sorted), get, save with optimistic locking, rename, delete."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import ColumnElement, case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from configlib.findings import Finding
from configlib.store.engine import Database, rowcount
from configlib.store.errors import ConflictError, InvalidData, NameTaken, NotFound
from configlib.store.history import keep_unrecorded, record_version
from configlib.store.models import SORT_COLUMNS, ResultRow, TaskRow, VersionMark
from configlib.store.rows import prepare_task, row_named, task_data, task_from_data
from configlib.vocab import Runtime

if TYPE_CHECKING:  # the model loads when a task is read or written (configlib.store.rows)
    from configlib.model import TaskConfig

T = TypeVar("T")
#: Largest page size list_tasks accepts.
MAX_PAGE_SIZE = 1000
#: Sort names accepted besides the column names.
SORT_ALIASES = {"model": "model_name", "runtime": "base_runtime"}
#: Up to this many matching tasks are found in one pass and sorted by id lookups; beyond it,
#: the page is read in order from the sort column's covering index.
_FEW_MATCHES = 1000


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing."""

    items: list[T]
    """This page's items, in the order asked for."""
    total: int
    """Matching items on all pages."""
    page: int
    """0-based page number."""
    page_size: int
    """Items per page (the last page may hold fewer)."""

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class TaskSummary:
    """What the task list shows, read from summary columns (no JSON is parsed)."""

    name: str
    """The task's name."""
    model: str
    """model.id_or_path (cut to 256 characters)."""
    runtime: str
    """sglang or vllm."""
    engine_release: str
    """Engine release the parameters were generated for."""
    gpus_needed: int | None
    """Most GPUs one server of the grid needs; None when it cannot be computed."""
    grid_size: int
    """Points in the parameter grid."""
    source: str
    """Where the task came from ('' when unknown)."""
    config_format: str
    """structured or flat."""
    created_at: datetime
    """When it was created (UTC)."""
    updated_at: datetime
    """When it was last saved (UTC)."""
    updated_by: str | None
    """Who saved it last, if known."""
    version: int
    """Its current version."""


@dataclass(frozen=True)
class StoredTask:
    """A task as stored, with what optimistic locking needs."""

    task: TaskConfig
    """The task, with ``parameters`` as stored (the full flags for its engine release)."""
    version: int
    """Pass this back as ``expected_version`` when saving an edited copy."""
    created_at: datetime
    """When it was created (UTC)."""
    updated_at: datetime
    """When it was last saved (UTC)."""
    created_by: str | None
    """Who created it, if known."""
    updated_by: str | None
    """Who saved it last, if known."""
    findings: list[Finding] = field(default_factory=list)
    """Conversion notes from regenerating ``parameters`` (on save only)."""

    @property
    def name(self) -> str:
        return self.task.task_name


def now() -> datetime:
    return datetime.now(UTC)


def first_version(stamp: datetime, user: str | None, version: int = 1) -> dict[str, Any]:
    """The bookkeeping columns of a row being created: made and changed now."""
    return {
        "created_at": stamp,
        "updated_at": stamp,
        "created_by": user,
        "updated_by": user,
        "version": version,
    }


def freed_version(session: Session, kind: str, name: str) -> int:
    """The highest version ``name`` held before it was deleted or renamed away (0: never)."""
    found = session.execute(
        select(VersionMark.version).where(VersionMark.kind == kind, VersionMark.name == name)
    ).scalar_one_or_none()
    return int(found or 0)


def mark_freed(
    session: Session, kind: str, name: str, version: int, renamed_to: str | None = None
) -> None:
    """Remember that ``name`` held ``version`` (it is being deleted, or renamed to
    ``renamed_to``), so the next item of that name starts above it. Runs inside the caller's
    write transaction."""
    # Imported here: the PostgreSQL dialect costs ~40 ms at import, which a SQLite app's start
    # would pay for nothing (a PostgreSQL engine has loaded it already).
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(VersionMark).values(
        kind=kind, name=name, version=version, renamed_to=renamed_to
    )
    statement = statement.on_conflict_do_update(
        index_elements=[VersionMark.kind, VersionMark.name],
        set_={
            "version": case(
                (statement.excluded.version > VersionMark.version, statement.excluded.version),
                else_=VersionMark.version,
            ),
            "renamed_to": statement.excluded.renamed_to,
        },
    )
    session.execute(statement)


#: TaskSummary's fields as columns (model and runtime have their sort names).
_SUMMARY_FIELDS = {f.name: SORT_ALIASES.get(f.name, f.name) for f in fields(TaskSummary)}
_SUMMARY_COLUMNS = tuple(getattr(TaskRow, column) for column in _SUMMARY_FIELDS.values())


def _summary(row: Any) -> TaskSummary:
    return TaskSummary(**{name: getattr(row, column) for name, column in _SUMMARY_FIELDS.items()})


def _like_pattern(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_tasks(
    db: Database,
    *,
    search: str = "",
    runtime: Runtime | str | None = None,
    sort: str = "updated_at",
    descending: bool = True,
    page: int = 0,
    page_size: int = 50,
) -> Page[TaskSummary]:
    """One page of task summaries whose name or model contains ``search`` (any case)."""
    column_name = SORT_ALIASES.get(sort, sort)
    if column_name not in SORT_COLUMNS:
        raise ValueError(f"cannot sort by {sort!r}; use one of {', '.join(SORT_COLUMNS)}")
    if page < 0 or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page must be >= 0 and page_size 1..{MAX_PAGE_SIZE}")
    runtime_value = Runtime(runtime).value if runtime else None
    search_filter = []
    if search.strip():
        search_filter.append(TaskRow.search_text.like(_like_pattern(search.strip()), escape="\\"))
    exact_runtime = [TaskRow.base_runtime == runtime_value] if runtime_value else []
    sort_column = getattr(TaskRow, column_name)
    # search_text starts with the lower-cased name, so it orders names ignoring case; with
    # base_runtime and id the order is total and exactly that of the covering index.
    ties = [TaskRow.search_text, TaskRow.base_runtime, TaskRow.id]
    order = ties if column_name == "name" else [sort_column, *ties]
    order = list({column.key: column for column in order}.values())
    if descending:
        order = [column.desc() for column in order]
    offset = page * page_size
    with db.read() as session:
        # One pass that stops after _FEW_MATCHES + 1 matches: when the filters match few tasks
        # it finds them all (and the page is sorted from those rows alone); when they match
        # many it stops early, and the count and the page each walk one covering index.
        probe = select(TaskRow.id).where(*exact_runtime, *search_filter).limit(_FEW_MATCHES + 1)
        if db.dialect == "postgresql":
            # An order the name index gives keeps PostgreSQL on an index-only scan; unordered,
            # it expects to stop early and reads the whole table instead.
            probe = probe.order_by(*ties)
        found = list(session.execute(probe).scalars())
        if len(found) <= _FEW_MATCHES:
            total = len(found)
            candidates: list[ColumnElement[bool]] = [TaskRow.id.in_(found)]
        else:
            count = select(func.count()).select_from(TaskRow).where(*exact_runtime, *search_filter)
            total = session.execute(count).scalar_one()
            candidates = [*exact_runtime, *search_filter]
            if runtime_value and db.dialect == "sqlite":
                # An expression hides base_runtime from SQLite's planner, which then walks the
                # sort order's covering index instead of sorting every task of that runtime.
                candidates = [TaskRow.base_runtime.concat("") == runtime_value, *search_filter]
        if offset >= total:
            return Page([], total, page, page_size)
        ids_query = (
            select(TaskRow.id).where(*candidates).order_by(*order).limit(page_size).offset(offset)
        )
        ids = list(session.execute(ids_query).scalars())
        rows = session.execute(select(TaskRow.id, *_SUMMARY_COLUMNS).where(TaskRow.id.in_(ids)))
        by_id = {row.id: row for row in rows}
    return Page([_summary(by_id[i]) for i in ids if i in by_id], total, page, page_size)


def count_tasks(db: Database) -> int:
    with db.read() as session:
        return session.execute(select(func.count()).select_from(TaskRow)).scalar_one()


def task_names(db: Database) -> list[str]:
    """Every task name, sorted."""
    with db.read() as session:
        return list(session.execute(select(TaskRow.name).order_by(TaskRow.name)).scalars())


def task_version(db: Database, name: str) -> int | None:
    """The stored version of the task ``name``; None when there is no such task."""
    with db.read() as session:
        found: int | None = session.execute(
            select(TaskRow.version).where(TaskRow.name == name)
        ).scalar_one_or_none()
        return found


def _stored(row: TaskRow, findings: list[Finding] | None = None) -> StoredTask:
    task = task_from_data(task_data(row), f"stored task {row.name!r}")
    return StoredTask(
        task,
        row.version,
        row.created_at,
        row.updated_at,
        row.created_by,
        row.updated_by,
        findings or [],
    )


def get_task(db: Database, name: str) -> StoredTask:
    with db.read() as session:
        row = row_named(session, TaskRow, "task", name)
    return _stored(row)


def conflict_or_missing(
    session: Session, row_type: Any, kind: str, name: str, expected: int
) -> Exception:
    """Why an update or delete matched no row: a newer version, or the item is gone."""
    current = session.execute(
        select(row_type.version, row_type.updated_by, row_type.updated_at).where(
            row_type.name == name
        )
    ).one_or_none()
    if current is None:
        mark = session.execute(
            select(VersionMark.renamed_to).where(VersionMark.kind == kind, VersionMark.name == name)
        ).scalar_one_or_none()
        if mark is not None:
            return NotFound(
                f"{kind} {name!r} was renamed to {mark!r} since you loaded it; "
                "open it under its new name and apply your edits again"
            )
        return NotFound(f"{kind} {name!r} no longer exists (deleted by someone else?)")
    return ConflictError(
        kind, name, expected, current.version, current.updated_by, current.updated_at
    )


def save_task(
    db: Database, task: TaskConfig, *, expected_version: int | None, user: str | None = None
) -> StoredTask:
    """Create (``expected_version=None``) or update a task; ``parameters`` are regenerated."""
    prepared = prepare_task(task)
    stamp = now()
    name = prepared.task.task_name
    try:
        with db.write() as session:
            if expected_version is None:
                taken = session.execute(select(TaskRow.id).where(TaskRow.name == name)).first()
                if taken is not None:
                    raise NameTaken(f"a task named {name!r} already exists")
                version = freed_version(session, "task", name) + 1
                row = TaskRow(
                    **prepared.columns,
                    **first_version(stamp, user, version),
                )
                session.add(row)
                session.flush()
                created_at, created_by, task_id = stamp, user, row.id
            else:
                keep_unrecorded(session, name, expected_version)
                result = session.execute(
                    update(TaskRow)
                    .where(TaskRow.name == name, TaskRow.version == expected_version)
                    .values(
                        **prepared.columns,
                        updated_at=stamp,
                        updated_by=user,
                        version=expected_version + 1,
                    )
                    .returning(TaskRow.created_at, TaskRow.created_by, TaskRow.id)
                )
                found = result.one_or_none()
                if found is None:
                    raise conflict_or_missing(session, TaskRow, "task", name, expected_version)
                created_at, created_by, task_id = found
                version = expected_version + 1
            record_version(session, task_id, version, prepared.columns, stamp, user)
    except IntegrityError:
        raise NameTaken(f"a task named {name!r} already exists") from None
    return StoredTask(
        prepared.task, version, created_at, stamp, created_by, user, prepared.findings
    )


def rename_task(
    db: Database, name: str, new_name: str, *, expected_version: int, user: str | None = None
) -> StoredTask:
    """Give a task another name (its results follow it).

    The renamed task's version goes above any the new name held before, and the old name
    remembers the version it had, so editors of either name's earlier items get a conflict.
    """
    current = get_task(db, name)
    if new_name == name and current.version == expected_version:
        return current
    if current.version != expected_version:
        with db.read() as session:
            raise conflict_or_missing(session, TaskRow, "task", name, expected_version)
    from configlib.model import TaskConfig

    try:
        renamed = current.task.model_copy(update={"task_name": new_name})
        renamed = TaskConfig.model_validate(renamed.model_dump(mode="json", exclude_none=True))
    except ValueError as error:
        raise InvalidData(f"cannot rename {name!r} to {new_name!r}: {error}") from None
    prepared = prepare_task(renamed, regenerate=False, check=False)
    stamp = now()
    try:
        with db.write() as session:
            if session.execute(select(TaskRow.id).where(TaskRow.name == new_name)).first():
                raise NameTaken(f"a task named {new_name!r} already exists")
            version = max(expected_version, freed_version(session, "task", new_name)) + 1
            keep_unrecorded(session, name, expected_version)
            result = session.execute(
                update(TaskRow)
                .where(TaskRow.name == name, TaskRow.version == expected_version)
                .values(**prepared.columns, updated_at=stamp, updated_by=user, version=version)
                .returning(TaskRow.id)
            )
            task_id = result.scalar_one_or_none()
            if task_id is None:
                raise conflict_or_missing(session, TaskRow, "task", name, expected_version)
            record_version(session, task_id, version, prepared.columns, stamp, user)
            mark_freed(session, "task", name, expected_version, renamed_to=new_name)
    except IntegrityError:
        raise NameTaken(f"a task named {new_name!r} already exists") from None
    return StoredTask(prepared.task, version, current.created_at, stamp, current.created_by, user)


def delete_task(db: Database, name: str, *, expected_version: int) -> int:
    """Delete a task and its measured results; returns how many results went with it."""
    with db.write() as session:
        task_id = session.execute(
            select(TaskRow.id)
            .where(TaskRow.name == name, TaskRow.version == expected_version)
            .with_for_update()
        ).scalar_one_or_none()
        if task_id is None:
            raise conflict_or_missing(session, TaskRow, "task", name, expected_version)
        removed = session.execute(delete(ResultRow).where(ResultRow.task_id == task_id))
        gone = session.execute(
            delete(TaskRow).where(TaskRow.id == task_id, TaskRow.version == expected_version)
        )
        if rowcount(gone) != 1:
            raise conflict_or_missing(session, TaskRow, "task", name, expected_version)
        mark_freed(session, "task", name, expected_version)
        return rowcount(removed)
