"""``configlib import-aic`` and ``configlib export-aic``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from aic_helpers import DATA, zip_folder

from configlib.cli import main
from configlib.taskfile import load_task
from configlib.validate import validate


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list(capsys: pytest.CaptureFixture[str], sglang_dense: Path) -> None:
    code, out, _ = run(capsys, "import-aic", str(sglang_dense), "--list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["#", "name", "mode", "backend"]
    assert len(lines) == 1 + 8
    assert "aiconfig-qwen3_32b-tp4-pp1" in lines[1] and "946.9" in lines[1]
    assert lines[-1].rstrip().endswith("no")  # disagg: not runnable


def test_list_with_flag_differences(capsys: pytest.CaptureFixture[str], sglang_dense: Path) -> None:
    code, out, _ = run(capsys, "import-aic", str(sglang_dense), "--list", "--flags", "--top", "1")
    assert code == 0
    assert "aiconfig-qwen3_32b-tp4-pp1: aiconfigurator's launch vs configlib's" in out
    assert "--max-running-requests: ours=- aiconfigurator=512" in out


def test_write_task_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = DATA / "vllm-default-qwen3_32b-h200"
    code, out, _ = run(capsys, "import-aic", str(folder), "--out", str(tmp_path), "--top", "2")
    assert code == 0
    written = sorted(tmp_path.glob("*.json"))
    assert len(written) == 4 and len(out.splitlines()) == 4
    assert "not runnable by the autotuner" in out
    for path in written:
        task, _ = load_task(str(path))
        problems = {f.code for f in validate(task) if f.severity == "error"}
        # A disaggregated pair is written (to compare) but is an error for running.
        assert problems == ({"not-one-server"} if "disagg" in path.name else set()), path
        assert task.metadata.aiconfigurator_predictions["ttft_ms"] > 0
    code, _, err = run(capsys, "import-aic", str(folder), "--out", str(tmp_path), "--top", "1")
    assert code == 1 and "exists; pass --force" in err
    code, _, _ = run(
        capsys,
        "import-aic",
        str(folder),
        "--out",
        str(tmp_path),
        "--top",
        "1",
        "--force",
        "--format",
        "yaml",
    )
    assert code == 0 and len(list(tmp_path.glob("*.yaml"))) == 2


def test_trtllm_needs_a_runtime(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = DATA / "trtllm-default-qwen3_32b-h200"
    code, _, err = run(capsys, "import-aic", str(folder), "--out", str(tmp_path))
    assert code == 2 and "choose the engine to measure them on (sglang or vllm)" in err
    assert not list(tmp_path.iterdir())
    code, out, _ = run(capsys, "import-aic", str(folder), "--list")
    assert code == 0 and "not chosen" in out.splitlines()[1]
    code, _, _ = run(capsys, "import-aic", str(folder), "--out", str(tmp_path), "--runtime", "vllm")
    assert code == 0
    task, _ = load_task(str(tmp_path / "aiconfig-qwen3_32b-tp2-pp1.json"))
    assert task.base_runtime.value == "vllm"


def test_runtime_on_sglang_or_vllm_predictions_is_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = DATA / "vllm-default-qwen3_32b-h200"
    code, _, err = run(
        capsys, "import-aic", str(folder), "--out", str(tmp_path), "--runtime", "sglang"
    )
    assert code == 2 and "were predicted for vllm and run on vllm" in err
    assert not list(tmp_path.iterdir())
    code, _, err = run(capsys, "import-aic", str(folder), "--list", "--runtime", "sglang")
    assert code == 2 and "run on vllm" in err
    code, _, _ = run(
        capsys, "import-aic", str(folder), "--out", str(tmp_path), "--runtime", "vllm", "--top", "1"
    )
    assert code == 0 and len(list(tmp_path.iterdir())) == 2


def test_disaggregated_candidates_are_errors_for_running(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    folder = DATA / "sglang-default-qwen3_32b-h200"
    run(capsys, "import-aic", str(folder), "--out", str(tmp_path))
    [pair, *_] = sorted(tmp_path.glob("*-disagg-*.json"))
    code, out, _ = run(capsys, "validate", str(pair))
    assert code == 1 and "not-one-server" in out and "disaggregated" in out
    assert "invalid for SGLang 0.5.14" in out
    for command in (
        ("params", str(pair), "--format", "args"),
        ("params", str(pair)),
        ("convert", str(pair), "--to", "autotuner"),
        ("convert", str(pair), "--to", "autotuner", "--format", "yaml"),
    ):
        code, out, err = run(capsys, *command)
        assert (code, out) == (1, ""), command
        assert "not one server the autotuner can run" in err and "not-one-server" in err
    code, out, _ = run(capsys, "convert", str(pair), "--to", "structured")
    assert code == 0 and json.loads(out)["task_name"] == pair.stem
    [agg, *_] = sorted(tmp_path.glob("*-tp4-pp1.json"))
    code, out, _ = run(capsys, "params", str(agg), "--format", "args")
    assert code == 0 and "--tp-size 4" in out


def test_combine(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    zipped = tmp_path / "run.zip"
    zipped.write_bytes(zip_folder(DATA / "sglang-default-qwen3_32b-h200"))
    code, _, err = run(capsys, "import-aic", str(zipped), "--out", str(tmp_path), "--combine")
    assert code == 1 and "cannot be launched" in err  # the disagg rows are selected too
    designs = [
        {
            "model_name": "Qwen/Qwen3-32B",
            "system_name": "h200_sxm",
            "backend_name": "vllm",
            "total_gpus": 8,
            "worker_config": {"tp": tp},
        }
        for tp in (2, 4)
    ]
    source = tmp_path / "cands.yaml"
    source.write_text(yaml.safe_dump(designs))
    code, out, _ = run(capsys, "import-aic", str(source), "--out", str(tmp_path), "--combine")
    assert code == 0
    data = json.loads(Path(out.strip()).read_text())
    assert data["parallel_config"]["tp"] == [2, 4]
    assert data["parameters"]["tensor-parallel-size"] == [2, 4]


def test_export(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run(
        capsys,
        "import-aic",
        str(DATA / "sglang-default-qwen3_30b_a3b-h200"),
        "--out",
        str(tmp_path),
        "--top",
        "2",
    )
    task_file = tmp_path / "aiconfig-qwen3_30b_a3b-tp1-pp1-dp4.json"
    code, out, _ = run(capsys, "export-aic", str(task_file))
    assert code == 0
    doc = yaml.safe_load(out)
    body = doc[doc["exps"][0]]
    assert body["agg_dp_candidates"] == [4] and body["agg_moe_tp_candidates"] == [4]
    target = tmp_path / "design.yaml"
    code, _, _ = run(capsys, "export-aic", str(task_file), "--design", "-o", str(target))
    assert code == 0
    assert yaml.safe_load(target.read_text())["worker_config"]["attention_dp"] is True


def test_unusable_inputs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "import-aic", str(tmp_path / "missing"), "--list")
    assert code == 2 and "no such file or folder" in err
    bad = tmp_path / "bad.csv"
    bad.write_text("model,isl\n")
    code, _, err = run(capsys, "import-aic", str(bad), "--list")
    assert code == 2 and err.startswith(f"configlib: {bad}:1:")
    not_task = tmp_path / "x.json"
    not_task.write_text("[1, 2]")
    code, _, err = run(capsys, "export-aic", str(not_task))
    assert code == 1 and "not a valid task" in err
    code, _, err = run(capsys, "export-aic", str(tmp_path / "nope.json"))
    assert code == 2
