"""Predictions vs measurements: units, TPOT definitions and scopes aligned before comparing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from configlib.engines import get_engine
from configlib.results.compare import (
    compare_values,
    error_pct,
    measured_values,
    pareto_front,
    predicted_values,
    prediction_rows,
    server_gpus,
    slo_lines,
)

DATA = Path(__file__).parents[1] / "data"
AUTOTUNER = json.loads((DATA / "autotuner-results" / "docker-simple-tune_results.json").read_text())
GENAI_BENCH = json.loads(
    next((DATA / "genai-bench" / "release-0.0.5").glob("D100_*.json")).read_text()
)


def test_prediction_rows_label_every_contract_metric_with_its_unit() -> None:
    rows = prediction_rows({"ttft_ms": 120.5, "memory_gib": 70.1, "odd_metric_s": 1.0})
    assert [(r["metric"], r["unit"]) for r in rows] == [
        ("TTFT", "ms"),
        ("Memory", "GiB"),
        ("odd_metric_s", "s"),
    ]


def test_inclusive_tpot_is_converted_back_to_inter_token() -> None:
    source = {"file": "pareto.csv", "row": 3, "inclusive_tpot": True, "osl": 1000}
    values = predicted_values({"ttft_ms": 1000.0, "tpot_ms": 20.98}, source)
    # inclusive = (ttft + tpot * (osl - 1)) / osl  =>  tpot = (20.98 * 1000 - 1000) / 999
    assert values["tpot_ms"].value == pytest.approx(20.0, rel=1e-3)
    assert "inclusive" in values["tpot_ms"].note
    assert values["tpot_ms"].source == "pareto.csv row 3"
    assert values["tokens_per_s_per_user"].value == pytest.approx(50.0, rel=1e-3)


def test_exclusive_tpot_is_kept_and_unknown_definition_is_said() -> None:
    exclusive = predicted_values({"tpot_ms": 20.0}, {"file": "a.csv", "inclusive_tpot": False})
    assert exclusive["tpot_ms"].value == 20.0 and exclusive["tpot_ms"].note == ""
    unknown = predicted_values({"tpot_ms": 20.0}, {"file": "a.csv", "inclusive_tpot": None})
    assert "not recorded" in unknown["tpot_ms"].note
    # An inclusive TPOT without TTFT or osl cannot be aligned: it is left out, not guessed.
    assert "tpot_ms" not in predicted_values({"tpot_ms": 20.0}, {"inclusive_tpot": True})


def test_autotuner_results_are_seconds_averaged_over_runs() -> None:
    metrics = AUTOTUNER["all_results"][0]["metrics"]
    values = measured_values(metrics, source="docker-simple-tune_results.json", gpus=1)
    assert values["ttft_ms"].value == pytest.approx(metrics["mean_ttft"] * 1000)
    assert values["tokens_per_s"].value == pytest.approx(metrics["mean_output_throughput"])
    assert values["tokens_per_s_per_gpu"].value == pytest.approx(metrics["mean_output_throughput"])
    assert all(v.kind == "measurement" for v in values.values())


def test_autotuner_results_at_the_predicted_concurrency_use_that_run() -> None:
    metrics = AUTOTUNER["all_results"][0]["metrics"]
    run = next(r for r in metrics["raw_results"] if r["num_concurrency"] == 4)
    values = measured_values(metrics, source="r.json", gpus=2, concurrency=4)
    assert values["ttft_ms"].value == pytest.approx(run["stats"]["ttft"]["mean"] * 1000)
    assert values["tokens_per_s_per_gpu"].value == pytest.approx(
        run["mean_output_throughput_tokens_per_s"] / 2
    )
    assert values["tokens_per_s_per_user"].value == pytest.approx(
        run["stats"]["output_inference_speed"]["mean"]
    )
    assert values["ttft_ms"].source == "r.json (concurrency 4)"


def test_genai_bench_file_in_seconds_and_in_milliseconds() -> None:
    aggregated = GENAI_BENCH["aggregated_metrics"]
    seconds = measured_values(aggregated, source="D100.json")
    assert seconds["tpot_ms"].value == pytest.approx(aggregated["stats"]["tpot"]["mean"] * 1000)
    in_ms = measured_values(aggregated, source="D100.json", time_unit="ms")
    assert in_ms["tpot_ms"].value == pytest.approx(aggregated["stats"]["tpot"]["mean"])
    assert seconds["requests_per_s"].value == pytest.approx(aggregated["requests_per_second"])


def test_unit_named_metrics() -> None:
    values = measured_values(
        {"ttft_s": 0.25, "tpot_ms": 12.0, "tokens_per_s": 900.0}, source="x", gpus=3
    )
    assert values["ttft_ms"].value == 250.0 and values["tpot_ms"].value == 12.0
    assert values["tokens_per_s_per_gpu"].value == pytest.approx(300.0)


def test_comparison_rows_and_error_sign() -> None:
    predicted = predicted_values(
        {"ttft_ms": 110.0, "tokens_per_s_per_gpu": 900.0},
        {"file": "p.csv", "inclusive_tpot": False},
    )
    measured = measured_values({"ttft_s": 0.1, "tokens_per_s_per_gpu": 1000.0}, source="m.json")
    rows = {r.metric: r for r in compare_values(predicted, measured)}
    assert rows["ttft_ms"].error_pct == pytest.approx(10.0)
    assert rows["tokens_per_s_per_gpu"].error_pct == pytest.approx(-10.0)
    assert rows["ttft_ms"].prediction_source == "p.csv"
    assert rows["ttft_ms"].measurement_source == "m.json"
    assert error_pct(1.0, 0.0) is None and error_pct(None, 1.0) is None


def test_pareto_front_keeps_only_undominated_points() -> None:
    points = [(1.0, 5.0), (2.0, 4.0), (2.0, 4.0), (3.0, 1.0), (1.0, 1.0), (0.5, 6.0), (2.0, 3.0)]
    assert pareto_front(points) == [True, True, True, True, False, True, False]
    assert pareto_front([]) == []


def test_slo_lines_from_tpot_targets() -> None:
    lines = slo_lines([(30.0, "aiconfigurator"), (30.0, "task a"), (50.0, "task b"), (0.0, "x")])
    assert [round(line.tokens_per_s_per_user, 3) for line in lines] == [20.0, 33.333]
    assert lines[1].label == "TPOT <= 30 ms"
    assert lines[1].origins == ("aiconfigurator", "task a")


def test_server_gpus_follows_the_engine() -> None:
    assert server_gpus(get_engine("sglang", "0.5.23"), {"tp-size": 2, "dp-size": 2}) == 4
    assert server_gpus(get_engine("vllm", "0.33.0"), {"tensor-parallel-size": "4"}) == 4
    assert server_gpus(get_engine("sglang", "0.5.23"), {}) == 1
