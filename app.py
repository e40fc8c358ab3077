"""configlib: tuning tasks for SGLang and vLLM, from aiconfigurator's predictions to the
autotuner's grid. Entry point: ``streamlit run app.py``."""

from __future__ import annotations

import streamlit as st

from configlib.ui.resources import store

st.set_page_config(page_title="configlib", page_icon=":material/tune:", layout="wide")

PAGES = [
    st.Page("pages/tasks.py", title="Tasks", icon=":material/list_alt:", default=True),
    st.Page("pages/editor.py", title="Task editor", icon=":material/edit_note:", url_path="editor"),
    st.Page(
        "pages/import_aic.py",
        title="Import from aiconfigurator",
        icon=":material/upload_file:",
        url_path="import",
    ),
    st.Page("pages/presets.py", title="Presets", icon=":material/bookmarks:", url_path="presets"),
    st.Page("pages/compare.py", title="Compare", icon=":material/monitoring:", url_path="compare"),
]

page = st.navigation(PAGES, position="top")
# The default top padding leaves a blank band under the top navigation; the editor needs it.
st.html("<style>[data-testid='stMainBlockContainer']{padding-top:2.5rem}</style>")
store()  # opened (and migrated) once per process, before any page needs it
page.run()
