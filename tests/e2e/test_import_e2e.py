"""In a real browser: upload a zipped aiconfigurator result folder and create tasks."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    AIC_FOLDER,
    AppServer,
    choose,
    create_tasks,
    open_app,
    screenshot,
    select_runnable,
    settle,
    tick_row,
    upload,
    zip_folder,
)

pytestmark = pytest.mark.e2e


def test_upload_zipped_folder_and_create_tasks(
    app_server: AppServer, page: Page, tmp_path: Path
) -> None:
    archive = zip_folder(AIC_FOLDER, tmp_path / "sglang-default-qwen3_32b-h200.zip")
    open_app(page, app_server, "import")
    upload(page, archive)
    expect(page.get_by_role("heading", name=re.compile(r"^\d+ candidate\(s\)$"))).to_be_visible()
    runnable = select_runnable(page)
    assert runnable >= 2
    create_tasks(page, runnable)
    screenshot(page, "import-created", full_page=True)

    links = page.get_by_test_id("stPageLink").get_by_role("link")
    expect(links).to_have_count(runnable)
    href = links.first.get_attribute("href") or ""
    name = unquote(href.split("task=", 1)[1])
    links.first.click()
    settle(page)
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_text("aiconfigurator predictions")).to_be_visible()


def test_each_upload_starts_with_nothing_selected(
    app_server: AppServer, page: Page, tmp_path: Path
) -> None:
    sglang = zip_folder(AIC_FOLDER, tmp_path / "sglang-default.zip")
    trtllm = zip_folder(AIC_FOLDER.parent / "trtllm-default-qwen3_32b-h200", tmp_path / "t.zip")
    open_app(page, app_server, "import")
    upload(page, sglang)
    runnable = select_runnable(page)
    expect(page.get_by_role("button", name=f"Create {runnable} task(s)")).to_be_enabled()
    tick_row(page, runnable)  # the rows after the runnable ones: ticking one adds it
    expect(page.get_by_role("button", name=f"Create {runnable + 1} task(s)")).to_be_enabled()

    upload(page, trtllm)
    expect(page.get_by_text("Showing the last upload")).to_have_count(0)
    expect(page.get_by_role("button", name="Create 0 task(s)")).to_be_disabled()
    # TensorRT-LLM rows wait for the engine they are to run on; picking it selects nothing.
    choose(page, "Target runtime for TensorRT-LLM predictions", "SGLang", search=False)
    expect(page.get_by_role("button", name="Create 0 task(s)")).to_be_disabled()
    page.get_by_text("Pareto rows").click()
    settle(page)
    expect(page.get_by_role("button", name="Create 0 task(s)")).to_be_disabled()

    tick_row(page, 1)
    expect(page.get_by_role("button", name="Create 1 task(s)")).to_be_enabled()
    tick_row(page, 3)
    expect(page.get_by_role("button", name="Create 2 task(s)")).to_be_enabled()
    screenshot(page, "import-fresh-selection")
