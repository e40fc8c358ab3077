"""vLLM's mapping table: structured fields -> ``vllm serve MODEL`` flags."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from configlib.engines.rules import (
    Custom,
    Flag,
    Note,
    OneOf,
    Rule,
    Toggle,
    Unsupported,
    checkpoint_quantization,
)
from configlib.engines.table import (
    GENERATOR_KV_DIFFERS,
    GENERATOR_LAYOUT_DIFFERS,
    GENERATOR_REQUEST_CAP,
    EngineTable,
    FlagGetter,
    GeneratorNote,
    LaunchGenerator,
)

# ---- Expert parallelism --------------------------------------------------------------------
# vLLM has an on/off switch; the expert-parallel size is implied (tp x dp).


def _expert_parallel(
    key: Callable[[str], str], values: tuple[Any, ...], notes: list[Note]
) -> dict[str, Any]:
    ep, tp, dp = values
    implied = (tp or 1) * (dp or 1)
    if ep > 1 and ep != implied:
        notes.append(
            Note(
                "warning",
                "parallel_config.moe_ep",
                "derived-by-engine",
                f"vLLM's expert-parallel size is tensor x data parallel (= {implied}); "
                f"moe_ep {ep} only switches --enable-expert-parallel on",
            )
        )
    return {key("enable-expert-parallel"): ep > 1}


def _lift_expert_parallel(get: Callable[[str], Any]) -> dict[str, Any] | None:
    switch = get("enable-expert-parallel")
    if switch is False:
        return {"parallel_config.moe_ep": 1}
    if switch is not True:
        return None
    tp, dp = get("tensor-parallel-size"), get("data-parallel-size")
    if not all(isinstance(v, int) or v is None for v in (tp, dp)):
        return None
    return {"parallel_config.moe_ep": (tp or 1) * (dp or 1)}


def _moe_tp_check(
    key: Callable[[str], str], values: tuple[Any, ...], notes: list[Note]
) -> dict[str, Any]:
    moe_tp, tp, dp, ep = values
    derived = 1 if (ep or 1) > 1 else (tp or 1) * (dp or 1)
    if moe_tp != derived:
        notes.append(
            Note(
                "warning",
                "parallel_config.moe_tp",
                "derived-by-engine",
                "vLLM has no MoE TP flag: experts are split tensor x data parallel wide, or not at "
                f"all with expert parallelism (= {derived}); moe_tp {moe_tp} is kept for "
                "predictions "
                "only",
            )
        )
    return {}


def _attention_dp_check(
    key: Callable[[str], str], values: tuple[Any, ...], notes: list[Note]
) -> dict[str, Any]:
    attention, dp = values
    if attention is False and (dp or 1) > 1:
        notes.append(
            Note(
                "warning",
                "parallel_config.attention_dp",
                "derived-by-engine",
                "vLLM has no attention-DP switch: each --data-parallel-size rank runs its own "
                "attention, so attention_dp false launches the same server as true (kept for "
                "predictions only)",
            )
        )
    return {}


_RULES: tuple[Rule, ...] = (
    Flag("parallel_config.tp", "tensor-parallel-size"),
    Flag("parallel_config.pp", "pipeline-parallel-size"),
    Flag("parallel_config.dp", "data-parallel-size"),
    Custom(
        ("parallel_config.moe_ep", "parallel_config.tp", "parallel_config.dp"),
        ("enable-expert-parallel",),
        _expert_parallel,
        _lift_expert_parallel,
        consults=("tensor-parallel-size", "data-parallel-size"),
        triggered_by=("parallel_config.moe_ep",),
    ),
    Custom(
        (
            "parallel_config.moe_tp",
            "parallel_config.tp",
            "parallel_config.dp",
            "parallel_config.moe_ep",
        ),
        (),
        _moe_tp_check,
        triggered_by=("parallel_config.moe_tp",),
    ),
    Custom(
        ("parallel_config.attention_dp", "parallel_config.dp"),
        (),
        _attention_dp_check,
        triggered_by=("parallel_config.attention_dp",),
    ),
    Flag(
        "quantization_config.kvcache_quant_mode",
        "kv-cache-dtype",
        values={"fp8": "fp8", "bfloat16": "auto"},
        errors={
            "int8": "vLLM has no int8 KV cache of the kind aiconfigurator models "
            "(0.24+ int8_per_token_head is a different per-token-head scheme)"
        },
    ),
    *checkpoint_quantization("vLLM"),
    Unsupported(
        "memory_config.mem_fraction_static",
        "vLLM has no --mem-fraction-static; its closest setting, "
        "--gpu-memory-utilization (memory_config.gpu_memory_utilization), bounds all "
        "engine memory, so the value is not translated",
    ),
    Flag("memory_config.gpu_memory_utilization", "gpu-memory-utilization"),
    Flag("memory_config.max_model_len", "max-model-len"),
    Flag("memory_config.enforce_eager", "enforce-eager"),
    Flag("scheduling_config.schedule_policy", "scheduling-policy"),
    Flag("scheduling_config.max_num_batched_tokens", "max-num-batched-tokens"),
    Flag("scheduling_config.max_num_seqs", "max-num-seqs"),
    Toggle(
        "scheduling_config.chunked_prefill_enabled",
        "enable-chunked-prefill",
        "no-enable-chunked-prefill",
    ),
    Unsupported(
        "advanced_tuning_config.max_prefill_batch_size",
        "vLLM has no cap on requests per prefill batch (closest: "
        "--max-num-partial-prefills, 0.10 and 0.24 only)",
    ),
    Toggle(
        "advanced_tuning_config.enable_prefix_caching",
        "enable-prefix-caching",
        "no-enable-prefix-caching",
    ),
    Flag("advanced_tuning_config.disable_sliding_window", "disable-sliding-window"),
    OneOf(
        [Flag("advanced_tuning_config.swap_space", "swap-space")],
        missing="{engine} {version} has no --swap-space (removed in vLLM 0.24); the closest "
        "settings, --kv-offloading-size with --kv-offloading-backend, offload KV cache "
        "instead of swapping",
    ),
)


def _count_gpus(get: FlagGetter) -> int:
    """GPUs one vLLM server uses for one combination of flag values: tp x pp x dp."""
    tp = get("tensor-parallel-size") or 1
    pp = get("pipeline-parallel-size") or 1
    dp = get("data-parallel-size") or 1
    return int(tp) * int(pp) * int(dp)


def _no_combination_problems(get: FlagGetter) -> list[tuple[str, str]]:
    return []


TABLE = EngineTable(
    rules=_RULES,
    tensor_parallel_flag="tensor-parallel-size",
    gpu_flags=("tensor-parallel-size", "pipeline-parallel-size", "data-parallel-size"),
    count_gpus=_count_gpus,
    fraction_flags=("gpu-memory-utilization",),
    count_flags=(
        "tensor-parallel-size",
        "pipeline-parallel-size",
        "data-parallel-size",
        "max-num-seqs",
        "max-num-batched-tokens",
    ),
    combination_flags=(),
    combination_problems=_no_combination_problems,
    launcher_flags=("model", "host", "port"),
    autotuner_parallel={
        "dcp": "decode-context-parallel-size",
        "enable_expert_parallel": "enable-expert-parallel",
    },
    autotuner_parallel_switches=("enable_expert_parallel",),
    generator=LaunchGenerator(
        plumbing=("--model", "--served-model-name", "--host", "--port", "--trust-remote-code"),
        disaggregation=("--kv-transfer-config",),
        notes={
            "--max-num-seqs": GENERATOR_REQUEST_CAP,
            "--max-num-batched-tokens": GeneratorNote(
                "generator rule: 512 + isl + 1500 for aggregated workers, 512 for decode "
                "workers; configlib leaves vLLM's default token budget",
                needs=("isl",),
            ),
            "--max-model-len": GeneratorNote(
                "generator rule isl + osl + 1500 = {context_budget}; configlib leaves the "
                "model's context length",
                needs=("isl", "osl"),
            ),
        },
        differs={
            "--tensor-parallel-size": GENERATOR_LAYOUT_DIFFERS,
            "--data-parallel-size": GENERATOR_LAYOUT_DIFFERS,
            "--kv-cache-dtype": GENERATOR_KV_DIFFERS,
        },
    ),
)
