"""Expert mode: the flat ``parameters`` as rows (flag, values), read and written back.

Values are typed by the engine release's manifest: ``4, 8`` for an int flag becomes ``[4, 8]``,
``true`` for a switch becomes ``[true]``, and anything that would not survive the round trip as
plain text (commas inside a value, a string that looks like a number) is shown as a JSON list.
Parsing is lenient on purpose: a value the engine would refuse is still kept, and validation
reports it against the release's own rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from configlib.engines import Engine
from configlib.engines.manifest import FlagSpec
from configlib.io import InputError, parse_json
from configlib.model import RangeSpec

_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")

#: Row keys as the data editor shows them.
FLAG, VALUES, SOURCE, ACCEPTS = "flag", "values", "from", "accepts"


@dataclass(frozen=True)
class FlagInfo:
    """What one flag of a release accepts, for suggestions and for typing values."""

    name: str
    """Canonical spelling without dashes, as written in ``parameters``."""
    base: str | None
    """Value type: int, float, str, json, ... (None: a switch or untyped)."""
    switch: bool
    """True when the flag takes no value (true passes it, false leaves it out)."""
    choices: tuple[str, ...] | None
    """Values the release accepts, when it limits them."""
    default: Any
    """The parser's default."""
    deprecated: bool
    """True when the release marks the flag deprecated."""
    aliases: tuple[str, ...]
    """Other spellings the parser accepts, without dashes."""

    def describe(self) -> str:
        """One line: type, choices and default."""
        if self.switch:
            text = "switch (true or false)"
        elif self.choices:
            text = "one of " + ", ".join(self.choices)
        else:
            text = self.base or "value"
        if self.default not in (None, False, "", []) and not self.switch:
            text += f"; default {self.default}"
        if self.deprecated:
            text += "; deprecated"
        return text


def _base_type(type_name: str | None) -> str | None:
    current = type_name
    while current and current.endswith("]") and "[" in current:
        head, _, inner = current.partition("[")
        if head not in ("optional", "list"):
            break
        current = inner[:-1]
    return current


def _info(spec: FlagSpec, engine: Engine) -> FlagInfo:
    # vLLM checks some value lists after parsing; they are choices all the same.
    listed = engine.value_lists.get(spec.name)
    return FlagInfo(
        name=spec.bare,
        base=_base_type(spec.type),
        switch=not spec.takes_value,
        choices=spec.choices
        if spec.choices is not None
        else (tuple(sorted(listed)) if listed else None),
        default=spec.default,
        deprecated=spec.deprecated,
        aliases=tuple(a.lstrip("-") for a in spec.aliases),
    )


@cache
def flag_catalog(engine: Engine) -> tuple[FlagInfo, ...]:
    """Every flag of the release, sorted by name (deprecated ones last)."""
    infos = [
        _info(spec, engine) for spec in engine.manifest.flags.values() if spec.name.startswith("--")
    ]
    return tuple(sorted(infos, key=lambda i: (i.deprecated, i.name)))


def flag_info(engine: Engine, key: str) -> FlagInfo | None:
    """The flag a ``parameters`` key names in this release (None: unknown)."""
    resolved = engine.manifest.lookup_lenient(key)
    return _info(resolved.spec, engine) if resolved is not None else None


# ---- Values <-> text -------------------------------------------------------------------------


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def split_top_level(text: str) -> list[str]:
    """Split on commas outside brackets and quotes: ``a, {"x":1,"y":2}`` is two items."""
    items: list[str] = []
    depth = 0
    quote = ""
    current: list[str] = []
    for char in text:
        if quote:
            current.append(char)
            if char == quote:
                quote = ""
            continue
        if char in "\"'":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            items.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    items.append("".join(current).strip())
    return items


def _typed(token: str, info: FlagInfo | None) -> Any:
    lowered = token.lower()
    if info is not None and info.switch:
        if lowered in ("true", "false"):
            return lowered == "true"
        raise ValueError(f"{info.name} is a switch: write true or false, not {token!r}")
    if info is None:
        # An unknown flag: read the value as JSON would (the autotuner's parameters are JSON).
        if lowered in ("true", "false"):
            return lowered == "true"
        if _INT.match(token):
            return int(token)
        return float(token) if _FLOAT.match(token) else token
    if info.base in ("int", "human_readable_int") and _INT.match(token):
        return int(token)
    if info.base == "float" and _FLOAT.match(token):
        return float(token)
    return token


def render_values(values: Any, info: FlagInfo | None = None) -> str:
    """The values cell for one flag: ``4, 8``; JSON when plain text would change a value."""
    if isinstance(values, RangeSpec):
        return json.dumps(values.model_dump(exclude_none=True))
    if isinstance(values, Mapping):
        return json.dumps(dict(values))
    items = list(values) if isinstance(values, list | tuple) else [values]
    text = ", ".join(_scalar_text(v) for v in items)
    try:
        again = parse_values(text, info) if items else None
        if isinstance(again, list) and again == items and _same_types(again, items):
            return text
    except ValueError:
        pass
    return json.dumps(items, ensure_ascii=False)


def _same_types(a: Sequence[Any], b: Sequence[Any]) -> bool:
    return all(type(x) is type(y) for x, y in zip(a, b, strict=True))


def parse_values(text: str, info: FlagInfo | None = None) -> Any:
    """A values cell back to candidate values (a list, or a RangeSpec for a bayesian range)."""
    text = text.strip()
    if not text:
        raise ValueError("give at least one value (true for a switch)")
    if text[0] == "[":
        try:
            data = parse_json(text, "values")
        except InputError as error:
            raise ValueError(f"not a JSON list: {str(error).split(': ', 1)[-1]}") from None
        if not isinstance(data, list) or not data:
            raise ValueError("give at least one value in the list")
        return data
    if text[0] == "{":
        try:
            data = parse_json(text, "values")
        except InputError:
            data = None
        if isinstance(data, dict) and data.get("type") in ("categorical", "continuous", "integer"):
            try:
                return RangeSpec.model_validate(data)
            except ValueError:
                raise ValueError(
                    'a range is {"type": "integer" or "continuous", "low": .., "high": ..} or '
                    '{"type": "categorical", "choices": [..]}'
                ) from None
        return [text]
    return [_typed(token, info) for token in split_top_level(text) if token != ""] or _empty()


def _empty() -> list[Any]:
    raise ValueError("give at least one value (true for a switch)")


# ---- Rows <-> parameters ---------------------------------------------------------------------


def clean_flag(name: str) -> str:
    """A flag name as typed (``--tp-size``, `` tp-size ``) to a parameters key."""
    name = name.strip()
    return name[2:] if name.startswith("--") and len(name) > 2 else name


def rows_from_parameters(
    parameters: Mapping[str, Any], sources: Mapping[str, Sequence[str]], engine: Engine
) -> list[dict[str, str]]:
    """One row per flag, with where it comes from and what the release accepts."""
    rows = []
    for key, values in parameters.items():
        info = flag_info(engine, key)
        origin = ", ".join(sources.get(key, ()))
        rows.append(
            {
                FLAG: key,
                VALUES: render_values(values, info),
                SOURCE: origin or ("other flag" if info is not None else f"not in {engine.label}"),
                ACCEPTS: info.describe() if info is not None else "unknown flag",
            }
        )
    return rows


@dataclass
class ParsedRows:
    """Parameters read from rows, and the rows that could not be read (kept as typed)."""

    parameters: dict[str, Any]
    """Flag -> candidate values, from every readable row."""
    bad: list[dict[str, str]]
    """Rows that could not be read, as typed, each with an ``error``."""


def parameters_from_rows(rows: Iterable[Mapping[str, Any]], engine: Engine) -> ParsedRows:
    """Rows back to ``parameters``; a row with a problem is returned with an ``error``."""
    parameters: dict[str, Any] = {}
    bad: list[dict[str, str]] = []
    for row in rows:
        raw_flag = str(row.get(FLAG) or "")
        raw_values = "" if row.get(VALUES) is None else str(row.get(VALUES))
        if not raw_flag.strip() and not raw_values.strip():
            continue
        key = clean_flag(raw_flag)
        problem = _name_problem(key)
        if problem is None and key in parameters:
            problem = f"{key} is listed twice; keep one row"
        values: Any = None
        if problem is None:
            try:
                values = parse_values(raw_values, flag_info(engine, key))
            except ValueError as error:
                problem = str(error)
        if problem is not None:
            bad.append({FLAG: raw_flag, VALUES: raw_values, "error": problem})
            continue
        parameters[key] = values
    return ParsedRows(parameters, bad)


def _name_problem(key: str) -> str | None:
    if not key:
        return "give the flag name, e.g. tp-size"
    if any(c.isspace() for c in key) or "=" in key:
        return f"{key!r} is not a flag name: write the name alone (tp-size) and the values apart"
    return None


def apply_edits(rows: list[dict[str, Any]], edits: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Apply a data editor's change record (edited, added and deleted rows) to its input rows."""
    result = [dict(row) for row in rows]
    for index_text, change in (edits.get("edited_rows") or {}).items():
        index = int(index_text)
        if 0 <= index < len(result):
            result[index].update(change)
    deleted = {int(i) for i in edits.get("deleted_rows") or ()}
    result = [row for i, row in enumerate(result) if i not in deleted]
    for added in edits.get("added_rows") or ():
        result.append(dict(added))
    return result
