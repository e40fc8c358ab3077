"""In a real browser: open a stored SGLang task, download one grid point's engine config file
from the editor's Download menu, and find the file the release's --config loader reads."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    AppServer,
    click,
    expand,
    open_app,
    open_tab,
    save_example,
    screenshot,
    settle,
    upload,
)

pytestmark = pytest.mark.e2e


def test_download_a_config_file(app_server: AppServer, page: Page, tmp_path: Path) -> None:
    name = save_example(app_server, "qwen3-32b-h200-sglang.json")
    open_app(page, app_server, f"editor?task={name}")
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    page.get_by_role("button", name="Download", exact=True).click()
    settle(page)
    button = page.get_by_role("button", name="Config file of point 0")
    expect(button).to_be_visible()
    expect(page.get_by_text("python -m sglang.launch_server --config").first).to_be_visible()
    screenshot(page, "editor-engine-config-download")
    with page.expect_download() as download_info:
        button.click()
    download = download_info.value
    assert download.suggested_filename.endswith("-point-0000.yaml")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    config = yaml.safe_load(target.read_text())
    assert config["model-path"] == "Qwen/Qwen3-32B"
    assert config["tp-size"] == 2
    assert config["kv-cache-dtype"] == "fp8_e4m3"
    assert config["enable-mixed-chunk"] is True


def test_import_a_config_file(app_server: AppServer, page: Page, tmp_path: Path) -> None:
    config = tmp_path / "point.yaml"
    config.write_text("model-path: Qwen/Qwen3-8B\ntp-size: 2\nmem-fraction-static: 0.8\n")
    open_app(page, app_server, "editor")
    open_tab(page, "Expert mode")
    expand(page, "Import an engine config file")
    upload(page, config)
    click(page, "Import as a new task")
    expect(page.get_by_text("into a new task", exact=False).first).to_be_visible()
    expect(page.get_by_role("heading", name="Qwen3-8B")).to_be_visible()
    screenshot(page, "editor-engine-config-import")
