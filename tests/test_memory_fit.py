"""The memory-fit estimate, against figures computed by hand."""

from __future__ import annotations

from typing import Any

import pytest

from configlib.memory_fit import MAX_COMBINATIONS, check_memory, find_architecture
from configlib.model import TaskConfig

GIB = 2**30


def _task(model: str = "meta-llama/Llama-3.1-8B-Instruct", **fields: Any) -> TaskConfig:
    data: dict[str, Any] = {
        "task_name": "t",
        "model": {"id_or_path": model},
        "base_runtime": "vllm",
        "system_config": {"gpu_type": "l4", "total_gpus": 8},
        "parallel_config": {"tp": 1},
    }
    data.update(fields)
    return TaskConfig.model_validate(data)


def test_llama_8b_on_one_l4_fits_with_the_figures_by_hand() -> None:
    # Weights: 8,030,261,248 parameters x 2 bytes (bf16) = 16,060,522,496 B = 14.957 GiB.
    # KV per token: 2 (K, V) x 32 layers x 8 heads x 128 x 2 bytes = 131,072 B; 8192 tokens = 1 GiB.
    # Available: 24 GiB (l4) x 0.9 = 21.6 GiB.
    fit = check_memory(_task(memory_config={"max_model_len": 8192, "gpu_memory_utilization": 0.9}))
    assert fit.unchecked is None and fit.model == "meta-llama/Llama-3.1-8B"
    (estimate,) = fit.estimates
    assert estimate.weights_gib == pytest.approx(16_060_522_496 / GIB)
    assert estimate.kv_gib == pytest.approx(1.0)
    assert estimate.available_gib == pytest.approx(21.6)
    assert estimate.fits and fit.findings == []


def test_llama_70b_at_tp2_on_h100_does_not_fit_and_says_by_how_much() -> None:
    # Weights: 70,553,706,496 x 2 B / 2 GPUs = 65.708 GiB. KV per token per GPU: 2 x 80 layers
    # x (8 / 2) heads x 128 x 2 B = 163,840 B; the model's 131,072 tokens = 20 GiB.
    # Needed 85.708 GiB; available 80 GiB x 0.9 = 72 GiB.
    fit = check_memory(
        _task(
            "meta-llama/Llama-3.1-70B-Instruct",
            system_config={"gpu_type": "h100_sxm", "total_gpus": 8},
            parallel_config={"tp": [2, 4]},
            memory_config={"gpu_memory_utilization": 0.9},
        )
    )
    tp2, tp4 = fit.estimates
    assert tp2.needed_gib == pytest.approx(70_553_706_496 / GIB + 20.0)
    assert not tp2.fits and tp4.fits  # tp4: 32.854 + 10 GiB
    assert tp4.needed_gib == pytest.approx(70_553_706_496 / 2 / GIB + 10.0)
    (warning,) = fit.findings
    assert warning.severity == "warning" and warning.code == "memory-does-not-fit"
    assert "tp=2" in warning.message and "needs 85.7 GiB per GPU" in warning.message
    assert "72.0 GiB available" in warning.message and "h100_sxm" in warning.message


def test_fp8_weights_and_kv_halve_the_bytes() -> None:
    fit = check_memory(
        _task(
            quantization_config={"gemm_quant_mode": "fp8", "kvcache_quant_mode": "fp8"},
            memory_config={"max_model_len": 8192},
        )
    )
    (estimate,) = fit.estimates
    assert estimate.weights_gib == pytest.approx(8_030_261_248 / GIB)
    assert estimate.kv_gib == pytest.approx(0.5)
    assert estimate.available_gib == pytest.approx(24.0)  # no share set: the whole GPU


def test_more_tp_than_kv_heads_keeps_one_head_per_gpu() -> None:
    # Qwen3-30B-A3B has 4 KV heads; at tp 8 each GPU still caches one: 2 x 48 x 1 x 128 x 2 B.
    fit = check_memory(
        _task(
            "Qwen/Qwen3-30B-A3B",
            system_config={"gpu_type": "h200_sxm", "total_gpus": 8},
            parallel_config={"tp": 8},
            memory_config={"max_model_len": 1024},
        )
    )
    assert fit.estimates[0].kv_gib == pytest.approx(1024 * 2 * 48 * 128 * 2 / GIB)


def test_mla_caches_one_latent_per_layer_on_every_rank() -> None:
    # DeepSeek-V3: 61 layers x 576 elements x 2 B per token, whatever the tp; fp8 weights.
    fit = check_memory(
        _task(
            "deepseek-ai/DeepSeek-V3",
            system_config={"gpu_type": "h200_sxm", "total_gpus": 8},
            parallel_config={"tp": 8},
            memory_config={"max_model_len": 4096},
        )
    )
    (estimate,) = fit.estimates
    assert estimate.kv_gib == pytest.approx(4096 * 61 * 576 * 2 / GIB)
    assert estimate.weights_gib == pytest.approx(671e9 / 8 / GIB)


def test_sglang_reads_its_own_memory_share() -> None:
    fit = check_memory(
        _task(
            base_runtime="sglang",
            memory_config={"mem_fraction_static": 0.5, "max_model_len": 8192},
        )
    )
    assert fit.estimates[0].available_gib == pytest.approx(12.0)


def test_pipeline_parallel_splits_weights_and_layers() -> None:
    fit = check_memory(
        _task(parallel_config={"tp": 1, "pp": 2}, memory_config={"max_model_len": 8192})
    )
    assert fit.estimates[0].weights_gib == pytest.approx(8_030_261_248 / GIB)
    assert fit.estimates[0].kv_gib == pytest.approx(0.5)


def test_an_unknown_model_is_not_guessed() -> None:
    fit = check_memory(_task("acme/secret-model-13b"))
    assert fit.estimates == [] and fit.findings == []
    assert fit.unchecked is not None and "acme/secret-model-13b" in fit.unchecked


def test_no_system_means_nothing_to_compare_with() -> None:
    data = _task().model_dump(mode="json", exclude_none=True)
    data.pop("system_config")
    fit = check_memory(TaskConfig.model_validate(data))
    assert fit.estimates == [] and fit.unchecked is not None and "system" in fit.unchecked


def test_too_many_combinations_are_not_enumerated() -> None:
    lengths = list(range(1024, 1024 + MAX_COMBINATIONS + 1))
    fit = check_memory(_task(memory_config={"max_model_len": lengths}))
    assert fit.estimates == [] and fit.unchecked is not None and "combinations" in fit.unchecked


def test_local_folders_match_by_name_only_when_unambiguous() -> None:
    assert find_architecture("/models/Qwen3-32B/") is not None
    assert find_architecture("QWEN/qwen3-32b") is not None
    assert find_architecture("/models/Qwen3-33B") is None
