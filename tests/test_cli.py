"""The command line: outputs and exit codes (0 ok, 1 validation errors, 2 unusable input)."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from configlib.cli import main
from tests.conftest import DATA, ROOT

SGLANG_EXAMPLE = str(ROOT / "examples/qwen3-32b-h200-sglang.json")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", SGLANG_EXAMPLE)
    assert code == 0
    assert "valid for SGLang 0.5.14 (0 errors, 0 warnings)" in out


def test_validate_errors_exit_1_with_field_paths(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "task_name: x\nmodel: {id_or_path: m}\nbase_runtime: vllm\n"
        "scheduling_config: {schedule_policy: lpm}\n"
    )
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 1
    assert "error: scheduling_config.schedule_policy:" in out


def test_validate_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "validate", str(DATA / "autotuner/examples/simple_task.json"), "--json"
    )
    assert code == 1
    report = json.loads(out)
    assert {f["path"] for f in report["findings"]} >= {"parameters.tp_size", "parameters.mem_frac"}


def test_schema_errors_exit_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(
        json.dumps(
            {
                "task_name": "x",
                "base_runtime": "sglang",
                "model": {"id_or_path": "m"},
                "parallel_config": {"tp": -1},
            }
        )
    )
    code, out, err = run(capsys, "validate", str(path))
    assert code == 1
    assert "parallel_config.tp[0]" in out and "not a valid task" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"task_name": ', "invalid JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        ("", "empty document"),
    ],
)
def test_unreadable_input_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | bytes, message: str
) -> None:
    path = tmp_path / "t.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    code, _, err = run(capsys, "params", str(path))
    assert code == 2
    assert message in err and str(path) in err
    assert "Traceback" not in err


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["params"])
    assert caught.value.code == 2
    code, _, err = run(capsys, "params", SGLANG_EXAMPLE, "--engine-version", "9.9")
    assert code == 2 and "no flag manifest for SGLang 9.9" in err


def test_params_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "params", SGLANG_EXAMPLE)
    assert code == 0
    assert json.loads(out)["kv-cache-dtype"] == ["fp8_e4m3"]


def test_params_for_another_engine_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "params", SGLANG_EXAMPLE, "--runtime", "vllm", "--engine-version", "0.10.2"
    )
    flags = json.loads(out)
    assert flags["tensor-parallel-size"] == [2, 4]
    assert flags["kv-cache-dtype"] == ["fp8"]
    assert "mem-fraction-static" not in flags
    assert "memory_config.mem_fraction_static" in err  # vLLM cannot express it: said, not dropped
    assert "enable-mixed-chunk" in err and code == 1  # an SGLang-only flag is an error on vLLM


def test_params_args_one_command_per_grid_point(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "params", SGLANG_EXAMPLE, "--format", "args", "--limit", "3")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3
    argv = shlex.split(lines[0])
    assert argv[:5] == ["python", "-m", "sglang.launch_server", "--model-path", "Qwen/Qwen3-32B"]
    assert "3 of 8 grid points" in err


def test_convert_both_ways(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out_file = tmp_path / "flat.json"
    code, _, _ = run(capsys, "convert", SGLANG_EXAMPLE, "--to", "autotuner", "-o", str(out_file))
    assert code == 0
    flat = json.loads(out_file.read_text())
    assert "parallel_config" not in flat and flat["parameters"]["tp-size"] == [2, 4]
    code, out, _ = run(capsys, "convert", str(out_file), "--to", "structured", "--format", "yaml")
    assert code == 0
    assert "parallel_config:" in out and "schedule_policy:" in out


def test_schema_and_engines(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0 and json.loads(out)["title"] == "TaskConfig"
    code, out, _ = run(capsys, "engines")
    assert "sglang: 0.5.2, 0.5.14, 0.5.16, 0.5.23 (default 0.5.23)" in out


def test_module_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "configlib", "validate", SGLANG_EXAMPLE],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
