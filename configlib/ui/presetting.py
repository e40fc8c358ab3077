"""Presets in the app, without Streamlit: a preset edited with the task editor's state (the
same advanced form and expert mode), and a task's settings saved as a preset.

A preset is edited as a carrier task: its sections and flags on a placeholder model, for its
runtime (SGLang when it is for any engine). Saving keeps the sections and only the flags the
sections do not generate, so the preset applies to any release of its engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from configlib.convert import extra_parameters
from configlib.findings import Finding
from configlib.model import STRUCTURED_SECTIONS, TaskConfig
from configlib.ui.editor import EditorState
from configlib.vocab import Runtime

if TYPE_CHECKING:
    from configlib.presets import Preset

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
