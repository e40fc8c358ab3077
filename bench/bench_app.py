"""App benchmark: page reruns with 10,000 tasks and 1,000 presets stored, and a cold start.

Warm reruns of every page are timed with AppTest (the script run a click or an edit causes),
next to an empty Streamlit page measured in the same run, so the ratio tells what the app
itself costs. The cold start is ``streamlit run app.py`` until the first page is drawn in
Debian's chromium. Targets: p95 <= 50 ms per page, the Compare page (its chart) <= 200 ms,
cold start < 3 s.

    python bench/bench_app.py
    python bench/bench_app.py --tasks 2000 --presets 200 --runs 20 --no-browser

The database is filled through the store's own backup import (a few template tasks and
presets saved through the public API, exported, copied under new names, imported at once).

Cold start, 2026-12 (2 shared cores, load 3-7, PYTHONDONTWRITEBYTECODE=1 so configlib is
compiled from source each start): 1.33-1.39x the one-table script before the PostgreSQL
dialect went lazy, 1.2-1.6x after; the ratio moves more with the machine's load than with that
change. The app's first script run costs ~560-700 ms CPU more than the baseline's: SQLAlchemy
~240, pydantic + the task model and conversion core ~250 (about 50 of it pydantic's attribute
docstrings on Python < 3.13 scanning every loaded module once), the store ~70, the editor's UI
modules ~60. Opening a database already at head costs ~16 ms (no Alembic).
"""

from __future__ import annotations

import argparse
import copy
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from configlib.store import Store  # noqa: E402
from configlib.taskfile import load_task  # noqa: E402

AIC_FOLDER = ROOT / "tests" / "data" / "aiconfigurator" / "sglang-default-qwen3_32b-h200"
PAGE_TARGET_MS = 50.0
CHART_TARGET_MS = 200.0
COLD_TARGET_S = 3.0
CHROMIUM = "/usr/bin/chromium"


# ---- Filling the database --------------------------------------------------------------------


def fill(url: str, tasks: int, presets: int) -> list[str]:
    """Store ``tasks`` tasks (copies of the examples and of imported aiconfigurator
    candidates) and ``presets`` user presets; returns the candidates' task names."""
    from configlib.aiconfigurator import import_path, tasks_from_candidates
    from configlib.presets import system_presets

    store = Store.open(url)
    try:
        templates = [load_task(str(p))[0] for p in sorted((ROOT / "examples").iterdir())]
        candidates = tasks_from_candidates(import_path(str(AIC_FOLDER)).candidates)
        for task in [*templates, *candidates]:
            store.save_task(task, expected_version=None)
        backup = store.export_all()
        stored_tasks = list(backup["tasks"])
        stored_presets = [
            p
            for p in backup["presets"]
            if p["preset"]["name"] not in {s.name for s in system_presets()}
        ]
        template_preset = copy.deepcopy(backup["presets"][0])
        template_preset["preset"]["is_system"] = False
        stored_presets.append(template_preset)
        extra: dict[str, Any] = {**backup, "tasks": [], "presets": [], "results": []}
        for number in range(tasks - len(stored_tasks)):
            item = copy.deepcopy(stored_tasks[number % len(stored_tasks)])
            item["task"]["task_name"] = f"{item['task']['task_name']}-copy-{number:05d}"
            extra["tasks"].append(item)
        for number in range(presets):
            item = copy.deepcopy(stored_presets[number % len(stored_presets)])
            item["preset"]["name"] = f"preset-{number:04d}"
            item["preset"]["is_system"] = False
            extra["presets"].append(item)
        store.import_all(extra)
        return [task.task_name for task in candidates]
    finally:
        store.close()


# ---- Timing ----------------------------------------------------------------------------------


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def time_reruns(at: AppTest, runs: int, warmup: int = 3) -> list[float]:
    """Milliseconds per rerun of an app already on the page to measure."""
    for _ in range(warmup):
        at.run()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        at.run()
        samples.append((time.perf_counter() - start) * 1000.0)
        if at.exception:
            raise RuntimeError(f"the page raised: {[e.value for e in at.exception]}")
    return samples


def app_on(page: str, prepare: Callable[[AppTest], None] | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page(f"views/{page}.py")
    at.run()
    if prepare is not None:
        prepare(at)
    if at.exception:
        raise RuntimeError(f"{page} raised: {[e.value for e in at.exception]}")
    return at


def _zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder.parent))
    return buffer.getvalue()


EMPTY_APP = 'import streamlit as st\n\nst.title("Tasks")\nst.dataframe({"name": ["a"]})\n'


def cold_start(url: str, repeats: int, script: Path | None = None) -> list[float]:
    """Seconds from ``streamlit run`` to the Tasks page drawn in chromium (or, with
    ``script``, that script's title and table: the baseline)."""
    from playwright.sync_api import sync_playwright

    found = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        for attempt in range(repeats):
            port = 8790 + attempt
            start = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(script or "app.py"),
                 "--server.headless", "true",
                 "--server.port", str(port), "--server.address", "127.0.0.1",
                 "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                cwd=script.parent if script else ROOT, env={**os.environ, "DATABASE_URL": url},
                stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
            )  # fmt: skip
            try:
                page = browser.new_page()
                deadline = time.monotonic() + 60
                while True:
                    try:
                        page.goto(f"http://127.0.0.1:{port}/", timeout=2000)
                        break
                    except Exception:
                        if time.monotonic() > deadline:
                            raise
                        time.sleep(0.05)
                page.get_by_role("heading", name="Tasks").wait_for(timeout=60_000)
                page.locator("[data-testid='stDataFrame']").first.wait_for(timeout=60_000)
                found.append(time.perf_counter() - start)
                page.close()
            finally:
                process.terminate()
                process.wait()
        browser.close()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--presets", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=40, help="reruns timed per page")
    parser.add_argument("--cold", type=int, default=3, help="cold starts timed")
    parser.add_argument("--no-browser", action="store_true", help="skip the cold start")
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="bench-app-"))
    url = f"sqlite:///{scratch / 'bench.db'}"
    os.environ["DATABASE_URL"] = url
    began = time.perf_counter()
    candidates = fill(url, args.tasks, args.presets)
    print(
        f"filled {args.tasks:,} tasks and {args.presets:,} presets in "
        f"{time.perf_counter() - began:.1f} s ({url})"
    )

    def upload(at: AppTest) -> None:
        at.file_uploader(key="import.upload").set_value(
            ("result.zip", _zip_folder(AIC_FOLDER), "application/zip")
        ).run()

    def pick_tasks(at: AppTest) -> None:
        at.multiselect(key="compare.tasks").set_value(candidates).run()

    def pick_preset(at: AppTest) -> None:
        key = at.dataframe[0].key or ""
        at.session_state[key] = {"selection": {"rows": [0], "columns": [], "cells": []}}
        at.run()

    empty = AppTest.from_string("import streamlit as st\n", default_timeout=60)
    empty.run()
    baseline = time_reruns(empty, args.runs)
    cases: list[tuple[str, float, Callable[[], AppTest]]] = [
        ("Tasks (page 1 of 10,000)", PAGE_TARGET_MS, lambda: app_on("tasks")),
        ("Task editor (an example task)", PAGE_TARGET_MS,
         lambda: app_on("editor", task="qwen3-32b-h200-sglang")),
        ("Import (8 candidates)", PAGE_TARGET_MS, lambda: app_on("import_aic", upload)),
        ("Presets (1,000 listed, one open)", PAGE_TARGET_MS,
         lambda: app_on("presets", pick_preset)),
        (f"Compare ({len(candidates)} tasks, chart)", CHART_TARGET_MS,
         lambda: app_on("compare", pick_tasks)),
    ]  # fmt: skip
    p50, p95 = percentiles(baseline)
    print(f"\n{'page':<36} {'p50 ms':>8} {'p95 ms':>8} {'x empty':>8} {'target':>8}")
    print(f"{'empty Streamlit page (baseline)':<36} {p50:8.1f} {p95:8.1f} {1.0:8.1f}")
    base95 = p95
    failed = False
    for label, target, make in cases:
        samples = time_reruns(make(), args.runs)
        p50, p95 = percentiles(samples)
        ok = p95 <= target
        failed |= not ok
        print(
            f"{label:<36} {p50:8.1f} {p95:8.1f} {p95 / base95:8.1f} {target:7.0f}"
            f"{'' if ok else '  OVER'}"
        )
    if not args.no_browser:
        empty_app = scratch / "baseline" / "app.py"
        empty_app.parent.mkdir()
        empty_app.write_text(EMPTY_APP)
        base = statistics.median(cold_start(url, args.cold, empty_app))
        starts = cold_start(url, args.cold)
        median = statistics.median(starts)
        failed |= median >= COLD_TARGET_S
        shown = ", ".join(f"{s:.2f}" for s in starts)
        print(
            f"\ncold start to the Tasks page: median {median:.2f} s ({shown}); "
            f"target < {COLD_TARGET_S:.0f} s"
        )
        print(
            f"cold start of a one-table Streamlit script (baseline): median {base:.2f} s; "
            f"the app takes {median / base:.1f}x{'' if median < COLD_TARGET_S else '  OVER'}"
        )
    # Timings depend on the machine: a missed target is reported above, not an error exit.
    print("\nall targets met" if not failed else "\nsome targets missed (marked above)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
