"""The comparison view's tables, as pandas frames built from configlib.results.compare.

A subject is a task (stored, or an imported candidate) with its aiconfigurator predictions and
any measured results. Every number in these frames carries ``kind`` (prediction or
measurement) and ``source`` (the file it came from).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from configlib.convert import engine_for
from configlib.engines.rules import ENGINE_LABELS
from configlib.model import TaskConfig
from configlib.results.compare import (
    SLOLine,
    Value,
    compare_values,
    measured_values,
    pareto_front,
    predicted_values,
    server_gpus,
    slo_lines,
)
from configlib.results.metrics import COMPARED as METRICS
from configlib.safe_text import csv_cell

if TYPE_CHECKING:
    from configlib.store import Store

X, Y = "tokens_per_s_per_user", "tokens_per_s_per_gpu"
#: aiconfigurator's backend names as the app shows them (TensorRT-LLM is predicted, never run).
BACKEND_LABELS = {**ENGINE_LABELS, "trtllm": "TensorRT-LLM"}


def backend_label(name: object) -> str:
    """SGLang, vLLM, TensorRT-LLM; an unknown backend as written; "unknown" when absent."""
    text = str(name or "").strip()
    return BACKEND_LABELS.get(text.lower(), text) if text else "unknown"


@dataclass(frozen=True)
class Measurement:
    """One measured configuration of a task."""

    label: str
    """How the table names it: experiment, scenario, concurrency."""
    parameters: Mapping[str, Any]
    """The grid point that ran (flag -> value)."""
    metrics: Mapping[str, Any]
    """The measured values, named with their units."""
    source: str
    """The results file it was imported from."""
    concurrency: int | None = None
    """Requests in flight during the run."""
    scenario: str | None = None
    """genai-bench traffic scenario, e.g. D(4000,1000)."""
    time_unit: str = "s"
    """Unit of raw genai-bench latencies (s unless the file says ms)."""


@dataclass
class Subject:
    """A task or an imported candidate, with its measured results."""

    name: str
    """How the comparison names it."""
    task: TaskConfig
    """The task (its metadata carries the predictions and their source)."""
    measurements: list[Measurement] = field(default_factory=list)
    """Its measured results."""

    @property
    def source(self) -> Mapping[str, Any]:
        source = self.task.metadata.aiconfigurator_source
        return source if isinstance(source, Mapping) else {}

    def predicted(self) -> dict[str, Value]:
        source = self.task.metadata.aiconfigurator_source
        return predicted_values(self.task.metadata.aiconfigurator_predictions, source)

    @property
    def backend(self) -> str:
        """The engine aiconfigurator predicted for (not always the one the task runs)."""
        return backend_label(self.source.get("backend"))

    @property
    def runtime(self) -> str:
        """The engine the task runs on, where its measurements come from."""
        return backend_label(self.task.base_runtime.value)

    @property
    def predicted_concurrency(self) -> int | None:
        value = (self.task.metadata.aiconfigurator_predictions or {}).get("concurrency")
        return int(value) if isinstance(value, int | float) and value >= 1 else None

    @property
    def predicted_scenario(self) -> str | None:
        isl, osl = self.source.get("isl"), self.source.get("osl")
        if isinstance(isl, int | float) and isinstance(osl, int | float):
            return f"D({int(isl)},{int(osl)})"
        return None

    def relevant(self) -> list[Measurement]:
        """The measurements at the predicted concurrency and scenario, when there are any;
        otherwise all of them (the table says at which concurrency each one ran)."""
        concurrency, scenario = self.predicted_concurrency, self.predicted_scenario
        matching = [
            m
            for m in self.measurements
            if (concurrency is None or m.concurrency in (None, concurrency))
            and (scenario is None or m.scenario in (None, scenario))
        ]
        return matching or list(self.measurements)

    def measured(self, measurement: Measurement) -> dict[str, Value]:
        engine, _ = engine_for(self.task)
        return measured_values(
            measurement.metrics,
            source=measurement.source,
            gpus=server_gpus(engine, measurement.parameters),
            concurrency=self.predicted_concurrency,
            scenario=self.predicted_scenario,
            time_unit=measurement.time_unit,
        )


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
        for extra in ("concurrency", "replicas", "num_gpus_per_replica"):
            row[extra] = raw.get(extra)
        row["source"] = next((v.source for v in values.values()), "")
        rows.append(row)
    return pd.DataFrame(rows)


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


def measurements(db: Store, task_name: str) -> list[Measurement]:
    """The task's stored measured results (failed experiments have no metrics: left out)."""
    found = []
    for stored in db.list_results(task_name):
        record = stored.result
        if record.status != "success" or not record.metrics:
            continue
        parts = []
        if record.experiment_id is not None:
            parts.append(f"experiment {record.experiment_id}")
        if record.scenario:
            parts.append(record.scenario)
        if record.concurrency is not None:
            parts.append(f"concurrency {record.concurrency}")
        found.append(
            Measurement(
                label=", ".join(parts) or f"result {stored.id}",
                parameters=record.parameters,
                metrics=record.metrics,
                source=record.source_file or "uploaded results",
                concurrency=record.concurrency,
                scenario=record.scenario,
            )
        )
    return found


def point_label(point: dict[str, Any]) -> str:
    return " ".join(f"{key}={value}" for key, value in point.items()) or "(no flags)"


def stored_subjects(db: Store, names: Sequence[str]) -> list[Subject]:
    """Stored tasks with their successful measured results, as the Compare page compares them."""
    return [Subject(name, db.get_task(name).task, measurements(db, name)) for name in names]


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
