"""The design's candidate YAML and aiconfigurator's generator_config.yaml, as Specs.

The design YAML (CONFIG_SCHEMA_ALIGNMENT.md) is one candidate per document::

    model_name: Qwen/Qwen3-32B        # or model_path; 0.4-0.6 enums such as QWEN3_32B map
    serving_mode: agg                 # agg | disagg
    system_name: h200_sxm
    backend_name: sglang              # optional; trtllm needs a target runtime
    total_gpus: 8                     # optional: the GPU budget (default: one replica)
    isl: 4000                         # optional traffic and targets (ms)
    osl: 1000
    ttft: 2000.0
    tpot: 30.0
    concurrency: 112
    worker_config: {tp: 4, pp: 1, dp: 1, moe_tp: 1, moe_ep: 1, gemm_quant_mode: bfloat16, ...}
    predicted_metrics: {ttft_ms: 555.0, tpot_ms: 29.2, tokens_per_s_per_gpu: 946.9}
    advanced_tuning_config: {...}

(disagg documents carry ``prefill_worker_config`` and ``decode_worker_config``). A file may
hold one document, several (``---``) or a list of them.
"""

from __future__ import annotations

import math
from typing import Any

from configlib.aiconfigurator.readers.csv_specs import AGG_METRICS, DISAGG_METRICS
from configlib.aiconfigurator.spec import (
    BACKENDS,
    PARALLEL_FIELDS,
    QUANT_FIELDS,
    RunSettings,
    Spec,
    Worker,
    number,
    quant_mode,
    resolve_model,
    text,
    uses_old_naming,
    whole,
    whole_list,
    within,
)
from configlib.findings import Finding
from configlib.io import InputError
from configlib.model import AdvancedTuningConfig, MemoryConfig

#: Names in the design's predicted_metrics (and CSV column names) -> ours.
DESIGN_METRICS: dict[str, str] = {
    **AGG_METRICS,
    **DISAGG_METRICS,
    "ttft": "ttft_ms",
    "tpot": "tpot_ms",
    "request_latency": "request_latency_ms",
    "throughput": "tokens_per_s",
    "memory": "memory_gib",
}
KNOWN_METRICS = frozenset(DESIGN_METRICS.values()) | {"replicas", "total_gpus"}
_TOP_KEYS = frozenset(
    {
        "model_name",
        "model_path",
        "model",
        "serving_mode",
        "system_name",
        "backend_name",
        "backend",
        "backend_version",
        "total_gpus",
        "isl",
        "osl",
        "prefix",
        "ttft",
        "tpot",
        "request_latency",
        "concurrency",
        "inclusive_tpot",
        "worker_config",
        "prefill_worker_config",
        "decode_worker_config",
        "predicted_metrics",
        "advanced_tuning_config",
        "memory_config",
    }
)
_AIC_ADVANCED = frozenset(
    {
        "prefill_latency_correction_scale",
        "decode_latency_correction_scale",
        "prefill_max_batch_size",
        "decode_max_batch_size",
        "prefill_latency_correction",
        "decode_latency_correction",
    }
)
#: The worker keys a design YAML writes, in the order export writes them.
DESIGN_WORKER_KEYS = (
    *PARALLEL_FIELDS,
    "workers",
    "batch_size",
    "global_batch_size",
    "memory_gib",
    "backend",
    "perf_db_version",
    "system",
    "parallel",
    *QUANT_FIELDS,
)
#: Every worker key a design YAML may hold (those above and what other writers add).
_WORKER_KEYS = frozenset(
    {
        *DESIGN_WORKER_KEYS,
        "attention_dp",
        "requests_per_s_per_worker",
        "gpus_per_worker",
        "num_gpu",
    }
)


def design_specs(doc: Any, source: str) -> list[Spec]:
    """Every candidate of a design YAML file (one document or a list)."""
    items = doc if isinstance(doc, list) else [doc]
    specs = []
    for index, item in enumerate(items):
        where = source if len(items) == 1 else f"{source}: document {index + 1}"
        if not isinstance(item, dict):
            raise InputError(where, f"a candidate is a mapping, not a {type(item).__name__}")
        try:
            specs.append(_design(item, where))
        except ValueError as error:
            raise InputError(where, str(error)) from None
    return specs


def _design(doc: dict[str, Any], where: str) -> Spec:
    """One candidate document as a Spec; its stages each read one part of the document."""
    findings: list[Finding] = []
    model, mode, backend = _identity(doc, where, findings)
    system = doc.get("system_name")
    workers, attention_dp = _design_workers(doc, mode, backend, system, where, findings)
    extra = _unknown_top_keys(doc, where, findings)
    run = _design_run(doc, where, model, backend, system)
    predictions = _predictions(doc.get("predicted_metrics"), where, findings)
    concurrency = _concurrency(doc.get("concurrency", predictions.get("concurrency")), where)
    sections, more_extra = _advanced(doc, where, findings)
    extra.update(more_extra)
    main = workers.get("agg") or workers["decode"]
    source = {
        "file": where.split(": ")[0],
        "serving_mode": mode,
        "backend": main.backend,
        "system": main.system,
        "isl": run.isl,
        "osl": run.osl,
        "prefix": run.prefix,
        "perf_db_version": run.backend_version,
    }
    reason = _not_runnable(mode, main)
    return Spec(
        model=model,
        serving_mode=mode,
        workers=workers,
        run=run,
        concurrency=concurrency,
        predictions=predictions,
        source=source,
        findings=findings,
        runnable=reason is None,
        not_runnable_reason=reason,
        extra=extra,
        sections=sections,
        attention_dp=attention_dp,
    )


def _identity(
    doc: dict[str, Any], where: str, findings: list[Finding]
) -> tuple[str, str, str | None]:
    """The model (enums resolved), the serving mode and the backend (lower case) or None."""
    model = doc.get("model_name") or doc.get("model_path") or doc.get("model")
    if not model or not isinstance(model, str):
        raise ValueError("model_name (or model_path) is required")
    model = resolve_model(model, where, findings)
    mode = doc.get("serving_mode", "agg")
    if mode not in ("agg", "disagg"):
        raise ValueError(f"serving_mode must be agg or disagg, not {mode!r}")
    backend = doc.get("backend_name") or doc.get("backend")
    if backend is not None and str(backend).lower() not in BACKENDS:
        raise ValueError(f"backend_name {backend!r} is not one of {', '.join(BACKENDS)}")
    return model, mode, str(backend).lower() if backend else None


def _design_workers(
    doc: dict[str, Any],
    mode: str,
    backend: str | None,
    system: Any,
    where: str,
    findings: list[Finding],
) -> tuple[dict[str, Worker], bool | None]:
    """Each role's worker (backend and system default to the document's), and attention DP."""
    workers: dict[str, Worker] = {}
    attention_dp: bool | None = None
    for role in ("prefill", "decode") if mode == "disagg" else ("agg",):
        key = "worker_config" if role == "agg" else f"{role}_worker_config"
        block = doc.get(key)
        if block is None and role == "agg":
            raise ValueError("worker_config is required (tp, pp, quantization modes)")
        if not isinstance(block, dict):
            raise ValueError(f"{key} must be a mapping")
        worker, attention = _design_worker(block, key, where, findings)
        worker.backend = worker.backend or backend
        worker.system = worker.system or (str(system) if system else None)
        workers[role] = worker
        attention_dp = attention if attention is not None else attention_dp
    return workers, attention_dp


def _unknown_top_keys(doc: dict[str, Any], where: str, findings: list[Finding]) -> dict[str, Any]:
    """Top-level keys the design does not define: kept as extra, with a warning."""
    unknown = sorted(k for k in doc if k not in _TOP_KEYS)
    if unknown:
        message = f"unknown key(s) {unknown} kept in metadata.aiconfigurator_extra"
        findings.append(Finding("warning", where, "aic-unknown-key", message))
    return {k: doc[k] for k in unknown}


def _design_run(
    doc: dict[str, Any], where: str, model: str, backend: str | None, system: Any
) -> RunSettings:
    def opt(key: str, minimum: int = 1) -> int | None:
        return None if doc.get(key) is None else whole(doc[key], where, key, minimum=minimum)

    def opt_number(key: str) -> float | None:
        return None if doc.get(key) is None else number(doc[key], where, key)

    inclusive = doc.get("inclusive_tpot")
    return RunSettings(
        source=where,
        total_gpus=opt("total_gpus"),
        isl=opt("isl"),
        osl=opt("osl"),
        prefix=opt("prefix", 0),
        ttft_ms=opt_number("ttft"),
        tpot_ms=opt_number("tpot"),
        request_latency_ms=opt_number("request_latency"),
        backend=backend,
        backend_version=text(doc.get("backend_version")),
        model=model,
        system=text(system),
        inclusive_tpot=inclusive if isinstance(inclusive, bool) else None,
        inclusive_tpot_basis=f"{where}: inclusive_tpot" if isinstance(inclusive, bool) else None,
    )


def _concurrency(value: Any, where: str) -> list[int] | None:
    """A list of levels as written, or one level rounded from a predicted number."""
    if isinstance(value, list):
        return whole_list(value, where, "concurrency")
    if value is None:
        return None
    return [max(1, round(number(value, where, "concurrency")))]


def _not_runnable(mode: str, main: Worker) -> str | None:
    """Why the autotuner cannot launch the candidate, None when it can."""
    if mode == "agg" and (main.first("cp") or 1) == 1:
        return None
    if mode == "disagg":
        return "disaggregated candidate: the autotuner launches one aggregated server"
    return "context parallel cannot be launched"


def _design_worker(
    block: dict[str, Any],
    key: str,
    where: str,
    findings: list[Finding],
) -> tuple[Worker, bool | None]:
    unknown = sorted(k for k in block if k not in _WORKER_KEYS)
    if unknown:
        raise ValueError(f"{key}: unknown key(s) {unknown}; known: {sorted(_WORKER_KEYS)}")
    lists: dict[str, list[int] | None] = {}
    for name in ("tp", "pp", "dp", "moe_tp", "moe_ep", "cp", "num_gpu"):
        value = block.get(name)
        lists[name] = None if value is None else whole_list(value, where, f"{key}.{name}")
    raw = {n: block.get(n) for n in QUANT_FIELDS}
    old = uses_old_naming(
        [raw["gemm_quant_mode"], raw["moe_quant_mode"], raw["kvcache_quant_mode"]]
    )
    quant = {}
    for name, value in raw.items():
        mode = quant_mode(
            name, value, old_naming=old, where=f"{where}: {key}.{name}", findings=findings
        )
        if mode:
            quant[name] = mode
    attention = block.get("attention_dp")
    if attention is not None and not isinstance(attention, bool):
        raise ValueError(f"{key}.attention_dp must be true or false, not {attention!r}")

    def opt(name: str, minimum: int = 1) -> int | None:
        value = block.get(name)
        return None if value is None else whole(value, where, f"{key}.{name}", minimum=minimum)

    memory = block.get("memory_gib")
    return Worker.with_layout(
        lists,
        quant=quant,
        backend=text(block.get("backend")),
        perf_db_version=text(block.get("perf_db_version")),
        system=text(block.get("system")),
        workers=opt("workers"),
        batch_size=opt("batch_size", 0),
        global_batch_size=opt("global_batch_size", 0),
        memory_gib=None if memory is None else number(memory, where, "memory_gib"),
        parallel=text(block.get("parallel")),
    ), attention


def _predictions(raw: Any, where: str, findings: list[Finding]) -> dict[str, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValueError("predicted_metrics must be a mapping of metric -> number")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"predicted_metrics.{name} must be a number, not {value!r}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"predicted_metrics.{name} is {value}; give a finite number")
        within(abs(value), f"predicted_metrics.{name}", whole_number=False)
        ours = name if name in KNOWN_METRICS else DESIGN_METRICS.get(name)
        if ours is None:
            findings.append(
                Finding(
                    "warning",
                    f"{where}: predicted_metrics.{name}",
                    "aic-metric-unknown",
                    f"{name} is not a known metric; kept as is (its unit is not known)",
                )
            )
            ours = name
        elif name == "throughput":
            findings.append(
                Finding(
                    "warning",
                    f"{where}: predicted_metrics.throughput",
                    "aic-metric-unit-assumed",
                    "the design's throughput has no stated unit; read as output "
                    "tokens/s of one replica (tokens_per_s)",
                )
            )
        if ours in out and out[ours] != value:
            raise ValueError(f"predicted_metrics gives {ours} twice with different values")
        out[ours] = value
    return out


def _advanced(
    doc: dict[str, Any],
    where: str,
    findings: list[Finding],
) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    sections: dict[str, dict[str, Any]] = {}
    extra: dict[str, Any] = {}
    memory = doc.get("memory_config")
    if memory is not None:
        if not isinstance(memory, dict):
            raise ValueError("memory_config must be a mapping")
        sections["memory_config"] = dict(memory)
    block = doc.get("advanced_tuning_config")
    if block is None:
        return sections, extra
    if not isinstance(block, dict):
        raise ValueError("advanced_tuning_config must be a mapping")
    ours = set(AdvancedTuningConfig.model_fields)
    memory_fields = set(MemoryConfig.model_fields)
    for key, value in block.items():
        if key in ours:
            sections.setdefault("advanced_tuning_config", {})[key] = value
        elif key in memory_fields:
            sections.setdefault("memory_config", {})[key] = value
            findings.append(
                Finding(
                    "warning",
                    f"{where}: advanced_tuning_config.{key}",
                    "aic-moved",
                    f"{key} read as memory_config.{key}",
                )
            )
        elif key in _AIC_ADVANCED:
            extra[key] = value
        else:
            extra[f"advanced_tuning_config.{key}"] = value
            findings.append(
                Finding(
                    "warning",
                    f"{where}: advanced_tuning_config.{key}",
                    "aic-unknown-key",
                    f"{key} is not a configlib or aiconfigurator setting; kept in metadata",
                )
            )
    return sections, extra
