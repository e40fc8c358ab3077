"""Validation findings: one test per rule, with the field path each finding names."""

from __future__ import annotations

from typing import Any

import pytest

from configlib.engines import get_engine
from configlib.findings import Finding
from configlib.validate import validate, validate_data
from tests.conftest import make_task


def codes(
    runtime: str = "sglang", version: str | None = None, **data: Any
) -> list[tuple[str, str]]:
    task = make_task(runtime, **data)
    engine = get_engine(runtime, version) if version else None
    return [(f.path, f.code) for f in validate(task, engine=engine)]


def findings(runtime: str = "sglang", version: str | None = None, **data: Any) -> list[Finding]:
    engine = get_engine(runtime, version) if version else None
    return validate(make_task(runtime, **data), engine=engine)


def test_a_clean_task_has_no_findings() -> None:
    assert (
        codes(
            "sglang",
            "0.5.23",
            system_config={"gpu_type": "h200_sxm", "total_gpus": 8},
            parallel_config={"tp": [2, 4]},
            memory_config={"mem_fraction_static": 0.85},
        )
        == []
    )


def test_gpus_needed_per_engine_within_the_budget() -> None:
    system = {"gpu_type": "h200_sxm", "total_gpus": 8}
    found = findings(
        "sglang", "0.5.23", system_config=system, parallel_config={"tp": [4, 8], "pp": 2}
    )
    (gpu,) = [f for f in found if f.code == "too-many-gpus"]
    assert gpu.path == "parallel_config" and "needs up to 16 GPUs" in gpu.message
    # Attention-DP ranks share the tensor-parallel GPUs on SGLang...
    assert (
        codes(
            "sglang",
            "0.5.16",
            system_config=system,
            parallel_config={"tp": 2, "dp": 4, "attention_dp": True},
        )
        == []
    )
    # ...while plain data parallelism launches whole replicas.
    assert ("parallel_config", "too-many-gpus") in codes(
        "sglang", "0.5.16", system_config=system, parallel_config={"tp": 4, "dp": 4}
    )
    assert ("parallel_config", "too-many-gpus") in codes(
        "vllm", "0.33.0", system_config=system, parallel_config={"tp": 2, "dp": 4, "pp": 2}
    )
    assert codes("vllm", "0.33.0", system_config=system, parallel_config={"tp": 2, "dp": 4}) == []


def test_gpus_counted_from_flat_flags_too() -> None:
    assert ("parameters", "too-many-gpus") in codes(
        "sglang",
        "0.5.2",
        system_config={"gpu_type": "h100_sxm", "total_gpus": 4},
        parameters={"tp-size": [8]},
    )


def test_unknown_flags_get_a_reason() -> None:
    found = {
        f.path: f
        for f in findings(
            "sglang",
            "0.5.2",
            parameters={
                "max-model-len": [4096],
                "tp": [2],
                "enable-mixed-chunking": [True],
                "tensor_parallel_size": [2],
                "-tp": [2],
                "prefill-max-requests": [4],
            },
        )
    }
    assert found["parameters.max-model-len"].code == "unknown-flag"
    assert found["parameters.tp"].code == "abbreviated-flag"
    assert "tp-size" in found["parameters.tp"].message
    assert found["parameters.tensor_parallel_size"].code == "snake-case-flag"
    assert found["parameters.-tp"].code == "unknown-flag"
    assert "0.5.14" in found["parameters.prefill-max-requests"].message
    assert found["parameters.enable-mixed-chunking"].code in {"unknown-flag", "abbreviated-flag"}


def test_ambiguous_abbreviation_is_an_error() -> None:
    found = findings("sglang", "0.5.23", parameters={"cuda-graph-max-bs": [8]})
    assert [(f.code, f.severity) for f in found] == [("ambiguous-flag", "error")]


def test_values_checked_against_the_release() -> None:
    found = {
        (f.path, f.code)
        for f in findings(
            "sglang",
            "0.5.2",
            parameters={
                "kv-cache-dtype": ["fp8"],
                "tp-size": [1.0],
                "disable-radix-cache": ["true"],
                "mem-fraction-static": [1.2],
            },
        )
    }
    assert ("parameters.kv-cache-dtype[0]", "invalid-flag-value") in found
    assert ("parameters.tp-size[0]", "invalid-flag-value") in found
    assert ("parameters.disable-radix-cache[0]", "invalid-flag-value") in found
    assert ("parameters.mem-fraction-static[0]", "out-of-range") in found


def test_value_lists_argparse_does_not_check() -> None:
    assert ("parameters.kv-cache-dtype[0]", "invalid-flag-value") in codes(
        "vllm", "0.33.0", parameters={"kv-cache-dtype": ["fp8_bogus"]}
    )
    assert ("parameters.quantization[0]", "invalid-flag-value") in codes(
        "vllm", "0.24.0", parameters={"quantization": ["gguf"]}
    )
    assert ("parameters.quantization[0]", "needs-flag") in codes(
        "vllm", "0.33.0", parameters={"quantization": ["fbgemm_fp8"]}
    )
    assert (
        codes(
            "vllm",
            "0.33.0",
            parameters={"quantization": ["fbgemm_fp8"], "allow-deprecated-quantization": [True]},
        )
        == []
    )


def test_structured_field_errors_point_at_the_field() -> None:
    found = findings("vllm", "0.33.0", scheduling_config={"schedule_policy": "lpm"})
    (bad,) = [f for f in found if f.severity == "error"]
    assert bad.path == "scheduling_config.schedule_policy"
    assert "fcfs, priority" in bad.message


def test_kv_int8_and_pre_quantized_weights() -> None:
    assert ("quantization_config.kvcache_quant_mode", "unsupported-value") in codes(
        "vllm", "0.33.0", quantization_config={"kvcache_quant_mode": "int8"}
    )
    found = findings("sglang", "0.5.23", quantization_config={"gemm_quant_mode": "nvfp4"})
    assert [(f.severity, f.code) for f in found] == [("warning", "no-flag")]


def test_sglang_expert_parallel_must_divide_tensor_parallel() -> None:
    assert ("parallel_config.moe_ep", "invalid-combination") in codes(
        "sglang", "0.5.23", parallel_config={"tp": 4, "moe_ep": 3}
    )
    assert codes("sglang", "0.5.23", parallel_config={"tp": 4, "moe_ep": 4}) == []


@pytest.mark.parametrize(
    ("scenario", "code"),
    [
        ("D(100,100)", None),
        ("N(480,240)/(300,150)", "scenario-ignored"),
        ("U(100,200)/(50,60)", "scenario-ignored"),
        ("U(1024,512)", "scenario-ignored"),
        ("D(100, 100)", "invalid-scenario"),
        ("N(480,240)", "invalid-scenario"),
        ("D(1.5,2)", "invalid-scenario"),
        ("F(100,100)", "invalid-scenario"),
        ("E(512)", "scenario-task-mismatch"),
        ("A(100)", "scenario-too-new"),
    ],
)
def test_traffic_scenarios(scenario: str, code: str | None) -> None:
    found = codes(
        "sglang",
        "0.5.23",
        benchmark={"traffic_scenarios": [scenario], "model_name": "m", "model_tokenizer": "t"},
    )
    scenario_codes = [c for path, c in found if path.startswith("benchmark.traffic")]
    assert (code in scenario_codes) if code else scenario_codes == []


def test_embedding_scenarios_fit_embedding_tasks() -> None:
    found = codes(
        "vllm",
        "0.33.0",
        deployment_mode="ome",
        benchmark={
            "task": "text-to-embeddings",
            "traffic_scenarios": ["E(512)"],
            "model_name": "m",
            "model_tokenizer": "t",
        },
    )
    assert not [c for p, c in found if p.startswith("benchmark")]


def test_units_and_typed_request_parameters() -> None:
    found = codes(
        "sglang",
        "0.5.23",
        benchmark={
            "max_time_per_iteration": 600,
            "additional_params": {"temperature": "0.0"},
            "model_name": "m",
            "model_tokenizer": "t",
        },
    )
    assert ("benchmark.max_time_per_iteration", "minutes-look-like-seconds") in found
    assert ("benchmark.additional_params.temperature", "string-number") in found
    assert ("optimization.timeout_per_iteration", "benchmark-outlasts-timeout") in found


def test_slo_thresholds_that_look_like_milliseconds() -> None:
    assert ("slo.ttft.threshold", "threshold-looks-like-ms") in codes(
        "sglang", "0.5.23", slo={"ttft": {"threshold": 500}}
    )
    assert codes("sglang", "0.5.23", slo={"ttft": {"threshold": 0.5}}) == []


def test_grid_truncation_says_how_much() -> None:
    found = findings(
        "sglang",
        "0.5.23",
        parallel_config={"tp": [1, 2, 4]},
        memory_config={"mem_fraction_static": [0.7, 0.8, 0.9]},
        optimization={"max_iterations": 4},
    )
    (grid,) = [f for f in found if f.code == "grid-truncated"]
    assert grid.path == "optimization.max_iterations"
    assert "9 combinations" in grid.message and "first 4" in grid.message
    assert "dropping 5" in grid.message


def test_range_parameters_need_a_non_grid_strategy() -> None:
    rng = {"mem-fraction-static": {"type": "continuous", "low": 0.7, "high": 0.9}}
    assert ("parameters.mem-fraction-static", "range-in-grid") in codes(
        "sglang", "0.5.23", parameters=rng
    )
    assert codes("sglang", "0.5.23", parameters=rng, optimization={"strategy": "bayesian"}) == []


def test_ome_mode_only_passes_the_tensor_parallel_size() -> None:
    assert ("parameters", "ignored-in-ome") in codes(
        "sglang",
        "0.5.23",
        deployment_mode="ome",
        parameters={"tp-size": [1], "mem-fraction-static": [0.8]},
    )


def test_missing_benchmark_names() -> None:
    task = make_task("vllm", benchmark={})
    found = {(f.path, f.code) for f in validate(task, engine=get_engine("vllm", "0.33.0"))}
    assert ("benchmark.model_name", "missing-model-name") in found
    assert ("benchmark.model_tokenizer", "missing-tokenizer") in found


def test_unknown_keys_in_open_sections_are_warned() -> None:
    assert ("optimization.max_iteration", "unknown-key") in codes(
        "sglang", "0.5.23", optimization={"max_iteration": 5}
    )


def test_duplicate_flags_and_values() -> None:
    found = codes("sglang", "0.5.23", parameters={"tp-size": [1, 1], "tensor-parallel-size": [2]})
    assert ("parameters.tp-size", "duplicate-values") in found
    assert ("parameters.tensor-parallel-size", "duplicate-flag") in found


def test_validate_data_turns_parse_errors_into_findings() -> None:
    task, found = validate_data(
        {"task_name": "t", "base_runtime": "sglang", "parallel_config": {"tp": "four"}}
    )
    assert task is None
    assert {(f.path, f.severity) for f in found} == {
        ("model", "error"),
        ("parallel_config.tp[0]", "error"),
    }
    assert validate_data([1, 2])[1][0].code == "not-a-task"


def test_flags_the_autotuner_writes_itself_are_refused() -> None:
    found = codes("sglang", "0.5.23", parameters={"model-path": ["/m"], "port": [8000]})
    assert ("parameters.model-path", "launcher-flag") in found
    assert ("parameters.port", "launcher-flag") in found
    assert ("parameters.model", "launcher-flag") in codes(
        "vllm", "0.10.2", parameters={"model": ["Qwen/Qwen3-32B"]}
    )


def test_vllm_says_attention_dp_false_is_the_same_launch() -> None:
    # vLLM runs attention on every data-parallel rank; a false candidate would silently
    # collapse into the true one and halve the grid.
    found = codes(
        "vllm", "0.33.0", parallel_config={"tp": 2, "dp": 2, "attention_dp": [True, False]}
    )
    assert ("parallel_config.attention_dp", "derived-by-engine") in found
    assert codes("vllm", "0.33.0", parallel_config={"tp": 2, "dp": 2, "attention_dp": True}) == []
    assert codes("vllm", "0.33.0", parallel_config={"tp": 2, "attention_dp": False}) == []
