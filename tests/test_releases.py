"""The release a task is checked against and the image it runs are one choice."""

from __future__ import annotations

from pathlib import Path

import pytest

from configlib import switching
from configlib.aiconfigurator import import_path
from configlib.engines import ENGINES, supported_versions, version_from_tag
from configlib.engines.releases import default_release, follow_tag, image_of, pin, release_tag
from configlib.model import TaskConfig
from configlib.ui.editor import EditorState
from configlib.validate import validate
from configlib.vocab import Runtime

AIC = Path(__file__).parent / "data" / "aiconfigurator"
RELEASES = [(r, v) for r in Runtime for v in supported_versions(r)]


def _task(runtime: str = "sglang", **extra: object) -> TaskConfig:
    return TaskConfig.model_validate(
        {"task_name": "t", "model": {"id_or_path": "Qwen/Qwen3-8B"}, "base_runtime": runtime}
        | extra
    )


@pytest.mark.parametrize(("runtime", "version"), RELEASES)
def test_every_release_has_an_image_that_names_it(runtime: Runtime, version: str) -> None:
    tag = release_tag(runtime, version)
    assert version_from_tag(tag) == version
    assert image_of(runtime, version) == f"{ENGINES[runtime].image}:{tag}"


def test_an_unsupported_release_has_no_image() -> None:
    with pytest.raises(ValueError, match=r"supported: 0\.5\.2"):
        release_tag("sglang", "0.4.0")


@pytest.mark.parametrize("runtime", list(Runtime))
def test_a_pinned_task_runs_the_release_it_is_checked_against(runtime: Runtime) -> None:
    task = pin(_task(runtime.value))
    assert task.engine_version == default_release(runtime) == supported_versions(runtime)[-1]
    assert version_from_tag(task.runtime_image_tag) == task.engine_version
    codes = {f.code for f in validate(task)}
    assert not codes & {"default-image", "version-mismatch", "version-unknown"}


def test_an_unpinned_task_still_says_what_the_autotuner_would_run() -> None:
    assert any(f.code == "default-image" for f in validate(_task()))


def test_a_tag_naming_a_supported_release_moves_the_release() -> None:
    task = pin(_task(), "0.5.23").model_copy(update={"runtime_image_tag": "v0.5.14-cu129"})
    assert follow_tag(task).engine_version == "0.5.14"
    odd = task.model_copy(update={"runtime_image_tag": "v0.4.9"})
    assert follow_tag(odd).engine_version == "0.5.23"


def test_a_new_draft_has_no_release_warning_and_switching_engines_keeps_one_choice() -> None:
    state = EditorState.new()
    assert state.task.engine_version == supported_versions("sglang")[-1]
    assert not [f for f in state.findings() if f.path == "runtime_image_tag"]
    state.set_engine("vllm", None)
    assert state.task.engine_version == supported_versions("vllm")[-1]
    assert state.task.runtime_image_tag == release_tag("vllm", state.task.engine_version)
    state.set_engine("vllm", "0.10.2")
    assert (state.task.engine_version, state.task.runtime_image_tag) == ("0.10.2", "v0.10.2")
    state.set_field("runtime_image_tag", "v0.24.0")
    assert state.task.engine_version == "0.24.0"
    assert state.task.runtime_image_tag == "v0.24.0"


def test_change_engine_pins_the_image_of_the_chosen_release() -> None:
    moved, _ = switching.change_engine(pin(_task()), "sglang", "0.5.2")
    assert moved.runtime_image_tag == "v0.5.2-cu126"


@pytest.mark.parametrize(
    ("folder", "release", "tag"),
    [
        ("sglang-default-qwen3_32b-h200", "0.5.14", "v0.5.14"),
        ("vllm-default-qwen3_32b-h200", "0.24.0", "v0.24.0"),
    ],
)
def test_an_import_carries_the_release_aiconfigurator_predicted_for(
    folder: str, release: str, tag: str
) -> None:
    for candidate in import_path(AIC / folder).candidates[:3]:
        task = candidate.task
        assert candidate.source["perf_db_version"] == release
        assert (task.engine_version, task.runtime_image_tag) == (release, tag)
        assert not [f for f in validate(task) if f.path == "runtime_image_tag"]


def test_a_trtllm_prediction_runs_the_newest_release_of_the_chosen_engine() -> None:
    candidate = import_path(AIC / "trtllm-default-qwen3_32b-h200", runtime="vllm").candidates[0]
    newest = supported_versions("vllm")[-1]
    assert (candidate.task.engine_version, candidate.task.runtime_image_tag) == (
        newest,
        f"v{newest}",
    )


@pytest.mark.parametrize(
    "folder", ["vllm-default-qwen3_32b-h200", "vllm-default-qwen3_30b_a3b-h200"]
)
def test_imported_tasks_name_the_model_for_the_benchmark(folder: str) -> None:
    for candidate in import_path(AIC / folder).candidates:
        task = candidate.task
        assert task.benchmark.model_name == task.model.id_or_path == candidate.spec.model
        assert not [f for f in validate(task) if f.code == "missing-model-name"]
