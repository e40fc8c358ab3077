"""In a real browser 1280 and 1440 px wide: the tables of the Tasks, Compare and Import pages
show every column whole. No header or cell is cut short by its column's edge, scrolled to the
left or, for a table wider than the page, to the right (its name column stays pinned)."""

from __future__ import annotations

import contextlib
import io
import itertools
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from tests.e2e.conftest import (
    AIC_FOLDER,
    ROOT,
    ROW_PX,
    AppServer,
    choose,
    open_app,
    save_example,
    screenshot,
    upload,
    zip_folder,
)

pytestmark = pytest.mark.e2e
HEIGHT = 1000
#: px of a cell's edge where text never reaches while it fits (the grid pads cells by 8 px).
EDGE = 4
#: Darker than this is text (the grid's lines, shadows and checkbox outlines are lighter).
INK = 150


def _columns(picture: np.ndarray) -> list[tuple[int, int]]:
    """The columns drawn, as (left, right) x of their borders: lines down the grid, seen in
    the header above its text."""
    width = picture.shape[1]
    strip = picture[2:8, :].mean(axis=0)
    background = float(np.median(strip))
    lines = [0, *(x for x in range(1, width - 1) if strip[x] < background - 5), width - 1]
    edges = [x for i, x in enumerate(lines) if i == 0 or x - lines[i - 1] > 2]
    return [(a, b) for a, b in itertools.pairwise(edges) if b - a >= 3 * EDGE]


def _cut(grid: Locator, at: str) -> list[tuple[str, int, int]]:
    """Cells whose text runs into their column's edge: cut. ``at`` is where a table wider
    than the page is scrolled: at its left the last column drawn runs on past the edge, at
    its right the first one after the pinned name column runs on under it; neither is a
    column too narrow, so neither is checked."""
    picture = np.asarray(Image.open(io.BytesIO(grid.screenshot())).convert("L"), dtype=float)
    # Only the cells: not the vertical scrollbar's gutter at the right.
    left, shown = grid.evaluate(
        "g => { const s = g.querySelector('.dvn-scroller'); "
        "return [s.getBoundingClientRect().left - g.getBoundingClientRect().left, "
        "s.clientWidth]; }"
    )
    picture = picture[:, int(left) : int(left) + int(shown)]
    columns = _columns(picture)
    if at == "left":
        columns = columns[:-1]
    elif at == "right":
        pinned = 2 if columns[0][1] - columns[0][0] < 40 else 1  # row markers, then the name
        columns = columns[:pinned] + columns[pinned + 1 :]
    found = []
    for row, top in enumerate(range(0, picture.shape[0] - ROW_PX + 1, ROW_PX)):
        band = picture[top + 4 : top + ROW_PX - 4, :]
        for left, right in columns:
            near = np.concatenate(
                [band[:, left + 2 : left + 2 + EDGE], band[:, right - 1 - EDGE : right - 1]],
                axis=1,
            )
            if (near < INK).any():
                found.append(("header" if row == 0 else f"row {row}", left, right))
    return found


def _scrolled(page: Page, grid: Locator, sideways: int) -> None:
    box = grid.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + ROW_PX * 2)
    page.mouse.wheel(sideways, 0)
    page.wait_for_timeout(400)


def _check(page: Page, name: str) -> None:
    """Every grid on the page, at its left and (when wider than the page) at its right end."""
    grids = page.get_by_test_id("stDataFrame")
    for index in range(grids.count()):
        grid = grids.nth(index)
        grid.scroll_into_view_if_needed()
        wide = grid.evaluate(
            "g => { const s = g.querySelector('.dvn-scroller'); "
            "return s.scrollWidth > s.clientWidth + 1; }"
        )
        at = "left" if wide else "whole"
        assert not _cut(grid, at), (name, index, at, _cut(grid, at))
        if wide:
            _scrolled(page, grid, 5000)
            screenshot(page, f"{name}-table-{index}-right")
            assert not _cut(grid, "right"), (name, index, "right", _cut(grid, "right"))
            _scrolled(page, grid, -5000)


def _store_candidates(server: AppServer) -> None:
    from configlib.aiconfigurator import import_path, tasks_from_candidates
    from configlib.store import NameTaken, Store

    store = Store.open(f"sqlite:///{server.database}")
    try:
        for task in tasks_from_candidates(import_path(str(AIC_FOLDER)).candidates):
            with contextlib.suppress(NameTaken):
                store.save_task(task, expected_version=None)
    finally:
        store.close()


@pytest.mark.parametrize("width", [1280, 1440])
def test_tables_show_every_column_whole(
    app_server: AppServer, page: Page, tmp_path: Path, width: int
) -> None:
    for example in sorted((ROOT / "examples").iterdir()):
        save_example(app_server, example.name)
    _store_candidates(app_server)
    page.set_viewport_size({"width": width, "height": HEIGHT})

    open_app(page, app_server)
    expect(page.get_by_test_id("stDataFrame")).to_have_count(1)
    screenshot(page, f"tables-tasks-{width}")
    _check(page, f"tasks-{width}")

    open_app(page, app_server, "compare")
    choose(page, "Tasks", "Select all", search=False)
    expect(page.get_by_role("heading", name="Predictions")).to_be_visible()
    screenshot(page, f"tables-compare-{width}")
    _check(page, f"compare-{width}")

    archive = zip_folder(AIC_FOLDER, tmp_path / "sglang-default.zip")
    open_app(page, app_server, "import")
    upload(page, archive)
    screenshot(page, f"tables-import-{width}")
    _check(page, f"import-{width}")
