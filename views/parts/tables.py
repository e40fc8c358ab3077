"""Number columns of the app's tables, formatted the one way ``configlib.ui.number_format``
says (a few significant digits, thousands grouped)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from configlib.ui import number_format, widths


def number(label: str | None = None, **options: Any) -> Any:
    """A number column: thousands grouped in the viewer's locale, trailing zeros dropped."""
    return st.column_config.NumberColumn(label, format=number_format.FORMAT, **options)


def numbers(frame: pd.DataFrame, **config: Any) -> dict[str, Any]:
    """Column settings for ``frame``: ``config`` as given, every other number column with
    ``number()``."""
    settings = {column: number() for column in number_format.numeric_columns(frame)}
    settings.update(config)
    return settings


def shown(
    frame: pd.DataFrame, ends: tuple[str, ...] = (), starts: tuple[str, ...] = ()
) -> pd.DataFrame:
    """``frame`` as a table shows it: figures rounded to a few significant digits; text of
    the ``ends`` (paths) and ``starts`` columns cut to what the widest column shows."""
    return widths.fitted(number_format.rounded(frame), ends, starts)


def text(frame: pd.DataFrame, column: str, label: str | None = None, **options: Any) -> Any:
    """A text column as wide as its longest value in ``frame`` (never cut at its edge)."""
    width = widths.text_width(frame[column], label or column) if column in frame else None
    return st.column_config.TextColumn(label, width=width, **options)
