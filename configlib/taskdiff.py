"""Field-by-field differences between two tasks: two versions of one task, or two tasks.

A difference is a field path (``parallel_config.tp``, a flag under ``parameters``),
the value before and the value after; a side where the field is absent is ``None``. Lists
are compared whole, because a tunable field's candidate list is one setting: ``[1, 2]`` ->
``[1, 2, 4]`` is one change of ``parallel_config.tp``, not an added element.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from configlib.model import TaskConfig

#: Shown for a side where the field is not set.
ABSENT = "—"


@dataclass(frozen=True)
class FieldChange:
    """One field whose value differs."""

    path: str
    """Dotted field path; flag names under ``parameters`` keep their own spelling."""
    before: Any
    """The value in the first task (None: the field is not set there)."""
    after: Any
    """The value in the second task (None: the field is not set there)."""

    @property
    def kind(self) -> str:
        """added, removed or changed."""
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


def task_changes(before: TaskConfig, after: TaskConfig) -> list[FieldChange]:
    """What differs from ``before`` to ``after``, in field order (first task's order, then
    fields only the second has)."""
    return data_changes(
        before.model_dump(mode="json", exclude_none=True),
        after.model_dump(mode="json", exclude_none=True),
    )


def shown(value: Any) -> str:
    """A side of a change as text: JSON, so a list, a number and a string read apart."""
    return ABSENT if value is None else json.dumps(value, ensure_ascii=False)


def summary(changes: Sequence[FieldChange], most: int = 3) -> str:
    """The changed fields in one line: the first ``most`` paths, then how many more."""
    if not changes:
        return "no changes"
    listed = ", ".join(change.path for change in changes[:most])
    more = len(changes) - most
    return listed + (f" (+{more} more)" if more > 0 else "")


def data_changes(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    """The differences between two task dumps (``model_dump(mode="json")``)."""
    changes: list[FieldChange] = []
    _walk("", before, after, changes)
    return changes


def _walk(prefix: str, before: Any, after: Any, changes: list[FieldChange]) -> None:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in dict.fromkeys([*before, *after]):
            _walk(
                f"{prefix}.{key}" if prefix else str(key), before.get(key), after.get(key), changes
            )
        return
    if not _same(before, after):
        changes.append(FieldChange(prefix, before, after))


def _same(a: Any, b: Any) -> bool:
    """Equal and of the same types throughout: in Python True == 1 and [1] == [True], which
    would hide a flag switching from 1 to true."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)
