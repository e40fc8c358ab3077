"""The ``configlib`` command line: the parser, the core commands and ``main``.

Exit codes (``configlib.cli.common``): 0 ok, 1 validation errors (printed with field paths),
2 unreadable input or bad usage (one line saying why). Findings go to stderr, results to
stdout, so output can be piped.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from configlib import __version__
from configlib.cli.common import (
    INVALID,
    OK,
    UNUSABLE,
    UsageError,
    fail,
    positive_int,
    print_findings,
    write_output,
)
from configlib.convert import engine_for, to_flat
from configlib.engines import UnknownEngineVersion, get_engine, supported_versions
from configlib.findings import Finding, errors
from configlib.grid import grid_of, launch_command
from configlib.io import InputError, dump_document
from configlib.model import TaskConfig
from configlib.switching import switch_engine
from configlib.taskfile import TaskFormatError, load_task, to_autotuner, to_structured_form
from configlib.validate import check_runnable, validate
from configlib.vocab import Runtime, Strategy

#: Modules that add subcommands with ``register(subparsers)``; missing ones are skipped.
FEATURE_MODULES: tuple[str, ...] = (
    "configlib.aiconfigurator.cli",
    "configlib.store.cli",
    "configlib.cli.from_command",
    "configlib.cli.export_engine",
    "configlib.calibration.cli",
)


def _load(path: str) -> tuple[TaskConfig, list[Finding]]:
    try:
        return load_task(path)
    except InputError as error:
        raise UsageError(str(error)) from None


def _engine_args(parser: argparse.ArgumentParser, runtime_help: str) -> None:
    parser.add_argument("--runtime", choices=[r.value for r in Runtime], help=runtime_help)
    parser.add_argument(
        "--engine-version",
        metavar="V",
        help="engine release to check against (default: the one the task's image tag names, "
        "else the newest supported)",
    )
    parser.add_argument(
        "--translate",
        action="store_true",
        help="with --runtime: carry settings the other engine only approximates to its closest "
        "setting (e.g. mem_fraction_static -> gpu_memory_utilization); the meaning difference "
        "is reported either way",
    )


def _target(task: TaskConfig, args: argparse.Namespace) -> tuple[TaskConfig, list[Finding]]:
    """The task retargeted to --runtime/--engine-version when given."""
    runtime = args.runtime or task.base_runtime
    if args.engine_version:
        try:
            get_engine(runtime, args.engine_version)
        except UnknownEngineVersion as error:
            raise UsageError(str(error)) from None
    if args.runtime and Runtime(args.runtime) != task.base_runtime:
        # The same switch as the editor's: what it drops or translates comes back as findings.
        return switch_engine(task, args.runtime, args.engine_version, translate=args.translate)
    if args.translate:
        raise UsageError("--translate goes with --runtime naming the other engine")
    if args.engine_version:
        return task.model_copy(update={"engine_version": args.engine_version}), []
    return task, []


# ---- Commands ----------------------------------------------------------------------------------


def cmd_validate(args: argparse.Namespace) -> int:
    task, notes = _load(args.file)
    task, moved = _target(task, args)
    findings = [*notes, *moved, *validate(task)]
    engine, _ = engine_for(task)
    if args.json:
        print(
            json.dumps(
                {
                    "file": args.file,
                    "engine": engine.label,
                    "findings": [f.as_dict() for f in findings],
                },
                indent=2,
            )
        )
    else:
        print_findings(findings, sys.stdout)
        count = len(errors(findings))
        status = "invalid" if count else "valid"
        print(
            f"{args.file}: {status} for {engine.label} "
            f"({count} errors, {len(findings) - count} warnings)"
        )
    return INVALID if errors(findings) else OK


def _not_one_server(task: TaskConfig, args: argparse.Namespace, notes: list[Finding]) -> bool:
    """Say on stderr, and return True, when the task holds a prediction the autotuner cannot
    launch as one server (a disaggregated prefill/decode pair, context parallelism): its flags
    would start a server that is not what was predicted, so none are printed."""
    refusal = check_runnable(task)
    if not refusal:
        return False
    print_findings([*notes, *refusal])
    source = task.metadata.aiconfigurator_source
    mode = source.get("serving_mode") if isinstance(source, dict) else None
    what = f"a {mode} deployment" if mode else "a deployment"
    print(
        f"configlib: {args.file}: {what}, not one server the autotuner can run; nothing written "
        "(the task keeps the prediction for comparison only)",
        file=sys.stderr,
    )
    return True


def cmd_params(args: argparse.Namespace) -> int:
    task, notes = _load(args.file)
    task, moved = _target(task, args)
    if _not_one_server(task, args, [*notes, *moved]):
        return INVALID
    engine, _ = engine_for(task)
    flat = to_flat(task, engine)
    findings = [*notes, *moved, *validate(task, engine=engine)]
    if args.format == "json":
        data = {
            k: v.model_dump(exclude_none=True) if hasattr(v, "model_dump") else v
            for k, v in flat.parameters.items()
        }
        print(json.dumps(data, indent=2))
    elif errors(findings):
        # A launch the engine or the autotuner would refuse is never printed as a command.
        count = len(errors(findings))
        print(f"no launch command: {count} error{'s' if count > 1 else ''} below", file=sys.stderr)
    else:
        grid = grid_of(flat.parameters)
        limit = args.limit
        if limit is None:
            grid_search = task.optimization.strategy == Strategy.GRID_SEARCH
            limit = task.optimization.max_iterations if grid_search else grid.size
        for point in grid.first(min(limit, grid.size)):
            print(launch_command(engine, task.model.id_or_path, point))
        shown = min(limit, grid.size)
        print(f"{shown:,} of {grid.size:,} grid points for {engine.label}", file=sys.stderr)
    print_findings(findings)
    return INVALID if errors(findings) else OK


def cmd_convert(args: argparse.Namespace) -> int:
    task, notes = _load(args.file)
    task, moved = _target(task, args)
    findings = [*notes, *moved]
    if args.to == "autotuner":
        if _not_one_server(task, args, findings):
            return INVALID
        data, converted = to_autotuner(task)
    else:
        from configlib.convert import to_structured

        structured, lifted = to_structured(task)
        data, converted = to_structured_form(structured)
        converted = [*lifted, *converted]
    findings.extend(converted)
    text = dump_document(data, args.format)
    problem = write_output(args.output, text)
    if problem:
        raise UsageError(problem)
    print_findings(findings)
    return INVALID if errors(findings) else OK


def cmd_schema(args: argparse.Namespace) -> int:
    print(json.dumps(TaskConfig.model_json_schema(), indent=2))
    return OK


def cmd_reference(args: argparse.Namespace) -> int:
    from configlib.cli.reference import render

    sys.stdout.write(render(build_parser()))
    return OK


def cmd_engines(args: argparse.Namespace) -> int:
    for runtime in Runtime:
        versions = supported_versions(runtime)
        print(f"{runtime.value}: {', '.join(versions)} (default {versions[-1]})")
    return OK


# ---- Parser ------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(UNUSABLE, f"{self.prog}: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="configlib",
        description="Typed tuning tasks for SGLang and vLLM: validate, convert, list launches.",
    )
    parser.add_argument("--version", action="version", version=f"configlib {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = commands.add_parser("validate", help="check a task file against its engine release")
    p.add_argument("file", help="task file (JSON or YAML, autotuner or structured form)")
    _engine_args(p, "check for this engine instead of the task's base_runtime")
    p.add_argument("--json", action="store_true", help="print findings as JSON")
    p.set_defaults(handler=cmd_validate)

    p = commands.add_parser(
        "params", help="flat engine flags, or one launch command per grid point"
    )
    p.add_argument("file", help="task file")
    _engine_args(p, "engine to generate flags for (default: the task's base_runtime)")
    p.add_argument(
        "--format",
        choices=["json", "args"],
        default="json",
        help="json: the flat parameters; args: shell-quoted launch commands",
    )
    p.add_argument(
        "--limit",
        type=positive_int,
        metavar="N",
        help="with --format args, print at most N commands (default: what the "
        "autotuner would run, max_iterations for grid search)",
    )
    p.set_defaults(handler=cmd_params)

    p = commands.add_parser("convert", help="write the task as autotuner JSON or structured form")
    p.add_argument("file", help="task file")
    p.add_argument(
        "--to",
        choices=["structured", "autotuner"],
        required=True,
        help="autotuner: flat flags the autotuner runs; structured: configlib's sections",
    )
    p.add_argument("--format", choices=["json", "yaml"], default="json")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    _engine_args(p, "engine to convert for (default: the task's base_runtime)")
    p.set_defaults(handler=cmd_convert)

    p = commands.add_parser("schema", help="print the JSON Schema of a task")
    p.set_defaults(handler=cmd_schema)

    p = commands.add_parser("engines", help="list the supported engine releases")
    p.set_defaults(handler=cmd_engines)

    p = commands.add_parser("reference", help="print docs/reference.md (fields, flags, CLI, API)")
    p.set_defaults(handler=cmd_reference)

    for module_name in FEATURE_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name and module_name.startswith(error.name):
                continue
            raise
        register: Callable[[Any], None] = module.register
        register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except UsageError as error:
        return fail(str(error))
    except TaskFormatError as error:
        print_findings(error.findings, sys.stderr if args.command != "validate" else sys.stdout)
        print(f"{getattr(args, 'file', 'input')}: not a valid task", file=sys.stderr)
        return INVALID
    except BrokenPipeError:
        return OK
    return code
