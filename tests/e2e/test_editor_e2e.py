"""In a real browser: create a task in the advanced tab, see its flags in expert mode, save it,
reload the page and find it again."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    AppServer,
    cell,
    click,
    expand,
    fill_new_task,
    nav,
    open_app,
    open_tab,
    save_example,
    screenshot,
    settle,
)

pytestmark = pytest.mark.e2e


def test_create_in_advanced_tab_check_flags_save_reload(app_server: AppServer, page: Page) -> None:
    open_app(page, app_server, "editor")
    fill_new_task(page, "e2e-qwen-sweep")

    open_tab(page, "Expert mode")
    table = page.get_by_test_id("stTabs").get_by_test_id("stDataFrame")
    expect(cell(table, "tp-size")).to_be_attached()
    expect(cell(table, "2, 4")).to_be_attached()
    expect(cell(table, "mem-fraction-static")).to_be_attached()
    expect(cell(table, "0.85, 0.9")).to_be_attached()
    screenshot(page, "editor-expert")

    click(page, "Save as new task")
    expect(page.get_by_text("Saved e2e-qwen-sweep (version 1).")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]task=e2e-qwen-sweep"))

    page.reload()
    settle(page)
    expect(page.get_by_role("heading", name="e2e-qwen-sweep")).to_be_visible()
    # A closed section says what it holds, right below it.
    expect(page.get_by_test_id("stCaptionContainer").filter(has_text="tp 2, 4")).to_be_visible()
    screenshot(page, "editor", for_docs=True)
    expand(page, "Parallel")
    expect(page.get_by_label("Tensor parallel (TP)", exact=True)).to_have_value("2, 4")

    nav(page, "Tasks")
    expect(cell(page.get_by_test_id("stDataFrame"), "e2e-qwen-sweep")).to_be_attached()


def test_editor_in_dark_mode(app_server: AppServer, dark_page: Page) -> None:
    name = save_example(app_server, "qwen3-30b-a3b-h200-vllm.json")
    open_app(dark_page, app_server, f"editor?task={name}")
    expect(dark_page.get_by_role("heading", name=name)).to_be_visible()
    background = dark_page.evaluate(
        "getComputedStyle(document.querySelector(\"[data-testid='stApp']\")).backgroundColor"
    )
    assert background != "rgb(255, 255, 255)"
    screenshot(dark_page, "editor-dark")
