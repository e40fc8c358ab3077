"""Browser tests: one ``streamlit run app.py`` per test module on a free port with a scratch
SQLite database, driven by Playwright through Debian's chromium (never a downloaded browser).

Screenshots go to tests/e2e/artifacts/ (ignored by git); the README's two screenshots are
written to docs/images/ by the tests that take them.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "e2e" / "artifacts"
DOC_IMAGES = ROOT / "docs" / "images"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTH, HEIGHT = 1280, 900
START_TIMEOUT_S = 60


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class AppServer:
    url: str
    database: Path
    log: Path


@pytest.fixture(scope="module")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """A Streamlit server for this module, on an empty scratch SQLite database."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make chromium)")
    scratch = tmp_path_factory.mktemp("e2e")
    database = scratch / "app.db"
    log = scratch / "streamlit.log"
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        "--global.developmentMode", "false",
    ]  # fmt: skip
    with log.open("w") as sink:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                pytest.fail(f"streamlit exited early:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit did not become healthy:\n{log.read_text()}")
            time.sleep(0.2)
        yield AppServer(url, database, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _new_page(browser: Browser, scheme: str) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": WIDTH, "height": HEIGHT},
        color_scheme="dark" if scheme == "dark" else "light",
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A 1280 px wide page in the light scheme."""
    yield from _new_page(browser, "light")


@pytest.fixture
def dark_page(browser: Browser) -> Iterator[Page]:
    """A 1280 px wide page in the dark scheme."""
    yield from _new_page(browser, "dark")


def wait_ready(page: Page) -> None:
    """Connected, script finished, no element still loading."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")
    page.wait_for_function(
        "() => document.querySelectorAll(\"[data-testid='stSkeleton']\").length === 0"
    )


def open_app(page: Page, server: AppServer, path: str = "") -> None:
    page.goto(f"{server.url}/{path}")
    wait_ready(page)


def screenshot(page: Page, name: str, *, for_docs: bool = False, full_page: bool = False) -> Path:
    """Save a screenshot under artifacts/.

    The README's pictures (``for_docs``) are refreshed in docs/images/ only when
    CONFIGLIB_UPDATE_SCREENSHOTS=1, so an ordinary test run leaves the checkout unchanged.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=full_page)
    if for_docs and os.environ.get("CONFIGLIB_UPDATE_SCREENSHOTS") == "1":
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, DOC_IMAGES / f"{name}.png")
    return target


# ---- Driving Streamlit widgets -------------------------------------------------------------


def settle(page: Page) -> None:
    """Let the rerun an interaction triggered start, then wait until it has finished."""
    page.wait_for_timeout(200)
    wait_ready(page)


def fill(page: Page, label: str, value: str) -> None:
    """Type into a text input and commit it (Enter), as a user does."""
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")
    settle(page)


def choose(page: Page, label: str, option: str, *, search: bool = True) -> None:
    """Pick an option of a selectbox or multiselect (typed first: long lists are virtual)."""
    for attempt in range(3):
        try:
            page.get_by_label(label, exact=True).click()
            if search:
                page.keyboard.type(option)
            page.get_by_role("option", name=option, exact=True).click(timeout=5_000)
            break
        except PlaywrightTimeoutError:
            # A rerun redrew the list under the pointer: close it and try again.
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            settle(page)
    listbox = page.get_by_role("listbox")
    if listbox.count():  # a multiselect stays open for more picks
        page.keyboard.press("Escape")
    settle(page)


def expand(page: Page, title: str) -> None:
    """Open a collapsed expander by its title."""
    expander = (
        page.get_by_test_id("stExpander").filter(has=page.locator("summary", has_text=title)).first
    )
    if expander.locator("details").get_attribute("open") is None:
        expander.locator("summary").click()
        # Opening a section reruns the page to draw its fields.
        expect(expander.get_by_test_id("stExpanderDetails")).to_be_visible()
        settle(page)


def click(page: Page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    settle(page)


def nav(page: Page, title: str) -> None:
    """Go to a page through the top navigation."""
    page.get_by_role("link", name=title, exact=True).first.click()
    settle(page)


def open_tab(page: Page, name: str) -> None:
    """Switch to a tab (the editor's "Advanced config" and "Expert mode") by its name."""
    page.get_by_role("tab", name=name).click()
    settle(page)


def pick_presets(page: Page, preset: str, *, search: bool = True) -> None:
    """Open the editor's "Apply presets" and pick one preset, which shows its preview."""
    page.get_by_role("button", name="Apply presets").click()
    choose(page, "Presets, in the order to apply", preset, search=search)


def fill_new_task(page: Page, name: str) -> None:
    """Fill the editor's new-task form: a Qwen3-32B sweep on one H200 server, TP 2 or 4 and
    two static memory fractions (SGLang), which validates without errors."""
    expect(page.get_by_role("heading", name="New task")).to_be_visible()
    fill(page, "Task name", name)
    fill(page, "Model id or path", "Qwen/Qwen3-32B")
    expand(page, "System")
    choose(page, "GPU system", "h200_sxm")
    fill(page, "GPUs available", "8")
    expand(page, "Parallel")
    fill(page, "Tensor parallel (TP)", "2, 4")
    expand(page, "Memory")
    fill(page, "Static memory fraction (SGLang)", "0.85, 0.9")
    # The tokenizer and model name follow the model typed, so nothing is left to warn about.
    expect(page.get_by_text("No problems found").first).to_be_visible()


def upload(page: Page, path: Path) -> None:
    """Drop a file on the page's file uploader and wait for the page to read it."""
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    settle(page)


def select_runnable(page: Page) -> int:
    """On the import page, select every runnable candidate with its button; how many."""
    select = page.get_by_role("button", name=re.compile(r"^Select the \d+ runnable candidate"))
    runnable = int(re.findall(r"\d+", select.inner_text())[0])
    select.click()
    settle(page)
    return runnable


def create_tasks(page: Page, count: int) -> None:
    """On the import page, create the ``count`` selected candidates' tasks."""
    page.get_by_role("button", name=f"Create {count} task(s)").click()
    settle(page)
    expect(page.get_by_text(f"Created {count} task(s):")).to_be_visible()


def save_example(server: AppServer, file_name: str) -> str:
    """Store one of the repository's example tasks in the server's database; its name."""
    from configlib.store import NameTaken, Store
    from configlib.taskfile import load_task

    task, _ = load_task(str(ROOT / "examples" / file_name))
    store = Store.open(f"sqlite:///{server.database}")
    try:
        store.save_task(task, expected_version=None)
    except NameTaken:
        pass
    finally:
        store.close()
    return task.task_name


def cell(table: Locator, text: str) -> Locator:
    """A data grid cell by its exact text (the grid keeps an accessible copy of its cells)."""
    return table.locator(
        "[role='gridcell']", has_text=re.compile(rf"^\s*{re.escape(text)}\s*$")
    ).first


#: px: the height of a data grid's header and of each of its rows.
ROW_PX = 35


def tick_row(page: Page, index: int, table: int = 0) -> None:
    """Click the row marker at the left edge of row ``index`` of a data grid (the first by
    default): it sits left of the first column."""
    box = page.get_by_test_id("stDataFrame").nth(table).bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 16, box["y"] + ROW_PX * (index + 1) + ROW_PX / 2)
    settle(page)


def tick_row_of(page: Page, text: str) -> None:
    """Tick the row of the first data grid that holds a cell reading ``text``."""
    row = cell(page.get_by_test_id("stDataFrame").first, text)
    expect(row).to_be_attached()
    # Grid cells are named glide-cell-<column>-<row>.
    tick_row(page, int((row.get_attribute("id") or "").rsplit("-", 1)[1]))


AIC_FOLDER = ROOT / "tests" / "data" / "aiconfigurator" / "sglang-default-qwen3_32b-h200"


def zip_folder(folder: Path, target: Path) -> Path:
    """A .zip of a result folder, as users make one of aiconfigurator's --save-dir."""
    import zipfile

    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder.parent))
    return target
