"""What the advanced form shows beside its widgets: the findings of each field, and the
summary in a closed section's title."""

from __future__ import annotations

from collections.abc import Iterable

from configlib.findings import Finding
from configlib.ui.editor import EditorState, field_of
from configlib.ui.fields import FieldGroup, render_value
from configlib.ui.form import get_path


def notes_by_field(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(field_of(finding.path), []).append(finding)
    return grouped


SUMMARY_CHARS = 90


def section_summary(group: FieldGroup, state: EditorState) -> str:
    """What a section holds, for its closed title: ``tp 2, 4 · pp 1``."""

    parts = []
    for spec in group.fields:
        value = get_path(state.task, spec.path)
        if value is None or value == [] or value == {} or value == "":
            continue
        if spec.path.startswith("system_config.") and spec.name not in ("gpu_type", "total_gpus"):
            continue
        parts.append(f"{spec.name} {render_value(value)}")
    text = " · ".join(parts)
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"
