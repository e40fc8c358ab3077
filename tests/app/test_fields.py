"""The advanced-config form: built from the model, round-trips tasks, errors per field."""

from __future__ import annotations

from pathlib import Path

import pytest

from configlib.convert import editing
from configlib.model import BenchmarkConfig, TaskConfig
from configlib.taskfile import load_task
from configlib.ui import fields
from configlib.ui.fields import Raw, field_specs
from configlib.ui.form import apply_form, parse_raw, raw_from_task
from configlib.vocab import STRUCTURED_SECTIONS

EXAMPLES = Path(__file__).parents[1] / "data" / "autotuner"
TASK_FILES = sorted(EXAMPLES.glob("examples*/**/*.json"))


def _task(**extra: object) -> TaskConfig:
    data = {"task_name": "t", "model": {"id_or_path": "Qwen/Qwen3-32B"}, "base_runtime": "sglang"}
    return TaskConfig.model_validate({**data, **extra})


def test_every_section_field_has_a_form_field_with_its_docstring() -> None:
    specs = field_specs()
    for section in STRUCTURED_SECTIONS:
        model = fields.section_model(section)
        for name, info in model.model_fields.items():
            spec = specs[f"{section}.{name}"]
            assert info.description, f"{section}.{name} has no docstring to show as help"
            assert spec.help == f"`{section}.{name}`: {info.description}"
    for name in BenchmarkConfig.model_fields:
        assert f"benchmark.{name}" in specs


def test_kinds_and_choices_come_from_the_model_and_vocabularies() -> None:
    specs = field_specs()
    tp = specs["parallel_config.tp"]
    assert (tp.kind, tp.multiple, tp.widget) == ("int", True, "text")
    kv = specs["quantization_config.kvcache_quant_mode"]
    assert kv.widget == "multiselect" and set(kv.choices) == {"bfloat16", "int8", "fp8"}
    gpu = specs["system_config.gpu_type"]
    assert gpu.widget == "select" and "h200_sxm" in gpu.choices and gpu.options[0] == ""
    assert specs["memory_config.max_model_len"].unit == "tokens"
    assert specs["memory_config.max_model_len"].label == "Max context length (tokens)"
    assert specs["optimization.strategy"].options == ("grid_search", "bayesian", "random")
    assert specs["slo.ttft.hard_fail"].widget == "checkbox"
    assert specs["benchmark.additional_params"].widget == "textarea"


@pytest.mark.parametrize(
    ("path", "raw", "value"),
    [
        ("parallel_config.tp", "2, 4", [2, 4]),
        ("parallel_config.tp", "[2 4 8]", [2, 4, 8]),
        ("parallel_config.tp", "  ", None),
        ("memory_config.mem_fraction_static", "0.8,0.9", [0.8, 0.9]),
        ("parallel_config.attention_dp", ["true", "false"], [True, False]),
        ("quantization_config.gemm_quant_mode", [], None),
        ("optimization.max_iterations", "12", 12),
        ("benchmark.traffic_scenarios", "D(100,100) D(2048,512)", ["D(100,100)", "D(2048,512)"]),
        ("benchmark.additional_params", '{"temperature": 0.0}', {"temperature": 0.0}),
        ("scheduling_config.schedule_policy", "lpm fcfs", ["lpm", "fcfs"]),
        ("scheduling_config.schedule_policy", "lpm, fcfs", ["lpm", "fcfs"]),
        ("benchmark.traffic_scenarios", "D(1,2), N(3,4)/(5,6)", ["D(1,2)", "N(3,4)/(5,6)"]),
    ],
)
def test_parse_raw(path: str, raw: Raw, value: object) -> None:
    assert parse_raw(field_specs()[path], raw) == value


@pytest.mark.parametrize(
    ("path", "raw", "message"),
    [
        ("parallel_config.tp", "2, 2.5", "'2.5' is not a whole number"),
        ("memory_config.mem_fraction_static", "0.8, lots", "'lots' is not a number"),
        ("memory_config.mem_fraction_static", "nan", "not a finite number"),
        ("optimization.max_iterations", "1 2", "give one number"),
        ("benchmark.additional_params", "[1]", "JSON object"),
        ("benchmark.additional_params", '{"a": ', "invalid JSON"),
    ],
)
def test_parse_raw_errors(path: str, raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_raw(field_specs()[path], raw)


@pytest.mark.parametrize("path", TASK_FILES, ids=lambda p: p.name)
def test_form_round_trips_real_tasks(path: Path) -> None:
    task, _ = load_task(str(path))
    task, _ = editing.regenerate(task)
    result = apply_form(task, raw_from_task(task))
    assert result.errors == {}
    assert result.task == task


def test_a_bad_value_keeps_the_old_one_and_names_the_field() -> None:
    task = _task(parallel_config={"tp": [2]})
    raw = raw_from_task(task)
    raw["parallel_config.tp"] = "0, 4"
    raw["memory_config.mem_fraction_static"] = "0.9"
    result = apply_form(task, raw)
    assert set(result.errors) == {"parallel_config.tp"}
    assert "greater than or equal to 1" in result.errors["parallel_config.tp"]
    assert result.task.parallel_config is not None and result.task.parallel_config.tp == [2]
    assert result.task.memory_config is not None
    assert result.task.memory_config.mem_fraction_static == [0.9]


def test_system_needs_a_gpu_type_and_fills_from_the_catalog() -> None:
    task = _task()
    raw = raw_from_task(task)
    raw["system_config.total_gpus"] = "8"
    result = apply_form(task, raw)
    assert result.errors == {"system_config.gpu_type": "required when any System field is set"}
    raw["system_config.gpu_type"] = "h200_sxm"
    result = apply_form(task, raw)
    system = result.task.system_config
    assert result.errors == {} and system is not None and system.memory_per_gpu
    # Catalog-filled values are shown empty, so changing the GPU type refills them.
    shown = raw_from_task(result.task)
    assert shown["system_config.memory_per_gpu"] == ""
    shown["system_config.gpu_type"] = "l40s"
    refilled = apply_form(result.task, shown).task.system_config
    assert refilled is not None and refilled.memory_per_gpu != system.memory_per_gpu


def test_slo_metrics_need_a_threshold_and_unset_ones_disappear() -> None:
    task = _task()
    raw = raw_from_task(task)
    raw["slo.ttft.weight"] = "2"
    result = apply_form(task, raw)
    assert "slo.ttft.threshold" in result.errors
    assert result.task.slo is None
    raw["slo.ttft.threshold"] = "0.5"
    raw["slo.latency.p90.threshold"] = "3"
    raw["slo.latency.p90.hard_fail"] = True
    slo = apply_form(task, raw).task.slo
    assert slo is not None and slo.ttft is not None and slo.ttft.weight == 2.0
    assert slo.latency is not None and slo.latency.p90 is not None and slo.latency.p90.hard_fail
    assert slo.latency.p50 is None and slo.tpot is None


def test_settings_the_form_does_not_show_are_kept() -> None:
    task = _task(
        benchmark={"dataset_url": "https://example.com/d.jsonl"},
        metadata={"aiconfigurator_predictions": {"ttft_ms": 120.0}},
    )
    raw = raw_from_task(task)
    raw["benchmark.num_concurrency"] = "1 8"
    result = apply_form(task, raw)
    assert result.task.benchmark.model_extra == {"dataset_url": "https://example.com/d.jsonl"}
    assert result.task.benchmark.num_concurrency == [1, 8]
    assert result.task.metadata.aiconfigurator_predictions == {"ttft_ms": 120.0}


def test_required_header_fields() -> None:
    task = _task()
    raw = raw_from_task(task)
    raw["task_name"] = ""
    raw["model.id_or_path"] = " "
    result = apply_form(task, raw)
    assert set(result.errors) == {"task_name", "model.id_or_path"}
    assert result.task.task_name == "t"


def test_every_field_has_a_human_label_with_its_unit_and_its_name_in_the_help() -> None:
    # Issue 13, item 10: labels were raw field names, and units were not beside every input.
    from configlib.labels import LABELS

    for path, spec in field_specs().items():
        assert spec.name in LABELS, f"{path} has no label in configlib.labels"
        assert "_" not in spec.label.replace("genai-bench", ""), spec.label
        if spec.unit:
            assert spec.label.endswith(f"({spec.unit})"), spec.label
        assert spec.help.startswith(f"`{path}`"), spec.help
    labels = {spec.path: spec.label for spec in field_specs().values()}
    assert labels["model.id_or_path"] == "Model id or path"
    assert labels["scheduling_config.max_num_seqs"] == "Max running (requests)"
    assert labels["slo.ttft.threshold"] == "TTFT target (s)"
    assert labels["benchmark.max_time_per_iteration"] == "Time limit per run (min)"
    assert labels["optimization.timeout_per_iteration"] == "Time limit per experiment (s)"


def test_the_labels_are_the_models_titles() -> None:
    from configlib.model import ParallelConfig, TaskConfig

    assert ParallelConfig.model_fields["tp"].title == "Tensor parallel (TP)"
    schema = TaskConfig.model_json_schema()
    assert schema["properties"]["task_name"]["title"] == "Task name"
