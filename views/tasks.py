"""Tasks: search, sort and page through the stored tasks (on the server); open, duplicate,
delete and download one, or delete or export many at once; upload task files; start from an
example."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from configlib.ui.tasklist import TASK_COLUMNS, task_rows, view_label
from views.parts import drafts, history, tasklist
from views.parts.common import flash, lazy_popover
from views.parts.resources import store

EDITOR = "views/editor.py"
SORTS = {
    "updated_at": "Last updated",
    "name": "Name",
    "model": "Model",
    "runtime": "Runtime",
    "gpus_needed": "GPUs needed",
    "grid_size": "Grid size",
}

if st.query_params.get("task"):
    st.switch_page(EDITOR, query_params={"task": st.query_params["task"]})

db = store()
st.title("Tasks")
flash()

everything = db.list_tasks(page=0, page_size=1).total
left, middle, right = st.columns([1, 1, 3], vertical_alignment="bottom")
if left.button("New task", type="primary", icon=":material/add:", width="stretch"):
    drafts.open_new()
    st.switch_page(EDITOR)
if everything:
    box = lazy_popover(
        middle, "Start from an example", "tasks.popover:examples", ":material/auto_awesome:",
        width="stretch",
    )  # fmt: skip
    if box is not None:
        with box:
            tasklist.examples_menu(db, EDITOR)
# Popovers, not an expander and a row of inputs: their content is mounted in the browser only
# when opened, which keeps the first draw of the page (the app's cold start) light.
with right.popover(
    "Upload task files", icon=":material/upload_file:",
    help="Autotuner task JSON/YAML or structured-form files, several at once",
):  # fmt: skip
    tasklist.upload_tasks(db)
if not everything:
    st.info(
        "No tasks yet. Start from one of the examples below, create a new task, or import "
        "aiconfigurator results.",
        icon=":material/inbox:",
    )
    with st.container(border=True):
        tasklist.examples_menu(db, EDITOR, key="empty")
    st.stop()

search_col, view_col = st.columns([4, 2], vertical_alignment="bottom")
search = search_col.text_input(
    "Search", key="tasks.search", placeholder="name or model contains…",
    on_change=tasklist.first_page,
)  # fmt: skip
view = view_label(
    st.session_state.get("tasks.runtime", "any"),
    SORTS[st.session_state.get("tasks.sort", "updated_at")],
    st.session_state.get("tasks.desc", True),
    st.session_state.get("tasks.size", 50),
)
with view_col.popover(view, icon=":material/tune:", width="stretch", key="tasks.view"):
    runtime = st.selectbox(
        "Runtime", ["any", "sglang", "vllm"], key="tasks.runtime", on_change=tasklist.first_page
    )
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

number = int(st.session_state.get("tasks.page", 1))
listing = db.list_tasks(
    search=search.strip(),
    runtime=None if runtime == "any" else runtime,
    sort=sort,
    descending=descending,
    page=number - 1,
    page_size=size,
)
if not listing.items and number > 1:  # the page emptied (deletions): back to the first
    tasklist.first_page()
    st.rerun()
count_col, select_col = st.columns([4, 1], vertical_alignment="center")
count_col.caption(f"{listing.total:,} task(s) match; page {number} of {listing.pages:,}.")
select_col.button(
    "Select the whole page", on_click=tasklist.select_page, width="stretch",
    icon=":material/select_all:",
)  # fmt: skip
frame = pd.DataFrame(task_rows(listing.items), columns=TASK_COLUMNS)
picked = st.dataframe(
    frame,
    key=f"tasks.table:{number}:{search}:{runtime}:{sort}:{descending}:{size}:"
    f"{tasklist.table_generation()}",
    on_select="rerun",
    selection_mode="multi-row",
    selection_default=(
        {"selection": {"rows": list(range(len(listing.items)))}}
        if tasklist.page_selected()
        else None
    ),
    hide_index=True,
    width="stretch",
    column_config=tasklist.COLUMN_CONFIG,
)
if listing.pages > 1:
    st.pagination(listing.pages, key="tasks.page", max_visible_pages=9)

rows = sorted(r for r in picked.selection.rows if r < len(listing.items)) if picked else []
if len(rows) == 1:
    tasklist.actions(db, listing.items[rows[0]], EDITOR)
    history.section(db, listing.items[rows[0]])
elif rows:
    tasklist.many_actions(db, [listing.items[r] for r in rows])
    if len(rows) == 2:
        history.compare_tasks(db, [listing.items[r] for r in rows])
else:
    st.caption(
        "Select a row to open, duplicate, delete or download that task, or see its history; "
        "select two to compare them; select several (or the whole page) to delete them or "
        "export them as one zip."
    )
