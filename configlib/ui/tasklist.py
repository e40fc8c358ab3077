"""The Tasks page's table rows and upload messages (views/parts/tasklist.py draws them)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from configlib.safe_text import md, md_code

if TYPE_CHECKING:
    from configlib.store import TaskSummary


TASK_COLUMNS = ["name", "model", "runtime", "GPUs needed", "grid size", "source", "updated", "open"]


UPLOAD_TYPES = ["json", "yaml", "yml"]


def selection_token(names: Sequence[str]) -> str:
    """A short token of the selected tasks, in order: part of the keys of every widget that
    acts on the selection, so a widget drawn for one selection (an open popover, a ticked
    confirmation, a typed name) never acts on another."""
    return hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]


def view_label(runtime: str, sort: str, descending: bool, page_size: int) -> str:
    """The label of the Tasks page's view options, saying which are in force while closed
    (e.g. ``any runtime · Last updated ↓ · 50 a page``)."""
    shown = "any runtime" if runtime == "any" else runtime
    return f"{shown} · {sort} {'↓' if descending else '↑'} · {page_size} a page"


def editor_link(name: str) -> str:
    """The editor page's URL for the stored task ``name``."""
    return f"editor?task={quote(name, safe='')}"


def task_rows(items: Sequence[TaskSummary]) -> list[dict[str, Any]]:
    return [
        {
            "name": item.name,
            "model": item.model,
            "runtime": f"{item.runtime} {item.engine_release}".strip(),
            "GPUs needed": item.gpus_needed,
            "grid size": item.grid_size,
            "source": item.source,
            "updated": item.updated_at,
            "open": editor_link(item.name),
        }
        for item in items
    ]


def refused(file_name: str, error: Any) -> str:
    """Markdown: the file was not saved, and each finding with its field."""
    findings = error.findings
    if not findings:
        return md(f"{file_name}: not saved: {error}")
    lines = [md(f"{file_name}: not saved; fix these in the file and upload it again:")]
    lines += [
        f"- {md_code(f.path or 'task')} {md(f.message)} ({md(f.code)})" for f in findings[:20]
    ]
    if len(findings) > 20:
        lines.append(md(f"- and {len(findings) - 20} more"))
    return "\n".join(lines)
