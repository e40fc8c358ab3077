"""configlib: tuning tasks for SGLang and vLLM, from aiconfigurator's predictions to the
autotuner's grid. Entry point: ``streamlit run app.py``."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="configlib", page_icon=":material/tune:", layout="wide")

PAGES = [
    st.Page("pages/editor.py", title="Task editor", icon=":material/edit_note:", url_path="editor"),
]

st.navigation(PAGES, position="top").run()
