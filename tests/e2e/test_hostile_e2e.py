"""In a real browser: names and file text holding Markdown and HTML stay text on every page.

A task, a preset and an uploaded aiconfigurator table carry links, images and an ``<img>`` tag
pointing at a local HTTP server that counts every request (a tracking pixel). Through the
Tasks, editor, Presets, Import and Compare pages: no ``<a>`` or ``<img>`` element comes from
them, no bold or italic either, the browser sends no request to that server, and the text is
on screen as typed.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import (
    AIC_FOLDER,
    AppServer,
    choose,
    open_app,
    pick_presets,
    save_example,
    screenshot,
    settle,
    tick_row,
    tick_row_of,
    upload,
)

pytestmark = pytest.mark.e2e


class _Counter(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Counter.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        del format, args


@pytest.fixture(scope="module")
def tracker() -> Iterator[str]:
    """A local server that counts requests: where the hostile links and images point."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def hostile(host: str, tag: str) -> str:
    return (
        f"**x** [{tag}](http://{host}/{tag}) ![i](http://{host}/{tag}.png) "
        f"<img src=http://{host}/{tag}-tag.png> _y_ {tag}"
    )


@pytest.fixture
def requests_seen(page: Page, tracker: str) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url) if tracker in request.url else None)
    return seen


def assert_inert(page: Page, tracker: str, seen: list[str], where: str) -> None:
    page.wait_for_timeout(300)  # let any image the page would load be requested
    assert page.locator(f"a[href*='{tracker}']").count() == 0, where
    assert page.locator(f"img[src*='{tracker}']").count() == 0, where
    main = page.get_by_test_id("stMain")
    assert main.locator("strong", has_text="x").filter(has_not_text="*").count() == 0, where
    assert main.locator("em", has_text="y").filter(has_not_text="_").count() == 0, where
    assert not seen and not _Counter.hits, (where, seen, _Counter.hits)


def _store(server: AppServer, task_name: str, preset_name: str) -> None:
    from configlib.presets import Preset
    from configlib.store import Store

    base = save_example(server, "qwen3-32b-h200-sglang.json")
    store = Store.open(f"sqlite:///{server.database}")
    try:
        task = store.get_task(base).task
        store.save_task(task.model_copy(update={"task_name": task_name}), expected_version=None)
        preset = Preset.model_validate(
            {"name": preset_name, "category": preset_name[:90], "parallel_config": {"tp": [8]}}
        )
        store.save_preset(preset, expected_version=None)
    finally:
        store.close()


def test_hostile_names_stay_text_on_every_page(
    app_server: AppServer, page: Page, tracker: str, requests_seen: list[str], tmp_path: Path
) -> None:
    task_name = hostile(tracker, "task")
    preset_name = hostile(tracker, "preset")
    _store(app_server, task_name, preset_name)

    # Tasks: the selected task's heading, actions and delete confirmation.
    open_app(page, app_server)
    tick_row_of(page, task_name)
    page.get_by_role("button", name="Delete").click()
    settle(page)
    expect(page.get_by_role("heading", name=task_name)).to_be_visible()
    expect(page.get_by_role("dialog").get_by_text(task_name)).to_be_visible()
    screenshot(page, "hostile-tasks")
    assert_inert(page, tracker, requests_seen, "tasks")

    # Editor: the title, then the preset's conflicts in "Apply presets".
    open_app(page, app_server, f"editor?task={quote(task_name, safe='')}")
    expect(page.get_by_role("heading", name=task_name)).to_be_visible()
    pick_presets(page, preset_name, search=False)
    expect(page.get_by_text("conflict(s)")).to_be_visible()
    screenshot(page, "hostile-editor")
    assert_inert(page, tracker, requests_seen, "editor")

    # Presets: the selected preset's heading and category.
    open_app(page, app_server, "presets")
    tick_row_of(page, preset_name)
    expect(page.get_by_role("heading", name=preset_name)).to_be_visible()
    screenshot(page, "hostile-presets")
    assert_inert(page, tracker, requests_seen, "presets")

    # Import: a table whose model and an extra column hold the hostile text.
    table_file = tmp_path / "**f** [a](x) _y_.csv"
    table_file.write_bytes(_hostile_table(hostile(tracker, "file")))
    open_app(page, app_server, "import")
    upload(page, table_file)
    tick_row(page, 0)
    page.get_by_test_id("stExpander").filter(has_text="What the import noticed").locator(
        "summary"
    ).click()
    settle(page)
    expect(page.get_by_text("[z]", exact=False).first).to_be_visible()
    screenshot(page, "hostile-import", full_page=True)
    assert_inert(page, tracker, requests_seen, "import")

    # Import refused: the message echoes the file's header.
    refused = tmp_path / "refused.csv"
    refused.write_text(hostile(tracker, "header").replace(",", ";") + ",b\n1,2\n")
    upload(page, refused)
    expect(page.get_by_test_id("stAlert").first).to_be_visible()
    screenshot(page, "hostile-import-refused")
    assert_inert(page, tracker, requests_seen, "import refused")

    # Compare: the task picked by name.
    open_app(page, app_server, "compare")
    choose(page, "Tasks", task_name, search=False)
    expect(page.get_by_role("heading", name="Predictions")).to_be_visible()
    screenshot(page, "hostile-compare", full_page=True)
    assert_inert(page, tracker, requests_seen, "compare")


def _hostile_table(text: str) -> bytes:
    best = next(AIC_FOLDER.rglob("agg/best_config_topn.csv"))
    rows = list(csv.reader(io.StringIO(best.read_text())))
    model = rows[0].index("model")
    rows[0].append(f"[z]({text.split('(', 1)[1].split(')', 1)[0]})")
    for row in rows[1:]:
        row[model] = "Qwen/" + text
        row.append("1")
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()
