"""In a real browser: create and edit a preset in the preset editor, then apply it to a task."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    AppServer,
    click,
    expand,
    fill,
    open_app,
    pick_presets,
    save_example,
    screenshot,
    settle,
    tick_row_of,
)

pytestmark = pytest.mark.e2e


def test_edit_a_preset_and_apply_it_to_a_task(app_server: AppServer, page: Page) -> None:
    task = save_example(app_server, "qwen3-32b-h200-sglang.json")
    open_app(page, app_server, "presets")
    click(page, "New preset")
    fill(page, "Name", "e2e-tp8")
    fill(page, "Category", "performance")
    page.get_by_role("radiogroup", name="Runtime").get_by_role("radio", name="sglang").click()
    settle(page)
    expand(page, "Parallel")
    fill(page, "Tensor parallel (TP)", "8")
    click(page, "Save preset")
    expect(page.get_by_text("Saved preset e2e-tp8.")).to_be_visible()

    tick_row_of(page, "e2e-tp8")
    click(page, "Edit")
    expect(page.get_by_role("heading", name="Editing e2e-tp8")).to_be_visible()
    expand(page, "Memory")
    fill(page, "Static memory fraction (SGLang)", "0.8, 0.85")
    screenshot(page, "preset-editor")
    click(page, "Save preset")
    expect(page.get_by_text("Saved preset e2e-tp8.")).to_be_visible()

    open_app(page, app_server, f"editor?task={task}")
    pick_presets(page, "e2e-tp8")
    expect(page.get_by_text("conflict(s)")).to_be_visible()
    # The resulting grid before applying: tp 2, 4 (+8) x mem 0.85, 0.9 (+0.8) x 2 policies.
    expect(page.get_by_text("Grid after applying: 18 combination(s)")).to_be_visible()
    screenshot(page, "apply-presets")
    click(page, "Apply to this task")
    expect(page.get_by_text("Applied e2e-tp8 (union)")).to_be_visible()
    expand(page, "Parallel")
    expect(page.get_by_label("Tensor parallel (TP)", exact=True)).to_have_value(
        "2, 4, 8"
    )  # union keeps the task's
    expand(page, "Memory")
    expect(page.get_by_label("Static memory fraction (SGLang)", exact=True)).to_have_value(
        "0.8, 0.85, 0.9"
    )
    click(page, "Undo presets")
    expect(page.get_by_label("Tensor parallel (TP)", exact=True)).to_have_value("2, 4")
    expect(page.get_by_label("Static memory fraction (SGLang)", exact=True)).to_have_value(
        "0.85, 0.9"
    )
