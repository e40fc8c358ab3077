"""SGLang's mapping table: structured fields -> ``python -m sglang.launch_server`` flags.

Version differences come from the manifests: a rule whose flag a release lacks is unavailable
there, and ``OneOf`` lists alternatives in preference order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from configlib.engines.rules import (
    CANNOT_EXPRESS,
    Custom,
    Flag,
    Note,
    OneOf,
    Rule,
    Table,
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

# ---- Parallel layout -----------------------------------------------------------------------
# aiconfigurator's tp is the attention TP; with attention data parallelism SGLang's --tp-size
# is the whole worker (tp x dp GPUs) and the dp ranks split attention inside it.


def _layout(
    attention_flags: Callable[[Callable[[str], str], int | None, list[Note]], dict[str, Any]],
    switch: str | None,
) -> Callable[[Callable[[str], str], tuple[Any, ...], list[Note]], dict[str, Any]]:
    """Emit the layout; only what the task says is written (unset sizes stay engine defaults)."""

    def emit(
        key: Callable[[str], str], values: tuple[Any, ...], notes: list[Note]
    ) -> dict[str, Any]:
        tp, dp, attention = values
        flags: dict[str, Any] = {}
        if attention:
            if tp is not None or dp is not None:
                flags[key("tp-size")] = (tp or 1) * (dp or 1)
            flags.update(attention_flags(key, dp, notes))
            return flags
        if tp is not None:
            flags[key("tp-size")] = tp
        if dp is not None:
            flags[key("dp-size")] = dp
        if attention is False and switch is not None:
            flags[key(switch)] = False
        return flags

    return emit


def _attn_dp_size(
    key: Callable[[str], str], ranks: int | None, notes: list[Note]
) -> dict[str, Any]:
    if ranks is None:
        # "Attention DP over the default dp size" has no --attn-dp-size value: the next
        # variant (the switch, where the release still has it) says it.
        notes.append(
            Note(
                "error",
                "parallel_config.attention_dp",
                CANNOT_EXPRESS,
                "attention_dp without parallel_config.dp has no --attn-dp-size value",
            )
        )
        return {}
    return {key("attn-dp-size"): ranks}


def _dp_attention_switch(
    key: Callable[[str], str], ranks: int | None, notes: list[Note]
) -> dict[str, Any]:
    flags: dict[str, Any] = {} if ranks is None else {key("dp-size"): ranks}
    flags[key("enable-dp-attention")] = True
    return flags


def _attention_layout(tp_size: Any, ranks: Any) -> dict[str, Any] | None:
    """tp x dp from SGLang's worker size and attention-DP ranks (None when they do not split)."""
    fields: dict[str, Any] = {"parallel_config.attention_dp": True}
    if ranks is not None:
        fields["parallel_config.dp"] = ranks
    if tp_size is not None:
        split = ranks or 1
        if (
            not isinstance(tp_size, int)
            or not isinstance(split, int)
            or split < 1
            or tp_size % split
        ):
            return None
        fields["parallel_config.tp"] = tp_size // split
    return fields


def _lift_attn_dp_size(get: Callable[[str], Any]) -> dict[str, Any] | None:
    tp_size, dp_size, ranks = get("tp-size"), get("dp-size"), get("attn-dp-size")
    if ranks is None:
        return _plain_layout(tp_size, dp_size)
    if dp_size is not None:
        return None  # replicas of attention-DP workers: no single dp field says that
    if tp_size is None:
        return None  # the worker size would be the engine default, not tp x dp
    return _attention_layout(tp_size, ranks)


def _lift_dp_attention_switch(get: Callable[[str], Any]) -> dict[str, Any] | None:
    tp_size, dp_size, switch = get("tp-size"), get("dp-size"), get("enable-dp-attention")
    if switch is True:
        if dp_size is not None and tp_size is None:
            return None
        return _attention_layout(tp_size, dp_size)
    layout = _plain_layout(tp_size, dp_size) or {}
    if switch is False:
        layout["parallel_config.attention_dp"] = False
    return layout or None


def _plain_layout(tp_size: Any, dp_size: Any) -> dict[str, Any] | None:
    fields = {}
    if tp_size is not None:
        fields["parallel_config.tp"] = tp_size
    if dp_size is not None:
        fields["parallel_config.dp"] = dp_size
    return fields or None


_LAYOUT = ("parallel_config.tp", "parallel_config.dp", "parallel_config.attention_dp")


def _moe_tp_check(
    key: Callable[[str], str], values: tuple[Any, ...], notes: list[Note]
) -> dict[str, Any]:
    moe_tp, tp, dp, attention, ep = values
    worker = (tp or 1) * ((dp or 1) if attention else 1)
    derived = worker // (ep or 1) if worker % (ep or 1) == 0 else None
    if moe_tp != derived:
        notes.append(
            Note(
                "warning",
                "parallel_config.moe_tp",
                "derived-by-engine",
                "SGLang has no MoE TP flag: it derives the expert TP size from --tp-size / "
                f"--ep-size{f' (= {derived})' if derived else ''}; moe_tp {moe_tp} is kept for "
                "predictions only",
            )
        )
    return {}


_RULES: tuple[Rule, ...] = (
    OneOf(
        [
            Custom(
                _LAYOUT,
                ("tp-size", "dp-size", "attn-dp-size"),
                _layout(_attn_dp_size, None),
                _lift_attn_dp_size,
            ),
            Custom(
                _LAYOUT,
                ("tp-size", "dp-size", "enable-dp-attention"),
                _layout(_dp_attention_switch, "enable-dp-attention"),
                _lift_dp_attention_switch,
            ),
        ],
        missing="{engine} {version} has no data-parallel attention flags",
    ),
    Flag("parallel_config.pp", "pp-size"),
    Flag("parallel_config.moe_ep", "ep-size"),
    Custom(
        (
            "parallel_config.moe_tp",
            "parallel_config.tp",
            "parallel_config.dp",
            "parallel_config.attention_dp",
            "parallel_config.moe_ep",
        ),
        (),
        _moe_tp_check,
        triggered_by=("parallel_config.moe_tp",),
    ),
    Flag(
        "quantization_config.kvcache_quant_mode",
        "kv-cache-dtype",
        values={"fp8": "fp8_e4m3", "bfloat16": "auto"},
        errors={
            "int8": "SGLang has no int8 KV cache (its --kv-cache-dtype takes auto, fp8_e4m3, "
            "fp8_e5m2 and, in newer releases, bf16 and fp4 formats)"
        },
    ),
    *checkpoint_quantization("SGLang"),
    Flag("memory_config.mem_fraction_static", "mem-fraction-static"),
    Unsupported(
        "memory_config.gpu_memory_utilization",
        "SGLang has no --gpu-memory-utilization; its closest setting, "
        "--mem-fraction-static (memory_config.mem_fraction_static), covers weights and "
        "KV cache only, so the value is not translated",
    ),
    Flag("memory_config.max_model_len", "context-length"),
    OneOf(
        [
            Table(
                "memory_config.enforce_eager",
                {
                    True: {
                        "cuda-graph-backend-decode": "disabled",
                        "cuda-graph-backend-prefill": "disabled",
                    },
                    False: {},
                },
            ),
            Flag("memory_config.enforce_eager", "disable-cuda-graph"),
        ],
        missing="{engine} {version} has no flag to disable CUDA graphs",
    ),
    Flag("scheduling_config.schedule_policy", "schedule-policy"),
    Flag("scheduling_config.max_num_batched_tokens", "max-prefill-tokens"),
    Flag("scheduling_config.max_num_seqs", "max-running-requests"),
    Table(
        "scheduling_config.chunked_prefill_enabled", {False: {"chunked-prefill-size": -1}, True: {}}
    ),
    OneOf(
        [Flag("advanced_tuning_config.max_prefill_batch_size", "prefill-max-requests")],
        missing="{engine} {version} has no --prefill-max-requests (added in SGLang 0.5.14)",
    ),
    Flag(
        "advanced_tuning_config.enable_prefix_caching",
        "disable-radix-cache",
        values={True: False, False: True},
    ),
    Unsupported(
        "advanced_tuning_config.disable_sliding_window",
        "SGLang has no --disable-sliding-window (--disable-hybrid-swa-memory only "
        "changes how sliding-window layers pool memory)",
    ),
    Unsupported(
        "advanced_tuning_config.swap_space",
        "SGLang has no swap space; host-memory KV cache is --enable-hierarchical-cache "
        "with --hicache-size, which is not the same thing",
    ),
)


def _count_gpus(get: FlagGetter) -> int:
    """GPUs one SGLang server uses for one combination of flag values.

    Attention-DP ranks (--enable-dp-attention, or 0.5.23's --attn-dp-size) share the
    --tp-size GPUs; plain --dp-size launches whole replicas.
    """
    tp = get("tp-size") or 1
    pp = get("pp-size") or 1
    dp = get("dp-size") or 1
    if get("enable-dp-attention") is True:
        dp = 1
    return int(tp) * int(pp) * int(dp)


def _combination_problems(get: FlagGetter) -> list[tuple[str, str]]:
    tp, ep = get("tp-size"), get("ep-size")
    if isinstance(tp, int) and isinstance(ep, int) and ep > 1 and (ep > tp or tp % ep):
        return [
            (
                "ep-size",
                f"--ep-size {ep} must divide --tp-size {tp} (SGLang splits the "
                "tensor-parallel group into expert-parallel ranks)",
            )
        ]
    return []


TABLE = EngineTable(
    rules=_RULES,
    tensor_parallel_flag="tp-size",
    gpu_flags=("tp-size", "pp-size", "dp-size", "enable-dp-attention"),
    count_gpus=_count_gpus,
    fraction_flags=("mem-fraction-static",),
    count_flags=(
        "tp-size",
        "pp-size",
        "dp-size",
        "ep-size",
        "attn-dp-size",
        "max-running-requests",
        "max-prefill-tokens",
        "context-length",
        "prefill-max-requests",
    ),
    combination_flags=("tp-size", "ep-size"),
    combination_problems=_combination_problems,
    launcher_flags=("model-path", "host", "port"),
    autotuner_parallel={"moe_dense_tp": "moe-dense-tp-size"},
    # The autotuner's seed presets were written with flags SGLang does not have.
    preset_flag_fixes={
        "enable-mixed-chunking": "enable-mixed-chunk",
        "enable-chunked-prefill": "scheduling_config.chunked_prefill_enabled",
    },
    generator=LaunchGenerator(
        plumbing=("--model-path", "--served-model-name", "--host", "--port", "--trust-remote-code"),
        disaggregation=(
            "--disaggregation-mode",
            "--disaggregation-transfer-backend",
            "--disaggregation-bootstrap-port",
            "--disaggregation-ib-device",
        ),
        role_flag="--disaggregation-mode",
        notes={
            "--max-running-requests": GENERATOR_REQUEST_CAP,
            "--max-prefill-tokens": GeneratorNote(
                "generator rule isl + 1500 = {prefill_budget}; configlib leaves SGLang's "
                "default prefill budget",
                needs=("isl",),
            ),
            **dict.fromkeys(
                ("--cuda-graph-bs", "--cuda-graph-max-bs"),
                GeneratorNote(
                    "CUDA-graph batch sizes: a fixed ladder plus the modelled batch +-8 (with "
                    "duplicates); configlib leaves the engine's own capture list",
                    say_missing=True,
                ),
            ),
            "--enable-mixed-chunk": GeneratorNote(
                "the generator enables mixed prefill/decode batches for aggregated workers; "
                "configlib leaves the engine default"
            ),
            "--enable-metrics": GeneratorNote(
                "Dynamo's metrics endpoint; not needed for benchmarking"
            ),
        },
        differs={
            "--tp-size": GENERATOR_LAYOUT_DIFFERS,
            "--dp-size": GENERATOR_LAYOUT_DIFFERS,
            "--kv-cache-dtype": GENERATOR_KV_DIFFERS,
        },
        respelled={
            option: (
                "--attn-dp-size",
                "attention data parallelism: {engine} writes it as --attn-dp-size {value}; "
                "--dp-size N --enable-dp-attention is the older spelling",
            )
            for option in ("--dp-size", "--enable-dp-attention")
        },
    ),
)
