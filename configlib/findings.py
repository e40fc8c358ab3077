"""Findings: what validation and conversion report, each about one field."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # pydantic loads with the models that raise its errors, not with a finding
    from pydantic import BaseModel, ValidationError

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


def from_validation_error(
    error: ValidationError, prefix: str = "", model: type[BaseModel] | None = None
) -> list[Finding]:
    """One finding per pydantic error, with the field path and a plain message.

    With ``model`` (the class that was validated), an unknown key gets "did you mean".
    """
    items = []
    kinds: dict[str, list[str]] = {}  # path -> what the type errors there say it takes
    above: set[str] = set()  # paths some error lies below
    for item in error.errors(include_url=False):
        loc = [p for p in item["loc"] if not _is_union_tag(p)]
        full = [*([prefix] if prefix else []), *loc]
        path = field_path(full)
        items.append((path, loc, item))
        if item["type"] in _KINDS:
            kinds.setdefault(path, []).append(_KINDS[item["type"]])
        above.update(field_path(full[:end]) for end in range(1, len(full)))
    found = []
    merged: set[str] = set()
    for path, loc, item in items:
        if item["type"] in _KINDS:
            # A union reports each branch it tried; say once what the field takes, and leave
            # it out when another branch got further (its error, deeper down, is the one).
            if path in above or path in merged:
                continue
            if len(kinds[path]) > 1:
                merged.add(path)
                *rest, last = dict.fromkeys(kinds[path])
                wanted = f"{', '.join(rest)} or {last}" if rest else last
                found.append(
                    Finding(
                        "error", path, "invalid-value", f"expected {wanted}, not {_kind_of(item)}"
                    )
                )
                continue
        message = item["msg"]
        if message.startswith("Value error, "):
            message = message[len("Value error, ") :]
        if item["type"] == "extra_forbidden":
            message = "unknown key" + did_you_mean(str(loc[-1]), _known_keys(model, loc[:-1]))
        elif item["type"] == "missing":
            message = "required"
        found.append(Finding("error", path, "invalid-value", message))
    return unique(found)


#: pydantic's "wrong type" errors and what the field would take instead.
_KINDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true/false",
    "bool_parsing": "true/false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "is_instance_of": "a mapping",
}


def _kind_of(item: Any) -> str:
    value = item.get("input")
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _is_union_tag(part: int | str) -> bool:
    """pydantic names union branches in locations (``list[...]``, ``RangeSpec``); hide them."""
    return isinstance(part, str) and (
        "[" in part or part in {"RangeSpec", "str", "int", "float", "bool", "none"}
    )


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``; did you mean x?`` for a close known name, else ""."""
    import difflib

    close = difflib.get_close_matches(name, list(known), n=2, cutoff=0.6)
    return f"; did you mean {' or '.join(close)}?" if close else ""


def _known_keys(model: type[BaseModel] | None, loc: list[int | str]) -> list[str]:
    """The field names of the model found at ``loc`` under ``model`` (empty when unknown)."""
    from pydantic import BaseModel

    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        info = current.model_fields.get(part)
        if info is None:
            return []
        current = _model_in(info.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
