"""The Compare page's Accuracy section, calibrated Pareto points and the "measure next" list."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from urllib.parse import unquote

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from configlib.aiconfigurator import import_path, tasks_from_candidates
from configlib.grid import grid_of
from configlib.results.records import MeasuredResult
from configlib.store import Store
from configlib.ui import keys
from tests.app.conftest import ROOT, open_page, run_ok

FOLDER = ROOT / "tests" / "data" / "aiconfigurator" / "sglang-default-qwen3_32b-h200"
#: Synthetic lab runs for the page's plumbing only (published pairs are in tests/calibration).
SLOWER = (0.78, 0.82, 0.80)


def store_measured(db: Store, count: int = 3) -> list[str]:
    """Imported candidates as tasks; the first ``count`` get one measured run each."""
    tasks = tasks_from_candidates(import_path(str(FOLDER)).candidates)
    for task in tasks:
        db.save_task(task, expected_version=None)
    for task, factor in zip(tasks[:count], SLOWER, strict=False):
        predicted = task.metadata.aiconfigurator_predictions or {}
        record = MeasuredResult(
            parameters=grid_of(task.parameters).first(1)[0],
            metrics={
                "ttft_ms": predicted["ttft_ms"] / factor,
                "tpot_ms": predicted["tpot_ms"] / factor,
                "output_tokens_per_s_per_gpu": predicted["tokens_per_s_per_gpu"] * factor,
            },
            concurrency=int(predicted["concurrency"]),
            source_file="lab-run.json",
            source_format="autotuner-results",
        )
        db.add_results(task.task_name, [record])
    return [task.task_name for task in tasks]


@pytest.fixture
def names(db: Store) -> list[str]:
    return store_measured(db)


def table(at: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page with this column."""
    frame: pd.DataFrame = next(d.value for d in at.dataframe if column in d.value.columns)
    return frame


def test_accuracy_section_and_measure_next(app: AppTest, names: list[str]) -> None:
    at = open_page(app, "compare")
    run_ok(at.multiselect(key=keys.COMPARE_TASKS).set_value(names[:8]))
    headers = [h.value for h in at.subheader]
    assert "Accuracy" in headers and "Measure next" in headers
    accuracy = table(at, "mape_pct")
    ttft = accuracy.set_index("metric").loc["ttft_ms"]
    assert ttft["n"] == 3
    # predicted = measured x factor for these synthetic runs: MAPE is the mean |factor - 1|.
    assert ttft["mape_pct"] == pytest.approx(sum(abs(f - 1) for f in SLOWER) / 3 * 100)
    loo = table(at, "mape_raw_pct")
    assert set(loo["metric"]) >= {"ttft_ms", "tpot_ms", "tokens_per_s_per_gpu"}
    run_ok(at.selectbox(key="compare.accuracy_by").set_value("system"))
    assert "system" in table(at, "mape_pct").columns
    texts = [m.value for m in at.markdown]
    ranked = [t for t in texts if "on the calibrated frontier" in t]
    assert ranked and ranked[0].startswith("**1. ")
    assert all(name not in "".join(ranked) for name in names[:3])  # measured ones are not listed


def test_calibrated_points_are_drawn_apart(app: AppTest, names: list[str]) -> None:
    at = open_page(app, "compare")
    run_ok(at.multiselect(key=keys.COMPARE_TASKS).set_value(names[:8]))
    run_ok(at.toggle(key="compare.calibrated").set_value(True))
    charts = list(at.get("arrow_vega_lite_chart")) + list(at.get("vega_lite_chart"))
    spec = json.dumps([c.proto.spec for c in charts])
    assert "calibrated (corrected, not aiconfigurator" in spec
    assert "diamond" in spec and "90% band from" in spec  # the calibrated layer is drawn
    # aiconfigurator's own predictions are still in the table, unchanged.
    assert at.dataframe[0].value["name"].tolist() == names[:8]


def test_measure_next_opens_the_task(app: AppTest, names: list[str]) -> None:
    at = open_page(app, "compare")
    run_ok(at.multiselect(key=keys.COMPARE_TASKS).set_value(names[:8]))
    first = next(m.value for m in at.markdown if m.value.startswith("**1. "))
    links = [link for link in at.page_link if link.proto.label == "Open"]
    assert links, "each listed stored task has an Open link"
    target = links[0].proto
    assert target.query_string.startswith("task=") and target.page_script_hash
    name = unquote(target.query_string.split("=", 1)[1])
    assert name in names[3:8] and name in first.replace("\\", "")


def test_cli_reads_stored_tasks(db: Store, names: list[str], database_url: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url}
    run = subprocess.run(
        [sys.executable, "-m", "configlib", "calibrate", *names[:8], "--next", "2",
         "--format", "json"], capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    document = json.loads(run.stdout)
    assert len(document["next"]) == 2
    assert {row["candidate"] for row in document["unmeasured"]} <= set(names[3:8])
    first = document["unmeasured"][0]
    assert first["raw_predicted"] != first["calibrated"]  # both kept, apart
    accuracy = subprocess.run(
        [sys.executable, "-m", "configlib", "accuracy", *names[:3], "nope"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    assert accuracy.returncode == 2 and "nope" in accuracy.stderr
