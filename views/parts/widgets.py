"""Streamlit rendering shared by the task editor and the preset editor.

Widgets never hold the truth: each form widget's callback hands its value to the EditorState,
and before rendering the state's values are written back into any widget Streamlit dropped
(page switch) or that changed from the other tab (expert edit, engine change).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from configlib.commandline import UnreadableCommand
from configlib.engines import supported_versions
from configlib.engines.releases import image_of
from configlib.findings import Finding
from configlib.safe_text import md, md_code
from configlib.ui import expert, keys
from configlib.ui.editor import PROBLEM, EditorState, Summary
from configlib.ui.fields import FieldGroup, FieldSpec, groups
from configlib.ui.sections import notes_by_field, section_summary
from configlib.vocab import Runtime
from views.parts.engine_switch import ask, switch_question

AUTO_VERSION = "auto"
#: Fields per row in a form section.
COLUMNS = 3


def _push(key: str, value: Any) -> None:
    """Make a widget show the draft's value before it is drawn.

    Callbacks copy each widget's value into the draft as it changes, so a widget that
    disagrees with the draft was dropped by Streamlit (page switch, closed section) or changed
    from outside the form (expert edit, engine change, presets): the draft wins. Only widgets
    about to be drawn are set, since every session key slows every later widget down.
    """
    if st.session_state.get(key, _MISSING) != value:
        st.session_state[key] = value


_MISSING = object()


def push_engine(state: EditorState, scope: str) -> None:
    """The runtime and engine-version pickers show the draft's engine."""
    _push(f"{scope}.runtime", state.task.base_runtime.value)
    _push(f"{scope}.version", state.task.engine_version or AUTO_VERSION)


def _on_field(state: EditorState, path: str, scope: str) -> None:
    state.set_field(path, st.session_state[keys.field(path, scope)])


def _on_engine(state: EditorState, scope: str) -> None:
    runtime = st.session_state[f"{scope}.runtime"] or state.task.base_runtime.value
    version = st.session_state[f"{scope}.version"]
    if runtime != state.task.base_runtime.value:
        if ask(state, scope, runtime):
            # Something would be dropped or could be translated: the picker goes back to the
            # draft's runtime until the user answers the question below it.
            return
        version = AUTO_VERSION
    state.set_engine(runtime, None if version in (None, AUTO_VERSION) else version)


def engine_pickers(state: EditorState, scope: str) -> None:
    """Runtime and engine-version pickers."""
    left, right = st.columns([1, 1])
    with left:
        st.segmented_control(
            "Runtime",
            [r.value for r in Runtime],
            key=f"{scope}.runtime",
            on_change=_on_engine,
            args=(state, scope),
            help="The engine that serves the model; switching keeps the structured fields and "
            "regenerates the flags for the other engine.",
        )
    with right:
        runtime = state.task.base_runtime
        versions = list(reversed(supported_versions(runtime)))
        if state.task.engine_version is None:
            # A task stored without a release: shown as it is until a release is picked.
            versions.insert(0, AUTO_VERSION)
        if st.session_state.get(f"{scope}.version") not in versions:
            st.session_state[f"{scope}.version"] = versions[0]
        st.selectbox(
            "Engine release and image",
            versions,
            key=f"{scope}.version",
            on_change=_on_engine,
            args=(state, scope),
            format_func=lambda v: (
                "not pinned (from the image tag, else the newest)"
                if v == AUTO_VERSION
                else f"{v} · {image_of(runtime, v)}"
            ),
            help="The release whose flags are generated and checked, and the image the "
            "autotuner runs: picking one sets both (a new task starts on the newest).",
        )
    switch_question(state, scope)


def render_field(
    spec: FieldSpec, state: EditorState, scope: str, notes: Mapping[str, list[Finding]]
) -> None:
    """One form widget, with the problems about its field right below it."""
    key = keys.field(spec.path, scope)
    _push(key, state.raw.get(spec.path, ""))
    common: dict[str, Any] = {
        "key": key,
        "help": spec.help or None,
        "on_change": _on_field,
        "args": (state, spec.path, scope),
    }
    if spec.widget == "multiselect":
        st.multiselect(spec.label, list(spec.choices), placeholder="not set", **common)
    elif spec.widget == "select":
        options = list(spec.options)
        if st.session_state.get(key) not in options:
            st.session_state[key] = options[0]
        st.selectbox(spec.label, options, format_func=lambda v: v if v else "not set", **common)
    elif spec.widget == "checkbox":
        st.checkbox(spec.label, **common)
    elif spec.widget == "textarea":
        st.text_area(spec.label, placeholder=spec.placeholder, height=68, **common)
    else:
        st.text_input(spec.label, placeholder=spec.placeholder, **common)
    problem = state.errors.get(spec.path)
    if problem:
        st.caption(f":red[{md(problem)}]")
    found = notes.get(spec.path, ())
    for finding in found:
        if finding.severity == "error" and finding.code != "form":
            st.caption(f":red[{md(finding.message)}]")
    warned = sum(1 for f in found if f.severity == "warning")
    if warned:
        st.caption(
            f":orange[:material/warning: {warned} warning{'s' if warned > 1 else ''} "
            "in the side panel]"
        )


def render_group(
    group: FieldGroup,
    state: EditorState,
    scope: str,
    notes: Mapping[str, list[Finding]],
    skip: Iterable[str] = (),
) -> None:
    """One form section: its fields in rows of COLUMNS."""
    shown = [spec for spec in group.fields if spec.path not in set(skip)]
    if group.key == "slo":
        _render_slo(group, state, scope, notes)
        return
    for start in range(0, len(shown), COLUMNS):
        columns = st.columns(COLUMNS)
        for column, spec in zip(columns, shown[start : start + COLUMNS], strict=False):
            with column:
                render_field(spec, state, scope, notes)


def _render_slo(
    group: FieldGroup, state: EditorState, scope: str, notes: Mapping[str, list[Finding]]
) -> None:
    by_metric: dict[str, list[FieldSpec]] = {}
    for spec in group.fields:
        by_metric.setdefault(spec.path.rsplit(".", 1)[0], []).append(spec)
    for prefix, specs in by_metric.items():
        if prefix == "slo":
            for spec in specs:
                render_field(spec, state, scope, notes)
            continue
        columns = st.columns([3, 2, 2, 2])
        for column, spec in zip(columns, specs, strict=False):
            with column:
                render_field(spec, state, scope, notes)


def advanced_tab(
    state: EditorState,
    scope: str,
    findings: list[Finding],
    group_keys: Iterable[str] | None = None,
) -> None:
    """The "Advanced config" tab: one expander per section, titled with what it holds.

    Closed sections draw no widgets (each widget costs every rerun time); their values stay in
    the draft meanwhile. Sections open by themselves when something in them is wrong.
    """
    notes = notes_by_field(findings)
    wanted = list(group_keys) if group_keys is not None else [g.key for g in groups()]
    with st.container(gap="xsmall"):
        for group in groups():
            if group.key in wanted:
                with st.container(gap="xxsmall"):
                    _section(group, state, scope, notes)


def _section(
    group: FieldGroup, state: EditorState, scope: str, notes: Mapping[str, list[Finding]]
) -> None:
    # Findings about the whole section (parallel_config: too many GPUs) sit at its top.
    about_section = [f for f in notes.get(group.key, ()) if f.severity == "error"]
    errors_here = (
        bool(about_section)
        or any(f.severity == "error" for spec in group.fields for f in notes.get(spec.path, ()))
        or any(spec.path in state.errors for spec in group.fields)
    )
    # The title and default stay fixed: Streamlit forgets whether an expander is open when
    # either changes. A closed section says what it holds, and what is wrong, below it.
    section = st.expander(
        group.title, expanded=group.key in ("task", "model"),
        key=keys.section(scope, group.key), on_change="rerun",
    )  # fmt: skip
    if section.open:
        with section:
            if group.help:
                st.caption(group.help)
            for finding in about_section:
                st.caption(f":red[:material/error: {md(finding.message)}]")
            render_group(group, state, scope, notes)
        return
    summary = md(section_summary(group, state))
    problem = ":red[:material/error: needs attention]" if errors_here else ""
    if summary or problem:
        st.caption("&nbsp;&nbsp;" + " · ".join(part for part in (problem, summary) if part))


# ---- Expert mode ---------------------------------------------------------------------------


def consume_table_edits(state: EditorState, scope: str, draft: str) -> None:
    """Apply the expert table's pending edits (sent with this rerun) before anything renders."""
    key = keys.expert_table(scope, draft, state.revision)
    edits = st.session_state.get(key)
    if not isinstance(edits, Mapping):
        return
    if not (edits.get("edited_rows") or edits.get("added_rows") or edits.get("deleted_rows")):
        return
    rows = st.session_state.get(f"{key}.rows")
    if rows is None:
        return
    state.set_rows(expert.apply_edits(rows, edits))


def _on_paste(state: EditorState, scope: str) -> None:
    text = st.session_state.get(f"{scope}.paste_text") or ""
    if not text.strip():
        st.session_state[f"{scope}.paste_result"] = ("error", "Paste a command first.", [])
        return
    try:
        notes = state.paste_command(text)
    except UnreadableCommand as error:
        st.session_state[f"{scope}.paste_result"] = ("error", str(error), [])
        return
    summary = (
        f"Read the {state.engine.label} launch of {state.task.model.id_or_path}: "
        f"{len(state.task.parameters)} flags."
    )
    st.session_state[f"{scope}.paste_result"] = ("success", summary, notes)


def show_outcome(result: tuple[str, str, list[Finding]] | None) -> None:
    """What reading a pasted command or an uploaded file gave: the outcome, then each finding."""
    if not result:
        return
    kind, text, notes = result
    (st.success if kind == "success" else st.error)(md(text))
    for note in notes:
        line = md(f"{note.path}: {note.message}" if note.path else note.message)
        (st.error if note.severity == "error" else st.warning)(line)


def paste_command_box(state: EditorState, scope: str) -> None:
    """ "Paste a launch command": fills model, runtime, release and flags from one command."""
    result = st.session_state.get(f"{scope}.paste_result")
    opened = not state.task.parameters or result is not None
    with st.expander("Paste a launch command", expanded=opened):
        with st.form(key=f"{scope}.paste_form", border=False):
            st.text_area(
                "Launch command",
                key=f"{scope}.paste_text",
                height=140,
                placeholder="python -m sglang.launch_server --model-path Qwen/Qwen3-8B --tp-size 2"
                "\nvllm serve MODEL ...  ·  docker run ... IMAGE ...",
                help="An SGLang or vLLM command (backslash continuations, environment variables "
                "and docker run lines are read; nothing is run). It replaces the model, runtime, "
                "engine release and every flag of this task.",
            )
            st.form_submit_button("Read command", on_click=_on_paste, args=(state, scope))
        show_outcome(result)


def expert_tab(state: EditorState, scope: str, draft: str, findings: list[Finding]) -> None:
    """The "Expert mode" tab: every flag as a row; mapped flags update the sections."""
    engine = state.engine
    paste_command_box(state, scope)
    catalog = expert.flag_catalog(engine)
    st.caption(
        f"Every flag {engine.label} receives, one row each. Editing a flag that a structured "
        "field generates updates that field; other flags are kept exactly as typed. Several "
        "values (comma-separated) are grid candidates; JSON lists are read as they are."
    )
    pick, values, add = st.columns([4, 3, 1], vertical_alignment="bottom")
    names = [info.name for info in catalog]
    described = {info.name: info.describe() for info in catalog}
    with pick:
        st.selectbox(
            f"Add a flag ({len(names)} in {engine.label})",
            names,
            index=None,
            key=f"{scope}.add_flag",
            placeholder="type to search flags",
            format_func=lambda n: f"{n}  ({described.get(n, '')})",
            accept_new_options=True,
        )
    with values:
        st.text_input("Values", key=f"{scope}.add_values", placeholder="e.g. 2, 4 or true")
    with add:
        st.button("Add", key=f"{scope}.add", on_click=_on_add, args=(state, scope))
    problem = st.session_state.pop(f"{scope}.add_problem", None)
    if problem:
        st.error(md(problem))
    chosen = st.session_state.get(f"{scope}.add_flag")
    if chosen:
        info = expert.flag_info(engine, chosen)
        about = info.describe() if info else "not a flag of " + engine.label
        st.caption(f"{md_code('--' + chosen)}: {md(about)}")
    rows = state.rows(findings)
    key = keys.expert_table(scope, draft, state.revision)
    st.session_state[f"{key}.rows"] = rows
    frame = pd.DataFrame(
        rows, columns=[expert.FLAG, expert.VALUES, expert.SOURCE, expert.ACCEPTS, PROBLEM]
    )
    st.data_editor(
        frame,
        key=key,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        disabled=[expert.SOURCE, expert.ACCEPTS, PROBLEM],
        column_config={
            expert.FLAG: st.column_config.TextColumn("flag", help="Flag name without --"),
            expert.VALUES: st.column_config.TextColumn(
                "values", help="Candidate values, comma-separated (or a JSON list)"
            ),
            expert.SOURCE: st.column_config.TextColumn(
                "from", help="The structured field that generates the flag"
            ),
            expert.ACCEPTS: st.column_config.TextColumn("accepts", help="Type and choices"),
            PROBLEM: st.column_config.TextColumn("problem"),
        },
    )


def _on_add(state: EditorState, scope: str) -> None:
    name = st.session_state.get(f"{scope}.add_flag") or ""
    values = st.session_state.get(f"{scope}.add_values") or ""
    problem = state.add_flag(name, values)
    if problem:
        st.session_state[f"{scope}.add_problem"] = problem
    else:
        st.session_state[f"{scope}.add_flag"] = None
        st.session_state[f"{scope}.add_values"] = ""


# ---- Side panel ----------------------------------------------------------------------------


def side_panel(summary: Summary, *, show_task_parts: bool = True) -> None:
    """Findings by field, generated flags, grid size, first launch commands, predictions."""
    if summary.error_count:
        st.error(f"{summary.error_count} error(s) block saving", icon=":material/block:")
    elif summary.warning_count:
        st.warning(f"No errors; {summary.warning_count} warning(s)", icon=":material/warning:")
    else:
        st.success("No problems found", icon=":material/check_circle:")
    blocks = []
    for path, found in summary.findings.items():
        items = []
        for finding in found:
            colour = "red" if finding.severity == "error" else "orange"
            icon = ":material/error:" if finding.severity == "error" else ":material/warning:"
            items.append(f"- :{colour}[{icon}] {md(finding.message)}")
        # A blank line ends the list, so the next field's name is not read as part of it.
        blocks.append(f"**{md_code(path)}**\n\n" + "\n".join(items))
    if blocks:
        st.markdown("\n\n".join(blocks))
    if show_task_parts:
        grid_line(summary)
    st.markdown(f"**Generated parameters** ({summary.engine})")
    if summary.parameters:
        st.dataframe(pd.DataFrame(summary.parameters), hide_index=True, width="stretch")
    else:
        st.caption("No flags yet.")
    if show_task_parts and summary.commands:
        st.markdown("**First launch commands**")
        st.code("\n\n".join(summary.commands), language="bash", wrap_lines=True)
    elif show_task_parts and summary.error_count:
        st.markdown("**First launch commands**")
        st.caption(
            f"No launch command: the {summary.error_count} error(s) above would make the engine "
            "or the autotuner refuse it. Fix them to see the commands."
        )
    if summary.predictions:
        st.markdown("**aiconfigurator predictions**")
        frame = pd.DataFrame(summary.predictions)[["metric", "value", "unit", "meaning"]]
        st.dataframe(frame, hide_index=True, width="stretch")


def grid_line(summary: Summary) -> None:
    left, right = st.columns(2)
    left.metric("Grid size", f"{summary.grid_size:,}")
    right.metric("Experiments run", f"{summary.runs:,}")
    if summary.truncated:
        st.warning(
            f"max_iterations cuts the grid: only the first {summary.runs:,} of "
            f"{summary.grid_size:,} combinations run."
        )
    if summary.skipped:
        st.caption("Not in the grid (ranges or empty): " + md(", ".join(summary.skipped)))


Action = Callable[[], None]
