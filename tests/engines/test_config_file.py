"""The engines' --config files: the loader model (config_files.json) and writing grid points.

The loader rules stated here come from the engines' own loaders (SGLang's
ConfigArgumentMerger, vLLM's FlexibleArgumentParser.load_config_file); the real loaders check
every written file in tests/engine_parsers/test_config_files.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from configlib.engines import get_engine, supported_versions
from configlib.engines.config_file import (
    ConfigFileError,
    loader_for,
    loader_words,
    point_file,
)
from configlib.engines.parsing import argv_for, parse_argv

WITH_CONFIG = [("sglang", v) for v in supported_versions("sglang") if v != "0.5.2"] + [
    ("vllm", v) for v in supported_versions("vllm")
]


def first_flag(runtime: str, version: str, action: str) -> str:
    """The first flag of the release with this argparse action (bare name)."""
    engine = get_engine(runtime, version)
    return next(s.bare for s in engine.manifest.flags.values() if s.action == action)


def test_sglang_0_5_2_has_no_config_and_the_error_points_to_the_command_line() -> None:
    with pytest.raises(ConfigFileError, match=r"no --config.*command-line form"):
        loader_for(get_engine("sglang", "0.5.2"))


@pytest.mark.parametrize(("runtime", "version"), WITH_CONFIG)
def test_every_release_with_a_config_option_has_a_loader(runtime: str, version: str) -> None:
    loader = loader_for(get_engine(runtime, version))
    assert loader.placement in {"before-command", "after-model"}


def test_sglang_switches_values_and_refused_actions() -> None:
    engine = get_engine("sglang", "0.5.14")
    loader = loader_for(engine)
    switch = first_flag("sglang", "0.5.14", "store_true")
    assert loader_words(engine, loader, {switch: True}) == [f"--{switch}"]
    assert loader_words(engine, loader, {switch: False}) == []
    # A boolean for a flag that is not a store_true switch is written as a value.
    assert loader_words(engine, loader, {"tp-size": True}) == ["--tp-size", "true"]
    assert loader_words(engine, loader, {"cuda-graph-bs": [1, 2]}) == ["--cuda-graph-bs", "1", "2"]
    assert loader_words(engine, loader, {"cuda-graph-bs": []}) == []
    nested = {"extra-metric-labels": {"a": 1}}
    assert loader_words(engine, loader, nested) == ["--extra-metric-labels", '{"a": 1}']
    optional = first_flag("sglang", "0.5.14", "BooleanOptionalAction")
    with pytest.raises(ConfigFileError, match=f"{optional}: .*refuses.*BooleanOptionalAction"):
        loader_words(engine, loader, {optional: False})


def test_vllm_true_is_the_switch_and_false_follows_the_release() -> None:
    engine = get_engine("vllm", "0.10.2")
    loader = loader_for(engine)
    assert loader_words(engine, loader, {"enable-prefix-caching": True}) == [
        "--enable-prefix-caching"
    ]
    assert loader_words(engine, loader, {"no-enable-prefix-caching": True}) == [
        "--no-enable-prefix-caching"
    ]
    assert loader_words(engine, loader, {"enforce-eager": False}) == []
    assert loader_words(engine, loader, {"max-num-seqs": 8}) == ["--max-num-seqs", "8"]


def test_a_key_that_is_not_text_is_refused() -> None:
    engine = get_engine("vllm", "0.33.0")
    with pytest.raises(ConfigFileError, match="not a flag name"):
        loader_words(engine, loader_for(engine), {3: "x"})


def _same(runtime: str, version: str, point: dict[str, Any], model: str = "org/m") -> None:
    """The file (read by the loader model) plus the kept words parse like the point."""
    engine = get_engine(runtime, version)
    loader = loader_for(engine)
    written = point_file(engine, point, model)
    config = yaml.safe_load(written.text) or {}
    assert config == written.config
    model_key = engine.spec.model_flag.lstrip("-") if engine.spec.model_flag else None
    if model_key:
        assert config.pop(model_key) == model
    words = [*loader_words(engine, loader, config), *written.kept]
    a, b = parse_argv(engine.manifest, argv_for(point)), parse_argv(engine.manifest, words)
    assert a.ok and b.ok and a.values == b.values, (a.errors, b.errors)


@pytest.mark.parametrize(("runtime", "version"), WITH_CONFIG)
def test_numbers_strings_and_json_keep_their_exact_meaning(runtime: str, version: str) -> None:
    fraction = "mem-fraction-static" if runtime == "sglang" else "gpu-memory-utilization"
    json_flag = "extra-metric-labels" if runtime == "sglang" else "additional-config"
    point = {
        fraction: 0.85,
        "max-running-requests" if runtime == "sglang" else "max-num-seqs": 64,
        json_flag: json.dumps({"team": "a", "n": 1}),
        "served-model-name": "true",  # text that YAML would read as a boolean
        "revision": "0.50",  # text that YAML would read as a different number
    }
    _same(runtime, version, point)
    engine = get_engine(runtime, version)
    written = point_file(engine, point)
    # A nested mapping where the loader writes it back as JSON; vLLM 0.10.2 writes Python's
    # repr of a mapping, which is not JSON, so there the JSON stays text.
    nested = loader_for(engine).mapping == "json"
    expected = {"team": "a", "n": 1} if nested else point[json_flag]
    assert written.config[json_flag] == expected
    assert written.config["revision"] == "0.50"
    assert written.config[fraction] == 0.85
    assert not written.kept


@pytest.mark.parametrize(("runtime", "version"), WITH_CONFIG)
def test_switches_and_negations_are_written_or_kept_with_a_reason(
    runtime: str, version: str
) -> None:
    engine = get_engine(runtime, version)
    optional = first_flag(runtime, version, "BooleanOptionalAction")
    switch = first_flag(runtime, version, "store_true")
    point = {switch: True, optional: True, f"no-{optional}": True}
    point.pop(optional)  # one destination once: the negation alone
    _same(runtime, version, point)
    written = point_file(engine, point)
    assert written.config.get(switch) is True
    if f"--no-{optional}" in written.kept:
        assert any(f.code == "kept-on-command-line" for f in written.findings)
    else:
        entry = written.config.get(optional, written.config.get(f"no-{optional}"))
        assert entry in (False, True)


def test_sglang_puts_the_model_in_the_file_vllm_keeps_it_on_the_command_line() -> None:
    sglang = point_file(get_engine("sglang", "0.5.23"), {"tp-size": 2}, "org/m")
    assert list(sglang.config) == ["model-path", "tp-size"]
    vllm = point_file(get_engine("vllm", "0.33.0"), {"tensor-parallel-size": 2}, "org/m")
    assert list(vllm.config) == ["tensor-parallel-size"]


def test_sglang_0_5_23_reads_any_long_spelling_and_refuses_negations_by_their_own_name() -> None:
    engine = get_engine("sglang", "0.5.23")
    loader = loader_for(engine)
    aliased = next(
        s
        for s in engine.manifest.flags.values()
        if s.action == "store_true" and any(a.startswith("--") for a in s.aliases)
    )
    alias = next(a for a in aliased.aliases if a.startswith("--"))[2:]
    assert loader_words(engine, loader, {alias: True}) == [f"--{alias}"]
    optional = first_flag("sglang", "0.5.23", "BooleanOptionalAction")
    with pytest.raises(ConfigFileError, match="refuses"):
        loader_words(engine, loader, {f"no-{optional}": True})
    # 0.5.14 matches keys by destination only: an alias that is not the destination is not
    # seen as a switch there, and becomes "--alias true", which argparse refuses.
    old = get_engine("sglang", "0.5.14")
    assert alias.replace("-", "_") != aliased.dest
    if old.manifest.exact(f"--{alias}") is not None:
        assert loader_words(old, loader_for(old), {alias: True}) == [f"--{alias}", "true"]


def test_a_kept_flag_says_why() -> None:
    engine = get_engine("sglang", "0.5.23")
    optional = first_flag("sglang", "0.5.23", "BooleanOptionalAction")
    written = point_file(engine, {f"no-{optional}": True}, "org/m")
    assert written.kept == [f"--no-{optional}"]
    [finding] = written.findings
    assert finding.code == "kept-on-command-line"
    assert "refuses options with action BooleanOptionalAction" in finding.message
    assert "stays on the command line after --config FILE" in finding.message
