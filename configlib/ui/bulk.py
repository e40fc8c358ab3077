"""Acting on many stored tasks at once (the Tasks page's multi-row selection): delete them,
or export them as one zip of task files. No widgets here; the page draws them."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from configlib.io import dump_document
from configlib.model import TaskConfig
from configlib.safe_text import file_stem
from configlib.taskfile import to_autotuner, to_structured_form

if TYPE_CHECKING:
    from configlib.store import Store, TaskSummary

#: Zip contents a user can pick: key -> (label, file name suffix).
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    "autotuner": ("Autotuner JSON (runs as is)", ".json"),
    "structured-yaml": ("Structured YAML", ".yaml"),
    "structured-json": ("Structured JSON", ".structured.json"),
}


def task_file(task: TaskConfig, kind: str) -> str:
    """One task as the text of a file of the chosen export format."""
    if kind == "autotuner":
        document, _ = to_autotuner(task)
        return dump_document(document, "json")
    structured, _ = to_structured_form(task)
    return dump_document(structured, "yaml" if kind == "structured-yaml" else "json")


def export_zip(tasks: Sequence[TaskConfig], kind: str) -> bytes:
    """A zip with one file per task; names that would clash on disk get -2, -3 ..."""
    if kind not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {kind!r}; one of {', '.join(EXPORT_FORMATS)}")
    suffix = EXPORT_FORMATS[kind][1]
    used: set[str] = set()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for task in tasks:
            stem = file_stem(task.task_name)
            # Case-folded: a zip unpacked on macOS or Windows must not overwrite a sibling.
            name, number = stem, 2
            while name.lower() in used:
                name, number = f"{stem}-{number}", number + 1
            used.add(name.lower())
            archive.writestr(f"{name}{suffix}", task_file(task, kind))
    return buffer.getvalue()


@dataclass
class Deleted:
    """What a bulk delete did, task by task."""

    deleted: list[str] = field(default_factory=list)
    """Names deleted."""
    results: int = 0
    """Measured results deleted with them."""
    refused: list[tuple[str, str]] = field(default_factory=list)
    """(name, why) of tasks left in place: changed or deleted by someone since listed."""


def delete_tasks(db: Store, items: Sequence[TaskSummary]) -> Deleted:
    """Delete each listed task at the version it was listed with; a task changed meanwhile is
    kept and reported, the others are still deleted."""
    from configlib.store import ConflictError, NotFound

    done = Deleted()
    for item in items:
        try:
            done.results += db.delete_task(item.name, expected_version=item.version)
        except (ConflictError, NotFound) as error:
            done.refused.append((item.name, str(error)))
        else:
            done.deleted.append(item.name)
    return done
