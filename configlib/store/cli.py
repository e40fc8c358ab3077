"""``configlib db ...``: upgrade, export, import and import-autotuner.

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
from configlib.store import migrate
from configlib.store.engine import DEFAULT_TIMEOUT_S, Database
from configlib.store.errors import StoreError
from configlib.store.presets import sync_system_presets
from configlib.store.store import Store

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
