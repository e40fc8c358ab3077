"""Closed vocabularies: runtimes, strategies, objectives and aiconfigurator's quantization modes.

Each vocabulary is a string enum. Spellings that older tools or the original design use are
accepted as aliases (case-insensitively) and resolve to the current member, so a task written
with ``float16`` or ``random_search`` loads as ``bfloat16`` or ``random``.
"""

from __future__ import annotations

import enum
from typing import Any, ClassVar

#: The structured sections of a task or preset, in the order conversions visit them (the
#: models are in ``configlib.model``; the store names its columns after these without them).
STRUCTURED_SECTIONS: tuple[str, ...] = (
    "system_config",
    "parallel_config",
    "quantization_config",
    "memory_config",
    "scheduling_config",
    "advanced_tuning_config",
)


class AliasedEnum(enum.StrEnum):
    """A string enum that also accepts a per-class table of aliases, case-insensitively."""

    _aliases: ClassVar[dict[str, str]]

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        key = value.strip().lower()
        for member in cls.__members__.values():
            if str(member.value).lower() == key:
                return member
        target = cls.aliases().get(key)
        return cls(target) if target is not None else None

    @classmethod
    def aliases(cls) -> dict[str, str]:
        return getattr(cls, "_aliases", {})


class Runtime(AliasedEnum):
    """Inference engine that serves the model."""

    SGLANG = "sglang"
    VLLM = "vllm"


Runtime._aliases = {"sgl": "sglang"}


class DeploymentMode(AliasedEnum):
    """How the autotuner deploys each experiment."""

    DOCKER = "docker"
    OME = "ome"


class ConfigFormat(AliasedEnum):
    """Whether a task carries structured sections or only flat engine flags."""

    STRUCTURED = "structured"
    FLAT = "flat"


class Strategy(AliasedEnum):
    """Search strategies the autotuner implements (exact spellings it accepts)."""

    GRID_SEARCH = "grid_search"
    BAYESIAN = "bayesian"
    RANDOM = "random"


# The autotuner's own web form offers ``random_search``, which its backend rejects.
Strategy._aliases = {"random_search": "random", "grid": "grid_search"}


class Objective(AliasedEnum):
    """Objectives the autotuner scores experiments by (lower score is better)."""

    MINIMIZE_LATENCY = "minimize_latency"
    MAXIMIZE_THROUGHPUT = "maximize_throughput"
    MINIMIZE_TTFT = "minimize_ttft"
    MINIMIZE_TPOT = "minimize_tpot"


class GemmQuantMode(AliasedEnum):
    """aiconfigurator 0.12 GEMM (linear layer) quantization modes."""

    BFLOAT16 = "bfloat16"
    INT8_WO = "int8_wo"
    INT4_WO = "int4_wo"
    FP8 = "fp8"
    FP8_STATIC = "fp8_static"
    SQ = "sq"
    FP8_BLOCK = "fp8_block"
    FP8_OOTB = "fp8_ootb"
    NVFP4 = "nvfp4"
    NVFP4_WO = "nvfp4_wo"
    W4A16_NVFP4 = "w4a16_nvfp4"


# aiconfigurator <= 0.8 and the design call the 16-bit mode float16; the design's int8/int4 GEMM
# modes are weight-only quantization.
GemmQuantMode._aliases = {
    "float16": "bfloat16",
    "fp16": "bfloat16",
    "bf16": "bfloat16",
    "int8": "int8_wo",
    "int4": "int4_wo",
}


class KVCacheQuantMode(AliasedEnum):
    """aiconfigurator 0.12 KV-cache quantization modes."""

    BFLOAT16 = "bfloat16"
    INT8 = "int8"
    FP8 = "fp8"


KVCacheQuantMode._aliases = {"float16": "bfloat16", "fp16": "bfloat16", "bf16": "bfloat16"}


class FMHAQuantMode(AliasedEnum):
    """aiconfigurator 0.12 attention (FMHA) quantization modes; float16 is its own mode in 0.12."""

    BFLOAT16 = "bfloat16"
    FLOAT16 = "float16"
    FP8 = "fp8"
    FP8_BLOCK = "fp8_block"


FMHAQuantMode._aliases = {"bf16": "bfloat16", "fp16": "float16"}


class MoEQuantMode(AliasedEnum):
    """aiconfigurator 0.12 MoE expert quantization modes."""

    BFLOAT16 = "bfloat16"
    FP8 = "fp8"
    INT4_WO = "int4_wo"
    FP8_BLOCK = "fp8_block"
    W4AFP8 = "w4afp8"
    NVFP4 = "nvfp4"
    NVFP4_WO = "nvfp4_wo"
    W4A16_MXFP4 = "w4a16_mxfp4"
    W4A8_MXFP4_MXFP8 = "w4a8_mxfp4_mxfp8"
    W4A8_MXFP4_MXFP8_TRTLLM = "w4a8_mxfp4_mxfp8_trtllm"
    W4A16_MXFP4_CUTLASS = "w4a16_mxfp4_cutlass"
    W4A16_NVFP4 = "w4a16_nvfp4"


MoEQuantMode._aliases = {"float16": "bfloat16", "fp16": "bfloat16", "bf16": "bfloat16"}


class CommQuantMode(AliasedEnum):
    """aiconfigurator 0.12 communication quantization modes."""

    HALF = "half"
    INT8 = "int8"
    FP8 = "fp8"


CommQuantMode._aliases = {"float16": "half", "bfloat16": "half", "fp16": "half", "bf16": "half"}


class ActivationQuantMode(AliasedEnum):
    """Activation precision (the design's field; a prediction input with no engine flag)."""

    BFLOAT16 = "bfloat16"
    FLOAT16 = "float16"
    FP8 = "fp8"
    INT8 = "int8"
    NVFP4 = "nvfp4"


ActivationQuantMode._aliases = {"bf16": "bfloat16", "fp16": "float16"}


class WeightQuantMode(AliasedEnum):
    """Weight precision (the design's field; the engines read it from the checkpoint)."""

    BFLOAT16 = "bfloat16"
    FLOAT16 = "float16"
    FP8 = "fp8"
    INT8 = "int8"
    INT4 = "int4"
    NVFP4 = "nvfp4"
    MXFP4 = "mxfp4"


WeightQuantMode._aliases = {"bf16": "bfloat16", "fp16": "float16"}


class InterconnectType(AliasedEnum):
    """Fabric between the GPUs of one node."""

    NVLINK = "nvlink"
    PCIE = "pcie"
    INFINIBAND = "infiniband"


#: Quantization modes that mean "16-bit, nothing quantized".
SIXTEEN_BIT_MODES = frozenset({"bfloat16", "float16", "half"})

#: GEMM modes that describe a checkpoint quantized ahead of time: the engines read the method
#: from the checkpoint itself, so no --quantization flag expresses them.
PRE_QUANTIZED_GEMM_MODES = (
    "fp8_block",
    "fp8_static",
    "fp8_ootb",
    "sq",
    "int8_wo",
    "int4_wo",
    "nvfp4",
    "nvfp4_wo",
    "w4a16_nvfp4",
)
