"""Presets: list with filters, create and edit in the browser (the task editor's advanced form
and expert mode), duplicate, delete (system presets are protected), import and export JSON,
and convert legacy flat presets to structured form with a report of what moved."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from configlib.ui import keys, presetting
from views.parts import presetpage
from views.parts.common import flash
from views.parts.resources import store

db = store()
st.title("Presets")
flash()

draft = st.session_state.get(keys.PRESET_DRAFT)
if draft is not None:
    presetpage.editor(db, draft)
    st.stop()

new_col, import_col = st.columns([1, 4], vertical_alignment="top")
if new_col.button("New preset", type="primary", icon=":material/add:", width="stretch"):
    presetpage.start_new()
    st.rerun()
with import_col.expander("Import presets (JSON: configlib or autotuner exports)"):
    presetpage.import_presets(db)

search_col, category_col, runtime_col, origin_col = st.columns([3, 2, 2, 2])
search = search_col.text_input("Search", key="presets.search", placeholder="name or description")
summaries = db.list_presets()
categories = sorted({s.category for s in summaries if s.category})
category = category_col.selectbox("Category", ["any", *categories], key="presets.category")
runtime = runtime_col.selectbox(
    "Runtime", ["any", "sglang", "vllm"], key="presets.runtime",
    help="sglang or vllm also lists presets usable with any engine",
)  # fmt: skip
origin = origin_col.selectbox("Origin", ["all", "system", "user"], key="presets.origin")
shown = presetting.matching(summaries, search, category, runtime, origin)
st.caption(f"{len(shown)} of {len(summaries)} preset(s).")
picked = st.dataframe(
    pd.DataFrame(presetting.preset_rows(shown), columns=presetting.PRESET_COLUMNS),
    key=f"presets.table:{search}:{category}:{runtime}:{origin}",
    on_select="rerun",
    selection_mode="single-row",
    hide_index=True,
    width="stretch",
    column_config=presetpage.COLUMN_CONFIG,
)
rows = list(picked.selection.rows) if picked is not None else []
if rows and rows[0] < len(shown):
    presetpage.actions(db, shown[rows[0]])
else:
    st.caption("Select a preset to see, edit, duplicate, delete, export or convert it.")
