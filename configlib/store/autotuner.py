"""Copying an inference-autotuner SQLite database (``autotuner.db``) into configlib's store.

Read, never written: its ``tasks`` become tasks (flat parameters lifted into structured fields
where they map exactly, with a report of what moved and what stayed a flag), its
``parameter_presets`` become user presets (its four seeds are skipped: configlib ships them
with real flags), and the metrics of its finished ``experiments`` become measured results.
Everything is written in one transaction: a failure leaves the store as it was.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select

from configlib.bounds import check_document
from configlib.convert import lift
from configlib.findings import Finding
from configlib.io import InputError
from configlib.presets import Preset, system_presets
from configlib.presets.files import StructureReport, structure_preset
from configlib.results import MeasuredResult, records_from_experiment
from configlib.store.engine import Database
from configlib.store.errors import InvalidData
from configlib.store.gate import check_preset, result_findings
from configlib.store.models import PresetRow, ResultRow, TaskRow
from configlib.store.results import result_columns
from configlib.store.rows import prepare_task, preset_columns
from configlib.store.tasks import first_version, freed_version, now
from configlib.taskfile import TaskFormatError, parse_task

OnConflict = Literal["skip", "rename"]
_TASK_KEYS = {  # autotuner column -> task key
    "task_name": "task_name",
    "description": "description",
    "model_config": "model",
    "base_runtime": "base_runtime",
    "runtime_image_tag": "runtime_image_tag",
    "parameters": "parameters",
    "optimization_config": "optimization",
    "benchmark_config": "benchmark",
    "slo_config": "slo",
    "quant_config": "quant_config",
    "parallel_config": "parallel_config",
    "clusterbasemodel_config": "clusterbasemodel_config",
    "clusterservingruntime_config": "clusterservingruntime_config",
    "deployment_mode": "deployment_mode",
}
_JSON_COLUMNS = {
    "model_config",
    "parameters",
    "optimization_config",
    "benchmark_config",
    "slo_config",
    "quant_config",
    "parallel_config",
    "clusterbasemodel_config",
    "clusterservingruntime_config",
    "metrics",
    "gpu_info",
    "metadata",
}


@dataclass
class TaskImport:
    """What happened to one autotuner task."""

    source_id: int
    """The task's id in the autotuner's database."""
    name: str
    """The name it was stored under ('' when skipped)."""
    moved: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Flag -> the structured fields it became."""
    kept: list[str] = field(default_factory=list)
    """Flags with no structured field (or values that do not map back exactly)."""
    results: int = 0
    skipped: str = ""
    """Why it was not imported ('' when it was)."""


@dataclass
class AutotunerReport:
    """What an import did, task by task and preset by preset."""

    tasks: list[TaskImport] = field(default_factory=list)
    """One entry per autotuner task, imported or skipped."""
    presets: dict[str, StructureReport] = field(default_factory=dict)
    """Stored preset name -> what structuring moved."""
    presets_skipped: dict[str, str] = field(default_factory=dict)
    """Autotuner preset name -> why it was not imported."""
    findings: list[Finding] = field(default_factory=list)
    """Notes and problems, each naming the autotuner row (e.g. tasks[id=3].parameters)."""

    @property
    def imported_tasks(self) -> list[str]:
        return [t.name for t in self.tasks if not t.skipped]


def _open(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise InputError(str(path), "no such file")
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        connection.row_factory = sqlite3.Row
        connection.execute("SELECT name FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.DatabaseError as error:
        raise InputError(str(path), f"not an SQLite database ({error})") from None
    return connection


def _rows(connection: sqlite3.Connection, table: str, order: str) -> list[dict[str, Any]]:
    rows = connection.execute(f'SELECT * FROM "{table}" ORDER BY {order}').fetchall()
    return [dict(row) for row in rows]


def _decode(row: dict[str, Any], where: str, findings: list[Finding]) -> dict[str, Any] | None:
    out = dict(row)
    for key in _JSON_COLUMNS & row.keys():
        value = row[key]
        if isinstance(value, str | bytes):
            try:
                out[key] = json.loads(value)
            except (ValueError, RecursionError) as error:
                reason = "nested too deeply" if isinstance(error, RecursionError) else "not JSON"
                findings.append(
                    Finding(
                        "error",
                        f"{where}.{key}",
                        "invalid-json",
                        f"the {key} column is {reason}; skipped",
                    )
                )
                return None
            too_big = check_document(out[key], numbers=False, max_findings=1)
            if too_big:
                found = too_big[0]
                findings.append(
                    Finding(
                        "error",
                        f"{where}.{key}" + (f".{found.path}" if found.path else ""),
                        found.code,
                        f"the {key} column: {found.message}; skipped",
                    )
                )
                return None
    return out


def _unique_name(name: str, taken: set[str]) -> str:
    number = 2
    while f"{name} ({number})" in taken:
        number += 1
    return f"{name} ({number})"


def import_autotuner(
    db: Database, path: str | Path, *, on_conflict: OnConflict = "skip", user: str | None = None
) -> AutotunerReport:
    """Copy tasks, presets and experiment results from an autotuner database."""
    path = Path(path)
    connection = _open(path)
    try:
        tables = {
            r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if not tables & {"tasks", "parameter_presets"}:
            raise InputError(
                str(path),
                "not an inference-autotuner database (it has no tasks or parameter_presets table)",
            )
        tasks = _rows(connection, "tasks", "id") if "tasks" in tables else []
        experiments = (
            _rows(connection, "experiments", "task_id, experiment_id, id")
            if "experiments" in tables
            else []
        )
        presets = (
            _rows(connection, "parameter_presets", "id") if "parameter_presets" in tables else []
        )
    except sqlite3.DatabaseError as error:
        raise InputError(str(path), f"cannot read the database ({error})") from None
    finally:
        connection.close()
    report = AutotunerReport()
    with db.read() as session:
        task_names = set(session.execute(select(TaskRow.name)).scalars())
        preset_names = set(session.execute(select(PresetRow.name)).scalars())
    by_task: dict[Any, list[dict[str, Any]]] = {}
    for experiment in experiments:
        by_task.setdefault(experiment.get("task_id"), []).append(experiment)
    task_rows, result_rows = _tasks(path, tasks, by_task, task_names, on_conflict, report)
    preset_rows = _presets(presets, preset_names, on_conflict, report)
    stamp = now()
    with db.write() as session:
        for row, records in zip(task_rows, result_rows, strict=True):
            stored = TaskRow(
                **row,
                **first_version(stamp, user, freed_version(session, "task", row["name"]) + 1),
            )
            session.add(stored)
            session.flush()
            for record in records:
                session.add(
                    ResultRow(**result_columns(record), task_id=stored.id, imported_at=stamp)
                )
        for columns in preset_rows:
            session.add(
                PresetRow(
                    **columns,
                    **first_version(
                        stamp, user, freed_version(session, "preset", columns["name"]) + 1
                    ),
                )
            )
    return report


def _tasks(
    path: Path,
    rows: list[dict[str, Any]],
    experiments: dict[Any, list[dict[str, Any]]],
    taken: set[str],
    on_conflict: OnConflict,
    report: AutotunerReport,
) -> tuple[list[dict[str, Any]], list[list[MeasuredResult]]]:
    task_rows: list[dict[str, Any]] = []
    result_rows: list[list[MeasuredResult]] = []
    for raw in rows:
        source_id = raw.get("id")
        where = f"tasks[id={source_id}]"
        entry = TaskImport(int(source_id) if isinstance(source_id, int) else -1, "")
        report.tasks.append(entry)
        row = _decode(raw, where, report.findings)
        if row is None:
            entry.skipped = "a JSON column does not parse"
            continue
        data = {
            ours: row[theirs] for theirs, ours in _TASK_KEYS.items() if row.get(theirs) is not None
        }
        data["metadata"] = {
            "source": {
                "kind": "inference-autotuner",
                "database": str(path),
                "task_id": source_id,
                "status": str(row.get("status") or "").lower() or None,
                "created_at": row.get("created_at"),
            }
        }
        try:
            task, notes = parse_task(data)
        except TaskFormatError as error:
            entry.skipped = "does not validate: " + "; ".join(str(f) for f in error.findings[:3])
            report.findings.extend(_at(where, f) for f in error.findings)
            continue
        report.findings.extend(_at(where, f) for f in notes)
        name = task.task_name
        if name in taken:
            if on_conflict == "skip":
                entry.skipped = f"a task named {name!r} is already stored"
                continue
            name = _unique_name(name, taken)
            task = task.model_copy(update={"task_name": name})
        lifted = lift(task)
        report.findings.extend(_at(where, f) for f in lifted.findings)
        entry.moved, entry.kept = dict(lifted.lifted), list(lifted.task.parameters)
        try:
            prepared = prepare_task(lifted.task)
        except InvalidData as error:
            entry.skipped = str(error)
            continue
        taken.add(name)
        entry.name = name
        records: list[MeasuredResult] = []
        for i, experiment in enumerate(experiments.get(source_id, [])):
            decoded = _decode(experiment, f"{where}.experiments[{i}]", report.findings)
            if decoded is not None:
                records.extend(
                    records_from_experiment(
                        decoded,
                        f"{where}.experiments[{i}]",
                        f"{path}#experiments",
                        "autotuner-db",
                        report.findings,
                    )
                )
        kept_records = []
        for i, record in enumerate(records):
            refused = result_findings(record, f"{where}.results[{i}]")
            if refused:
                report.findings.extend(refused)
            else:
                kept_records.append(record)
        records = kept_records
        entry.results = len(records)
        task_rows.append(prepared.columns)
        result_rows.append(records)
    return task_rows, result_rows


def _at(where: str, finding: Finding) -> Finding:
    path = f"{where}.{finding.path}" if finding.path else where
    return Finding(finding.severity, path, finding.code, finding.message)


def _presets(
    rows: list[dict[str, Any]], taken: set[str], on_conflict: OnConflict, report: AutotunerReport
) -> list[dict[str, Any]]:
    shipped = {p.name for p in system_presets()}
    out = []
    for raw in rows:
        where = f"parameter_presets[id={raw.get('id')}]"
        row = _decode(raw, where, report.findings)
        name = str(raw.get("name"))
        if row is None:
            report.presets_skipped[name] = "a JSON column does not parse"
            continue
        if row.get("is_system") and name in shipped:
            report.presets_skipped[name] = (
                f"an autotuner seed: configlib ships its own {name!r} with flags SGLang has"
            )
            continue
        data = {
            "name": name,
            "description": row.get("description") or "",
            "category": row.get("category"),
            "runtime": row.get("runtime"),
            "parameters": row.get("parameters") or {},
            "metadata": row.get("metadata") if isinstance(row.get("metadata"), dict) else {},
        }
        try:
            preset = Preset.model_validate(data)
        except (ValueError, TypeError) as error:
            report.presets_skipped[name] = f"does not validate: {error}"
            continue
        if preset.name in taken:
            if on_conflict == "skip":
                report.presets_skipped[name] = f"a preset named {name!r} is already stored"
                continue
            preset = preset.model_copy(update={"name": _unique_name(preset.name, taken)})
        structured, structure = structure_preset(preset)
        try:
            check_preset(structured, where)
        except InvalidData as error:
            report.presets_skipped[name] = str(error)
            continue
        report.findings.extend(_at(where, f) for f in structure.findings)
        report.presets[structured.name] = structure
        taken.add(structured.name)
        out.append(preset_columns(structured))
    return out
