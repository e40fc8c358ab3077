"""In a real browser: open the comparison view for imported candidates and see the chart."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AIC_FOLDER, AppServer, choose, open_app, screenshot

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
