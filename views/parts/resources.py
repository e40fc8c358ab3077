"""Process-wide resources of the app: the store handle and the repository's example tasks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from configlib.safe_text import md
from configlib.ui.examples import (
    EXAMPLE_SUFFIXES,
    Example,
    database_url,
    examples_dir,
    read_example,
)

if TYPE_CHECKING:
    from configlib.store import Store


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
    return [
        read_example(Path(name)) for name in _example_files(str(folder), folder.stat().st_mtime)
    ]
