"""In a real browser 1440 px wide: the editor's side panel stays in view down a long form,
fields read as words with their units, and wide tables keep their names in view."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    AIC_FOLDER,
    AppServer,
    expand,
    open_app,
    save_example,
    screenshot,
    upload,
    zip_folder,
)
from views.parts.layout import SIDE_PANEL

pytestmark = pytest.mark.e2e
WIDE, TALL = 1440, 900
NAV_BOTTOM = 60  # px: the top navigation bar's height (layout.TOP, 3.75rem)
SECTIONS = (
    "System", "Parallel", "Quantization", "Memory", "Scheduling", "Advanced tuning",
    "Optimization", "Benchmark", "SLO",
)  # fmt: skip


def _in_view(page: Page, name: str) -> bool:
    box = page.get_by_role("button", name=name, exact=True).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= TALL


def test_side_panel_stays_in_view_down_a_long_form(app_server: AppServer, page: Page) -> None:
    name = save_example(app_server, "llama-3.1-8b-l40s-slo.yaml")
    page.set_viewport_size({"width": WIDE, "height": TALL})
    open_app(page, app_server, f"editor?task={name}")
    for section in SECTIONS:
        expand(page, section)
    height = page.evaluate("document.querySelector(\"[data-testid='stMain']\").scrollHeight")
    assert height > 2.5 * TALL  # a long form
    for share in (0.25, 0.5, 0.75, 1.0):  # down the form, to its very bottom
        page.evaluate(
            f"document.querySelector(\"[data-testid='stMain']\").scrollTop = {height * share}"
        )
        # Scrolling is smooth: let the panel come to rest before measuring.
        page.wait_for_function(
            f"""() => Math.abs(document.querySelector('.st-key-{SIDE_PANEL}')
                .getBoundingClientRect().top - {NAV_BOTTOM}) <= 4""",
            timeout=3_000,
        )
        assert _in_view(page, "Save"), f"the side panel scrolled away at {share:.0%} of the form"
        # Right below the navigation bar, not pushed up under it where the form ends.
        panel = page.locator(f".st-key-{SIDE_PANEL}").bounding_box()
        assert panel is not None and abs(panel["y"] - NAV_BOTTOM) <= 4, (share, panel)
        expect(page.get_by_text("Grid size")).to_be_in_viewport()
    screenshot(page, "editor-1440-scrolled")

    # Words for labels, units beside the inputs that have one.
    for label in (
        "Max running (requests)",
        "TTFT target (s)",
        "Time limit per run (min)",
        "Time limit per experiment (s)",
        "Model id or path",
    ):
        expect(page.get_by_label(label, exact=True)).to_be_attached()
    expect(page.get_by_label("max_num_seqs", exact=True)).to_have_count(0)


def test_slo_checkbox_labels_are_whole_at_1440(app_server: AppServer, page: Page) -> None:
    name = save_example(app_server, "llama-3.1-8b-l40s-slo.yaml")
    page.set_viewport_size({"width": WIDE, "height": TALL})
    open_app(page, app_server, f"editor?task={name}")
    expand(page, "SLO")
    labels = page.get_by_test_id("stCheckbox").filter(has_text="hard fail")
    expect(labels).to_have_count(5)
    for index in range(5):
        text = labels.nth(index).get_by_test_id("stMarkdownContainer")
        # Cut to one line, the label overflows its box and shows an ellipsis instead.
        width, room = text.evaluate("e => [e.scrollWidth, e.clientWidth]")
        assert width <= room, (text.inner_text(), width, room)
        box = text.bounding_box()
        column = labels.nth(index).bounding_box()
        assert box is not None and column is not None
        assert box["x"] + box["width"] <= column["x"] + column["width"]
    labels.nth(2).scroll_into_view_if_needed()
    screenshot(page, "editor-1440-slo")


def test_wide_import_table_keeps_the_name_in_view(
    app_server: AppServer, page: Page, tmp_path: Path
) -> None:
    archive = zip_folder(AIC_FOLDER, tmp_path / "sglang-default.zip")
    page.set_viewport_size({"width": WIDE, "height": TALL})
    open_app(page, app_server, "import")
    upload(page, archive)
    table = page.get_by_test_id("stDataFrame").first
    box = table.bounding_box()
    assert box is not None and box["width"] > 1200
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 120)
    page.mouse.wheel(2000, 0)  # scroll the table sideways to its last columns
    page.wait_for_timeout(400)
    screenshot(page, "import-1440-scrolled-sideways")
    # The name column is pinned: still drawn at the left edge after the sideways scroll (the
    # grid is a canvas; the picture above shows it, the AppTest checks the column setting).
    expect(table.locator("[role='columnheader']", has_text="notes").first).to_be_attached()
