"""Formats other versions and runs write: column sets of 0.4-0.11, V1 configs, auto runs, MoE,
FP8, disagg, legacy exp YAML, zips at any depth, the design YAML and lone files."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from aic_helpers import DATA, csv_rows, first, write_csv, zip_folder

from configlib.aiconfigurator import import_path, import_upload
from configlib.convert import retarget, to_flat

#: Columns each release did not write yet (DOMAIN 2.8), relative to 0.12.
AGG_MISSING = {
    "0.4": [
        "request_latency",
        "power_w",
        "encoder_latency",
        "encoder_memory",
        "cp",
        "tokens/s/gpu_cluster",
    ],
    "0.5-0.9": ["encoder_latency", "encoder_memory", "cp", "tokens/s/gpu_cluster"],
    "0.10-0.11": ["tokens/s/gpu_cluster"],
}
DISAGG_MISSING = {
    "0.4": [
        "request_latency",
        "power_w",
        "encoder_latency",
        "(p)cp",
        "(e)workers",
        "(e)tp",
        "(e)pp",
        "(e)parallel",
        "(e)memory",
        "(e)bs",
        "tokens/s/gpu_cluster",
    ],
    "0.5-0.9": [
        "encoder_latency",
        "(p)cp",
        "(e)workers",
        "(e)tp",
        "(e)pp",
        "(e)parallel",
        "(e)memory",
        "(e)bs",
        "tokens/s/gpu_cluster",
    ],
    "0.10-0.11": ["(e)bs", "tokens/s/gpu_cluster"],
}
SETTINGS = {
    "serving_mode": "agg",
    "model_path": "Qwen/Qwen3-32B",
    "system_name": "h200_sxm",
    "backend_name": "sglang",
    "total_gpus": 8,
    "isl": 4000,
    "osl": 1000,
    "ttft": 2000.0,
    "tpot": 30.0,
}


def _table(path: Path, drop: list[str] | None = None) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header, data = rows[0], rows[1:]
    keep = [i for i, name in enumerate(header) if name not in (drop or [])]
    assert len(keep) == len(header) - len(drop or [])
    return [header[i] for i in keep], [[row[i] for i in keep] for row in data]


def _result_dir(
    tmp: Path,
    mode: str,
    header: list[str],
    rows: list[list[Any]],
    settings: dict[str, Any] | None = None,
    name: str = "exp_config.yaml",
) -> Path:
    folder = tmp / "Qwen" / "Qwen3-32B_h200_sxm_sglang_isl4000_osl1000_ttft2000_tpot30_1" / mode
    write_csv(folder / "best_config_topn.csv", header, rows)
    if settings is not None:
        (folder / name).write_text(yaml.safe_dump(settings))
    return tmp


@pytest.mark.parametrize("version", sorted(AGG_MISSING))
def test_older_agg_column_sets(tmp_path: Path, sglang_dense: Path, version: str) -> None:
    header, rows = _table(first(sglang_dense, "agg/best_config_topn.csv"), AGG_MISSING[version])
    result = import_path(_result_dir(tmp_path, "agg", header, rows, SETTINGS))
    assert not [f for f in result.findings if f.code.startswith("aic-column")]
    assert len(result.candidates) == len(rows)
    for candidate, row in zip(result.candidates, rows, strict=True):
        values = dict(zip(header, row, strict=True))
        prediction = candidate.predictions
        assert candidate.source["aiconfigurator_version_hint"] == version
        assert ("request_latency_ms" in prediction) == ("request_latency" in values)
        assert ("tokens_per_s_per_gpu_cluster" in prediction) == ("tokens/s/gpu_cluster" in values)
        assert prediction["tokens_per_s_per_gpu"] == float(values["tokens/s/gpu"])
        assert candidate.task.parallel_config.tp == [int(values["tp"])]
        assert candidate.spec.main_worker.cp == [int(values.get("cp", 1))]


@pytest.mark.parametrize("version", sorted(DISAGG_MISSING))
def test_older_disagg_column_sets(tmp_path: Path, sglang_moe: Path, version: str) -> None:
    header, rows = _table(first(sglang_moe, "disagg/best_config_topn.csv"), DISAGG_MISSING[version])
    settings = {**SETTINGS, "serving_mode": "disagg"}
    result = import_path(_result_dir(tmp_path, "disagg", header, rows, settings))
    assert not [f for f in result.findings if f.code.startswith("aic-column")]
    for candidate, row in zip(result.candidates, rows, strict=True):
        values = dict(zip(header, row, strict=True))
        workers = candidate.task.metadata.aiconfigurator_workers
        assert workers["prefill"]["cp"] == int(values.get("(p)cp", 1))
        assert workers["decode"]["moe_ep"] == int(values["(d)moe_ep"])
        assert ("encoder_batch_size" in candidate.predictions) == ("(e)bs" in values)
        assert candidate.source["aiconfigurator_version_hint"] == version


def test_old_quant_names_and_model_enums(tmp_path: Path, sglang_dense: Path) -> None:
    header, rows = _table(first(sglang_dense, "agg/best_config_topn.csv"), AGG_MISSING["0.4"])
    index = {name: i for i, name in enumerate(header)}
    for row in rows:
        row[index["model"]] = "QWEN3_32B"
        for column in ("gemm", "kvcache", "fmha", "moe"):
            row[index[column]] = "float16"
    result = import_path(_result_dir(tmp_path, "agg", header, rows[:1], SETTINGS))
    [candidate] = result.candidates
    task = candidate.task
    assert task.model.id_or_path == "Qwen/Qwen3-32B"
    assert candidate.name == "aiconfig-qwen3_32b-tp4-pp1"
    quant = task.quantization_config
    assert [
        getattr(quant, f)[0].value
        for f in ("gemm_quant_mode", "kvcache_quant_mode", "fmha_quant_mode", "moe_quant_mode")
    ] == ["bfloat16"] * 4
    assert any(f.code == "aic-model-enum" for f in candidate.findings)


def test_fmha_float16_of_012_is_kept(tmp_path: Path, sglang_dense: Path) -> None:
    header, rows = _table(first(sglang_dense, "agg/best_config_topn.csv"))
    rows[0][header.index("fmha")] = "float16"
    [candidate, *_] = import_path(_result_dir(tmp_path, "agg", header, rows, SETTINGS)).candidates
    assert candidate.task.quantization_config.fmha_quant_mode[0].value == "float16"


def test_backend_auto_uses_each_backends_exp_config(tmp_path: Path) -> None:
    folder = tmp_path / "auto"
    shutil.copytree(DATA / "auto-default-qwen3_32b-h200", folder)
    trtllm = first(folder, "agg/trtllm_exp_config.yaml")
    data = yaml.safe_load(trtllm.read_text())
    data["ttft"], data["total_gpus"] = 1500.0, 16
    trtllm.write_text(yaml.safe_dump(data))
    result = import_path(folder, runtime="sglang")
    agg = [c for c in result.candidates if c.serving_mode == "agg"]
    by_backend = {c.spec.backend: c for c in agg}
    assert set(by_backend) == {"sglang", "trtllm"}
    assert by_backend["trtllm"].task.slo.ttft.threshold == 1.5
    assert by_backend["trtllm"].task.system_config.total_gpus == 16
    assert by_backend["trtllm"].source["run_settings"].endswith("trtllm_exp_config.yaml")
    assert by_backend["sglang"].task.slo.ttft.threshold == 2.0
    assert by_backend["sglang"].task.system_config.total_gpus == 8
    assert any(f.code == "aic-trtllm-target" for f in by_backend["trtllm"].findings)
    assert by_backend["trtllm"].task.base_runtime.value == "sglang"


V1_DUMP_04 = {  # what 0.4's TaskConfig.pretty() wrote as config.yaml
    "mode": "patch",
    "serving_mode": "agg",
    "model_name": "QWEN3_32B",
    "total_gpus": 16,
    "system_name": "h200_sxm",
    "backend_name": "sglang",
    "backend_version": "0.5.1",
    "isl": 2000,
    "osl": 500,
    "prefix": 0,
    "ttft": 800.0,
    "tpot": 25.0,
    "enable_wideep": False,
    "moe_backend": None,
    "attention_backend": None,
    "profiles": [],
    "config": {
        "nextn": 0,
        "worker_config": {
            "gemm_quant_mode": "float16",
            "kvcache_quant_mode": "float16",
            "fmha_quant_mode": "float16",
            "moe_quant_mode": "float16",
            "comm_quant_mode": "half",
            "num_gpu_per_worker": [1, 2, 4, 8],
            "tp_list": [1, 2, 4, 8],
            "pp_list": [1],
            "dp_list": [1],
            "moe_tp_list": [1],
            "moe_ep_list": [1],
        },
    },
}


@pytest.mark.parametrize(
    "name,model_key", [("config.yaml", "model_name"), ("exp_config.yaml", "model_path")]
)
def test_v1_saved_configs(tmp_path: Path, sglang_dense: Path, name: str, model_key: str) -> None:
    header, rows = _table(first(sglang_dense, "agg/best_config_topn.csv"), AGG_MISSING["0.4"])
    settings = dict(V1_DUMP_04)
    if model_key == "model_path":  # 0.7-0.9 dump the V1 body with the HF id
        settings["model_path"] = settings.pop("model_name").replace("QWEN3_32B", "Qwen/Qwen3-32B")
    folder = tmp_path / "QWEN3_32B_isl2000_osl500_ttft800_tpot25_4242" / "agg"
    write_csv(folder / "best_config_topn.csv", header, rows)
    (folder / name).write_text(yaml.safe_dump(settings))
    result = import_path(tmp_path)
    for candidate in result.candidates:
        task = candidate.task
        assert task.system_config.total_gpus == 16
        assert task.slo.ttft.threshold == 0.8 and task.slo.tpot.threshold == 0.025
        assert (
            candidate.predictions["replicas"] == 16 // candidate.predictions["num_gpus_per_replica"]
        )
        assert candidate.source["run_settings"].endswith(name)


def test_exp_folders_named_after_experiments_and_fp8(tmp_path: Path) -> None:
    result = import_path(DATA / "exp-qwen3_32b-h200")
    experiments = {c.source["experiment"] for c in result.candidates}
    assert experiments == {"agg_sglang_qwen3_32b_fp8", "disagg_vllm_qwen3_32b"}
    fp8 = [c for c in result.candidates if c.source["experiment"] == "agg_sglang_qwen3_32b_fp8"]
    for candidate in fp8:
        task = candidate.task
        assert task.model.id_or_path == "Qwen/Qwen3-32B-FP8"
        quant = task.quantization_config.model_dump(mode="json", exclude_none=True)
        assert quant == {
            "gemm_quant_mode": "fp8_block",
            "kvcache_quant_mode": "fp8",
            "fmha_quant_mode": "fp8",
            "moe_quant_mode": "fp8_block",
            "comm_quant_mode": "half",
        }
        assert task.parameters["kv-cache-dtype"] == ["fp8_e4m3"]
        assert "quantization" not in task.parameters
        assert any(f.code == "no-flag" and "pre-quantized" in f.message for f in candidate.findings)
        assert task.benchmark.traffic_scenarios == ["D(2048,512)"]
        assert task.slo.ttft.threshold == 1.0 and task.slo.tpot.threshold == 0.04


def test_moe_attention_dp_flags_per_engine_version(sglang_moe: Path) -> None:
    result = import_path(sglang_moe)
    candidate = next(
        c for c in result.candidates if c.spec.main_worker.parallel == "tp1pp1dp4etp4ep1"
    )
    task = candidate.task
    assert task.parallel_config.attention_dp == [True] and task.parallel_config.dp == [4]
    assert task.engine_version == "0.5.14"
    old = to_flat(task)
    assert old.parameters["tp-size"] == [4] and old.parameters["dp-size"] == [4]
    assert old.parameters["enable-dp-attention"] == [True]
    new = to_flat(retarget(task, "sglang", "0.5.23")[0])
    assert new.parameters["attn-dp-size"] == [4] and "enable-dp-attention" not in new.parameters
    vllm = import_path(DATA / "vllm-default-qwen3_30b_a3b-h200")
    dep = next(c for c in vllm.candidates if c.spec.main_worker.parallel == "tp1pp1dp4etp4ep1")
    assert dep.task.parameters["data-parallel-size"] == [4]
    assert dep.task.parameters["tensor-parallel-size"] == [1]


def test_disagg_rows_keep_both_workers() -> None:
    result = import_path(DATA / "vllm-default-qwen3_32b-h200")
    candidate = next(c for c in result.candidates if c.serving_mode == "disagg")
    workers = candidate.task.metadata.aiconfigurator_workers
    assert (workers["prefill"]["tp"], workers["decode"]["tp"]) == (1, 4)
    assert (workers["prefill"]["workers"], workers["decode"]["workers"]) == (4, 1)
    assert candidate.task.parallel_config.tp == [4]
    assert candidate.name == "aiconfig-qwen3_32b-disagg-p4xtp1-d1xtp4"
    assert candidate.runnable is False
    assert "aggregated server" in candidate.source["not_runnable_reason"]
    assert any(f.code == "not-one-server" and f.severity == "error" for f in candidate.findings)


LEGACY_V1 = """
exps: [exp_agg_full, exp_disagg_full]
exp_agg_full:
  mode: "patch"
  serving_mode: "agg"
  model_name: "QWEN3_32B"
  total_gpus: 8
  system_name: "h200_sxm"
  backend_name: "sglang"
  isl: 4000
  osl: 1000
  ttft: 1000.0
  tpot: 40.0
  profiles: []
  config:
    worker_config:
      gemm_quant_mode: "float16"
      kvcache_quant_mode: "float16"
      fmha_quant_mode: "float16"
      comm_quant_mode: "half"
      num_gpu_per_worker: [2, 4]
      tp_list: [2, 4]
      pp_list: [1]
exp_disagg_full:
  mode: "patch"
  serving_mode: "disagg"
  model_name: "DEEPSEEK_V3"
  total_gpus: 32
  system_name: "h200_sxm"
  backend_name: "trtllm"
  profiles: ["fp8"]
  config:
    prefill_worker_config:
      tp_list: [1, 2]
      pp_list: [1]
    decode_worker_config:
      tp_list: [1]
      dp_list: [8]
      moe_ep_list: [8]
    replica_config:
      max_gpu_per_replica: 32
    advanced_tuning_config:
      prefill_latency_correction_scale: 1.2
      decode_max_batch_size: 256
"""


def test_legacy_v1_exp_yaml_with_model_name_enums() -> None:
    result = import_upload("example.yaml", LEGACY_V1.encode(), runtime="vllm")
    agg, disagg = result.candidates
    assert agg.name == "aiconfig-qwen3_32b-exp_agg_full"
    task = agg.task
    assert task.model.id_or_path == "Qwen/Qwen3-32B"
    assert task.parallel_config.tp == [2, 4] and task.parallel_config.pp == [1]
    assert task.quantization_config.gemm_quant_mode[0].value == "bfloat16"
    assert task.quantization_config.fmha_quant_mode[0].value == "bfloat16"
    assert task.metadata.aiconfigurator_predictions is None
    assert task.slo.tpot.threshold == 0.04 and task.optimization.max_iterations == 2
    assert agg.runnable and agg.source["planned"] is True
    assert disagg.task.model.id_or_path == "deepseek-ai/DeepSeek-V3"
    assert disagg.runnable is False
    workers = disagg.task.metadata.aiconfigurator_workers
    assert workers["prefill"]["tp"] == [1, 2] and workers["decode"]["moe_ep"] == 8
    assert workers["decode"]["gemm_quant_mode"] == "fp8"
    extra = disagg.task.metadata.aiconfigurator_extra
    assert extra["prefill_latency_correction"] == 1.2 and extra["decode_max_batch_size"] == 256
    assert extra["max_gpu_per_replica"] == 32
    assert disagg.task.base_runtime.value == "vllm"


def test_v2_exp_input_as_planned_experiments() -> None:
    path = DATA / "exp-qwen3_32b-h200" / "exp_input.yaml"
    result = import_path(path)
    agg, disagg = result.candidates
    assert agg.task.parallel_config.tp == [2, 4]
    assert agg.task.quantization_config.gemm_quant_mode[0].value == "fp8_block"
    assert agg.source["perf_db_version"] == "0.5.14"
    assert (agg.task.engine_version, agg.task.runtime_image_tag) == ("0.5.14", "v0.5.14")
    assert disagg.task.metadata.aiconfigurator_workers["decode"]["tp"] == [2, 4]
    text = (
        "exps: [b]\na:\n  serving_mode: agg\n  model_path: m/x\n  system_name: h200_sxm\n"
        "  total_gpus: 8\n  bogus: 1\nb:\n  serving_mode: agg\n  model_path: m/y\n"
        "  system_name: h200_sxm\n  total_gpus: 8\n  backend_name: vllm\n  bogus_key: 2\n"
    )
    result = import_upload("exp.yaml", text.encode())
    [only] = result.candidates
    assert only.task.model.id_or_path == "m/y"
    codes = {f.code for f in result.findings}
    assert {"aic-exps-skipped", "aic-unknown-key"} <= codes
    defaults = next(f for f in only.findings if f.code == "aic-exp-defaults")
    assert "isl=4000" in defaults.message and "tpot=50.0" in defaults.message


@pytest.mark.parametrize("prefix", ["", "runs/", "a/b/c/d/"])
def test_zips_at_any_nesting_depth(sglang_moe: Path, prefix: str) -> None:
    folder = import_path(sglang_moe, include_pareto=True)
    upload = import_upload("results.zip", zip_folder(sglang_moe, prefix), include_pareto=True)
    assert [c.name for c in upload.candidates] == [c.name for c in folder.candidates]
    for ours, theirs in zip(upload.candidates, folder.candidates, strict=True):
        assert ours.predictions == theirs.predictions
        assert ours.task.parallel_config == theirs.task.parallel_config
        assert ours.source["file"].startswith("results.zip:" + prefix)
    assert upload.candidates[1].aic_flags is not None


DESIGN = """
model_name: "LLAMA_70B"
serving_mode: "agg"
system_name: "h200_sxm"
worker_config:
  tp: 4
  pp: 2
  dp: 1
  gemm_quant_mode: "fp8"
  kvcache_quant_mode: "fp8"
predicted_metrics:
  throughput: 1200.0
  ttft: 150.0
  tpot: 12.0
"""


def test_design_yaml_example() -> None:
    result = import_upload("design.yaml", DESIGN.encode())
    [candidate] = result.candidates
    task = candidate.task
    assert candidate.name == "aiconfig-llama_70b-tp4-pp2"
    assert task.parallel_config.tp == [4] and task.parallel_config.pp == [2]
    assert task.system_config.total_gpus == 8  # one replica: tp x pp x dp
    assert candidate.predictions == {"tokens_per_s": 1200.0, "ttft_ms": 150.0, "tpot_ms": 12.0}
    assert task.parameters["kv-cache-dtype"] == ["fp8_e4m3"]
    assert task.parameters["quantization"] == ["fp8"]
    codes = {f.code for f in candidate.findings}
    assert {"aic-metric-unit-assumed", "aic-model-enum-unknown", "aic-target-assumed"} <= codes


def test_design_yaml_list_and_documents() -> None:
    docs = [yaml.safe_load(DESIGN) for _ in range(2)]
    docs[1]["worker_config"]["tp"] = 8
    docs[1]["backend_name"] = "vllm"
    listed = import_upload("list.yaml", yaml.safe_dump(docs).encode())
    streamed = import_upload("docs.yaml", "---\n".join(yaml.safe_dump(d) for d in docs).encode())
    for result in (listed, streamed):
        names = [c.name for c in result.candidates]
        assert names == ["aiconfig-llama_70b-tp4-pp2", "aiconfig-llama_70b-tp8-pp2"]
        assert result.candidates[1].task.base_runtime.value == "vllm"


def test_lone_csv_and_generator_config(sglang_dense: Path) -> None:
    best = first(sglang_dense, "agg/best_config_topn.csv")
    upload = import_upload("best_config_topn.csv", best.read_bytes())
    [*candidates] = upload.candidates
    assert len(candidates) == len(csv_rows(best))
    task = candidates[0].task
    assert task.system_config.total_gpus == 4 and task.slo is None
    codes = {f.code for f in candidates[0].findings}
    assert {"aic-total-gpus-unknown", "aic-targets-unknown"} <= codes
    beside = import_path(best)  # on disk the exp_config.yaml next to it is read
    assert beside.candidates[0].task.system_config.total_gpus == 8
    assert beside.candidates[0].task.slo.tpot.threshold == 0.03
    config = first(sglang_dense, "agg/top1/generator_config.yaml")
    [generated] = import_upload("generator_config.yaml", config.read_bytes()).candidates
    assert generated.predictions["ttft_ms"] == candidates[0].predictions["ttft_ms"]
    assert generated.task.benchmark.num_concurrency == [112]
    assert generated.task.system_config.total_gpus == 8


def test_inclusive_tpot_detected_from_generator_configs(
    tmp_path: Path,
    sglang_dense: Path,
) -> None:
    folder = tmp_path / "run"
    shutil.copytree(sglang_dense, folder)
    for path in folder.rglob("*.csv"):
        header, rows = _table(path)
        at = {n: i for i, n in enumerate(header)}
        for row in rows:
            ttft, tpot, osl = float(row[at["ttft"]]), float(row[at["tpot"]]), int(row[at["osl"]])
            row[at["tpot"]] = str(round((ttft + tpot * (osl - 1)) / osl, 3))
        write_csv(path, header, rows)
    result = import_path(folder, include_pareto=True)
    assert all(c.source["inclusive_tpot"] is True for c in result.candidates)
    assert "SlaConfig.tpot differs" in result.candidates[0].source["inclusive_tpot_basis"]
    lone = import_path(first(folder, "agg/pareto.csv").parent / "pareto.csv")
    assert lone.candidates[0].source["inclusive_tpot"] is None


def test_version_from_console_log_and_recommend_columns(tmp_path: Path, sglang_dense: Path) -> None:
    folder = tmp_path / "run"
    shutil.copytree(sglang_dense, folder)
    shutil.copy(DATA / "exp-qwen3_32b-h200.console.log", folder / "aiconfigurator.log")
    best = first(folder, "agg/best_config_topn.csv")
    header, rows = _table(best)
    write_csv(
        best, [*header, "replicas_needed", "total_gpus_needed"], [[*row, 3, 12] for row in rows]
    )
    result = import_upload("run.zip", zip_folder(folder))
    candidate = result.candidates[0]
    assert candidate.source["aiconfigurator_version"] == "0.12.0"
    assert candidate.predictions["replicas_needed"] == 3
    assert candidate.predictions["total_gpus_needed"] == 12
