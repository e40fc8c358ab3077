"""TaskConfig -> aiconfigurator inputs: a `cli exp` YAML (0.12 flat schema) or the design YAML.

The `cli exp` file holds one experiment per combination of quantization modes (aiconfigurator
takes one mode per experiment) and turns the task's layout candidates into
``agg_*_candidates`` lists, so aiconfigurator predicts exactly the configurations the task
would measure. Only keys of aiconfigurator 0.12's schema are written (it refuses an experiment
with any other key); quantization names are its enum member names.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import yaml

from configlib.aiconfigurator.readers.yaml_documents import DESIGN_WORKER_KEYS
from configlib.aiconfigurator.readers.yaml_inputs import V2_KEYS
from configlib.aiconfigurator.spec import QUANT_FIELDS
from configlib.findings import Finding
from configlib.model import TaskConfig
from configlib.scenarios import parse_scenario
from configlib.systems import resolve_system


class ExportError(ValueError):
    """The task lacks something aiconfigurator requires (named in the message)."""


_LAYOUT = ("tp", "pp", "dp", "moe_tp", "moe_ep")


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def _list(task: TaskConfig, section: str, name: str) -> list[Any] | None:
    holder = getattr(task, section)
    values = None if holder is None else getattr(holder, name)
    return None if values is None else [_plain(v) for v in values]


def _traffic(
    task: TaskConfig,
    source: dict[str, Any],
    findings: list[Finding],
) -> tuple[int | None, int | None]:
    fixed = []
    for text in task.benchmark.traffic_scenarios:
        try:
            scenario = parse_scenario(text)
        except ValueError:
            continue
        if scenario.form.kind == "D":
            fixed.append(scenario.numbers)
    if len(fixed) > 1:
        findings.append(
            Finding(
                "warning",
                "benchmark.traffic_scenarios",
                "aic-export-scenario",
                f"aiconfigurator models one input/output length; exported "
                f"D{fixed[0]}, not {', '.join(f'D{n}' for n in fixed[1:])}",
            )
        )
    if fixed:
        return fixed[0][0], fixed[0][1]
    isl, osl = source.get("isl"), source.get("osl")
    if isl and osl:
        return int(isl), int(osl)
    findings.append(
        Finding(
            "warning",
            "benchmark.traffic_scenarios",
            "aic-export-scenario",
            "no D(isl,osl) scenario: aiconfigurator's defaults isl 4000 / osl 1000 apply",
        )
    )
    return None, None


def _perf_db_version(
    task: TaskConfig,
    system: str,
    backend: str,
    source: dict[str, Any],
) -> str | None:
    """A perf-DB version aiconfigurator has for this system and backend (never a guess)."""
    try:
        known = resolve_system(system).perf_data.get(backend, ())
    except ValueError:
        return None
    for candidate in (
        source.get("perf_db_version") if source.get("backend") == backend else None,
        task.engine_version,
    ):
        if candidate and str(candidate) in known:
            return str(candidate)
    return None


def _name(task: TaskConfig) -> str:
    name = re.sub(r"[^A-Za-z0-9_]+", "_", task.task_name).strip("_")
    return name or "experiment"


def _common(task: TaskConfig, findings: list[Finding]) -> dict[str, Any]:
    source = task.metadata.aiconfigurator_source
    source = source if isinstance(source, dict) else {}
    if task.system_config is None:
        raise ExportError(
            f"{task.task_name}: system_config.gpu_type is required "
            "(aiconfigurator needs system_name)"
        )
    body: dict[str, Any] = {"total_gpus": task.system_config.total_gpus}
    isl, osl = _traffic(task, source, findings)
    if isl:
        body["isl"], body["osl"] = isl, osl
    if source.get("prefix"):
        body["prefix"] = int(source["prefix"])
    slo = task.slo
    if slo and slo.ttft:
        body["ttft"] = round(slo.ttft.threshold * 1000.0, 6)
    if slo and slo.tpot:
        body["tpot"] = round(slo.tpot.threshold * 1000.0, 6)
    if slo and slo.latency and slo.latency.p50:
        body["request_latency"] = round(slo.latency.p50.threshold * 1000.0, 6)
    missing = [k for k in ("ttft", "tpot") if k not in body]
    if missing:
        findings.append(
            Finding(
                "warning",
                "slo",
                "aic-export-targets",
                f"no {' / '.join(missing)} target: aiconfigurator's `cli exp` "
                "defaults (ttft 1000 ms, tpot 50 ms) apply",
            )
        )
    return body


def _agg_lists(task: TaskConfig, findings: list[Finding]) -> dict[str, Any]:
    lists = {name: _list(task, "parallel_config", name) for name in _LAYOUT}
    attention = _list(task, "parallel_config", "attention_dp") or []
    dp = lists["dp"]
    if dp and any(d > 1 for d in dp) and True not in attention:
        findings.append(
            Finding(
                "warning",
                "parallel_config.dp",
                "aic-export-dp",
                "aiconfigurator's dp is attention data parallelism; plain data "
                "parallel replicas are modelled through total_gpus, so "
                "agg_dp_candidates is [1]",
            )
        )
        lists["dp"] = [1]
    body: dict[str, Any] = {}
    for name, values in lists.items():
        if values is not None:
            body[f"agg_{name}_candidates"] = values
    body["agg_cp_candidates"] = [1]
    if lists["tp"] is not None:
        gpus = sorted(
            {t * p * d for t in lists["tp"] for p in lists["pp"] or [1] for d in lists["dp"] or [1]}
        )
        body["agg_num_gpu_candidates"] = gpus
    chunked = _list(task, "scheduling_config", "chunked_prefill_enabled") or _list(
        task, "advanced_tuning_config", "enable_chunked_prefill"
    )
    if chunked and len(chunked) == 1:
        body["enable_chunked_prefill"] = bool(chunked[0])
    return body


def _role_lists(worker: dict[str, Any], role: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name in (*_LAYOUT, "cp"):
        value = worker.get(name)
        if value is not None:
            body[f"{role}_{name}_candidates"] = value if isinstance(value, list) else [value]
    for name in QUANT_FIELDS:
        if worker.get(name):
            body[f"{role}_{name}"] = worker[name]
    return body


def exp_documents(task: TaskConfig) -> tuple[dict[str, Any], list[Finding]]:
    """The `cli exp` YAML as data (``exps`` first), and what could not be expressed."""
    findings: list[Finding] = []
    common = _common(task, findings)
    assert task.system_config is not None
    system = task.system_config.gpu_type
    backend = task.base_runtime.value
    source = task.metadata.aiconfigurator_source
    source = source if isinstance(source, dict) else {}
    workers = getattr(task.metadata, "aiconfigurator_workers", None) or {}
    name = _name(task)
    doc: dict[str, Any] = {"exps": []}
    if isinstance(workers, dict) and "prefill" in workers and "decode" in workers:
        body = {"serving_mode": "disagg", **common}
        for role in ("prefill", "decode"):
            worker = workers[role]
            role_backend = worker.get("backend") or backend
            body[f"{role}_model_path"] = task.model.id_or_path
            body[f"{role}_system_name"] = worker.get("system") or system
            body[f"{role}_backend_name"] = role_backend
            version = worker.get("perf_db_version")
            if version:
                body[f"{role}_backend_version"] = str(version)
            body.update(_role_lists(worker, role))
        doc["exps"].append(name)
        doc[name] = body
        return doc, findings
    for unused in ("activation_quant_mode", "weight_quant_mode"):
        if _list(task, "quantization_config", unused):
            findings.append(
                Finding(
                    "warning",
                    f"quantization_config.{unused}",
                    "aic-export-quant",
                    f"aiconfigurator has no {unused}; not exported",
                )
            )
    base = {
        "serving_mode": "agg",
        "model_path": task.model.id_or_path,
        "system_name": system,
        "backend_name": backend,
        **common,
    }
    version = _perf_db_version(task, system, backend, source)
    if version:
        base["backend_version"] = version
    base.update(_agg_lists(task, findings))
    quant_axes = [(n, _list(task, "quantization_config", n) or [None]) for n in QUANT_FIELDS]
    combos = list(itertools.product(*(values for _, values in quant_axes)))
    for index, combo in enumerate(combos):
        body = dict(base)
        for (field_name, _), value in zip(quant_axes, combo, strict=True):
            if value is not None:
                body[field_name] = value
        exp_name = name if len(combos) == 1 else f"{name}_q{index + 1}"
        doc["exps"].append(exp_name)
        doc[exp_name] = body
    for exp_name in doc["exps"]:
        unknown = set(doc[exp_name]) - V2_KEYS
        assert not unknown, unknown
    return doc, findings


def export_exp_yaml(task: TaskConfig) -> str:
    """A `cli exp --yaml-path` input for aiconfigurator 0.12 that predicts this task."""
    doc, _ = exp_documents(task)
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=None)


def design_document(task: TaskConfig) -> dict[str, Any]:
    """The design's candidate YAML as data (readers/yaml_documents.py reads it back)."""
    source = task.metadata.aiconfigurator_source
    source = source if isinstance(source, dict) else {}
    workers = getattr(task.metadata, "aiconfigurator_workers", None) or {}
    doc: dict[str, Any] = {"model_name": task.model.id_or_path}
    disagg = isinstance(workers, dict) and "prefill" in workers and "decode" in workers
    doc["serving_mode"] = "disagg" if disagg else "agg"
    if task.system_config is not None:
        doc["system_name"] = task.system_config.gpu_type
        doc["total_gpus"] = task.system_config.total_gpus
    doc["backend_name"] = task.base_runtime.value
    findings: list[Finding] = []
    isl, osl = _traffic(task, source, findings)
    if isl:
        doc["isl"], doc["osl"] = isl, osl
    if task.slo and task.slo.ttft:
        doc["ttft"] = round(task.slo.ttft.threshold * 1000.0, 6)
    if task.slo and task.slo.tpot:
        doc["tpot"] = round(task.slo.tpot.threshold * 1000.0, 6)
    concurrency = task.benchmark.num_concurrency
    doc["concurrency"] = concurrency[0] if len(concurrency) == 1 else list(concurrency)
    if isinstance(source.get("inclusive_tpot"), bool):
        doc["inclusive_tpot"] = source["inclusive_tpot"]
    if disagg:
        for role in ("prefill", "decode"):
            doc[f"{role}_worker_config"] = _design_worker(workers[role])
    else:
        worker: dict[str, Any] = {}
        for name in (*_LAYOUT, "attention_dp"):
            values = _list(task, "parallel_config", name)
            if values is not None:
                worker[name] = values[0] if len(values) == 1 else values
        for name in QUANT_FIELDS:
            values = _list(task, "quantization_config", name)
            if values is not None:
                worker[name] = values[0] if len(values) == 1 else values
        doc["worker_config"] = worker
    predictions = task.metadata.aiconfigurator_predictions
    if predictions:
        doc["predicted_metrics"] = dict(predictions)
    if task.advanced_tuning_config is not None:
        doc["advanced_tuning_config"] = task.advanced_tuning_config.model_dump(
            mode="json", exclude_none=True
        )
    if task.memory_config is not None:
        doc["memory_config"] = task.memory_config.model_dump(mode="json", exclude_none=True)
    return doc


def _design_worker(worker: dict[str, Any]) -> dict[str, Any]:
    return {k: worker[k] for k in DESIGN_WORKER_KEYS if worker.get(k) is not None}


def export_design_yaml(task: TaskConfig) -> str:
    """The task as the design's candidate YAML (one document)."""
    return yaml.safe_dump(design_document(task), sort_keys=False)
