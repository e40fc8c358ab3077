"""Limits on the size of what users give, checked before any heavy work (see docs/limits.md).

Every limit is data here: ``LIMITS`` names it, gives its value and says what it bounds; the
checks below and the docs read the same table. ``check_task_document`` walks a parsed task
document once, iteratively (no recursion, so nesting depth cannot crash it), and returns one
error finding per limit exceeded, naming the field path and the limit. The grid is counted,
never materialised.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from configlib.findings import Finding
from configlib.numbers import MAX_NUMBER_CHARS, check_number


@dataclass(frozen=True)
class Limit:
    """One limit: its value, the unit it counts and what it bounds."""

    value: int
    unit: str
    bounds: str


LIMITS: dict[str, Limit] = {
    "task_file_bytes": Limit(
        4 * 1024 * 1024, "bytes", "size of a task file (JSON or YAML) read or uploaded"
    ),
    "document_bytes": Limit(
        20 * 1024 * 1024, "bytes", "size of any other JSON or YAML document (results, presets)"
    ),
    "task_depth": Limit(32, "levels", "nesting of mappings and lists in a task document"),
    "document_depth": Limit(
        64, "levels", "nesting in results files and the autotuner database's JSON columns"
    ),
    "task_values": Limit(100_000, "values", "values of every kind in one task document"),
    "candidates": Limit(
        1_000,
        "values",
        "items in one list of a task: candidate values of a field or flag, traffic "
        "scenarios, concurrency levels",
    ),
    "flags": Limit(1_000, "flags", "entries in a task's parameters (and any other mapping)"),
    "grid_points": Limit(
        10**12,
        "points",
        "combinations of the task's candidate lists, counted without building them",
    ),
    "rule_combinations": Limit(
        10_000,
        "combinations",
        "candidate combinations one conversion rule expands (e.g. tp x dp x attention_dp)",
    ),
    "export_points": Limit(
        1_000,
        "points",
        "grid points exported at once as engine config files or launch commands "
        "(export-engine --all, the editor's zip)",
    ),
    "flag_suggestions": Limit(
        20, "flags", "unknown flags of a task that get a 'did you mean' suggestion"
    ),
    "string_chars": Limit(10_000, "characters", "any text value in a task (names, descriptions)"),
    "key_chars": Limit(256, "characters", "a mapping key in a task (flag names, setting names)"),
    "integer_bits": Limit(
        64, "bits", "any integer in a task or results file: a signed 64-bit integer, as stored"
    ),
    "number_chars": Limit(
        MAX_NUMBER_CHARS, "characters", "a number written as text, e.g. a flag value '8'"
    ),
}


def limit(name: str) -> int:
    """The value of one limit."""
    return LIMITS[name].value


def _finding(path: str, name: str, message: str) -> Finding:
    return Finding("error", path, f"limit-{name.replace('_', '-')}", message)


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    shown = str(key)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{path}.{shown}" if path else shown


def check_document(
    data: Any,
    *,
    depth_limit: str = "document_depth",
    list_limit: str | None = None,
    mapping_limit: str | None = None,
    string_limit: str | None = None,
    key_limit: str | None = None,
    values_limit: str | None = None,
    numbers: bool = True,
    max_findings: int = 20,
) -> list[Finding]:
    """Findings for every limit a parsed document exceeds; walks it once, iteratively.

    With ``numbers``, numbers must be finite and integers fit 64 bits wherever they are (readers
    that check each number where they use it pass False). The walk stops early
    once ``values_limit`` is passed or ``max_findings`` are collected.
    """
    found: list[Finding] = []
    max_depth = limit(depth_limit)
    max_list = limit(list_limit) if list_limit else None
    max_keys = limit(mapping_limit) if mapping_limit else None
    max_string = limit(string_limit) if string_limit else None
    max_key = limit(key_limit) if key_limit else None
    max_values = limit(values_limit) if values_limit else None
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    seen = 0
    while stack and len(found) < max_findings:
        value, path, depth = stack.pop()
        seen += 1
        if max_values is not None and seen > max_values:
            assert values_limit is not None
            found.append(
                _finding("", values_limit, f"the document holds more than {max_values:,} values")
            )
            break
        if isinstance(value, dict):
            if depth >= max_depth:
                found.append(_depth(path, depth_limit, max_depth))
                continue
            if max_keys is not None and len(value) > max_keys:
                assert mapping_limit is not None
                found.append(
                    _finding(
                        path,
                        mapping_limit,
                        f"{len(value):,} entries; the limit is {max_keys:,}",
                    )
                )
                continue
            for key, item in value.items():
                if max_key is not None and isinstance(key, str) and len(key) > max_key:
                    assert key_limit is not None
                    found.append(
                        _finding(
                            _join(path, key),
                            key_limit,
                            f"a key of {len(key):,} characters; the limit is {max_key:,}",
                        )
                    )
                    continue
                stack.append((item, _join(path, key), depth + 1))
        elif isinstance(value, list):
            if depth >= max_depth:
                found.append(_depth(path, depth_limit, max_depth))
                continue
            if max_list is not None and len(value) > max_list:
                assert list_limit is not None
                found.append(
                    _finding(
                        path,
                        list_limit,
                        f"{len(value):,} values; the limit is {max_list:,} per list",
                    )
                )
                continue
            stack.extend((item, _join(path, i), depth + 1) for i, item in enumerate(value))
        elif isinstance(value, str):
            if max_string is not None and len(value) > max_string:
                assert string_limit is not None
                found.append(
                    _finding(
                        path,
                        string_limit,
                        f"a text of {len(value):,} characters; the limit is {max_string:,}",
                    )
                )
        elif numbers and isinstance(value, int | float) and not isinstance(value, bool):
            problem = check_number(value)
            if not isinstance(problem, int | float):
                code = "integer_bits" if isinstance(value, int) else "number_chars"
                if isinstance(value, float):
                    found.append(Finding("error", path, "not-finite", problem.reason))
                else:
                    found.append(_finding(path, code, problem.reason))
    return found


def _depth(path: str, name: str, max_depth: int) -> Finding:
    shown = path if len(path) <= 80 else path[:77] + "..."
    return _finding(shown or "(document)", name, f"nested deeper than {max_depth} levels")


#: Task sections whose values are candidate lists (one axis of the grid each).
_CANDIDATE_SECTIONS = (
    "parallel_config",
    "quantization_config",
    "memory_config",
    "scheduling_config",
    "advanced_tuning_config",
)


def _axes(data: dict[str, Any]) -> Iterator[int]:
    """The number of candidates of every tunable field and flag of raw task data."""
    for section in _CANDIDATE_SECTIONS:
        fields = data.get(section)
        if isinstance(fields, dict):
            for value in fields.values():
                yield _count(value)
    parameters = data.get("parameters")
    if isinstance(parameters, dict):
        for value in parameters.values():
            yield _count(value)


def _count(value: Any) -> int:
    if isinstance(value, dict):
        if value.get("type") == "choice":
            value = value.get("values")
        else:
            return 1  # a bayesian/random range is not part of the grid
    if isinstance(value, list):
        return max(len(value), 1)
    return 1


def grid_points(data: dict[str, Any]) -> int:
    """How many combinations the candidate lists of raw task data make (counted, not built)."""
    return math.prod(_axes(data))


def check_task_document(data: Any) -> list[Finding]:
    """Findings for every limit a parsed task document exceeds (empty when within them)."""
    found = check_document(
        data,
        depth_limit="task_depth",
        list_limit="candidates",
        mapping_limit="flags",
        string_limit="string_chars",
        key_limit="key_chars",
        values_limit="task_values",
    )
    if not found and isinstance(data, dict):
        points = grid_points(data)
        most = limit("grid_points")
        if points > most:
            found.append(
                _finding(
                    "parameters",
                    "grid_points",
                    f"the candidate lists make {points:.3g} combinations; the limit is {most:.0e}",
                )
            )
    return found


def check_text_size(
    text: str, source: str, name: str = "task_file_bytes", *, yaml: bool = True
) -> str | None:
    """Why a task document's text is too large to parse, else None.

    Besides its size in bytes, a YAML document's number of values is bounded before parsing
    (JSON parses in C in a fraction of a second, and its values are then counted with field
    paths by ``check_task_document``): every value
    after the first in a document needs a comma or a new line, so more commas and lines than
    the ``task_values`` limit mean more values than that (a compact YAML list of a million
    numbers is 2 MB and would take seconds and hundreds of MB to parse).
    """
    most = limit(name)
    if len(text) > most // 4:
        size = len(text.encode("utf-8", "surrogatepass"))
        if size > most:
            return f"{source}: {size:,} bytes; the limit for a task file is {most:,}"
    if not yaml:
        return None
    values = limit("task_values")
    separators = text.count(",") + text.count("\n")
    if separators > values:
        return (
            f"{source}: {separators:,} commas and lines, so more than {values:,} values; "
            f"the limit is {values:,} values per task"
        )
    return None


def render_table() -> str:
    """The Markdown table of ``LIMITS`` that docs/limits.md holds (tests/test_bounds.py checks)."""
    lines = ["| Limit | Value | Bounds |", "|---|---|---|"]
    for name, item in LIMITS.items():
        value = f"{item.value:.0e}" if item.value >= 10**9 else f"{item.value:,}"
        lines.append(f"| `{name}` | {value} {item.unit} | {item.bounds} |")
    return "\n".join(lines) + "\n"
