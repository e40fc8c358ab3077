"""The editor's engine config files: download a point's --config YAML (and the zip of all
points), and import such a file, with a command line, into a new task."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from configlib.ui import keys
from configlib.ui.editor import EditorState
from tests.app.conftest import open_page, open_popover, open_tab, run_ok


@pytest.fixture
def stored_files(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, bytes]]:
    """What the app hands to the browser for each download, by file name."""
    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self: Any, data: Any, mimetype: str, kind: Any, filename: str | None = None) -> str:
        if filename:
            files[filename] = data.encode() if isinstance(data, str) else bytes(data)
        return original(self, data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    yield files


def _draft(at: AppTest) -> EditorState:
    state = at.session_state[keys.DRAFTS][keys.NEW_DRAFT]
    assert isinstance(state, EditorState)
    return state


def _vllm_task(at: AppTest) -> AppTest:
    open_tab(at, "Expert mode")
    at.text_area(key="editor.paste_text").input(
        "vllm serve org/model --tensor-parallel-size 2 --max-num-seqs 64 "
        '--no-enable-prefix-caching --additional-config \'{"a": {"b": 1}}\''
    )
    next(b for b in at.button if b.label == "Read command").click()
    return run_ok(at)


def test_download_a_points_config_file(app: AppTest, stored_files: dict[str, bytes]) -> None:
    at = open_page(app, "editor")
    _vllm_task(at)
    open_popover(at, "download")
    labels = [d.label for d in at.download_button]
    assert "Config file of point 0" in labels, labels
    assert "All points as a zip (1)" in labels
    [name] = [n for n in stored_files if n.endswith("-point-0000.yaml")]
    config = yaml.safe_load(stored_files[name])
    assert config["tensor-parallel-size"] == 2 and config["max-num-seqs"] == 64
    assert config["additional-config"] == {"a": {"b": 1}}
    launch = [c.value for c in at.code if "--config" in c.value]
    assert launch == [f"vllm serve org/model --config {name}"]


def test_release_without_config_says_so(app: AppTest) -> None:
    at = open_page(app, "editor")
    open_tab(at, "Expert mode")
    at.text_area(key="editor.paste_text").input(
        "python -m sglang.launch_server --model-path org/m --tp-size 2"
    )
    next(b for b in at.button if b.label == "Read command").click()
    run_ok(at)
    at.session_state[keys.VERSION] = "0.5.2"
    _draft(at).set_engine("sglang", "0.5.2")
    open_popover(at, "download")
    assert not any(d.label.startswith("Config file") for d in at.download_button)
    assert any("no --config" in c.value.replace("\\", "") for c in at.caption)


def _upload(at: AppTest, name: str, text: str, release: tuple[str, str], command: str) -> AppTest:
    open_tab(at, "Expert mode")
    at.file_uploader(key="editor.config_file").set_value((name, text.encode(), "application/yaml"))
    at.selectbox(key="editor.config_release").set_value(release)
    at.text_input(key="editor.config_command").input(command)
    next(b for b in at.button if b.label == "Import as a new task").click()
    return run_ok(at)


def test_upload_a_config_file_into_a_new_task(app: AppTest) -> None:
    at = open_page(app, "editor")
    text = (
        "model-path: Qwen/Qwen3-8B\ntp-size: 4\nmax-running-requests: 64\n"
        "enable-mixed-chunk: true\n"
    )
    _upload(
        at,
        "point.yaml",
        text,
        ("sglang", "0.5.14"),
        "python -m sglang.launch_server --config point.yaml --max-running-requests 128",
    )
    task = _draft(at).task
    assert task.model.id_or_path == "Qwen/Qwen3-8B"
    assert (task.base_runtime.value, task.engine_version) == ("sglang", "0.5.14")
    assert task.parallel_config is not None and task.parallel_config.tp == [4]
    assert task.scheduling_config is not None
    assert task.scheduling_config.max_num_seqs == [128]  # the command line wins
    assert task.parameters["enable-mixed-chunk"] == [True]
    assert any("into a new task" in s.value for s in at.success)


def test_hostile_upload_is_an_error_naming_file_and_line(app: AppTest) -> None:
    at = open_page(app, "editor")
    before = _draft(at).task
    _upload(at, "evil.yaml", "tp-size: 2\n  x: [\n", ("sglang", "0.5.14"), "")
    shown = [e.value.replace("\\", "") for e in at.error]
    assert any("evil.yaml:2: invalid YAML" in text for text in shown), shown
    assert _draft(at).task == before


def test_point_picked_on_a_bigger_grid_does_not_carry_over(app: AppTest) -> None:
    at = open_page(app, "editor")
    open_tab(at, "Expert mode")
    at.text_area(key="editor.paste_text").input("vllm serve org/model --max-num-seqs 64")
    next(b for b in at.button if b.label == "Read command").click()
    run_ok(at)
    _draft(at).set_rows([{"flag": "max-num-seqs", "values": "8, 16, 32"}])
    open_popover(at, "download")
    [picker] = [n for n in at.number_input if n.label.startswith("Grid point")]
    picker.set_value(2)
    run_ok(at)
    assert any(d.label == "Config file of point 2" for d in at.download_button)
    _draft(at).set_rows([{"flag": "max-num-seqs", "values": "8"}])
    run_ok(at)
    assert any(d.label == "Config file of point 0" for d in at.download_button)
