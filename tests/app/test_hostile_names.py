"""Names and file text holding Markdown render as text on every page (issue item 4).

Every element AppTest sees is walked: Markdown bodies (markdown, captions, alerts, titles,
toasts) and Markdown labels (expanders, tabs, buttons, checkboxes, page links). Outside code
spans none may hold live link, image, HTML or emphasis syntax from the hostile text, and the
hostile text must really be on the page (shown escaped), so the test cannot pass vacuously.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from streamlit.testing.v1 import AppTest

from configlib.store import Store
from configlib.ui import keys
from tests.app.conftest import (
    ROOT,
    button,
    dup_name_key,
    open_page,
    open_selection_popover,
    run_ok,
    save_examples,
    select_rows,
)
from tests.app.shown import shown

HOST = "http://127.0.0.1:9"
NAME = f"**x** [a]({HOST}/p) ![i]({HOST}/i.png) <img src={HOST}/h.png> www.evil.test _y_"
BEST = next(
    (ROOT / "tests" / "data" / "aiconfigurator" / "sglang-default-qwen3_32b-h200").rglob(
        "agg/best_config_topn.csv"
    )
)
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.S)
_LIVE = {
    "link": re.compile(r"(?<!\\)\]\("),
    "image": re.compile(r"(?<!\\)!\["),
    "html or autolink": re.compile(r"(?<!\\)<[A-Za-z/!]"),
    "url": re.compile(r"(?i)(https?|ftp)://|www\."),
    "bold": re.compile(r"(?<!\\)\*(?<!\\)\*x"),
    "emphasis": re.compile(r"(?<![\\\w])_y(?<!\\)_"),
}
_BODY_TYPES = {
    "markdown",
    "caption",
    "title",
    "header",
    "subheader",
    "error",
    "warning",
    "info",
    "success",
    "toast",
}


def _walk(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


def markdown_texts(at: AppTest) -> list[str]:
    """Every Markdown string on the page: element bodies and widget/container labels."""
    found = []
    for node in _walk(at._tree):
        kind = getattr(node, "type", "")
        if kind in _BODY_TYPES and isinstance(getattr(node, "value", None), str):
            found.append(node.value)
        label = getattr(node, "label", None)
        if isinstance(label, str):
            found.append(label)
    return found


def assert_inert(at: AppTest, where: str) -> None:
    texts = markdown_texts(at)
    for text in texts:
        outside_code = _CODE_SPAN.sub("", text)
        for what, pattern in _LIVE.items():
            assert not pattern.search(outside_code), f"{where}: live {what} in {text!r}"
    assert any("**x**" in shown(text) for text in texts), f"{where}: hostile text not shown"


def _hostile_task(db: Store, name: str = NAME) -> str:
    (original,) = save_examples(db, "qwen3-32b-h200-sglang.json")
    task = db.get_task(original).task
    db.save_task(task.model_copy(update={"task_name": name}), expected_version=None)
    return name


def test_tasks_page(app: AppTest, db: Store) -> None:
    _hostile_task(db)
    at = open_page(app, "tasks")
    names = at.dataframe[0].value["name"].tolist()
    select_rows(at, at.dataframe[0].key or "", [names.index(NAME)])
    open_selection_popover(at, "delete", NAME)
    open_selection_popover(at, "dup", NAME)
    run_ok(at)
    assert_inert(at, "tasks: selected")
    at.text_input(key=dup_name_key(NAME)).set_value(NAME + " copy")
    run_ok(button(at, "Create the copy").click())
    assert NAME + " copy" in db.task_names()
    assert_inert(at, "tasks: flash after duplicate")


def test_tasks_upload_message(app: AppTest, db: Store) -> None:
    at = open_page(app, "tasks")
    body = b'{"task_name": "' + NAME.encode() + b'", "oops": '
    run_ok(at.file_uploader(key="tasks.upload").set_value([(f"{NAME}.json", body, "text/json")]))
    assert at.error
    assert_inert(at, "tasks: upload error")


def test_editor_page(app: AppTest, db: Store) -> None:
    _hostile_task(db)
    at = open_page(app, "editor", task=NAME)
    assert shown(at.title[0].value) == NAME
    assert_inert(at, "editor")
    at2 = open_page(
        AppTest.from_file(app._script_path, default_timeout=60), "editor", task=NAME + "?"
    )
    assert at2.error
    assert_inert(at2, "editor: no such task")


def test_presets_page(app: AppTest, db: Store) -> None:
    from configlib.presets import Preset

    db.save_preset(
        Preset.model_validate(
            {
                "name": NAME,
                "category": f"**c** [a]({HOST}/c)",
                "description": NAME,
                "parallel_config": {"tp": [1]},
            }
        ),
        expected_version=None,
    )
    at = open_page(app, "presets")
    names = at.dataframe[0].value["name"].tolist()
    select_rows(at, at.dataframe[0].key or "", [names.index(NAME)])
    assert_inert(at, "presets: selected")
    # The same preset applied in the task editor: its conflicts name it.
    task = _hostile_task(db, "plain-task")
    at = open_page(AppTest.from_file(app._script_path, default_timeout=60), "editor", task=task)
    at.session_state[keys.popover("editor", "apply")] = True
    run_ok(at)
    run_ok(at.multiselect(key="editor.apply_names").set_value([NAME]))
    assert any("conflict" in shown(m.value) for m in at.markdown)
    assert_inert(at, "editor: apply presets")


def _hostile_table() -> bytes:
    rows = list(csv.reader(io.StringIO(BEST.read_text())))
    header = rows[0]
    model = header.index("model")
    for row in rows[1:]:
        row[model] = "Qwen/" + NAME
    header.append(f"[z]({HOST}/col)")
    for row in rows[1:]:
        row.append("1")
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def test_import_page(app: AppTest, db: Store) -> None:
    at = open_page(app, "import_aic")
    upload = (f"{NAME}.csv", _hostile_table(), "text/csv")
    run_ok(at.file_uploader(key=keys.IMPORT_UPLOAD).set_value(upload))
    assert len(at.dataframe[0].value) >= 2
    select_rows(at, at.dataframe[0].key or "", [0])
    assert_inert(at, "import: details")
    run_ok(button(at, "Create 1 task(s)").click())
    assert_inert(at, "import: created")


def test_import_errors_echoing_the_file(app: AppTest) -> None:
    at = open_page(app, "import_aic")
    bad = f"{NAME},b\n1,2\n".encode()
    run_ok(at.file_uploader(key=keys.IMPORT_UPLOAD).set_value((f"{NAME}.csv", bad, "text/csv")))
    assert at.error
    assert_inert(at, "import: refused")


def test_compare_page(app: AppTest, db: Store) -> None:
    _hostile_task(db)
    at = open_page(app, "compare")
    run_ok(at.multiselect(key=keys.COMPARE_TASKS).set_value([NAME]))
    assert any(NAME in str(v) for v in at.dataframe[0].value["name"].tolist())
    at.session_state["compare.results_task"] = NAME
    bad = b'{"' + NAME.encode() + b'": 1}'
    run_ok(at.file_uploader(key="compare.results_upload").set_value((f"{NAME}.json", bad, "a/b")))
    assert_inert(at, "compare")
