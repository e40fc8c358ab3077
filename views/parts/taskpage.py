"""The Tasks page's sections, in the order the page draws them: the toolbar, the empty state,
the view options, the table and what the selected rows offer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from configlib.ui.tasklist import TASK_COLUMNS, task_rows, view_label
from views.parts import drafts, history, tasklist
from views.parts.common import lazy_popover

if TYPE_CHECKING:
    from configlib.store import Page, Store, TaskSummary

SORTS = {
    "updated_at": "Last updated",
    "name": "Name",
    "model": "Model",
    "runtime": "Runtime",
    "gpus_needed": "GPUs needed",
    "grid_size": "Grid size",
}


@dataclass(frozen=True)
class View:
    """What the table shows: the search text and the view options."""

    search: str
    runtime: str
    sort: str
    descending: bool
    size: int

    def key(self) -> str:
        """Part of the table's key: a changed view starts with nothing selected."""
        return f"{self.search}:{self.runtime}:{self.sort}:{self.descending}:{self.size}"


def toolbar(db: Store, editor: str, *, examples: bool) -> None:
    """New task, start from an example (once there are tasks) and upload task files."""
    left, middle, right = st.columns([1, 1, 3], vertical_alignment="bottom")
    if left.button("New task", type="primary", icon=":material/add:", width="stretch"):
        drafts.open_new()
        st.switch_page(editor)
    if examples:
        box = lazy_popover(
            middle, "Start from an example", "tasks.popover:examples",
            ":material/auto_awesome:", width="stretch",
        )  # fmt: skip
        if box is not None:
            with box:
                tasklist.examples_menu(db, editor)
    # Popovers, not an expander and a row of inputs: their content is mounted in the browser
    # only when opened, which keeps the first draw of the page (the app's cold start) light.
    with right.popover(
        "Upload task files", icon=":material/upload_file:",
        help="Autotuner task JSON/YAML or structured-form files, several at once",
    ):  # fmt: skip
        tasklist.upload_tasks(db)


def empty_state(db: Store, editor: str) -> None:
    st.info(
        "No tasks yet. Start from one of the examples below, create a new task, or import "
        "aiconfigurator results.",
        icon=":material/inbox:",
    )
    with st.container(border=True):
        tasklist.examples_menu(db, editor, key="empty")


def view_options() -> View:
    """The search box and, behind one button that names them, runtime, sort and page size."""
    search_col, view_col = st.columns([4, 2], vertical_alignment="bottom")
    search = search_col.text_input(
        "Search", key="tasks.search", placeholder="name or model contains…",
        on_change=tasklist.first_page,
    )  # fmt: skip
    label = view_label(
        st.session_state.get("tasks.runtime", "any"),
        SORTS[st.session_state.get("tasks.sort", "updated_at")],
        st.session_state.get("tasks.desc", True),
        st.session_state.get("tasks.size", 50),
    )
    with view_col.popover(label, icon=":material/tune:", width="stretch", key="tasks.view"):
        runtime = st.selectbox(
            "Runtime", ["any", "sglang", "vllm"], key="tasks.runtime",
            on_change=tasklist.first_page,
        )  # fmt: skip
        sort = st.selectbox(
            "Sort by", list(SORTS), format_func=SORTS.__getitem__, key="tasks.sort",
            on_change=tasklist.first_page,
        )  # fmt: skip
        descending = st.toggle(
            "Descending", value=True, key="tasks.desc", on_change=tasklist.first_page
        )
        size = st.selectbox(
            "Per page", [25, 50, 100], index=1, key="tasks.size", on_change=tasklist.first_page
        )
    return View(search, runtime, sort, descending, size)


def table(db: Store, view: View) -> tuple[Page[TaskSummary], list[int]]:
    """One page of the tasks the view matches (listed by the store) and the rows selected."""
    number = int(st.session_state.get("tasks.page", 1))
    listing = db.list_tasks(
        search=view.search.strip(),
        runtime=None if view.runtime == "any" else view.runtime,
        sort=view.sort,
        descending=view.descending,
        page=number - 1,
        page_size=view.size,
    )
    if not listing.items and number > 1:  # the page emptied (deletions): back to the first
        tasklist.first_page()
        st.rerun()
    # The page and the view are in the table's key: another page, search or order is a new
    # table, with nothing selected (the rows ticked were rows of the table shown then).
    shown = f"{number}:{view.key()}"
    count_col, select_col = st.columns([4, 1], vertical_alignment="center")
    count_col.caption(f"{listing.total:,} task(s) match; page {number} of {listing.pages:,}.")
    select_col.button(
        "Select the whole page", on_click=tasklist.select_page, args=(shown,), width="stretch",
        icon=":material/select_all:",
    )  # fmt: skip
    picked = st.dataframe(
        pd.DataFrame(task_rows(listing.items), columns=TASK_COLUMNS),
        key=f"tasks.table:{shown}:{tasklist.table_generation()}",
        on_select="rerun",
        selection_mode="multi-row",
        selection_default=(
            {"selection": {"rows": list(range(len(listing.items)))}}
            if tasklist.page_selected(shown)
            else None
        ),
        hide_index=True,
        width="stretch",
        column_config=tasklist.COLUMN_CONFIG,
    )
    if listing.pages > 1:
        st.pagination(listing.pages, key="tasks.page", max_visible_pages=9)
    rows = sorted(r for r in picked.selection.rows if r < len(listing.items)) if picked else []
    return listing, rows


def selection_actions(db: Store, chosen: Sequence[TaskSummary], editor: str) -> None:
    """One task: its actions and history; two or more: delete or export them (and compare
    two); none: what selecting offers."""
    if len(chosen) == 1:
        tasklist.actions(db, chosen[0], editor)
        history.section(db, chosen[0])
    elif chosen:
        tasklist.many_actions(db, chosen)
        if len(chosen) == 2:
            history.compare_tasks(db, chosen)
    else:
        st.caption(
            "Select a row to open, duplicate, delete or download that task, or see its "
            "history; select two to compare them; select several (or the whole page) to "
            "delete them or export them as one zip."
        )
