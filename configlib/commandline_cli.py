"""``configlib from-command``: a pasted SGLang or vLLM launch command -> a task file."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from configlib.commandline import UnreadableCommand, read_command
from configlib.engines import UnknownEngineVersion, get_engine
from configlib.findings import errors, unique
from configlib.io import MAX_DOCUMENT_BYTES, InputError, dump_document, read_text
from configlib.taskfile import to_structured_form
from configlib.validate import validate

OK, INVALID, UNUSABLE = 0, 1, 2


def _text(source: str) -> tuple[str, str]:
    """(text, where it came from): ``-`` is stdin, an existing file is read, else the
    argument is the command itself."""
    if source == "-":
        text = sys.stdin.read(MAX_DOCUMENT_BYTES + 1)
        if len(text) > MAX_DOCUMENT_BYTES:
            raise InputError("<stdin>", "too large")
        return text, "<stdin>"
    if "\n" not in source and os.path.isfile(source):
        return read_text(source), source
    return source, "command"


def cmd_from_command(args: argparse.Namespace) -> int:
    try:
        text, where = _text(args.command)
        read = read_command(text, engine_version=args.engine_version, task_name=args.name)
        if args.engine_version:
            get_engine(read.engine.runtime, args.engine_version)
    except (InputError, UnknownEngineVersion) as error:
        print(f"configlib: {error}", file=sys.stderr)
        return UNUSABLE
    except UnreadableCommand as error:
        print(f"configlib: {where}: {error}", file=sys.stderr)
        return UNUSABLE
    data, converted = to_structured_form(read.task, read.engine)
    findings = [*read.findings, *converted, *validate(read.task, engine=read.engine)]
    unique_findings = unique(findings)
    output = dump_document(data, args.format)
    if args.out:
        try:
            with open(args.out, "w", encoding="utf-8") as handle:
                handle.write(output)
        except OSError as error:
            print(f"configlib: {args.out}: {error.strerror or error}", file=sys.stderr)
            return UNUSABLE
    else:
        sys.stdout.write(output)
    for finding in unique_findings:
        print(str(finding), file=sys.stderr)
    print(
        f"{where}: {read.engine.label}, model {read.task.model.id_or_path} "
        f"({len(errors(unique_findings))} errors, "
        f"{len(unique_findings) - len(errors(unique_findings))} warnings)",
        file=sys.stderr,
    )
    return INVALID if errors(unique_findings) else OK


def register(subparsers: Any) -> None:
    """Add ``configlib from-command`` to the command line."""
    p = subparsers.add_parser(
        "from-command",
        help="read an SGLang or vLLM launch command (or docker run line) into a task",
    )
    p.add_argument(
        "command",
        help="the command line in quotes, a file holding it, or - for stdin",
    )
    p.add_argument(
        "--engine-version",
        metavar="V",
        help="engine release to read the flags with (default: the docker image tag's release, "
        "else the newest supported)",
    )
    p.add_argument("--name", metavar="NAME", help="task name (default: from the model)")
    p.add_argument("--format", choices=["json", "yaml"], default="yaml")
    p.add_argument("-o", "--out", metavar="FILE", help="write the task here instead of stdout")
    p.set_defaults(handler=cmd_from_command)
