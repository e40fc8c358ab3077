"""In a real browser: paste a real SGLang launch command into expert mode and see the task
filled: the tp field in the advanced tab and the flags in the expert table."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import AppServer, cell, click, expand, open_app, open_tab, screenshot

pytestmark = pytest.mark.e2e

#: sgl-project/sglang docs/basic_usage/minimax_m2.md (corpus entry sglang-18).
COMMAND = """python -m sglang.launch_server \\
    --model-path MiniMaxAI/MiniMax-M2 \\
    --tp-size 4 \\
    --tool-call-parser minimax-m2 \\
    --reasoning-parser minimax-append-think \\
    --host 0.0.0.0 \\
    --trust-remote-code \\
    --port 8000 \\
    --mem-fraction-static 0.85"""


def test_paste_a_launch_command(app_server: AppServer, page: Page) -> None:
    open_app(page, app_server, "editor")
    open_tab(page, "Expert mode")
    box = page.get_by_label("Launch command", exact=True)
    box.fill(COMMAND)
    click(page, "Read command")
    expect(page.get_by_text("Read the SGLang", exact=False).first).to_be_visible()
    expect(page.get_by_role("heading", name="MiniMax-M2")).to_be_visible()

    table = page.get_by_test_id("stTabs").get_by_test_id("stDataFrame")
    expect(cell(table, "tp-size")).to_be_attached()
    expect(cell(table, "tool-call-parser")).to_be_attached()
    expect(cell(table, "minimax-m2")).to_be_attached()
    expect(cell(table, "mem-fraction-static")).to_be_attached()
    expect(page.get_by_text("--model-path MiniMaxAI/MiniMax-M2 --tp-size 4").first).to_be_visible()
    screenshot(page, "editor-paste-command")

    open_tab(page, "Advanced config")
    expand(page, "Parallel")
    expect(page.get_by_label("Tensor parallel (TP)", exact=True)).to_have_value("4")
    screenshot(page, "editor-paste-command-advanced")
