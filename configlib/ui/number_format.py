"""How the app's tables show numbers: a few significant digits, thousands grouped.

One home for number display, so every table reads alike: ``3,231`` and ``12.3``, never
``3231.190000``. Values are rounded to ``SIGNIFICANT`` significant digits without cutting into
the integer part (``3231.19`` stays ``3231``, not ``3230``); the browser groups the thousands
(``FORMAT``, Streamlit's locale-aware number format, which also drops trailing zeros). Tables
are rounded for display only: downloads keep the exact figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

#: Significant digits a figure is shown with.
SIGNIFICANT = 3
#: The number-column format that groups thousands (``3,231``) in the viewer's locale.
FORMAT = "localized"


def significant(value: Any, digits: int = SIGNIFICANT) -> Any:
    """``value`` rounded to ``digits`` significant digits, its integer part kept whole:
    ``3231.19 -> 3231.0``, ``12.345 -> 12.3``, ``0.012345 -> 0.0123``. Anything that is not
    a finite float (an integer, text, None, NaN) comes back as it is."""
    if isinstance(value, bool) or not isinstance(value, float) or not math.isfinite(value):
        return value
    if value == 0:
        return 0.0
    places = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return round(value, places)


def text(value: Any, digits: int = SIGNIFICANT) -> str:
    """One figure as text, as the tables show it: ``3,231``, ``12.3``, ``0.0123``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    rounded = significant(float(value), digits)
    if float(rounded).is_integer():
        return f"{int(rounded):,}"
    places = max(0, digits - 1 - math.floor(math.log10(abs(rounded))))
    return f"{rounded:,.{places}f}".rstrip("0").rstrip(".")  # trailing zeros dropped


def numeric_columns(frame: pd.DataFrame) -> list[str]:
    """The columns holding numbers (booleans are not numbers here)."""
    return [
        str(column)
        for column in frame.columns
        if pd.api.types.is_numeric_dtype(frame[column])
        and not pd.api.types.is_bool_dtype(frame[column])
    ]


def rounded(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """A copy of ``frame`` for display: its float figures (every numeric column, or just
    ``columns``) rounded to ``SIGNIFICANT`` significant digits each."""
    shown = frame.copy()
    for column in numeric_columns(frame) if columns is None else columns:
        if column in shown.columns and pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(significant)
    return shown


#: Shown for a figure that is missing (not predicted, not measured), instead of ``None``.
MISSING = "—"
