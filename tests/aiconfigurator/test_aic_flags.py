"""The launch aiconfigurator generated (run_<n>.sh, k8s_deploy.yaml, TRT-LLM YAMLs) and where
configlib's differs, with reasons."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from aic_helpers import DATA, FOLDERS, first

from configlib.aiconfigurator import import_path
from configlib.aiconfigurator.readers.launch import (
    parse_argv,
    parse_k8s,
    parse_script,
    read_launch,
)

PLUMBING = {"--model-path", "--model", "--served-model-name"}
TOPS = sorted(p for folder in FOLDERS for p in folder.rglob("top*") if p.is_dir())


def test_parse_argv() -> None:
    flags = parse_argv(["--tp", "4", "--switch", "--list", "1", "2", "-1", "--x=y", "--n", "-5"])
    assert flags == {
        "--tp": "4",
        "--switch": True,
        "--list": ["1", "2", "-1"],
        "--x": "y",
        "--n": "-5",
    }


@pytest.mark.parametrize("top", TOPS, ids=[str(t.relative_to(DATA)) for t in TOPS])
def test_script_and_k8s_manifest_agree(top: Path) -> None:
    files = {p.relative_to(top).as_posix(): p.read_bytes() for p in top.iterdir()}
    launch = read_launch(str(top), files, "top")
    manifest = parse_k8s((top / "k8s_deploy.yaml").read_text(), "k8s_deploy.yaml")
    assert launch is not None and set(launch.roles) == {w.role for w in manifest}
    config = yaml.safe_load((top / "generator_config.yaml").read_text())
    for role, ours in launch.roles.items():
        theirs = next(w for w in manifest if w.role == role)
        assert ours.module == theirs.module and ours.module.startswith("dynamo.")
        assert theirs.module.removeprefix("dynamo.") in str(
            config["K8sConfig"]["k8s_image"]
        ).replace("tensorrtllm", "trtllm")
        drop = PLUMBING | {"--host", "--enable-metrics"}
        assert {k: v for k, v in ours.flags.items() if k not in drop} == {
            k: v for k, v in theirs.flags.items() if k not in drop
        }
        assert (ours.workers, ours.gpus_per_worker) == (theirs.workers, theirs.gpus_per_worker)
    nodes = [parse_script(n.read_text(), n.name) for n in sorted(top.glob("run_*.sh"))]
    assert {w.role for node in nodes for w in node} == set(launch.roles)


def test_sglang_comparison_reasons(sglang_dense: Path) -> None:
    top1 = import_path(sglang_dense).candidates[0]
    launch = top1.aic_flags
    assert launch is not None and set(launch.roles) == {"agg"}
    agg = launch.roles["agg"]
    assert (agg.workers, agg.gpus_per_worker) == (2, 4)
    assert agg.flags["--tensor-parallel-size"] == "4"
    rows = {d.flag: d for d in top1.flag_differences(include_same=True)}
    assert rows["--tensor-parallel-size"].status == "same"
    cap = rows["--max-running-requests"]
    assert (cap.ours, cap.theirs, cap.status) == (None, "512", "only-aiconfigurator")
    assert "predicted batch of 112" in cap.reason and "concurrency 112" in cap.reason
    assert "isl + 1500 = 5500" in rows["--max-prefill-tokens"].reason
    # The task targets the release aiconfigurator predicted for (its perf database, 0.5.14),
    # which still has --cuda-graph-bs (deprecated there, gone by 0.5.23).
    assert top1.task.engine_version == "0.5.14"
    graphs = rows["--cuda-graph-bs"]
    assert "deprecated in SGLang 0.5.14" in graphs.reason
    assert "default" in rows["--expert-parallel-size"].reason
    assert rows["--model-path"].reason.startswith("launch plumbing")
    assert "(GPUs per worker)" not in rows
    assert not graphs.missing_in_engine and not rows["--model-path"].missing_in_engine
    assert not [f for f in top1.findings if f.code == "aic-flag-not-in-engine"]


def test_attention_dp_generator_bug_and_spelling(sglang_moe: Path) -> None:
    candidate = next(
        c
        for c in import_path(sglang_moe).candidates
        if c.spec.main_worker.parallel == "tp1pp1dp4etp4ep1"
    )
    rows = {d.flag: d for d in candidate.flag_differences()}
    gpus = rows["(GPUs per worker)"]
    assert (gpus.ours, gpus.theirs) == ("4", "16") and "attention DP" in gpus.reason
    # On the predicted release (0.5.14) both launches spell attention DP the same way.
    assert candidate.task.engine_version == "0.5.14"
    same = {d.flag: d for d in candidate.flag_differences(include_same=True)}
    assert same["--enable-dp-attention"].status == "same"
    assert "--attn-dp-size" not in same


def test_disagg_prefill_role_is_one_row() -> None:
    result = import_path(DATA / "vllm-default-qwen3_32b-h200")
    candidate = next(c for c in result.candidates if c.serving_mode == "disagg")
    rows = candidate.flag_differences()
    prefill = [d for d in rows if d.role == "prefill"]
    assert len(prefill) == 1 and prefill[0].flag == "(prefill worker launch)"
    assert "--disaggregation-mode prefill" in prefill[0].theirs
    decode = {d.flag: d for d in rows if d.role == "decode"}
    assert "aggregated server" in decode["--kv-transfer-config"].reason
    assert "512" in decode["--max-num-batched-tokens"].reason


def test_trtllm_engine_yaml() -> None:
    result = import_path(DATA / "trtllm-default-qwen3_32b-h200", runtime="vllm")
    top1 = result.candidates[0]
    launch = top1.aic_flags
    assert launch is not None
    engine = launch.roles["agg"].engine_config
    assert engine is not None and engine["max_batch_size"] == top1.predictions["batch_size"]
    rows = {d.flag: d for d in top1.flag_differences()}
    assert "modelled batch" in rows["engine:max_batch_size"].reason
    assert rows["engine:kv_cache_config.free_gpu_memory_fraction"].theirs == "0.8"
    assert "--extra-engine-args" in rows
    disagg = next(c for c in result.candidates if c.serving_mode == "disagg")
    roles = disagg.aic_flags.roles
    assert roles["prefill"].engine_config["max_batch_size"] == 1
    assert roles["decode"].engine_config is not None


def test_legacy_top_n_layout(tmp_path: Path, sglang_dense: Path) -> None:
    folder = tmp_path / "run"
    shutil.copytree(sglang_dense, folder)
    top = first(folder, "agg/top1")
    (top / "agg").mkdir()
    (top / "run_0.sh").rename(top / "agg" / "node_0_run.sh")
    (top / "k8s_deploy.yaml").unlink()
    candidate = import_path(folder).candidates[0]
    assert candidate.aic_flags is not None
    assert candidate.aic_flags.roles["agg"].flags["--tensor-parallel-size"] == "4"
    assert candidate.aic_flags.roles["agg"].files[0].endswith("agg/node_0_run.sh")


def test_unreadable_launch_is_a_warning(tmp_path: Path, sglang_dense: Path) -> None:
    folder = tmp_path / "run"
    shutil.copytree(sglang_dense, folder)
    top = first(folder, "agg/top1")
    (top / "run_0.sh").write_text('python3 -m dynamo.sglang --model-path "unterminated\n')
    (top / "k8s_deploy.yaml").write_bytes(b"\xff\xfe")
    candidate = import_path(folder).candidates[0]
    assert candidate.aic_flags is None or candidate.aic_flags.findings
    assert candidate.task.parallel_config.tp == [4]
