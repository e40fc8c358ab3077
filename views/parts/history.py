"""The Tasks page's history section (versions of one task: compare, restore) and the
comparison of two selected tasks. The diff itself is ``configlib.taskdiff``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from configlib.safe_text import md
from configlib.ui import keys
from views.parts import drafts
from views.parts.common import set_flash

# The diff and version labels load the task model; they are imported where a task is selected,
# not when the Tasks page first draws.

if TYPE_CHECKING:
    from configlib.model import TaskConfig
    from configlib.store import Store, TaskSummary


def diff_table(before: TaskConfig, after: TaskConfig, key: str) -> None:
    """The differences as a table, or a line saying there are none."""
    from configlib.taskdiff import task_changes
    from configlib.ui import history

    changes = task_changes(before, after)
    if not changes:
        st.caption("No differences.")
        return
    st.caption(f"{len(changes)} field(s) differ.")
    frame = pd.DataFrame(history.change_rows(changes), columns=history.COLUMNS)
    st.dataframe(frame, key=key, hide_index=True, width="stretch")


def section(db: Store, item: TaskSummary) -> None:
    """Pick two versions of the task, see what changed, restore the older one."""
    from configlib.store import InvalidData, NotFound
    from configlib.ui import history

    with st.expander("History", icon=":material/history:"):
        try:
            versions = db.task_versions(item.name)
        except NotFound:
            st.warning(md(f"{item.name} was deleted meanwhile."))
            return
        if len(versions) < 2:
            st.caption("Only one version so far: every save adds one.")
            return
        labels = {v.version: history.version_label(v) for v in versions}
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
