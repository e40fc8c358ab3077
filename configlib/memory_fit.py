"""Does the model fit? Weights plus the KV cache of one full-length request, per GPU, against
the GPU memory of the task's system.

An estimate from the model's architecture (``data/model_architectures.json``, well-known models
only): weights are split evenly over the tp x pp GPUs of a server, KV heads over tp (a GPU keeps
at least one head) and layers over pp; MLA models cache one latent vector per layer that every
tp rank keeps whole. It leaves out activations, CUDA graphs and the engine's own buffers, so a
configuration that fits here can still run short; one that does not fit here cannot start.
Models outside the table are not checked: the result says so instead of guessing.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from configlib.findings import Finding
from configlib.model import TaskConfig

GIB = 2**30
#: Beyond this many combinations of the fields involved, only a note is given.
MAX_COMBINATIONS = 512
#: The memory-share field each runtime reads (SGLang: weights + KV; vLLM: all it allocates).
FRACTION_FIELDS = {"sglang": "mem_fraction_static", "vllm": "gpu_memory_utilization"}


@dataclass(frozen=True)
class Architecture:
    """What the estimate needs to know about a model."""

    name: str
    parameters: int
    layers: int
    max_context: int
    weights: str
    """Precision of the published checkpoint's weights."""
    kv: str
    """Precision of the KV cache when none is chosen (the model's dtype)."""
    kv_heads: int | None = None
    head_dim: int | None = None
    kv_latent_dim: int | None = None
    """MLA models: elements cached per token per layer."""

    def kv_bytes_per_token(self, tp: int, pp: int, element_bytes: float) -> float:
        """KV cache of one token on one GPU."""
        layers = math.ceil(self.layers / pp)
        if self.kv_latent_dim is not None:
            return layers * self.kv_latent_dim * element_bytes
        assert self.kv_heads is not None and self.head_dim is not None
        return 2 * layers * math.ceil(self.kv_heads / tp) * self.head_dim * element_bytes


@dataclass(frozen=True)
class Estimate:
    """Memory one GPU needs for one combination of the task's candidates."""

    tp: int
    pp: int
    weights: str
    """Weight precision used."""
    kv: str
    """KV-cache precision used."""
    tokens: int
    """Context length the KV cache holds (one request of this length)."""
    fraction: float | None
    """The share of GPU memory the engine may use (None: not set, the whole GPU shown)."""
    weights_gib: float
    kv_gib: float
    available_gib: float

    @property
    def needed_gib(self) -> float:
        return self.weights_gib + self.kv_gib

    @property
    def fits(self) -> bool:
        return self.needed_gib <= self.available_gib


@dataclass
class MemoryFit:
    """The estimates for every combination, and warnings for those that do not fit."""

    model: str | None = None
    """The model the table matched (None: not checked)."""
    unchecked: str | None = None
    """Why nothing was checked (None: checked)."""
    estimates: list[Estimate] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


@cache
def _data() -> dict[str, Any]:
    text = resources.files("configlib").joinpath("data/model_architectures.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _architectures() -> dict[str, Architecture]:
    known: dict[str, Architecture] = {}
    for entry in _data()["models"]:
        fields = {k: v for k, v in entry.items() if k != "ids"}
        for model_id in entry["ids"]:
            known[model_id.lower()] = Architecture(name=entry["ids"][0], **fields)
    return known


def find_architecture(model: str) -> Architecture | None:
    """The architecture of a well-known model: its Hugging Face id, any case, or a local
    folder named like one (``/models/Qwen3-32B``) when exactly one model has that name."""
    known = _architectures()
    key = model.strip().rstrip("/").lower()
    if key in known:
        return known[key]
    base = key.rsplit("/", 1)[-1]
    named = {a.name for k, a in known.items() if k.rsplit("/", 1)[-1] == base}
    if len(named) == 1:
        return next(a for a in known.values() if a.name in named)
    return None


def _precision(chosen: list[Any] | None, default: str) -> list[str]:
    return [str(getattr(v, "value", v)) for v in chosen] if chosen else [default]


def check_memory(task: TaskConfig) -> MemoryFit:
    """Estimate the memory per GPU of every combination of tp, pp, weight and KV precision,
    context length and memory share, against the system's memory per GPU."""
    architecture = find_architecture(task.model.id_or_path)
    if architecture is None:
        return MemoryFit(
            unchecked=f"{task.model.id_or_path!r} is not in the table of known models "
            "(configlib/data/model_architectures.json); its memory cannot be checked."
        )
    system = task.system_config
    if system is None or system.memory_per_gpu is None:
        return MemoryFit(
            architecture.name, "No GPU system is chosen (system_config.gpu_type): no memory to "
            "compare with.",
        )  # fmt: skip
    if not task.has_structured():
        return MemoryFit(
            architecture.name,
            "The task has only flat flags; fill the parallel and quantization sections to "
            "check its memory.",
        )
    parallel, quant, memory = task.parallel_config, task.quantization_config, task.memory_config
    tps = (parallel.tp if parallel else None) or [1]
    pps = (parallel.pp if parallel else None) or [1]
    # The GEMM mode is what the engine runs (fp8 quantizes a 16-bit checkpoint when loading);
    # without one, the checkpoint's own precision.
    weight_modes = (quant.gemm_quant_mode or quant.weight_quant_mode) if quant else None
    weights = _precision(weight_modes, architecture.weights)
    kvs = _precision(quant.kvcache_quant_mode if quant else None, architecture.kv)
    tokens = (memory.max_model_len if memory else None) or [architecture.max_context]
    share = FRACTION_FIELDS.get(task.base_runtime.value, "")
    fractions: list[float | None] = list(getattr(memory, share, None) or [None])
    combos = len(tps) * len(pps) * len(weights) * len(kvs) * len(tokens) * len(fractions)
    result = MemoryFit(architecture.name)
    if combos > MAX_COMBINATIONS:
        result.unchecked = (
            f"{combos:,} combinations of tp, pp, precisions, context lengths and memory shares; "
            f"the memory check looks at up to {MAX_COMBINATIONS}."
        )
        return result
    weight_bytes, kv_bytes = _data()["weight_bytes"], _data()["kv_bytes"]
    gpu = float(system.memory_per_gpu)
    for tp, pp, wmode, kvmode, length, fraction in itertools.product(
        tps, pps, weights, kvs, tokens, fractions
    ):
        if wmode not in weight_bytes or kvmode not in kv_bytes:
            unknown = wmode if wmode not in weight_bytes else kvmode
            result.unchecked = f"The size of {unknown} values is not known; memory not checked."
            result.estimates.clear()
            return result
        estimate = Estimate(
            tp, pp, wmode, kvmode, length, fraction,
            weights_gib=architecture.parameters * weight_bytes[wmode] / (tp * pp) / GIB,
            kv_gib=length * architecture.kv_bytes_per_token(tp, pp, kv_bytes[kvmode]) / GIB,
            available_gib=gpu * (fraction if fraction is not None else 1.0),
        )  # fmt: skip
        result.estimates.append(estimate)
        if not estimate.fits:
            result.findings.append(_warning(estimate, system.gpu_type, gpu, share))
    return result


def _warning(estimate: Estimate, gpu_type: str, gpu: float, share: str) -> Finding:
    where = f"{share} {estimate.fraction} of " if estimate.fraction is not None else ""
    return Finding(
        "warning",
        "parallel_config.tp",
        "memory-does-not-fit",
        f"tp={estimate.tp} pp={estimate.pp}, {estimate.weights} weights, {estimate.kv} KV cache, "
        f"{estimate.tokens:,} tokens: needs {estimate.needed_gib:.1f} GiB per GPU "
        f"({estimate.weights_gib:.1f} weights + {estimate.kv_gib:.1f} KV cache), "
        f"{estimate.available_gib:.1f} GiB available ({where}{gpu:g} GiB on {gpu_type}).",
    )
