"""Structured tasks -> flat parameters -> every grid point's launch command -> the real parser.

For every supported release, a battery of realistic tasks (dense and MoE layouts, attention
DP, pipeline parallel, fp8 and 16-bit KV cache and GEMMs, memory budgets, context lengths,
CUDA graphs on and off, the release's schedule policies, token budgets, running-request caps,
chunked prefill and prefix caching, sliding window, swap space, candidate lists) is converted
with ``configlib.to_flat``; each grid point's launch command (``configlib.grid.launch_argv``)
is parsed by the release's real parser. Every command must parse, and the parsed attributes
over the grid must be exactly what the structured candidates mean.

The expectations below come from DOMAIN.md (section 1 and appendix A), written independently
of configlib's mapping tables: a release missing from the per-release tables fails loudly.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from parser_env import RealParser, namespace

from configlib import TaskConfig, to_flat
from configlib.convert import PRECEDENCE, FlatResult
from configlib.grid import grid_of, launch_argv

pytestmark = pytest.mark.engine_parsers

MODEL = "org/model-70b"
ABSENT = "<absent>"

# ---- What the engines do, per release (DOMAIN.md section 1 and appendix A) -----------------

SGLANG_POLICIES = {
    "0.5.2": ["lpm", "random", "fcfs", "dfs-weight", "lof"],
    "0.5.14": ["lpm", "random", "fcfs", "dfs-weight", "lof", "priority", "routing-key"],
    "0.5.16": ["lpm", "random", "fcfs", "dfs-weight", "lof", "priority", "routing-key"],
    "0.5.23": [
        "lpm",
        "random",
        "fcfs",
        "dfs-weight",
        "lof",
        "priority",
        "routing-key",
        "hrrn",
        "shortest-prefill-first",
    ],
}
#: How a release says "data-parallel attention": --dp-size N --enable-dp-attention (switch),
#: or 0.5.23's --attn-dp-size N.
SGLANG_ATTENTION_DP = {
    "0.5.2": "switch",
    "0.5.14": "switch",
    "0.5.16": "switch",
    "0.5.23": "attn-dp-size",
}
#: Whether --prefill-max-requests exists (0.5.14+).
SGLANG_PREFILL_MAX_REQUESTS = {"0.5.2": False, "0.5.14": True, "0.5.16": True, "0.5.23": True}
VLLM_POLICIES = {
    "0.10.2": ["fcfs", "priority"],
    "0.24.0": ["fcfs", "priority"],
    "0.33.0": ["fcfs", "priority"],
}
#: Whether --swap-space exists (removed in 0.24).
VLLM_SWAP_SPACE = {"0.10.2": True, "0.24.0": False, "0.33.0": False}
#: SGLang 0.5.2 parses the parallel sizes into the long dests; from_cli_args copies them.
SGLANG_LONG_DESTS = {
    "tensor_parallel_size": "tp_size",
    "pipeline_parallel_size": "pp_size",
    "data_parallel_size": "dp_size",
    "expert_parallel_size": "ep_size",
}


def per_release(table: dict[str, Any], parser: RealParser) -> Any:
    if parser.version not in table:
        pytest.fail(
            f"{parser.label} is missing from the expectation tables of this test; add it "
            "from the release's DOMAIN.md facts"
        )
    return table[parser.version]


# ---- The battery ---------------------------------------------------------------------------


def battery(parser: RealParser) -> dict[str, dict[str, Any]]:
    """Structured sections per task name, written for ``parser``'s engine and release."""
    sglang = parser.runtime == "sglang"
    policies = per_release(SGLANG_POLICIES if sglang else VLLM_POLICIES, parser)
    fraction = "mem_fraction_static" if sglang else "gpu_memory_utilization"
    # Candidate lists each engine can run as one flag list (the rest is in "inexpressible").
    prefix_sweep = [True, False] if sglang else [False]
    return {
        "dense-bf16-sweep": {
            "parallel_config": {"tp": [1, 2, 4, 8]},
            "quantization_config": {
                "kvcache_quant_mode": "bfloat16",
                "gemm_quant_mode": "bfloat16",
            },
            "memory_config": {
                fraction: [0.85, 0.9],
                "max_model_len": [4096, 32768],
                "enforce_eager": False,
            },
            "scheduling_config": {
                "schedule_policy": policies,
                "max_num_batched_tokens": [8192, 16384],
                "max_num_seqs": [128, 256],
                "chunked_prefill_enabled": True,
            },
            "advanced_tuning_config": {"enable_prefix_caching": True},
        },
        "dense-fp8-eager-pp": {
            "parallel_config": {"tp": 2, "pp": [1, 2]},
            "quantization_config": {"kvcache_quant_mode": "fp8", "gemm_quant_mode": "fp8"},
            "memory_config": {fraction: 0.8, "max_model_len": 8192, "enforce_eager": True},
            "scheduling_config": {
                "schedule_policy": "fcfs",
                "chunked_prefill_enabled": False,
                "max_num_seqs": 64,
            },
            "advanced_tuning_config": {
                "enable_prefix_caching": False,
                "disable_sliding_window": True,
                "swap_space": 8,
            },
        },
        "moe-attention-dp": {
            "parallel_config": {
                "tp": [1, 2],
                "dp": 8,
                "attention_dp": True,
                "moe_ep": 8,
                "moe_tp": 1,
            },
            "quantization_config": {
                "kvcache_quant_mode": "fp8",
                "gemm_quant_mode": "bfloat16",
                "moe_quant_mode": "fp8",
            },
            "memory_config": {"max_model_len": 16384, "enforce_eager": False},
            "scheduling_config": {
                "schedule_policy": policies[0],
                "max_num_seqs": [256, 512],
                "max_num_batched_tokens": 16384,
            },
            "advanced_tuning_config": {"enable_prefix_caching": True},
        },
        "moe-replicas-pp": {
            "parallel_config": {"tp": 4, "pp": 2, "dp": [1, 2], "attention_dp": False, "moe_ep": 4},
            "quantization_config": {"kvcache_quant_mode": ["bfloat16", "fp8"]},
            "memory_config": {fraction: [0.7, 0.88], "enforce_eager": [False, True]},
            "scheduling_config": {"schedule_policy": policies[-1]},
            "advanced_tuning_config": {"enable_prefix_caching": prefix_sweep},
        },
        "advanced-fields": {
            "parallel_config": {"tp": 1},
            "advanced_tuning_config": {
                "max_batch_size": [32, 64],
                "enable_chunked_prefill": False,
                "max_prefill_batch_size": 8,
                "disable_sliding_window": False,
            },
        },
        "precedence": {
            "scheduling_config": {"max_num_seqs": 100, "chunked_prefill_enabled": True},
            "advanced_tuning_config": {"max_batch_size": 50, "enable_chunked_prefill": False},
        },
        "inexpressible": {
            "parallel_config": {"tp": 2},
            "quantization_config": {"gemm_quant_mode": ["bfloat16", "fp8"]},
            "scheduling_config": {"chunked_prefill_enabled": [True, False]},
            "advanced_tuning_config": {"enable_prefix_caching": [True, False]},
        },
    }


#: Fields whose candidate lists one engine cannot run as a flag list (an error, by design).
INEXPRESSIBLE = {
    ("sglang", "inexpressible"): {
        "quantization_config.gemm_quant_mode",
        "scheduling_config.chunked_prefill_enabled",
    },
    ("vllm", "inexpressible"): {
        "quantization_config.gemm_quant_mode",
        "scheduling_config.chunked_prefill_enabled",
        "advanced_tuning_config.enable_prefix_caching",
    },
}


def make_task(parser: RealParser, sections: dict[str, Any]) -> TaskConfig:
    return TaskConfig.model_validate(
        {
            "task_name": "engine-parsers",
            "model": {"id_or_path": MODEL},
            "base_runtime": parser.runtime,
            "engine_version": parser.version,
            **sections,
        }
    )


# ---- Expected attributes of one structured combination ------------------------------------


def _effective(combo: dict[str, Any]) -> dict[str, Any]:
    """Fold each precedence loser into its winner (the winner's own value wins)."""
    folded = dict(combo)
    for winner, loser in PRECEDENCE:
        if loser in folded:
            value = folded.pop(loser)
            folded.setdefault(winner, value)
    return folded


def expect_sglang(parser: RealParser, combo: dict[str, Any]) -> dict[str, Any]:
    c = _effective(combo)
    out: dict[str, Any] = {}
    tp, dp = c.get("parallel_config.tp"), c.get("parallel_config.dp")
    attention = c.get("parallel_config.attention_dp")
    style = per_release(SGLANG_ATTENTION_DP, parser)
    if attention:
        out["tp_size"] = (tp or 1) * (dp or 1)  # the worker spans tp x dp GPUs
        if style == "attn-dp-size":
            out["attn_dp_size"], out["dp_size"] = dp or 1, 1
        else:
            out["enable_dp_attention"], out["dp_size"] = True, dp or 1
    else:
        if tp is not None:
            out["tp_size"] = tp
        if dp is not None:
            out["dp_size"] = dp
        if attention is False:
            out["enable_dp_attention"] = False
            if style == "attn-dp-size":
                out["attn_dp_size"] = 1
    simple = {
        "parallel_config.pp": "pp_size",
        "parallel_config.moe_ep": "ep_size",
        "memory_config.mem_fraction_static": "mem_fraction_static",
        "memory_config.max_model_len": "context_length",
        "scheduling_config.schedule_policy": "schedule_policy",
        "scheduling_config.max_num_batched_tokens": "max_prefill_tokens",
        "scheduling_config.max_num_seqs": "max_running_requests",
    }
    for path, dest in simple.items():
        if path in c:
            out[dest] = c[path]
    if "quantization_config.kvcache_quant_mode" in c:
        out["kv_cache_dtype"] = {"fp8": "fp8_e4m3", "bfloat16": "auto"}[
            c["quantization_config.kvcache_quant_mode"]
        ]
    if "quantization_config.gemm_quant_mode" in c:
        out["quantization"] = {"fp8": "fp8", "bfloat16": None}[
            c["quantization_config.gemm_quant_mode"]
        ]
    if "memory_config.enforce_eager" in c:
        out["~cuda_graphs_off"] = c["memory_config.enforce_eager"]
    if "scheduling_config.chunked_prefill_enabled" in c:
        # No on/off switch: -1 turns chunking off, nothing leaves the automatic size.
        out["chunked_prefill_size"] = None if c["scheduling_config.chunked_prefill_enabled"] else -1
    if "advanced_tuning_config.max_prefill_batch_size" in c:
        has_flag = per_release(SGLANG_PREFILL_MAX_REQUESTS, parser)
        out["prefill_max_requests"] = (
            c["advanced_tuning_config.max_prefill_batch_size"] if has_flag else ABSENT
        )
    if "advanced_tuning_config.enable_prefix_caching" in c:
        out["disable_radix_cache"] = not c["advanced_tuning_config.enable_prefix_caching"]
    return out


def expect_vllm(parser: RealParser, combo: dict[str, Any]) -> dict[str, Any]:
    c = _effective(combo)
    out: dict[str, Any] = {}
    simple = {
        "parallel_config.tp": "tensor_parallel_size",
        "parallel_config.pp": "pipeline_parallel_size",
        # Data-parallel attention is what --data-parallel-size does for MoE models.
        "parallel_config.dp": "data_parallel_size",
        "memory_config.gpu_memory_utilization": "gpu_memory_utilization",
        "memory_config.max_model_len": "max_model_len",
        "memory_config.enforce_eager": "enforce_eager",
        "scheduling_config.schedule_policy": "scheduling_policy",
        "scheduling_config.max_num_batched_tokens": "max_num_batched_tokens",
        "scheduling_config.max_num_seqs": "max_num_seqs",
        "scheduling_config.chunked_prefill_enabled": "enable_chunked_prefill",
        "advanced_tuning_config.enable_prefix_caching": "enable_prefix_caching",
        "advanced_tuning_config.disable_sliding_window": "disable_sliding_window",
    }
    for path, dest in simple.items():
        if path in c:
            out[dest] = c[path]
    if "parallel_config.moe_ep" in c:
        out["enable_expert_parallel"] = c["parallel_config.moe_ep"] > 1
    if "quantization_config.kvcache_quant_mode" in c:
        out["kv_cache_dtype"] = {"fp8": "fp8", "bfloat16": "auto"}[
            c["quantization_config.kvcache_quant_mode"]
        ]
    if "quantization_config.gemm_quant_mode" in c:
        out["quantization"] = {"fp8": "fp8", "bfloat16": None}[
            c["quantization_config.gemm_quant_mode"]
        ]
    if "advanced_tuning_config.swap_space" in c:
        has_flag = per_release(VLLM_SWAP_SPACE, parser)
        out["swap_space"] = float(c["advanced_tuning_config.swap_space"]) if has_flag else ABSENT
    return out


def read(parser: RealParser, values: dict[str, Any], key: str) -> Any:
    """One attribute of a parsed namespace, or a derived one (``~name``)."""
    if parser.runtime == "sglang":
        for long, short in SGLANG_LONG_DESTS.items():
            if short not in values and long in values:
                values[short] = values[long]
    if key == "~cuda_graphs_off":
        # 0.5.2: --disable-cuda-graph; 0.5.14+: both per-phase backends "disabled" (the old
        # switch still parses, deprecated).
        both = (
            values.get("cuda_graph_backend_decode") == "disabled"
            and values.get("cuda_graph_backend_prefill") == "disabled"
        )
        return values.get("disable_cuda_graph") is True or both
    return values.get(key, ABSENT)


# ---- Running the battery -------------------------------------------------------------------


def structured_combos(task: TaskConfig, skip: set[str]) -> list[dict[str, Any]]:
    """Every combination of the task's structured candidates (field path -> value)."""
    axes: list[tuple[str, list[Any]]] = []
    for section in (
        "parallel_config",
        "quantization_config",
        "memory_config",
        "scheduling_config",
        "advanced_tuning_config",
    ):
        holder = getattr(task, section)
        if holder is None:
            continue
        for name in type(holder).model_fields:
            values = getattr(holder, name)
            path = f"{section}.{name}"
            if values is not None and path not in skip:
                axes.append((path, [getattr(v, "value", v) for v in values]))
    return [
        dict(zip([p for p, _ in axes], combo, strict=True))
        for combo in itertools.product(*(v for _, v in axes))
    ]


def argvs_of(parser: RealParser, flat: FlatResult) -> list[list[str]]:
    grid = grid_of(flat.parameters)
    assert 0 < grid.size <= 5000, f"grid of {grid.size} points: keep the battery small"
    head = len(parser.engine.spec.launcher)
    return [launch_argv(parser.engine, MODEL, point)[head:] for point in grid]


def test_every_grid_point_parses_to_what_the_fields_mean(real_parser: RealParser) -> None:
    expect = expect_sglang if real_parser.runtime == "sglang" else expect_vllm
    tasks = {
        name: make_task(real_parser, sections) for name, sections in battery(real_parser).items()
    }
    flats = {name: to_flat(task, real_parser.engine) for name, task in tasks.items()}
    argvs = {name: argvs_of(real_parser, flat) for name, flat in flats.items()}
    # One subprocess for the whole battery of this release.
    real_parser.parse_many([a for batch in argvs.values() for a in batch])

    checked = 0
    for name, task in tasks.items():
        flat = flats[name]
        errors = {f.path for f in flat.findings if f.severity == "error"}
        wanted_errors = INEXPRESSIBLE.get((real_parser.runtime, name), set())
        assert errors == wanted_errors, (
            f"{real_parser.label} {name}: error findings {sorted(errors)} "
            f"(expected {sorted(wanted_errors)}): {flat.findings}"
        )
        expected = {}
        for combo in structured_combos(task, skip=errors):
            wanted = expect(real_parser, combo)
            expected[tuple(sorted(wanted.items(), key=lambda kv: kv[0]))] = combo
        keys = sorted({k for projection in expected for k, _ in projection})
        parsed: dict[tuple[tuple[str, Any], ...], list[str]] = {}
        for argv, result in zip(argvs[name], real_parser.parse_many(argvs[name]), strict=True):
            values = namespace(result, argv)
            projection = tuple((k, read(real_parser, values, k)) for k in keys)
            parsed.setdefault(projection, argv)
        extra = [parsed[p] for p in parsed if p not in expected]
        missing = [expected[p] for p in expected if p not in parsed]
        assert not extra and not missing, (
            f"{real_parser.label} {name}: launch commands whose parsed values no candidate "
            f"combination means: {extra[:3]}; combinations no launch command gives: {missing[:3]}"
        )
        checked += len(argvs[name])
    assert checked > 100


def lacking(parser: RealParser) -> set[str]:
    """Fields the release has no flag for (DOMAIN.md section 1): each must give a finding."""
    if parser.runtime == "sglang":
        fields = {
            "memory_config.gpu_memory_utilization",
            "advanced_tuning_config.disable_sliding_window",
            "advanced_tuning_config.swap_space",
        }
        if not per_release(SGLANG_PREFILL_MAX_REQUESTS, parser):
            fields.add("advanced_tuning_config.max_prefill_batch_size")
        return fields
    fields = {"memory_config.mem_fraction_static", "advanced_tuning_config.max_prefill_batch_size"}
    if not per_release(VLLM_SWAP_SPACE, parser):
        fields.add("advanced_tuning_config.swap_space")
    return fields


def test_settings_a_release_lacks_are_reported_not_dropped(real_parser: RealParser) -> None:
    sections = {
        "parallel_config": {"tp": 2},
        "memory_config": {"mem_fraction_static": 0.8, "gpu_memory_utilization": 0.9},
        "advanced_tuning_config": {
            "disable_sliding_window": True,
            "swap_space": 4,
            "max_prefill_batch_size": 8,
        },
    }
    flat = to_flat(make_task(real_parser, sections), real_parser.engine)
    reported = {f.path for f in flat.findings if f.code == "unsupported-field"}
    assert reported == lacking(real_parser), flat.findings
    written = {path for paths in flat.sources.values() for path in paths}
    assert written.isdisjoint(lacking(real_parser)), flat.sources
    # What the release does have still makes a launch command its parser accepts.
    [argv] = argvs_of(real_parser, flat)
    namespace(real_parser.parse(argv), argv)
