"""The Compare page's CSV download: user text cannot become a spreadsheet formula (item 8)."""

from __future__ import annotations

import csv
import io

import pandas as pd

from configlib.ui.comparison import COMPARISON_COLUMNS, comparison_csv

HOSTILE = [
    '=HYPERLINK("http://127.0.0.1/x","click")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
]


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_formula_cells_are_neutralised_and_numbers_stay_numbers() -> None:
    comparison = pd.DataFrame(
        [
            {
                "task": name,
                "measurement": name,
                "metric": "TTFT",
                "unit": "ms",
                "predicted": -1.5,
                "measured": 120.0,
                "error_pct": -3.25,
                "prediction_source": name,
                "measurement_source": "run",
                "notes": name,
            }
            for name in HOSTILE
        ],
        columns=COMPARISON_COLUMNS,
    )
    rows = _rows(comparison_csv(pd.DataFrame(), comparison))
    for row, name in zip(rows, HOSTILE, strict=True):
        for column in ("task", "measurement", "prediction_source", "notes"):
            assert row[column] == "'" + name
        assert row["predicted"] == "-1.5" and row["error_pct"] == "-3.25"
        assert row["measured"] == "120.0"


def test_prediction_only_download_is_neutralised_too() -> None:
    predictions = pd.DataFrame({"task": HOSTILE, "TTFT (ms)": [-1.0] * len(HOSTILE)})
    rows = _rows(comparison_csv(predictions, pd.DataFrame(columns=COMPARISON_COLUMNS)))
    assert [r["task"] for r in rows] == ["'" + name for name in HOSTILE]
    assert {r["kind"] for r in rows} == {"prediction"}
    assert {r["TTFT (ms)"] for r in rows} == {"-1.0"}
