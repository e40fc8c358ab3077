"""The whole path an ML engineer takes, in one browser session on a fresh database, 1440 px
wide: a new task in the form, a flag edited in expert mode, SGLang -> vLLM with the offered
translation, save and reload, three real aiconfigurator result zips imported and turned into
tasks, presets previewed, applied and undone, predictions compared with measured results, and
several tasks deleted at once. Every step checks what the user sees; the browser console must
stay free of warnings and errors, and no Streamlit exception may show.

With CONFIGLIB_UPDATE_SCREENSHOTS=1 the journey's pictures (journey-*.png) are refreshed in
docs/images/ for docs/user-guide.md.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from tests.e2e.conftest import (
    AIC_FOLDER,
    ROOT,
    AppServer,
    cell,
    choose,
    click,
    create_tasks,
    expand,
    fill,
    fill_new_task,
    nav,
    open_app,
    open_tab,
    pick_presets,
    screenshot,
    select_runnable,
    settle,
    tick_row,
    upload,
    wait_ready,
    zip_folder,
)

pytestmark = pytest.mark.e2e
WIDE, TALL = 1440, 900
TASK = "journey-qwen3-32b"
RESULTS = ROOT / "tests" / "data" / "autotuner-results" / "docker-simple-tune_results.json"
#: Streamlit's frontend first looks for its server under the page's own path (/editor/_stcore/
#: health) before the root: those probes answer 404 on every deep link, by Streamlit's design.
BASE_PROBE = re.compile(r"/[^/?]+/_stcore/(health|host-config)$")
ZIPS = (
    "sglang-default-qwen3_32b-h200",
    "vllm-default-qwen3_32b-h200",
    "trtllm-default-qwen3_32b-h200",
)


class Console:
    """Every console message at warning level or above, and every uncaught page error."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.on("console", self._message)
        page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}"))
        page.on(
            "response",
            lambda r: (
                self.problems.append(f"{r.status}: {r.url}")
                if r.status >= 400 and not BASE_PROBE.search(r.url)
                else None
            ),
        )

    def _message(self, message: ConsoleMessage) -> None:
        if BASE_PROBE.search(message.location.get("url", "")):
            return
        if message.type in ("warning", "error", "assert") or "WARN" in message.text:
            self.problems.append(f"{message.type}: {message.text}")

    def check(self, page: Page, step: str) -> None:
        """Nothing went wrong up to ``step``: no console problem, no exception element."""
        assert not self.problems, f"{step}: {self.problems}"
        expect(page.get_by_test_id("stException")).to_have_count(0)


def shot(page: Page, name: str, *, full_page: bool = False) -> None:
    screenshot(page, f"journey-{name}", for_docs=True, full_page=full_page)


def to_top(page: Page) -> None:
    page.evaluate("document.querySelector(\"[data-testid='stMain']\").scrollTop = 0")
    page.wait_for_timeout(200)


def new_task(page: Page, console: Console) -> None:
    fill_new_task(page, TASK)
    expect(page.get_by_text("new, not saved · unsaved changes")).to_be_visible()
    to_top(page)
    shot(page, "1-new-task")
    console.check(page, "new task")


def expert_edit(page: Page, console: Console) -> None:
    open_tab(page, "Expert mode")
    table = page.get_by_test_id("stTabs").get_by_test_id("stDataFrame")
    expect(cell(table, "tp-size")).to_be_attached()
    expect(cell(table, "0.85, 0.9")).to_be_attached()
    page.get_by_label(re.compile(r"^Add a flag")).click()
    page.keyboard.type("max-running-requests")
    page.get_by_role("option", name=re.compile(r"^max-running-requests ")).click()
    settle(page)
    fill(page, "Values", "128, 256")
    click(page, "Add")
    expect(cell(table, "max-running-requests")).to_be_attached()
    expect(cell(table, "128, 256")).to_be_attached()
    shot(page, "2-expert-mode")
    # The flag is the form's field: the advanced tab shows the same candidates.
    open_tab(page, "Advanced config")
    expand(page, "Scheduling")
    expect(page.get_by_label("Max running (requests)", exact=True)).to_have_value("128, 256")
    console.check(page, "expert edit")


def switch_engine(page: Page, console: Console) -> None:
    to_top(page)
    page.get_by_role("radiogroup", name="Runtime").get_by_role("radio", name="vllm").click()
    settle(page)
    expect(page.get_by_text("Switch to vLLM", exact=False)).to_be_visible()
    expect(page.get_by_text("Translate?", exact=False).first).to_be_visible()
    shot(page, "3-engine-switch")
    click(page, "Switch and translate")
    expect(page.get_by_text("Switch to vLLM", exact=False)).to_have_count(0)
    expect(page.get_by_text("Static memory fraction (SGLang)", exact=True)).to_have_count(0)
    open_tab(page, "Expert mode")
    table = page.get_by_test_id("stTabs").get_by_test_id("stDataFrame")
    expect(cell(table, "tensor-parallel-size")).to_be_attached()
    expect(cell(table, "gpu-memory-utilization")).to_be_attached()
    expect(cell(table, "max-num-seqs")).to_be_attached()
    open_tab(page, "Advanced config")
    console.check(page, "engine switch")


def save_and_reload(page: Page, console: Console) -> None:
    click(page, "Save as new task")
    expect(page.get_by_text(f"Saved {TASK} (version 1).")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"[?&]task={TASK}"))
    page.reload()
    wait_ready(page)
    expect(page.get_by_role("heading", name=TASK)).to_be_visible()
    expect(page.get_by_text("stored version 1", exact=True)).to_be_visible()
    expect(
        page.get_by_role("radiogroup", name="Runtime").get_by_role("radio", name="vllm")
    ).to_have_attribute("aria-checked", "true")
    expand(page, "Parallel")
    expect(page.get_by_label("Tensor parallel (TP)", exact=True)).to_have_value("2, 4")
    expand(page, "Scheduling")
    expect(page.get_by_label("Max running (requests)", exact=True)).to_have_value("128, 256")
    to_top(page)
    shot(page, "4-saved-reloaded")
    console.check(page, "save and reload")


def import_zip(page: Page, console: Console, archive: Path, *, trtllm: bool = False) -> int:
    """Upload one zip, select its runnable rows and create their tasks; how many."""
    upload(page, archive)
    expect(page.get_by_role("heading", name=re.compile(r"^\d+ candidate\(s\)$"))).to_be_visible()
    expect(page.get_by_role("button", name="Create 0 task(s)")).to_be_disabled()
    if trtllm:
        choose(page, "Target runtime for TensorRT-LLM predictions", "SGLang", search=False)
    runnable = select_runnable(page)
    assert runnable >= 1
    create_tasks(page, runnable)
    expect(page.get_by_test_id("stPageLink").get_by_role("link")).to_have_count(runnable)
    console.check(page, f"import {archive.name}")
    return runnable


def import_three(page: Page, console: Console, tmp_path: Path) -> tuple[int, str]:
    """All three zips; the total created, and the name of the first SGLang task."""
    nav(page, "Import from aiconfigurator")
    created = 0
    first = ""
    for folder in ZIPS:
        archive = zip_folder(AIC_FOLDER.parent / folder, tmp_path / f"{folder}.zip")
        created += import_zip(page, console, archive, trtllm=folder.startswith("trtllm"))
        if not first:
            link = page.get_by_test_id("stPageLink").get_by_role("link").first
            first = unquote((link.get_attribute("href") or "").split("task=", 1)[1])
            shot(page, "5-import")
    return created, first


def presets(page: Page, console: Console, task: str) -> None:
    open_editor(page, task)
    expand(page, "Parallel")
    tp = page.get_by_label("Tensor parallel (TP)", exact=True)
    expect(tp).not_to_have_value("")  # the form may still be drawing on a busy machine
    before = tp.input_value()
    pick_presets(page, "High Throughput")
    preview = page.get_by_text(re.compile(r"^Grid after applying: \d+ combination\(s\)"))
    expect(preview).to_be_visible()
    shot(page, "6-presets-preview")
    click(page, "Apply to this task")
    expect(page.get_by_text("Applied High Throughput (union)")).to_be_visible()
    after = tp.input_value()
    assert set(after.split(", ")) >= {"2", "4"} | set(before.split(", ")), (before, after)
    click(page, "Undo presets")
    expect(tp).to_have_value(before)
    console.check(page, "presets")


def open_editor(page: Page, task: str) -> None:
    base = re.sub(r"(https?://[^/]+).*", r"\1", page.url)
    page.goto(f"{base}/editor?task={task}")
    wait_ready(page)
    expect(page.get_by_role("heading", name=task)).to_be_visible()


def compare(page: Page, console: Console, task: str) -> None:
    nav(page, "Compare")
    choose(page, "Tasks", task)
    expect(page.get_by_role("heading", name="Predictions")).to_be_visible()
    expand(page, "Add measured results")
    choose(page, "For task", task, search=False)
    upload(page, RESULTS)
    expect(page.get_by_text("Stored 4 measured result(s)")).to_be_visible()
    chart = page.get_by_test_id("stVegaLiteChart").first
    expect(chart.locator("svg text", has_text="measurement")).to_have_count(1)
    expect(chart.locator("svg text", has_text="prediction")).to_have_count(1)
    expect(page.get_by_role("heading", name="Predicted vs measured")).to_be_visible()
    expect(cell(page.get_by_test_id("stDataFrame").nth(1), "TTFT (ms)")).to_be_attached()
    # From the page title to the chart in one picture.
    page.set_viewport_size({"width": WIDE, "height": 1300})
    to_top(page)
    shot(page, "7-compare")
    page.set_viewport_size({"width": WIDE, "height": TALL})
    console.check(page, "compare")


def delete_many(page: Page, console: Console, total: int) -> None:
    nav(page, "Tasks")
    expect(page.get_by_text(f"{total:,} task(s) match")).to_be_visible()
    for row in (0, 1, 2):
        tick_row(page, row)
    expect(page.get_by_role("heading", name="3 tasks selected")).to_be_visible()
    page.get_by_role("button", name="Delete 3 tasks").click()
    settle(page)
    page.get_by_text(re.compile(r"^Delete these 3 tasks and their \d+ measured")).click()
    settle(page)
    shot(page, "8-delete-many")
    click(page, "Delete them for good")
    expect(page.get_by_text(re.compile(r"^Deleted 3 task\(s\)"))).to_be_visible()
    expect(page.get_by_text(f"{total - 3:,} task(s) match")).to_be_visible()
    console.check(page, "delete many")


def test_the_whole_journey(app_server: AppServer, page: Page, tmp_path: Path) -> None:
    page.set_viewport_size({"width": WIDE, "height": TALL})
    console = Console(page)
    open_app(page, app_server, "editor")
    new_task(page, console)
    expert_edit(page, console)
    switch_engine(page, console)
    save_and_reload(page, console)
    created, imported = import_three(page, console, tmp_path)
    presets(page, console, imported)
    compare(page, console, imported)
    delete_many(page, console, created + 1)
