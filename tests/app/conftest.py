"""AppTest fixtures: the whole app (app.py with st.navigation) on a scratch SQLite database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from streamlit.testing.v1 import AppTest

if TYPE_CHECKING:
    from configlib.store import Store

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
#: First runs import pandas/altair and open the database; later runs are fast.
TIMEOUT_S = 60


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def app(database_url: str) -> AppTest:
    """The app, not yet run."""
    del database_url
    return AppTest.from_file(APP, default_timeout=TIMEOUT_S)


def open_page(at: AppTest, page: str, **query: str) -> AppTest:
    """Run the app, then switch to ``views/<page>.py`` (with query parameters) and run it."""
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    for name, value in query.items():
        at.query_params[name] = value
    at.switch_page(f"views/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def edit_table(at: AppTest, key: str, **edits: Any) -> AppTest:
    """Send a data-editor change record (edited_rows, added_rows, deleted_rows) and rerun."""
    record = {"edited_rows": {}, "added_rows": [], "deleted_rows": []}
    record.update(edits)
    at.session_state[key] = record
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def db(database_url: str) -> Iterator[Store]:
    """The same database the app uses, opened by the test (as another user would)."""
    from configlib.store import Store

    store = Store.open(database_url)
    yield store
    store.close()


def save_examples(db: Store, *names: str) -> list[str]:
    """Store repository examples (all when no names are given); their task names."""
    from configlib.taskfile import load_task

    saved = []
    for path in sorted((ROOT / "examples").iterdir()):
        if names and path.name not in names:
            continue
        task, _ = load_task(str(path))
        db.save_task(task, expected_version=None)
        saved.append(task.task_name)
    return saved


def run_ok(target: Any) -> AppTest:
    """Run the app (or rerun it after a widget interaction) and check nothing raised."""
    at: AppTest = target.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def button(at: AppTest, label: str) -> Any:
    """The first button with this label (buttons inside popovers included)."""
    found = [b for b in at.button if b.label == label]
    assert found, f"no button {label!r}; buttons: {[b.label for b in at.button]}"
    return found[0]


def select_rows(at: AppTest, key: str, rows: list[int]) -> AppTest:
    """Select rows of a dataframe that has on_select (what a click on its row markers does)."""
    at.session_state[key] = {"selection": {"rows": rows, "columns": [], "cells": []}}
    return run_ok(at)


def open_section(at: AppTest, group: str, scope: str = "editor") -> AppTest:
    """Open a form section (closed sections draw no widgets), as a click on it does."""
    from configlib.ui import keys

    key = keys.section(scope, group)
    if key not in at.session_state or not at.session_state[key]:
        at.session_state[key] = True
        run_ok(at)
    return at


def open_tab(at: AppTest, label: str, scope: str = "editor") -> AppTest:
    at.session_state[f"{scope}.tab"] = label
    return run_ok(at)


def open_popover(at: AppTest, name: str) -> AppTest:
    from configlib.ui import keys

    closed = keys.popover_generation("editor", name)
    generation = at.session_state.get(closed, 0)
    at.session_state[keys.popover("editor", name, generation)] = True
    return run_ok(at)


def set_field(at: AppTest, path: str, value: Any, scope: str = "editor") -> AppTest:
    """Type into one form field (opening its section first)."""
    from configlib.ui import keys

    group = path.split(".", 1)[0] if "." in path else "task"
    open_section(at, group, scope)
    widget = at.get_by_key(keys.field(path, scope))
    return run_ok(widget.set_value(value))


def field_value(at: AppTest, path: str, scope: str = "editor") -> Any:
    """What one form field shows (opening its section first)."""
    from configlib.ui import keys

    open_section(at, path.split(".", 1)[0] if "." in path else "task", scope)
    return at.get_by_key(keys.field(path, scope)).value


def open_selection_popover(at: AppTest, name: str, *tasks: str) -> str:
    """Open the Tasks page's popover ``name`` (dup, delete, download, delete_many, export) for
    the selected ``tasks``, as a click on it does (its key names the selection); its key."""
    from configlib.ui.tasklist import selection_token
    from views.parts.tasklist import popover_key

    key = popover_key(name, selection_token(list(tasks)))
    at.session_state[key] = True
    return key


def dup_name_key(task: str) -> str:
    """The key of the Duplicate popover's name box for the selected ``task``."""
    from configlib.ui.tasklist import selection_token

    return f"tasks.dup_name:{selection_token([task])}"
