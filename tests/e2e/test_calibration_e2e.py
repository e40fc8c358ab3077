"""In a real browser: the Accuracy section, calibrated Pareto points and "measure next"."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AppServer, choose, open_app, screenshot, settle

pytestmark = pytest.mark.e2e


def _store(server: AppServer) -> list[str]:
    from configlib.store import Store
    from tests.app.test_calibration_page import store_measured

    store = Store.open(f"sqlite:///{server.database}")
    try:
        return store_measured(store)
    finally:
        store.close()


def test_accuracy_and_measure_next(app_server: AppServer, page: Page) -> None:
    names = _store(app_server)
    open_app(page, app_server, "compare")
    choose(page, "Tasks", "Select all", search=False)
    page.set_viewport_size({"width": 1280, "height": 1300})
    page.get_by_text("Show calibrated predictions").click()
    settle(page)
    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart.locator("canvas, svg").first).to_be_visible()
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    screenshot(page, "calibrated-pareto", for_docs=True)

    accuracy = page.get_by_role("heading", name="Accuracy")
    expect(accuracy).to_be_visible()
    expect(page.get_by_role("heading", name="Measure next")).to_be_visible()
    first = page.get_by_text("1. ", exact=False).filter(has_text="on the calibrated frontier")
    expect(first.first).to_be_visible()
    page.get_by_text("Leave-one-out: does calibration help here?").scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    screenshot(page, "accuracy-measure-next", for_docs=True)

    settle(page)
    button = page.get_by_role("link", name="Open").first
    button.scroll_into_view_if_needed()
    button.click()
    settle(page)
    expect(page).to_have_url(re.compile(r"/editor\?task="), timeout=15_000)
    opened = unquote(page.url.split("task=", 1)[1])
    assert opened in names[3:]
    expect(page.get_by_text(opened).first).to_be_visible()
