"""The task model: candidates, vocabularies with aliases, the system catalog, bad input."""

from __future__ import annotations

import json
import math

import pytest
from pydantic import ValidationError

from configlib.findings import from_validation_error
from configlib.model import ParallelConfig, QuantizationConfig, SystemConfig, TaskConfig
from configlib.vocab import GemmQuantMode, KVCacheQuantMode, Objective, Strategy
from tests.conftest import make_task


def errors_of(data: dict) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        TaskConfig.model_validate(data)
    return [f"{f.path}: {f.message}" for f in from_validation_error(caught.value)]


BASE = {"task_name": "t", "model": {"id_or_path": "m"}, "base_runtime": "sglang"}


def test_candidates_accept_a_value_a_list_or_the_legacy_choice_form() -> None:
    assert ParallelConfig(tp=4).tp == [4]
    assert ParallelConfig(tp=[2, 4]).tp == [2, 4]
    assert ParallelConfig.model_validate({"tp": {"type": "choice", "values": [1, 2]}}).tp == [1, 2]
    assert ParallelConfig(tp=[4, 4, 2]).tp == [4, 2]


def test_single_candidates_are_written_back_as_plain_values() -> None:
    dumped = make_task(parallel_config={"tp": [4], "pp": [1, 2]}).dump()
    assert dumped["parallel_config"] == {"tp": 4, "pp": [1, 2]}


def test_empty_candidate_lists_are_refused() -> None:
    assert errors_of({**BASE, "parallel_config": {"tp": []}}) == [
        "parallel_config.tp: give at least one candidate value"
    ]


@pytest.mark.parametrize(
    ("section", "value", "message"),
    [
        ({"parallel_config": {"tp": True}}, "parallel_config.tp[0]", "boolean"),
        ({"parallel_config": {"tp": 2.5}}, "parallel_config.tp[0]", "fractional"),
        ({"parallel_config": {"tp": 0}}, "parallel_config.tp[0]", "greater than or equal to 1"),
        ({"parallel_config": {"tp": 10**30}}, "parallel_config.tp[0]", "less than or equal"),
        (
            {"memory_config": {"mem_fraction_static": 1.5}},
            "memory_config.mem_fraction_static[0]",
            "less than or equal to 1",
        ),
        (
            {"memory_config": {"mem_fraction_static": 0}},
            "memory_config.mem_fraction_static[0]",
            "greater than 0",
        ),
        (
            {"memory_config": {"gpu_memory_utilization": math.nan}},
            "memory_config.gpu_memory_utilization[0]",
            "finite",
        ),
        ({"memory_config": {"max_model_len": "lots"}}, "memory_config.max_model_len[0]", "integer"),
        ({"parallel_config": {"tp": 2, "tpp": 4}}, "parallel_config.tpp", "unknown key"),
        (
            {"quantization_config": {"gemm_quant_mode": "fp9"}},
            "quantization_config.gemm_quant_mode[0]",
            "'bfloat16'",
        ),
        (
            {"system_config": {"gpu_type": "h300", "total_gpus": 8}},
            "system_config.gpu_type",
            "unknown system 'h300'",
        ),
        ({"system_config": {"gpu_type": "h200_sxm"}}, "system_config.total_gpus", "required"),
        ({"optimization": {"strategy": "annealing"}}, "optimization.strategy", "grid_search"),
        ({"optimization": {"objective": "balanced"}}, "optimization.objective", "minimize_latency"),
        ({"slo": {"ttft": {"threshold": -1}}}, "slo.ttft.threshold", "greater than 0"),
        (
            {"slo": {"ttft": {"threshold": 1, "fail_ratio": 2}}},
            "slo.ttft.fail_ratio",
            "less than or equal to 1",
        ),
        (
            {"benchmark": {"num_concurrency": [0]}},
            "benchmark.num_concurrency[0]",
            "greater than or equal to 1",
        ),
        (
            {"benchmark": {"max_time_per_iteration": 1.5}},
            "benchmark.max_time_per_iteration",
            "fractional",
        ),
        (
            {"parameters": {"mem-fraction-static": [math.inf]}},
            "parameters.mem-fraction-static",
            "finite",
        ),
        ({"parameters": {"tp size": [1]}}, "parameters", "not a flag name"),
        ({"parameters": {"tp-size": {"type": "grid"}}}, "parameters.tp-size", "list of values"),
        ({"deployment_mode": "k8s"}, "deployment_mode", "'docker' or 'ome'"),
        ({"surprise": 1}, "surprise", "unknown key"),
    ],
)
def test_bad_values_name_the_field(section: dict, value: str, message: str) -> None:
    found = errors_of({**BASE, **section})
    assert any(line.startswith(f"{value}:") and message in line for line in found), found


def test_quant_mode_aliases_resolve_to_current_names() -> None:
    q = QuantizationConfig.model_validate(
        {"gemm_quant_mode": ["float16", "FP8", "int4"], "kvcache_quant_mode": "float16"}
    )
    assert q.gemm_quant_mode == [GemmQuantMode.BFLOAT16, GemmQuantMode.FP8, GemmQuantMode.INT4_WO]
    assert q.kvcache_quant_mode == [KVCacheQuantMode.BFLOAT16]
    fmha = QuantizationConfig.model_validate({"fmha_quant_mode": "float16"}).fmha_quant_mode
    assert fmha is not None and fmha[0].value == "float16"  # its own mode in 0.12


def test_strategy_alias_from_the_autotuner_form() -> None:
    task = TaskConfig.model_validate({**BASE, "optimization": {"strategy": "random_search"}})
    assert task.optimization.strategy == Strategy.RANDOM
    assert task.optimization.objective == Objective.MINIMIZE_LATENCY


def test_choosing_a_system_fills_its_figures() -> None:
    h200 = SystemConfig(gpu_type="h200_sxm", total_gpus=8)
    assert h200.memory_per_gpu == 141.0
    assert h200.nvlink_bandwidth == 900.0
    assert h200.interconnect_type is not None and h200.interconnect_type.value == "nvlink"
    l40s = SystemConfig(gpu_type="L40S", total_gpus=4)
    assert l40s.gpu_type == "l40s"
    assert l40s.pcie_bandwidth == 64.0 and l40s.nvlink_bandwidth is None
    assert SystemConfig(gpu_type="gb200_sxm", total_gpus=4).gpu_type == "gb200"
    assert SystemConfig(gpu_type="h100_sxm", total_gpus=8, memory_per_gpu=70).memory_per_gpu == 70


def test_config_format_is_detected() -> None:
    assert make_task().metadata.config_format is not None
    assert make_task().metadata.config_format.value == "flat"
    structured = make_task(parallel_config={"tp": 2})
    assert structured.metadata.config_format is not None
    assert structured.metadata.config_format.value == "structured"


def test_every_field_is_documented_with_a_docstring() -> None:
    """Every field the reference (docs/reference.md) lists has the description it shows."""
    from configlib.cli.reference import SECTIONS

    missing = [
        f"{cls.__name__}.{name}"
        for cls in SECTIONS
        for name, info in cls.model_fields.items()
        if not info.description
    ]
    assert missing == []


def test_json_schema_shows_scalar_or_list_and_units() -> None:
    schema = TaskConfig.model_json_schema()
    tp = schema["$defs"]["ParallelConfig"]["properties"]["tp"]
    kinds = [branch.get("type") for branch in tp["anyOf"]]
    assert kinds == ["integer", "array", "null"]
    swap = schema["$defs"]["AdvancedTuningConfig"]["properties"]["swap_space"]
    assert swap["unit"] == "GiB"
    json.dumps(schema)
