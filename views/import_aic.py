"""Import from aiconfigurator: upload a zipped --save-dir, a CSV or a YAML file; pick
candidates from their predictions; create tasks that verify them on real hardware."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from configlib.engines import ENGINES
from configlib.safe_text import md, md_code
from configlib.ui import keys
from configlib.ui.importing import PREDICTED_COLUMNS, ImportSession
from views.parts.resources import store
from views.parts.widgets import flash

EDITOR = "views/editor.py"
COMPARE = "views/compare.py"
RUNTIMES = {
    "": "not chosen",
    **{runtime.value: spec.label for runtime, spec in ENGINES.items()},
}

st.title("Import from aiconfigurator")
flash()
st.caption(
    "Accepted: a zipped `--save-dir` result folder (`cli default`, `cli exp`, `cli generate`; "
    "up to 50 MB), a `best_config_topn.csv` or `pareto.csv`, a `generator_config.yaml`, a "
    "`cli exp` input YAML, or the design's candidate YAML."
)
upload_col, runtime_col, pareto_col = st.columns([3, 2, 1], vertical_alignment="bottom")
upload = upload_col.file_uploader(
    "aiconfigurator output", type=["zip", "csv", "yaml", "yml"], key=keys.IMPORT_UPLOAD
)
runtime = runtime_col.selectbox(
    "Target runtime for TensorRT-LLM predictions",
    list(RUNTIMES),
    format_func=RUNTIMES.__getitem__,
    key=keys.IMPORT_RUNTIME,
    help="The autotuner runs SGLang or vLLM. SGLang and vLLM predictions keep their engine "
    "(leave this unset for them); TensorRT-LLM predictions need the engine picked here, and "
    "their tasks warn that the prediction was made for another engine.",
)
include_pareto = pareto_col.toggle(
    "Pareto rows", key="import.pareto", help="Also list every pareto.csv row, not only the top N"
)

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
            colour = "red" if finding.severity == "error" else "orange"
            st.markdown(
                f"- :{colour}[{finding.severity}] {md_code(finding.path)} {md(finding.message)}"
            )
if not candidates:
    st.warning("No candidates in this file.")
    st.stop()

contradiction = session.target_problem()
if contradiction:
    st.warning(md(f"Target runtime: {contradiction}."), icon=":material/warning:")
st.subheader(f"{len(candidates)} candidate(s)")
st.caption("Select rows (click the left edge; shift-click for a range). Click a header to sort.")
frame = pd.DataFrame(session.rows())
empty = [c for c in frame.columns if c != "name" and frame[c].isin(["", None]).all()]
frame = frame.drop(columns=empty)
runnable = [i for i, c in enumerate(candidates) if c.runnable]
if st.button(f"Select the {len(runnable)} runnable candidate(s)", disabled=not runnable):
    session.select_all += 1
picked = st.dataframe(
    frame,
    key=session.table_key,
    on_select="rerun",
    selection_mode="multi-row",
    selection_default={"selection": {"rows": runnable}} if session.select_all else None,
    hide_index=True,
    width="stretch",
    column_config={
        # Pinned: the name stays beside the figures when the table scrolls sideways.
        "name": st.column_config.TextColumn(pinned=True),
        **{
            title: st.column_config.NumberColumn(format="%.1f")
            for _, title in PREDICTED_COLUMNS
            if title not in ("concurrency", "replicas")
        },
        "runnable": st.column_config.CheckboxColumn(
            help="False: the autotuner cannot launch this layout (disaggregated, cp > 1); the "
            "task is still kept for comparison"
        ),
        "notes": st.column_config.TextColumn(width="large"),
        "problems": st.column_config.NumberColumn(help="Warnings and errors for this candidate"),
    },
)
selected = sorted(picked.selection.rows) if picked is not None else []

if selected:
    first = candidates[selected[0]]
    with st.expander(md(f"Details of {first.name}"), expanded=len(selected) == 1):
        st.markdown(f"**{md(first.label)}** · from {md_code(first.origin or session.filename)}")
        for finding in first.findings:
            colour = "red" if finding.severity == "error" else "orange"
            st.markdown(f"- :{colour}[{finding.severity}] {md(finding.message)}")
        differences = first.flag_differences()
        if differences:
            st.markdown("**Flags: configlib vs aiconfigurator's own launch**")
            st.dataframe(
                pd.DataFrame([d.__dict__ for d in differences]), hide_index=True, width="stretch"
            )

target_problem = session.target_problem(selected)
if target_problem:
    st.error(md(f"Target runtime: {target_problem}."), icon=":material/error:")
create_col, combine_col, compare_col = st.columns([2, 2, 2], vertical_alignment="center")
combine = combine_col.toggle(
    "One task for all selected",
    key="import.combine",
    disabled=len(selected) < 2,
    help="Only when the selection is an exact grid (a Cartesian product); never adds "
    "combinations nobody predicted.",
)
if create_col.button(
    f"Create {'1 task' if combine else f'{len(selected)} task(s)'}",
    type="primary",
    disabled=not selected or bool(target_problem),
    icon=":material/add_task:",
):
    bar = st.progress(0.0, text="Creating tasks…")
    session.create(
        store(), selected, combine=combine, progress=lambda share, text: bar.progress(share, text)
    )
if compare_col.button("Compare selected", disabled=not selected, icon=":material/monitoring:"):
    st.session_state[keys.COMPARE_CANDIDATES] = [
        (candidates[i].name, candidates[i].task) for i in selected
    ]
    st.switch_page(COMPARE)

if session.created:
    made = [c for c in session.created if c.ok]
    if made:
        st.success(f"Created {len(made)} task(s):", icon=":material/check_circle:")
        with st.container(horizontal=True):
            for item in made:
                st.page_link(
                    EDITOR,
                    label=md(item.name),
                    icon=":material/edit_note:",
                    query_params={"task": item.name},
                )
    for item in session.created:
        if not item.ok:
            st.error(md(f"{item.name}: {item.message}" if item.name else item.message))
