"""In a real browser: leaving the editor through the top bar after presets were applied and the
task saved goes where it was asked, and the draft comes back as it was saved; Back from a task
link stays on the Tasks page; the editor opens again on the tab last used."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    AppServer,
    cell,
    click,
    fill,
    nav,
    open_app,
    open_tab,
    pick_presets,
    save_example,
    screenshot,
    settle,
)

pytestmark = pytest.mark.e2e


def test_navigation_after_presets_and_save(app_server: AppServer, page: Page) -> None:
    open_app(page, app_server, "editor")
    fill(page, "Task name", "nav-after-presets")
    fill(page, "Model id or path", "Qwen/Qwen3-8B")
    pick_presets(page, "Memory Efficient")
    click(page, "Apply to this task")
    expect(page.get_by_text("Applied Memory Efficient (union)")).to_be_visible()
    click(page, "Save as new task")
    expect(page.get_by_text("Saved nav-after-presets (version 1).")).to_be_visible()

    for title in ("Tasks", "Presets", "Compare", "Import from aiconfigurator"):
        nav(page, title)
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
        assert "/editor" not in page.url, f"{title}: still on {page.url}"
    screenshot(page, "navigation-after-presets")

    nav(page, "Task editor")
    expect(page.get_by_role("heading", name="nav-after-presets")).to_be_visible()
    expect(page.get_by_text("stored version 1", exact=True)).to_be_visible()
    expect(page.get_by_label("Task name", exact=True)).to_have_value("nav-after-presets")
    expect(page.get_by_label("Model id or path", exact=True)).to_have_value("Qwen/Qwen3-8B")
    # The presets' values are still in the draft's flags.
    expect(cell(page.get_by_test_id("stDataFrame").first, "0.7, 0.75")).to_be_attached()


def test_back_from_a_task_link_stays_on_the_tasks_page(app_server: AppServer, page: Page) -> None:
    name = save_example(app_server, "qwen3-32b-h200-sglang.json")
    open_app(page, app_server, f"?task={name}")
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/editor\?task="))
    page.go_back()
    settle(page)
    expect(page.get_by_role("heading", name="Tasks", exact=True)).to_be_visible()
    # Later runs of the page (a search typed here) stay on it too.
    search = page.get_by_role("textbox", name="Search")
    search.fill("qwen")
    search.press("Enter")
    page.wait_for_timeout(500)
    settle(page)
    expect(page.get_by_role("heading", name="Tasks", exact=True)).to_be_visible()
    assert "/editor" not in page.url and "task=" not in page.url, page.url


def test_the_editor_opens_again_on_the_tab_last_used(app_server: AppServer, page: Page) -> None:
    name = save_example(app_server, "qwen3-32b-h200-sglang.json")
    open_app(page, app_server, f"editor?task={name}")
    expert = page.get_by_role("tab", name="Expert mode")
    expect(expert).to_have_attribute("aria-selected", "false")
    open_tab(page, "Expert mode")
    for title in ("Tasks", "Presets"):
        nav(page, title)
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
        nav(page, "Task editor")
        expect(page.get_by_role("heading", name=name)).to_be_visible()
        expect(expert).to_have_attribute("aria-selected", "true")
        expect(page.get_by_text("Add a flag", exact=False).first).to_be_visible()
    open_tab(page, "Advanced config")
    nav(page, "Tasks")
    nav(page, "Task editor")
    expect(page.get_by_role("tab", name="Advanced config")).to_have_attribute(
        "aria-selected", "true"
    )
    expect(page.get_by_label("Task name", exact=True)).to_have_value(name)
