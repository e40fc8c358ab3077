"""The Compare page: predictions side by side, the Pareto chart, measured results, CSV."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from configlib.aiconfigurator import import_path, tasks_from_candidates
from configlib.results.metrics import COMPARED as METRICS
from configlib.store import Store
from configlib.ui import keys
from tests.app.conftest import ROOT, open_page, run_ok
from tests.app.shown import shown

FOLDER = ROOT / "tests" / "data" / "aiconfigurator" / "sglang-default-qwen3_32b-h200"
RESULTS = ROOT / "tests" / "data" / "autotuner-results" / "docker-simple-tune_results.json"
GENAI_BENCH = next((ROOT / "tests" / "data" / "genai-bench" / "release-0.0.5").glob("D100_*.json"))


@pytest.fixture
def predicted(db: Store) -> list[str]:
    """Imported candidates stored as tasks (they carry aiconfigurator's predictions)."""
    tasks = tasks_from_candidates(import_path(str(FOLDER)).candidates)
    for task in tasks:
        db.save_task(task, expected_version=None)
    return [task.task_name for task in tasks]


def _chart(at: AppTest) -> list[object]:
    return list(at.get("arrow_vega_lite_chart")) + list(at.get("vega_lite_chart"))


def test_predictions_side_by_side_and_chart(app: AppTest, predicted: list[str]) -> None:
    at = open_page(app, "compare")
    assert any("Choose tasks" in i.value for i in at.info)
    run_ok(at.multiselect(key=keys.COMPARE_TASKS).set_value(predicted[:4]))
    frame = at.dataframe[0].value
    assert frame["name"].tolist() == predicted[:4]
    assert {"TTFT (ms)", "TPOT (ms)", "Output tokens/s/GPU", "source"} <= set(frame.columns)
    assert frame["source"].str.contains("csv").all()
    assert _chart(at), "the Pareto chart is drawn"
    assert any("No measured results" in c.value for c in at.caption)


def test_measured_results_are_compared_with_sources(
    app: AppTest, db: Store, predicted: list[str], tmp_path: Path
) -> None:
    name = predicted[0]
    at = open_page(app, "compare")
    run_ok(at.multiselect(key=keys.COMPARE_TASKS).set_value([name]))
    upload = (RESULTS.name, RESULTS.read_bytes(), "application/json")
    run_ok(at.file_uploader(key="compare.results_upload").set_value(upload))
    assert db.list_results(name)
    assert any("Stored" in s.value for s in at.success)
    table = next(d.value for d in at.dataframe if "error_pct" in d.value.columns)
    assert set(table["measurement_source"]) == {RESULTS.name}
    assert table["prediction_source"].str.contains("csv").all()
    ttft = table[table["metric"] == "TTFT (ms)"].iloc[0]
    expected = (ttft["predicted"] - ttft["measured"]) / ttft["measured"] * 100
    assert ttft["error_pct"] == pytest.approx(expected, rel=0.01, abs=0.1)  # 3 digits shown
    assert len(_chart(at)) == 2  # the Pareto chart and the predicted-vs-measured scatter
    assert any(d.label.startswith("Download the comparison") for d in at.download_button)


def test_a_bad_results_file_is_named(app: AppTest, predicted: list[str]) -> None:
    at = open_page(app, "compare")
    run_ok(at.multiselect(key=keys.COMPARE_TASKS).set_value(predicted[:1]))
    upload = ("odd.json", b'{"hello": 1}', "application/json")
    run_ok(at.file_uploader(key="compare.results_upload").set_value(upload))
    assert at.error and "odd.json" in shown(at.error[0].value)


def test_genai_bench_file_for_the_chosen_configuration(
    app: AppTest, db: Store, predicted: list[str]
) -> None:
    at = open_page(app, "compare")
    run_ok(at.multiselect(key=keys.COMPARE_TASKS).set_value(predicted[:1]))
    upload = (GENAI_BENCH.name, GENAI_BENCH.read_bytes(), "application/json")
    run_ok(at.file_uploader(key="compare.results_upload").set_value(upload))
    records = db.list_results(predicted[0])
    assert len(records) == 1 and records[0].result.parameters


TRTLLM = ROOT / "tests" / "data" / "aiconfigurator" / "trtllm-default-qwen3_32b-h200"


def _layers(spec: dict[str, object]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for layer in spec.get("layer", []):  # type: ignore[attr-defined]
        found += _layers(layer) if "layer" in layer else [layer]
    return found


def test_one_trtllm_candidate_chart_and_table_say_what_they_show(app: AppTest, db: Store) -> None:
    # Issue 13, item 7: the backend a prediction was made for, one colour legend the layers
    # agree on, and an axis of round numbers around a single point.
    task = tasks_from_candidates(import_path(str(TRTLLM), runtime="sglang").candidates)[0]
    db.save_task(task, expected_version=None)
    at = open_page(app, "compare")
    run_ok(at.multiselect(key=keys.COMPARE_TASKS).set_value([task.task_name]))
    row = at.dataframe[0].value.iloc[0]
    assert (row["predicted for"], row["runs on"]) == ("TensorRT-LLM", "SGLang")

    spec = json.loads(_chart(at)[0].proto.spec)  # type: ignore[attr-defined]
    colours = [
        layer["encoding"]["color"]
        for layer in _layers(spec)
        if "color" in layer.get("encoding", {})
    ]
    assert len(colours) >= 2 and all(c == colours[0] for c in colours)  # nothing to conflict
    assert colours[0]["legend"] and colours[0]["scale"]["domain"] == ["prediction"]
    dots = next(layer for layer in _layers(spec) if "shape" in layer.get("encoding", {}))
    assert dots["encoding"]["shape"]["field"] == "engine"
    predicted = task.metadata.aiconfigurator_predictions or {}
    for channel in ("x", "y"):
        encoding = dots["encoding"][channel]
        low, high = encoding["scale"]["domain"]
        value = predicted[encoding["field"]]
        assert low < value < high and high - low > 0.19 * value  # not a magnified sliver
        assert encoding["axis"]["format"] == ",~f" and encoding["axis"]["tickCount"] <= 6


def _columns(table: Any) -> dict[str, dict[str, Any]]:
    """The column settings the app sent with a table (label, format, ...)."""
    return json.loads(table.proto.columns)  # type: ignore[no-any-return]


def test_tables_show_a_few_significant_digits_and_their_units(
    app: AppTest, predicted: list[str]
) -> None:
    # Figures read 3,231 or 12.3 (never 3231.190000): rounded to 3 significant digits, the
    # browser groups the thousands; each header says its unit.
    from configlib.ui import number_format

    at = open_page(app, "compare")
    run_ok(at.multiselect(key=keys.COMPARE_TASKS).set_value(predicted[:3]))
    upload = (RESULTS.name, RESULTS.read_bytes(), "application/json")
    run_ok(at.file_uploader(key="compare.results_upload").set_value(upload))
    predictions, comparison = (
        at.dataframe[0],
        next(d for d in at.dataframe if "error_pct" in d.value.columns),
    )
    for table in (predictions, comparison):
        settings = _columns(table)
        for column in number_format.numeric_columns(table.value):
            shown_as = settings[column]["type_config"]["format"]
            assert shown_as == number_format.FORMAT, column  # +13,777 as much as 12.3
            for value in table.value[column].dropna():
                assert value == number_format.significant(float(value)), (column, value)
    assert predictions.proto.placeholder == number_format.MISSING  # not "None"
    frame = predictions.value
    assert frame["Output tokens/s/GPU"].max() > 100  # big enough to need a separator
    assert _columns(predictions)["concurrency"]["label"] == "concurrency (requests)"
    assert "unit" not in comparison.value.columns  # in the metric column, each with its own
    assert set(comparison.value["metric"]) <= {
        f"{m.label} ({m.unit})" if m.unit not in m.label else m.label for m in METRICS
    }
    assert _columns(comparison)["metric"]["label"] == "metric (unit)"


def test_number_text_rounds_to_significant_digits_with_separators() -> None:
    from configlib.ui.number_format import significant, text

    assert significant(3231.19) == 3231.0 and text(3231.19) == "3,231"
    assert text(1234567.8) == "1,234,568" and text(12.345) == "12.3"
    assert text(0.012345) == "0.0123" and text(0.5) == "0.5" and text(-48.76) == "-48.8"
    assert text(64) == "64" and text(None) == "" and text(float("nan")) == ""
    assert significant(float("inf")) == float("inf") and significant(7) == 7


def test_long_sources_get_a_column_they_fit_in(app: AppTest, predicted: list[str]) -> None:
    # The grid sizes a column to its content only up to 500 px: a source (a path and a row)
    # gets a width of its own, and one longer than the widest column keeps its end.
    from configlib.ui import widths

    at = open_page(app, "compare")
    run_ok(at.multiselect(key=keys.COMPARE_TASKS).set_value(predicted[:2]))
    table = at.dataframe[0]
    sources = table.value["source"]
    width = _columns(table)["source"]["width"]
    assert isinstance(width, int) and 500 < width <= widths.MOST_PX
    assert all(len(s) <= widths.MOST_CHARS for s in sources)
    assert all(s.startswith("…") and re.search(r"\.csv row \d+$", s) for s in sources)
    assert width >= widths.text_width(sources)


def test_shortened_keeps_the_start_or_the_end() -> None:
    from configlib.ui.widths import MOST_CHARS, shortened, text_width

    assert shortened("short") == "short"
    long = "a" * 50 + "/best_config_topn.csv row 3"
    assert shortened(long, 30, keep_end=True) == "…" + long[-29:]
    assert shortened(long, 30) == long[:29] + "…" and len(shortened(long, 30)) == 30
    assert text_width(["x" * 1000]) == text_width(["x" * MOST_CHARS * 2])  # capped
