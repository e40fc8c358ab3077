"""Open drafts of the task editor, kept in the session so nothing typed is lost.

Each stored task being edited has its own draft (``task:NAME``), plus one new-task draft. The
editor shows the task the URL names (``?task=NAME``), else the last draft it showed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import streamlit as st

from configlib.ui import keys
from views.parts.resources import store

# The editor's state (and with it the task model and conversion code) loads when a draft is
# made: the Tasks page imports this module for its buttons, and draws before any draft exists.
if TYPE_CHECKING:
    from configlib.model import TaskConfig
    from configlib.ui.editor import EditorState


def drafts() -> dict[str, EditorState]:
    if keys.DRAFTS not in st.session_state:
        st.session_state[keys.DRAFTS] = {}
    return cast("dict[str, EditorState]", st.session_state[keys.DRAFTS])


def load_stored(name: str) -> EditorState | None:
    """A fresh draft of the stored task ``name`` (None when there is none)."""
    from configlib.store import NotFound
    from configlib.ui.editor import EditorState, StoredRef

    try:
        stored = store().get_task(name)
    except NotFound:
        return None
    return EditorState.from_task(stored.task, StoredRef(name, stored.version))


def open_task(name: str) -> str | None:
    """Show the stored task ``name`` in the editor (its open draft if any)."""
    draft = keys.draft_id(name)
    if draft not in drafts():
        state = load_stored(name)
        if state is None:
            return None
        drafts()[draft] = state
    st.session_state[keys.CURRENT] = draft
    return draft


def open_new(task: TaskConfig | None = None, *, replace: bool = True) -> str:
    """Show a new, unsaved draft (empty, or a copy of ``task``)."""
    from configlib.ui.editor import EditorState

    if replace or keys.NEW_DRAFT not in drafts():
        drafts()[keys.NEW_DRAFT] = (
            EditorState.new() if task is None else _unsaved(EditorState.from_task(task))
        )
    st.session_state[keys.CURRENT] = keys.NEW_DRAFT
    return keys.NEW_DRAFT


def _unsaved(state: EditorState) -> EditorState:
    state.dirty = True
    return state


def current() -> tuple[str, EditorState] | None:
    """The draft the editor shows, following ``?task=NAME``; None when that task is gone.

    A draft whose stored task was deleted (or renamed) elsewhere since it was loaded is kept
    when it holds edits, as a new task to save; an unedited one is dropped.
    """
    wanted = st.query_params.get("task")
    if wanted:
        draft = open_task(wanted)
        if draft is not None and not _still_stored(draft):
            draft = open_task(wanted)  # an unedited draft was dropped: is the task there?
        if draft is None:
            return None
        return draft, drafts()[draft]
    draft = st.session_state.get(keys.CURRENT)
    if draft not in drafts() or not _still_stored(draft):
        draft = open_new(replace=False)
    state = drafts()[draft]
    if state.stored is not None:
        st.query_params["task"] = state.stored.name
    return draft, state


def _still_stored(draft: str) -> bool:
    """False when the draft's stored task is gone and the draft was dropped for it (it had no
    edits); a draft with edits is kept, as a new task."""
    state = drafts()[draft]
    if state.stored is None or store().task_version(state.stored.name) is not None:
        return True
    if state.dirty:
        state.lose_stored()
        return True
    drafts().pop(draft, None)
    if st.session_state.get(keys.CURRENT) == draft:
        st.session_state.pop(keys.CURRENT, None)
    return False


def saved_as(old_draft: str, state: EditorState, name: str, version: int) -> str:
    """Re-file a draft under its stored name after a save."""
    state.mark_saved(name, version)
    new_draft = keys.draft_id(name)
    drafts().pop(old_draft, None)
    drafts()[new_draft] = state
    st.session_state[keys.CURRENT] = new_draft
    st.query_params["task"] = name
    return new_draft


def forget(name: str) -> None:
    """Drop the draft of a deleted task, unless it holds edits: that one stays, as a new task
    to save."""
    state = drafts().get(keys.draft_id(name))
    if state is not None and state.dirty:
        state.lose_stored()
        return
    drafts().pop(keys.draft_id(name), None)
    if st.session_state.get(keys.CURRENT) == keys.draft_id(name):
        st.session_state.pop(keys.CURRENT, None)
