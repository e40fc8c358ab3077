"""What the app's first page loads: the store and the task list, not the task model.

The Tasks page is what a cold start draws first. Listing tasks reads summary columns, so it
needs SQLAlchemy but neither pydantic nor the task model and conversion code (about half of the
app's start-up cost beyond Streamlit's own); those load on the first action that reads or
writes a task. Each check runs in a fresh interpreter, where nothing is imported yet.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Modules the first page must not load (each of them, or what it imports, is heavy).
HEAVY = (
    "pydantic",
    "yaml",
    "configlib.model",
    "configlib.convert",
    "configlib.presets",
    "configlib.results",
    "configlib.taskfile",
    "configlib.ui.editor",
    "views.parts.widgets",
)

_FIRST_PAGE = """
import json, os, sys
sys.path.insert(0, os.getcwd())
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(os.path.join(os.getcwd(), "app.py"), default_timeout=120)
at.run()
print(json.dumps({
    "exceptions": [str(e.value) for e in at.exception],
    "titles": [t.value for t in at.title],
    "tables": len(at.dataframe),
    "loaded": sorted(name for name in json.loads(sys.argv[1]) if name in sys.modules),
}))
"""


def _run(code: str, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT,
        timeout=300, env={**os.environ, **(env or {})},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture
def stored_tasks(tmp_path: Path) -> str:
    """A database with the example tasks (and the system presets) stored."""
    from configlib.store import Store
    from configlib.taskfile import load_task

    url = f"sqlite:///{tmp_path / 'app.db'}"
    with Store.open(url) as store:
        for path in sorted((ROOT / "examples").iterdir()):
            store.save_task(load_task(str(path))[0], expected_version=None)
        assert store.list_presets()
    return url


def test_the_tasks_page_draws_without_the_task_model(stored_tasks: str) -> None:
    shown = json.loads(
        _run(_FIRST_PAGE, json.dumps(HEAVY), env={"DATABASE_URL": stored_tasks}).splitlines()[-1]
    )
    assert shown["exceptions"] == []
    assert shown["titles"] == ["Tasks"] and shown["tables"] == 1
    assert shown["loaded"] == []


def test_the_probe_sees_what_an_editor_page_loads(stored_tasks: str) -> None:
    probe = _FIRST_PAGE.replace("at.run()", "at.run()\nat.switch_page('views/editor.py').run()")
    shown = json.loads(
        _run(probe, json.dumps(HEAVY), env={"DATABASE_URL": stored_tasks}).splitlines()[-1]
    )
    assert shown["exceptions"] == []
    assert {"pydantic", "configlib.model", "configlib.ui.editor"} <= set(shown["loaded"])


_PACKAGE = """
import json, sys
import configlib
light = "pydantic" not in sys.modules and "configlib.model" not in sys.modules
import configlib.validate
from configlib import validate
from configlib import *
print(json.dumps({
    "light": light,
    "validate": callable(validate) and validate.__module__ == "configlib.validate",
    "attribute": configlib.validate is validate,
    "missing": [name for name in configlib.__all__ if name not in globals()],
    "homes": sorted(configlib.__all__) == sorted(configlib._HOME_OF),
}))
"""


def test_the_package_loads_its_names_on_first_use() -> None:
    shown = json.loads(_run(_PACKAGE).splitlines()[-1])
    assert shown == {
        "light": True,
        "validate": True,
        "attribute": True,
        "missing": [],
        "homes": True,
    }


def test_an_unknown_name_is_an_attribute_error() -> None:
    import configlib

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        configlib.nope  # noqa: B018


def test_system_presets_are_current_from_their_first_use(stored_tasks: str) -> None:
    from sqlalchemy import delete

    from configlib.store import Store
    from configlib.store.models import PresetRow

    with Store.open(stored_tasks) as store, store.db.write() as session:
        session.execute(delete(PresetRow).where(PresetRow.name == "Balanced"))
    with Store.open(stored_tasks) as store:
        assert "Balanced" in {p.name for p in store.list_presets(system=True)}
