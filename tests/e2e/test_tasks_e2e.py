"""In a real browser: tick several tasks on the Tasks page, export them as one zip, delete
them at once."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    ROOT,
    AppServer,
    click,
    open_app,
    save_example,
    screenshot,
    settle,
    tick_row,
)

pytestmark = pytest.mark.e2e


def test_export_and_delete_several_tasks(app_server: AppServer, page: Page, tmp_path: Path) -> None:
    names = [save_example(app_server, p.name) for p in sorted((ROOT / "examples").iterdir())]
    open_app(page, app_server)
    for row in (0, 1, 3):
        tick_row(page, row)
    expect(page.get_by_role("heading", name="3 tasks selected")).to_be_visible()

    page.get_by_role("button", name="Export 3 tasks (zip)").click()
    settle(page)
    page.get_by_text("Structured YAML", exact=True).click()
    settle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download 3 task file(s)").click()
    saved = tmp_path / "tasks.zip"
    download.value.save_as(saved)
    files = zipfile.ZipFile(saved).namelist()
    assert len(files) == 3 and all(f.endswith(".yaml") for f in files)
    assert {f.removesuffix(".yaml") for f in files} <= set(names)
    page.keyboard.press("Escape")
    settle(page)

    page.get_by_role("button", name="Delete 3 tasks").click()
    settle(page)
    page.get_by_text("Delete these 3 tasks and their 0 measured result(s)").click()
    settle(page)
    screenshot(page, "tasks-delete-many")
    click(page, "Delete them for good")
    expect(page.get_by_text("Deleted 3 task(s) and 0 measured result(s).")).to_be_visible()
    expect(page.get_by_text(f"{len(names) - 3:,} task(s) match")).to_be_visible()
    expect(page.get_by_role("heading", name="tasks selected")).to_have_count(0)
    screenshot(page, "tasks-after-delete-many")

    click(page, "Select the whole page")
    (left,) = set(names) - {f.removesuffix(".yaml") for f in files}
    expect(page.get_by_role("heading", name=left, exact=True)).to_be_visible()


def test_the_selection_actions_follow_the_ticked_rows(app_server: AppServer, page: Page) -> None:
    for path in sorted((ROOT / "examples").iterdir()):
        save_example(app_server, path.name)
    open_app(page, app_server)
    for row in (0, 1):
        tick_row(page, row)
    page.get_by_role("button", name="Delete 2 tasks").click()
    settle(page)
    page.get_by_text("Delete these 2 tasks and their 0 measured result(s)").click()
    settle(page)
    page.keyboard.press("Escape")
    settle(page)
    tick_row(page, 2)  # a third row: the actions are for the three now
    expect(page.get_by_role("heading", name="3 tasks selected")).to_be_visible()
    expect(page.get_by_role("button", name="Delete 3 tasks")).to_be_visible()
    expect(page.get_by_role("button", name="Delete 2 tasks")).to_have_count(0)
    page.get_by_role("button", name="Delete 3 tasks").click()
    settle(page)
    # The confirmation given for the two is not carried over to the three.
    expect(page.get_by_text("Delete these 3 tasks and their 0 measured result(s)")).to_be_visible()
    expect(page.get_by_role("button", name="Delete them for good")).to_be_disabled()
    screenshot(page, "tasks-selection-changed")
