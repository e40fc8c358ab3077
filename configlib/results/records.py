"""Measured-result records: what every results reader produces.

``MeasuredResult`` is one measured configuration, its metrics named as in the catalogue
(``configlib.results.metrics.METRICS``). ``run_metrics`` reads one genai-bench run
(``aggregated_metrics``), which both the autotuner's results (its ``raw_results``) and
genai-bench's own files contain. Readers: ``configlib.results.readers``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from configlib.findings import Finding
from configlib.numbers import (
    INT64_MAX,
    INT64_MIN,
    NumberProblem,
    check_int,
    check_number,
    check_range,
    parse_int,
)
from configlib.results.metrics import METRICS

#: A metric value: an int, or a float that is neither NaN nor infinite.
FiniteNumber = Annotated[int, Field(strict=True)] | Annotated[float, Field(allow_inf_nan=False)]

SourceFormat = Literal["autotuner-results", "autotuner-export", "autotuner-db", "genai-bench"]


class MeasuredResult(BaseModel):
    """One measured configuration."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    parameters: dict[str, Any] = Field(default_factory=dict)
    """The configuration measured: engine flag -> the one value it had (a grid point)."""
    metrics: dict[str, FiniteNumber | None] = Field(default_factory=dict)
    """Measured values by name; every name ends in its unit (see ``METRICS``)."""
    status: Literal["success", "failed"] = "success"
    """failed: the experiment produced no measurements (``error_message`` says why)."""
    experiment_id: int | None = Field(None, ge=INT64_MIN, le=INT64_MAX)
    """The autotuner's 1-based experiment number within its task."""
    scenario: str | None = Field(None, max_length=255)
    """genai-bench traffic scenario, e.g. D(100,100)."""
    concurrency: int | None = Field(None, ge=1, le=INT64_MAX)
    """Requests in flight during the run (genai-bench --num-concurrency)."""
    source_file: str = ""
    """The file (or database and table) the record came from."""
    source_format: SourceFormat
    """Which importer read it."""
    error_message: str | None = None
    """Why the experiment failed."""
    context: dict[str, Any] = Field(default_factory=dict)
    """Everything else worth keeping: objective_score, batch_size, GPU count, versions."""


class ResultsFormatError(ValueError):
    """The file is not a results file this module reads; the message says what it expected."""


@dataclass
class ResultsImport:
    """Records read from one file or folder, and what the reader had to say."""

    records: list[MeasuredResult]
    """One per measured configuration, in file order."""
    findings: list[Finding] = field(default_factory=list)
    """Values skipped and why, naming the field."""
    format: str = ""
    """autotuner-results, autotuner-export or genai-bench."""


# ---- Numbers -----------------------------------------------------------------------------------


def number(value: Any) -> float | int | None:
    """A finite number (an integer within 64 bits), else None."""
    checked = check_number(value)
    return None if isinstance(checked, NumberProblem) else checked


#: Allowed range of a metric, by its unit: durations must be positive, the rest non-negative.
RANGE_BY_UNIT = {"s": "positive"}
#: Metrics whose values are fractions, 0 to 1.
FRACTION_UNIT = "fraction"


def metric_problem(name: str, value: float | int) -> str | None:
    """Why a finite value is out of range for metric ``name`` (see METRICS), else None."""
    info = METRICS.get(name)
    unit = info.unit if info else ""
    problem = check_range(value, RANGE_BY_UNIT.get(unit, "non-negative"))
    if problem is None and unit == FRACTION_UNIT and value > 1:
        problem = f"{value:g} is more than 1; it is a fraction from 0 to 1"
    return problem


class Collector:
    """Builds one metrics dict, noting values that are present but not finite numbers."""

    def __init__(self, where: str, findings: list[Finding]) -> None:
        self.metrics: dict[str, float | int | None] = {}
        self.where = where
        self.findings = findings

    def put(self, name: str, value: Any, scale: float = 1.0, source: str = "") -> None:
        if value is None:
            return
        found = check_number(value)
        path = f"{self.where}.{source or name}"
        if isinstance(found, NumberProblem):
            self.findings.append(
                Finding("error", path, "not-a-number", f"{found.reason}; {name} left out")
            )
            return
        scaled = found * scale if scale != 1.0 else found
        if isinstance(scaled, float) and not math.isfinite(scaled):
            self.findings.append(
                Finding("error", path, "not-a-number", f"{value!r} overflows; {name} left out")
            )
            return
        problem = metric_problem(name, scaled)
        if problem:
            self.findings.append(
                Finding("error", path, "out-of-range", f"{name}: {problem}; left out")
            )
            return
        self.metrics[name] = scaled


_STAT_NAMES = {"ttft": "ttft", "tpot": "tpot", "e2e_latency": "request_latency"}


def run_metrics(
    aggregated: dict[str, Any],
    where: str,
    findings: list[Finding],
    *,
    time_unit: str = "s",
    gpus: int | None = None,
) -> dict[str, float | int | None]:
    """Metrics of one genai-bench run (its ``aggregated_metrics``)."""
    scale = 1000.0 if time_unit == "s" else 1.0
    out = Collector(where, findings)
    found_stats = aggregated.get("stats")
    stats: dict[str, Any] = found_stats if isinstance(found_stats, dict) else {}
    for stat, name in _STAT_NAMES.items():
        entry = stats.get(stat)
        if not isinstance(entry, dict):
            continue
        out.put(f"{name}_ms", entry.get("mean"), scale, f"stats.{stat}.mean")
        for pct in ("p50", "p90", "p99"):
            out.put(f"{name}_{pct}_ms", entry.get(pct), scale, f"stats.{stat}.{pct}")
        if stat == "e2e_latency":
            out.put("request_latency_min_ms", entry.get("min"), scale, "stats.e2e_latency.min")
            out.put("request_latency_max_ms", entry.get("max"), scale, "stats.e2e_latency.max")
    for stat, name in (
        ("output_inference_speed", "tokens_per_s_per_user"),
        ("num_input_tokens", "input_tokens_per_request"),
        ("num_output_tokens", "output_tokens_per_request"),
    ):
        entry = stats.get(stat)
        if isinstance(entry, dict):
            out.put(name, entry.get("mean"), source=f"stats.{stat}.mean")
    out.put("output_tokens_per_s", aggregated.get("mean_output_throughput_tokens_per_s"))
    out.put("input_tokens_per_s", aggregated.get("mean_input_throughput_tokens_per_s"))
    out.put("total_tokens_per_s", aggregated.get("mean_total_tokens_throughput_tokens_per_s"))
    if "requests_per_second" in aggregated:
        out.put("requests_per_s", aggregated["requests_per_second"], source="requests_per_second")
    elif "requests_per_minute" in aggregated:
        out.put("requests_per_s", aggregated["requests_per_minute"], 1 / 60, "requests_per_minute")
    for key in ("num_requests", "num_completed_requests", "num_error_requests", "error_rate"):
        out.put(key, aggregated.get(key))
    out.put("run_duration_s", aggregated.get("run_duration"), source="run_duration")
    _per_gpu(out, aggregated, gpus)
    return out.metrics


def _per_gpu(out: Collector, aggregated: dict[str, Any], gpus: int | None) -> None:
    for kind in ("output", "input", "total"):
        given = aggregated.get(f"mean_{kind}_throughput_per_gpu")
        if given is not None:
            out.put(f"{kind}_tokens_per_s_per_gpu", given, source=f"mean_{kind}_throughput_per_gpu")
        elif gpus and f"{kind}_tokens_per_s" in out.metrics:
            value = out.metrics[f"{kind}_tokens_per_s"]
            if value is not None:
                out.metrics[f"{kind}_tokens_per_s_per_gpu"] = value / gpus


def positive_int(value: Any) -> int | None:
    """A whole number >= 1 within 64 bits (a number or ASCII digits), else None."""
    if value is None or count_problem(value) is not None:
        return None
    return _as_int(value, None)


def _as_int(value: Any, problem: str | None) -> int | None:
    if problem is not None:
        return None
    parsed = parse_int(value) if isinstance(value, str) else value
    return parsed if isinstance(parsed, int) else None


def count_problem(value: Any) -> str | None:
    """Why ``value`` is not a whole number >= 1 that fits 64 bits, else None."""
    if isinstance(value, bool):
        return f"{value} is not a whole number"
    if isinstance(value, str):
        parsed = parse_int(value)
        if isinstance(parsed, NumberProblem):
            return parsed.reason
        value = parsed
    if not isinstance(value, int):
        return f"{str(value)[:40]!r} is not a whole number"
    checked = check_int(value)
    if isinstance(checked, NumberProblem):
        return checked.reason
    return None if value >= 1 else f"{value} is less than 1"


def count_field(value: Any, path: str, findings: list[Finding]) -> int | None:
    """A count such as a concurrency or GPU number: None when absent; an error when present but
    not a whole number >= 1 within 64 bits."""
    if value is None:
        return None
    problem = count_problem(value)
    if problem is not None:
        findings.append(Finding("error", path, "invalid-count", f"{problem}; left out"))
        return None
    return _as_int(value, None)


def run_record(
    run: dict[str, Any],
    where: str,
    base: dict[str, Any],
    context: dict[str, Any],
    findings: list[Finding],
    time_unit: str,
    gpus: int | None,
) -> MeasuredResult:
    run_context = dict(context)
    for key in ("batch_size", "iteration_type"):
        if run.get(key) is not None:
            run_context[key] = run[key]
    concurrency = None
    if run.get("iteration_type") in (None, "num_concurrency"):
        concurrency = count_field(run.get("num_concurrency"), f"{where}.num_concurrency", findings)
    scenario = run.get("scenario")
    if scenario is not None:
        scenario = str(scenario)
        if len(scenario) > 255:
            findings.append(
                Finding(
                    "warning",
                    f"{where}.scenario",
                    "too-long",
                    "scenario is longer than 255 characters; kept in context only",
                )
            )
            run_context["scenario"] = scenario
            scenario = None
    return MeasuredResult(
        **base,
        metrics=run_metrics(run, where, findings, time_unit=time_unit, gpus=gpus),
        scenario=scenario,
        concurrency=concurrency,
        context=run_context,
    )
