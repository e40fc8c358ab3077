"""Every row of DOMAIN.md section 1, for every supported release of each engine."""

from __future__ import annotations

from typing import Any

import pytest

from configlib.convert import to_flat
from configlib.engines import get_engine, supported_versions
from tests.conftest import make_task

SGLANG = supported_versions("sglang")
VLLM = supported_versions("vllm")


def flat(runtime: str, version: str, **sections: Any) -> tuple[dict[str, Any], list[str]]:
    result = to_flat(make_task(runtime, **sections), get_engine(runtime, version))
    return result.parameters, [f"{f.severity}:{f.path}:{f.code}" for f in result.findings]


# (sections, versions, expected flags, expected finding prefixes)
SGLANG_ROWS: list[tuple[dict[str, Any], list[str], dict[str, list[Any]], list[str]]] = [
    ({"parallel_config": {"tp": 4}}, SGLANG, {"tp-size": [4]}, []),
    ({"parallel_config": {"pp": 2}}, SGLANG, {"pp-size": [2]}, []),
    ({"parallel_config": {"dp": 2}}, SGLANG, {"dp-size": [2]}, []),
    (
        {"parallel_config": {"tp": 1, "dp": 4, "attention_dp": True}},
        ["0.5.2", "0.5.14", "0.5.16"],
        {"tp-size": [4], "dp-size": [4], "enable-dp-attention": [True]},
        [],
    ),
    (
        {"parallel_config": {"tp": 1, "dp": 4, "attention_dp": True}},
        ["0.5.23"],
        {"tp-size": [4], "attn-dp-size": [4]},
        [],
    ),
    (
        {"parallel_config": {"tp": 2, "dp": 2, "attention_dp": True}},
        ["0.5.23"],
        {"tp-size": [4], "attn-dp-size": [2]},
        [],
    ),
    ({"parallel_config": {"moe_ep": 4}}, SGLANG, {"ep-size": [4]}, []),
    (
        {"parallel_config": {"tp": 4, "moe_ep": 4, "moe_tp": 1}},
        SGLANG,
        {"tp-size": [4], "ep-size": [4]},
        [],
    ),
    (
        {"parallel_config": {"tp": 4, "moe_ep": 2, "moe_tp": 4}},
        SGLANG,
        {"tp-size": [4], "ep-size": [2]},
        ["warning:parallel_config.moe_tp:derived-by-engine"],
    ),
    (
        {"quantization_config": {"kvcache_quant_mode": "fp8"}},
        SGLANG,
        {"kv-cache-dtype": ["fp8_e4m3"]},
        [],
    ),
    (
        {"quantization_config": {"kvcache_quant_mode": "bfloat16"}},
        SGLANG,
        {"kv-cache-dtype": ["auto"]},
        [],
    ),
    (
        {"quantization_config": {"kvcache_quant_mode": "int8"}},
        SGLANG,
        {},
        ["error:quantization_config.kvcache_quant_mode:unsupported-value"],
    ),
    ({"quantization_config": {"gemm_quant_mode": "fp8"}}, SGLANG, {"quantization": ["fp8"]}, []),
    ({"quantization_config": {"gemm_quant_mode": "bfloat16"}}, SGLANG, {}, []),
    (
        {"quantization_config": {"gemm_quant_mode": "fp8_block"}},
        SGLANG,
        {},
        ["warning:quantization_config.gemm_quant_mode:no-flag"],
    ),
    (
        {"quantization_config": {"fmha_quant_mode": "fp8"}},
        SGLANG,
        {},
        ["warning:quantization_config.fmha_quant_mode:prediction-only"],
    ),
    (
        {"quantization_config": {"fmha_quant_mode": "float16", "comm_quant_mode": "half"}},
        SGLANG,
        {},
        [],
    ),
    ({"memory_config": {"mem_fraction_static": 0.8}}, SGLANG, {"mem-fraction-static": [0.8]}, []),
    (
        {"memory_config": {"gpu_memory_utilization": 0.9}},
        SGLANG,
        {},
        ["warning:memory_config.gpu_memory_utilization:unsupported-field"],
    ),
    ({"memory_config": {"max_model_len": 8192}}, SGLANG, {"context-length": [8192]}, []),
    ({"memory_config": {"enforce_eager": True}}, ["0.5.2"], {"disable-cuda-graph": [True]}, []),
    (
        {"memory_config": {"enforce_eager": True}},
        ["0.5.14", "0.5.16", "0.5.23"],
        {"cuda-graph-backend-decode": ["disabled"], "cuda-graph-backend-prefill": ["disabled"]},
        [],
    ),
    (
        {"memory_config": {"enforce_eager": [True, False]}},
        ["0.5.23"],
        {"disable-cuda-graph": [True, False]},
        ["warning:memory_config.enforce_eager:deprecated-flag"],
    ),
    ({"scheduling_config": {"schedule_policy": "lpm"}}, SGLANG, {"schedule-policy": ["lpm"]}, []),
    (
        {"scheduling_config": {"max_num_batched_tokens": 8192}},
        SGLANG,
        {"max-prefill-tokens": [8192]},
        [],
    ),
    ({"scheduling_config": {"max_num_seqs": 256}}, SGLANG, {"max-running-requests": [256]}, []),
    (
        {"advanced_tuning_config": {"max_batch_size": 128}},
        SGLANG,
        {"max-running-requests": [128]},
        [],
    ),
    (
        {
            "scheduling_config": {"max_num_seqs": 256},
            "advanced_tuning_config": {"max_batch_size": 128},
        },
        SGLANG,
        {"max-running-requests": [256]},
        ["warning:advanced_tuning_config.max_batch_size:precedence-conflict"],
    ),
    (
        {"scheduling_config": {"chunked_prefill_enabled": False}},
        SGLANG,
        {"chunked-prefill-size": [-1]},
        [],
    ),
    ({"scheduling_config": {"chunked_prefill_enabled": True}}, SGLANG, {}, []),
    (
        {"advanced_tuning_config": {"enable_chunked_prefill": False}},
        SGLANG,
        {"chunked-prefill-size": [-1]},
        [],
    ),
    (
        {
            "scheduling_config": {"chunked_prefill_enabled": True},
            "advanced_tuning_config": {"enable_chunked_prefill": False},
        },
        SGLANG,
        {},
        ["warning:advanced_tuning_config.enable_chunked_prefill:precedence-conflict"],
    ),
    (
        {"advanced_tuning_config": {"max_prefill_batch_size": 4}},
        ["0.5.2"],
        {},
        ["warning:advanced_tuning_config.max_prefill_batch_size:unsupported-field"],
    ),
    (
        {"advanced_tuning_config": {"max_prefill_batch_size": 4}},
        ["0.5.14", "0.5.16", "0.5.23"],
        {"prefill-max-requests": [4]},
        [],
    ),
    (
        {"advanced_tuning_config": {"enable_prefix_caching": False}},
        SGLANG,
        {"disable-radix-cache": [True]},
        [],
    ),
    (
        {"advanced_tuning_config": {"enable_prefix_caching": True}},
        SGLANG,
        {"disable-radix-cache": [False]},
        [],
    ),
    (
        {"advanced_tuning_config": {"disable_sliding_window": True}},
        SGLANG,
        {},
        ["warning:advanced_tuning_config.disable_sliding_window:unsupported-field"],
    ),
    (
        {"advanced_tuning_config": {"swap_space": 4}},
        SGLANG,
        {},
        ["warning:advanced_tuning_config.swap_space:unsupported-field"],
    ),
]

VLLM_ROWS: list[tuple[dict[str, Any], list[str], dict[str, list[Any]], list[str]]] = [
    ({"parallel_config": {"tp": 4}}, VLLM, {"tensor-parallel-size": [4]}, []),
    ({"parallel_config": {"pp": 2}}, VLLM, {"pipeline-parallel-size": [2]}, []),
    ({"parallel_config": {"dp": 2}}, VLLM, {"data-parallel-size": [2]}, []),
    (
        {"parallel_config": {"tp": 1, "dp": 4, "attention_dp": True}},
        VLLM,
        {"tensor-parallel-size": [1], "data-parallel-size": [4]},
        [],
    ),
    (
        {"parallel_config": {"tp": 2, "dp": 2, "moe_ep": 4}},
        VLLM,
        {"tensor-parallel-size": [2], "data-parallel-size": [2], "enable-expert-parallel": [True]},
        [],
    ),
    (
        {"parallel_config": {"tp": 2, "moe_ep": 1}},
        VLLM,
        {"tensor-parallel-size": [2], "enable-expert-parallel": [False]},
        [],
    ),
    (
        {"parallel_config": {"tp": 2, "moe_ep": 8}},
        VLLM,
        {"tensor-parallel-size": [2], "enable-expert-parallel": [True]},
        ["warning:parallel_config.moe_ep:derived-by-engine"],
    ),
    (
        {"parallel_config": {"tp": 4, "moe_tp": 2}},
        VLLM,
        {"tensor-parallel-size": [4]},
        ["warning:parallel_config.moe_tp:derived-by-engine"],
    ),
    ({"quantization_config": {"kvcache_quant_mode": "fp8"}}, VLLM, {"kv-cache-dtype": ["fp8"]}, []),
    (
        {"quantization_config": {"kvcache_quant_mode": "bfloat16"}},
        VLLM,
        {"kv-cache-dtype": ["auto"]},
        [],
    ),
    (
        {"quantization_config": {"kvcache_quant_mode": "int8"}},
        VLLM,
        {},
        ["error:quantization_config.kvcache_quant_mode:unsupported-value"],
    ),
    ({"quantization_config": {"gemm_quant_mode": "fp8"}}, VLLM, {"quantization": ["fp8"]}, []),
    (
        {"quantization_config": {"gemm_quant_mode": "nvfp4"}},
        VLLM,
        {},
        ["warning:quantization_config.gemm_quant_mode:no-flag"],
    ),
    (
        {"memory_config": {"mem_fraction_static": 0.8}},
        VLLM,
        {},
        ["warning:memory_config.mem_fraction_static:unsupported-field"],
    ),
    (
        {"memory_config": {"gpu_memory_utilization": 0.85}},
        VLLM,
        {"gpu-memory-utilization": [0.85]},
        [],
    ),
    ({"memory_config": {"max_model_len": 8192}}, VLLM, {"max-model-len": [8192]}, []),
    ({"memory_config": {"enforce_eager": True}}, VLLM, {"enforce-eager": [True]}, []),
    (
        {"scheduling_config": {"schedule_policy": "priority"}},
        VLLM,
        {"scheduling-policy": ["priority"]},
        [],
    ),
    (
        {"scheduling_config": {"max_num_batched_tokens": 8192}},
        VLLM,
        {"max-num-batched-tokens": [8192]},
        [],
    ),
    ({"scheduling_config": {"max_num_seqs": 256}}, VLLM, {"max-num-seqs": [256]}, []),
    ({"advanced_tuning_config": {"max_batch_size": 64}}, VLLM, {"max-num-seqs": [64]}, []),
    (
        {"scheduling_config": {"chunked_prefill_enabled": True}},
        VLLM,
        {"enable-chunked-prefill": [True]},
        [],
    ),
    (
        {"scheduling_config": {"chunked_prefill_enabled": False}},
        VLLM,
        {"no-enable-chunked-prefill": [True]},
        [],
    ),
    (
        {"advanced_tuning_config": {"max_prefill_batch_size": 4}},
        VLLM,
        {},
        ["warning:advanced_tuning_config.max_prefill_batch_size:unsupported-field"],
    ),
    (
        {"advanced_tuning_config": {"enable_prefix_caching": True}},
        VLLM,
        {"enable-prefix-caching": [True]},
        [],
    ),
    (
        {"advanced_tuning_config": {"enable_prefix_caching": False}},
        VLLM,
        {"no-enable-prefix-caching": [True]},
        [],
    ),
    (
        {"advanced_tuning_config": {"disable_sliding_window": True}},
        VLLM,
        {"disable-sliding-window": [True]},
        [],
    ),
    ({"advanced_tuning_config": {"swap_space": 8}}, ["0.10.2"], {"swap-space": [8.0]}, []),
    (
        {"advanced_tuning_config": {"swap_space": 8}},
        ["0.24.0", "0.33.0"],
        {},
        ["warning:advanced_tuning_config.swap_space:unsupported-field"],
    ),
]


def _cases(runtime: str, rows: list[Any]) -> list[Any]:
    return [
        pytest.param(
            runtime,
            version,
            sections,
            flags,
            notes,
            id=f"{runtime}-{version}-{'-'.join(f'{k}' for s in sections.values() for k in s)}",
        )
        for sections, versions, flags, notes in rows
        for version in versions
    ]


@pytest.mark.parametrize(
    ("runtime", "version", "sections", "expected", "notes"),
    _cases("sglang", SGLANG_ROWS) + _cases("vllm", VLLM_ROWS),
)
def test_row(
    runtime: str, version: str, sections: dict[str, Any], expected: dict[str, Any], notes: list[str]
) -> None:
    parameters, findings = flat(runtime, version, **sections)
    assert parameters == expected
    assert findings == notes


def test_unsupported_fields_are_named_with_the_reason() -> None:
    result = to_flat(
        make_task("sglang", memory_config={"gpu_memory_utilization": 0.9}),
        get_engine("sglang", "0.5.23"),
    )
    (finding,) = result.findings
    assert finding.path == "memory_config.gpu_memory_utilization"
    assert "--mem-fraction-static" in finding.message


def test_swap_space_message_names_the_version_and_the_closest_flags() -> None:
    result = to_flat(
        make_task("vllm", advanced_tuning_config={"swap_space": 4}), get_engine("vllm", "0.33.0")
    )
    (finding,) = result.findings
    assert "vLLM 0.33.0 has no --swap-space" in finding.message
    assert "--kv-offloading-size" in finding.message


def test_design_example_converts_to_the_corrected_task() -> None:
    sections = {
        "system_config": {"gpu_type": "h200_sxm", "total_gpus": 8},
        "parallel_config": {"tp": 4, "pp": 2, "dp": 1},
        "quantization_config": {"gemm_quant_mode": "fp8", "kvcache_quant_mode": "fp8"},
    }
    sglang, _ = flat("sglang", "0.5.23", **sections)
    assert sglang == {
        "tp-size": [4],
        "dp-size": [1],
        "pp-size": [2],
        "kv-cache-dtype": ["fp8_e4m3"],
        "quantization": ["fp8"],
    }
    vllm, _ = flat("vllm", "0.33.0", **sections)
    assert vllm == {
        "tensor-parallel-size": [4],
        "pipeline-parallel-size": [2],
        "data-parallel-size": [1],
        "kv-cache-dtype": ["fp8"],
        "quantization": ["fp8"],
    }


def test_candidate_lists_become_flag_lists_in_order() -> None:
    parameters, findings = flat(
        "sglang",
        "0.5.23",
        parallel_config={"tp": [2, 4, 8]},
        memory_config={"mem_fraction_static": [0.9, 0.8]},
        quantization_config={"kvcache_quant_mode": ["bfloat16", "fp8"]},
    )
    assert parameters == {
        "tp-size": [2, 4, 8],
        "kv-cache-dtype": ["auto", "fp8_e4m3"],
        "mem-fraction-static": [0.9, 0.8],
    }
    assert findings == []


def test_coupled_candidates_are_refused_not_widened() -> None:
    # Attention DP ranks set both --tp-size (tp x dp) and --dp-size: two dp candidates would
    # make the flags vary independently and add launches nobody asked for.
    parameters, findings = flat(
        "sglang", "0.5.16", parallel_config={"tp": 1, "dp": [2, 4], "attention_dp": True}
    )
    assert "error:parallel_config.tp:not-expressible" in findings
    assert parameters == {}  # nothing half-written: the error says why


def test_values_mapping_to_no_flag_cannot_be_mixed_with_values_that_do() -> None:
    parameters, findings = flat(
        "sglang", "0.5.23", quantization_config={"gemm_quant_mode": ["bfloat16", "fp8"]}
    )
    assert findings == ["error:quantization_config.gemm_quant_mode:not-expressible"]
    assert parameters == {}


def test_boolean_candidates_become_true_false_lists() -> None:
    parameters, findings = flat("vllm", "0.33.0", memory_config={"enforce_eager": [True, False]})
    assert parameters == {"enforce-eager": [True, False]}
    assert findings == []


def test_candidates_that_write_the_same_flags_are_reported() -> None:
    _, findings = flat(
        "vllm", "0.33.0", parallel_config={"tp": 2, "attention_dp": [True, False], "dp": 2}
    )
    # vLLM runs attention on every data-parallel rank: both candidates are one launch, said so.
    assert findings == ["warning:parallel_config.attention_dp:derived-by-engine"]
    result = to_flat(
        make_task("vllm", parallel_config={"tp": 2, "dp": 2, "attention_dp": [True, False]}),
        get_engine("vllm", "0.33.0"),
    )
    assert result.parameters == {"tensor-parallel-size": [2], "data-parallel-size": [2]}


def test_parameters_conflicting_with_structured_fields_are_overridden_with_a_warning() -> None:
    task = make_task(
        "sglang",
        parallel_config={"tp": 4},
        parameters={"tensor-parallel-size": [2], "enable-mixed-chunk": [True], "tp-size": [4]},
    )
    result = to_flat(task, get_engine("sglang", "0.5.23"))
    assert result.parameters == {"tp-size": [4], "enable-mixed-chunk": [True]}
    codes = [(f.path, f.code) for f in result.findings]
    assert codes == [("parameters.tensor-parallel-size", "overridden-by-structured")]


def test_sources_name_the_structured_fields() -> None:
    result = to_flat(
        make_task("sglang", parallel_config={"tp": 2, "pp": 2}), get_engine("sglang", "0.5.2")
    )
    assert result.sources["pp-size"] == ("parallel_config.pp",)
    assert result.sources["tp-size"] == ("parallel_config.tp",)
