"""``configlib db ...``: upgrade, export, import, import-autotuner, and a task's history
(history, diff, restore-version).

Every command takes ``--url`` (default: ``DATABASE_URL``, else the SQLite file in the data
folder). Exit codes follow the rest of the command line: 0 ok, 2 unusable input or an
unreachable, busy or foreign database (one line on stderr saying why).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from configlib.cli.common import OK, fail, print_findings
from configlib.io import InputError, parse_json, read_text
from configlib.model import TaskConfig
from configlib.store import migrate
from configlib.store.engine import DEFAULT_TIMEOUT_S, Database
from configlib.store.errors import InvalidData, StoreError
from configlib.store.history import TaskVersion
from configlib.store.presets import sync_system_presets
from configlib.store.store import Store
from configlib.taskdiff import FieldChange, shown, summary, task_changes

#: Largest backup file read (a backup of 100,000 tasks is about 150 MB).
BACKUP_MAX_BYTES = 4 * 1024**3


def cmd_upgrade(args: argparse.Namespace) -> int:
    try:
        db = Database(args.url, args.timeout)
        try:
            report = migrate.upgrade(db)
            sync_system_presets(db)
        finally:
            db.dispose()
    except StoreError as error:
        return fail(str(error))
    if report.changed:
        print(
            f"{db.shown_url}: upgraded from {report.before or 'an empty database'} to "
            f"{report.after}"
        )
    else:
        print(f"{db.shown_url}: already at the newest schema ({report.after})")
    return OK


def cmd_export(args: argparse.Namespace) -> int:
    try:
        with Store.open(args.url, timeout=args.timeout) as store:
            data = store.export_all()
    except StoreError as error:
        return fail(str(error))
    text = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    if args.file == "-":
        sys.stdout.write(text)
    else:
        try:
            with open(args.file, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as error:
            return fail(f"{args.file}: {error.strerror or error}")
        print(
            f"wrote {len(data['tasks'])} tasks, {len(data['presets'])} presets and "
            f"{len(data['results'])} results to {args.file}",
            file=sys.stderr,
        )
    return OK


def cmd_import(args: argparse.Namespace) -> int:
    try:
        data = parse_json(read_text(args.file, max_bytes=BACKUP_MAX_BYTES), args.file)
        with Store.open(args.url, timeout=args.timeout) as store:
            report = store.import_all(data, replace=args.replace)
    except (InputError, StoreError) as error:
        return fail(str(error))
    print(
        f"imported {report.tasks} tasks, {report.presets} presets and {report.results} "
        f"results{' (everything stored before was replaced)' if report.replaced else ''}"
    )
    return OK


def cmd_import_autotuner(args: argparse.Namespace) -> int:
    try:
        with Store.open(args.url, timeout=args.timeout) as store:
            report = store.import_autotuner(
                args.database, on_conflict=args.on_conflict, user=args.user
            )
    except (InputError, StoreError) as error:
        return fail(str(error))
    if args.json:
        print(json.dumps(_report_data(report), indent=2))
        return OK
    for task in report.tasks:
        if task.skipped:
            print(f"task #{task.source_id}: skipped: {task.skipped}")
            continue
        moved = ", ".join(f"{flag} -> {'/'.join(fields)}" for flag, fields in task.moved.items())
        print(
            f"task {task.name!r}: {task.results} results; moved {moved or 'nothing'}; "
            f"kept as flags: {', '.join(task.kept) or 'none'}"
        )
    for name, structure in report.presets.items():
        moved = ", ".join(structure.moved) or "nothing"
        print(
            f"preset {name!r}: moved {moved}; kept as flags: {', '.join(structure.kept) or 'none'}"
        )
    for name, reason in report.presets_skipped.items():
        print(f"preset {name!r}: skipped: {reason}")
    print_findings(report.findings)
    return OK


def _version_changes(store: Store, name: str) -> list[tuple[TaskVersion, str]]:
    """Each version, newest first, with what it changed from the one kept before it."""
    versions = store.task_versions(name)
    contents: list[TaskConfig | None] = []
    for version in versions:
        try:
            contents.append(store.get_task_version(name, version.version))
        except InvalidData:  # saved by an older configlib; listing it must not fail
            contents.append(None)
    lines: list[tuple[TaskVersion, str]] = []
    for i, (version, after) in enumerate(zip(versions, contents, strict=True)):
        before = contents[i + 1] if i + 1 < len(contents) else None
        if after is None or (before is None and i + 1 < len(contents)):
            text = "(not comparable: a version no longer validates)"
        elif before is None:
            text = "created" if version.version == 1 else "earliest version kept"
        else:
            text = summary(task_changes(before, after))
        lines.append((version, text))
    return lines


def cmd_history(args: argparse.Namespace) -> int:
    try:
        with Store.open(args.url, timeout=args.timeout) as store:
            lines = _version_changes(store, args.task)
    except StoreError as error:
        return fail(str(error))
    if args.json:
        rows = [
            {
                "version": v.version,
                "saved_at": v.saved_at.isoformat(),
                "saved_by": v.saved_by,
                "task_name": v.task_name,
                "current": v.current,
                "changes": text,
            }
            for v, text in lines
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return OK
    width = max(len(v.saved_by or "-") for v, _ in lines)
    for v, text in lines:
        renamed = f" [as {v.task_name}]" if v.task_name != args.task else ""
        print(
            f"v{v.version:<4} {v.saved_at:%Y-%m-%d %H:%M:%S} UTC  {v.saved_by or '-':<{width}}  "
            f"{text}{renamed}{' (current)' if v.current else ''}"
        )
    return OK


def _change_line(change: FieldChange) -> str:
    return f"{change.path}: {shown(change.before)} -> {shown(change.after)}"


def cmd_diff(args: argparse.Namespace) -> int:
    try:
        with Store.open(args.url, timeout=args.timeout) as store:
            newer = args.to_version or store.get_task(args.task).version
            changes = task_changes(
                store.get_task_version(args.task, args.from_version),
                store.get_task_version(args.task, newer),
            )
    except StoreError as error:
        return fail(str(error))
    if args.json:
        rows = [{"path": c.path, "kind": c.kind, "before": c.before, "after": c.after}
                for c in changes]  # fmt: skip
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    elif not changes:
        print(f"versions {args.from_version} and {newer} of {args.task} do not differ")
    for change in [] if args.json else changes:
        print(_change_line(change))
    return OK


def cmd_restore_version(args: argparse.Namespace) -> int:
    try:
        with Store.open(args.url, timeout=args.timeout) as store:
            # Like the editor: the version seen now (or the one named) must still be current
            # when the restore is written, else it is a conflict and nothing changes.
            seen = args.expected_version or store.get_task(args.task).version
            stored = store.restore_task_version(
                args.task, args.version, expected_version=seen, user=args.user
            )
    except StoreError as error:
        return fail(str(error))
    print(f"restored version {args.version} of {args.task} as version {stored.version}")
    return OK


def _report_data(report: Any) -> dict[str, Any]:
    return {
        "tasks": [
            {
                "source_id": t.source_id,
                "name": t.name,
                "moved": t.moved,
                "kept": t.kept,
                "results": t.results,
                "skipped": t.skipped,
            }
            for t in report.tasks
        ],
        "presets": {
            name: {"moved": s.moved, "kept": s.kept, "renamed": s.renamed, "engine": s.engine}
            for name, s in report.presets.items()
        },
        "presets_skipped": report.presets_skipped,
        "findings": [f.as_dict() for f in report.findings],
    }


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url",
        help="database URL (default: DATABASE_URL, else the SQLite file in the data folder)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        metavar="S",
        help=f"seconds to wait for a busy database (default {DEFAULT_TIMEOUT_S:g})",
    )


def register(subparsers: Any) -> None:
    """Add ``configlib db`` to the command line."""
    db = subparsers.add_parser("db", help="the task and preset database: migrate, back up, import")
    commands = db.add_subparsers(dest="db_command", required=True, parser_class=type(db))

    p = commands.add_parser("upgrade", help="bring the database to the newest schema")
    _common(p)
    p.set_defaults(handler=cmd_upgrade)

    p = commands.add_parser("export", help="write every task, preset and result to a file")
    p.add_argument("file", help="backup file to write (- for stdout)")
    _common(p)
    p.set_defaults(handler=cmd_export)

    p = commands.add_parser("import", help="load a backup written by `configlib db export`")
    p.add_argument("file", help="backup file")
    p.add_argument(
        "--replace",
        action="store_true",
        help="delete everything stored first (default: refuse names already stored)",
    )
    _common(p)
    p.set_defaults(handler=cmd_import)

    p = commands.add_parser(
        "import-autotuner",
        help="copy tasks, presets and results from inference-autotuner's SQLite database",
    )
    p.add_argument(
        "database",
        help="the autotuner's database, e.g. ~/.local/share/inference-autotuner/autotuner.db",
    )
    p.add_argument(
        "--on-conflict",
        choices=["skip", "rename"],
        default="skip",
        help="a name already stored: skip the item, or store it as 'name (2)'",
    )
    p.add_argument("--user", help="recorded as the author of the imported items")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    _common(p)
    p.set_defaults(handler=cmd_import_autotuner)
    _register_history(commands)


def _task_command(commands: Any, name: str, help_text: str) -> argparse.ArgumentParser:
    """A history subcommand: its parser with the task argument first."""
    parser: argparse.ArgumentParser = commands.add_parser(name, help=help_text)
    parser.add_argument("task", help="task name")
    return parser


def _register_history(commands: Any) -> None:
    p = _task_command(
        commands, "history", "a task's saved versions: number, time, author, fields changed"
    )
    p.add_argument("--json", action="store_true", help="print the versions as JSON")
    _common(p)
    p.set_defaults(handler=cmd_history)

    p = _task_command(
        commands, "diff", "the fields that differ between two versions of a task (as the app shows)"
    )
    p.add_argument("from_version", type=int, metavar="V1", help="the older version")
    p.add_argument(
        "to_version", type=int, metavar="V2", nargs="?", help="the newer one (default: current)"
    )
    p.add_argument("--json", action="store_true", help="print the changes as JSON")
    _common(p)
    p.set_defaults(handler=cmd_diff)

    p = _task_command(
        commands, "restore-version", "save an earlier version of a task as its next version"
    )
    p.add_argument("version", type=int, help="the version to restore")
    p.add_argument(
        "--expected-version",
        type=int,
        metavar="N",
        help="the task's current version as you saw it; refused if it changed since "
        "(default: the version current when the command starts)",
    )
    p.add_argument("--user", help="recorded as the author of the new version")
    _common(p)
    p.set_defaults(handler=cmd_restore_version)
