"""export-engine and from-config: grid points as engine config files, commands and docker
lines, and config files (plus a command line) back into tasks."""

from __future__ import annotations

import io
import shlex
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from configlib.cli import main
from configlib.commandline import read_command
from configlib.convert import to_flat
from configlib.engine_export import ExportError, export_points, export_zip, read_config
from configlib.engines import supported_versions
from configlib.engines.config_file import ConfigFileError
from configlib.engines.parsing import argv_for
from configlib.grid import grid_of
from configlib.io import InputError
from configlib.model import TaskConfig
from tests.conftest import make_task

RELEASES = [("sglang", v) for v in supported_versions("sglang") if v != "0.5.2"] + [
    ("vllm", v) for v in supported_versions("vllm")
]


def sweep(runtime: str, version: str, **extra: Any) -> TaskConfig:
    fraction = "mem_fraction_static" if runtime == "sglang" else "gpu_memory_utilization"
    return make_task(
        runtime,
        engine_version=version,
        parallel_config={"tp": [1, 2]},
        memory_config={fraction: [0.8, 0.9]},
        **extra,
    )


def yaml_of(point: Any) -> tuple[str, str]:
    [(name, text)] = [(n, t) for n, t in point.files.items() if n.endswith(".yaml")]
    return name, text


def test_config_point_comes_with_the_command_that_uses_it() -> None:
    [sglang] = export_points(sweep("sglang", "0.5.14"), "config", [3])
    name, text = yaml_of(sglang)
    assert name == "t-point-0003.yaml"
    assert "model-path: Qwen/Qwen3-32B" in text and "tp-size: 2" in text
    assert sglang.command == f"python -m sglang.launch_server --config {name}"
    [vllm] = export_points(sweep("vllm", "0.10.2"), "config", [0])
    assert vllm.command == f"vllm serve Qwen/Qwen3-32B --config {yaml_of(vllm)[0]}"


def test_sglang_0_5_2_config_is_a_clear_error_args_and_docker_still_work() -> None:
    task = sweep("sglang", "0.5.2")
    with pytest.raises(ExportError, match=r"no --config.*command-line form"):
        export_points(task, "config", [0])
    [args] = export_points(task, "args", [0])
    assert args.command.startswith("python -m sglang.launch_server --model-path Qwen/Qwen3-32B")
    [docker] = export_points(task, "docker", [0])
    assert " lmsysorg/sglang:v0.5.2 python -m sglang.launch_server --model-path" in docker.command


@pytest.mark.parametrize(("runtime", "version"), RELEASES)
def test_docker_line_runs_the_release_image_with_the_file_mounted(
    runtime: str, version: str
) -> None:
    [point] = export_points(sweep(runtime, version), "docker", [1])
    name, _ = yaml_of(point)
    image = "lmsysorg/sglang" if runtime == "sglang" else "vllm/vllm-openai"
    words = shlex.split(point.command)
    assert words[:2] == ["docker", "run"]
    assert f"{image}:v{version}" in words
    assert f"/configlib/{name}" in words and "--config" in words
    read = read_command(point.command.replace('"$PWD/', '"/data/'))
    assert read.engine.version == version  # the image tag names the release


def test_image_tag_of_the_task_is_kept_when_it_names_the_release() -> None:
    task = sweep("sglang", "0.5.14", runtime_image_tag="v0.5.14-cu129")
    [point] = export_points(task, "docker", [0])
    assert "lmsysorg/sglang:v0.5.14-cu129" in point.command


def test_points_outside_the_grid_and_tasks_with_errors_are_refused() -> None:
    with pytest.raises(ExportError, match=r"point 4 is outside the grid \(0..3\)"):
        export_points(sweep("vllm", "0.33.0"), "config", [4])
    broken = make_task("vllm", engine_version="0.33.0", parameters={"no-such-flag": [1]})
    with pytest.raises(ExportError, match="error"):
        export_points(broken, "config", [0])


def test_the_number_of_points_exported_at_once_is_capped() -> None:
    big = make_task(
        "vllm",
        engine_version="0.33.0",
        parameters={"max-num-seqs": list(range(1, 41)), "seed": list(range(30))},
    )
    with pytest.raises(ExportError, match="1,200 points; at most 1,000"):
        export_points(big, "config")


def test_zip_holds_every_point_deterministically() -> None:
    points = export_points(sweep("vllm", "0.24.0"), "config")
    blob = export_zip(points)
    assert blob == export_zip(points)
    names = zipfile.ZipFile(io.BytesIO(blob)).namelist()
    assert len(names) == 8 and sum(n.endswith(".yaml") for n in names) == 4


# ---- Import --------------------------------------------------------------------------------


def test_command_line_wins_over_the_file() -> None:
    read = read_config(
        "tensor-parallel-size: 2\nmax-num-seqs: 64\n",
        "p.yaml",
        runtime="vllm",
        engine_version="0.33.0",
        command="vllm serve org/m --config p.yaml --max-num-seqs 128",
    )
    assert read.task.model.id_or_path == "org/m"
    assert read.task.parallel_config is not None and read.task.parallel_config.tp == [2]
    assert read.task.scheduling_config is not None
    assert read.task.scheduling_config.max_num_seqs == [128]


def test_config_equals_path_is_reported() -> None:
    read = read_config(
        "max-num-seqs: 64\n",
        "p.yaml",
        runtime="vllm",
        engine_version="0.33.0",
        command="vllm serve org/m --config=p.yaml",
    )
    assert "config-equals-ignored" in {f.code for f in read.findings}


#: Aliases that expand to 10**9 nodes (a "billion laughs" document).
BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(8)
)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tp-size: 2\n  x: [\n", r"p.yaml:2: invalid YAML"),
        ("- a\n- b\n", r"p.yaml:1: a config file is a mapping"),
        (BOMB, r"p.yaml: .*(alias|expand|nodes)"),
        ("tp-size: 2\nlora-strict-loading: true\n", r"p.yaml:2: lora-strict-loading: .*refuses"),
    ],
)
def test_hostile_or_refused_files_name_the_file_and_line(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_config(text, "p.yaml", runtime="sglang", engine_version="0.5.14")


def test_reading_for_a_release_without_config_is_an_error() -> None:
    with pytest.raises(ConfigFileError, match="no --config"):
        read_config("tp-size: 2\n", "p.yaml", runtime="sglang", engine_version="0.5.2")


# ---- Export then import: the same task -------------------------------------------------------

SINGLE = {
    "sglang": st.fixed_dictionaries(
        {
            "parallel_config": st.fixed_dictionaries({"tp": st.sampled_from([1, 2, 4])}),
            "memory_config": st.fixed_dictionaries(
                {
                    "mem_fraction_static": st.sampled_from([0.7, 0.85]),
                    "max_model_len": st.sampled_from([4096, 32768]),
                    "enforce_eager": st.booleans(),
                }
            ),
            "scheduling_config": st.fixed_dictionaries(
                {"max_num_seqs": st.integers(1, 1024), "chunked_prefill_enabled": st.booleans()}
            ),
            "advanced_tuning_config": st.fixed_dictionaries(
                {"enable_prefix_caching": st.booleans()}
            ),
            "parameters": st.fixed_dictionaries(
                {"enable-mixed-chunk": st.just([True]), "served-model-name": st.just(["on"])}
            ),
        }
    ),
    "vllm": st.fixed_dictionaries(
        {
            "parallel_config": st.fixed_dictionaries({"tp": st.sampled_from([1, 2, 4])}),
            "memory_config": st.fixed_dictionaries(
                {
                    "gpu_memory_utilization": st.sampled_from([0.8, 0.95]),
                    "max_model_len": st.sampled_from([4096, 32768]),
                    "enforce_eager": st.booleans(),
                }
            ),
            "scheduling_config": st.fixed_dictionaries(
                {"max_num_seqs": st.integers(1, 1024), "chunked_prefill_enabled": st.booleans()}
            ),
            "advanced_tuning_config": st.fixed_dictionaries(
                {"enable_prefix_caching": st.booleans()}
            ),
            "parameters": st.fixed_dictionaries(
                {
                    "additional-config": st.just(['{"a":{"b":[1,2]},"c":"yes"}']),
                    "seed": st.integers(0, 10),
                }
            ).map(lambda p: {**p, "seed": [p["seed"]]}),
        }
    ),
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_export_then_import_gives_back_the_same_task(data: st.DataObject) -> None:
    runtime, version = data.draw(st.sampled_from(RELEASES))
    sections = data.draw(SINGLE[runtime])
    task = make_task(runtime, engine_version=version, **sections)
    [point] = export_points(task, "config", [0])
    name, text = yaml_of(point)
    read = read_config(text, name, runtime=runtime, engine_version=version, command=point.command)
    imported = read.task
    assert imported.model.id_or_path == task.model.id_or_path
    assert (imported.base_runtime, imported.engine_version) == (task.base_runtime, version)
    # Same launch: both tasks are one grid point with the same flag words.
    original = grid_of(to_flat(task).parameters)
    again = grid_of(to_flat(imported).parameters)
    assert original.size == again.size == 1
    assert argv_for(again.point(0)) == argv_for(original.point(0))
    # Same task: what the command-line form of the point reads into.
    [args] = export_points(task, "args", [0])
    direct = read_command(args.command, engine_version=version).task
    for section in ("parallel_config", "memory_config", "scheduling_config", "parameters"):
        assert getattr(imported, section) == getattr(direct, section), section


# ---- Command line --------------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_round_trip_through_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    task_file = tmp_path / "task.json"
    task_file.write_text(sweep("vllm", "0.33.0").model_dump_json())
    code, _, err = run(capsys, "export-engine", str(task_file), "--all", "--out", str(tmp_path))
    assert code == 0 and "8 file(s) for 4 point(s)" in err
    launch = (tmp_path / "t-point-0002.sh").read_text().strip()
    code, out, err = run(
        capsys,
        "from-config",
        str(tmp_path / "t-point-0002.yaml"),
        "--runtime",
        "vllm",
        "--engine-version",
        "0.33.0",
        "--command",
        launch,
    )
    assert code == 0, err
    assert "tp: 2" in out and "gpu_memory_utilization: 0.8" in out


def test_cli_single_point_prints_the_file_and_the_launch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    task_file = tmp_path / "task.json"
    task_file.write_text(sweep("sglang", "0.5.23").model_dump_json())
    code, out, err = run(capsys, "export-engine", str(task_file), "--point", "1")
    assert code == 0
    assert out.startswith("model-path: Qwen/Qwen3-32B\n")
    assert "launch: python -m sglang.launch_server --config t-point-0001.yaml" in err


def test_cli_errors_are_one_line_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    task_file = tmp_path / "task.json"
    task_file.write_text(sweep("sglang", "0.5.2").model_dump_json())
    code, _, err = run(capsys, "export-engine", str(task_file))
    assert code == 2 and "no --config" in err and "Traceback" not in err
    code, _, err = run(capsys, "export-engine", str(task_file), "--all", "--format", "args")
    assert code == 2 and "--out" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [\n")
    code, _, err = run(capsys, "from-config", str(bad), "--runtime", "vllm")
    assert code == 2 and f"{bad}:2: invalid YAML" in err


def test_a_file_the_engines_would_not_open_is_refused() -> None:
    with pytest.raises(InputError, match=r"point.txt: the engines read only .*\.yaml or \*\.yml"):
        read_config("tp-size: 2\n", "point.txt", runtime="sglang", engine_version="0.5.23")


def test_problems_with_a_flag_name_the_line_that_sets_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "p.yaml"
    config.write_text("model-path: org/m\ntp-size: 2\nno-such-flag: 3\n")
    code, _, err = run(
        capsys, "from-config", str(config), "--runtime", "sglang", "--engine-version", "0.5.23"
    )
    assert code == 1
    assert f"parameters.no-such-flag: {config}:3: " in err


def test_hostile_task_documents_as_config_files_get_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The hostile corpus's task documents (bombs, huge lists, deep nesting, bad bytes), read
    as engine config files: an exit code and a message each, never an exception."""
    import sys

    sys.path.insert(0, str(Path(__file__).parent / "hostile"))
    import corpus

    for case in corpus.task_cases():
        path = tmp_path / case.filename
        case.write(path)
        args = ["from-config", str(path), "--runtime", "sglang", "--engine-version", "0.5.23"]
        code, _, err = run(capsys, *args)
        assert code in (0, 1, 2) and err.strip(), case.name
