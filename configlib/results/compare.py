"""Predictions next to measurements, with the metric definitions aligned before comparing.

aiconfigurator predicts per replica (one agg worker, one xPyD unit) in milliseconds; the
autotuner and genai-bench measure one server in seconds. Before two numbers meet, both are put
in one definition:

- latencies in ms (measured seconds x 1000; genai-bench files written with
  ``--metrics-time-unit ms`` are read as ms);
- TPOT is the time per output token after the first (inter-token latency): what
  aiconfigurator reports by default and what genai-bench computes, (e2e - ttft)/(tokens - 1).
  A prediction made with ``--inclusive-tpot`` reports (ttft + tpot x (osl - 1)) / osl; it is
  converted back with the same row's TTFT and osl;
- throughput per replica (one server, as the autotuner runs it), per GPU (divided by the GPUs
  of that replica) and per user (the decode speed one request sees); cluster figures
  (x replicas) exist for predictions only and are never compared with one server.

Every number keeps whether it is a prediction or a measurement and the file it came from.
Error % is (predicted - measured) / measured x 100: positive means aiconfigurator was optimistic
for throughputs and pessimistic for latencies.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from configlib.engines import Engine
from configlib.results.metrics import COMPARED, PREDICTION_NAMES, unit_of

Kind = Literal["prediction", "measurement"]


def prediction_rows(predictions: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The predictions of one task as labelled rows (metric, value, unit, meaning)."""
    rows = []
    for name, value in (predictions or {}).items():
        label, unit, meaning = PREDICTION_NAMES.get(name, (name, unit_of(name), ""))
        rows.append(
            {"metric": label, "value": value, "unit": unit, "meaning": meaning, "name": name}
        )
    return rows


# ---- Aligned values --------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """One number, aligned to a COMPARED definition, with where it came from."""

    metric: str
    """The aligned metric (a COMPARED key)."""
    value: float
    """In the metric's unit."""
    kind: Kind
    """prediction or measurement."""
    source: str
    """The file (and row or run) it came from."""
    note: str = ""
    """How it was aligned (unit conversion, TPOT definition), when it was."""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _source_text(source: Any) -> str:
    if isinstance(source, Mapping):
        file = source.get("file") or "aiconfigurator"
        row = source.get("row")
        return f"{file} row {row}" if row is not None else str(file)
    return str(source) if source else "aiconfigurator"


def predicted_values(predictions: Mapping[str, Any] | None, source: Any = None) -> dict[str, Value]:
    """aiconfigurator's predictions in the aligned definitions."""
    predictions = predictions or {}
    where = _source_text(source)
    info = source if isinstance(source, Mapping) else {}
    found: dict[str, Value] = {}
    for metric in COMPARED:
        number = _number(predictions.get(metric.key))
        if number is not None:
            found[metric.key] = Value(metric.key, number, "prediction", where)
    tpot = found.get("tpot_ms")
    inclusive = info.get("inclusive_tpot")
    if tpot is not None and inclusive is True:
        ttft = found.get("ttft_ms")
        osl = _number(info.get("osl"))
        if ttft is not None and osl is not None and osl > 1:
            exclusive = (tpot.value * osl - ttft.value) / (osl - 1)
            found["tpot_ms"] = Value(
                "tpot_ms",
                exclusive,
                "prediction",
                where,
                f"converted from inclusive TPOT {tpot.value:.4g} ms "
                f"(--inclusive-tpot) with TTFT and osl {osl:g}",
            )
        else:
            del found["tpot_ms"]
    elif tpot is not None and inclusive is None and info:
        found["tpot_ms"] = Value(
            "tpot_ms",
            tpot.value,
            "prediction",
            where,
            "TPOT definition not recorded; read as inter-token (aiconfigurator's default)",
        )
    _derive_per_user_rate(found, "prediction", where)
    return found


def _stat(stats: Mapping[str, Any], name: str) -> float | None:
    entry = stats.get(name)
    return _number(entry.get("mean")) if isinstance(entry, Mapping) else None


def _from_genai_bench(
    aggregated: Mapping[str, Any], where: str, time_unit: str, gpus: int | None
) -> dict[str, Value]:
    scale = 1.0 if time_unit == "ms" else 1000.0
    stats = aggregated.get("stats") if isinstance(aggregated.get("stats"), Mapping) else {}
    assert isinstance(stats, Mapping)
    found: dict[str, Value] = {}
    unit_note = "" if scale == 1.0 else "s x 1000"
    for metric, stat in (
        ("ttft_ms", "ttft"),
        ("tpot_ms", "tpot"),
        ("request_latency_ms", "e2e_latency"),
    ):
        number = _stat(stats, stat)
        if number is not None:
            found[metric] = Value(metric, number * scale, "measurement", where, unit_note)
    throughput = _number(aggregated.get("mean_output_throughput_tokens_per_s"))
    if throughput is not None:
        found["tokens_per_s"] = Value("tokens_per_s", throughput, "measurement", where)
    rate = _number(aggregated.get("requests_per_second"))
    if rate is None and _number(aggregated.get("requests_per_minute")) is not None:
        rate = float(aggregated["requests_per_minute"]) / 60.0
    if rate is not None:
        found["requests_per_s"] = Value("requests_per_s", rate, "measurement", where)
    speed = _stat(stats, "output_inference_speed")
    if speed is not None:
        found["tokens_per_s_per_user"] = Value(
            "tokens_per_s_per_user",
            speed,
            "measurement",
            where,
            "genai-bench output_inference_speed",
        )
    return _per_gpu(found, gpus, where)


def _per_gpu(found: dict[str, Value], gpus: int | None, where: str) -> dict[str, Value]:
    throughput = found.get("tokens_per_s")
    if "tokens_per_s_per_gpu" not in found and throughput is not None and gpus:
        found["tokens_per_s_per_gpu"] = Value(
            "tokens_per_s_per_gpu",
            throughput.value / gpus,
            "measurement",
            where,
            f"tokens/s / {gpus} GPU{'s' if gpus != 1 else ''} of the server",
        )
    _derive_per_user_rate(found, "measurement", where)
    return found


#: Unit-named measured metrics (``ttft_s``, ``tpot_ms`` ...) -> (aligned metric, scale to it).
_NAMED = {
    f"{base}_{unit}": (metric, scale)
    for base, metric in (
        ("ttft", "ttft_ms"),
        ("tpot", "tpot_ms"),
        ("e2e_latency", "request_latency_ms"),
        ("request_latency", "request_latency_ms"),
    )
    for unit, scale in (("s", 1000.0), ("ms", 1.0))
}


def measured_values(
    metrics: Mapping[str, Any],
    *,
    source: str,
    gpus: int | None = None,
    concurrency: int | None = None,
    scenario: str | None = None,
    time_unit: str = "s",
) -> dict[str, Value]:
    """One measured configuration's metrics in the aligned definitions.

    Reads unit-named metrics (``ttft_ms``, ``output_tokens_per_s`` ... as configlib.results
    stores them), the autotuner's raw experiment metrics (means over every genai-bench run, in
    seconds; when ``concurrency`` is given and the run at that concurrency is among
    ``raw_results``, that run alone) or a genai-bench ``aggregated_metrics`` dict.
    """
    raw = metrics.get("raw_results")
    if concurrency is not None and isinstance(raw, list):
        for run in raw:
            if (
                isinstance(run, Mapping)
                and run.get("num_concurrency") == concurrency
                and (scenario is None or run.get("scenario") in (None, scenario))
            ):
                label = f"{source} (concurrency {concurrency})"
                return _from_genai_bench(run, label, time_unit, gpus)
    if isinstance(metrics.get("stats"), Mapping):
        return _from_genai_bench(metrics, source, time_unit, gpus)
    found: dict[str, Value] = {}
    autotuner = (
        ("mean_ttft", "ttft_ms"),
        ("mean_tpot", "tpot_ms"),
        ("mean_e2e_latency", "request_latency_ms"),
    )
    for name, metric in autotuner:
        number = _number(metrics.get(name))
        if number is not None:
            found[metric] = Value(
                metric,
                number * 1000.0,
                "measurement",
                source,
                "s x 1000, mean over every benchmark run",
            )
    for name, (metric, scale) in _NAMED.items():
        number = _number(metrics.get(name))
        if number is not None and metric not in found:
            note = "s x 1000" if scale != 1.0 else ""
            found[metric] = Value(metric, number * scale, "measurement", source, note)
    pairs = (
        ("mean_output_throughput", "tokens_per_s"),
        ("mean_output_throughput_per_gpu", "tokens_per_s_per_gpu"),
        ("output_tokens_per_s", "tokens_per_s"),
        ("output_tokens_per_s_per_gpu", "tokens_per_s_per_gpu"),
        ("tokens_per_s", "tokens_per_s"),
        ("tokens_per_s_per_gpu", "tokens_per_s_per_gpu"),
        ("tokens_per_s_per_user", "tokens_per_s_per_user"),
        ("requests_per_s", "requests_per_s"),
    )
    for name, metric in pairs:
        number = _number(metrics.get(name))
        if number is not None and metric not in found:
            found[metric] = Value(metric, number, "measurement", source)
    return _per_gpu(found, gpus, source)


# ---- Comparing -------------------------------------------------------------------------------


@dataclass
class ComparisonRow:
    """One metric, predicted and measured, in one definition."""

    metric: str
    """The aligned metric (a COMPARED key)."""
    label: str
    """What people call it (TTFT)."""
    unit: str
    """Unit of both values (ms, tokens/s ...)."""
    predicted: float | None
    """aiconfigurator's value in ``unit``; None when it predicted none."""
    measured: float | None
    """The measured value in ``unit``; None when nothing was measured."""
    error_pct: float | None
    """(predicted - measured) / measured x 100, in percent."""
    prediction_source: str
    """File and row of the prediction."""
    measurement_source: str
    """File (and run) of the measurement."""
    notes: list[str] = field(default_factory=list)
    """How either value was aligned."""


def error_pct(predicted: float | None, measured: float | None) -> float | None:
    """(predicted - measured) / measured x 100; None when either is missing or measured is 0."""
    if predicted is None or measured is None or measured == 0:
        return None
    return (predicted - measured) / measured * 100.0


def compare_values(
    predicted: Mapping[str, Value], measured: Mapping[str, Value]
) -> list[ComparisonRow]:
    """One row per metric that either side has, in COMPARED order."""
    rows = []
    for metric in COMPARED:
        p, m = predicted.get(metric.key), measured.get(metric.key)
        if p is None and m is None:
            continue
        rows.append(
            ComparisonRow(
                metric=metric.key,
                label=metric.label,
                unit=metric.unit,
                predicted=p.value if p else None,
                measured=m.value if m else None,
                error_pct=error_pct(p.value if p else None, m.value if m else None),
                prediction_source=p.source if p else "",
                measurement_source=m.source if m else "",
                notes=[n for n in (p.note if p else "", m.note if m else "") if n],
            )
        )
    return rows


# ---- Pareto frontier -------------------------------------------------------------------------


def pareto_front(points: Sequence[tuple[float, float]]) -> list[bool]:
    """Which points no other point beats on both axes (both maximised; ties all count)."""
    order = sorted(range(len(points)), key=lambda i: (-points[i][0], -points[i][1]))
    front = [False] * len(points)
    best_y = -math.inf
    last: tuple[float, float] | None = None
    for index in order:
        point = points[index]
        if point[1] > best_y:
            front[index] = True
            best_y, last = point[1], point
        elif point == last:
            front[index] = True
    return front


@dataclass(frozen=True)
class SLOLine:
    """A target drawn on the Pareto chart: a minimum tokens/s/user from a TPOT target."""

    tokens_per_s_per_user: float
    """The least output tokens/s one request may see (1000 / TPOT target in ms)."""
    label: str
    """The target as people state it: TPOT <= 30 ms."""
    origins: tuple[str, ...] = ()
    """Where the target comes from (aiconfigurator's run, a task's SLO)."""


def slo_lines(targets: Sequence[tuple[float, str]]) -> list[SLOLine]:
    """Lines for TPOT targets given in ms, with their origins; one line per target value."""
    seen: dict[float, list[str]] = {}
    for tpot_ms, origin in targets:
        if tpot_ms and tpot_ms > 0:
            origins = seen.setdefault(round(1000.0 / tpot_ms, 6), [])
            if origin not in origins:
                origins.append(origin)
    return [
        SLOLine(speed, f"TPOT <= {1000.0 / speed:g} ms", tuple(origins))
        for speed, origins in sorted(seen.items())
    ]


def server_gpus(engine: Engine, point: Mapping[str, Any]) -> int | None:
    """GPUs one server of ``engine`` needs for one grid point (None when it cannot tell)."""
    return engine.point_gpus(point)


def _derive_per_user_rate(found: dict[str, Value], kind: Kind, where: str) -> None:
    """tokens/s per user from TPOT when the source does not state it (1000 / TPOT in ms)."""
    if "tokens_per_s_per_user" not in found and "tpot_ms" in found and found["tpot_ms"].value > 0:
        found["tokens_per_s_per_user"] = Value(
            "tokens_per_s_per_user", 1000.0 / found["tpot_ms"].value, kind, where, "1000 / TPOT"
        )
