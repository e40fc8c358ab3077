"""The import page's parts (views/import_aic.py lays them out): the upload controls, the
candidates table with its selection, one candidate's details, and creating tasks from the
selection. configlib.ui.importing keeps the import session they show."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from configlib.engines import ENGINES
from configlib.findings import Finding
from configlib.safe_text import md, md_code
from configlib.ui import keys, number_format
from configlib.ui.importing import PREDICTED_COLUMNS, ImportSession
from views.parts import tables
from views.parts.resources import store

if TYPE_CHECKING:
    from configlib.aiconfigurator import Candidate

EDITOR = "views/editor.py"
COMPARE = "views/compare.py"
RUNTIMES = {
    "": "not chosen",
    **{runtime.value: spec.label for runtime, spec in ENGINES.items()},
}


def upload_controls() -> tuple[Any, str, bool]:
    """The file, the target runtime for TensorRT-LLM predictions, and whether pareto rows
    are listed too."""
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
        "Pareto rows",
        key="import.pareto",
        help="Also list every pareto.csv row, not only the top N",
    )
    return upload, runtime, include_pareto


def finding_line(finding: Finding, *, path: bool = False) -> str:
    """One finding as a list item, coloured by severity."""
    colour = "red" if finding.severity == "error" else "orange"
    where = f"{md_code(finding.path)} " if path else ""
    return f"- :{colour}[{finding.severity}] {where}{md(finding.message)}"


def candidate_table(session: ImportSession, candidates: Sequence[Candidate]) -> list[int]:
    """The candidates as a table to select from; the selected rows, in order."""
    st.subheader(f"{len(candidates)} candidate(s)")
    st.caption(
        "Select rows (click the left edge; shift-click for a range). Click a header to sort."
    )
    frame = pd.DataFrame(session.rows())
    empty = [c for c in frame.columns if c != "name" and frame[c].isin(["", None]).all()]
    frame = frame.drop(columns=empty)
    runnable = [i for i, c in enumerate(candidates) if c.runnable]
    if st.button(f"Select the {len(runnable)} runnable candidate(s)", disabled=not runnable):
        session.select_all += 1
    picked = st.dataframe(
        tables.shown(frame),
        key=session.table_key,
        on_select="rerun",
        selection_mode="multi-row",
        selection_default={"selection": {"rows": runnable}} if session.select_all else None,
        hide_index=True,
        width="stretch",
        placeholder=number_format.MISSING,
        column_config={
            # Pinned: the name stays beside the figures when the table scrolls sideways.
            "name": st.column_config.TextColumn(pinned=True),
            **{title: tables.number() for _, title in PREDICTED_COLUMNS if title in frame},
            "runnable": st.column_config.CheckboxColumn(
                help="False: the autotuner cannot launch this layout (disaggregated, cp > 1); the "
                "task is still kept for comparison"
            ),
            "notes": tables.text(frame, "notes"),
            "problems": st.column_config.NumberColumn(
                help="Warnings and errors for this candidate"
            ),
        },
    )
    selected = sorted(picked.selection.rows) if picked is not None else []
    return selected


def candidate_details(
    session: ImportSession, candidates: Sequence[Candidate], selected: Sequence[int]
) -> None:
    """The first selected candidate: where it came from, its findings and how its flags differ
    from aiconfigurator's own launch."""
    first = candidates[selected[0]]
    with st.expander(md(f"Details of {first.name}"), expanded=len(selected) == 1):
        st.markdown(f"**{md(first.label)}** · from {md_code(first.origin or session.filename)}")
        for finding in first.findings:
            st.markdown(finding_line(finding))
        differences = first.flag_differences()
        if differences:
            st.markdown("**Flags: configlib vs aiconfigurator's own launch**")
            st.dataframe(
                pd.DataFrame([d.__dict__ for d in differences]), hide_index=True, width="stretch"
            )


def create_actions(
    session: ImportSession, candidates: Sequence[Candidate], selected: list[int]
) -> None:
    """Create tasks from the selection (one combined task on request), or compare it."""
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

        def progress(share: float, text: str) -> None:
            bar.progress(share, text)

        session.create(store(), selected, combine=combine, progress=progress)
    if compare_col.button("Compare selected", disabled=not selected, icon=":material/monitoring:"):
        st.session_state[keys.COMPARE_CANDIDATES] = [
            (candidates[i].name, candidates[i].task) for i in selected
        ]
        st.switch_page(COMPARE)


def created_tasks(session: ImportSession) -> None:
    """Links to the tasks just created, and why any could not be."""
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
