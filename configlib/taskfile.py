"""Task files: inference-autotuner's task format and configlib's structured form, in and out.

Reading accepts the autotuner's task JSON/YAML (every variant in its repository: list or
legacy ``{"type": "choice"}`` parameters, ``quant_config``, its own ``parallel_config``, OME
runtime names) as well as configlib's structured form. Writing produces either the JSON the
autotuner runs (every setting as hyphenated flags in ``parameters``, nothing it would
re-interpret) or configlib's structured form.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from configlib.bounds import check_task_document, check_text_size, limit
from configlib.convert import to_flat, with_parameters
from configlib.engines import ENGINES, Engine
from configlib.findings import Finding, did_you_mean, from_validation_error
from configlib.io import InputError, is_json_document, parse_document, read_text
from configlib.model import ParallelConfig, TaskConfig
from configlib.vocab import ConfigFormat, DeploymentMode, Runtime

#: Top-level keys only the autotuner knows; kept verbatim in ``autotuner_fields``.
AUTOTUNER_ONLY_KEYS = (
    "quant_config",
    "clusterbasemodel_config",
    "clusterservingruntime_config",
    "storage",
)
#: Keys of a parallel_config that are fields of ours (the autotuner's shares tp..moe_ep).
_PARALLEL_FIELDS = tuple(ParallelConfig.model_fields)
#: Every key the autotuner's own parallel_config reads (its parallel_mapper).
AUTOTUNER_PARALLEL_KEYS = (
    "tp",
    "pp",
    "dp",
    "cp",
    "dcp",
    "enable_expert_parallel",
    "moe_tp",
    "moe_ep",
    "moe_cluster",
    "moe_dense_tp",
    "presets",
)
#: Keys the autotuner writes for a task that are not part of a task definition.
_RUN_STATE_KEYS = (
    "id",
    "status",
    "created_at",
    "started_at",
    "completed_at",
    "elapsed_time",
    "total_experiments",
    "successful_experiments",
    "best_experiment_id",
)


class TaskFormatError(ValueError):
    """The data is not a task; ``findings`` says where."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__("; ".join(str(f) for f in findings[:5]))


def normalize(data: Any) -> tuple[dict[str, Any], list[Finding]]:
    """Map the autotuner's spellings onto configlib's model; report what was moved or dropped."""
    if not isinstance(data, dict):
        kind = type(data).__name__
        raise TaskFormatError(
            [Finding("error", "", "not-a-task", f"a task is a mapping, not a {kind}")]
        )
    out = dict(data)
    notes: list[Finding] = []
    for key in _RUN_STATE_KEYS:
        out.pop(key, None)
    if "model_config" in out and "model" not in out:
        out["model"] = out.pop("model_config")
    for ours, theirs in (
        ("optimization", "optimization_config"),
        ("benchmark", "benchmark_config"),
        ("slo", "slo_config"),
    ):
        if theirs in out and ours not in out:
            out[ours] = out.pop(theirs)
    extras = dict(out.get("autotuner_fields") or {})
    for key in AUTOTUNER_ONLY_KEYS:
        if key in out:
            extras[key] = out.pop(key)
    _normalize_runtime(out, extras, notes)
    if out.get("deployment_mode") == "local":
        out["deployment_mode"] = DeploymentMode.DOCKER.value
        notes.append(
            Finding(
                "warning",
                "deployment_mode",
                "mode-not-supported",
                "deployment_mode local exists only on an autotuner feature branch; read as docker",
            )
        )
    runtime = str(out.get("base_runtime", "")).lower()
    parallel = out.get("parallel_config")
    if isinstance(parallel, dict):
        out["parallel_config"], leftover = _split_parallel(parallel, runtime, out, notes)
        if leftover:
            extras["parallel_config"] = leftover
    quant = extras.get("quant_config")
    if isinstance(quant, dict) and ("presets" in quant or "preset" in quant):
        notes.append(
            Finding(
                "warning",
                "autotuner_fields.quant_config",
                "quant-preset-not-expanded",
                "the autotuner resolves quant_config presets to auto at run time (its 'preset' "
                "key is "
                "ignored altogether); set quantization_config or explicit flags instead",
            )
        )
    if extras:
        out["autotuner_fields"] = extras
    if (
        isinstance(out.get("optimization"), dict)
        and out["optimization"].get("strategy") == "random_search"
    ):
        notes.append(
            Finding(
                "warning",
                "optimization.strategy",
                "strategy-renamed",
                "random_search is not an autotuner strategy; read as random",
            )
        )
    return out, notes


def _normalize_runtime(out: dict[str, Any], extras: dict[str, Any], notes: list[Finding]) -> None:
    """An OME ClusterServingRuntime name in base_runtime: keep it, and find the engine.

    The autotuner's CLI runs in OME mode unless told otherwise, so a task without a
    deployment_mode whose base_runtime names no engine is an OME task.
    """
    raw = out.get("base_runtime")
    if not isinstance(raw, str) or raw.lower() in {r.value for r in Runtime}:
        return
    if out.get("deployment_mode", DeploymentMode.OME.value) != DeploymentMode.OME.value:
        return  # Docker mode needs an engine name: leave it for the model to reject
    lowered = raw.lower()
    engine = next((r.value for r in Runtime if lowered.startswith(r.value)), None)
    if engine is None:
        csr = extras.get("clusterservingruntime_config") or {}
        preset = str(csr.get("preset", "")).lower() if isinstance(csr, dict) else ""
        engine = next((r.value for r in Runtime if preset.startswith(r.value)), None)
    out["serving_runtime_name"] = raw
    if "deployment_mode" not in out:
        out["deployment_mode"] = DeploymentMode.OME.value
    if engine is None:
        engine = Runtime.SGLANG.value
        notes.append(
            Finding(
                "warning",
                "base_runtime",
                "runtime-guessed",
                f"base_runtime {raw!r} is an OME serving runtime that names no engine; assumed "
                "sglang (set base_runtime to sglang or vllm)",
            )
        )
    out["base_runtime"] = engine


#: Long names people write for the parallel_config fields.
_PARALLEL_SYNONYMS = {
    "tensor_parallel": "tp",
    "tensor_parallel_size": "tp",
    "pipeline_parallel": "pp",
    "pipeline_parallel_size": "pp",
    "data_parallel": "dp",
    "data_parallel_size": "dp",
    "expert_parallel": "moe_ep",
    "expert_parallel_size": "moe_ep",
}


def _parallel_hint(key: str) -> str:
    import difflib

    close = difflib.get_close_matches(key, list(_PARALLEL_SYNONYMS), n=1, cutoff=0.75)
    if close:
        return f"; did you mean {_PARALLEL_SYNONYMS[close[0]]}?"
    return did_you_mean(key, (*_PARALLEL_FIELDS, *AUTOTUNER_PARALLEL_KEYS))


def _split_parallel(
    parallel: dict[str, Any], runtime: str, out: dict[str, Any], notes: list[Finding]
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    ours = {k: v for k, v in parallel.items() if k in _PARALLEL_FIELDS}
    # Which of the autotuner's parallel keys are plain flags is engine knowledge (its table).
    spec = next((spec for name, spec in ENGINES.items() if name.value == runtime), None)
    flags = spec.table.autotuner_parallel if spec else {}
    switches = spec.table.autotuner_parallel_switches if spec else ()
    leftover = {}
    parameters = dict(out.get("parameters") or {})
    for key, value in parallel.items():
        if key in _PARALLEL_FIELDS:
            continue
        if key in flags:
            values = value if isinstance(value, list) else [value]
            if key in switches:
                values = [bool(v) for v in values]
            parameters.setdefault(flags[key], values)
            continue
        leftover[key] = value
        if key not in AUTOTUNER_PARALLEL_KEYS:
            notes.append(
                Finding(
                    "error",
                    f"parallel_config.{key}",
                    "unknown-key",
                    f"parallel_config.{key} is neither a configlib field nor an autotuner "
                    "setting" + _parallel_hint(key),
                )
            )
            continue
        notes.append(
            Finding(
                "warning",
                f"parallel_config.{key}",
                "not-translated",
                f"the autotuner's parallel_config.{key} has no configlib field or "
                f"{runtime or 'engine'} "
                "flag; kept in autotuner_fields and left out of the autotuner export",
            )
        )
    if parameters:
        out["parameters"] = parameters
    return (ours or None), leftover


def parse_task(data: Any) -> tuple[TaskConfig, list[Finding]]:
    """A TaskConfig from autotuner or structured data; ``TaskFormatError`` lists what is wrong.

    The size limits (configlib.bounds) are checked first, so nothing builds a huge task.
    """
    too_big = check_task_document(data)
    if too_big:
        raise TaskFormatError(too_big)
    normalized, notes = normalize(data)
    try:
        task = TaskConfig.model_validate(normalized)
    except ValidationError as error:
        raise TaskFormatError(from_validation_error(error, model=TaskConfig)) from None
    return task, notes


def to_autotuner(
    task: TaskConfig, engine: Engine | None = None
) -> tuple[dict[str, Any], list[Finding]]:
    """The JSON the autotuner runs: every setting as flags in ``parameters``.

    Structured sections are left out (the autotuner would map its own ``parallel_config`` a
    second time), and so are quant_config presets, which it cannot expand.
    """
    flat = to_flat(task, engine)
    findings = list(flat.findings)
    runtime = task.base_runtime.value
    base_runtime = (
        task.serving_runtime_name
        if task.deployment_mode == DeploymentMode.OME and task.serving_runtime_name
        else runtime
    )
    out: dict[str, Any] = {"task_name": task.task_name}
    if task.description:
        out["description"] = task.description
    out["deployment_mode"] = task.deployment_mode.value
    out["model"] = task.model.model_dump(mode="json", exclude_none=True)
    out["base_runtime"] = base_runtime
    if task.runtime_image_tag:
        out["runtime_image_tag"] = task.runtime_image_tag
    out["parameters"] = {
        key: values.model_dump(mode="json", exclude_none=True)
        if hasattr(values, "model_dump")
        else list(values)
        for key, values in flat.parameters.items()
    }
    out["optimization"] = task.optimization.model_dump(mode="json", exclude_none=True)
    out["benchmark"] = task.benchmark.model_dump(mode="json", exclude_none=True)
    if task.slo is not None:
        out["slo"] = task.slo.model_dump(mode="json", exclude_none=True)
    for key, value in task.autotuner_fields.items():
        if key == "parallel_config":
            continue
        if (
            key == "quant_config"
            and isinstance(value, dict)
            and ("presets" in value or "preset" in value)
        ):
            findings.append(
                Finding(
                    "warning",
                    "autotuner_fields.quant_config",
                    "quant-preset-dropped",
                    "quant_config presets left out of the export: the autotuner would resolve them "
                    "to auto",
                )
            )
            continue
        out[key] = value
    return out, findings


def to_structured_form(
    task: TaskConfig, engine: Engine | None = None
) -> tuple[dict[str, Any], list[Finding]]:
    """configlib's structured form: sections plus the full regenerated ``parameters``."""
    full, findings = with_parameters(task, engine)
    data = full.dump()
    metadata = data.setdefault("metadata", {})
    metadata["config_format"] = (
        ConfigFormat.STRUCTURED.value if full.has_structured() else ConfigFormat.FLAT.value
    )
    if not full.autotuner_fields:
        data.pop("autotuner_fields", None)
    return data, findings


def task_from_text(
    text: str, source: str = "<input>", fmt: str | None = None
) -> tuple[TaskConfig, list[Finding]]:
    """Parse a task document (JSON or YAML, either format)."""
    too_big = check_text_size(text, source, yaml=not is_json_document(text, source, fmt))
    if too_big:
        raise InputError(source, too_big.removeprefix(f"{source}: "))
    return parse_task(parse_document(text, source, fmt))


def load_task(path: str) -> tuple[TaskConfig, list[Finding]]:
    """Read a task file; raises ``InputError`` (unreadable) or ``TaskFormatError`` (not a task)."""
    return task_from_text(read_text(path, max_bytes=limit("task_file_bytes")), str(path))
