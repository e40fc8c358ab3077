"""docs/reference.md, generated from the code: fields, the flag tables, the CLI, the API.

``configlib reference > docs/reference.md`` regenerates it; a test keeps the file in step.
"""

from __future__ import annotations

import argparse
import inspect
from typing import Any

from pydantic import BaseModel

from configlib import model
from configlib.convert import to_flat
from configlib.engines import ENGINES, get_engine, supported_versions
from configlib.vocab import Runtime

SECTIONS: tuple[type[BaseModel], ...] = (
    model.TaskConfig,
    model.SystemConfig,
    model.ParallelConfig,
    model.QuantizationConfig,
    model.MemoryConfig,
    model.SchedulingConfig,
    model.AdvancedTuningConfig,
    model.ModelSpec,
    model.OptimizationConfig,
    model.BenchmarkConfig,
    model.SLOConfig,
    model.LatencySLO,
    model.SLOMetric,
    model.TaskMetadata,
)

#: One representative value per structured field, to show what each release writes.
SAMPLES: dict[str, dict[str, Any]] = {
    "parallel_config": {"tp": 4, "pp": 2, "dp": 2, "moe_ep": 4, "moe_tp": 2},
    "quantization_config": {
        "gemm_quant_mode": "fp8",
        "kvcache_quant_mode": "fp8",
        "fmha_quant_mode": "fp8",
        "moe_quant_mode": "fp8",
        "comm_quant_mode": "fp8",
        "activation_quant_mode": "fp8",
        "weight_quant_mode": "int4",
    },
    "memory_config": {
        "mem_fraction_static": 0.85,
        "gpu_memory_utilization": 0.9,
        "max_model_len": 8192,
        "enforce_eager": True,
    },
    "scheduling_config": {
        "schedule_policy": "fcfs",
        "max_num_batched_tokens": 8192,
        "max_num_seqs": 256,
        "chunked_prefill_enabled": False,
    },
    "advanced_tuning_config": {
        "enable_chunked_prefill": False,
        "max_batch_size": 256,
        "max_prefill_batch_size": 4,
        "enable_prefix_caching": False,
        "disable_sliding_window": True,
        "swap_space": 4,
    },
}
EXTRA_SAMPLES: dict[str, dict[str, Any]] = {
    "attention DP (tp 1, dp 4)": {"parallel_config": {"tp": 1, "dp": 4, "attention_dp": True}},
    "KV cache bfloat16": {"quantization_config": {"kvcache_quant_mode": "bfloat16"}},
    "KV cache int8": {"quantization_config": {"kvcache_quant_mode": "int8"}},
    "GEMM fp8_block (pre-quantized)": {"quantization_config": {"gemm_quant_mode": "fp8_block"}},
    "prefix caching on": {"advanced_tuning_config": {"enable_prefix_caching": True}},
    "chunked prefill on": {"scheduling_config": {"chunked_prefill_enabled": True}},
}

API = (
    "configlib.TaskConfig",
    "configlib.to_flat",
    "configlib.lift",
    "configlib.to_structured",
    "configlib.with_parameters",
    "configlib.extra_parameters",
    "configlib.retarget",
    "configlib.validate",
    "configlib.validate_data",
    "configlib.grid_of",
    "configlib.launch_command",
    "configlib.get_engine",
    "configlib.resolve_engine",
    "configlib.supported_versions",
    "configlib.load_task",
    "configlib.parse_task",
    "configlib.to_autotuner",
    "configlib.to_structured_form",
)


def _schema_type(prop: dict[str, Any], defs: dict[str, Any]) -> str:
    """A short type name from a JSON Schema property (enums spelled out)."""
    if "$ref" in prop:
        name = str(prop["$ref"]).rsplit("/", 1)[-1]
        target = defs.get(name, {})
        return _schema_type(target, defs) if "enum" in target else name
    if "anyOf" in prop:
        branches = [b for b in prop["anyOf"] if b.get("type") != "null"]
        names = [_schema_type(b, defs) for b in branches]
        if len(names) == 2 and names[1] == f"list of {names[0]}":
            return f"{names[0]} or list"
        return " or ".join(names)
    if "enum" in prop:
        return "one of " + ", ".join(str(v) for v in prop["enum"])
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_schema_type(prop.get('items', {}), defs)}"
    if kind == "object":
        return "mapping"
    return str(kind)


def _default(info: Any) -> str:
    if info.is_required():
        return "required"
    if info.default_factory is not None:
        value = info.default_factory()
        if isinstance(value, BaseModel):
            return "(defaults below)"
        return f"`{value!r}`" if value else "empty"
    value = info.default
    if value is None:
        return ""
    return f"`{getattr(value, 'value', value)!r}`"


def _fields_section() -> list[str]:
    lines = ["## 1. Task fields", ""]
    for cls in SECTIONS:
        lines += [f"### {cls.__name__}", "", (cls.__doc__ or "").strip(), ""]
        lines += ["| field | type | default | unit | meaning |", "|---|---|---|---|---|"]
        schema = cls.model_json_schema()
        properties, defs = schema["properties"], schema.get("$defs", {})
        for name, info in cls.model_fields.items():
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            unit = extra.get("unit", "")
            kind = _schema_type(properties[name], defs).replace("|", "\\|")
            lines.append(
                f"| `{name}` | {kind} | {_default(info)} | {unit} | {info.description or ''} |"
            )
        lines.append("")
    return lines


def _cell(runtime: Runtime, version: str, sections: dict[str, Any]) -> str:
    task = model.TaskConfig.model_validate(
        {"task_name": "t", "model": {"id_or_path": "m"}, "base_runtime": runtime, **sections}
    )
    result = to_flat(task, get_engine(runtime, version))
    parts = []
    for key, values in result.parameters.items():
        value = values[0] if isinstance(values, list) and values else values
        parts.append(f"`--{key}`" if value is True else f"`--{key} {value}`")
    for finding in result.findings:
        parts.append(f"{finding.severity}: {finding.code}")
    return "<br>".join(parts) or "(no flag)"


def _table_section() -> list[str]:
    lines = [
        "## 2. Structured field -> engine flag, per release",
        "",
        "Generated by converting one sample value per field with each release's table. "
        "`warning: unsupported-field` means the release cannot express the field (the conversion "
        "says so); `no-flag` means the value needs no flag or the checkpoint decides.",
        "",
    ]
    rows: list[tuple[str, dict[str, Any]]] = []
    for section, fields in SAMPLES.items():
        for name, value in fields.items():
            rows.append((f"`{section}.{name}` = `{value}`", {section: {name: value}}))
    rows += [(label, data) for label, data in EXTRA_SAMPLES.items()]
    for runtime in Runtime:
        versions = supported_versions(runtime)
        lines += [f"### {ENGINES[runtime].label}", ""]
        lines.append("| field | " + " | ".join(versions) + " |")
        lines.append("|---|" + "---|" * len(versions))
        for label, data in rows:
            cells = [_cell(runtime, v, data) for v in versions]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def _cli_section(parser: argparse.ArgumentParser) -> list[str]:
    import os

    # argparse wraps help to the terminal width; fix it so the document is the same everywhere.
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        return _cli_help(parser)
    finally:
        if saved is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = saved


def _cli_help(parser: argparse.ArgumentParser) -> list[str]:
    lines = ["## 3. Command line", "", "```", parser.format_help().rstrip(), "```", ""]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                lines += [
                    f"### `configlib {name}`",
                    "",
                    "```",
                    sub.format_help().rstrip(),
                    "```",
                    "",
                ]
    return lines


def _api_section() -> list[str]:
    import importlib

    lines = ["## 4. Python API", ""]
    for dotted in API:
        module_name, _, name = dotted.rpartition(".")
        obj = getattr(importlib.import_module(module_name), name)
        doc = (inspect.getdoc(obj) or "").split("\n\n")[0].replace("\n", " ")
        if inspect.isclass(obj):
            lines.append(f"- `{dotted}`: {doc}")
        else:
            signature = str(inspect.signature(obj))
            lines.append(f"- `{dotted}{signature}`: {doc}")
    lines.append("")
    return lines


def render(parser: argparse.ArgumentParser) -> str:
    """The whole reference document; ``parser`` is the command line's (``cli.build_parser()``),
    passed in so the command line can render its own reference without an import cycle."""
    lines = [
        "# Reference",
        "",
        "Generated from the code by `configlib reference`; do not edit by hand.",
        "",
        *_fields_section(),
        *_table_section(),
        *_cli_section(parser),
        *_api_section(),
    ]
    return "\n".join(lines).rstrip() + "\n"
