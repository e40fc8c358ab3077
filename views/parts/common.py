"""Small widgets every page uses: the message an action leaves for the next run, and popovers
drawn only while open. Kept apart from the editor's widgets so a page that needs only these
does not load the task model."""

from __future__ import annotations

from typing import Any

import streamlit as st

from configlib.safe_text import md
from configlib.ui import keys


def popover_key(scope: str, name: str) -> str:
    """The key of a popover the app may close (see ``close_popover``)."""
    return keys.popover(scope, name, st.session_state.get(keys.popover_generation(scope, name), 0))


def close_popover(scope: str, name: str) -> None:
    """Close a popover from a callback: the next run draws a new, closed one in its place.

    Writing False into the open popover's own state does not reach the browser, which keeps
    it open; the next click anywhere (a page in the top bar) closes it there and sends a rerun
    of this page behind the navigation: the navigation is lost, and the form's widgets come
    back empty while the session still holds their values.
    """
    counter = keys.popover_generation(scope, name)
    st.session_state[counter] = st.session_state.get(counter, 0) + 1


def lazy_popover(parent: Any, label: str, key: str, icon: str, **options: Any) -> Any:
    """A popover whose content is drawn only while it is open (None while closed)."""
    box = parent.popover(label, icon=icon, key=key, on_change="rerun", **options)
    return box if box.open else None


def count_run() -> None:
    """Count this run of the session (app.py calls it once per run)."""
    st.session_state[keys.RUNS] = st.session_state.get(keys.RUNS, 0) + 1


def address_link(name: str) -> str | None:
    """The query parameter ``name`` of the address the browser opened, on the session's first
    run only; later runs (Back to that address, a rerun) get None."""
    value = st.query_params.get(name)
    if not value or st.session_state.get(keys.RUNS, 0) > 1:
        return None
    return value


def flash() -> None:
    """Show (once) the message left by the last action."""
    message = st.session_state.pop(keys.FLASH, None)
    if message:
        kind, text = message
        show = {"success": st.success, "warning": st.warning, "error": st.error}.get(kind, st.info)
        show(md(text))  # messages name tasks and presets and echo errors: plain text


def set_flash(kind: str, text: str) -> None:
    st.session_state[keys.FLASH] = (kind, text)
