"""One result-table row -> a Spec: layout, quantization and every predicted metric.

One row is ONE replica (DOMAIN 2.3): ``num_total_gpus`` is the GPUs of that replica, the
run's ``--total-gpus`` is the budget, and replicas = budget // GPUs per replica. Metric names
carry their unit (docs/architecture.md): ``ttft_ms``, ``tokens_per_s_per_gpu`` ...
"""

from __future__ import annotations

from typing import Any

from configlib.aiconfigurator.readers.csv_rows import AGG, DISAGG, ResultTable
from configlib.aiconfigurator.spec import (
    BACKENDS,
    PARALLEL_FIELDS,
    QUANT_FIELDS,
    RunSettings,
    Spec,
    Worker,
    quant_mode,
    resolve_model,
    uses_old_naming,
)
from configlib.findings import Finding

#: Columns of both table kinds -> prediction name (units in the name).
COMMON_METRICS = {
    "ttft": "ttft_ms",
    "tpot": "tpot_ms",
    "request_latency": "request_latency_ms",
    "concurrency": "concurrency",
    "seq/s": "requests_per_s",
    "seq/s/gpu": "requests_per_s_per_gpu",
    "tokens/s": "tokens_per_s",
    "tokens/s/gpu": "tokens_per_s_per_gpu",
    "tokens/s/user": "tokens_per_s_per_user",
    "tokens/s/gpu_cluster": "tokens_per_s_per_gpu_cluster",
    "num_total_gpus": "num_gpus_per_replica",
    "power_w": "power_w",
    "encoder_latency": "encoder_latency_ms",
    "replicas_needed": "replicas_needed",
    "total_gpus_needed": "total_gpus_needed",
}
AGG_METRICS = {
    **COMMON_METRICS,
    "bs": "batch_size",
    "global_bs": "global_batch_size",
    "memory": "memory_gib",
    "encoder_memory": "encoder_memory_gib",
    "balance_score": "step_balance_score",
    "num_ctx_reqs": "step_context_requests",
    "num_gen_reqs": "step_generation_requests",
    "num_tokens": "step_tokens",
    "ctx_tokens": "step_context_tokens",
    "gen_tokens": "step_generation_tokens",
}
DISAGG_METRICS = {
    **COMMON_METRICS,
    "(d)bs": "batch_size",
    "(d)global_bs": "global_batch_size",
    "(d)memory": "memory_gib",
    "(p)bs": "prefill_batch_size",
    "(p)global_bs": "prefill_global_batch_size",
    "(p)workers": "prefill_workers",
    "(p)memory": "prefill_memory_gib",
    "(p)seq/s/worker": "prefill_requests_per_s_per_worker",
    "(d)workers": "decode_workers",
    "(d)seq/s/worker": "decode_requests_per_s_per_worker",
    "(e)workers": "encoder_workers",
    "(e)bs": "encoder_batch_size",
    "(e)memory": "encoder_memory_gib",
}
#: request_rate equals seq/s by definition; it fills in when seq/s is absent.
_FALLBACKS = {"request_rate": "requests_per_s"}


class RowError(ValueError):
    """A row that cannot become a candidate; the message names the line and column."""


def _worker(
    table: ResultTable, row: int, prefix: str, findings: list[Finding], where: str
) -> Worker:
    get = table.get
    quant_raw = {name: get(prefix + column, row) for name, (column, _) in QUANT_FIELDS.items()}
    old = uses_old_naming(
        [quant_raw[k] for k in ("gemm_quant_mode", "moe_quant_mode", "kvcache_quant_mode")]
    )
    if not old:
        old = table.version_hint in ("0.4", "0.5-0.6", "0.5-0.9")
    quant: dict[str, str] = {}
    for name, raw in quant_raw.items():
        mode = quant_mode(name, raw, old_naming=old, where=where, findings=findings)
        if mode is not None:
            quant[name] = mode
    layout: dict[str, list[int] | None] = {}
    for name in PARALLEL_FIELDS:
        value = get(prefix + name, row)
        layout[name] = [value] if value is not None else None
    for name, default in (("dp", 1), ("cp", 1)):
        if layout[name] is None:
            layout[name] = [default]
    backend = get(prefix + "backend", row)
    if backend is None and prefix:
        backend = get("backend", row)
    return Worker.with_layout(
        layout,
        quant=quant,
        backend=str(backend).lower() if backend else None,
        perf_db_version=get(prefix + "version", row),
        system=get(prefix + "system", row),
        workers=get(prefix + "workers", row) if prefix else 1,
        batch_size=get(prefix + "bs", row),
        global_batch_size=get(prefix + "global_bs", row),
        memory_gib=get(prefix + "memory", row),
        requests_per_s_per_worker=get(prefix + "seq/s/worker", row) if prefix else None,
        parallel=get(prefix + "parallel", row),
    )


def _check_backend(worker: Worker, table: ResultTable, row: int, column: str) -> None:
    if worker.backend is not None and worker.backend not in BACKENDS:
        raise RowError(
            f"{table.source}:{table.line_of(row)}: column {column!r}: backend "
            f"{worker.backend!r} is not one of {', '.join(BACKENDS)}"
        )


def _predictions(table: ResultTable, row: int) -> dict[str, Any]:
    metrics = AGG_METRICS if table.kind == AGG else DISAGG_METRICS
    out: dict[str, Any] = {}
    for column, name in metrics.items():
        value = table.get(column, row)
        if value is not None:
            out[name] = value
    count = out.get("concurrency")
    if isinstance(count, float) and count.is_integer():
        out["concurrency"] = int(count)
    for column, name in _FALLBACKS.items():
        value = table.get(column, row)
        if value is not None and name not in out:
            out[name] = value
    return out


def row_spec(
    table: ResultTable,
    row: int,
    run: RunSettings,
    serving_mode: str | None = None,
) -> Spec:
    """The Spec of one data row (0-based); ``RowError`` when the row is unusable."""
    line = table.line_of(row)
    where = f"{table.source}:{line}"
    findings: list[Finding] = []
    if table.kind == AGG:
        workers = {"agg": _worker(table, row, "", findings, where)}
        _check_backend(workers["agg"], table, row, "backend")
        mode = serving_mode if serving_mode == "afd" else AGG
    else:
        workers = {
            "prefill": _worker(table, row, "(p)", findings, where),
            "decode": _worker(table, row, "(d)", findings, where),
        }
        _check_backend(workers["prefill"], table, row, "(p)backend")
        _check_backend(workers["decode"], table, row, "(d)backend")
        mode = DISAGG
    model_value = table.get("model", row) or run.model
    if not model_value:
        raise RowError(f"{where}: no model (no model column and no run settings naming one)")
    model = resolve_model(model_value, where, findings)
    predictions = _predictions(table, row)
    request_rate = table.get("request_rate", row)
    if (
        request_rate is not None
        and "seq/s" in table.columns
        and abs(request_rate - predictions["requests_per_s"]) > 1e-6
    ):
        findings.append(
            Finding(
                "warning",
                where,
                "aic-inconsistent-row",
                f"request_rate {request_rate} differs from seq/s {predictions['requests_per_s']}; "
                "seq/s kept as requests_per_s",
            )
        )
    per_replica = table.get("num_total_gpus", row)
    main = workers.get("agg") or workers["decode"]
    if per_replica is None:
        per_replica = _replica_gpus(workers)
        if per_replica is not None:
            predictions["num_gpus_per_replica"] = per_replica
    budget = run.total_gpus
    if budget is None and per_replica is not None:
        budget = per_replica
        findings.append(
            Finding(
                "warning",
                where,
                "aic-total-gpus-unknown",
                f"the run's --total-gpus is unknown (no exp_config.yaml); system_config.total_gpus "
                f"set to one replica's {per_replica} GPUs",
            )
        )
    if budget is not None:
        predictions["total_gpus"] = budget
        if per_replica:
            predictions["replicas"] = budget // per_replica
            if budget < per_replica:
                findings.append(
                    Finding(
                        "warning",
                        where,
                        "aic-replica-exceeds-budget",
                        f"one replica needs {per_replica} GPUs, more than the run's total_gpus "
                        f"{budget} (recommend mode sizes the cluster itself)",
                    )
                )
    concurrency = _concurrency(table, row, main, findings, where)
    runnable, reason = True, None
    if mode == DISAGG:
        runnable, reason = (
            False,
            (
                "disaggregated candidate (separate prefill and decode workers): the autotuner "
                "launches one aggregated server, so it cannot run this as predicted"
            ),
        )
    elif mode == "afd":
        runnable, reason = False, "attention-FFN disaggregation (afd) cannot be launched"
    elif (main.first("cp") or 1) > 1:
        runnable, reason = (
            False,
            (
                f"context parallel cp={main.first('cp')}: neither configlib nor the autotuner can "
                "launch context parallelism, so the run would not match the prediction"
            ),
        )
    source = {
        "file": table.source,
        "row": row + 1,
        "line": line,
        "table": _table_name(table.source),
        "perf_db_version": main.perf_db_version or run.backend_version,
        "backend": main.backend or run.backend,
        "system": main.system or run.system,
        "serving_mode": mode,
        "isl": table.get("isl", row),
        "osl": table.get("osl", row),
        "prefix": table.get("prefix", row),
        "aiconfigurator_version_hint": table.version_hint,
    }
    if mode == DISAGG:
        source["prefill_backend"] = workers["prefill"].backend
        source["decode_backend"] = workers["decode"].backend
    return Spec(
        model=model,
        serving_mode=mode,
        workers=workers,
        run=run,
        concurrency=[concurrency] if concurrency else None,
        predictions=predictions,
        source=source,
        findings=findings,
        runnable=runnable,
        not_runnable_reason=reason,
    )


def _replica_gpus(workers: dict[str, Worker]) -> int | None:
    total = 0
    for worker in workers.values():
        gpus = worker.gpus()
        if gpus is None:
            return None
        total += gpus * (worker.workers or 1)
    return total


def _concurrency(
    table: ResultTable, row: int, main: Worker, findings: list[Finding], where: str
) -> int | None:
    value = table.get("concurrency", row)
    if value is None:
        value = main.global_batch_size
        if value is not None and table.kind == DISAGG:
            value *= main.workers or 1
    if value is None and main.batch_size is not None:
        value = main.batch_size * (main.first("dp") or 1)
    if value is None:
        findings.append(
            Finding(
                "warning",
                where,
                "aic-concurrency-unknown",
                "no concurrency, global_bs or bs column: the benchmark keeps "
                "its default concurrency",
            )
        )
        return None
    rounded = max(1, round(value))
    if rounded != value:
        findings.append(
            Finding(
                "warning",
                where,
                "aic-concurrency-rounded",
                f"predicted concurrency {value} is not whole; the benchmark uses {rounded}",
            )
        )
    return int(rounded)


def _table_name(source: str) -> str:
    name = source.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return name[:-4] if name.lower().endswith(".csv") else name
