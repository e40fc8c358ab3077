"""Measured results: the autotuner's results JSON (layouts A and B) and genai-bench run files
and folders, as records with metrics named with units (times in ms)."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from configlib.io import InputError
from configlib.results import (
    METRICS,
    ResultsFormatError,
    read_results,
    results_from_data,
)

DATA = Path(__file__).parent / "data"
RUN_A = DATA / "autotuner-results/docker-simple-tune_results.json"
PINNED = DATA / "genai-bench/pinned-a11575b"
RELEASE = DATA / "genai-bench/release-0.0.5"


def _load(path: Path) -> Any:
    return json.loads(path.read_text())


def test_layout_a_gives_one_record_per_run() -> None:
    read = read_results(RUN_A)
    assert read.format == "autotuner-results" and read.findings == []
    keys = [(r.experiment_id, r.scenario, r.concurrency) for r in read.records]
    assert keys == [
        (1, "D(100,100)", 4),
        (1, "D(100,100)", 1),
        (2, "D(100,100)", 4),
        (2, "D(100,100)", 1),
    ]
    raw = _load(RUN_A)["all_results"][0]["metrics"]["raw_results"][0]
    first = read.records[0]
    assert first.parameters == {"tp-size": 1, "mem-fraction-static": 0.7}
    assert first.metrics["ttft_ms"] == pytest.approx(raw["stats"]["ttft"]["mean"] * 1000)
    assert first.metrics["request_latency_p99_ms"] == pytest.approx(
        raw["stats"]["e2e_latency"]["p99"] * 1000
    )
    assert first.metrics["output_tokens_per_s"] == raw["mean_output_throughput_tokens_per_s"]
    assert first.metrics["requests_per_s"] == raw["requests_per_second"]
    assert first.metrics["benchmark_wall_time_s"] == pytest.approx(23.37027144432068)
    assert first.context["objective_score"] == pytest.approx(0.18876179561761397)
    assert first.context["task_name"] == "docker-simple-tune"


def test_every_metric_name_is_documented_with_a_unit() -> None:
    names = {name for r in read_results(RUN_A).records for name in r.metrics}
    names |= {name for r in read_results(PINNED).records for name in r.metrics}
    assert names <= set(METRICS)
    for name, info in METRICS.items():
        assert name.endswith(
            ("_ms", "_s", "_per_s", "_per_gpu", "_per_user", "_rate", "_per_request")
        ) or name.startswith("num_"), name
        assert info.unit


def test_a_failed_experiment_is_a_failed_record() -> None:
    read = read_results(DATA / "autotuner-results/simple-tune_results.json")
    (record,) = read.records
    assert (record.status, record.metrics) == ("failed", {})
    assert record.error_message == "InferenceService did not become ready in time"
    assert record.parameters == {"tp_size": 1, "mem_frac": 0.8}


def test_layout_b_and_averages_without_raw_runs() -> None:
    run = _load(RUN_A)
    experiments = []
    for entry in run["all_results"]:
        metrics = {k: v for k, v in entry["metrics"].items() if k != "raw_results"}
        metrics["concurrency_levels"] = [4]
        metrics["mean_total_throughput_per_gpu"] = 1000.0
        experiments.append(
            {
                "experiment_id": entry["experiment_id"],
                "status": "SUCCESS",
                "parameters": entry["parameters"],
                "metrics": metrics,
                "objective_score": entry["objective_score"],
                "elapsed_time": 30.0,
                "error_message": None,
            }
        )
    data = {"task": {"id": 7, "name": "docker-simple-tune"}, "experiments": experiments}
    read = results_from_data(data, "export.json")
    assert read.format == "autotuner-export"
    first = read.records[0]
    averaged = run["all_results"][0]["metrics"]
    assert first.concurrency == 4 and first.scenario is None
    assert first.metrics["request_latency_ms"] == pytest.approx(averaged["mean_e2e_latency"] * 1000)
    assert first.metrics["ttft_ms"] == pytest.approx(averaged["mean_ttft"] * 1000)
    assert first.metrics["output_tokens_per_s"] == averaged["mean_output_throughput"]
    assert first.metrics["total_tokens_per_s_per_gpu"] == 1000.0
    assert first.metrics["success_rate"] == 1.0
    assert first.context["averaged_over_runs"] == 2


def test_unfinished_or_malformed_experiments_are_reported() -> None:
    data = {
        "all_results": [
            {"experiment_id": 1, "status": "pending", "parameters": {}},
            "garbage",
            {
                "experiment_id": 2,
                "status": "success",
                "parameters": {},
                "metrics": {
                    "mean_ttft": "fast",
                    "mean_tpot": float("nan"),
                    "mean_e2e_latency": 0.5,
                },
            },
        ]
    }
    # Values that cannot be measurements refuse the file, naming each (issue 14 item 12).
    with pytest.raises(ResultsFormatError, match=r"2 value\(s\) cannot be stored") as refused:
        results_from_data(data, "odd.json")
    assert "all_results[2].metrics.mean_ttft" in str(refused.value)
    assert "all_results[2].metrics.mean_tpot" in str(refused.value)
    metrics = data["all_results"][2]["metrics"]  # type: ignore[index]
    del metrics["mean_ttft"], metrics["mean_tpot"]
    read = results_from_data(data, "odd.json")
    assert [f.code for f in read.findings] == ["not-finished", "not-an-experiment"]
    assert read.records[0].metrics == {"request_latency_ms": 500.0}


def test_a_genai_bench_folder_uses_its_metadata() -> None:
    read = read_results(PINNED, parameters={"tp-size": 2}, gpus=2)
    assert [r.concurrency for r in read.records] == [1, 4]
    record = read.records[1]
    raw = _load(PINNED / "D100_100_text-to-text_num_concurrency_4_time_4s.json")
    aggregated = raw["aggregated_metrics"]
    assert record.parameters == {"tp-size": 2}
    assert record.metrics["tpot_ms"] == pytest.approx(aggregated["stats"]["tpot"]["mean"] * 1000)
    assert record.metrics["tokens_per_s_per_user"] == pytest.approx(
        aggregated["stats"]["output_inference_speed"]["mean"]
    )
    assert record.metrics["output_tokens_per_s_per_gpu"] == pytest.approx(
        aggregated["mean_output_throughput_tokens_per_s"] / 2
    )
    assert record.metrics["run_duration_s"] == aggregated["run_duration"]
    assert record.context["benchmark_version"] == "0.0.2"
    assert record.source_format == "genai-bench"


def test_the_release_format_and_the_old_test_fixture() -> None:
    (new,) = read_results(RELEASE).records
    assert new.context["benchmark_version"] == "0.0.5" and new.concurrency == 4
    (old,) = read_results(DATA / "genai-bench/repo-test-fixtures/mock_run_data.json").records
    aggregated = _load(DATA / "genai-bench/repo-test-fixtures/mock_run_data.json")[
        "aggregated_metrics"
    ]
    assert old.metrics["requests_per_s"] == pytest.approx(aggregated["requests_per_minute"] / 60)
    assert "run_duration_s" not in old.metrics


def test_millisecond_files_are_not_scaled_again(tmp_path: Path) -> None:
    data = _load(RELEASE / "D100_100_text-to-text_num_concurrency_4_time_5s.json")
    in_ms = copy.deepcopy(data)
    in_ms["_time_unit"] = "ms"
    for field in ("ttft", "tpot", "e2e_latency", "output_latency"):
        for key, value in in_ms["aggregated_metrics"]["stats"][field].items():
            in_ms["aggregated_metrics"]["stats"][field][key] = value * 1000
    seconds = results_from_data(data, "s.json").records[0].metrics
    millis = results_from_data(in_ms, "ms.json").records[0].metrics
    assert millis["ttft_ms"] == pytest.approx(seconds["ttft_ms"])
    assert millis["request_latency_p90_ms"] == pytest.approx(seconds["request_latency_p90_ms"])
    in_ms["_time_unit"] = "minutes"
    with pytest.raises(ResultsFormatError, match="_time_unit"):
        results_from_data(in_ms, "bad.json")


def test_folder_of_run_folders_and_failed_runs(tmp_path: Path) -> None:
    shutil.copytree(PINNED, tmp_path / "task-exp1")
    shutil.copytree(RELEASE, tmp_path / "task-exp2")
    (tmp_path / "task-exp2" / "debug_for_run_D100_100_8.json").write_text("{}")
    (tmp_path / "task-exp2" / "notes.json").write_text('{"hello": 1}')
    read = read_results(tmp_path)
    assert len(read.records) == 3
    assert sorted(f.code for f in read.findings) == ["failed-run", "not-a-run-file"]


def test_things_that_are_not_results(tmp_path: Path) -> None:
    with pytest.raises(ResultsFormatError, match=r"experiment_metadata\.json"):
        read_results(PINNED / "experiment_metadata.json")
    with pytest.raises(ResultsFormatError, match="not a results file"):
        results_from_data({"hello": 1}, "x.json")
    with pytest.raises(ResultsFormatError, match="not a list"):
        results_from_data({"all_results": {"a": 1}}, "x.json")
    with pytest.raises(ResultsFormatError, match="JSON object"):
        results_from_data([1, 2], "x.json")
    with pytest.raises(ResultsFormatError, match="no genai-bench run files"):
        read_results(tmp_path)
    with pytest.raises(InputError, match="no such file"):
        read_results(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"all_results": [')
    with pytest.raises(InputError, match=r"broken\.json:1"):
        read_results(broken)


def test_an_overlong_scenario_is_kept_in_context() -> None:
    data = _load(RELEASE / "D100_100_text-to-text_num_concurrency_4_time_5s.json")
    data["aggregated_metrics"]["scenario"] = "D(" + "9" * 300 + ",1)"
    read = results_from_data(data, "long.json")
    assert read.records[0].scenario is None
    assert read.records[0].context["scenario"].startswith("D(999")
    assert read.findings[0].code == "too-long"
