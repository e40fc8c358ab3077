"""The one gate every write into the store passes: the same rules for the editor, the Tasks
page's upload, the aiconfigurator import, ``configlib db import``, backup restore and the
autotuner-database import.

A task is stored when it is valid as data: no error finding that says a flag is unknown, a
value has the wrong type or is out of range. Error findings that only stop it from running
(too many GPUs for one server, a combination the engine refuses at launch, candidates the
engine cannot run as one server, e.g. a disaggregated prefill/decode pair kept for
comparison) do not stop it from being stored; ``refuses`` is the one rule that decides.

Every task also keeps within the size limits of a task file (``configlib.bounds``, the ones an
upload is read with): nesting, list and mapping sizes, text and key lengths, number of values
and grid size. ``check_task_data`` applies them to raw data before it is read into a task (a
backup's tasks and their kept versions), ``check_task`` to every task stored. A refusal names
what is too large and how large, never echoes it back.

Every value must also be one both databases accept, so a backup always moves between
SQLite and PostgreSQL: no NUL character in any text, integers within 64 bits (and within 32
bits in the 32-bit columns), no NaN or infinity. Measurements must be measurements: metrics
finite and not negative, durations above zero, fractions within 0..1.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from configlib.bounds import check_grid_size, check_task_limits, limit
from configlib.findings import Finding
from configlib.model import TaskConfig
from configlib.presets import Preset
from configlib.results import METRICS, MeasuredResult
from configlib.safe_text import clipped
from configlib.store.errors import FINDING_CHARS, InvalidData

#: Error codes that stop a task from running but not from being stored.
RUN_ONLY_CODES = frozenset(
    {
        "too-many-gpus",
        "needs-flag",
        "invalid-combination",
        "not-expressible",
        "no-scenarios",
        "no-concurrency",
        "not-one-server",
    }
)
#: Integer limits: JSON values and BIGINT columns; INTEGER columns (version, ids, concurrency).
INT64 = (-(2**63), 2**63 - 1)
INT32 = (-(2**31), 2**31 - 1)
#: Findings listed in an InvalidData message before the rest are counted.
_LISTED = 3


def refuses(finding: Finding) -> bool:
    """Whether a validation finding keeps a task out of the store (invalid as data)."""
    return finding.severity == "error" and finding.code not in RUN_ONLY_CODES


def storable(value: Any, path: str = "") -> list[Finding]:
    """Values no database of the store could hold the same way: NUL in text, integers beyond
    64 bits, NaN or infinity (found anywhere in nested lists and mappings)."""
    found: list[Finding] = []
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack and len(found) < 50:
        item, where = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                found.append(_bad(where, "contains a NUL character, which PostgreSQL refuses"))
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if not INT64[0] <= item <= INT64[1]:
                found.append(_bad(where, "is an integer beyond 64 bits"))
        elif isinstance(item, float):
            if not math.isfinite(item):
                found.append(_bad(where, f"is {item}, not a finite number"))
        elif isinstance(item, dict):
            for key, inner in item.items():
                key_path = f"{where}.{key}" if where else str(key)
                if isinstance(key, str) and "\x00" in key:
                    found.append(_bad(where, "has a key with a NUL character"))
                stack.append((inner, key_path))
        elif isinstance(item, (list, tuple)):
            stack.extend((inner, f"{where}[{i}]") for i, inner in enumerate(item))
    return found


def int_column(value: Any, path: str) -> list[Finding]:
    """A value for a 32-bit integer column (versions, experiment ids, concurrency)."""
    if value is None or (
        isinstance(value, int) and not isinstance(value, bool) and INT32[0] <= value <= INT32[1]
    ):
        return []
    return [_bad(path, f"{value!r} does not fit a 32-bit integer column")]


def named(kind: str, name: Any) -> str:
    """How a refusal names an item: ``task 'a'``; a long name is cut, with its length."""
    return f"{kind} {clipped(repr(name), 80)}"


def check_task_data(data: Any, where: str) -> None:
    """Raise ``InvalidData`` when raw task data is beyond a task file's size limits, before
    anything reads it (the grid's size is counted on the task, by ``check_task``)."""
    if not isinstance(data, dict):
        raise InvalidData(f"{where} is not a task (expected an object)")
    _raise(check_task_limits(data), where)
    _raise(_file_size(data), where)


def _file_size(data: Any) -> list[Finding]:
    """The task's size written as compact JSON against a task file's size limit (called once
    the nesting is known to be within its limit)."""
    most = limit("task_file_bytes")
    try:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return []  # not JSON data: the task's own checks refuse it
    if len(text) <= most // 4:
        return []
    size = len(text.encode("utf-8", "surrogatepass"))
    if size <= most:
        return []
    message = f"{size:,} bytes as JSON; the limit for a task file is {most:,}"
    return [Finding("error", "", "limit-task-file-bytes", message)]


def check_task(task: TaskConfig, where: str = "") -> list[Finding]:
    """Raise ``InvalidData`` when the task may not be stored; returns every finding.

    Values no database holds and a task file's size limits are checked first: a task beyond
    them is refused without being converted or validated."""
    from configlib.convert import to_flat
    from configlib.grid import grid_of
    from configlib.validate import validate

    where = where or named("task", task.task_name)
    try:
        data = task.model_dump(mode="json", exclude_none=True)
    except ValueError as error:  # pydantic refuses to write data nested beyond its stack
        # The free-form mappings (metadata, autotuner_fields) are where such nesting can be.
        _raise(
            check_task_limits({k: v for k, v in vars(task).items() if isinstance(v, dict)}), where
        )
        raise InvalidData(f"{where} cannot be stored: it cannot be written ({error})") from None
    findings = storable(data) + check_task_limits(data)
    _raise(findings, where)
    _raise(_file_size(data), where)
    try:
        flat = to_flat(task)
        findings += validate(task, flat=flat)
        findings += check_grid_size(grid_of(flat.parameters).size)
    except (ValueError, TypeError, OverflowError) as error:
        findings.append(Finding("error", "", "invalid-value", str(error)))
    _raise(findings, where)
    return findings


def check_preset(preset: Preset, where: str = "") -> list[Finding]:
    """Raise ``InvalidData`` when the preset may not be stored."""
    where = where or named("preset", preset.name)
    try:
        data = preset.model_dump(mode="json", exclude_none=True)
    except ValueError as error:  # pydantic refuses to write data nested beyond its stack
        raise InvalidData(f"{where} cannot be stored: it cannot be written ({error})") from None
    findings = storable(data)
    _raise(findings, where)
    return findings


def result_findings(record: MeasuredResult, path: str = "") -> list[Finding]:
    """What keeps a measured result out of the store."""
    prefix = f"{path}." if path else ""
    columns = {f"{prefix}experiment_id", f"{prefix}concurrency"}  # checked as columns below
    findings = [f for f in storable(record.model_dump(mode="json"), path) if f.path not in columns]
    findings += int_column(record.experiment_id, f"{prefix}experiment_id")
    findings += int_column(record.concurrency, f"{prefix}concurrency")
    if record.concurrency is not None and record.concurrency < 1:
        findings.append(_bad(f"{prefix}concurrency", "must be at least 1"))
    for name, value in record.metrics.items():
        info = METRICS.get(name)
        if value is None or info is None or isinstance(value, bool):
            continue
        where = f"{prefix}metrics.{name}"
        if not math.isfinite(value):
            findings.append(_bad(where, f"is {value}, not a measurement"))
        elif value < 0:
            findings.append(_bad(where, f"is {value}; a measurement cannot be negative"))
        elif info.unit in {"ms", "s"} and value == 0 and record.status == "success":
            findings.append(_bad(where, "is 0; a measured duration is above zero"))
        elif info.unit == "fraction" and value > 1:
            findings.append(_bad(where, f"is {value}; a fraction is 0 to 1"))
    return findings


def check_results(records: Iterable[MeasuredResult], where: str = "results") -> None:
    """Raise ``InvalidData`` when any record may not be stored (nothing is stored then)."""
    findings: list[Finding] = []
    for i, record in enumerate(records):
        findings += result_findings(record, f"{where}[{i}]")
    _raise(findings, where)


def _bad(path: str, message: str) -> Finding:
    return Finding("error", path, "not-storable", message)


def listed(findings: list[Finding], most: int = _LISTED) -> str:
    """The first ``most`` findings for a message, each cut short (with its length said)."""
    shown = "; ".join(clipped(str(f), FINDING_CHARS) for f in findings[:most])
    return shown + (f" (and {len(findings) - most} more)" if len(findings) > most else "")


def _raise(findings: list[Finding], where: str) -> None:
    refused = [f for f in findings if refuses(f)]
    if not refused:
        return
    raise InvalidData(f"{where} cannot be stored: {listed(refused)}", refused)
