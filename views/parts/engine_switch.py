"""The editor's question before an engine switch that drops or translates settings: what
goes, what can be carried over (and how its meaning differs), and the grid sizes; the switch
happens only when the user answers (configlib.switching computes all of it)."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from configlib.safe_text import md
from configlib.switching import plan_switch
from configlib.ui.editor import EditorState
from configlib.ui.fields import path_label

Switched = Callable[[str], None] | None


def _on_switch(state: EditorState, scope: str, translate: bool | None, switched: Switched) -> None:
    """The user's answer to a pending engine switch: translate, switch as is, or cancel."""
    _, plan = st.session_state.pop(f"{scope}.switch")
    if translate is not None:
        state.set_engine(plan.runtime, plan.version, translate=translate)
        if switched is not None:
            switched(plan.runtime.value)


def ask(state: EditorState, scope: str, runtime: str) -> bool:
    """Before switching the draft to ``runtime``: True when the switch drops or translates
    something, so the question is shown and the switch waits for the answer."""
    plan = plan_switch(state.task, runtime)
    if plan.quiet:
        st.session_state.pop(f"{scope}.switch", None)
        return False
    st.session_state[f"{scope}.switch"] = (state.revision, plan)
    return True


def switch_question(state: EditorState, scope: str, switched: Switched = None) -> None:
    """A pending engine switch: what it drops and translates, with the grid sizes, before it
    happens; ``switched`` is told the runtime once the user switched."""
    pending = st.session_state.get(f"{scope}.switch")
    if pending is None:
        return
    revision, plan = pending
    if revision != state.revision:  # the draft changed since: the plan no longer holds
        st.session_state.pop(f"{scope}.switch", None)
        return
    offered = {t.from_field for t in plan.translations}
    with st.container(border=True):
        sizes = f"the grid goes from {plan.size_before:,} to {plan.size_after:,} combination(s)"
        if plan.translations:
            sizes += f", or {plan.size_translated:,} with the translation"
        st.markdown(f"**Switch to {md(plan.label)}?** {sizes}.")
        lines = [f"- **Translate?** {md(t.sentence(path_label))}" for t in plan.translations]
        lines += [
            f"- **{'Dropped' if loss.cleared else 'Refused'}:** {md(loss.sentence(path_label))}"
            for loss in plan.losses
            if loss.path not in offered
        ]
        st.markdown("\n".join(lines))
        with st.container(horizontal=True):
            if plan.translations:
                st.button(
                    "Switch and translate", type="primary", key=f"{scope}.switch_translate",
                    on_click=_on_switch, args=(state, scope, True, switched),
                )  # fmt: skip
            st.button(
                "Switch without translating" if plan.translations else "Switch anyway",
                key=f"{scope}.switch_plain", on_click=_on_switch,
                args=(state, scope, False, switched),
            )  # fmt: skip
            st.button(
                "Cancel", key=f"{scope}.switch_cancel", on_click=_on_switch,
                args=(state, scope, None, switched),
            )  # fmt: skip
