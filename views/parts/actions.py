"""The editor's actions: save (with stale-save conflicts), downloads, presets."""

from __future__ import annotations

import streamlit as st

from configlib.findings import Finding, errors
from configlib.model import TaskConfig
from configlib.safe_text import md
from configlib.ui import keys
from configlib.ui.downloads import downloads_of
from configlib.ui.editor import EditorState
from views.parts import drafts
from views.parts.common import lazy_popover, set_flash
from views.parts.engine_files import engine_file_downloads
from views.parts.resources import store

# ---- Save ----------------------------------------------------------------------------------


def _save(state: EditorState, draft: str, name: str | None = None) -> None:
    # A button callback: it runs before the page, so every store error is turned into a
    # message here (the page's own handler never sees it).
    from configlib.store import ConflictError, InvalidData, NameTaken, NotFound, StoreError

    if name is None and state.unchanged:
        set_flash("info", "No unsaved changes.")
        return
    task = state.task if name is None else state.task.model_copy(update={"task_name": name})
    same_task = state.stored is not None and state.stored.name == task.task_name
    expected = state.stored.version if same_task and state.stored else None
    try:
        saved = store().save_task(task, expected_version=expected)
    except ConflictError as error:
        st.session_state[keys.CONFLICT] = (draft, str(error))
        return
    except NameTaken:
        st.session_state[keys.CONFLICT] = (
            draft,
            f"A task named {task.task_name!r} already exists. Open it from the Tasks page, or "
            "save this one under another name.",
        )
        return
    except NotFound as error:
        # Deleted or renamed elsewhere since it was loaded: the edits stay, as a new task.
        state.lose_stored()
        set_flash("warning", f"Not saved: {error}.")
        return
    except InvalidData as error:
        details = "; ".join(str(f) for f in error.findings[:5])
        set_flash("error", f"Not saved: {error}" + (f" ({details})" if details else ""))
        return
    except StoreError as error:
        set_flash("error", f"Not saved: {error}")
        return
    if saved.task != state.task:
        state.replace(saved.task)  # the store's copy (a rename, regenerated flags) is the truth
    drafts.saved_as(draft, state, saved.name, saved.version)
    st.session_state.pop(keys.CONFLICT, None)
    set_flash("success", f"Saved {saved.name} (version {saved.version}).")


def _reload(state: EditorState, draft: str) -> None:
    from configlib.store import StoreError

    try:
        fresh = drafts.load_stored(state.stored.name) if state.stored else None
    except StoreError as error:
        set_flash("error", f"Not reloaded: {error}")
        return
    st.session_state.pop(keys.CONFLICT, None)
    if fresh is None:
        state.lose_stored()
        set_flash("error", "The stored task is gone; your edits are kept.")
        return
    drafts.drafts()[draft] = fresh
    fresh.form_revision = state.form_revision + 1
    set_flash(
        "success",
        f"Reloaded {fresh.name} (version {fresh.stored.version if fresh.stored else ''}); "
        "your unsaved edits were discarded.",
    )


def save_panel(state: EditorState, draft: str, findings: list[Finding]) -> None:
    """Save, or the conflict of a stale save with its two ways out."""
    blocking = errors(findings)
    renamed = state.stored is not None and state.stored.name != state.task.task_name
    label = "Save as new task" if state.stored is None or renamed else "Save"
    conflict = st.session_state.get(keys.CONFLICT)
    if conflict and conflict[0] == draft:
        st.error(md(conflict[1]), icon=":material/sync_problem:")
        reload_col, save_as_col = st.columns(2)
        if state.stored is not None:
            reload_col.button(
                "Reload the stored version",
                on_click=_reload,
                args=(state, draft),
                help="Discard your edits and load what is stored now.",
            )
        with save_as_col:
            new_name = st.text_input(
                "Save as", key=keys.SAVE_AS_NAME, placeholder=f"{state.task.task_name}-2"
            )
            st.button(
                "Save under this name",
                disabled=not new_name or bool(blocking),
                on_click=_save,
                args=(state, draft, new_name),
            )
    st.button(
        label,
        type="primary",
        disabled=bool(blocking),
        on_click=_save,
        args=(state, draft),
        help=f"{len(blocking)} error(s) must be fixed first" if blocking else None,
        width="stretch",
    )


# ---- Downloads -----------------------------------------------------------------------------


def download_buttons(task: TaskConfig, key: str) -> None:
    for label, name, mime, content, problem in downloads_of(task):
        if content is None:
            st.caption(md(f"{label}: not available ({problem})"))
            continue
        st.download_button(
            label, content, file_name=name, mime=mime, on_click="ignore", width="stretch",
            key=f"{key}:{label}",
        )  # fmt: skip


def downloads(state: EditorState) -> None:
    key = keys.popover("editor", "download")
    box = lazy_popover(st, "Download", key, ":material/download:")
    if box is not None:
        with box:
            download_buttons(state.task, "editor.download")
            engine_file_downloads(state.task, "editor.download")
