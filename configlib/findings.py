"""Findings: what validation and conversion report, each about one field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from pydantic import ValidationError

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem or caveat, about the field at ``path`` (dotted, e.g. parallel_config.tp)."""

    severity: Severity
    path: str
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.severity}: {where}{self.message} [{self.code}]"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


def warnings(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "warning"]


def unique(findings: Iterable[Finding]) -> list[Finding]:
    """Drop repeats, keeping the first of each."""
    seen: set[Finding] = set()
    kept: list[Finding] = []
    for finding in findings:
        if finding not in seen:
            seen.add(finding)
            kept.append(finding)
    return kept


def field_path(loc: Iterable[int | str]) -> str:
    """``("parallel_config", "tp", 1)`` -> ``parallel_config.tp[1]``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def from_validation_error(error: ValidationError, prefix: str = "") -> list[Finding]:
    """One finding per pydantic error, with the field path and a plain message."""
    found = []
    for item in error.errors(include_url=False):
        loc = [p for p in item["loc"] if not _is_union_tag(p)]
        path = field_path([*([prefix] if prefix else []), *loc])
        message = item["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if item["type"] == "extra_forbidden":
            message = "unknown key"
        elif item["type"] == "missing":
            message = "required"
        found.append(Finding("error", path, "invalid-value", message))
    return unique(found)


def _is_union_tag(part: int | str) -> bool:
    """pydantic names union branches in locations (``list[...]``, ``RangeSpec``); hide them."""
    return isinstance(part, str) and (
        "[" in part or part in {"RangeSpec", "str", "int", "float", "bool", "none"}
    )
