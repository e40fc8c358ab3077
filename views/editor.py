"""Task editor: runtime and engine version, the advanced form and expert mode kept in sync,
and a live side panel (findings, generated flags, grid, launch commands, predictions,
memory fit)."""

from __future__ import annotations

import streamlit as st

from configlib.safe_text import md
from configlib.ui import keys
from views.parts import common, drafts, engine_files, layout, memoryfit, widgets
from views.parts.actions import downloads, save_panel
from views.parts.presetpage import apply_panel, save_as_preset
from views.parts.resources import store

SCOPE = "editor"
TABS = ["Advanced config", "Expert mode"]
TAB = f"{SCOPE}.tab"

picked = drafts.current()
if picked is None:
    st.error(md(f"There is no task named {st.query_params.get('task')!r}."))
    if st.button("Start a new task"):
        st.query_params.clear()
        drafts.open_new()
        st.rerun()
    st.stop()
draft, state = picked

widgets.consume_table_edits(state, SCOPE, draft)
widgets.push_engine(state, SCOPE)
findings = state.findings()

status = "new, not saved" if state.stored is None else f"stored version {state.stored.version}"
if state.gone:
    status = "no longer stored"
if state.dirty:
    status += " · unsaved changes"
st.title(md(state.task.task_name) if state.stored or state.raw.get("task_name") else "New task")
st.caption(status)
common.flash()
if state.gone:
    st.warning(
        md(
            f"The stored task {state.gone} was deleted or renamed since you opened it. "
            "Your edits are kept here: Save as new task stores them."
        ),
        icon=":material/cloud_off:",
    )

layout.sticky_side_panel()
main, side = st.columns([3, 2], gap="large")
with main:
    widgets.engine_pickers(state, SCOPE)
    # Only the open tab is drawn (each widget costs a rerun time); what the other tab shows
    # lives in the draft and is drawn again from it.
    # Streamlit forgets the open tab when the page is left: the session remembers it.
    if TAB not in st.session_state and st.session_state.get(keys.EDITOR_TAB) in TABS:
        st.session_state[TAB] = st.session_state[keys.EDITOR_TAB]
    advanced, expert = st.tabs(TABS, key=TAB, on_change="rerun")
    st.session_state[keys.EDITOR_TAB] = TABS[1] if expert.open else TABS[0]
    if advanced.open:
        with advanced:
            widgets.advanced_tab(state, SCOPE, findings)
    if expert.open:
        with expert:
            widgets.expert_tab(state, SCOPE, draft, findings)
            engine_files.config_upload_box(state, SCOPE)
with side, st.container(key=layout.SIDE_PANEL):
    save_panel(state, draft, findings)
    with st.container(horizontal=True):
        apply_panel(store(), state)
        save_as_preset(store(), state)
        downloads(state)
    widgets.side_panel(state.summary(findings))
    memoryfit.panel(state.task)
