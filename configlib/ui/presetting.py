"""Presets in the app, without Streamlit: a preset edited with the task editor's state (the
same advanced form and expert mode), and a task's settings saved as a preset.

A preset is edited as a carrier task: its sections and flags on a placeholder model, for its
runtime (SGLang when it is for any engine). Saving keeps the sections and only the flags the
sections do not generate, so the preset applies to any release of its engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from configlib.convert import extra_parameters
from configlib.findings import Finding
from configlib.model import TaskConfig
from configlib.safe_text import md, md_code
from configlib.ui.editor import EditorState
from configlib.ui.fields import render_value
from configlib.vocab import STRUCTURED_SECTIONS, Runtime

if TYPE_CHECKING:
    from configlib.presets import GridPreview, Preset
    from configlib.store import PresetSummary

#: The carrier task's model (a preset has none).
CARRIER_MODEL = "preset"
ANY_RUNTIME = "any"
#: Findings about these parts of the carrier task concern the preset.
PRESET_PATHS = (*STRUCTURED_SECTIONS, "parameters")


def preset_to_task(preset: Preset) -> TaskConfig:
    """The carrier task of a preset (its sections and flags, for its engine)."""
    return TaskConfig(
        task_name=preset.name,
        description=preset.description,
        model={"id_or_path": CARRIER_MODEL},
        base_runtime=preset.runtime or Runtime.SGLANG,
        parameters=dict(preset.parameters),
        **{name: getattr(preset, name) for name in STRUCTURED_SECTIONS},
    )


def settings_of(task: TaskConfig) -> dict[str, Any]:
    """A task's sections and the flags its sections do not generate."""
    data: dict[str, Any] = {name: getattr(task, name) for name in STRUCTURED_SECTIONS}
    data["parameters"] = dict(extra_parameters(task))
    return data


def build_preset(
    task: TaskConfig,
    *,
    name: str,
    description: str = "",
    category: str | None = None,
    runtime: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Preset:
    """A preset holding ``task``'s settings; ``ValueError`` (pydantic's) when it is not one."""
    from configlib.presets import Preset

    return Preset.model_validate(
        {
            "name": name.strip(),
            "description": description,
            "category": category or None,
            "runtime": None if runtime in (None, "", ANY_RUNTIME) else runtime,
            "metadata": metadata or {},
            **{
                k: v.model_dump() if hasattr(v, "model_dump") else v
                for k, v in settings_of(task).items()
            },
        }
    )


def preset_findings(findings: list[Finding]) -> list[Finding]:
    """Only what concerns a preset: its sections and flags (not the carrier's model or SLO)."""
    return [f for f in findings if f.path.split(".", 1)[0].split("[", 1)[0] in PRESET_PATHS]


@dataclass
class PresetDraft:
    """A preset being created or edited."""

    editor: EditorState
    """The preset's sections and flags, edited as a carrier task."""
    name: str
    """Preset name (fixed once stored: duplicate to rename)."""
    description: str = ""
    """Free text."""
    category: str = ""
    """Grouping shown in lists (memory, performance ...)."""
    runtime: str = ANY_RUNTIME
    """sglang, vllm or any."""
    metadata: dict[str, Any] = field(default_factory=dict)
    """Kept as loaded (author, tags, where it was imported from)."""
    stored_name: str | None = None
    """The stored preset being edited; None for a new one."""
    version: int | None = None
    """Its stored version, for the stale-save check."""
    is_system: bool = False
    """True for shipped, read-only presets."""

    @classmethod
    def new(cls) -> PresetDraft:
        carrier = TaskConfig(
            task_name="new-preset", model={"id_or_path": CARRIER_MODEL}, base_runtime=Runtime.SGLANG
        )
        return cls(EditorState.from_task(carrier), name="")

    @classmethod
    def of(cls, preset: Preset, version: int | None) -> PresetDraft:
        return cls(
            EditorState.from_task(preset_to_task(preset)),
            name=preset.name,
            description=preset.description,
            category=preset.category or "",
            runtime=preset.runtime.value if preset.runtime else ANY_RUNTIME,
            metadata=dict(preset.metadata),
            stored_name=preset.name if version is not None else None,
            version=version,
            is_system=preset.is_system,
        )

    def to_preset(self, name: str | None = None) -> Preset:
        return build_preset(
            self.editor.task,
            name=name if name is not None else self.name,
            description=self.description,
            category=self.category,
            runtime=self.runtime,
            metadata=self.metadata,
        )


#: The Presets page's table.
PRESET_COLUMNS = ["name", "category", "runtime", "origin", "description", "updated"]


#: The merge strategies offered when applying presets, with what each does.
STRATEGIES = {
    "union": "union: every value of every preset",
    "intersection": "intersection: only values all presets share",
    "last_wins": "last wins: a later preset replaces a flag's values",
}


def preset_rows(items: Sequence[PresetSummary]) -> list[dict[str, Any]]:
    return [
        {
            "name": item.name,
            "category": item.category or "",
            "runtime": item.runtime or "any",
            "origin": "system" if item.is_system else "user",
            "description": item.description,
            "updated": item.updated_at,
        }
        for item in items
    ]


def matching(
    items: Sequence[PresetSummary], search: str, category: str, runtime: str, origin: str
) -> list[PresetSummary]:
    """The listed presets that pass the page's filters (one database read serves both the
    category list and the table; a runtime also keeps presets for any runtime)."""
    needle = search.strip().lower()
    return [
        item
        for item in items
        if (category == "any" or item.category == category)
        and (runtime == "any" or item.runtime in (None, runtime))
        and (origin == "all" or item.is_system == (origin == "system"))
        and (not needle or needle in item.name.lower() or needle in item.description.lower())
    ]


def values_text(values: Sequence[Any]) -> str:
    return ", ".join(render_value(v) for v in values) if values else "nothing"


def conflict_line(conflict: Any) -> str:
    """One conflict as a list item: what it was, what came in, what it is now and who won."""
    winner = f", **{md(conflict.won_by)}** wins" if conflict.won_by else ""
    reason = str(conflict.reason)
    reason = md(reason[:1].upper() + reason[1:])
    return (
        f"- {md_code(conflict.parameter)}: {md(values_text(conflict.before))} "
        f"({md(conflict.before_from)}) + "
        f"{md(values_text(conflict.incoming))} ({md(conflict.incoming_from)}) → "
        f"**{md(values_text(conflict.after))}**{winner}. {reason}"
    )


def preview_rows(preview: GridPreview) -> list[dict[str, str]]:
    """Each flag applying the presets changes: its values now and after."""
    return [
        {
            "flag": change.flag,
            "now": values_text(change.before) if change.before is not None else "not set",
            "after": values_text(change.after) if change.after is not None else "removed",
        }
        for change in preview.changes
    ]
