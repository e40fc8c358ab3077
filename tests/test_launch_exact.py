"""Launches stay exactly the same: spellings, abbreviations, dotted keys, repeats, DP attention,
the lift rule, and no launch command for a task with an error. Every test runs on every
supported release it applies to (tests/engine_parsers/test_spellings.py checks the same cases
against the real parsers)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from configlib.convert import lift, retarget, to_flat, to_structured
from configlib.engines import get_engine, supported_versions
from configlib.engines.manifest import resolve_key
from configlib.engines.parsing import argv_for, parse_argv
from configlib.grid import grid_of
from configlib.model import TaskConfig
from configlib.validate import validate, validate_data
from tests.conftest import make_task

SGLANG = supported_versions("sglang")
VLLM = supported_versions("vllm")
ALL = [("sglang", v) for v in SGLANG] + [("vllm", v) for v in VLLM]


def _task(runtime: str, version: str, **sections: Any) -> TaskConfig:
    return make_task(runtime, engine_version=version, runtime_image_tag=None, **sections)


def _parsed(runtime: str, version: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """What the release's parser reads from the first grid point of ``parameters``."""
    engine = get_engine(runtime, version)
    point = next(iter(grid_of(parameters)))
    parsed = parse_argv(engine.manifest, argv_for(point))
    assert parsed.ok, parsed.errors
    return parsed.values


def _codes(findings: list[Any]) -> list[str]:
    return [f.code for f in findings]


# ---- Defect 1: DP attention ----------------------------------------------------------------


@pytest.mark.parametrize("version", SGLANG)
def test_dp_attention_command_keeps_its_meaning(version: str) -> None:
    flags = {"tp": [8], "dp": [8], "enable-dp-attention": [True]}
    task = _task("sglang", version, parameters=flags)
    structured, findings = to_structured(task)
    assert not [f for f in findings if f.severity == "error"]
    assert _parsed("sglang", version, structured.parameters) == _parsed("sglang", version, flags)
    for total, over in ((8, False), (4, True)):
        budget = {**structured.model_dump(mode="json", exclude_none=True)}
        budget["system_config"] = {"gpu_type": "H100_SXM", "total_gpus": total}
        _, found = validate_data(budget)
        assert ("too-many-gpus" in _codes(found)) is over, (total, found)  # one 8-GPU server


@pytest.mark.parametrize("version", SGLANG)
def test_structured_attention_dp_renders_on_every_release(version: str) -> None:
    task = _task("sglang", version, parallel_config={"attention_dp": True})
    flat = to_flat(task)
    assert flat.parameters, "attention_dp must never render to nothing"
    values = _parsed("sglang", version, flat.parameters)
    assert values["enable_dp_attention"] is True
    assert "not-expressible" not in _codes(flat.findings)


@pytest.mark.parametrize("version", SGLANG)
def test_attention_dp_layout_renders_one_server(version: str) -> None:
    task = _task("sglang", version, parallel_config={"tp": 1, "dp": 8, "attention_dp": True})
    flat = to_flat(task)
    values = _parsed("sglang", version, flat.parameters)
    tp = values.get("tp_size", values.get("tensor_parallel_size"))
    assert tp == 8
    assert values.get("attn_dp_size", values.get("dp_size", values.get("data_parallel_size"))) == 8


@pytest.mark.parametrize("version", SGLANG)
def test_attention_dp_that_cannot_be_rendered_is_an_error(version: str) -> None:
    task = _task("sglang", version, parallel_config={"dp": [2, 4], "attention_dp": True})
    flat = to_flat(task)
    assert "not-expressible" in _codes(flat.findings)
    assert [f.severity for f in flat.findings if f.code == "not-expressible"] == ["error"]


# ---- Defect 2: vLLM dotted JSON sub-keys ---------------------------------------------------


@pytest.mark.parametrize("version", VLLM)
def test_dotted_sub_keys_are_valid_and_kept(version: str) -> None:
    flags = {"speculative-config.method": ["mtp"], "limit-mm-per-prompt.video": [0]}
    task = _task("vllm", version, parameters=flags)
    found = validate(task)
    assert "unknown-flag" not in _codes(found)
    assert not [f for f in found if f.severity == "error"]
    structured, _ = to_structured(task)
    assert structured.parameters == flags
    values = _parsed("vllm", version, flags)
    assert values["speculative_config"] == {"method": "mtp"}
    assert values["limit_mm_per_prompt"] == {"video": 0}


@pytest.mark.parametrize("version", VLLM)
def test_dotted_sub_keys_replace_the_json_flag_as_the_parser_does(version: str) -> None:
    # FlexibleArgumentParser appends the dotted keys as one JSON value after everything else,
    # so that value is the one kept, whatever the order (checked with the real parsers).
    engine = get_engine("vllm", version)
    for argv in (
        [
            "--speculative-config",
            '{"num_speculative_tokens": 1}',
            "--speculative-config.method",
            "mtp",
        ],
        [
            "--speculative-config.method",
            "mtp",
            "--speculative-config",
            '{"num_speculative_tokens": 1}',
        ],
    ):
        parsed = parse_argv(engine.manifest, argv)
        assert parsed.values["speculative_config"] == {"method": "mtp"}
    both = ["--limit-mm-per-prompt.video", "0", "--limit-mm-per-prompt.image", "2"]
    assert parse_argv(engine.manifest, both).values["limit_mm_per_prompt"] == {
        "video": 0,
        "image": 2,
    }


@pytest.mark.parametrize("version", SGLANG)
def test_sglang_has_no_dotted_keys(version: str) -> None:
    task = _task("sglang", version, parameters={"mem-fraction-static.x": [1]})
    assert "unknown-flag" in _codes(validate(task))


# ---- Defect 3: several spellings, the parser's winner keeps winning ------------------------


@pytest.mark.parametrize("version", SGLANG)
@pytest.mark.parametrize(
    "flags",
    [
        {"mem-frac": [0.8], "mem-fraction-static": [0.85]},
        {"mem-fraction-static": [0.85], "mem-frac": [0.8]},
    ],
    ids=["abbreviation-first", "abbreviation-last"],
)
def test_the_last_spelling_keeps_winning(version: str, flags: dict[str, Any]) -> None:
    task = _task("sglang", version, parameters=flags)
    original = _parsed("sglang", version, flags)
    structured, _ = to_structured(task)
    assert _parsed("sglang", version, structured.parameters) == original
    assert structured.memory_config is not None
    assert structured.memory_config.mem_fraction_static == [original["mem_fraction_static"]]
    codes = _codes(validate(task))
    assert "overridden-flag" in codes and "duplicate-flag" not in codes


# ---- Defect 4: a lift only when the parsed values stay the same ----------------------------


@pytest.mark.parametrize("runtime,version", ALL)
def test_lifting_never_changes_the_parsed_values(runtime: str, version: str) -> None:
    engine = get_engine(runtime, version)
    flags = (
        {"disable-cuda-graph": [True], "tp": [2], "schedule-pol": ["lpm"]}
        if runtime == "sglang"
        else {"enforce-eager": [True], "max-model": [4096], "no-enable-prefix-caching": [True]}
    )
    flags = {k: v for k, v in flags.items() if resolve_key(engine.manifest, k).ok}
    task = _task(runtime, version, parameters=flags)
    structured, _ = to_structured(task)
    assert _parsed(runtime, version, structured.parameters) == _parsed(runtime, version, flags)


@pytest.mark.parametrize("version", SGLANG)
def test_disable_cuda_graph_is_lifted_only_where_it_renders_back(version: str) -> None:
    task = _task("sglang", version, parameters={"disable-cuda-graph": [True]})
    lifted = lift(task)
    flat = to_flat(lifted.task)
    # 0.5.2 renders enforce_eager as --disable-cuda-graph: lifted. 0.5.14+ render it as the
    # --cuda-graph-backend-* pair, which leaves disable_cuda_graph false: kept as given.
    assert flat.parameters == {"disable-cuda-graph": [True]}
    assert _parsed("sglang", version, flat.parameters)["disable_cuda_graph"] is True
    structured = get_engine("sglang", version).manifest.exact("--cuda-graph-backend-decode")
    assert (lifted.task.memory_config is None) == (structured is not None)


# ---- Defect 5: an exact harmless repeat is a warning ---------------------------------------


@pytest.mark.parametrize("version", VLLM)
def test_an_exact_repeat_is_a_warning(version: str) -> None:
    engine = get_engine("vllm", version)
    spellings = [o.lstrip("-") for o in engine.manifest.flags["--enable-prefix-caching"].negation]
    flags = {"no-enable-prefix": [True], spellings[0]: [True]}
    task = _task("vllm", version, parameters=flags)
    found = validate(task)
    assert "repeated-flag" in _codes(found)
    assert not [f for f in found if f.severity == "error"], found


@pytest.mark.parametrize("version", SGLANG)
def test_repeated_candidates_under_two_spellings_stay_an_error(version: str) -> None:
    flags = {"mem-frac": [0.8, 0.9], "mem-fraction-static": [0.85]}
    assert "duplicate-flag" in _codes(validate(_task("sglang", version, parameters=flags)))


# ---- Abbreviations -------------------------------------------------------------------------


@pytest.mark.parametrize("version", SGLANG)
def test_abbreviations_are_lifted_like_full_names(version: str) -> None:
    structured, _ = to_structured(_task("sglang", version, parameters={"tp": [4]}))
    assert structured.parallel_config is not None and structured.parallel_config.tp == [4]
    assert "tp" not in structured.parameters


@pytest.mark.parametrize("runtime,version", ALL)
def test_an_ambiguous_prefix_is_an_error(runtime: str, version: str) -> None:
    prefix = "enable-dp" if runtime == "sglang" else "max-num"
    spelled = resolve_key(get_engine(runtime, version).manifest, prefix)
    assert spelled.kind == "ambiguous" and len(spelled.candidates) > 1
    found = validate(_task(runtime, version, parameters={prefix: [True]}))
    assert "ambiguous-flag" in _codes(found)


@pytest.mark.parametrize("runtime,version", ALL)
def test_manifests_record_how_spellings_are_read(runtime: str, version: str) -> None:
    manifest = get_engine(runtime, version).manifest
    assert manifest.allow_abbrev is True
    assert manifest.dotted_keys is (runtime == "vllm")


# ---- Errors: no launch command ------------------------------------------------------------


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parents[1]
    return subprocess.run(
        [sys.executable, "-m", "configlib", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        timeout=120,
    )


@pytest.mark.parametrize("version", VLLM)
def test_a_task_with_an_error_prints_no_launch_command(version: str, tmp_path: Path) -> None:
    data = {
        "task_name": "t",
        "model": {"id_or_path": "org/model"},
        "base_runtime": "vllm",
        "engine_version": version,
        "scheduling_config": {"schedule_policy": ["lpm", "fcfs"]},
    }
    (tmp_path / "t.json").write_text(json.dumps(data))
    result = _cli("params", "--format", "args", "t.json", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "no launch command" in result.stderr


# ---- Typos ---------------------------------------------------------------------------------


@pytest.mark.parametrize("runtime", ["sglang", "vllm"])
def test_typos_in_sections_are_errors_with_a_suggestion(runtime: str, tmp_path: Path) -> None:
    base = {"task_name": "t", "model": {"id_or_path": "m"}, "base_runtime": runtime}
    for section, expected in (
        ({"parallel_config": {"tp": 4, "tensor_paralel": 2}}, "did you mean tp?"),
        ({"memory_config": {"mem_fraction_statc": 0.8}}, "did you mean mem_fraction_static?"),
    ):
        (tmp_path / "t.json").write_text(json.dumps({**base, **section}))
        result = _cli("validate", "t.json", cwd=tmp_path)
        assert result.returncode == 1, result.stdout
        assert expected in result.stdout + result.stderr


def test_autotuner_parallel_keys_are_not_typos() -> None:
    from configlib.taskfile import parse_task

    _, notes = parse_task(
        {
            "task_name": "t",
            "model": {"id_or_path": "m"},
            "base_runtime": "sglang",
            "parallel_config": {"tp": 2, "moe_cluster": 2},
        }
    )
    assert [n.code for n in notes if n.path == "parallel_config.moe_cluster"] == ["not-translated"]


# ---- Default image, argument injection -----------------------------------------------------


@pytest.mark.parametrize("version", SGLANG)
def test_retargeted_task_names_the_target_image(version: str) -> None:
    task = make_task("sglang", engine_version=version, parameters={"tp-size": [2]})
    moved, notes = retarget(task, "vllm")
    found = [*notes, *validate(moved)]
    images = [f.message for f in found if f.code == "default-image"]
    assert images and all("vllm/vllm-openai" in m and "sglang" not in m for m in images)


@pytest.mark.parametrize("runtime,version", ALL)
def test_option_like_model_and_values_are_errors(runtime: str, version: str) -> None:
    task = _task(runtime, version).model_copy(deep=True)
    task.model.id_or_path = "--trust-remote-code"
    assert "option-like-value" in _codes(validate(task))
    flag = "served-model-name"
    engine = get_engine(runtime, version)
    if resolve_key(engine.manifest, flag).ok:
        found = validate(_task(runtime, version, parameters={flag: ["--trust-remote-code"]}))
        assert "invalid-flag-value" in _codes(found)
    ok = validate(
        _task(
            runtime, version, parameters={} if runtime == "vllm" else {"chunked-prefill-size": [-1]}
        )
    )
    assert "invalid-flag-value" not in _codes(ok)


@pytest.mark.parametrize("version", VLLM)
def test_json_flag_with_dotted_keys_warns_that_the_dotted_keys_win(version: str) -> None:
    flags = {
        "speculative-config": ['{"num_speculative_tokens":1}'],
        "speculative-config.method": ["mtp"],
    }
    found = validate(_task("vllm", version, parameters=flags))
    assert [f.path for f in found if f.code == "overridden-flag"] == [
        "parameters.speculative-config"
    ]
