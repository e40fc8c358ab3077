"""An upload mixing TensorRT-LLM predictions with SGLang/vLLM ones (``--backend auto``) and a
chosen target runtime: the choice applies to the TensorRT-LLM rows only; the others keep their
engine, with an ``aic-target-not-applied`` warning when the choice names another engine. The
command line and the import page decide the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aic_helpers import DATA, zip_folder

from configlib.aiconfigurator import import_path, tasks_from_candidates
from configlib.cli import main
from configlib.ui.importing import ImportSession

AUTO = DATA / "auto-default-qwen3_32b-h200"


def _expected(backend: str, chosen: str) -> str:
    return chosen if backend == "trtllm" else backend


def test_the_upload_mixes_engines() -> None:
    backends = {c.spec.backend for c in import_path(AUTO).candidates}
    assert "trtllm" in backends and backends & {"sglang", "vllm"}


@pytest.mark.parametrize("chosen", ["sglang", "vllm"])
def test_the_chosen_runtime_applies_to_tensorrt_llm_rows_only(
    chosen: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "tasks"
    assert main(["import-aic", str(AUTO), "--runtime", chosen, "--out", str(out)]) in (0, 1)
    err = capsys.readouterr().err
    by_name = {
        path.stem: json.loads(path.read_text())["base_runtime"] for path in out.glob("*.json")
    }
    session = ImportSession.read("auto.zip", zip_folder(AUTO), runtime=chosen)
    assert session.error is None
    candidates = session.candidates
    everything = list(range(len(candidates)))
    assert session.target_problem() is None and session.target_problem(everything) is None
    tasks = tasks_from_candidates(candidates, upload=candidates)
    assert {t.task_name: t.base_runtime.value for t in tasks} == by_name
    for candidate in candidates:
        backend = str(candidate.spec.backend)
        assert by_name[candidate.name] == _expected(backend, chosen)
        warned = [f for f in candidate.findings if f.code == "aic-target-not-applied"]
        if backend in ("sglang", "vllm") and backend != chosen:
            assert warned and warned[0].severity == "warning"
            assert f"{candidate.name}: " in err and "aic-target-not-applied" in err
        else:
            assert not warned
    # A selection of the SGLang/vLLM rows alone is judged by the whole upload, as the CLI is.
    others = [i for i, c in enumerate(candidates) if c.spec.backend != "trtllm"]
    assert session.target_problem(others) is None


def test_a_choice_with_no_tensorrt_llm_rows_to_apply_to_is_still_refused() -> None:
    folder = DATA / "vllm-default-qwen3_32b-h200"
    assert main(["import-aic", str(folder), "--list", "--runtime", "sglang"]) == 2
    session = ImportSession.read("vllm.zip", zip_folder(folder), runtime="sglang")
    assert session.target_problem() is not None
