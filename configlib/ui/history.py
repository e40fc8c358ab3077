"""The Tasks page's history section (versions of one task: compare, restore) and the
comparison of two selected tasks. The diff itself is ``configlib.taskdiff``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from configlib.safe_text import md
from configlib.taskdiff import FieldChange, shown, task_changes
from configlib.ui import drafts, keys
from configlib.ui.widgets import set_flash

if TYPE_CHECKING:
    from configlib.model import TaskConfig
    from configlib.store import Store, TaskSummary, TaskVersion

COLUMNS = ["field", "change", "before", "after"]


def change_rows(changes: Sequence[FieldChange]) -> list[list[str]]:
    """Table rows; values as JSON text, so a list, a number and a string read apart."""
    return [
        [change.path, change.kind, shown(change.before), shown(change.after)] for change in changes
    ]


def _label(version: TaskVersion) -> str:
    who = f" by {version.saved_by}" if version.saved_by else ""
    now = " (current)" if version.current else ""
    return f"v{version.version} · {version.saved_at:%Y-%m-%d %H:%M}{who}{now}"


def diff_table(before: TaskConfig, after: TaskConfig, key: str) -> None:
    """The differences as a table, or a line saying there are none."""
    changes = task_changes(before, after)
    if not changes:
        st.caption("No differences.")
        return
    st.caption(f"{len(changes)} field(s) differ.")
    frame = pd.DataFrame(change_rows(changes), columns=COLUMNS)
    st.dataframe(frame, key=key, hide_index=True, width="stretch")


def section(db: Store, item: TaskSummary) -> None:
    """Pick two versions of the task, see what changed, restore the older one."""
    from configlib.store import InvalidData, NotFound

    with st.expander("History", icon=":material/history:"):
        try:
            versions = db.task_versions(item.name)
        except NotFound:
            st.warning(md(f"{item.name} was deleted meanwhile."))
            return
        if len(versions) < 2:
            st.caption("Only one version so far: every save adds one.")
            return
        labels = {v.version: _label(v) for v in versions}
        numbers = [v.version for v in versions]
        left, right = st.columns(2)
        # Keys carry the task: picks made for another task never carry over.
        old = left.selectbox(
            "From version", numbers, index=1, format_func=labels.__getitem__,
            key=f"history.from:{item.name}",
        )  # fmt: skip
        new = right.selectbox(
            "To version", numbers, index=0, format_func=labels.__getitem__,
            key=f"history.to:{item.name}",
        )  # fmt: skip
        try:
            before = db.get_task_version(item.name, old)
            after = db.get_task_version(item.name, new)
        # Gone meanwhile, or a version that no longer validates: the message names which.
        except (NotFound, InvalidData) as error:
            st.warning(md(error))
            return
        diff_table(before, after, key=f"history.diff:{item.name}:{old}:{new}")
        current = versions[0].version
        if old != current:
            # The version shown is bound to the click (a callback's args are those drawn):
            # a save by someone else since then makes the restore a conflict, as any save.
            st.button(
                f"Restore version {old} as version {current + 1}",
                icon=":material/restore:",
                key=f"history.restore:{item.name}",
                on_click=_restore,
                args=(db, item.name, old, current),
            )


def _restore(db: Store, name: str, version: int, current: int) -> None:
    from configlib.store import ConflictError, InvalidData, NotFound

    try:
        stored = db.restore_task_version(name, version, expected_version=current)
    except (ConflictError, NotFound, InvalidData) as error:
        set_flash("error", f"Version {version} of {name} was not restored: {error}")
        return
    draft = drafts.drafts().get(keys.draft_id(name))
    if draft is not None and not draft.dirty:
        drafts.forget(name)  # an unedited draft shows the restored task when opened again
    set_flash("success", f"Restored version {version} of {name} as version {stored.version}.")


def compare_tasks(db: Store, items: Sequence[TaskSummary]) -> None:
    """The differences between two selected tasks (first selected -> second)."""
    from configlib.store import InvalidData, NotFound

    first, second = items
    with st.expander(md(f"Compare {first.name} with {second.name}"), icon=":material/difference:"):
        try:
            before = db.get_task(first.name).task
            after = db.get_task(second.name).task
        except (NotFound, InvalidData) as error:
            st.warning(md(error))
            return
        diff_table(before, after, key=f"history.pair:{first.name}:{second.name}")
