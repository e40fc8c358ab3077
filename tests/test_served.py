"""The name a server answers to and the benchmark's model name (configlib.served)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from configlib.commandline import read_command
from configlib.served import LOCAL_MODEL_MOUNT, named_for_benchmark, served_name
from configlib.switching import switch_engine
from configlib.validate import validate
from tests.conftest import make_task


def warnings_on_name(task: Any) -> list[str]:
    return [f.code for f in validate(task) if f.path == "benchmark.model_name"]


@pytest.mark.parametrize(
    ("model", "served"),
    [
        ("Qwen/Qwen3-32B", "Qwen/Qwen3-32B"),  # a hub id is passed as it is
        ("/data/models/qwen", LOCAL_MODEL_MOUNT),  # a local folder is mounted at /model
        ("qwen3-32b", LOCAL_MODEL_MOUNT),  # a bare name lives under the models folder
    ],
)
def test_served_name_follows_how_the_autotuner_passes_the_model(model: str, served: str) -> None:
    task = make_task("vllm", model={"id_or_path": model})
    assert served_name(task) == served


def test_served_model_name_flag_wins() -> None:
    task = make_task("vllm", parameters={"served-model-name": ["mine"]})
    assert served_name(task) == "mine"


def test_vllm_command_names_its_model_for_the_benchmark() -> None:
    read = read_command("vllm serve Qwen/Qwen3-32B --tensor-parallel-size 4")
    assert read.task.benchmark.model_name == "Qwen/Qwen3-32B"
    assert read.task.benchmark.model_tokenizer == "Qwen/Qwen3-32B"
    assert not warnings_on_name(read.task)


def test_served_model_name_in_the_command_is_the_benchmark_name() -> None:
    read = read_command("vllm serve org/m --served-model-name chat -tp 2")
    assert read.task.benchmark.model_name == "chat"
    assert not warnings_on_name(read.task)


def test_a_name_the_server_does_not_answer_to_is_a_warning() -> None:
    task = make_task("vllm", benchmark={"model_name": "Qwen3-32B"})
    assert warnings_on_name(task) == ["model-name-mismatch"]
    assert warnings_on_name(named_for_benchmark(make_task("vllm", benchmark={}))) == []


def test_names_the_user_set_are_kept() -> None:
    task = make_task("vllm", benchmark={"model_name": "x", "model_tokenizer": "y"})
    named = named_for_benchmark(task)
    assert (named.benchmark.model_name, named.benchmark.model_tokenizer) == ("x", "y")


def test_switch_to_vllm_names_the_served_model() -> None:
    task = make_task("sglang", benchmark={}, parameters={"served-model-name": ["chat"]})
    moved, _ = switch_engine(task, "vllm")
    assert moved.benchmark.model_name == "chat"


@given(
    org=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,20}", fullmatch=True),
    name=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,30}", fullmatch=True),
)
def test_every_read_vllm_command_passes_the_name_check(org: str, name: str) -> None:
    read = read_command(f"vllm serve {org}/{name} --max-num-seqs 8")
    assert not warnings_on_name(read.task)


def test_names_follow_the_model_unless_the_user_chose_them() -> None:
    from configlib.served import follow_model

    before = make_task("vllm", benchmark={})
    moved = before.model_copy(
        update={"model": before.model.model_copy(update={"id_or_path": "org/new"})}
    )
    named = follow_model(before, moved)
    assert (named.benchmark.model_name, named.benchmark.model_tokenizer) == ("org/new", "org/new")
    # Derived from the old model: follows again; chosen by the user: stays.
    again = named.model_copy(update={"model": named.model.model_copy(update={"id_or_path": "x/y"})})
    assert follow_model(named, again).benchmark.model_name == "x/y"
    chosen = make_task("vllm", benchmark={"model_name": "chat", "model_tokenizer": "tok/x"})
    moved = chosen.model_copy(
        update={"model": chosen.model.model_copy(update={"id_or_path": "a/b"})}
    )
    assert follow_model(chosen, moved).benchmark == chosen.benchmark
