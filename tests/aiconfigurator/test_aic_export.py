"""Task -> `cli exp` YAML and design YAML; importing the export keeps the structured fields."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from aic_helpers import FOLDERS

from configlib.aiconfigurator import (
    export_design_yaml,
    export_exp_yaml,
    import_path,
    import_upload,
)
from configlib.aiconfigurator.export import ExportError, exp_documents
from configlib.model import TaskConfig

#: aiconfigurator 0.12's flat experiment keys that an export may use (DOMAIN 2.5).
ALLOWED = {
    "serving_mode",
    "model_path",
    "system_name",
    "backend_name",
    "backend_version",
    "total_gpus",
    "isl",
    "osl",
    "prefix",
    "ttft",
    "tpot",
    "request_latency",
    "enable_chunked_prefill",
    "gemm_quant_mode",
    "moe_quant_mode",
    "kvcache_quant_mode",
    "fmha_quant_mode",
    "comm_quant_mode",
    *(f"agg_{n}_candidates" for n in ("num_gpu", "tp", "pp", "dp", "moe_tp", "moe_ep", "cp")),
    *(
        f"{r}_{n}"
        for r in ("prefill", "decode")
        for n in (
            "model_path",
            "system_name",
            "backend_name",
            "backend_version",
            "gemm_quant_mode",
            "moe_quant_mode",
            "kvcache_quant_mode",
            "fmha_quant_mode",
            "comm_quant_mode",
            "tp_candidates",
            "pp_candidates",
            "dp_candidates",
            "moe_tp_candidates",
            "moe_ep_candidates",
            "cp_candidates",
        )
    ),
}


def _structured(task: TaskConfig) -> dict[str, Any]:
    data = task.dump()
    system = data.get("system_config", {})
    return {
        "model": data["model"]["id_or_path"],
        "runtime": data["base_runtime"],
        "system": (system.get("gpu_type"), system.get("total_gpus")),
        "parallel": data.get("parallel_config"),
        "quant": data.get("quantization_config"),
        "traffic": data["benchmark"]["traffic_scenarios"],
        "slo": data.get("slo"),
    }


def _all_candidates() -> list[Any]:
    out = []
    for folder in FOLDERS:
        out.extend(import_path(folder, runtime="vllm").candidates)
    return out


CANDIDATES = _all_candidates()


@pytest.mark.parametrize("candidate", CANDIDATES, ids=[c.name for c in CANDIDATES])
def test_exp_yaml_round_trip(candidate: Any) -> None:
    task = candidate.task
    text = export_exp_yaml(task)
    doc = yaml.safe_load(text)
    names = doc.pop("exps")
    assert names == list(doc)
    for body in doc.values():
        assert set(body) <= ALLOWED
        if body["serving_mode"] == "disagg":
            assert not {"model_path", "system_name"} & set(body)  # prefix discipline
    [back] = import_upload("exp.yaml", text.encode(), runtime="vllm").candidates
    assert back.spec.planned and back.task.metadata.aiconfigurator_predictions is None
    ours, theirs = _structured(task), _structured(back.task)
    if ours["slo"] is None:  # no targets: aiconfigurator's `cli exp` defaults apply
        assert back.task.slo.ttft.threshold == 1.0 and back.task.slo.tpot.threshold == 0.05
        ours["slo"] = theirs["slo"]
    assert theirs == ours
    if candidate.serving_mode == "disagg":
        workers = task.metadata.aiconfigurator_workers
        again = back.task.metadata.aiconfigurator_workers
        for role in ("prefill", "decode"):
            for key in (
                "tp",
                "pp",
                "dp",
                "moe_tp",
                "moe_ep",
                "cp",
                "gemm_quant_mode",
                "kvcache_quant_mode",
                "backend",
                "system",
            ):
                assert again[role][key] == workers[role][key], (role, key)


@pytest.mark.parametrize("candidate", CANDIDATES[::3], ids=[c.name for c in CANDIDATES[::3]])
def test_design_yaml_round_trip(candidate: Any) -> None:
    task = candidate.task
    [back] = import_upload(
        "design.yaml", export_design_yaml(task).encode(), runtime="vllm"
    ).candidates
    assert _structured(back.task) == _structured(task)
    assert back.predictions == candidate.predictions
    assert back.task.benchmark.num_concurrency == task.benchmark.num_concurrency
    assert back.source["inclusive_tpot"] == candidate.source["inclusive_tpot"]
    assert back.serving_mode == candidate.serving_mode


def _task(**sections: Any) -> TaskConfig:
    data: dict[str, Any] = {
        "task_name": "my task",
        "model": {"id_or_path": "Qwen/Qwen3-32B"},
        "base_runtime": "sglang",
        "engine_version": "0.5.14",
        "system_config": {"gpu_type": "h200_sxm", "total_gpus": 16},
        "benchmark": {"traffic_scenarios": ["D(2048,256)", "D(512,128)"]},
        "slo": {
            "ttft": {"threshold": 0.5},
            "tpot": {"threshold": 0.02},
            "latency": {"p50": {"threshold": 8.0}},
        },
    }
    data.update(sections)
    return TaskConfig.model_validate(data)


def test_candidate_lists_and_quant_combinations() -> None:
    task = _task(
        parallel_config={"tp": [2, 4], "pp": [1, 2]},
        quantization_config={"gemm_quant_mode": ["bfloat16", "fp8"], "kvcache_quant_mode": "fp8"},
    )
    doc, findings = exp_documents(task)
    assert doc["exps"] == ["my_task_q1", "my_task_q2"]
    first, second = doc["my_task_q1"], doc["my_task_q2"]
    assert (first["gemm_quant_mode"], second["gemm_quant_mode"]) == ("bfloat16", "fp8")
    assert first["kvcache_quant_mode"] == "fp8"
    assert first["agg_tp_candidates"] == [2, 4] and first["agg_pp_candidates"] == [1, 2]
    assert first["agg_num_gpu_candidates"] == [2, 4, 8]
    assert first["agg_cp_candidates"] == [1]
    assert (first["isl"], first["osl"]) == (2048, 256)
    assert (first["ttft"], first["tpot"], first["request_latency"]) == (500.0, 20.0, 8000.0)
    assert first["backend_version"] == "0.5.14" and first["total_gpus"] == 16
    assert any(f.code == "aic-export-scenario" for f in findings)


def test_what_aiconfigurator_cannot_say() -> None:
    plain_dp = _task(
        engine_version="0.5.3",
        parallel_config={"tp": 2, "dp": 2},
        quantization_config={"weight_quant_mode": "int4"},
        slo=None,
    )
    doc, findings = exp_documents(plain_dp)
    body = doc["my_task"]
    assert body["agg_dp_candidates"] == [1]
    assert "backend_version" not in body  # 0.5.3 is not a perf-DB version for h200_sxm
    assert "ttft" not in body and "tpot" not in body
    codes = {f.code for f in findings}
    assert {"aic-export-dp", "aic-export-quant", "aic-export-targets"} <= codes
    with pytest.raises(ExportError, match=r"system_config\.gpu_type is required"):
        export_exp_yaml(_task(system_config=None))


def test_design_yaml_keeps_the_other_sections() -> None:
    task = _task(
        parallel_config={"tp": [2, 4], "dp": 2, "attention_dp": True, "moe_ep": 2},
        quantization_config={"kvcache_quant_mode": "fp8"},
        memory_config={"mem_fraction_static": 0.85, "max_model_len": 8192},
        advanced_tuning_config={"enable_prefix_caching": False, "max_prefill_batch_size": 4},
        benchmark={"traffic_scenarios": ["D(2048,256)"], "num_concurrency": [8, 16]},
    )
    [back] = import_upload("d.yaml", export_design_yaml(task).encode()).candidates
    again = back.task
    for section in (
        "parallel_config",
        "quantization_config",
        "memory_config",
        "advanced_tuning_config",
    ):
        assert getattr(again, section) == getattr(task, section), section
    assert again.benchmark.num_concurrency == [8, 16]
    assert again.system_config == task.system_config
    assert (again.slo.ttft, again.slo.tpot) == (task.slo.ttft, task.slo.tpot)
