"""Import from aiconfigurator: upload a zipped --save-dir, a CSV or a YAML file; pick
candidates from their predictions; create tasks that verify them on real hardware."""

from __future__ import annotations

import streamlit as st

from configlib.safe_text import md
from configlib.ui import keys
from configlib.ui.importing import ImportSession
from views.parts import importing
from views.parts.common import flash

st.title("Import from aiconfigurator")
flash()
st.caption(
    "Accepted: a zipped `--save-dir` result folder (`cli default`, `cli exp`, `cli generate`; "
    "up to 50 MB), a `best_config_topn.csv` or `pareto.csv`, a `generator_config.yaml`, a "
    "`cli exp` input YAML, or the design's candidate YAML."
)
upload, runtime, include_pareto = importing.upload_controls()

session: ImportSession | None = st.session_state.get(keys.IMPORT)
if upload is not None:
    data = upload.getvalue()
    if session is None or not session.same_upload(upload.name, data):
        with st.spinner(f"Reading {md(upload.name)}…"):
            session = ImportSession.read(upload.name, data, runtime or None, include_pareto)
        st.session_state[keys.IMPORT] = session
    session.uploaded_again(upload.file_id)
if session is None:
    st.info("Upload a file to see its candidates.", icon=":material/upload_file:")
    st.stop()
session.retarget(runtime or None, include_pareto)
if upload is None:
    st.caption(md(f"Showing the last upload, {session.filename}."))
if session.error:
    st.error(md(session.error), icon=":material/error:")
    st.stop()

candidates = session.candidates
if session.findings:
    with st.expander(f"What the import noticed ({len(session.findings)})"):
        for finding in session.findings:
            st.markdown(importing.finding_line(finding, path=True))
if not candidates:
    st.warning("No candidates in this file.")
    st.stop()

contradiction = session.target_problem()
if contradiction:
    st.warning(md(f"Target runtime: {contradiction}."), icon=":material/warning:")
selected = importing.candidate_table(session, candidates)
if selected:
    importing.candidate_details(session, candidates, selected)
importing.create_actions(session, candidates, selected)
if session.created:
    importing.created_tasks(session)
