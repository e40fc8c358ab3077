"""Engine releases: version resolution, manifest lookups and value checks."""

from __future__ import annotations

from typing import Any

import pytest

from configlib.engines import (
    UnknownEngineVersion,
    get_engine,
    resolve_engine,
    supported_versions,
    version_from_tag,
)
from configlib.engines.manifest import check_value


def test_supported_versions_are_the_shipped_manifests() -> None:
    assert supported_versions("sglang") == ["0.5.2", "0.5.14", "0.5.16", "0.5.23"]
    assert supported_versions("vllm") == ["0.10.2", "0.24.0", "0.33.0"]


@pytest.mark.parametrize(
    ("tag", "version"),
    [
        ("v0.5.2-cu126", "0.5.2"),
        ("v0.5.14-cu129", "0.5.14"),
        ("lmsysorg/sglang:v0.5.23-cu129-amd64", "0.5.23"),
        ("v0.10.2", "0.10.2"),
        ("0.24.0", "0.24.0"),
        ("v0.4.8.post1-cu126", "0.4.8.post1"),
        ("latest", None),
        ("nightly-2026", None),
        (None, None),
    ],
)
def test_version_from_tag(tag: str | None, version: str | None) -> None:
    assert version_from_tag(tag) == version


def test_resolution_order_and_notes() -> None:
    engine, notes = resolve_engine("sglang", image_tag="v0.5.14-cu129")
    assert (engine.version, notes) == ("0.5.14", [])
    engine, notes = resolve_engine("sglang", engine_version="0.5.16", image_tag="v0.5.14-cu129")
    assert engine.version == "0.5.16"
    assert [n.code for n in notes] == ["version-mismatch"]
    engine, notes = resolve_engine("vllm", image_tag="latest")
    assert engine.version == "0.33.0" and [n.code for n in notes] == ["version-unknown"]
    engine, notes = resolve_engine("sglang", image_tag="v0.4.8.post1-cu126")
    assert engine.version == "0.5.2" and [n.code for n in notes] == ["unsupported-version"]
    engine, notes = resolve_engine("sglang", image_tag="v0.5.20-cu129")
    assert engine.version == "0.5.16"
    engine, notes = resolve_engine("sglang")
    assert engine.version == "0.5.23" and [n.code for n in notes] == ["default-image"]
    engine, notes = resolve_engine("vllm")
    assert engine.version == "0.33.0" and [n.code for n in notes] == ["default-image"]
    assert "vllm/vllm-openai:latest" in notes[0].message


def test_an_unknown_engine_version_the_task_asks_for_is_an_error() -> None:
    # Issue 14 item 12: no silent fallback to another release, and no path is ever opened.
    for asked in ("../../../../etc/passwd", "0.5.3", "9" * 5000):
        engine, notes = resolve_engine("sglang", engine_version=asked)
        assert [(n.severity, n.code) for n in notes] == [("error", "unsupported-version")]
        assert engine.version in supported_versions("sglang")
        assert len(notes[0].message) < 300
    _, notes = resolve_engine("sglang", engine_version="0.5.3")
    assert "other findings are for 0.5.2" in notes[0].message


def test_unknown_explicit_version_is_an_error() -> None:
    with pytest.raises(UnknownEngineVersion, match=r"supported: 0\.10\.2, 0\.24\.0, 0\.33\.0"):
        get_engine("vllm", "0.11.0")


def test_lookups_accept_every_spelling_the_parser_accepts() -> None:
    sglang = get_engine("sglang", "0.5.2").manifest
    assert sglang.spec("tp-size") is sglang.spec("tensor-parallel-size")
    assert sglang.lookup("--tensor_parallel_size") is None  # SGLang has no snake_case
    vllm = get_engine("vllm", "0.33.0").manifest
    tp = vllm.spec("tensor-parallel-size")
    assert tp is not None and vllm.lookup("-tp") is not None
    assert vllm.lookup("--tensor_parallel_size") is not None
    negation = vllm.lookup("--disable-prefix-caching")
    assert negation is not None and negation.negated
    assert negation.spec.name == "--enable-prefix-caching"
    assert get_engine("vllm", "0.10.2").manifest.lookup("--disable-prefix-caching") is None


def test_prefix_matching_is_reported() -> None:
    manifest = get_engine("sglang", "0.5.23").manifest
    assert manifest.prefix_matches("--tp") == ["--tp-size"]
    assert manifest.prefix_matches("--cuda-graph-max-bs") == [
        "--cuda-graph-max-bs-decode",
        "--cuda-graph-max-bs-prefill",
    ]


def flag(engine: str, version: str, name: str) -> Any:
    spec = get_engine(engine, version).manifest.spec(name)
    assert spec is not None, name
    return spec


@pytest.mark.parametrize(
    ("engine", "version", "name", "value", "accepted"),
    [
        ("sglang", "0.5.2", "tp-size", 4, True),
        ("sglang", "0.5.2", "tp-size", "4", True),
        ("sglang", "0.5.2", "tp-size", 4.0, False),
        ("sglang", "0.5.2", "tp-size", True, False),
        ("sglang", "0.5.2", "kv-cache-dtype", "fp8", False),
        ("sglang", "0.5.2", "kv-cache-dtype", "fp8_e4m3", True),
        ("sglang", "0.5.14", "kv-cache-dtype", "fp4_e2m1", True),
        ("sglang", "0.5.23", "kv-cache-dtype", "fp4_e2m1", False),
        ("sglang", "0.5.2", "context-length", "32k", False),
        ("sglang", "0.5.14", "context-length", "32k", True),
        ("sglang", "0.5.23", "mem-fraction-static", 0.85, True),
        ("sglang", "0.5.23", "mem-fraction-static", "high", False),
        ("sglang", "0.5.23", "disable-radix-cache", True, True),
        ("sglang", "0.5.23", "disable-radix-cache", False, True),
        ("sglang", "0.5.23", "disable-radix-cache", "true", False),
        ("sglang", "0.5.23", "schedule-policy", "hrrn", True),
        ("sglang", "0.5.16", "schedule-policy", "hrrn", False),
        ("sglang", "0.5.2", "quantization", "fp8", True),
        ("sglang", "0.5.23", "quantization", "marlin", False),
        ("vllm", "0.33.0", "max-model-len", "auto", True),
        ("vllm", "0.10.2", "max-model-len", "auto", False),
        ("vllm", "0.10.2", "max-model-len", "32k", True),
        ("vllm", "0.33.0", "scheduling-policy", "lpm", False),
        ("vllm", "0.33.0", "served-model-name", "my model", False),
        ("vllm", "0.33.0", "quantization", None, True),
        ("vllm", "0.33.0", "seed", None, False),
        ("vllm", "0.33.0", "compilation-config", '{"level":3}', True),
        ("vllm", "0.33.0", "compilation-config", "{level:3}", False),
        ("vllm", "0.33.0", "compilation-config", {"level": 3}, False),
    ],
)
def test_check_value(engine: str, version: str, name: str, value: Any, accepted: bool) -> None:
    problem = check_value(flag(engine, version, name), value)
    assert (problem is None) == accepted, problem


def test_value_lists_the_parser_does_not_enforce() -> None:
    engine = get_engine("vllm", "0.33.0")
    kv = flag("vllm", "0.33.0", "kv-cache-dtype")
    assert kv.choices is None
    allowed = engine.value_lists[kv.name]
    assert check_value(kv, "fp8", allowed) is None
    assert check_value(kv, "fp8_bogus", allowed) is not None
    quant = flag("vllm", "0.24.0", "quantization")
    assert check_value(quant, "gguf", get_engine("vllm", "0.24.0").value_lists[quant.name])
    assert check_value(quant, "gguf", get_engine("vllm", "0.10.2").value_lists[quant.name]) is None
