"""Selections -> tasks: one per candidate, or one grid that is exactly the selection."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from aic_helpers import DATA

from configlib.aiconfigurator import (
    CombineError,
    combine_candidates,
    import_path,
    import_upload,
    tasks_from_candidates,
)
from configlib.convert import to_flat
from configlib.grid import grid_of


def _design(**worker: object) -> dict[str, object]:
    return {
        "model_name": "Qwen/Qwen3-30B-A3B",
        "system_name": "h200_sxm",
        "backend_name": "sglang",
        "total_gpus": 8,
        "isl": 1024,
        "osl": 256,
        "ttft": 500.0,
        "tpot": 20.0,
        "concurrency": 64,
        "worker_config": {"pp": 1, **worker},
    }


def _candidates(*docs: dict[str, object]) -> list:  # type: ignore[type-arg]
    return import_upload("c.yaml", yaml.safe_dump(list(docs)).encode()).candidates


def test_exact_product_becomes_one_grid(sglang_dense: Path) -> None:
    result = import_path(sglang_dense)
    chosen = [c for c in result.candidates if c.runnable and c.serving_mode == "agg"]
    assert [c.task.parallel_config.tp[0] for c in chosen] == [4, 2, 8, 1]
    task, findings = combine_candidates(chosen)
    assert task.parallel_config.tp == [4, 2, 8, 1]
    assert task.optimization.max_iterations == 4
    grid = grid_of(to_flat(task).parameters)
    assert grid.size == 4
    assert sorted(p["tp-size"] for p in grid.first(4)) == [1, 2, 4, 8]
    assert task.benchmark.num_concurrency == [112, 48, 192, 20]
    assert any(f.code == "aic-combined-concurrency" for f in findings)
    entries = task.metadata.aiconfigurator_candidates
    assert [e["name"] for e in entries] == [c.name for c in chosen]
    assert entries[1]["predictions"] == chosen[1].predictions
    assert entries[1]["point"]["parallel_config.tp"] == 2
    assert tasks_from_candidates(chosen, combine=True) == [task]


def test_two_fields_need_the_full_product() -> None:
    points = [(2, "bfloat16"), (4, "bfloat16"), (2, "fp8"), (4, "fp8")]
    docs = [_design(tp=tp, kvcache_quant_mode=kv) for tp, kv in points]
    task, _ = combine_candidates(_candidates(*docs))
    assert task.parallel_config.tp == [2, 4]
    assert [m.value for m in task.quantization_config.kvcache_quant_mode] == ["bfloat16", "fp8"]
    with pytest.raises(CombineError, match="not a Cartesian product") as caught:
        combine_candidates(_candidates(*docs[:3]))
    assert "'parallel_config.tp': 4" in str(caught.value) and "'fp8'" in str(caught.value)


def test_flat_form_must_be_exact_too() -> None:
    # Structured product (tp x dp with attention DP) but SGLang's --tp-size is tp x dp, so
    # the flags would vary together: not an independent grid.
    docs = [_design(tp=tp, dp=dp, attention_dp=True) for tp in (1, 2) for dp in (2, 4)]
    with pytest.raises(CombineError, match=r"cannot run the candidates|exact grid"):
        combine_candidates(_candidates(*docs))
    # Differing only in a prediction-only setting: both are the same launch.
    same_launch = [_design(tp=2, fmha_quant_mode=m) for m in ("bfloat16", "fp8")]
    with pytest.raises(CombineError, match=r"1 launches for 2 candidates"):
        combine_candidates(_candidates(*same_launch))


def test_refusals() -> None:
    moe = import_path(DATA / "sglang-default-qwen3_30b_a3b-h200").candidates
    agg = [c for c in moe if c.serving_mode == "agg"]
    with pytest.raises(CombineError, match="not a Cartesian product"):
        combine_candidates(agg[:2])
    disagg = [c for c in moe if c.serving_mode == "disagg"]
    with pytest.raises(CombineError, match="cannot be launched"):
        combine_candidates([agg[0], disagg[0]])
    dense = import_path(DATA / "sglang-default-qwen3_32b-h200").candidates
    with pytest.raises(CombineError, match="differ in more than layout") as caught:
        combine_candidates([agg[0], dense[0]])
    assert "model.id_or_path" in str(caught.value)
    with pytest.raises(CombineError, match="same layout"):
        combine_candidates([dense[0], dense[0]])
    with pytest.raises(CombineError, match="at least two"):
        combine_candidates(dense[:1])


def test_one_task_each_with_unique_names(sglang_dense: Path) -> None:
    candidates = import_path(sglang_dense).candidates
    tasks = tasks_from_candidates([candidates[0], candidates[1], candidates[0]])
    assert [t.task_name for t in tasks] == [
        candidates[0].name,
        candidates[1].name,
        f"{candidates[0].name}-2",
    ]
    assert tasks[2].parallel_config == tasks[0].parallel_config
    assert tasks_from_candidates(candidates[:1], combine=True) == [candidates[0].task]


def test_a_selection_needs_a_fitting_target_engine() -> None:
    from configlib.aiconfigurator import TargetError

    trtllm = import_path(DATA / "trtllm-default-qwen3_32b-h200").candidates[:1]
    with pytest.raises(TargetError, match="choose the engine"):
        tasks_from_candidates(trtllm)
    vllm = import_path(DATA / "vllm-default-qwen3_32b-h200", runtime="sglang").candidates[:1]
    with pytest.raises(TargetError, match="predicted for vllm and run on vllm"):
        tasks_from_candidates(vllm)
    chosen = import_path(DATA / "trtllm-default-qwen3_32b-h200", runtime="vllm").candidates[:1]
    [task] = tasks_from_candidates(chosen)
    assert task.base_runtime.value == "vllm"
