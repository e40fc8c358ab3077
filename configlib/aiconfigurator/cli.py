"""``configlib import-aic`` and ``configlib export-aic``.

Exit codes follow configlib's: 0 ok, 1 some input files or candidates had errors (the rest
was imported), 2 unusable input or bad usage.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import Any

from configlib.aiconfigurator.candidates import Candidate
from configlib.aiconfigurator.combine import CombineError, combine_candidates
from configlib.aiconfigurator.export import ExportError, export_design_yaml, export_exp_yaml
from configlib.aiconfigurator.importer import import_path
from configlib.aiconfigurator.targets import target_problem
from configlib.cli.common import OK, PARTIAL, fail, positive_int, print_findings, write_output
from configlib.findings import Finding, errors
from configlib.io import InputError, dump_document
from configlib.model import TaskConfig
from configlib.taskfile import TaskFormatError, load_task, to_structured_form
from configlib.vocab import Runtime


def _top(candidates: list[Candidate], limit: int | None) -> list[Candidate]:
    if limit is None:
        return candidates
    kept: list[Candidate] = []
    per_file: dict[str | None, int] = {}
    for candidate in candidates:
        seen = per_file.get(candidate.origin, 0)
        if seen < limit:
            kept.append(candidate)
        per_file[candidate.origin] = seen + 1
    return kept


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(candidates: list[Candidate], show_flags: bool) -> None:
    header = (
        "#",
        "name",
        "mode",
        "backend",
        "target",
        "conc",
        "ttft_ms",
        "tpot_ms",
        "tok/s/gpu",
        "runnable",
    )
    rows = []
    for index, candidate in enumerate(candidates, 1):
        spec = candidate.spec
        pred = spec.predictions
        source = candidate.source
        rows.append(
            (
                str(index),
                candidate.name,
                candidate.serving_mode,
                spec.backend or "?",
                "not chosen" if candidate.untargeted else source.get("target_runtime", "?"),
                "/".join(str(c) for c in spec.concurrency or []) or "-",
                _fmt(pred.get("ttft_ms")),
                _fmt(pred.get("tpot_ms")),
                _fmt(pred.get("tokens_per_s_per_gpu")),
                "yes" if candidate.runnable else "no",
            )
        )
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
    if not show_flags:
        return
    for candidate in candidates:
        differences = candidate.flag_differences()
        if not differences:
            continue
        print(f"\n{candidate.name}: aiconfigurator's launch vs configlib's")
        for diff in differences:
            print(
                f"  [{diff.role}] {diff.flag}: ours={diff.ours or '-'} "
                f"aiconfigurator={_short(diff.theirs)} ({diff.status}) - {diff.reason}"
            )


def _short(text: str | None, limit: int = 60) -> str:
    if text is None:
        return "-"
    return text if len(text) <= limit else text[: limit - 3] + "..."


_UNSAFE_FILE_CHARS = re.compile(r"[\x00-\x1f\x7f/\\:]")


def file_name(task_name: str, fmt: str) -> str:
    """A file name for ``task_name`` that cannot leave its folder: separators and control
    characters become ``_`` and leading dots are dropped (no ``..``, no hidden file)."""
    stem = _UNSAFE_FILE_CHARS.sub("_", task_name).lstrip(".").strip() or "task"
    return f"{stem[:200]}.{fmt}"


def confined(out: Path, name: str) -> Path:
    """``out / name``, checked after resolving: the file lands directly inside ``out`` and is
    not a symbolic link (which could point anywhere)."""
    root = out.resolve()
    target = root / name
    if target.is_symlink():
        raise InputError(str(out / name), "is a symbolic link; refused (it could point anywhere)")
    if target.resolve().parent != root:
        raise InputError(str(out / name), f"would be written outside {out}; refused")
    return target


def _write(task: TaskConfig, out: Path, fmt: str, force: bool) -> Path:
    data, _ = to_structured_form(task)
    name = file_name(task.task_name, fmt)
    target = confined(out, name)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    if not force:
        flags |= os.O_EXCL
    try:
        handle = os.open(target, flags, 0o644)
    except FileExistsError:
        raise InputError(str(out / name), "exists; pass --force to overwrite") from None
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(dump_document(data, fmt))
    return out / name


def cmd_import(args: argparse.Namespace) -> int:
    try:
        result = import_path(args.path, runtime=args.runtime, include_pareto=args.pareto)
    except InputError as error:
        return fail(str(error))
    print_findings(result.findings)
    candidates = _top(result.candidates, args.top)
    # Listing needs no engine for TensorRT-LLM rows yet, but a --runtime that contradicts
    # the rows is refused either way (the import page asks the same).
    problem = target_problem(candidates, choice_required=not args.list, upload=result.candidates)
    if problem:
        return fail(f"--runtime: {problem}")
    print_findings(
        [
            Finding(f.severity, candidate.name, f.code, f.message)
            for candidate in candidates
            for f in candidate.read_findings
            if f.code == "aic-target-not-applied"
        ]
    )
    if args.list:
        _table(candidates, args.flags)
        return PARTIAL if errors(result.findings) else OK
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        if args.combine:
            try:
                task, notes = combine_candidates(candidates)
            except CombineError as error:
                print(f"configlib: {error}", file=sys.stderr)
                return PARTIAL
            print_findings(notes)
            print(_write(task, out, args.format, args.force))
            return PARTIAL if errors(result.findings) else OK
        problems = False
        for candidate in candidates:
            try:
                path = _write(candidate.task, out, args.format, args.force)
            except InputError as error:
                print(f"configlib: {error}", file=sys.stderr)
                problems = True
                continue
            print_findings([f for f in candidate.findings if f.severity == "error"])
            note = (
                ""
                if candidate.runnable
                else "  (not runnable by the autotuner: "
                + str(candidate.source.get("not_runnable_reason", candidate.serving_mode))
                + ")"
            )
            print(f"{path}{note}")
    except OSError as error:
        return fail(f"{args.out}: {error.strerror or error}")
    return PARTIAL if problems or errors(result.findings) else OK


def cmd_export(args: argparse.Namespace) -> int:
    try:
        task, notes = load_task(args.task)
    except InputError as error:
        return fail(str(error))
    except TaskFormatError as error:
        print_findings(error.findings)
        print(f"{args.task}: not a valid task", file=sys.stderr)
        return PARTIAL
    print_findings(notes)
    try:
        text = export_design_yaml(task) if args.design else export_exp_yaml(task)
    except ExportError as error:
        return fail(str(error))
    problem = write_output(args.output, text)
    return fail(problem) if problem else OK


def register(commands: Any) -> None:
    """Add import-aic and export-aic to the ``configlib`` command."""
    p = commands.add_parser(
        "import-aic",
        help="aiconfigurator results or inputs -> one task file per candidate",
        description="Import an aiconfigurator --save-dir folder (or .zip), a best_config_topn.csv "
        "/ pareto.csv, a generator_config.yaml, a `cli exp` YAML or a candidate YAML.",
    )
    p.add_argument("path", help="folder, .zip, .csv or .yaml")
    p.add_argument(
        "--runtime",
        choices=[r.value for r in Runtime],
        help="engine to measure TensorRT-LLM predictions on (required for them; an error "
        "for SGLang and vLLM predictions, which run on the engine they were predicted for)",
    )
    p.add_argument(
        "--top", type=positive_int, metavar="N", help="at most N candidates from each table or file"
    )
    p.add_argument("--out", default=".", metavar="DIR", help="folder for the task files")
    p.add_argument(
        "--format", choices=["json", "yaml"], default="json", help="task file format (json)"
    )
    p.add_argument("--list", action="store_true", help="print a table of candidates instead")
    p.add_argument(
        "--flags",
        action="store_true",
        help="with --list: also show how aiconfigurator's own launch differs",
    )
    p.add_argument(
        "--pareto",
        action="store_true",
        help="also import every pareto.csv row (default: best_config_topn.csv)",
    )
    p.add_argument(
        "--combine",
        action="store_true",
        help="write one task whose grid is exactly the candidates (refused unless "
        "they form an exact product)",
    )
    p.add_argument("--force", action="store_true", help="overwrite existing task files")
    p.set_defaults(handler=cmd_import)

    p = commands.add_parser("export-aic", help="task -> aiconfigurator `cli exp` YAML")
    p.add_argument("task", help="task file (JSON or YAML)")
    p.add_argument(
        "--design",
        action="store_true",
        help="write the design's candidate YAML instead of a `cli exp` input",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    p.set_defaults(handler=cmd_export)


__all__ = ["cmd_export", "cmd_import", "register"]
