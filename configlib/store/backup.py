"""Backup: every task, preset and measured result in one JSON document, and back.

Format (docs/store.md has the details)::

    {"format": "configlib-backup", "format_version": 1, "schema_revision": "0003",
     "exported_at": "...",
     "tasks":   [{"task": {...task document...}, "version", "created_at", "updated_at",
                  "created_by", "updated_by",
                  "history": [{"version", "saved_at", "saved_by", "task": {...}}]}],
     "presets": [{"preset": {...}, "version", ...same bookkeeping...}],
     "results": [{"task": "<task name>", "imported_at": "...", "result": {...}}]}

Importing checks everything first and then writes it in one transaction: a backup that does
not validate, or whose names collide with what is stored, changes nothing. The checks:
``schema_revision`` is one this configlib ships; every task, preset and result passes the
same gate as every other way into the store (``configlib.store.gate``), so it holds only
values both SQLite and PostgreSQL accept; versions fit their column. System presets come
only from configlib itself: a backup's copy of a shipped system preset is used when it is
identical (keeping its timestamps), otherwise the shipped one is kept; a system preset
configlib does not ship is refused.

``history`` is the task's version history (``task_versions``), oldest first. Backups written
before it was exported have none and still load: such a task's history starts at the version
imported. A version is kept as it was stored, not validated again (a version saved by an
older configlib may no longer validate, and restoring it passes the gate like any save); it
must be storable in both databases, within a task file's size limits, and numbered at most
the task's version.

Versions, timestamps and authors are kept, so export -> import -> export gives the same
document; only an item whose name this store used before (deleted, renamed away, or
replaced by ``replace``) gets a version above the ones that name had, so an editor still
open on the old item cannot save over the restored one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select

from configlib.bounds import check_task_limits
from configlib.findings import Finding
from configlib.presets import system_presets
from configlib.store.engine import Database
from configlib.store.errors import InvalidData, NameTaken
from configlib.store.gate import (
    INT32,
    check_preset,
    check_task,
    check_task_data,
    listed,
    named,
    result_findings,
    storable,
)
from configlib.store.migrate import REVISIONS, head_revision
from configlib.store.models import PresetRow, ResultRow, TaskRow, TaskVersionRow
from configlib.store.results import RESULT_FIELDS, result_columns, result_from_data
from configlib.store.rows import (
    prepare_task,
    preset_columns,
    preset_data,
    preset_from_data,
    task_data,
    task_from_data,
)
from configlib.store.tasks import freed_version, mark_freed, now

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
    versions: int = 0
    """Kept task versions (history) written."""
    replaced: bool = False
    """True when everything stored before was deleted first."""
    system_presets_overwritten: list[str] = field(default_factory=list)
    """System presets replaced by the backup's (identical) copies."""
    system_presets_kept: list[str] = field(default_factory=list)
    """System presets whose backup copy differs from configlib's: configlib's was kept."""


def _bookkeeping(row: TaskRow | PresetRow) -> dict[str, Any]:
    return {
        "version": row.version,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "created_by": row.created_by,
        "updated_by": row.updated_by,
    }


def _histories(session: Any) -> dict[int, list[dict[str, Any]]]:
    """Every task's kept versions, oldest first, by task id."""
    histories: dict[int, list[dict[str, Any]]] = {}
    rows = session.execute(
        select(TaskVersionRow).order_by(TaskVersionRow.task_id, TaskVersionRow.version)
    ).scalars()
    for row in rows:
        histories.setdefault(row.task_id, []).append(
            {
                "version": row.version,
                "saved_at": row.saved_at.isoformat(),
                "saved_by": row.saved_by,
                "task": row.data,
            }
        )
    return histories


def export_all(db: Database) -> dict[str, Any]:
    """Everything stored, read in one consistent snapshot."""
    with db.read() as session:
        tasks = session.execute(select(TaskRow).order_by(TaskRow.id)).scalars().all()
        presets = session.execute(select(PresetRow).order_by(PresetRow.id)).scalars().all()
        names = {row.id: row.name for row in tasks}
        results = session.execute(select(ResultRow).order_by(ResultRow.id)).scalars().all()
        histories = _histories(session)
    return {
        "format": BACKUP_FORMAT,
        "format_version": BACKUP_VERSION,
        "schema_revision": head_revision(),
        "exported_at": now().isoformat(),
        "tasks": [
            {"task": task_data(row), **_bookkeeping(row), "history": histories.get(row.id, [])}
            for row in tasks
        ],
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
            self.add(
                f"{path}.{key}", f"{str(value)[:80]!r} is not an ISO timestamp with a time zone"
            )
            return None
        try:
            parsed.astimezone(UTC)
        except (OverflowError, ValueError):
            self.add(f"{path}.{key}", f"{value!r} is out of range")
            return None
        return parsed

    def version(self, value: Any, path: str) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= INT32[1]:
            shown = repr(value)[:40]
            self.add(path, f"{shown} is not a version number (1 to {INT32[1]})")

    def author(self, value: Any, path: str) -> None:
        if value is not None and not (
            isinstance(value, str) and len(value) <= 255 and "\x00" not in value
        ):
            self.add(path, "expected a name of at most 255 characters (no NUL) or null")

    def bookkeeping(self, item: dict[str, Any], path: str) -> dict[str, Any]:
        self.version(item.get("version"), f"{path}.version")
        out: dict[str, Any] = {"version": item.get("version")}
        for key in ("created_at", "updated_at"):
            out[key] = self.timestamp(item, key, path)
        for key in ("created_by", "updated_by"):
            self.author(item.get(key), f"{path}.{key}")
            out[key] = item.get(key)
        return out

    def history(self, item: dict[str, Any], path: str) -> list[dict[str, Any]]:
        """A task's kept versions as ``task_versions`` columns (but the task id)."""
        entries = _items(item, "history", self, path)
        kept: list[dict[str, Any]] = []
        for i, entry in enumerate(entries):
            where = f"{path}.history[{i}]"
            version = entry.get("version")
            self.version(version, f"{where}.version")
            if isinstance(version, int) and isinstance(item.get("version"), int):
                if version > item["version"]:
                    self.add(f"{where}.version", f"is above the task's version {item['version']}")
                if any(row["version"] == version for row in kept):
                    self.add(f"{where}.version", f"a second entry is version {version}")
            self.author(entry.get("saved_by"), f"{where}.saved_by")
            data = entry.get("task")
            if not isinstance(data, dict):
                self.add(f"{where}.task", "expected a task object")
                continue
            self.problems.extend(storable(data, f"{where}.task"))
            # A kept version is not validated again, but it is a task: a task file's limits.
            self.problems.extend(
                Finding(f.severity, f"{where}.task.{f.path}".rstrip("."), f.code, f.message)
                for f in check_task_limits(data)
            )
            kept.append(
                {
                    "version": version,
                    "data": data,
                    "saved_at": self.timestamp(entry, "saved_at", where),
                    "saved_by": entry.get("saved_by"),
                }
            )
        return kept


def _items(
    data: dict[str, Any], key: str, check: _Checker, within: str = ""
) -> list[dict[str, Any]]:
    path = f"{within}.{key}" if within else key
    items = data.get(key, [])
    if not isinstance(items, list):
        check.add(path, "expected a list")
        return []
    good = []
    for i, item in enumerate(items):
        if isinstance(item, dict):
            good.append(item)
        else:
            check.add(f"{path}[{i}]", "expected an object")
    return good


def _named_items(
    data: dict[str, Any],
    section: str,
    body_key: str,
    name_key: str,
    parse: Callable[[dict[str, Any], str], Any],
    check: _Checker,
) -> tuple[list[tuple[Any, dict[str, Any], dict[str, Any], str]], set[str]]:
    """Tasks or presets of a backup: each parsed with its bookkeeping, the item itself and its
    path; names must be unique."""
    parsed: list[tuple[Any, dict[str, Any], dict[str, Any], str]] = []
    names: set[str] = set()
    for i, item in enumerate(_items(data, section, check)):
        path = f"{section}[{i}]"
        body = item.get(body_key)
        if not isinstance(body, dict):
            check.add(f"{path}.{body_key}", f"expected a {body_key} object")
            continue
        try:
            value = parse(body, f"{path} ({named(body_key, body.get(name_key))})")
        except InvalidData as error:
            check.add(path, str(error))
            continue
        name = getattr(value, name_key)
        if name in names:
            check.add(f"{path}.{body_key}.{name_key}", f"a second {body_key} is named {name!r}")
        names.add(name)
        parsed.append((value, check.bookkeeping(item, path), item, path))
    return parsed, names


def _gated_task(body: dict[str, Any], where: str) -> Any:
    check_task_data(body, where)  # a task file's size limits, before the task is read
    task = task_from_data(body, where)
    check_task(task, where)
    return task


def _gated_preset(body: dict[str, Any], where: str) -> Any:
    preset = preset_from_data(body, where)
    check_preset(preset, where)
    return preset


def _check_header(data: Any) -> None:
    if not isinstance(data, dict) or data.get("format") != BACKUP_FORMAT:
        raise InvalidData(f'not a configlib backup (expected "format": "{BACKUP_FORMAT}")')
    version = data.get("format_version")
    if type(version) is not int or version != BACKUP_VERSION:
        raise InvalidData(
            f"backup format version {repr(version)[:40]} is not "
            f"supported (this configlib reads version {BACKUP_VERSION})"
        )
    revision = data.get("schema_revision")
    if revision not in REVISIONS:
        shown = "missing" if revision is None else repr(revision)[:40]
        raise InvalidData(
            f"the backup's schema_revision is {shown}; this configlib reads backups of "
            f"revisions {', '.join(REVISIONS)} (a newer revision needs a newer configlib)"
        )


def _parse(data: Any) -> tuple[list[Any], list[Any], list[Any]]:
    _check_header(data)
    check = _Checker()
    named_tasks, task_names = _named_items(data, "tasks", "task", "task_name", _gated_task, check)
    tasks = [(task, meta, check.history(item, path)) for task, meta, item, path in named_tasks]
    named_presets, _ = _named_items(data, "presets", "preset", "name", _gated_preset, check)
    presets = [(preset, meta) for preset, meta, _, _ in named_presets]
    shipped = {p.name for p in system_presets()}
    for i, (preset, _meta) in enumerate(presets):
        if preset.is_system and preset.name not in shipped:
            check.add(
                f"presets[{i}].preset.is_system",
                f"{preset.name!r} is marked as a system preset, but configlib ships none of "
                "that name; only configlib ships system presets",
            )
    results = []
    for i, item in enumerate(_items(data, "results", check)):
        path = f"results[{i}]"
        owner = item.get("task")
        if not isinstance(owner, str) or owner not in task_names:
            check.add(f"{path}.task", f"{repr(owner)[:80]} is not a task in this backup")
        body = item.get("result")
        if not isinstance(body, dict):
            check.add(f"{path}.result", "expected a result object")
            continue
        try:
            record = result_from_data(body, path)
        except InvalidData as error:
            check.add(path, str(error))
            continue
        refused = result_findings(record, f"{path}.result")
        for finding in refused:
            check.problems.append(finding)
        if refused:
            continue
        results.append((owner, record, check.timestamp(item, "imported_at", path)))
    if check.problems:
        raise InvalidData(
            f"the backup has {len(check.problems)} problem(s): {listed(check.problems)}",
            check.problems[:_MAX_LISTED],
        )
    return tasks, presets, results


def import_all(db: Database, data: Any, *, replace: bool = False) -> BackupReport:
    """Load a backup. Without ``replace``, a task or user preset whose name is already stored
    stops the import (nothing is written). With ``replace``, everything stored is deleted
    first. System presets: see the module's description."""
    tasks, presets, results = _parse(data)
    task_rows = [
        {**prepare_task(task, regenerate=False, check=False).columns, **meta}
        for task, meta, _ in tasks
    ]
    shipped = {p.name: preset_columns(p) for p in system_presets()}
    report = BackupReport(replaced=replace)
    preset_rows = []
    for preset, meta in presets:
        columns = preset_columns(preset)
        if preset.is_system and columns != shipped[preset.name]:
            report.system_presets_kept.append(preset.name)
            continue
        preset_rows.append({**columns, **meta})
    with db.write() as session:
        if replace:
            _free_all(session)
            session.execute(delete(ResultRow))
            session.execute(delete(TaskVersionRow))
            session.execute(delete(TaskRow))
            session.execute(delete(PresetRow))
        else:
            _refuse_collisions(session, task_rows, preset_rows, report)
        _above_freed(session, "task", task_rows)
        _above_freed(session, "preset", preset_rows)
        for start in range(0, len(task_rows), _CHUNK):
            session.execute(insert(TaskRow), task_rows[start : start + _CHUNK])
        for start in range(0, len(preset_rows), _CHUNK):
            session.execute(insert(PresetRow), preset_rows[start : start + _CHUNK])
        if replace:
            _restore_shipped(session, shipped, {row["name"] for row in preset_rows})
        wanted = {owner for owner, _, _ in results}
        wanted.update(task.task_name for task, _, history in tasks if history)
        ids = _task_ids(session, sorted(wanted))
        version_rows = [
            {**kept, "task_id": ids[task.task_name]}
            for task, _, history in tasks
            for kept in history
        ]
        for start in range(0, len(version_rows), _CHUNK):
            session.execute(insert(TaskVersionRow), version_rows[start : start + _CHUNK])
        result_rows = [
            {**result_columns(record), "task_id": ids[owner], "imported_at": stamp}
            for owner, record, stamp in results
        ]
        for start in range(0, len(result_rows), _CHUNK):
            session.execute(insert(ResultRow), result_rows[start : start + _CHUNK])
    report.tasks, report.presets, report.results = len(task_rows), len(preset_rows), len(results)
    report.versions = len(version_rows)
    return report


def _task_ids(session: Any, names: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(names), _CHUNK):
        chunk = names[start : start + _CHUNK]
        found = session.execute(select(TaskRow.name, TaskRow.id).where(TaskRow.name.in_(chunk)))
        ids.update((name, task_id) for name, task_id in found)
    return ids


def _free_all(session: Any) -> None:
    """Remember the version of every task and preset about to be deleted by ``replace``."""
    for kind, row_type in (("task", TaskRow), ("preset", PresetRow)):
        for name, version in session.execute(select(row_type.name, row_type.version)).all():
            mark_freed(session, kind, name, version)


def _above_freed(session: Any, kind: str, rows: list[dict[str, Any]]) -> None:
    """An imported item whose name was used before starts above that name's versions."""
    for row in rows:
        freed = freed_version(session, kind, row["name"])
        if row["version"] <= freed:
            row["version"] = freed + 1


def _restore_shipped(session: Any, shipped: dict[str, dict[str, Any]], imported: set[str]) -> None:
    """After ``replace``, the system presets the backup did not bring back come from configlib."""
    stamp = now()
    for name, columns in shipped.items():
        if name in imported:
            continue
        taken = session.execute(select(PresetRow.id).where(PresetRow.name == name)).first()
        if taken is None:
            version = freed_version(session, "preset", name) + 1
            session.execute(
                insert(PresetRow),
                [
                    {
                        **columns,
                        "created_at": stamp,
                        "updated_at": stamp,
                        "created_by": "configlib",
                        "updated_by": "configlib",
                        "version": version,
                    }
                ],
            )


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
        # Identical copies of read-only presets: no editor can hold them, no mark needed.
        session.execute(delete(PresetRow).where(PresetRow.name.in_(system)))
        report.system_presets_overwritten = system
