"""Rows of the History section and of two compared tasks (``configlib.taskdiff`` finds the
changes; views/parts/history.py draws them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from configlib.taskdiff import FieldChange, shown
from configlib.ui.fields import path_label

if TYPE_CHECKING:
    from configlib.store import TaskVersion


COLUMNS = ["setting", "change", "before", "after"]


def change_rows(changes: Sequence[FieldChange]) -> list[list[str]]:
    """Table rows: each setting by its label (``Max running (requests)``, not its path);
    values as JSON text, so a list, a number and a string read apart."""
    return [
        [path_label(change.path), change.kind, shown(change.before), shown(change.after)]
        for change in changes
    ]


def version_label(version: TaskVersion) -> str:
    who = f" by {version.saved_by}" if version.saved_by else ""
    now = " (current)" if version.current else ""
    return f"v{version.version} · {version.saved_at:%Y-%m-%d %H:%M}{who}{now}"
