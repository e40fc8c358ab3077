"""The Tasks page's parts: table rows, the actions on one task, uploads and examples."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import streamlit as st

from configlib.safe_text import md, md_code
from configlib.ui.tasklist import UPLOAD_TYPES, refused, selection_token
from views.parts import drafts
from views.parts.common import lazy_popover, set_flash
from views.parts.resources import examples

# Reading, exporting and downloading tasks load the task model and the conversion code; they
# are imported by the actions that need them, so the task list draws without them.
if TYPE_CHECKING:
    from configlib.store import Store, TaskSummary

COLUMN_CONFIG: dict[str, Any] = {
    "name": st.column_config.TextColumn(pinned=True),
    "GPUs needed": st.column_config.NumberColumn(help="Most GPUs one server of the grid needs"),
    "grid size": st.column_config.NumberColumn(
        help="Combinations in the flag grid", format="localized"
    ),
    "updated": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
    "open": st.column_config.LinkColumn(display_text="open ↗", help="Open in the editor"),
}


def first_page() -> None:
    """A filter changed: go back to the first page."""
    st.session_state["tasks.page"] = 1


def table_generation() -> int:
    """Part of the table's key: bumped after deletions, so the rows the browser had ticked
    are not taken to mean the tasks that moved up into their places."""
    return int(st.session_state.get("tasks.generation", 0))


def _clear_selection() -> None:
    st.session_state["tasks.generation"] = table_generation() + 1


def select_page(table: str) -> None:
    """Tick every row of the page shown (the table keyed ``table``, without its generation):
    a new table whose default selection is all rows."""
    _clear_selection()
    st.session_state["tasks.select_all"] = (table, table_generation())


def page_selected(table: str) -> bool:
    """True while the table is the one "Select the whole page" drew: the same page of the
    same view, not changed since. Another page, search or order starts with nothing
    selected, like any new table, and so does coming back to that page later."""
    chosen = st.session_state.get("tasks.select_all")
    if chosen == (table, table_generation()):
        return True
    st.session_state.pop("tasks.select_all", None)
    return False


def popover_key(name: str, token: str) -> str:
    """The key of a popover acting on the selection ``token`` (``selection_token``): when the
    selection changes, a new popover, closed, with its label for the new selection."""
    return f"tasks.popover:{name}:{token}"


# ---- One task ------------------------------------------------------------------------------


def actions(db: Store, item: TaskSummary, editor: str) -> None:
    """Open, duplicate, delete (confirmed) and download the selected task."""
    from configlib.store import ConflictError, NotFound

    # Every widget below is keyed by the task: one drawn for another row never acts on this.
    token = selection_token([item.name])
    st.subheader(md(item.name))
    open_col, dup_col, del_col, down_col = st.columns(4)
    if open_col.button("Open in the editor", icon=":material/edit:", width="stretch"):
        st.switch_page(editor, query_params={"task": item.name})
    dup = lazy_popover(
        dup_col, "Duplicate", popover_key("dup", token), ":material/content_copy:",
        width="stretch",
    )  # fmt: skip
    if dup is not None:
        with dup:
            new_name = st.text_input(
                "New name", value=f"{item.name}-copy", key=f"tasks.dup_name:{token}"
            )
            if st.button("Create the copy", key=f"tasks.dup:{token}"):
                _duplicate(db, item.name, new_name.strip())
    remove = lazy_popover(
        del_col, "Delete", popover_key("delete", token), ":material/delete:", width="stretch"
    )
    if remove is not None:
        with remove:
            results = len(db.list_results(item.name))
            sure = st.checkbox(
                md(
                    f"Delete {item.name} (version {item.version}) and its {results} "
                    "measured result(s)"
                ),
                # Per task and version: a tick given for another row never carries over.
                key=f"tasks.confirm_delete:{item.name}:{item.version}",
            )
            if st.button(
                "Delete for good", type="primary", disabled=not sure,
                key=f"tasks.delete:{token}",
            ):  # fmt: skip
                try:
                    db.delete_task(item.name, expected_version=item.version)
                except (ConflictError, NotFound) as error:
                    st.error(md(error))
                else:
                    drafts.forget(item.name)
                    _clear_selection()
                    set_flash("success", f"Deleted {item.name}.")
                    st.rerun()
    down = lazy_popover(
        down_col, "Download", popover_key("download", token), ":material/download:",
        width="stretch",
    )  # fmt: skip
    if down is not None:
        from views.parts.actions import download_buttons

        with down:
            try:
                download_buttons(db.get_task(item.name).task, "tasks.download")
            except NotFound:
                st.warning(md(f"{item.name} was deleted meanwhile."))


# ---- Several tasks -------------------------------------------------------------------------


def many_actions(db: Store, items: Sequence[TaskSummary]) -> None:
    """Delete (confirmed) or export as one zip the selected tasks."""
    from configlib.store import NotFound
    from configlib.ui import bulk

    names = [item.name for item in items]
    st.subheader(f"{len(items)} tasks selected")
    shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
    st.caption(md(shown))
    # Keyed by the selection: a popover opened, or a confirmation ticked, for other tasks
    # never carries over; a changed selection draws them anew, labelled with its count.
    selection = selection_token(names)
    del_col, zip_col = st.columns(2)
    remove = lazy_popover(
        del_col, f"Delete {len(items)} tasks", popover_key("delete_many", selection),
        ":material/delete:", width="stretch",
    )  # fmt: skip
    if remove is not None:
        with remove:
            results = sum(len(db.list_results(name)) for name in names)
            sure = st.checkbox(
                f"Delete these {len(items)} tasks and their {results} measured result(s)",
                key=f"tasks.confirm_delete_many:{selection}",
            )
            if st.button(
                "Delete them for good", type="primary", disabled=not sure,
                key=f"tasks.delete_many:{selection}",
            ):  # fmt: skip
                _delete_many(db, items)
    export = lazy_popover(
        zip_col, f"Export {len(items)} tasks (zip)", popover_key("export", selection),
        ":material/folder_zip:", width="stretch",
    )  # fmt: skip
    if export is not None:
        with export:
            kind = st.radio(
                "Files in the zip",
                list(bulk.EXPORT_FORMATS),
                format_func=lambda k: bulk.EXPORT_FORMATS[k][0],
                key="tasks.export_format",
            )
            tasks, gone = [], []
            for name in names:
                try:
                    tasks.append(db.get_task(name).task)
                except NotFound:
                    gone.append(name)
            if gone:
                st.warning(md(f"Deleted meanwhile, not in the zip: {', '.join(gone)}"))
            st.download_button(
                f"Download {len(tasks)} task file(s)", bulk.export_zip(tasks, kind),
                file_name="configlib-tasks.zip", mime="application/zip", on_click="ignore",
                icon=":material/download:", disabled=not tasks,
                key=f"tasks.export_zip:{selection}",
            )  # fmt: skip


def _delete_many(db: Store, items: Sequence[TaskSummary]) -> None:
    from configlib.ui import bulk

    done = bulk.delete_tasks(db, items)
    for name in done.deleted:
        drafts.forget(name)
    _clear_selection()
    text = f"Deleted {len(done.deleted)} task(s) and {done.results} measured result(s)."
    if done.refused:
        kept = "; ".join(f"{name}: {why}" for name, why in done.refused)
        set_flash("warning", f"{text} Kept {len(done.refused)}, changed meanwhile: {kept}")
    else:
        set_flash("success", text)
    st.rerun()


def _duplicate(db: Store, name: str, new_name: str) -> None:
    from configlib.store import NameTaken, NotFound

    try:
        copy = db.get_task(name).task.model_copy(update={"task_name": new_name})
        db.save_task(copy, expected_version=None)
    except NotFound:
        st.error(md(f"{name} was deleted meanwhile."))
    except NameTaken:
        st.error(md(f"A task named {new_name!r} already exists."))
    else:
        set_flash("success", f"Created {new_name} from {name}.")
        st.rerun()


# ---- Uploads and examples ------------------------------------------------------------------


def upload_tasks(db: Store) -> None:
    """Save uploaded task files, each file once per session; report per file."""
    files = st.file_uploader(
        "Task files", type=UPLOAD_TYPES, accept_multiple_files=True, key="tasks.upload"
    )
    done: dict[str, tuple[str, str]] = st.session_state.setdefault("tasks.uploaded", {})
    for upload in files or []:
        data = upload.getvalue()
        digest = hashlib.sha256(data).hexdigest() + upload.name
        if digest not in done:
            done[digest] = _save_upload(db, upload.name, data)
    current = {hashlib.sha256(f.getvalue()).hexdigest() + f.name for f in files or []}
    for digest, (kind, message) in done.items():
        if digest in current:
            (st.success if kind == "success" else st.error)(message)


def _save_upload(db: Store, name: str, data: bytes) -> tuple[str, str]:
    """Store one uploaded task file; the outcome as (kind, message)."""
    from configlib.io import InputError, decode
    from configlib.store import InvalidData, NameTaken
    from configlib.taskfile import TaskFormatError, task_from_text

    try:
        task, _ = task_from_text(decode(data, name), name)
        db.save_task(task, expected_version=None)
    except InvalidData as error:
        # The store's gate (the same rules as the editor's save): list every finding.
        return "error", refused(name, error)
    except (InputError, TaskFormatError) as error:
        return "error", md(f"{name}: {error}")
    except NameTaken:
        return "error", md(
            f"{name}: a task named {task.task_name!r} exists already; rename it in the file "
            "or delete the stored one"
        )
    return "success", md(f"{name}: saved as {task.task_name}")


def examples_menu(db: Store, editor: str, key: str = "menu") -> None:
    """The repository's example tasks: open one in the editor, or store them all."""
    from configlib.store import InvalidData, NameTaken

    found = examples()
    if not found:
        st.caption("No example task files found (examples/ next to app.py).")
        return
    for index, example in enumerate(found):
        name_col, button_col = st.columns([3, 1], vertical_alignment="center")
        if example.task is None:
            name_col.markdown(f"{md_code(example.path.name)}: :red[{md(example.problem)}]")
            continue
        name_col.markdown(
            f"**{md(example.task.task_name)}**  \n"
            f"{md_code(example.path.name)} · {example.task.base_runtime.value}"
        )
        if button_col.button("Open", key=f"examples.{key}.{index}"):
            drafts.open_new(example.task)
            st.switch_page(editor)
    if st.button("Add all examples to the database", key=f"examples.{key}.all"):
        added, skipped = [], []
        for example in found:
            if example.task is None:
                continue
            try:
                db.save_task(example.task, expected_version=None)
            except (NameTaken, InvalidData):
                skipped.append(example.task.task_name)
            else:
                added.append(example.task.task_name)
        set_flash(
            "success",
            f"Added {len(added)} example task(s)"
            + (f"; {len(skipped)} already there" if skipped else "")
            + ".",
        )
        st.rerun()
