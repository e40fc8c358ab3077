"""Emitting one rule over candidate lists, and whether the flag lists say exactly that."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from configlib.bounds import limit
from configlib.convert.common import _type_key
from configlib.engines import Engine
from configlib.engines.rules import CANNOT_EXPRESS, ENGINE_LABELS, Bound, Note

# ---- Emitting one rule over candidate lists ------------------------------------------------


@dataclass
class _Emission:
    flags: dict[str, list[Any]]
    notes: list[Note]
    ok: bool
    reason: str = ""
    cannot: bool = False
    """The rule cannot say these values at all (not a matter of candidate lists)."""


def _emit(
    bound: Bound, lists: Sequence[list[Any] | None], switches: Callable[[str], bool]
) -> _Emission:
    """Run one bound rule over every combination of its fields' candidates."""
    notes: list[Note] = []
    if all(values is None or len(values) == 1 for values in lists):
        single = tuple(None if values is None else values[0] for values in lists)
        flags = bound.emit(single, notes)
        if any(n.code == CANNOT_EXPRESS for n in notes):
            return _cannot(notes)
        return _Emission({key: [value] for key, value in flags.items()}, notes, True)
    axes = [values if values is not None else [None] for values in lists]
    combinations = math.prod(len(axis) for axis in axes)
    if combinations > limit("rule_combinations"):
        return _Emission(
            {},
            notes,
            False,
            f"their candidates make {combinations:,} combinations, more than the limit of "
            f"{limit('rule_combinations'):,} one rule expands",
        )
    rows = [bound.emit(combo, notes) for combo in itertools.product(*axes)]
    if any(n.code == CANNOT_EXPRESS for n in notes):
        return _cannot(notes)
    keys: list[str] = []
    for row in rows:
        keys.extend(k for k in row if k not in keys)
    if not keys:
        return _Emission({}, notes, True)
    table = _columns(rows, keys, switches)
    if isinstance(table, str):
        return _Emission({}, notes, False, table)
    columns, distinct = table
    if len(distinct) != math.prod(len(v) for v in columns.values()):
        return _Emission(
            columns,
            notes,
            False,
            "the flags would vary independently, adding combinations that the candidates do "
            "not contain",
        )
    notes.extend(_redundant(bound, lists, axes, len(distinct)))
    return _Emission(columns, notes, True)


def _columns(
    rows: list[dict[str, Any]], keys: list[str], switches: Callable[[str], bool]
) -> tuple[dict[str, list[Any]], set[tuple[Any, ...]]] | str:
    """Each flag's distinct values in order, and the distinct rows (values typed, so True and
    1 differ); a reason instead when a row leaves out a valued flag another row writes."""
    columns: dict[str, list[Any]] = {k: [] for k in keys}
    seen: dict[str, set[Any]] = {k: set() for k in keys}
    distinct = set()
    for row in rows:
        entry = []
        for key in keys:
            if key in row:
                value = row[key]
            elif switches(key):
                value = False
            else:
                return (
                    f"some candidates write --{key} and others leave it out, which one flag "
                    "list cannot say"
                )
            marker = _type_key(value)
            if marker not in seen[key]:
                seen[key].add(marker)
                columns[key].append(value)
            entry.append((type(value), value))
        distinct.add(tuple(entry))
    return columns, distinct


def _redundant(
    bound: Bound, lists: Sequence[list[Any] | None], axes: list[list[Any]], launches: int
) -> list[Note]:
    """A warning when several asked-for candidates give the same launch."""
    triggers = [bound.fields.index(path) for path in bound.trigger]
    asked = {tuple(combo[i] for i in triggers) for combo in itertools.product(*axes)}
    if launches >= len(asked):
        return []
    varied = [
        path
        for path, values in zip(bound.fields, lists, strict=True)
        if path in bound.trigger and values is not None and len(values) > 1
    ]
    return [
        Note(
            "warning",
            varied[0] if varied else bound.fields[0],
            "redundant-candidates",
            f"{ENGINE_LABELS.get(bound.manifest.engine)} writes the same flags for several "
            f"candidates of {', '.join(varied)}; the autotuner runs each distinct launch once",
        )
    ]


def _cannot(notes: list[Note]) -> _Emission:
    reasons = [n.message for n in notes if n.code == CANNOT_EXPRESS]
    kept = [n for n in notes if n.code != CANNOT_EXPRESS]
    return _Emission({}, kept, False, "; ".join(dict.fromkeys(reasons)), cannot=True)


def _is_switch_key(engine: Engine) -> Callable[[str], bool]:
    def is_switch(key: str) -> bool:
        found = engine.manifest.lookup_key(key)
        return found is not None and not found.spec.takes_value

    return is_switch
