"""Tasks: search, sort and page through the stored tasks (on the server); open, duplicate,
delete and download one, or delete or export many at once; upload task files; start from an
example."""

from __future__ import annotations

import streamlit as st

from views.parts import taskpage
from views.parts.common import address_link, flash
from views.parts.resources import store

EDITOR = "views/editor.py"

# A shared /?task=NAME link opens the editor when the browser opens it; Back from the editor to
# that address, or any later run, stays here.
linked = address_link("task")
if linked:
    st.switch_page(EDITOR, query_params={"task": linked})
if "task" in st.query_params:
    del st.query_params["task"]

db = store()
st.title("Tasks")
flash()

everything = db.list_tasks(page=0, page_size=1).total
taskpage.toolbar(db, EDITOR, examples=bool(everything))
if not everything:
    taskpage.empty_state(db, EDITOR)
    st.stop()

view = taskpage.view_options()
listing, rows = taskpage.table(db, view)
taskpage.selection_actions(db, [listing.items[row] for row in rows], EDITOR)
