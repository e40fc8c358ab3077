"""How wide a table's text column is drawn: wide enough for its longest value, so the grid
never cuts a path, a source or a note short at the column's edge.

The app's tables auto-size a column to its content only up to 500 px; longer text (a source
file's path and row, an import's notes) needs a width of its own. Widths are in pixels of the
grid's 13 px font, estimated generously from the number of characters.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

#: Pixels per character of the grid's font, at the wide end (capitals, digits, ``_``).
CHAR_PX = 7.5
#: The cell's padding on both sides, with room to spare.
PADDING_PX = 24
#: The widest a column is drawn: with a pinned name column beside it, it still shows whole in
#: a table 1280 px wide.
MOST_PX = 800
#: Characters that fit in the widest column.
MOST_CHARS = int((MOST_PX - PADDING_PX) / CHAR_PX)


def text_width(values: Iterable[object], header: str = "") -> int:
    """Pixels for a column holding ``values`` under ``header``: its longest text whole, up
    to ``MOST_PX`` (``shortened`` keeps a longer text within that)."""
    longest = max((len(str(v)) for v in values if v is not None), default=0)
    longest = max(longest, len(header))
    return min(MOST_PX, int(longest * CHAR_PX) + PADDING_PX)


def shortened(text: str, most: int = MOST_CHARS, *, keep_end: bool = False) -> str:
    """``text`` cut to ``most`` characters (what the widest column holds), with an ellipsis
    where it was cut: at its end, or with ``keep_end`` at its start, for a path whose end (the
    file, the row) says the most. The whole text stays where the table points to (the
    details, the download)."""
    if len(text) <= most:
        return text
    if keep_end:
        return "…" + text[len(text) - most + 1 :].lstrip()
    return text[: most - 1].rstrip() + "…"


def fitted(
    frame: pd.DataFrame, ends: Iterable[str] = (), starts: Iterable[str] = ()
) -> pd.DataFrame:
    """A copy of ``frame`` for display with its long text cut to the widest column: the
    ``ends`` columns (paths, sources) keep their ends, the ``starts`` columns their starts."""
    shown = frame.copy()
    for columns, keep_end in ((ends, True), (starts, False)):
        for column in columns:
            if column in shown.columns:
                shown[column] = shown[column].map(
                    lambda v, e=keep_end: shortened(v, keep_end=e) if isinstance(v, str) else v
                )
    return shown
