"""AppTest fixtures: the whole app (app.py with st.navigation) on a scratch SQLite database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

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
