"""In a real browser: open the comparison view for imported candidates and see the chart."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    AIC_FOLDER,
    ROOT,
    AppServer,
    cell,
    choose,
    expand,
    open_app,
    screenshot,
    upload,
)

pytestmark = pytest.mark.e2e


def _store_candidates(server: AppServer) -> list[str]:
    from configlib.aiconfigurator import import_path, tasks_from_candidates
    from configlib.store import Store

    result = import_path(str(AIC_FOLDER))
    tasks = tasks_from_candidates(result.candidates)
    store = Store.open(f"sqlite:///{server.database}")
    try:
        for task in tasks:
            store.save_task(task, expected_version=None)
    finally:
        store.close()
    return [task.task_name for task in tasks]


def test_compare_view_shows_the_pareto_chart(app_server: AppServer, page: Page) -> None:
    names = _store_candidates(app_server)
    open_app(page, app_server, "compare")
    assert len(names) >= 3
    choose(page, "Tasks", "Select all", search=False)
    expect(page.get_by_role("heading", name="Predictions")).to_be_visible()
    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart).to_be_visible()
    expect(chart.locator("canvas, svg").first).to_be_visible()
    # Tall enough for the predictions table and the whole chart in one picture.
    page.set_viewport_size({"width": 1280, "height": 1300})
    page.wait_for_timeout(500)
    screenshot(page, "compare", for_docs=True)


RESULTS = ROOT / "tests" / "data" / "autotuner-results" / "docker-simple-tune_results.json"
TRTLLM_FOLDER = AIC_FOLDER.parent / "trtllm-default-qwen3_32b-h200"
#: A tick label as a person writes a number: 1,000 or 33.5, never 3,231.190000.
ROUND = re.compile(r"^-?\d{1,3}(,\d{3})*(\.\d{1,2})?$")


def test_one_trtllm_candidate_with_measurements_explains_itself(
    app_server: AppServer, page: Page
) -> None:
    from configlib.aiconfigurator import import_path, tasks_from_candidates
    from configlib.store import Store

    task = tasks_from_candidates(import_path(str(TRTLLM_FOLDER), runtime="sglang").candidates)[0]
    # Another test of this module stores the SGLang candidates, whose names this one shares.
    task = task.model_copy(update={"task_name": f"trtllm-{task.task_name}"})
    store = Store.open(f"sqlite:///{app_server.database}")
    try:
        store.save_task(task, expected_version=None)
    finally:
        store.close()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    open_app(page, app_server, "compare")
    choose(page, "Tasks", task.task_name)
    predictions = page.get_by_test_id("stDataFrame").first
    expect(cell(predictions, "TensorRT-LLM")).to_be_attached()  # predicted for
    expect(cell(predictions, "SGLang")).to_be_attached()  # runs on

    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart.locator("svg")).to_be_visible()
    texts = chart.locator("svg text").all_text_contents()
    assert {"kind", "prediction", "engine, serving", "TensorRT-LLM, agg"} <= set(texts), texts
    ticks = [t for t in texts if t[:1].isdigit()]
    assert 4 <= len(ticks) <= 16 and all(ROUND.match(t) for t in ticks), ticks

    expand(page, "Add measured results")
    upload(page, RESULTS)
    expect(page.get_by_text("Stored 4 measured result(s)")).to_be_visible()
    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart.locator("svg text", has_text="measurement")).to_have_count(1)
    texts = chart.locator("svg text").all_text_contents()
    assert {"prediction", "measurement", "TensorRT-LLM, agg", "SGLang, agg"} <= set(texts), texts
    page.set_viewport_size({"width": 1280, "height": 1300})
    page.wait_for_timeout(500)
    screenshot(page, "compare-one-trtllm-candidate")
    vega = [text for text in console if "WARN" in text or "legend" in text.lower()]
    assert not vega, vega
