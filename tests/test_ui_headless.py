"""configlib.ui is the app's state without the app: every module of it imports where Streamlit
and Altair cannot be imported (the library installed without the ``app`` extra)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import configlib.ui

ROOT = Path(__file__).resolve().parent.parent

#: Runs in a fresh interpreter: a None entry in sys.modules makes ``import streamlit`` raise
#: ImportError, as if it were not installed.
_PROBE = """
import importlib, json, sys
for blocked in ("streamlit", "altair"):
    sys.modules[blocked] = None
failed = {}
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except Exception as error:
        failed[name] = f"{type(error).__name__}: {error}"
print(json.dumps(failed))
"""


def ui_modules() -> list[str]:
    found = pkgutil.walk_packages(configlib.ui.__path__, "configlib.ui.")
    return ["configlib.ui", *sorted(module.name for module in found)]


def test_every_ui_module_imports_without_streamlit() -> None:
    modules = ui_modules()
    assert "configlib.ui.editor" in modules and "configlib.ui.form" in modules
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(modules)],
        capture_output=True, text=True, cwd=ROOT, check=True, timeout=120,
    )  # fmt: skip
    assert json.loads(probe.stdout) == {}


def test_the_probe_sees_a_streamlit_import() -> None:
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(["streamlit", "json"])],
        capture_output=True, text=True, cwd=ROOT, check=True, timeout=120,
    )  # fmt: skip
    assert list(json.loads(probe.stdout)) == ["streamlit"]
