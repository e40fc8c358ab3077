"""configlib: tuning tasks for SGLang and vLLM, from aiconfigurator's predictions to the
autotuner's grid. Entry point: ``streamlit run app.py``.

The pages live in ``views/``, not ``pages/``: with a ``pages/`` folder next to the entry point,
Streamlit starts each new server process in its old multipage mode, so a deep link such as
``/editor?task=NAME`` opened first would run that page alone, without this navigation.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from configlib.safe_text import md
from configlib.store import StoreError
from views.parts.common import count_run
from views.parts.resources import store

# A file, not a ":material/..." icon: Streamlit fetches those favicons from fonts.gstatic.com,
# which fails (a console error, a blank tab icon) wherever the app runs offline.
FAVICON = Path(__file__).resolve().parent / "assets" / "favicon.png"
st.set_page_config(page_title="configlib", page_icon=str(FAVICON), layout="wide")

PAGES = [
    st.Page("views/tasks.py", title="Tasks", icon=":material/list_alt:", default=True),
    st.Page("views/editor.py", title="Task editor", icon=":material/edit_note:", url_path="editor"),
    st.Page(
        "views/import_aic.py",
        title="Import from aiconfigurator",
        icon=":material/upload_file:",
        url_path="import",
    ),
    st.Page("views/presets.py", title="Presets", icon=":material/bookmarks:", url_path="presets"),
    st.Page("views/compare.py", title="Compare", icon=":material/monitoring:", url_path="compare"),
]

count_run()
page = st.navigation(PAGES, position="top")
# The default top padding leaves a blank band under the top navigation; the editor needs it.
st.html("<style>[data-testid='stMainBlockContainer']{padding-top:2.5rem}</style>")
store()  # opened (and migrated) once per process, before any page needs it
try:
    page.run()
except StoreError as error:
    # A locked, unreachable or read-only database mid-page: say so where the user looks.
    st.error(md(f"The database did not answer as expected: {error}"), icon=":material/database:")
    st.caption("Nothing was changed by the action that failed. Try again in a moment.")
