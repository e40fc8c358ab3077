"""The comparison view's tables, as pandas frames built from configlib.results.compare.

A subject is a task (stored, or an imported candidate) with its aiconfigurator predictions and
any measured results. Every number in these frames carries ``kind`` (prediction or
measurement) and ``source`` (the file it came from).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

# Subjects, their measurements and the stored ones are the library's; named here as the pages
# use them.
from configlib.calibration.pairs import measurements as measurements
from configlib.calibration.pairs import subjects_from_store
from configlib.results.compare import SLOLine, Value, compare_values, pareto_front, slo_lines
from configlib.results.metrics import COMPARED as METRICS
from configlib.results.subjects import BACKEND_LABELS as BACKEND_LABELS
from configlib.results.subjects import Measurement as Measurement
from configlib.results.subjects import Subject as Subject
from configlib.results.subjects import backend_label as backend_label
from configlib.safe_text import csv_cell

X, Y = "tokens_per_s_per_user", "tokens_per_s_per_gpu"
#: Stored tasks with their successful measured results, as the Compare page compares them.
stored_subjects = subjects_from_store


def predictions_frame(subjects: Sequence[Subject]) -> pd.DataFrame:
    """One row per subject: its predicted metrics side by side (aligned definitions)."""
    rows = []
    for subject in subjects:
        values = subject.predicted()
        raw = subject.task.metadata.aiconfigurator_predictions or {}
        row: dict[str, Any] = {
            "name": subject.name,
            "predicted for": subject.backend,
            "runs on": subject.runtime,
            "serving": subject.source.get("serving_mode", ""),
        }
        for metric in METRICS:
            value = values.get(metric.key)
            row[column_title(metric.label, metric.unit)] = value.value if value else None
        for extra in PREDICTION_EXTRAS:
            row[extra] = raw.get(extra)
        row["source"] = next((v.source for v in values.values()), "")
        rows.append(row)
    return pd.DataFrame(rows)


#: aiconfigurator's figures beside its predictions, with their headers (units named).
PREDICTION_EXTRAS = {
    "concurrency": "concurrency (requests)",
    "replicas": "replicas",
    "num_gpus_per_replica": "GPUs per replica",
}


def column_title(label: str, unit: str) -> str:
    """``TTFT (ms)``, but ``Output tokens/s`` (its unit is in its name already)."""
    return label if unit in label or not unit else f"{label} ({unit})"


POINT_COLUMNS = ["name", "task", "kind", "serving", "engine", "source", X, Y, "ttft_ms", "tpot_ms"]


def chart_frame(subjects: Sequence[Subject]) -> pd.DataFrame:
    """Points for the Pareto chart: every prediction and measurement with both axes."""
    rows: list[dict[str, Any]] = []
    for subject in subjects:
        sets: list[tuple[str, dict[str, Value]]] = [("predicted", subject.predicted())]
        sets += [(m.label, subject.measured(m)) for m in subject.relevant()]
        for label, values in sets:
            if X not in values or Y not in values:
                continue
            kind = values[Y].kind
            serving = str(subject.source.get("serving_mode") or "agg")
            engine = subject.backend if kind == "prediction" else subject.runtime
            rows.append(
                {
                    "name": subject.name if kind == "prediction" else f"{subject.name}: {label}",
                    "task": subject.name,
                    "kind": kind,
                    "serving": serving,
                    "engine": f"{engine}, {serving}",
                    "source": values[Y].source,
                    X: values[X].value,
                    Y: values[Y].value,
                    "ttft_ms": values["ttft_ms"].value if "ttft_ms" in values else None,
                    "tpot_ms": values["tpot_ms"].value if "tpot_ms" in values else None,
                }
            )
    frame = pd.DataFrame(rows, columns=POINT_COLUMNS)
    frame["frontier"] = False
    for kind in ("prediction", "measurement"):
        part = frame[frame["kind"] == kind]
        flags = pareto_front(list(zip(part[X], part[Y], strict=True)))
        frame.loc[part.index, "frontier"] = flags
    return frame


def chart_lines(subjects: Sequence[Subject]) -> list[SLOLine]:
    """TPOT targets as minimum tokens/s/user: aiconfigurator's run targets and the tasks' SLOs."""
    targets: list[tuple[float, str]] = []
    for subject in subjects:
        target = subject.source.get("tpot_target_ms")
        if isinstance(target, int | float):
            targets.append((float(target), "aiconfigurator's TPOT target"))
        slo = subject.task.slo
        if slo is not None and slo.tpot is not None:
            targets.append((slo.tpot.threshold * 1000.0, "the tasks' TPOT SLO"))
    return slo_lines(targets)


COMPARISON_COLUMNS = [
    "task", "measurement", "metric", "unit", "predicted", "measured", "error_pct",
    "prediction_source", "measurement_source", "notes",
]  # fmt: skip


def comparison_frame(subjects: Sequence[Subject]) -> pd.DataFrame:
    """Predicted vs measured per metric, one row per (subject, measurement, metric)."""
    rows = []
    for subject in subjects:
        predicted = subject.predicted()
        for measurement in subject.relevant():
            for row in compare_values(predicted, subject.measured(measurement)):
                rows.append(
                    {
                        "task": subject.name,
                        "measurement": measurement.label,
                        "metric": row.label,
                        "unit": row.unit,
                        "predicted": row.predicted,
                        "measured": row.measured,
                        "error_pct": row.error_pct,
                        "prediction_source": row.prediction_source,
                        "measurement_source": row.measurement_source,
                        "notes": "; ".join(row.notes),
                    }
                )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def comparison_shown(comparison: pd.DataFrame) -> pd.DataFrame:
    """The comparison as its table shows it: each metric with its unit (``TTFT (ms)``), as
    the predicted and measured columns hold figures of different metrics."""
    shown = comparison.copy()
    shown["metric"] = [
        column_title(label, unit)
        for label, unit in zip(shown["metric"], shown["unit"], strict=True)
    ]
    return shown.drop(columns="unit")


def comparison_csv(predictions: pd.DataFrame, comparison: pd.DataFrame) -> str:
    """The comparison as CSV: predicted-vs-measured rows, or the predictions when none ran."""
    if comparison.empty:
        frame = predictions.copy()
        frame.insert(1, "kind", "prediction")
    else:
        frame = comparison.copy()
    # Task names, labels and notes are user text: a cell starting with a formula character
    # would run in the spreadsheet that opens the download. Numbers stay numbers.
    for column in frame.columns:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].map(csv_cell)
    text: str = frame.to_csv(index=False)
    return text


# ---- Calibration (configlib.calibration) ------------------------------------------------------

CALIBRATED_KIND = "calibrated (corrected, not aiconfigurator's)"


def calibrated_points(calibrated: pd.DataFrame, measured: set[str]) -> pd.DataFrame:
    """Pareto-chart points of the unmeasured candidates after calibration, with the 90 % band of
    tokens/s/GPU (``low``/``high``); aiconfigurator's own points stay as they are."""
    part = calibrated[~calibrated["candidate"].isin(measured) & calibrated["metric"].isin([X, Y])]
    if part.empty:
        return pd.DataFrame(columns=["name", "task", "kind", X, Y, "low", "high", "note"])
    wide = part.pivot_table(
        index="candidate", columns="metric", values=["calibrated", "low", "high"],
        aggfunc="first",
    ).dropna(subset=[("calibrated", X), ("calibrated", Y)])  # fmt: skip
    notes = part[part["metric"] == Y].set_index("candidate")["note"]
    return pd.DataFrame(
        {
            "name": [f"{name} (calibrated)" for name in wide.index],
            "task": list(wide.index),
            "kind": CALIBRATED_KIND,
            "serving": "agg",
            "source": "calibration of aiconfigurator's prediction",
            X: wide[("calibrated", X)].to_numpy(),
            Y: wide[("calibrated", Y)].to_numpy(),
            "low": wide[("low", Y)].to_numpy(),
            "high": wide[("high", Y)].to_numpy(),
            "note": notes.reindex(wide.index).fillna("").to_numpy(),
            "frontier": False,
        }
    )


#: Grid points offered when a genai-bench file does not say which configuration ran.
POINTS_OFFERED = 200


def point_label(point: dict[str, Any]) -> str:
    return " ".join(f"{key}={value}" for key, value in point.items()) or "(no flags)"


#: An axis whose values spread less than this share of their size is widened to it, so one
#: candidate (or a few close ones) gets round ticks instead of a magnified sliver.
LEAST_SPAN = 0.2


def axis_domain(values: Sequence[float], extra: Sequence[float] = ()) -> tuple[float, float] | None:
    """Where a chart axis over ``values`` (and ``extra``, e.g. target lines) runs; None when
    there is nothing to show. One value, or values closer than LEAST_SPAN of their size, get
    a domain that wide around them; others 5 % of padding; a throughput axis never runs
    below zero."""
    numbers = [float(v) for v in [*values, *extra]]
    if not numbers:
        return None
    low, high = min(numbers), max(numbers)
    least = LEAST_SPAN * max(abs(low), abs(high)) or 1.0
    if high - low < least:
        middle = (low + high) / 2
        low, high = middle - least / 2, middle + least / 2
    else:
        pad = (high - low) * 0.05
        low, high = low - pad, high + pad
    if min(numbers) >= 0:
        low = max(low, 0.0)
    return low, high
