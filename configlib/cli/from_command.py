"""``configlib from-command``: a pasted SGLang or vLLM launch command -> a task file."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from configlib.cli.common import INVALID, OK, fail, print_findings, write_output
from configlib.commandline import CommandRead, UnreadableCommand, read_command
from configlib.engines import UnknownEngineVersion, get_engine
from configlib.findings import Finding, errors, unique
from configlib.io import MAX_DOCUMENT_BYTES, InputError, dump_document, read_text
from configlib.taskfile import to_structured_form
from configlib.validate import validate


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
        return fail(str(error))
    except UnreadableCommand as error:
        return fail(f"{where}: {error}")
    return write_read_task(read, read_findings(read), where, args.format, args.out)


def read_findings(read: CommandRead) -> list[Finding]:
    """What reading the command said, then what converting and validating the task says."""
    _, converted = to_structured_form(read.task, read.engine)
    return [*read.findings, *converted, *validate(read.task, engine=read.engine)]


def write_read_task(
    read: CommandRead, findings: list[Finding], where: str, fmt: str, out: str | None
) -> int:
    """Write the task read from ``where`` (to ``out``, else stdout), its findings and a
    one-line summary on stderr; the exit code says whether any finding is an error."""
    data, _ = to_structured_form(read.task, read.engine)
    findings = unique(findings)
    output = dump_document(data, fmt)
    problem = write_output(out, output)
    if problem:
        return fail(problem)
    print_findings(findings)
    print(
        f"{where}: {read.engine.label}, model {read.task.model.id_or_path} "
        f"({len(errors(findings))} errors, {len(findings) - len(errors(findings))} warnings)",
        file=sys.stderr,
    )
    return INVALID if errors(findings) else OK


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
    task_output_args(p)
    p.set_defaults(handler=cmd_from_command)


def task_output_args(parser: argparse.ArgumentParser) -> None:
    """--name, --format and --out of the commands that read something into a task."""
    parser.add_argument("--name", metavar="NAME", help="task name (default: from the model)")
    parser.add_argument("--format", choices=["json", "yaml"], default="yaml")
    parser.add_argument("-o", "--out", metavar="FILE", help="write the task here instead of stdout")
