"""``configlib export-engine`` (grid points as engine config files, commands or docker lines)
and ``configlib from-config`` (an engine config file, plus a command line, into a task)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from configlib.cli.common import INVALID, OK, fail, point_number, print_findings
from configlib.cli.from_command import read_findings, task_output_args, write_read_task
from configlib.commandline import UnreadableCommand
from configlib.engine_export import (
    FORMATS,
    ExportedPoint,
    ExportError,
    export_points,
    export_zip,
    located,
    read_config,
)
from configlib.engines import UnknownEngineVersion
from configlib.engines.config_file import CONFIG_OPTION, ConfigFileError
from configlib.io import InputError, read_text
from configlib.taskfile import TaskFormatError, load_task
from configlib.vocab import Runtime


def _write_folder(folder: Path, points: list[ExportedPoint]) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for point in points:
        for name, text in point.files.items():
            (folder / name).write_text(text, encoding="utf-8")
            written.append(str(folder / name))
    return written


def cmd_export_engine(args: argparse.Namespace) -> int:
    try:
        task, _ = load_task(args.file)
    except InputError as error:
        return fail(str(error))
    except TaskFormatError as error:
        print_findings(error.findings)
        return INVALID
    indices = None if args.all else [args.point]
    try:
        points = export_points(task, args.format, indices)
    except ExportError as error:
        return fail(f"{args.file}: {error}")
    for point in points:
        for finding in point.findings:
            print(f"point {point.index}: {finding}", file=sys.stderr)
    out = args.out
    try:
        if out is None:
            if len(points) > 1:
                return fail("--all writes several files: give --out FOLDER or --out FILE.zip")
            [point] = points
            for name, text in point.files.items():
                if not name.endswith(".sh") or len(point.files) == 1:
                    sys.stdout.write(text)
            if len(point.files) > 1:
                print(f"launch: {point.command}", file=sys.stderr)
            return OK
        if out.endswith(".zip"):
            Path(out).write_bytes(export_zip(points))
            print(f"{out}: {len(points)} point(s)", file=sys.stderr)
        else:
            written = _write_folder(Path(out), points)
            print(f"{out}: {len(written)} file(s) for {len(points)} point(s)", file=sys.stderr)
    except OSError as error:
        return fail(f"{out}: {error.strerror or error}")
    return OK


def _command_text(source: str | None) -> str | None:
    if source is None or source == "":
        return None
    if source == "-":
        return sys.stdin.read()
    if "\n" not in source and os.path.isfile(source):
        return read_text(source)
    return source


def cmd_from_config(args: argparse.Namespace) -> int:
    try:
        text = read_text(args.file)
        read = read_config(
            text,
            args.file,
            runtime=args.runtime,
            engine_version=args.engine_version,
            command=_command_text(args.command),
            task_name=args.name,
        )
    except (InputError, UnknownEngineVersion, ConfigFileError) as error:
        return fail(str(error))
    except UnreadableCommand as error:
        return fail(f"--command: {error}")
    findings = located(read_findings(read), args.file, text)
    return write_read_task(read, findings, args.file, args.format, args.out)


def register(subparsers: Any) -> None:
    """Add ``export-engine`` and ``from-config`` to the command line."""
    p = subparsers.add_parser(
        "export-engine",
        help="write grid points as the engine's own config file, a command line or docker run",
    )
    p.add_argument("file", help="task file")
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--point", type=point_number, default=0, metavar="N", help="grid point, from 0 (default 0)"
    )
    which.add_argument("--all", action="store_true", help="every grid point (needs --out)")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="config",
        help=f"config: the release's {CONFIG_OPTION} YAML and the command that uses it; args: the "
        "command line; docker: a docker run line with the release's image",
    )
    p.add_argument(
        "--out",
        metavar="DIR|FILE.zip",
        help="write the files into this folder (or one zip); default: the file on stdout",
    )
    p.set_defaults(handler=cmd_export_engine)

    p = subparsers.add_parser(
        "from-config",
        help=f"read an engine's {CONFIG_OPTION} YAML (plus a command line) into a task",
    )
    p.add_argument("file", help="the engine config file (YAML)")
    p.add_argument("--runtime", required=True, choices=[r.value for r in Runtime])
    p.add_argument(
        "--engine-version",
        metavar="V",
        help="release whose loader reads the file (default: the command's image tag, else the "
        "newest supported)",
    )
    p.add_argument(
        "--command",
        metavar="CMD",
        help="the launch command used with the file (in quotes, a file holding it, or -); its "
        "flags win over the file's, as in the engines",
    )
    task_output_args(p)
    p.set_defaults(handler=cmd_from_config)
