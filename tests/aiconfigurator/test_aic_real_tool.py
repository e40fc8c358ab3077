"""Exports checked by aiconfigurator 0.12 itself (part of ``make test``, which installs it).

Needs ``pip install aiconfigurator==0.12.0`` (CPU only); without it these tests skip. The
experiment loader of `cli exp` (``aiconfigurator.cli.main.build_experiment_tasks``) must accept
every exported experiment with exactly our values; then a real `cli exp` run of an exported
task must predict the very layout the task holds, with the numbers of the run it was imported
from.
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from aic_helpers import DATA

from configlib.aiconfigurator import export_exp_yaml, import_path, import_upload

pytestmark = pytest.mark.aiconfigurator

_LEGACY = """
exp_v1:
  mode: patch
  serving_mode: agg
  model_name: QWEN3_32B
  total_gpus: 8
  system_name: h200_sxm
  backend_name: vllm
  config:
    worker_config: {gemm_quant_mode: float16, kvcache_quant_mode: float16, tp_list: [2, 4]}
"""


def _cases() -> list[Any]:
    picks = []
    for folder, runtime in (
        ("sglang-default-qwen3_32b-h200", None),
        ("sglang-default-qwen3_30b_a3b-h200", None),
        ("vllm-default-qwen3_30b_a3b-h200", None),
        ("trtllm-default-qwen3_32b-h200", "vllm"),
        ("exp-qwen3_32b-h200", None),
        ("vllm-generate-qwen3_32b-h200", None),
    ):
        candidates = import_path(DATA / folder, runtime=runtime).candidates
        picks.extend(c for c in candidates if c.source.get("rank", 1) <= 2)
    picks.extend(import_upload("legacy.yaml", _LEGACY.encode()).candidates)
    return picks


# aiconfigurator runs in a child process: importing it here would grow the test process by
# hundreds of MB, which every process forked from it later (the hostile corpus) would carry.
_LOADER = """
import json, sys, yaml
from aiconfigurator.cli.main import build_experiment_tasks
loaded = {}
for path in sys.argv[1:]:
    doc = yaml.safe_load(open(path))
    tasks = build_experiment_tasks(yaml_path=path)
    loaded[path] = {}
    for name, task in tasks.items():
        values = {key: getattr(task, key) for key in doc.get(name, {})}
        loaded[path][name] = {key: getattr(v, "name", v) for key, v in values.items()}
print("LOADED " + json.dumps(loaded, default=str))
"""


def _needs_aiconfigurator() -> None:
    if importlib.util.find_spec("aiconfigurator") is None:
        pytest.skip("needs the aiconfigurator==0.12.0 package (make install-test installs it)")


def test_loader_accepts_every_export(tmp_path: Path) -> None:
    _needs_aiconfigurator()
    exports = {}
    for index, candidate in enumerate(_cases()):
        path = tmp_path / f"exp{index}.yaml"
        path.write_text(export_exp_yaml(candidate.task))
        exports[str(path)] = candidate.name
    done = subprocess.run(
        [sys.executable, "-c", _LOADER, *exports],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("LOADED "))
    loaded = json.loads(line.removeprefix("LOADED "))
    for path, name in exports.items():
        doc = yaml.safe_load(Path(path).read_text())
        tasks = loaded[path]
        assert sorted(tasks) == sorted(doc["exps"]), (name, doc)
        for exp, theirs in tasks.items():
            assert theirs == doc[exp], (name, exp, theirs, doc[exp])


def _run_exp(yaml_path: Path, save: Path, *extra: str) -> None:
    command = [
        sys.executable,
        "-c",
        "from aiconfigurator.main import main; main()",
        "cli",
        "exp",
        "--yaml-path",
        str(yaml_path),
        "--save-dir",
        str(save),
        "--top-n",
        "1",
        *extra,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]


@pytest.mark.parametrize("inclusive", [False, True])
def test_cli_exp_predicts_the_exported_task(tmp_path: Path, inclusive: bool) -> None:
    _needs_aiconfigurator()
    source = import_path(DATA / "sglang-default-qwen3_30b_a3b-h200").candidates
    original = next(c for c in source if c.spec.main_worker.parallel == "tp1pp1dp4etp4ep1")
    exp = tmp_path / "exp.yaml"
    exp.write_text(export_exp_yaml(original.task))
    _run_exp(exp, tmp_path / "out", *(["--inclusive-tpot"] if inclusive else []))
    result = import_path(tmp_path / "out")
    [again] = [c for c in result.candidates if c.source.get("table") == "best_config_topn"]
    assert again.source["experiment"] == yaml.safe_load(exp.read_text())["exps"][0]
    assert again.task.parallel_config == original.task.parallel_config
    assert again.task.quantization_config == original.task.quantization_config
    assert again.source["inclusive_tpot"] is inclusive
    for name, value in original.predictions.items():
        theirs = again.predictions[name]
        if name == "tpot_ms" and inclusive:
            ttft, osl = original.predictions["ttft_ms"], original.source["osl"]
            value = (ttft + value * (osl - 1)) / osl
        assert math.isclose(theirs, value, rel_tol=1e-3, abs_tol=2e-3), (name, theirs, value)
