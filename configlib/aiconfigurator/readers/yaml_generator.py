"""aiconfigurator's generator_config.yaml: a candidate of its own (`cli generate`), and the
evidence a top-N folder gives about the run (``--inclusive-tpot``).

A generator config describes a whole deployment: ``WorkerConfig.<role>_workers`` counts every
worker (replicas x workers per replica), ``params.<role>`` holds one worker's layout and
quantization, and ``SlaConfig.ttft/tpot`` are the PREDICTED values of that row when the file
comes from a sweep (a `cli generate` config has none).
"""

from __future__ import annotations

from typing import Any

from configlib.aiconfigurator.spec import (
    BACKENDS,
    QUANT_FIELDS,
    RunSettings,
    Spec,
    Worker,
    number,
    quant_mode,
    resolve_model,
    text,
    whole,
    whole_list,
)
from configlib.findings import Finding
from configlib.io import InputError

_ROLE_PARAMS = {
    "tensor_parallel_size": "tp",
    "pipeline_parallel_size": "pp",
    "data_parallel_size": "dp",
    "moe_tensor_parallel_size": "moe_tp",
    "moe_expert_parallel_size": "moe_ep",
}
_IMAGES = {
    "sglang-runtime": "sglang",
    "vllm-runtime": "vllm",
    "tensorrtllm-runtime": "trtllm",
    "trtllm-runtime": "trtllm",
}


def _section(doc: dict[str, Any], name: str) -> dict[str, Any]:
    value = doc.get(name)
    return value if isinstance(value, dict) else {}


def _optional(value: Any, source: str, name: str) -> int | None:
    """A whole number from 0 (within its limit), or None when absent."""
    return None if value is None else whole(value, source, name, minimum=0)


def generator_backend(doc: dict[str, Any]) -> str | None:
    """The backend a generator_config renders for (``backend`` key or the container image)."""
    backend = doc.get("backend")
    if isinstance(backend, str) and backend.lower() in BACKENDS:
        return backend.lower()
    image = str(_section(doc, "K8sConfig").get("k8s_image") or "")
    return next((b for marker, b in _IMAGES.items() if marker in image), None)


def generator_spec(doc: dict[str, Any], source: str) -> Spec:
    """A candidate from a lone generator_config.yaml (a `cli generate` result or a top-N)."""
    try:
        return _generator(doc, source)
    except ValueError as error:
        raise InputError(source, str(error)) from None


def _generator(doc: dict[str, Any], source: str) -> Spec:
    """The stages: model and target, each role's worker, predictions (or the benchmark's
    sweep), run settings."""
    findings: list[Finding] = []
    service, sla = _section(doc, "ServiceConfig"), _section(doc, "SlaConfig")
    model = service.get("model_path") or service.get("model_name")
    if not model:
        raise ValueError("ServiceConfig.model_path is missing")
    model = resolve_model(str(model), source, findings)
    system = _section(doc, "NodeConfig").get("system_name") or _section(doc, "K8sConfig").get(
        "system_name"
    )
    backend = generator_backend(doc)
    mode = str(_section(doc, "DynConfig").get("mode") or "agg")
    workers = {
        role: _generator_worker(doc, role, backend, text(system), source, findings)
        for role in (("prefill", "decode") if mode == "disagg" else ("agg",))
    }
    total = sum((worker.gpus() or 1) * (worker.workers or 1) for worker in workers.values())
    main = workers.get("agg") or workers["decode"]
    predictions, concurrency = _generator_predictions(doc, main, source, findings)
    isl, osl = sla.get("isl"), sla.get("osl")
    run = RunSettings(
        source=source,
        total_gpus=total or None,
        isl=None if isl is None else whole(isl, source, "SlaConfig.isl"),
        osl=None if osl is None else whole(osl, source, "SlaConfig.osl"),
        prefix=_optional(
            service.get("prefix") or _section(doc, "ModelConfig").get("prefix"),
            source,
            "ServiceConfig.prefix",
        ),
        backend=backend,
        model=model,
        system=text(system),
    )
    if backend is None:
        findings.append(
            Finding(
                "warning",
                source,
                "aic-backend-unknown",
                "no backend key and no known container image; the target runtime must be chosen",
            )
        )
    runnable = mode == "agg"
    return Spec(
        model=model,
        serving_mode=mode,
        workers=workers,
        run=run,
        concurrency=concurrency,
        predictions=predictions,
        source={
            "file": source,
            "serving_mode": mode,
            "backend": backend,
            "system": text(system),
            "isl": run.isl,
            "osl": run.osl,
        },
        findings=findings,
        runnable=runnable,
        not_runnable_reason=None
        if runnable
        else "disaggregated deployment: the autotuner launches one aggregated server",
    )


def _generator_worker(
    doc: dict[str, Any],
    role: str,
    backend: str | None,
    system: str | None,
    source: str,
    findings: list[Finding],
) -> Worker:
    """One role's worker from ``params.<role>`` and its count from WorkerConfig."""
    block = _section(doc, "params").get(role)
    if not isinstance(block, dict) or not block:
        raise ValueError(f"params.{role} is missing")
    lists: dict[str, list[int] | None] = {
        ours: [whole(block[theirs], source, f"params.{role}.{theirs}")]
        for theirs, ours in _ROLE_PARAMS.items()
        if block.get(theirs) is not None
    }
    quant = {}
    for name in QUANT_FIELDS:
        mode_name = quant_mode(
            name, block.get(name), old_naming=False, where=source, findings=findings
        )
        if mode_name:
            quant[name] = mode_name
    count = _section(doc, "WorkerConfig").get(f"{role}_workers")
    return Worker.with_layout(
        {**lists, "cp": [1]},
        quant=quant,
        backend=backend,
        system=system,
        batch_size=_optional(block.get("max_batch_size"), source, f"params.{role}.max_batch_size"),
        memory_gib=None
        if block.get("memory") is None
        else number(block["memory"], source, f"params.{role}.memory"),
        workers=whole(count, source, f"WorkerConfig.{role}_workers") if count is not None else None,
    )


def _generator_predictions(
    doc: dict[str, Any], main: Worker, source: str, findings: list[Finding]
) -> tuple[dict[str, Any], list[int] | None]:
    """SlaConfig's predicted ttft and tpot and the load they hold at; without them, the
    benchmark's own concurrency sweep."""
    sla = _section(doc, "SlaConfig")
    if sla.get("ttft") is None or sla.get("tpot") is None:
        bench = _section(doc, "BenchConfig").get("concurrency")
        concurrency = None
        if isinstance(bench, list) and bench:
            concurrency = whole_list(bench, source, "BenchConfig.concurrency")
        findings.append(
            Finding(
                "warning",
                source,
                "aic-no-prediction",
                "generator config without predictions (`cli generate`): the "
                "benchmark uses its aiperf concurrency sweep",
            )
        )
        return {}, concurrency
    predictions: dict[str, Any] = {
        "ttft_ms": number(sla["ttft"], source, "SlaConfig.ttft"),
        "tpot_ms": number(sla["tpot"], source, "SlaConfig.tpot"),
    }
    if not main.batch_size:
        return predictions, None
    predictions["batch_size"] = main.batch_size
    return predictions, [main.batch_size * (main.first("dp") or 1)]


def inclusive_from_generator(doc: Any, ttft: float, tpot: float, osl: int) -> bool | None:
    """Whether a row's tpot is inclusive of the first token, from its top-N generator config.

    Generated artifacts keep the raw inter-token TPOT (SlaConfig.tpot) while --inclusive-tpot
    rewrites the CSV column to (ttft + tpot x (osl - 1)) / osl.
    """
    if not isinstance(doc, dict) or osl < 2:
        return None
    raw = _section(doc, "SlaConfig").get("tpot")
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    inclusive = (ttft + raw * (osl - 1)) / osl

    def close(a: float, b: float) -> bool:
        return abs(a - b) <= 0.0015 + 1e-4 * abs(b)

    plain, incl = close(tpot, raw), close(tpot, inclusive)
    if plain and not incl:
        return False
    if incl and not plain:
        return True
    return None
