"""Predicted-and-measured pairs as one long frame (one row per candidate, measurement, metric).

The values are aligned by configlib.results.compare first (units, TPOT definition, per-GPU
scope); this module only lays them out with the keys calibration groups by: system, backend,
model, serving mode and concurrency. Pairs come from stored tasks (via ``Subject``) or from a
published-pairs CSV (tests/data/calibration/published_pairs.csv has the columns).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from configlib.results.metrics import METRIC
from configlib.results.subjects import Measurement, Subject

if TYPE_CHECKING:
    from configlib.store import Store

#: What a configuration is grouped by, narrowest last.
GROUP_KEYS = ("system", "backend", "model", "serving", "concurrency")
PAIR_COLUMNS = [
    "candidate", "measurement", *GROUP_KEYS, "metric", "predicted", "measured",
    "prediction_source", "measurement_source",
]  # fmt: skip
CANDIDATE_COLUMNS = ["candidate", *GROUP_KEYS, "metric", "predicted", "prediction_source"]


def keys_of(subject: Subject) -> dict[str, Any]:
    """The grouping keys of one task: aiconfigurator's system and backend, the model, mode."""
    source = subject.source
    task = subject.task
    return {
        "system": str(source.get("system") or "unknown"),
        "backend": str(source.get("backend") or task.base_runtime.value),
        "model": task.model.id_or_path,
        "serving": str(source.get("serving_mode") or "agg"),
        "concurrency": subject.predicted_concurrency,
    }


def pairs_from_subjects(subjects: Iterable[Subject]) -> pd.DataFrame:
    """Every metric both predicted and measured, one row per (task, measurement, metric)."""
    rows: list[dict[str, Any]] = []
    for subject in subjects:
        keys = keys_of(subject)
        predicted = subject.predicted()
        for measurement in subject.relevant():
            measured = subject.measured(measurement)
            for metric in METRIC:
                p, m = predicted.get(metric), measured.get(metric)
                if p is None or m is None:
                    continue
                rows.append(
                    {
                        "candidate": subject.name,
                        "measurement": measurement.label,
                        **keys,
                        "metric": metric,
                        "predicted": p.value,
                        "measured": m.value,
                        "prediction_source": p.source,
                        "measurement_source": m.source,
                    }
                )
    return pd.DataFrame(rows, columns=PAIR_COLUMNS)


def candidates_from_subjects(subjects: Iterable[Subject]) -> pd.DataFrame:
    """Every predicted metric of every subject (measured or not), one row per metric."""
    rows: list[dict[str, Any]] = []
    for subject in subjects:
        keys = keys_of(subject)
        for metric, value in subject.predicted().items():
            rows.append(
                {
                    "candidate": subject.name,
                    **keys,
                    "metric": metric,
                    "predicted": value.value,
                    "prediction_source": value.source,
                }
            )
    return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)


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


def subjects_from_store(db: Store, names: Sequence[str]) -> list[Subject]:
    """Stored tasks with their successful measured results (as the Compare page reads them)."""
    return [Subject(name, db.get_task(name).task, measurements(db, name)) for name in names]


class PairsFileError(ValueError):
    """A published-pairs file that cannot be read; the message names the file and line."""


def read_pairs_file(path: str | Path) -> pd.DataFrame:
    """A published-pairs CSV: pair_id, source, metric, predicted, measured and the group keys."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise PairsFileError(f"{path}: cannot read ({error})") from None
    reader = csv.DictReader(text.splitlines())
    needed = {"pair_id", "source", "metric", "predicted", "measured"}
    missing = needed - set(reader.fieldnames or ())
    if missing:
        raise PairsFileError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
    rows = []
    for line, row in enumerate(reader, start=2):
        if row["metric"] not in METRIC:
            raise PairsFileError(
                f"{path}:{line}: metric {row['metric']!r} is not one of {list(METRIC)}"
            )
        try:
            predicted, measured = float(row["predicted"]), float(row["measured"])
        except ValueError:
            raise PairsFileError(f"{path}:{line}: predicted and measured must be numbers") from None
        if predicted <= 0 or measured <= 0:
            raise PairsFileError(f"{path}:{line}: predicted and measured must be above 0")
        concurrency = (row.get("concurrency") or "").strip()
        location = row.get("source_location") or ""
        rows.append(
            {
                "candidate": row["pair_id"],
                "measurement": row["source"],
                "system": row.get("system") or "unknown",
                "backend": row.get("backend") or "unknown",
                "model": row.get("model") or "unknown",
                "serving": row.get("serving") or "unknown",
                "concurrency": int(concurrency) if concurrency.isdigit() else None,
                "metric": row["metric"],
                "predicted": predicted,
                "measured": measured,
                "prediction_source": f"{row['source']} ({location})" if location else row["source"],
                "measurement_source": row["source"],
                "reported_error_pct": _maybe_float(row.get("reported_error_pct")),
            }
        )
    return pd.DataFrame(rows, columns=[*PAIR_COLUMNS, "reported_error_pct"])


def _maybe_float(text: str | None) -> float | None:
    try:
        return float(text) if text not in (None, "") else None
    except ValueError:
        return None
