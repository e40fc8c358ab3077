"""The repository's example tasks as the app lists them, each read safely (a broken file is
listed with its error), and where the app finds its database (views/parts/resources.py caches
both)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from configlib.findings import Finding

if TYPE_CHECKING:  # reading an example loads the task model; finding the database does not
    from configlib.model import TaskConfig

#: Where the example task files live (override with CONFIGLIB_EXAMPLES).
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"


EXAMPLE_SUFFIXES = (".json", ".yaml", ".yml")


def database_url() -> str | None:
    return os.environ.get("DATABASE_URL") or None


def examples_dir() -> Path:
    override = os.environ.get("CONFIGLIB_EXAMPLES")
    return Path(override) if override else EXAMPLES_DIR


@dataclass(frozen=True)
class Example:
    """One example task file: its task, or why it could not be read."""

    path: Path
    """The example file."""
    task: TaskConfig | None
    """Its task, or None when it could not be read."""
    problem: str = ""
    """Why it could not be read."""
    notes: tuple[Finding, ...] = ()
    """What reading it had to say (renamed keys ...)."""


def read_example(path: Path) -> Example:
    """One example file read, or why it could not be."""
    from configlib.io import InputError
    from configlib.taskfile import TaskFormatError, load_task

    try:
        task, notes = load_task(str(path))
    except (InputError, TaskFormatError) as error:
        return Example(path, None, str(error))
    return Example(path, task, "", tuple(notes))
