"""What one aiconfigurator candidate says, before it becomes a TaskConfig.

Every input format (CSV row, top-N folder, design YAML, ``cli exp`` YAML, generator config)
is read into a ``Spec``; candidates.py turns a Spec into a task. Keeping this layer small and
plain means each reader only has to know its own format.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from configlib.bounds import LIMITS, limit
from configlib.findings import Finding
from configlib.numbers import NumberProblem, parse_int
from configlib.vocab import (
    CommQuantMode,
    FMHAQuantMode,
    GemmQuantMode,
    KVCacheQuantMode,
    MoEQuantMode,
)

#: quantization_config field -> (aiconfigurator column suffix, vocabulary).
QUANT_FIELDS: dict[str, tuple[str, type[Any]]] = {
    "gemm_quant_mode": ("gemm", GemmQuantMode),
    "kvcache_quant_mode": ("kvcache", KVCacheQuantMode),
    "fmha_quant_mode": ("fmha", FMHAQuantMode),
    "moe_quant_mode": ("moe", MoEQuantMode),
    "comm_quant_mode": ("comm", CommQuantMode),
}
PARALLEL_FIELDS = ("tp", "pp", "dp", "moe_tp", "moe_ep", "cp")
BACKENDS = ("sglang", "vllm", "trtllm")

#: aiconfigurator 0.4-0.6 model enum names -> the HuggingFace id the same release shipped the
#: config for (matched by name: SupportedModels and CachedHFModels of the 0.4.0 wheel).
MODEL_ENUMS = {
    "LLAMA2_7B": "meta-llama/Llama-2-7b-hf",
    "LLAMA2_13B": "meta-llama/Llama-2-13b-hf",
    "LLAMA2_70B": "meta-llama/Llama-2-70b-hf",
    "LLAMA3.1_8B": "meta-llama/Meta-Llama-3.1-8B",
    "LLAMA3.1_70B": "meta-llama/Meta-Llama-3.1-70B",
    "LLAMA3.1_405B": "meta-llama/Meta-Llama-3.1-405B",
    "MOE_MIXTRAL8X7B": "mistralai/Mixtral-8x7B-v0.1",
    "MOE_MIXTRAL8X22B": "mistralai/Mixtral-8x22B-v0.1",
    "DEEPSEEK_V3": "deepseek-ai/DeepSeek-V3",
    "QWEN2.5_1.5B": "Qwen/Qwen2.5-1.5B",
    "QWEN2.5_7B": "Qwen/Qwen2.5-7B",
    "QWEN2.5_32B": "Qwen/Qwen2.5-32B",
    "QWEN2.5_72B": "Qwen/Qwen2.5-72B",
    "QWEN3_0.6B": "Qwen/Qwen3-0.6B",
    "QWEN3_1.7B": "Qwen/Qwen3-1.7B",
    "QWEN3_8B": "Qwen/Qwen3-8B",
    "QWEN3_32B": "Qwen/Qwen3-32B",
    "QWEN3_30B_A3B": "Qwen/Qwen3-30B-A3B",
    "QWEN3_235B": "Qwen/Qwen3-235B-A22B",
    "QWEN3_480B": "Qwen/Qwen3-Coder-480B-A35B-Instruct",
    "NEMOTRON_SUPER_V1.1": "nvidia/Llama-3_3-Nemotron-Super-49B-v1",
    "GPT_OSS_120B": "openai/gpt-oss-120b",
    "GPT_OSS_20B": "openai/gpt-oss-20b",
}


@dataclass
class Worker:
    """One worker layout: what aiconfigurator modelled (one value each) or planned (lists)."""

    tp: list[int] | None = None
    pp: list[int] | None = None
    dp: list[int] | None = None
    """Attention data parallel ranks (aiconfigurator's dp always is)."""
    moe_tp: list[int] | None = None
    moe_ep: list[int] | None = None
    cp: list[int] | None = None
    """Context parallel size (no engine field in configlib)."""
    num_gpu: list[int] | None = None
    """Allowed GPUs per worker (planned experiments only)."""
    quant: dict[str, str] = field(default_factory=dict)
    """quantization_config field -> aiconfigurator 0.12 mode name."""
    backend: str | None = None
    perf_db_version: str | None = None
    system: str | None = None
    workers: int | None = None
    """Workers of this role in one replica."""
    batch_size: int | None = None
    """Modelled batch per attention-DP rank."""
    global_batch_size: int | None = None
    memory_gib: float | None = None
    """Predicted memory per GPU, GiB."""
    requests_per_s_per_worker: float | None = None
    parallel: str | None = None
    """aiconfigurator's layout string, e.g. tp1pp1dp4etp4ep1."""

    @classmethod
    def with_layout(cls, layout: dict[str, list[int] | None], **fields: Any) -> Worker:
        """A worker from parallel candidate lists by field name plus other fields."""
        worker = cls(**fields)
        for name, values in layout.items():
            if name not in (*PARALLEL_FIELDS, "num_gpu"):
                raise KeyError(name)
            setattr(worker, name, values)
        return worker

    def first(self, name: str) -> int | None:
        values: list[int] | None = getattr(self, name)
        return values[0] if values else None

    def gpus(self) -> int | None:
        """GPUs of one worker (tp x pp x dp x cp) when the layout is single-valued."""
        product = 1
        for name in ("tp", "pp", "dp", "cp"):
            values = getattr(self, name)
            if values is None:
                continue
            if len(values) != 1:
                return None
            product *= values[0]
        return product

    def as_dict(self) -> dict[str, Any]:
        """Plain data for metadata (single values written as scalars)."""
        out: dict[str, Any] = {}
        for name in (*PARALLEL_FIELDS, "num_gpu"):
            values = getattr(self, name)
            if values is not None:
                out[name] = values[0] if len(values) == 1 else list(values)
        out.update(self.quant)
        for name in (
            "backend",
            "perf_db_version",
            "system",
            "workers",
            "batch_size",
            "global_batch_size",
            "memory_gib",
            "requests_per_s_per_worker",
            "parallel",
        ):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        gpus = self.gpus()
        if gpus is not None and "num_gpu" not in out:
            out["gpus_per_worker"] = gpus
        return out


@dataclass
class RunSettings:
    """What a whole aiconfigurator run was asked (targets, budget), from its saved config."""

    source: str | None = None
    """File the settings came from (exp_config.yaml, config.yaml or the folder name)."""
    total_gpus: int | None = None
    """--total-gpus: the GPU budget of the whole deployment (not one replica)."""
    isl: int | None = None
    """Input length, tokens."""
    osl: int | None = None
    """Output length, tokens."""
    prefix: int | None = None
    """Cached prefix tokens per request (part of isl)."""
    ttft_ms: float | None = None
    """TTFT target, ms."""
    tpot_ms: float | None = None
    """TPOT (inter-token latency) target, ms."""
    request_latency_ms: float | None = None
    """End-to-end latency target, ms (optional in aiconfigurator)."""
    backend: str | None = None
    """trtllm, sglang or vllm."""
    backend_version: str | None = None
    """Performance-database version simulated (not the engine release the scripts target)."""
    model: str | None = None
    """HuggingFace id or path."""
    system: str | None = None
    """aiconfigurator system name, e.g. h200_sxm."""
    inclusive_tpot: bool | None = None
    """True when the run's tpot includes the first token (--inclusive-tpot); None: unknown."""
    inclusive_tpot_basis: str | None = None
    """What decided inclusive_tpot (file and reason)."""
    aiconfigurator_version: str | None = None
    """Release that wrote the files, when a console log says."""
    quant: dict[str, str] = field(default_factory=dict)
    """Quantization modes the run asked for (quantization_config field -> mode)."""

    def merged(self, fallback: RunSettings) -> RunSettings:
        """These settings, with gaps filled from ``fallback``."""
        out = RunSettings(**{k: v for k, v in vars(self).items()})
        for key, value in vars(fallback).items():
            if getattr(out, key) in (None, {}) and value not in (None, {}):
                setattr(out, key, value)
        return out


@dataclass
class Spec:
    """One candidate in aiconfigurator's own terms."""

    model: str
    """HuggingFace id or path."""
    serving_mode: str
    """agg, disagg or afd."""
    workers: dict[str, Worker]
    """Role (agg, prefill, decode) -> layout."""
    run: RunSettings
    """The run's targets and budget."""
    concurrency: list[int] | None = None
    """Requests in flight per replica (the benchmark load)."""
    predictions: dict[str, Any] = field(default_factory=dict)
    """Predicted metrics, names with units (docs/architecture.md)."""
    source: dict[str, Any] = field(default_factory=dict)
    """Where the candidate came from (file, row, line, table, rank, experiment, ...)."""
    findings: list[Finding] = field(default_factory=list)
    """What reading it had to say."""
    runnable: bool = True
    """False when the autotuner cannot launch what was predicted."""
    not_runnable_reason: str | None = None
    """Why not, for people."""
    planned: bool = False
    """True for experiments from a `cli exp` input: search spaces, no predictions."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Further aiconfigurator settings kept in metadata (latency corrections, ...)."""
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    """configlib sections given outright (design YAML advanced_tuning_config, ...)."""
    attention_dp: bool | None = None
    """Stated explicitly (design YAML); otherwise dp > 1 means attention DP."""

    @property
    def main_worker(self) -> Worker:
        """The worker a single aggregated server would run: agg, else decode."""
        return (
            self.workers.get("agg")
            or self.workers.get("decode")
            or next(iter(self.workers.values()))
        )

    @property
    def backend(self) -> str | None:
        return self.main_worker.backend or self.run.backend

    @property
    def system(self) -> str | None:
        return self.main_worker.system or self.run.system


def uses_old_naming(values: list[str | None]) -> bool:
    """aiconfigurator <= 0.8 called the 16-bit mode float16 in the GEMM/MoE/KV enums too."""
    return any(v == "float16" for v in values)


def quant_mode(
    field_name: str, value: Any, *, old_naming: bool, where: str, findings: list[Finding]
) -> str | None:
    """aiconfigurator's mode name in 0.12 spelling, or None (with a warning) when unknown."""
    if value is None or value == "":
        return None
    _, vocab = QUANT_FIELDS[field_name]
    text = str(value).strip()
    if field_name == "fmha_quant_mode" and text == "float16" and old_naming:
        return "bfloat16"
    try:
        return str(vocab(text).value)
    except ValueError:
        findings.append(
            Finding(
                "warning",
                where,
                "aic-unknown-quant-mode",
                f"{field_name} {text!r} is not an aiconfigurator 0.12 mode (known: "
                f"{', '.join(m.value for m in vocab)}); left out of quantization_config, kept in "
                "metadata.aiconfigurator_workers",
            )
        )
        return None


def resolve_model(name: str, where: str, findings: list[Finding]) -> str:
    """A HuggingFace id for an aiconfigurator model name (0.4-0.6 enums are mapped)."""
    text = str(name).strip()
    mapped = MODEL_ENUMS.get(text.upper())
    if mapped:
        findings.append(
            Finding(
                "warning",
                where,
                "aic-model-enum",
                f"model {text!r} is an aiconfigurator 0.4-0.6 model enum; read as {mapped}",
            )
        )
        return mapped
    if "/" not in text and text.upper() == text and "_" in text:
        findings.append(
            Finding(
                "warning",
                where,
                "aic-model-enum-unknown",
                f"model {text!r} looks like an aiconfigurator model enum, not a HuggingFace id or "
                "path; set model.id_or_path before running",
            )
        )
    return text


def text(value: Any) -> str | None:
    """A YAML value as text; None stays None (absent, not the string "None")."""
    return None if value is None else str(value)


#: Words in a YAML key that say what it counts, and the limit (configlib.bounds) each takes;
#: a whole number that matches none is a GPU count or parallel size, any other number is
#: bounded by ``metric``.
_BOUNDS_BY_WORD = (
    ("isl", "tokens"),
    ("osl", "tokens"),
    ("prefix", "tokens"),
    ("concurrency", "requests"),
    ("batch", "requests"),
    ("memory", "memory_gib"),
)


def bound_of(name: str, *, whole_number: bool) -> str:
    """The limit in configlib.bounds a YAML value under key ``name`` is held to."""
    key = name.rsplit(".", 1)[-1].lower()
    found = next((bound for word, bound in _BOUNDS_BY_WORD if word in key), None)
    return found or ("gpus" if whole_number else "metric")


def within(value: float, name: str, *, whole_number: bool) -> None:
    """Refuse ``value`` beyond the limit for what key ``name`` counts (``bound_of``)."""
    bound = bound_of(name, whole_number=whole_number)
    most = limit(bound)
    if value > most:
        shown = (
            f"{value:,}" if isinstance(value, int) and value.bit_length() < 200 else f"{value:g}"
        )
        unit = LIMITS[bound].unit
        raise ValueError(
            f"{name} is {shown}; the limit is {most:,}{' ' + unit if unit else ''} (docs/limits.md)"
        )


def whole(value: Any, where: str, name: str, *, minimum: int = 1) -> int:
    """A YAML value that must be a whole number >= minimum, within the limit for what its key
    counts (``bound_of``); ValueError names the key."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name} must be a whole number, not {value!r}")
    if isinstance(value, float):
        if not math.isfinite(value) or value != int(value):
            raise ValueError(f"{name} must be a whole number, not {value!r}")
        within(value, name, whole_number=True)
        value = int(value)
    if isinstance(value, str):
        parsed = parse_int(value)
        if isinstance(parsed, NumberProblem):
            raise ValueError(f"{name} must be a whole number, not {value[:40]!r}")
        value = parsed
    if not isinstance(value, int):
        raise ValueError(f"{name} must be a whole number, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")
    within(value, name, whole_number=True)
    return value


def number(value: Any, where: str, name: str) -> float:
    """A finite, non-negative YAML number within the limit for its key; ValueError names it."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name} must be a number, not {value!r}")
    if isinstance(value, int) and value.bit_length() > 64:
        within(value, name, whole_number=False)
    try:
        result = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be a number, not {str(value)[:40]!r}") from None
    if not math.isfinite(result) or result < 0:
        raise ValueError(f"{name} must be a finite number >= 0, not {str(value)[:40]!r}")
    within(result, name, whole_number=False)
    return result


def whole_list(value: Any, where: str, name: str) -> list[int]:
    """A candidate list (or one value) of whole numbers >= 1."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise ValueError(f"{name} is an empty list")
    out: list[int] = []
    for item in items:
        number_ = whole(item, where, name)
        if number_ not in out:
            out.append(number_)
    return out
