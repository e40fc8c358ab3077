"""Process-wide resources of the app: the store handle and the repository's example tasks."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from configlib.findings import Finding
from configlib.io import InputError
from configlib.model import TaskConfig
from configlib.safe_text import md
from configlib.taskfile import TaskFormatError, load_task

if TYPE_CHECKING:
    from configlib.store import Store

#: Where the example task files live (override with CONFIGLIB_EXAMPLES).
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE_SUFFIXES = (".json", ".yaml", ".yml")


def database_url() -> str | None:
    return os.environ.get("DATABASE_URL") or None


@st.cache_resource(show_spinner="Opening the database…")
def _open_store(url: str | None) -> Store:
    from configlib.store import Store

    return Store.open(url)


def store() -> Store:
    """The store for DATABASE_URL (or the default SQLite file), opened once per process.

    An unreachable or unusable database stops the page with the reason, never a traceback.
    """
    try:
        return _open_store(database_url())
    except Exception as error:  # any driver error: show it where the user looks
        st.error(md(f"The database cannot be opened: {error}"), icon=":material/database:")
        st.caption(
            "Set DATABASE_URL to a reachable SQLAlchemy URL, or unset it to use the "
            "default SQLite file."
        )
        st.stop()
        raise  # st.stop() raises; this keeps type checkers informed


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


@st.cache_data(show_spinner=False)
def _example_files(folder: str, stamp: float) -> list[str]:
    del stamp  # only part of the cache key: a changed folder is listed again
    root = Path(folder)
    return sorted(str(p) for p in root.iterdir() if p.suffix.lower() in EXAMPLE_SUFFIXES)


def examples() -> list[Example]:
    """The repository's example tasks, read safely (a broken file is listed with its error)."""
    folder = examples_dir()
    if not folder.is_dir():
        return []
    found = []
    for name in _example_files(str(folder), folder.stat().st_mtime):
        path = Path(name)
        try:
            task, notes = load_task(str(path))
        except (InputError, TaskFormatError) as error:
            found.append(Example(path, None, str(error)))
            continue
        found.append(Example(path, task, "", tuple(notes)))
    return found
