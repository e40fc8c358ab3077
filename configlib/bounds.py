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
    "gpus": Limit(
        65_536,
        "GPUs",
        "a parallel size or GPU count: in a task, and in an aiconfigurator result (tp, pp, dp, "
        "workers, num_total_gpus, total_gpus)",
    ),
    "tokens": Limit(
        1_000_000_000,
        "tokens",
        "a token count: context lengths and token budgets in a task, and in an aiconfigurator "
        "result (isl, osl, prefix, num_tokens)",
    ),
    "requests": Limit(
        100_000_000,
        "requests",
        "a request count: batch sizes, running requests and concurrency in a task, and in an "
        "aiconfigurator result (bs, global_bs, concurrency)",
    ),
    "memory_gib": Limit(
        1_000_000,
        "GiB",
        "a memory size in a task, and the predicted memory per GPU in an aiconfigurator result",
    ),
    "metric": Limit(
        10**12,
        "",
        "any other number in an aiconfigurator result or YAML (latencies in ms, throughputs, "
        "power); NaN and infinity are refused everywhere",
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


@dataclass(frozen=True)
class _Cap:
    """An optional limit of ``check_document``, resolved: its name and value."""

    name: str
    most: int

    @classmethod
    def of(cls, name: str | None) -> _Cap | None:
        return cls(name, limit(name)) if name else None

    def over(self, size: int, path: str, what: str, per: str = "") -> Finding | None:
        """The finding when ``size`` passes the limit; ``what`` formats the size."""
        if size <= self.most:
            return None
        return _finding(path, self.name, f"{what.format(size)}; the limit is {self.most:,}{per}")


def _over(cap: _Cap | None, size: int, path: str, what: str, per: str = "") -> Finding | None:
    return cap.over(size, path, what, per) if cap is not None else None


class _Walk:
    """One iterative walk of a document: a stack of (value, path, depth) and the findings.

    Each kind of value has its own step; containers push their items, so the findings come
    in the order the stack pops them.
    """

    def __init__(
        self,
        depth_limit: str,
        caps: dict[str, _Cap | None],
        numbers: bool,
    ) -> None:
        self.depth = _Cap(depth_limit, limit(depth_limit))
        self.lists, self.mappings = caps["list"], caps["mapping"]
        self.strings, self.keys = caps["string"], caps["key"]
        self.numbers = numbers
        self.found: list[Finding] = []
        self.stack: list[tuple[Any, str, int]] = []

    def run(self, data: Any, values: _Cap | None, max_findings: int) -> list[Finding]:
        self.stack.append((data, "", 0))
        seen = 0
        while self.stack and len(self.found) < max_findings:
            value, path, depth = self.stack.pop()
            seen += 1
            if values is not None and seen > values.most:
                message = f"the document holds more than {values.most:,} values"
                self.found.append(_finding("", values.name, message))
                break
            self._visit(value, path, depth)
        return self.found

    def _visit(self, value: Any, path: str, depth: int) -> None:
        if isinstance(value, dict):
            if self._container(value, path, depth, self.mappings, "{:,} entries"):
                self._mapping(value, path, depth)
        elif isinstance(value, list):
            if self._container(value, path, depth, self.lists, "{:,} values", " per list"):
                self.stack.extend((item, _join(path, i), depth + 1) for i, item in enumerate(value))
        elif isinstance(value, str):
            self._add(_over(self.strings, len(value), path, "a text of {:,} characters"))
        elif self.numbers and isinstance(value, int | float) and not isinstance(value, bool):
            self._number(value, path)

    def _container(
        self,
        value: dict[Any, Any] | list[Any],
        path: str,
        depth: int,
        cap: _Cap | None,
        what: str,
        per: str = "",
    ) -> bool:
        """Whether the container's items are walked: not too deep, not too many."""
        if depth >= self.depth.most:
            self.found.append(_depth(path, self.depth.name, self.depth.most))
            return False
        return not self._add(_over(cap, len(value), path, what, per))

    def _mapping(self, value: dict[Any, Any], path: str, depth: int) -> None:
        for key, item in value.items():
            too_long = (
                _over(self.keys, len(key), _join(path, key), "a key of {:,} characters")
                if isinstance(key, str)
                else None
            )
            if not self._add(too_long):
                self.stack.append((item, _join(path, key), depth + 1))

    def _number(self, value: int | float, path: str) -> None:
        problem = check_number(value)
        if isinstance(problem, int | float):
            return
        if isinstance(value, float):
            self.found.append(Finding("error", path, "not-finite", problem.reason))
        else:
            self.found.append(_finding(path, "integer_bits", problem.reason))

    def _add(self, finding: Finding | None) -> bool:
        if finding is None:
            return False
        self.found.append(finding)
        return True


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
    caps = {
        "list": _Cap.of(list_limit),
        "mapping": _Cap.of(mapping_limit),
        "string": _Cap.of(string_limit),
        "key": _Cap.of(key_limit),
    }
    return _Walk(depth_limit, caps, numbers).run(data, _Cap.of(values_limit), max_findings)


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


def check_task_limits(data: Any) -> list[Finding]:
    """Findings for every limit a task's data exceeds but the grid's size: nesting, list and
    mapping sizes, text and key lengths, number of values (the store counts the grid of the
    task itself, where flags generated from fields are not counted twice)."""
    return check_document(
        data,
        depth_limit="task_depth",
        list_limit="candidates",
        mapping_limit="flags",
        string_limit="string_chars",
        key_limit="key_chars",
        values_limit="task_values",
    )


def check_task_document(data: Any) -> list[Finding]:
    """Findings for every limit a parsed task document exceeds (empty when within them)."""
    found = check_task_limits(data)
    if not found and isinstance(data, dict):
        found = check_grid_size(grid_points(data))
    return found


def check_grid_size(points: int) -> list[Finding]:
    """A finding when a grid of ``points`` combinations is beyond the limit (else none)."""
    most = limit("grid_points")
    if points <= most:
        return []
    message = f"the candidate lists make {points:.3g} combinations; the limit is {most:.0e}"
    return [_finding("parameters", "grid_points", message)]


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
        unit = f" {item.unit}" if item.unit else ""
        lines.append(f"| `{name}` | {value}{unit} | {item.bounds} |")
    return "\n".join(lines) + "\n"
