"""The task downloads the app offers: autotuner and structured files, and aiconfigurator's
``cli exp`` YAML when the exporter is installed (views/parts/actions.py draws the buttons)."""

from __future__ import annotations

import importlib.util

from configlib.io import dump_document
from configlib.model import TaskConfig
from configlib.safe_text import file_stem
from configlib.taskfile import to_autotuner, to_structured_form


def exp_yaml(task: TaskConfig) -> tuple[str | None, str]:
    """aiconfigurator's ``cli exp`` YAML for the task, or why there is none."""
    if importlib.util.find_spec("configlib.aiconfigurator") is None:
        return None, "the aiconfigurator exporter is not installed"
    from configlib.aiconfigurator import export_exp_yaml

    try:
        return export_exp_yaml(task), ""
    except ValueError as error:  # ExportError: the task lacks what aiconfigurator needs
        return None, str(error)


def downloads_of(task: TaskConfig) -> list[tuple[str, str, str, str | None, str]]:
    """(label, file name, mime type, content or None, why not) of every download of a task."""
    stem = file_stem(task.task_name)
    autotuner, _ = to_autotuner(task)
    structured, _ = to_structured_form(task)
    exported, problem = exp_yaml(task)
    return [
        ("Autotuner JSON", f"{stem}.json", "application/json",
         dump_document(autotuner, "json"), ""),
        ("Structured JSON", f"{stem}.structured.json", "application/json",
         dump_document(structured, "json"), ""),
        ("Structured YAML", f"{stem}.yaml", "application/yaml",
         dump_document(structured, "yaml"), ""),
        ("aiconfigurator cli exp YAML", f"{stem}.exp.yaml", "application/yaml", exported,
         problem),
    ]  # fmt: skip
