"""The editor's "Paste a launch command" box: one real command fills the whole launch."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from configlib.ui import keys
from configlib.ui.editor import EditorState
from tests.app.conftest import field_value, open_page, open_section, open_tab

#: From vllm-project/recipes Qwen/Qwen3.md (corpus entry vllm-39), with the docker image tag.
COMMAND = """docker run --gpus all -p 8000:8000 --ipc=host vllm/vllm-openai:v0.10.2 \\
  --model Qwen/Qwen3-235B-A22B-FP8 \\
  --trust-remote-code \\
  --tensor-parallel-size 4 \\
  --swap-space 16 \\
  --max-num-batched-tokens 32768 \\
  --max-model-len 32768 \\
  --no-enable-prefix-caching \\
  --gpu-memory-utilization 0.8
"""


def _draft(at: AppTest) -> EditorState:
    state = at.session_state[keys.DRAFTS][keys.NEW_DRAFT]
    assert isinstance(state, EditorState)
    return state


def _paste(at: AppTest, text: str) -> AppTest:
    open_tab(at, "Expert mode")
    at.text_area(key="editor.paste_text").input(text)
    next(b for b in at.button if b.label == "Read command").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_pasted_command_fills_model_runtime_release_and_flags(app: AppTest) -> None:
    at = open_page(app, "editor")
    _paste(at, COMMAND)
    task = _draft(at).task
    assert task.base_runtime.value == "vllm"
    assert task.engine_version == "0.10.2"
    assert task.model.id_or_path == "Qwen/Qwen3-235B-A22B-FP8"
    assert task.task_name == "Qwen3-235B-A22B-FP8"  # a new task is named after the model
    assert task.parallel_config is not None and task.parallel_config.tp == [4]
    assert any("Read the vLLM 0.10.2 launch" in s.value.replace("\\", "") for s in at.success), [
        s.value for s in at.success
    ]
    frame = at.data_editor[0].value
    table = dict(zip(frame["flag"], frame["values"], strict=True))
    assert table["tensor-parallel-size"] == "4"
    assert table["trust-remote-code"] == "true"
    assert float(table["swap-space"]) == 16
    assert at.segmented_control(key="editor.runtime").value == "vllm"
    open_tab(at, "Advanced config")
    open_section(at, "parallel_config")
    assert field_value(at, "parallel_config.tp") == "4"


def test_unreadable_text_is_an_error_and_changes_nothing(app: AppTest) -> None:
    at = open_page(app, "editor")
    before = _draft(at).task
    _paste(at, "curl http://localhost:8000/v1/models")
    assert any("no SGLang or vLLM launch" in e.value.replace("\\", "") for e in at.error)
    assert _draft(at).task == before
    assert at.text_area(key="editor.paste_text").value.startswith("curl")


def test_reading_problems_are_shown_escaped(app: AppTest) -> None:
    at = open_page(app, "editor")
    _paste(at, "vllm serve org/m --max-num-seqs 8 stray_*word*")
    shown = [e.value for e in at.error]
    assert any("stray\\_\\*word\\*" in text for text in shown), shown
