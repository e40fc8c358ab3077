"""Reading whole launch command lines (configlib.commandline and ``configlib from-command``)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from configlib.cli import main
from configlib.commandline import UnreadableCommand, read_command, split_words
from configlib.engines import supported_versions
from configlib.engines.images import find_image
from configlib.vocab import Runtime
from tests.conftest import DATA

CORPUS = DATA / "commands"


def corpus(runtime: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = yaml.safe_load((CORPUS / f"{runtime}.yaml").read_text())
    return entries


def codes(read: Any) -> set[str]:
    return {f.code for f in read.findings}


# ---- Words -----------------------------------------------------------------------------------


def test_split_joins_continuations_and_drops_comments_and_redirects() -> None:
    text = "# launch\nvllm serve m \\\n  --max-num-seqs 8 \\\n  --port 8000 > log.txt 2>&1 &\n"
    assert split_words(text) == ["vllm", "serve", "m", "--max-num-seqs", "8", "--port", "8000", "&"]


def test_split_keeps_quoted_json_as_one_word() -> None:
    words = split_words("""vllm serve m --speculative-config '{"method": "mtp", "n": 1}'""")
    assert words[-1] == '{"method": "mtp", "n": 1}'


def test_unclosed_quote_is_unreadable() -> None:
    with pytest.raises(UnreadableCommand, match="No closing quotation"):
        read_command("vllm serve m --chat-template 'x")


def test_text_without_a_launch_is_unreadable() -> None:
    with pytest.raises(UnreadableCommand, match="no SGLang or vLLM launch"):
        read_command("pip install vllm && nvidia-smi")


# ---- Launchers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "runtime", "model"),
    [
        ("python -m sglang.launch_server --model-path org/a --tp-size 2", "sglang", "org/a"),
        ("python3 -m sglang.launch_server --model-path org/a", "sglang", "org/a"),
        ("/usr/bin/python3.11 -m sglang.launch_server --model-path org/a", "sglang", "org/a"),
        ("sglang serve --model-path org/a", "sglang", "org/a"),
        ("vllm serve org/b --max-num-seqs 4", "vllm", "org/b"),
        ("python -m vllm.entrypoints.openai.api_server --model org/b", "vllm", "org/b"),
        ("pip install vllm && vllm serve org/b", "vllm", "org/b"),
    ],
)
def test_every_launcher_names_its_engine_and_model(text: str, runtime: str, model: str) -> None:
    read = read_command(text)
    assert read.task.base_runtime.value == runtime
    assert read.task.model.id_or_path == model
    assert read.engine.version == supported_versions(runtime)[-1]


def test_flags_are_lifted_like_any_task() -> None:
    read = read_command(
        "vllm serve org/m --tensor-parallel-size=4 --gpu-memory-utilization 0.9 "
        "--max-num-seqs 64 --no-enable-prefix-caching --served-model-name x"
    )
    task = read.task
    assert task.parallel_config is not None and task.parallel_config.tp == [4]
    assert task.memory_config is not None
    assert task.memory_config.gpu_memory_utilization == [0.9]
    assert task.scheduling_config is not None and task.scheduling_config.max_num_seqs == [64]
    assert task.parameters == {"served-model-name": ["x"]}
    assert read.unlifted is not None
    assert read.unlifted.parameters["tensor-parallel-size"] == [4]


def test_short_option_is_kept_under_its_canonical_name() -> None:
    read = read_command("vllm serve org/m -tp 2", engine_version="0.10.2")
    assert read.task.parallel_config is not None and read.task.parallel_config.tp == [2]


def test_json_values_are_compacted_without_changing_them() -> None:
    read = read_command(
        """vllm serve org/m --speculative-config '{"method": "mtp", "num_speculative_tokens": 2}'"""
    )
    value = read.task.parameters["speculative-config"][0]
    assert " " not in value
    assert json.loads(value) == {"method": "mtp", "num_speculative_tokens": 2}


def test_repeated_flag_keeps_the_last_value_with_a_warning() -> None:
    read = read_command("vllm serve org/m --max-model-len 1024 --max-model-len 4096")
    assert read.task.memory_config is not None
    assert read.task.memory_config.max_model_len == [4096]
    assert "repeated-flag" in codes(read)


def test_several_values_for_one_flag_is_an_error_naming_it() -> None:
    read = read_command(
        "python -m sglang.launch_server --model-path m --cuda-graph-bs 1 2 4",
        engine_version="0.5.2",
    )
    [finding] = [f for f in read.findings if f.code == "several-values"]
    assert finding.severity == "error"
    assert "--cuda-graph-bs 1 2 4" in finding.message


def test_stray_word_is_an_error_naming_it() -> None:
    read = read_command("python -m sglang.launch_server --model-path m stray")
    assert any(f.code == "unexpected-argument" and "'stray'" in f.message for f in read.findings)


def test_missing_model_is_an_error() -> None:
    read = read_command("python -m sglang.launch_server --tp-size 2")
    assert "no-model" in codes(read)


def test_environment_before_the_command_is_reported_without_its_value() -> None:
    read = read_command("HF_TOKEN=secret CUDA_VISIBLE_DEVICES=0,1 vllm serve org/m")
    assert read.environment == {"HF_TOKEN": "secret", "CUDA_VISIBLE_DEVICES": "0,1"}
    messages = [f.message for f in read.findings if f.code == "environment-not-kept"]
    assert len(messages) == 2
    assert not any("secret" in m for m in messages)


def test_exported_variables_count_as_environment() -> None:
    read = read_command("export NCCL_IB_GID_INDEX=3\nvllm serve org/m")
    assert read.environment == {"NCCL_IB_GID_INDEX": "3"}


# ---- docker run --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "runtime", "version"),
    [
        ("vllm/vllm-openai:v0.10.2", Runtime.VLLM, "0.10.2"),
        ("lmsysorg/sglang:v0.5.2-cu126", Runtime.SGLANG, "0.5.2"),
        ("docker.io/lmsysorg/sglang:v0.5.14", Runtime.SGLANG, "0.5.14"),
        ("lmsysorg/sglang:latest", Runtime.SGLANG, None),
    ],
)
def test_image_table(reference: str, runtime: Runtime, version: str | None) -> None:
    image = find_image(reference)
    assert image is not None
    assert image.runtime == runtime
    assert image.version == version


def test_docker_image_tag_picks_the_release() -> None:
    read = read_command(
        "docker run --gpus all -p 8000:8000 --ipc=host -e HF_TOKEN=x -v /a:/b "
        "vllm/vllm-openai:v0.10.2 --model org/m --swap-space 8 --max-num-seqs 4"
    )
    assert read.engine.label == "vLLM 0.10.2"
    assert read.task.runtime_image_tag == "v0.10.2"
    assert read.image == "vllm/vllm-openai:v0.10.2"
    assert read.environment == {"HF_TOKEN": "x"}
    assert read.task.model.id_or_path == "org/m"


def test_docker_image_with_a_launch_command() -> None:
    read = read_command(
        "docker run --gpus all --shm-size 32g lmsysorg/sglang:v0.5.2-cu126 "
        "python3 -m sglang.launch_server --model-path org/m --tp-size 2"
    )
    assert read.engine.label == "SGLang 0.5.2"
    assert read.task.parallel_config is not None and read.task.parallel_config.tp == [2]


def test_unknown_image_that_launches_nothing_is_unreadable() -> None:
    with pytest.raises(UnreadableCommand, match="not a known SGLang or vLLM image"):
        read_command("docker run --rm ubuntu:24.04 bash")


def test_explicit_release_wins_over_the_newest() -> None:
    read = read_command("vllm serve org/m --swap-space 4", engine_version="0.10.2")
    assert read.engine.version == "0.10.2"


# ---- The corpus -----------------------------------------------------------------------------


@pytest.mark.parametrize("runtime", ["sglang", "vllm"])
def test_every_corpus_command_is_read_on_every_release(runtime: str) -> None:
    entries = corpus(runtime)
    assert all(e["source"] and e["command"] for e in entries)
    for entry in entries:
        for version in supported_versions(runtime):
            read = read_command(entry["command"], engine_version=version)
            assert read.task.base_runtime.value == runtime, entry["id"]
            assert read.task.model.id_or_path != "unknown", entry["id"]


def test_corpus_size_and_coverage() -> None:
    sglang, vllm = corpus("sglang"), corpus("vllm")
    assert len(sglang) + len(vllm) >= 70
    texts = [e["command"] for e in [*sglang, *vllm]]
    assert any("--tp " in t for t in texts)  # abbreviation
    assert any(".method" in t for t in texts)  # dotted key
    assert any("'{" in t for t in texts)  # JSON value
    assert any(t.startswith("docker run") for t in texts)
    assert len({e["source"] for e in [*sglang, *vllm]}) >= 40


# ---- Property: a command written from parameters reads back to them --------------------------

_VALUES = st.one_of(
    st.integers(min_value=1, max_value=4096),
    st.sampled_from(["auto", "fp8", "org/x", "a=b", "{}"]),
)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["served-model-name", "max-num-seqs", "seed", "max-num-batched-tokens"]),
        _VALUES,
        max_size=5,
    ),
    st.booleans(),
)
def test_written_flags_read_back(flags: dict[str, Any], equals: bool) -> None:
    import shlex

    words = ["vllm", "serve", "org/m"]
    for key, value in flags.items():
        words.extend([f"--{key}={value}"] if equals else [f"--{key}", str(value)])
    read = read_command(shlex.join(words))
    assert read.unlifted is not None
    back = {k: [str(v) for v in vs] for k, vs in read.unlifted.parameters.items()}  # type: ignore[union-attr]
    assert back == {k: [str(v)] for k, v in flags.items()}


@pytest.mark.parametrize(
    "command",
    [
        "vllm serve org/m --host 0.0.0.0 --port 8000 --max-num-seqs 64",
        "python -m sglang.launch_server --model-path org/m --host 0.0.0.0 --port=30000 --tp 2",
    ],
)
def test_host_and_port_are_left_to_the_autotuner(command: str) -> None:
    read = read_command(command)
    assert read.unlifted is not None
    assert not {"host", "port"} & set(read.unlifted.parameters)
    dropped = [f for f in read.findings if f.code == "launcher-flag-dropped"]
    assert {f.path for f in dropped} == {"parameters.host", "parameters.port"}
    assert all(f.severity == "warning" for f in dropped)
    assert not [f for f in read.findings if f.severity == "error"]


# ---- CLI -----------------------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_prints_a_task(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "from-command", "vllm serve org/m --tensor-parallel-size 2", "--format", "json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["base_runtime"] == "vllm"
    assert data["parallel_config"]["tp"] == 2
    assert data["parameters"]["tensor-parallel-size"] == [2]
    assert "vLLM 0.33.0, model org/m" in err


def test_cli_reads_a_file_and_writes_out(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "launch.sh"
    source.write_text(
        "python3 -m sglang.launch_server \\\n  --model-path org/m \\\n  --tp-size 4\n"
    )
    target = tmp_path / "task.yaml"
    code, out, _ = run(capsys, "from-command", str(source), "--out", str(target))
    assert code == 0
    assert out == ""
    assert yaml.safe_load(target.read_text())["parallel_config"]["tp"] == 4


def test_cli_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("vllm serve org/m --max-num-seqs 8\n"))
    code, out, _ = run(capsys, "from-command", "-", "--engine-version", "0.24.0")
    assert code == 0
    assert yaml.safe_load(out)["engine_version"] == "0.24.0"


def test_cli_errors_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "from-command", "vllm serve org/m --no-such-flag 3")
    assert code == 1
    assert "no-such-flag" in err


def test_cli_unreadable_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "from-command", "echo hello")
    assert code == 2
    assert out == ""
    assert "no SGLang or vLLM launch" in err
    assert "Traceback" not in err


def test_cli_unknown_release_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "from-command", "vllm serve m", "--engine-version", "9.9")
    assert code == 2
    assert "no flag manifest for vLLM 9.9" in err


def test_abbreviated_option_is_written_under_its_full_name() -> None:
    # The DeepSeek launch of SGLang's docs: dp attention keeps the flags raw, and the autotuner
    # counts GPUs from full names only, so --tp and --dp must not survive as written.
    read = read_command(
        "python3 -m sglang.launch_server --model deepseek-ai/DeepSeek-V3 --tp 8 --dp 8 "
        "--enable-dp-attention --trust-remote-code",
        engine_version="0.5.23",
    )
    assert read.task.parameters["tp-size"] == [8]
    assert read.task.parameters["dp-size"] == [8]
    assert "tp" not in read.task.parameters and "dp" not in read.task.parameters
    assert "abbreviated-flag" not in codes(read)


def test_command_without_an_image_gets_its_release_image_and_no_default_image_warning() -> None:
    read = read_command("python -m sglang.launch_server --model-path org/m --tp-size 2")
    assert read.task.runtime_image_tag is not None
    assert read.task.engine_version is not None
    assert read.task.engine_version in read.task.runtime_image_tag
    assert "default-image" not in codes(read)


@pytest.mark.parametrize("runtime", ["sglang", "vllm"])
def test_corpus_commands_come_out_under_exact_flag_names(runtime: str) -> None:
    for entry in corpus(runtime):
        for version in supported_versions(runtime):
            read = read_command(entry["command"], engine_version=version)
            manifest = read.engine.manifest
            for key in read.task.parameters:
                # Exact, or not one flag's abbreviation (unknown and ambiguous names are the
                # validator's errors, reported on the task).
                option = f"--{key}"
                named = {manifest.lookup(m).spec.dest for m in manifest.prefix_matches(option)}  # type: ignore[union-attr]
                assert manifest.lookup(option) is not None or len(named) != 1, (
                    entry["id"],
                    version,
                    key,
                )
            assert not {"abbreviated-flag", "default-image"} & codes(read), entry["id"]
