"""Preset files: the autotuner's one-line export and seed array, configlib's own export with
runtime and sections, and flat presets converted to structured form with a report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from configlib.presets import Preset, system_presets
from configlib.presets.files import (
    PresetFormatError,
    export_filename,
    export_preset,
    load_presets,
    preset_json,
    presets_from_text,
    read_presets,
    structure_preset,
)

DATA = Path(__file__).parent / "data" / "autotuner-presets"


def test_the_autotuners_one_line_export_gets_its_runtime_back() -> None:
    text = (DATA / "preset-high-throughput.json").read_text()
    assert "\n" not in text.strip() and '"runtime"' not in text
    read = presets_from_text(text, "preset-high-throughput.json")
    preset = read.presets[0]
    assert preset.runtime == "sglang" and not preset.is_system
    assert preset.parameters == {
        "tp-size": [2, 4],
        "mem-fraction-static": [0.9],
        "schedule-policy": ["fcfs"],
        "enable-mixed-chunk": [True],
    }
    codes = [f.code for f in read.findings]
    assert codes == ["runtime-inferred", "flag-renamed"]


def test_the_seed_file_structured_matches_the_shipped_system_presets() -> None:
    read = load_presets(DATA / "seed_presets.json", structure=True)
    shipped = {p.name: p for p in system_presets()}
    assert [p.name for p in read.presets] == list(shipped)
    for preset in read.presets:
        expected = shipped[preset.name]
        for section in ("parallel_config", "memory_config", "scheduling_config"):
            assert getattr(preset, section) == getattr(expected, section), preset.name
        assert preset.parameters == expected.parameters
    memory = read.reports["Memory Efficient"]
    assert memory.moved == {
        "tp-size": ("parallel_config.tp",),
        "mem-fraction-static": ("memory_config.mem_fraction_static",),
    }
    assert memory.renamed == {"enable-chunked-prefill": "scheduling_config.chunked_prefill_enabled"}
    assert read.reports["High Throughput"].kept == ["enable-mixed-chunk"]


def test_export_keeps_runtime_and_sections_and_reads_back_equal() -> None:
    preset = Preset(
        name="Mine / v2",
        description="d",
        category="memory",
        runtime="vllm",
        memory_config={"gpu_memory_utilization": [0.8, 0.9]},
        parameters={"enforce-eager": [True]},
        metadata={"tags": ["a"]},
    )
    document = export_preset(preset)
    assert document["version"] == "1.0"
    assert list(document["preset"]) == [
        "name",
        "description",
        "category",
        "runtime",
        "memory_config",
        "parameters",
        "metadata",
    ]
    assert read_presets(json.loads(preset_json(preset))).presets == [preset]
    universal = Preset(name="any", parameters={"tp-size": [1]})
    assert export_preset(universal)["preset"]["runtime"] is None
    assert read_presets(export_preset(universal)).presets[0].runtime is None
    assert export_filename(preset) == "preset-mine-v2.json"


def test_exports_never_mark_a_preset_as_system() -> None:
    system = system_presets()[0]
    assert "is_system" not in export_preset(system)["preset"]
    assert not read_presets(export_preset(system)).presets[0].is_system


def test_a_bare_preset_is_read_with_a_warning() -> None:
    read = read_presets({"name": "bare", "parameters": {"tp-size": [1]}})
    assert read.presets[0].name == "bare"
    assert read.findings[0].code == "no-version-wrapper"


def test_runtime_is_not_guessed_when_the_flags_do_not_tell() -> None:
    read = read_presets(
        {
            "version": "1.0",
            "preset": {"name": "x", "parameters": {"max-model-len": [4096], "my-flag": [1]}},
        }
    )
    assert read.presets[0].runtime is None
    assert read.findings[0].code == "runtime-unknown"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "no presets found"),
        ("text", "not a str"),
        ({"version": "2.0", "preset": {"name": "x", "parameters": {"a": [1]}}}, "version '2.0'"),
        ({"version": "1.0"}, 'no "preset" key'),
        (
            [{"version": "1.0", "preset": {"name": "x", "parameters": {"a": []}}}],
            r"\[0\]\.preset\.parameters\.a",
        ),
        (
            [
                {"version": "1.0", "preset": {"name": "x", "parameters": {"a": [1]}}},
                {"version": "1.0", "preset": {"name": "x", "parameters": {"b": [1]}}},
            ],
            "second preset is named 'x'",
        ),
        (
            {"version": "1.0", "preset": {"name": "x", "parameters": {"a": [1]}, "colour": "red"}},
            "colour",
        ),
    ],
)
def test_bad_preset_documents_say_where(data: object, message: str) -> None:
    with pytest.raises(PresetFormatError, match=message):
        read_presets(data, "file.json")


def test_one_bad_item_rejects_the_whole_file() -> None:
    good = {"version": "1.0", "preset": {"name": "good", "parameters": {"tp-size": [1]}}}
    bad = {"version": "1.0", "preset": {"name": "", "parameters": {"tp-size": [1]}}}
    with pytest.raises(PresetFormatError) as caught:
        read_presets([good, bad], "mixed.json")
    assert caught.value.source == "mixed.json"
    assert all(f.path.startswith("[1]") for f in caught.value.findings)


def test_structuring_reports_what_moved_and_what_stayed() -> None:
    flat = Preset(
        name="flat",
        runtime="sglang",
        parameters={
            "tp-size": [2, 4],
            "context-length": [8192],
            "disable-radix-cache": [True],
            "my-custom-flag": ["x"],
        },
    )
    structured, report = structure_preset(flat)
    assert report.moved == {
        "tp-size": ("parallel_config.tp",),
        "context-length": ("memory_config.max_model_len",),
        "disable-radix-cache": ("advanced_tuning_config.enable_prefix_caching",),
    }
    assert report.kept == ["my-custom-flag"]
    assert structured.parameters == {"my-custom-flag": ["x"]}
    assert structured.advanced_tuning_config is not None
    assert structured.advanced_tuning_config.enable_prefix_caching == [False]
    assert report.engine == "SGLang 0.5.23"


def test_a_universal_flat_preset_is_read_with_the_engine_that_knows_its_flags() -> None:
    flat = Preset(
        name="u", parameters={"tensor-parallel-size": [2], "gpu-memory-utilization": [0.9]}
    )
    structured, report = structure_preset(flat)
    assert report.engine.startswith("vLLM") and structured.runtime is None
    assert structured.memory_config is not None
    assert structured.memory_config.gpu_memory_utilization == [0.9]
