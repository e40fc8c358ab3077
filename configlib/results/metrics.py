"""The metric catalogue: every metric name configlib reads, stores or compares, with its unit.

Metric names carry their unit (``ttft_ms``). One catalogue, three views:

- ``PREDICTION_NAMES``: aiconfigurator's predictions (the import contract): label, unit, meaning;
- ``METRICS``: what was measured, as the results readers store it: unit, description, and the
  prediction with the same definition (``output_tokens_per_s`` -> ``tokens_per_s``);
- ``COMPARED``: the predictions compared with measurements, in display order; label and unit
  are the prediction's, scope and direction say how to read the comparison.

Adding a metric: its name here (and a reader in ``configlib.results.readers`` or
``records.run_metrics``); aiconfigurator's column names are in
``aiconfigurator/readers/csv_specs.py``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MetricInfo:
    """What a metric name means."""

    unit: str
    """Unit of the values, e.g. ms, tokens/s."""
    description: str
    """What is measured."""
    prediction: str | None = None
    """The aiconfigurator prediction with the same definition, when there is one."""


METRICS: dict[str, MetricInfo] = {
    "ttft_ms": MetricInfo("ms", "mean time to first token", "ttft_ms"),
    "ttft_p50_ms": MetricInfo("ms", "median time to first token"),
    "ttft_p90_ms": MetricInfo("ms", "90th-percentile time to first token"),
    "ttft_p99_ms": MetricInfo("ms", "99th-percentile time to first token"),
    "tpot_ms": MetricInfo("ms", "mean time per output token after the first", "tpot_ms"),
    "tpot_p50_ms": MetricInfo("ms", "median time per output token"),
    "tpot_p90_ms": MetricInfo("ms", "90th-percentile time per output token"),
    "tpot_p99_ms": MetricInfo("ms", "99th-percentile time per output token"),
    "request_latency_ms": MetricInfo("ms", "mean end-to-end request latency", "request_latency_ms"),
    "request_latency_min_ms": MetricInfo("ms", "fastest request"),
    "request_latency_max_ms": MetricInfo("ms", "slowest request"),
    "request_latency_p50_ms": MetricInfo("ms", "median end-to-end latency"),
    "request_latency_p90_ms": MetricInfo("ms", "90th-percentile end-to-end latency"),
    "request_latency_p99_ms": MetricInfo("ms", "99th-percentile end-to-end latency"),
    "output_tokens_per_s": MetricInfo(
        "tokens/s", "output tokens per second of the measured server", "tokens_per_s"
    ),
    "input_tokens_per_s": MetricInfo("tokens/s", "input tokens per second of the server"),
    "total_tokens_per_s": MetricInfo("tokens/s", "input plus output tokens per second"),
    "output_tokens_per_s_per_gpu": MetricInfo(
        "tokens/s/GPU",
        "output tokens per second divided by the server's GPUs",
        "tokens_per_s_per_gpu",
    ),
    "input_tokens_per_s_per_gpu": MetricInfo("tokens/s/GPU", "input tokens per second per GPU"),
    "total_tokens_per_s_per_gpu": MetricInfo(
        "tokens/s/GPU",
        "input plus output tokens per second per GPU (the autotuner's "
        "maximize_throughput objective)",
    ),
    "tokens_per_s_per_user": MetricInfo(
        "tokens/s", "mean output speed one request sees (1 / tpot)", "tokens_per_s_per_user"
    ),
    "requests_per_s": MetricInfo("requests/s", "completed requests per second", "requests_per_s"),
    "input_tokens_per_request": MetricInfo("tokens", "mean input tokens per request"),
    "output_tokens_per_request": MetricInfo("tokens", "mean output tokens per request"),
    "num_requests": MetricInfo("requests", "requests sent"),
    "num_completed_requests": MetricInfo("requests", "requests that completed"),
    "num_error_requests": MetricInfo("requests", "requests that failed"),
    "error_rate": MetricInfo("fraction", "failed requests / requests, 0 to 1"),
    "success_rate": MetricInfo("fraction", "completed requests / requests, 0 to 1"),
    "run_duration_s": MetricInfo("s", "length of the benchmark run"),
    "benchmark_wall_time_s": MetricInfo("s", "wall time of the whole genai-bench call"),
}


#: Every prediction name of the import contract: label, unit, meaning.
PREDICTION_NAMES: dict[str, tuple[str, str, str]] = {
    "ttft_ms": ("TTFT", "ms", "time to first token"),
    "tpot_ms": ("TPOT", "ms", "time per output token (see inclusive_tpot)"),
    "request_latency_ms": ("Request latency", "ms", "end-to-end, one request"),
    "tokens_per_s": ("Output tokens/s", "tokens/s", "per replica"),
    "tokens_per_s_per_gpu": ("Output tokens/s/GPU", "tokens/s/GPU", "per replica / its GPUs"),
    "tokens_per_s_per_user": ("Output tokens/s/user", "tokens/s", "decode speed per request"),
    "tokens_per_s_per_gpu_cluster": (
        "Output tokens/s/GPU (cluster)",
        "tokens/s/GPU",
        "all replicas over the whole GPU budget",
    ),
    "requests_per_s": ("Requests/s", "req/s", "per replica"),
    "concurrency": ("Concurrency", "requests", "in flight per replica"),
    "batch_size": ("Batch size", "requests", "per attention-DP rank"),
    "global_batch_size": ("Global batch size", "requests", "batch size x dp"),
    "memory_gib": ("Memory", "GiB", "per GPU"),
    "num_gpus_per_replica": ("GPUs per replica", "GPUs", ""),
    "replicas": ("Replicas", "", "in the GPU budget"),
    "total_gpus": ("Total GPUs", "GPUs", "the budget"),
    "power_w": ("Power", "W", "time-weighted average"),
}


@dataclass(frozen=True)
class MetricDef:
    """One aligned metric: what is compared, in which unit, and for what scope."""

    key: str
    """Name of the aligned metric, ending in its unit (ttft_ms)."""
    label: str
    """What people call it (TTFT)."""
    unit: str
    """Unit every value of it is converted to before comparing."""
    scope: str
    """request, replica (one server), gpu or user."""
    higher_is_better: bool
    """True for throughputs, False for latencies."""
    doc: str
    """One sentence: what is measured."""


#: The metrics compared, in display order: (prediction name, scope, higher is better, doc); the
#: label and unit are the prediction's (PREDICTION_NAMES).
_TPOT = "Time per output token after the first (inter-token latency), mean."
_PER_GPU = "Output tokens per second of one replica divided by its GPUs."
_COMPARED: tuple[tuple[str, str, bool, str], ...] = (
    ("ttft_ms", "request", False, "Time to first token, mean over requests."),
    ("tpot_ms", "request", False, _TPOT),
    ("request_latency_ms", "request", False, "End-to-end latency of one request, mean."),
    ("tokens_per_s", "replica", True, "Output tokens per second of one replica (one server)."),
    ("tokens_per_s_per_gpu", "gpu", True, _PER_GPU),
    ("tokens_per_s_per_user", "user", True, "Decode speed one request sees (1000 / TPOT in ms)."),
    ("requests_per_s", "replica", True, "Completed requests per second of one replica."),
)
COMPARED: tuple[MetricDef, ...] = tuple(
    MetricDef(key, PREDICTION_NAMES[key][0], PREDICTION_NAMES[key][1], scope, higher, doc)
    for key, scope, higher, doc in _COMPARED
)
#: COMPARED by prediction name.
METRIC = {m.key: m for m in COMPARED}

_SUFFIX_UNITS = (("_ms", "ms"), ("_s", "s"), ("_gib", "GiB"), ("_gb", "GB"), ("_w", "W"))


def unit_of(name: str) -> str:
    """The unit a metric name ends in (ms for ttft_ms), else ""."""
    return next((unit for suffix, unit in _SUFFIX_UNITS if name.endswith(suffix)), "")
