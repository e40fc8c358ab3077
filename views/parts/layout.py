"""Page layout the app's widgets cannot express: the editor's side panel stays in view while
the form beside it scrolls."""

from __future__ import annotations

import streamlit as st

#: The key of the container holding the editor's side panel (Streamlit adds the class
#: ``st-key-<key>`` to it, which the style below selects).
SIDE_PANEL = "editor-side-panel"
#: Below the top navigation bar.
TOP = "3.75rem"

_CHECKBOX_LABEL = (
    f"[data-testid='stMainBlockContainer']:has(.st-key-{SIDE_PANEL}) "
    "[data-testid='stCheckbox'] .stMarkdownEllipsis"
)
_STYLE = f"""<style>
/* The panel's wrapper sits in its column, which runs as tall as the form beside it: sticky
   there, it stays in view all the way down, and scrolls on its own when taller than the
   window. */
[data-testid='stLayoutWrapper']:has(> .st-key-{SIDE_PANEL}) {{
  position: sticky;
  top: {TOP};
  align-self: flex-start;
  max-height: calc(100vh - {TOP} - 1rem);
  overflow-y: auto;
  overflow-x: hidden;
}}
/* The column ends with the form, and a sticky box never leaves its column: with the page's
   usual 10rem of space under the form, the panel (as tall as the window) was pushed up under
   the navigation bar at the bottom of the page. 1rem under the form lets it fit exactly. */
[data-testid='stMainBlockContainer']:has(.st-key-{SIDE_PANEL}) {{
  padding-bottom: 1rem;
}}
/* Checkbox labels are cut to one line with an ellipsis ("Median latenc..."); in the form's
   narrow columns they wrap, as the other inputs' labels do. */
{_CHECKBOX_LABEL}, {_CHECKBOX_LABEL} p {{
  white-space: normal;
  text-overflow: clip;
}}
</style>"""


def sticky_side_panel() -> None:
    """Keep the side panel (the container keyed SIDE_PANEL) in view on a long page."""
    st.html(_STYLE)
