"""Every real aiconfigurator 0.12 output folder: each candidate against its CSV row.

Expected values come from the files (csv.DictReader, yaml.safe_load), not from the importer.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from aic_helpers import (
    GENERATE_FOLDERS,
    RESULT_FOLDERS,
    folder_ids,
    relative_source,
    result_tables,
    saved_settings,
)

from configlib.aiconfigurator import import_path

#: Column -> prediction name, written out independently of the importer (DOMAIN 2.3 units).
COMMON = {
    "ttft": "ttft_ms",
    "tpot": "tpot_ms",
    "request_latency": "request_latency_ms",
    "concurrency": "concurrency",
    "seq/s": "requests_per_s",
    "seq/s/gpu": "requests_per_s_per_gpu",
    "tokens/s": "tokens_per_s",
    "tokens/s/gpu": "tokens_per_s_per_gpu",
    "tokens/s/user": "tokens_per_s_per_user",
    "tokens/s/gpu_cluster": "tokens_per_s_per_gpu_cluster",
    "num_total_gpus": "num_gpus_per_replica",
    "power_w": "power_w",
    "encoder_latency": "encoder_latency_ms",
}
AGG = {
    **COMMON,
    "bs": "batch_size",
    "global_bs": "global_batch_size",
    "memory": "memory_gib",
    "encoder_memory": "encoder_memory_gib",
    "balance_score": "step_balance_score",
    "num_ctx_reqs": "step_context_requests",
    "num_gen_reqs": "step_generation_requests",
    "num_tokens": "step_tokens",
    "ctx_tokens": "step_context_tokens",
    "gen_tokens": "step_generation_tokens",
}
DISAGG = {
    **COMMON,
    "(d)bs": "batch_size",
    "(d)global_bs": "global_batch_size",
    "(d)memory": "memory_gib",
    "(p)bs": "prefill_batch_size",
    "(p)global_bs": "prefill_global_batch_size",
    "(p)workers": "prefill_workers",
    "(p)memory": "prefill_memory_gib",
    "(p)seq/s/worker": "prefill_requests_per_s_per_worker",
    "(d)workers": "decode_workers",
    "(d)seq/s/worker": "decode_requests_per_s_per_worker",
    "(e)workers": "encoder_workers",
    "(e)bs": "encoder_batch_size",
    "(e)memory": "encoder_memory_gib",
}
QUANT = {
    "gemm": "gemm_quant_mode",
    "kvcache": "kvcache_quant_mode",
    "fmha": "fmha_quant_mode",
    "moe": "moe_quant_mode",
    "comm": "comm_quant_mode",
}
#: Columns that describe the layout rather than predict something.
LAYOUT = {
    "model",
    "isl",
    "osl",
    "prefix",
    "request_rate",
    "parallel",
    "backend",
    "version",
    "system",
    "tp",
    "pp",
    "dp",
    "moe_tp",
    "moe_ep",
    "cp",
    *QUANT,
}


def _plain(values: Any) -> Any:
    if values is None:
        return None
    return [getattr(v, "value", v) for v in values]


def _check_predictions(
    predictions: dict[str, Any], row: dict[str, str], table: dict[str, str]
) -> None:
    seen = set()
    for column, name in table.items():
        if column not in row:
            continue
        seen.add(column)
        assert math.isclose(float(predictions[name]), float(row[column]), rel_tol=1e-12), (
            column,
            name,
        )
    roles = ("(p)", "(d)", "(e)")
    unchecked = [
        c
        for c in row
        if c not in seen
        and c not in LAYOUT
        and c.removeprefix("(p)").removeprefix("(d)").removeprefix("(e)") not in LAYOUT
        and not (
            c.startswith(roles)
            and c[3:] in ("tp", "pp", "dp", "moe_tp", "moe_ep", "cp", "parallel")
        )
    ]
    assert unchecked == [], f"columns no test checks: {unchecked}"


def _check_agg(candidate: Any, row: dict[str, str]) -> None:
    task = candidate.task
    parallel = task.parallel_config
    tp, pp, dp = int(row["tp"]), int(row["pp"]), int(row["dp"])
    moe_tp, moe_ep, cp = int(row["moe_tp"]), int(row["moe_ep"]), int(row["cp"])
    assert _plain(parallel.tp) == [tp] and _plain(parallel.pp) == [pp]
    assert _plain(parallel.dp) == [dp]
    assert parallel.attention_dp == ([True] if dp > 1 else None)
    if moe_tp * moe_ep > 1:
        assert (_plain(parallel.moe_tp), _plain(parallel.moe_ep)) == ([moe_tp], [moe_ep])
    else:
        assert parallel.moe_tp is None and parallel.moe_ep is None
    worker = task.metadata.aiconfigurator_workers["agg"]
    assert (
        worker["tp"],
        worker["pp"],
        worker["dp"],
        worker["moe_tp"],
        worker["moe_ep"],
        worker["cp"],
    ) == (tp, pp, dp, moe_tp, moe_ep, cp)
    assert worker["parallel"] == row["parallel"]
    for column, field in QUANT.items():
        assert _plain(getattr(task.quantization_config, field)) == [row[column]]
    assert candidate.runnable is (cp == 1)
    _check_predictions(candidate.predictions, row, AGG)


def _check_disagg(candidate: Any, row: dict[str, str]) -> None:
    task = candidate.task
    assert candidate.runnable is False and candidate.serving_mode == "disagg"
    workers = task.metadata.aiconfigurator_workers
    for prefix, role in (("(p)", "prefill"), ("(d)", "decode")):
        worker = workers[role]
        for name in ("tp", "pp", "dp", "moe_tp", "moe_ep"):
            assert worker[name] == int(row[prefix + name]), (role, name)
        assert worker["workers"] == int(row[prefix + "workers"])
        assert worker["backend"] == row[prefix + "backend"]
        assert worker["perf_db_version"] == row[prefix + "version"]
        assert worker["system"] == row[prefix + "system"]
        for column, field in QUANT.items():
            assert worker[field] == row[prefix + column]
    assert workers["prefill"]["cp"] == int(row["(p)cp"])
    decode = workers["decode"]
    assert _plain(task.parallel_config.tp) == [decode["tp"]]
    assert _plain(task.parallel_config.dp) == [decode["dp"]]
    for column, field in QUANT.items():
        assert _plain(getattr(task.quantization_config, field)) == [row["(d)" + column]]
    assert task.metadata.aiconfigurator_source["runnable"] is False
    _check_predictions(candidate.predictions, row, DISAGG)


@pytest.mark.parametrize("folder", RESULT_FOLDERS, ids=folder_ids(RESULT_FOLDERS))
def test_every_row_of_every_table(folder: Path, reader: str) -> None:
    result = import_path(folder, runtime="vllm", include_pareto=True)
    tables = result_tables(folder)
    assert len(result.candidates) == sum(len(rows) for rows in tables.values())
    assert len({c.name for c in result.candidates}) == len(result.candidates)
    for candidate in result.candidates:
        file, number = relative_source(candidate, folder)
        row = tables[file][number - 1]
        task = candidate.task
        source = task.metadata.aiconfigurator_source
        disagg = "(d)tp" in row
        backend = row["(d)backend"] if disagg else row["backend"]
        system = row["(d)system"] if disagg else row["system"]
        version = row["(d)version"] if disagg else row["version"]
        assert source["backend"] == backend and source["perf_db_version"] == version
        assert task.base_runtime.value == (backend if backend != "trtllm" else "vllm")
        assert task.model.id_or_path == row["model"]
        assert task.system_config.gpu_type == system
        assert task.benchmark.traffic_scenarios == [f"D({row['isl']},{row['osl']})"]
        assert task.benchmark.num_concurrency == [int(float(row["concurrency"]))]
        assert (source["isl"], source["osl"]) == (int(row["isl"]), int(row["osl"]))
        settings = saved_settings(folder / file, row.get("backend") or backend)
        assert task.system_config.total_gpus == settings["total_gpus"]
        assert candidate.predictions["total_gpus"] == settings["total_gpus"]
        assert candidate.predictions["replicas"] == (
            settings["total_gpus"] // int(row["num_total_gpus"])
        )
        assert task.slo.ttft.threshold == pytest.approx(settings["ttft"] / 1000)
        assert task.slo.tpot.threshold == pytest.approx(settings["tpot"] / 1000)
        assert source["ttft_target_ms"] == settings["ttft"]
        assert source["inclusive_tpot"] is False  # 0.12 keeps raw tpot in generator configs
        assert task.metadata.config_format.value == "structured"
        if disagg:
            _check_disagg(candidate, row)
        else:
            _check_agg(candidate, row)
        if file.endswith("best_config_topn.csv"):
            assert source["rank"] == number
            top = folder / Path(file).parent / f"top{number}"
            assert (candidate.aic_flags is not None) == top.is_dir()
        else:
            assert "rank" not in source and candidate.aic_flags is None
            assert f"-c{int(float(row['concurrency']))}" in candidate.name


@pytest.mark.parametrize("folder", GENERATE_FOLDERS, ids=folder_ids(GENERATE_FOLDERS))
def test_generate_folders(folder: Path) -> None:
    result = import_path(folder)
    config_path = next(folder.rglob("generator_config.yaml"))
    config = yaml.safe_load(config_path.read_text())
    [candidate] = result.candidates
    task = candidate.task
    params = config["params"]["agg"]
    assert _plain(task.parallel_config.tp) == [params["tensor_parallel_size"]]
    assert _plain(task.parallel_config.pp) == [params["pipeline_parallel_size"]]
    assert task.base_runtime.value == config["backend"]
    assert task.system_config.gpu_type == config["NodeConfig"]["system_name"]
    workers = config["WorkerConfig"]["agg_workers"] * params["gpus_per_worker"]
    assert task.system_config.total_gpus == workers
    sla = config["SlaConfig"]
    assert task.benchmark.traffic_scenarios == [f"D({sla['isl']},{sla['osl']})"]
    assert task.benchmark.num_concurrency == config["BenchConfig"]["concurrency"]
    assert candidate.predictions == {}
    assert task.metadata.aiconfigurator_predictions is None
    launch = candidate.aic_flags
    assert launch is not None and set(launch.roles) == {"agg"}
    flags = launch.roles["agg"].flags
    assert flags["--tensor-parallel-size"] == str(params["tensor_parallel_size"])
    assert any(w.code == "aic-no-prediction" for w in candidate.findings)


def test_version_hint_and_unread_files(sglang_dense: Path) -> None:
    result = import_path(sglang_dense)
    assert all(c.source["aiconfigurator_version_hint"] == ">=0.12" for c in result.candidates)
    notes = [f for f in result.findings if f.code == "aic-files-not-read"]
    assert notes and "per_ops_source.json" in notes[0].message
