"""Backup: every task, preset and measured result in one JSON document, and back.

Format (docs/store.md has the details)::

    {"format": "configlib-backup", "format_version": 1, "schema_revision": "0001",
     "exported_at": "...",
     "tasks":   [{"task": {...task document...}, "version", "created_at", "updated_at",
                  "created_by", "updated_by"}],
     "presets": [{"preset": {...}, "version", ...same bookkeeping...}],
     "results": [{"task": "<task name>", "imported_at": "...", "result": {...}}]}

Importing checks everything first and then writes it in one transaction: a backup that does
not validate, or whose names collide with what is stored, changes nothing. Versions,
timestamps and authors are kept, so export -> import -> export gives the same document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select

from configlib.findings import Finding
from configlib.numbers import INT64_MAX
from configlib.store.engine import Database
from configlib.store.errors import InvalidData, NameTaken
from configlib.store.migrate import head_revision
from configlib.store.models import PresetRow, ResultRow, TaskRow
from configlib.store.results import RESULT_FIELDS, result_columns, result_from_data
from configlib.store.rows import (
    prepare_task,
    preset_columns,
    preset_data,
    preset_from_data,
    task_data,
    task_from_data,
)
from configlib.store.tasks import now

BACKUP_FORMAT = "configlib-backup"
BACKUP_VERSION = 1
_BOOKKEEPING = ("version", "created_at", "updated_at", "created_by", "updated_by")
#: Rows inserted per statement.
_CHUNK = 2000
#: Problems listed before the rest are counted.
_MAX_LISTED = 50


@dataclass
class BackupReport:
    """What an import wrote."""

    tasks: int = 0
    """Tasks written."""
    presets: int = 0
    """Presets written (system presets included)."""
    results: int = 0
    """Measured results written."""
    replaced: bool = False
    """True when everything stored before was deleted first."""
    system_presets_overwritten: list[str] = field(default_factory=list)
    """System presets replaced by the backup's copies."""


def _bookkeeping(row: TaskRow | PresetRow) -> dict[str, Any]:
    return {
        "version": row.version,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "created_by": row.created_by,
        "updated_by": row.updated_by,
    }


def export_all(db: Database) -> dict[str, Any]:
    """Everything stored, read in one consistent snapshot."""
    with db.read() as session:
        tasks = session.execute(select(TaskRow).order_by(TaskRow.id)).scalars().all()
        presets = session.execute(select(PresetRow).order_by(PresetRow.id)).scalars().all()
        names = {row.id: row.name for row in tasks}
        results = session.execute(select(ResultRow).order_by(ResultRow.id)).scalars().all()
    return {
        "format": BACKUP_FORMAT,
        "format_version": BACKUP_VERSION,
        "schema_revision": head_revision(),
        "exported_at": now().isoformat(),
        "tasks": [{"task": task_data(row), **_bookkeeping(row)} for row in tasks],
        "presets": [{"preset": preset_data(row), **_bookkeeping(row)} for row in presets],
        "results": [
            {
                "task": names[row.task_id],
                "imported_at": row.imported_at.isoformat(),
                "result": {name: getattr(row, name) for name in RESULT_FIELDS},
            }
            for row in results
        ],
    }


class _Checker:
    """Collects problems with a backup, naming the item and field."""

    def __init__(self) -> None:
        self.problems: list[Finding] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(Finding("error", path, "invalid-backup", message))

    def timestamp(self, item: dict[str, Any], key: str, path: str) -> datetime | None:
        value = item.get(key)
        try:
            parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            self.add(f"{path}.{key}", f"{value!r} is not an ISO timestamp with a time zone")
            return parsed
        try:  # stored in UTC: a date at the edge of the calendar may not convert
            parsed.astimezone(UTC)
        except OverflowError:
            self.add(f"{path}.{key}", f"{value!r} is out of the range of dates")
            return None
        return parsed

    def bookkeeping(self, item: dict[str, Any], path: str) -> dict[str, Any]:
        version = item.get("version")
        if (
            not isinstance(version, int)
            or isinstance(version, bool)
            or not 1 <= version <= INT64_MAX
        ):
            self.add(f"{path}.version", f"{version!r} is not a version number (1 or more)")
        out: dict[str, Any] = {"version": version}
        for key in ("created_at", "updated_at"):
            out[key] = self.timestamp(item, key, path)
        for key in ("created_by", "updated_by"):
            value = item.get(key)
            if value is not None and not (isinstance(value, str) and len(value) <= 255):
                self.add(f"{path}.{key}", "expected a name of at most 255 characters or null")
            out[key] = value
        return out


def _items(data: dict[str, Any], key: str, check: _Checker) -> list[dict[str, Any]]:
    items = data.get(key, [])
    if not isinstance(items, list):
        check.add(key, "expected a list")
        return []
    good = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            good.append(item)
        else:
            check.add(f"{key}[{i}]", "expected an object")
    return good


def _named_items(
    data: dict[str, Any],
    section: str,
    body_key: str,
    name_key: str,
    parse: Callable[[dict[str, Any], str], Any],
    check: _Checker,
) -> tuple[list[tuple[Any, dict[str, Any]]], set[str]]:
    """Tasks or presets of a backup: each parsed with its bookkeeping; names must be unique."""
    parsed: list[tuple[Any, dict[str, Any]]] = []
    names: set[str] = set()
    for i, item in enumerate(_items(data, section, check)):
        path = f"{section}[{i}]"
        body = item.get(body_key)
        if not isinstance(body, dict):
            check.add(f"{path}.{body_key}", f"expected a {body_key} object")
            continue
        try:
            value = parse(body, f"{path} ({body.get(name_key)!r})")
        except InvalidData as error:
            check.add(path, str(error))
            continue
        name = getattr(value, name_key)
        if name in names:
            check.add(f"{path}.{body_key}.{name_key}", f"a second {body_key} is named {name!r}")
        names.add(name)
        parsed.append((value, check.bookkeeping(item, path)))
    return parsed, names


def _parse(data: Any) -> tuple[list[Any], list[Any], list[Any]]:
    if not isinstance(data, dict) or data.get("format") != BACKUP_FORMAT:
        raise InvalidData(f'not a configlib backup (expected "format": "{BACKUP_FORMAT}")')
    if data.get("format_version") != BACKUP_VERSION:
        raise InvalidData(
            f"backup format version {data.get('format_version')!r} is not "
            f"supported (this configlib reads version {BACKUP_VERSION})"
        )
    check = _Checker()
    tasks, task_names = _named_items(data, "tasks", "task", "task_name", task_from_data, check)
    presets, _ = _named_items(data, "presets", "preset", "name", preset_from_data, check)
    results = []
    for i, item in enumerate(_items(data, "results", check)):
        path = f"results[{i}]"
        owner = item.get("task")
        if owner not in task_names:
            check.add(f"{path}.task", f"{owner!r} is not a task in this backup")
        body = item.get("result")
        if not isinstance(body, dict):
            check.add(f"{path}.result", "expected a result object")
            continue
        try:
            record = result_from_data(body, path)
        except InvalidData as error:
            check.add(path, str(error))
            continue
        results.append((owner, record, check.timestamp(item, "imported_at", path)))
    if check.problems:
        shown = "; ".join(str(p) for p in check.problems[:3])
        more = len(check.problems) - 3
        raise InvalidData(
            f"the backup has {len(check.problems)} problem(s): {shown}"
            + (f" (and {more} more)" if more > 0 else ""),
            check.problems[:_MAX_LISTED],
        )
    return tasks, presets, results


def import_all(db: Database, data: Any, *, replace: bool = False) -> BackupReport:
    """Load a backup. Without ``replace``, a task or user preset whose name is already stored
    stops the import (nothing is written); system presets in the backup overwrite the stored
    ones. With ``replace``, everything stored is deleted first."""
    tasks, presets, results = _parse(data)
    task_rows = [{**prepare_task(task, regenerate=False).columns, **meta} for task, meta in tasks]
    preset_rows = [{**preset_columns(preset), **meta} for preset, meta in presets]
    report = BackupReport(replaced=replace)
    with db.write() as session:
        if replace:
            session.execute(delete(ResultRow))
            session.execute(delete(TaskRow))
            session.execute(delete(PresetRow))
        else:
            _refuse_collisions(session, task_rows, preset_rows, report)
        for start in range(0, len(task_rows), _CHUNK):
            session.execute(insert(TaskRow), task_rows[start : start + _CHUNK])
        for start in range(0, len(preset_rows), _CHUNK):
            session.execute(insert(PresetRow), preset_rows[start : start + _CHUNK])
        ids: dict[str, int] = {}
        wanted = sorted({owner for owner, _, _ in results})
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            found = session.execute(select(TaskRow.name, TaskRow.id).where(TaskRow.name.in_(chunk)))
            ids.update((name, task_id) for name, task_id in found)
        result_rows = [
            {**result_columns(record), "task_id": ids[owner], "imported_at": stamp}
            for owner, record, stamp in results
        ]
        for start in range(0, len(result_rows), _CHUNK):
            session.execute(insert(ResultRow), result_rows[start : start + _CHUNK])
    report.tasks, report.presets, report.results = len(task_rows), len(preset_rows), len(results)
    return report


def _refuse_collisions(
    session: Any,
    task_rows: list[dict[str, Any]],
    preset_rows: list[dict[str, Any]],
    report: BackupReport,
) -> None:
    names = [row["name"] for row in task_rows]
    taken: list[str] = []
    for start in range(0, len(names), _CHUNK):
        taken.extend(
            session.execute(
                select(TaskRow.name).where(TaskRow.name.in_(names[start : start + _CHUNK]))
            ).scalars()
        )
    stored_presets = {
        row.name: row.is_system
        for row in session.execute(
            select(PresetRow.name, PresetRow.is_system).where(
                PresetRow.name.in_([r["name"] for r in preset_rows])
            )
        )
    }
    clashing = [
        f"preset {r['name']!r}"
        for r in preset_rows
        if r["name"] in stored_presets and not (r["is_system"] and stored_presets[r["name"]])
    ]
    if taken or clashing:
        listed = [f"task {n!r}" for n in taken[:10]] + clashing[:10]
        total = len(taken) + len(clashing)
        raise NameTaken(
            f"{total} name(s) in the backup are already stored ({', '.join(listed)}"
            f"{', ...' if total > len(listed) else ''}); nothing was imported: "
            "import with replace to overwrite everything"
        )
    system = [r["name"] for r in preset_rows if r["name"] in stored_presets]
    if system:
        session.execute(delete(PresetRow).where(PresetRow.name.in_(system)))
        report.system_presets_overwritten = system
