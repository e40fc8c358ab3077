"""Presets: named bundles of settings that are applied to tasks.

A preset carries the same structured sections as a task plus flat ``parameters`` (flags the
sections do not cover). This module holds the model, the three merge strategies, the
conversion of the autotuner's flat (legacy) presets into structured form, and the shipped
system presets. Reading and writing preset files is in ``configlib.preset_files``.

Applying presets to a task (``apply_presets``) happens in two steps, both reported:

1. The presets are merged with each other in the order the user chose:
   - ``union``: every value of every preset, first-seen order (a parameter whose presets
     disagree is reported, with the combined values);
   - ``intersection``: only the first preset's parameters, each keeping the values every preset
     has, in the first preset's order (parameters dropped on the way are reported);
   - ``last_wins``: a later preset replaces a parameter's whole list (each replacement reported).
2. The merged settings are set on the task (reported when they differ from the task's):
   with ``union`` the task's own candidates stay and the presets' are added, sorted
   (``tp 2, 4, 8`` + ``1`` -> ``1, 2, 4, 8``); with ``intersection`` and ``last_wins`` the
   merged values replace the task's. Settings the presets do not name stay as they were.

Unlike the autotuner, the user's order is kept (the autotuner merges in database id order),
values are compared with their types (``1``, ``1.0`` and ``true`` are three values, since the
engine receives three different strings), and intersection keeps order instead of sorting.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from configlib.convert import engine_for, extra_parameters, lift, retarget, to_flat, with_parameters
from configlib.engines import Engine
from configlib.findings import Finding, unique
from configlib.grid import grid_of
from configlib.model import (
    STRUCTURED_SECTIONS,
    AdvancedTuningConfig,
    MemoryConfig,
    ModelSpec,
    ParallelConfig,
    QuantizationConfig,
    SchedulingConfig,
    SystemConfig,
    TaskConfig,
)
from configlib.preset_merge import (
    Conflict,
    MergeResult,
    MergeStrategy,
    Setting,
    Settings,
    flag_settings,
    merge_settings,
    same_list,
    section_settings,
    union_values,
)
from configlib.search_space import as_candidate_list
from configlib.vocab import Runtime

__all__ = [
    "ApplyResult",
    "Conflict",
    "GridChange",
    "GridPreview",
    "MergeResult",
    "MergeStrategy",
    "Preset",
    "apply_presets",
    "grid_preview",
    "merge_presets",
    "preset_settings",
    "section_model",
    "system_presets",
]

Scalar = str | int | float | bool


def _as_list(value: Any) -> list[Any]:
    return as_candidate_list(value)


def _checked_values(values: list[Any]) -> list[Any]:
    if not values:
        raise ValueError("give at least one value")
    for i, item in enumerate(values):
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"value {i} is {item}: give a finite number")
    return values


#: A preset parameter: a non-empty list of candidate values (a scalar is read as one value).
PresetValues = Annotated[list[Scalar], BeforeValidator(_as_list), AfterValidator(_checked_values)]


class Preset(BaseModel):
    """A named set of settings that can be applied to tasks."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    name: str = Field(min_length=1, max_length=255)
    """Unique name, 1 to 255 characters."""
    description: str = ""
    """Free text."""
    category: str | None = Field(None, max_length=100)
    """Grouping shown in lists, e.g. memory, performance, general."""
    runtime: Runtime | None = None
    """Engine the preset's flags are for (sglang or vllm); None = usable with any engine."""
    is_system: bool = False
    """Shipped with configlib and read-only (duplicate it to edit)."""

    system_config: SystemConfig | None = None
    """Hardware."""
    parallel_config: ParallelConfig | None = None
    """Parallel layout."""
    quantization_config: QuantizationConfig | None = None
    """Precisions."""
    memory_config: MemoryConfig | None = None
    """Memory budget and context length."""
    scheduling_config: SchedulingConfig | None = None
    """Batching and scheduling."""
    advanced_tuning_config: AdvancedTuningConfig | None = None
    """Further engine knobs."""

    parameters: dict[str, PresetValues] = Field(default_factory=dict)
    """Flat engine flags (name without --) to candidate values, for flags no section covers."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Free-form provenance: author, tags, recommended_for, where it was imported from."""

    @model_validator(mode="after")
    def _not_empty(self) -> Preset:
        if not self.name.strip():
            raise ValueError("name: give a name that is not blank")
        for key in self.parameters:
            if not key.lstrip("-") or any(c.isspace() for c in key) or "=" in key:
                raise ValueError(f"parameters: {key!r} is not a flag name (e.g. tp-size)")
        if not self.parameters and not self.has_structured():
            raise ValueError("a preset sets at least one field or flag")
        return self

    def has_structured(self) -> bool:
        """True when any structured section is present."""
        return any(getattr(self, name) is not None for name in STRUCTURED_SECTIONS)

    def dump(self) -> dict[str, Any]:
        """The preset as plain JSON-ready data, without unset sections."""
        return self.model_dump(mode="json", exclude_none=True)


@dataclass
class ApplyResult:
    """A task with presets applied."""

    task: TaskConfig
    """The merged task, with ``parameters`` regenerated for its engine release."""
    conflicts: list[Conflict]
    """Every conflict, between presets first, then between the merged presets and the task."""
    findings: list[Finding]
    """Conversion notes (flags a preset's engine does not share, values that did not fit)."""
    applied: list[str] = field(default_factory=list)
    """Preset names, in the order applied."""


@dataclass(frozen=True)
class GridChange:
    """One flag of the grid before and after presets are applied."""

    flag: str
    before: list[Any] | None
    """Its candidates before (None: not set)."""
    after: list[Any] | None
    """Its candidates after (None: no longer set)."""


@dataclass(frozen=True)
class GridPreview:
    """What applying presets does to the task's grid, shown before it is applied."""

    size_before: int
    size_after: int
    changes: list[GridChange]
    """Flags whose candidates change, in the order of the resulting flags."""
    axes: dict[str, list[Any]]
    """The resulting grid: every flag with more than one candidate."""


def grid_preview(before: TaskConfig, after: TaskConfig) -> GridPreview:
    """The grid of ``after`` next to the grid of ``before`` (the flags each one launches)."""
    old = to_flat(before).parameters
    new = to_flat(after).parameters

    def candidates(value: Any) -> list[Any]:
        return list(value) if isinstance(value, list) else [value.model_dump(exclude_none=True)]

    changes = [
        GridChange(flag, candidates(old[flag]) if flag in old else None, candidates(value))
        for flag, value in new.items()
        if flag not in old or candidates(old[flag]) != candidates(value)
    ]
    changes += [GridChange(flag, candidates(v), None) for flag, v in old.items() if flag not in new]
    axes = {flag: v for flag, v in new.items() if isinstance(v, list) and len(v) > 1}
    return GridPreview(grid_of(old).size, grid_of(new).size, changes, axes)


def _as_task(preset: Preset, task: TaskConfig) -> TaskConfig:
    """The preset as a task for ``task``'s engine release, so conversions can read it."""
    update = {name: getattr(preset, name) for name in STRUCTURED_SECTIONS}
    return TaskConfig(
        task_name=preset.name,
        model=ModelSpec(id_or_path="preset"),
        base_runtime=preset.runtime or task.base_runtime,
        runtime_image_tag=task.runtime_image_tag
        if preset.runtime in (None, task.base_runtime)
        else None,
        engine_version=task.engine_version if preset.runtime in (None, task.base_runtime) else None,
        parameters=dict(preset.parameters),
        **update,
    )


def preset_settings(
    preset: Preset, task: TaskConfig, engine: Engine, structured: bool
) -> tuple[Settings, list[Finding]]:
    """What ``preset`` sets, read for ``task``'s engine: lifted into fields for a structured
    task, as flags for a flat one."""
    findings: list[Finding] = []
    as_task = _as_task(preset, task)
    if preset.runtime is not None and preset.runtime != task.base_runtime:
        moved, notes = retarget(as_task, task.base_runtime, task.engine_version)
        findings.extend(f for f in notes if f.code != "default-image")
        leftovers = [k for k in moved.parameters if engine.manifest.lookup_lenient(k) is None]
        if leftovers:
            findings.append(
                Finding(
                    "warning",
                    "parameters",
                    "preset-other-engine",
                    f"preset {preset.name!r} is for {preset.runtime.value}; its flags "
                    f"{', '.join(leftovers)} have no {engine.label} equivalent and were applied "
                    "as they are (validation will report them)",
                )
            )
        as_task = moved.model_copy(
            update={
                "runtime_image_tag": task.runtime_image_tag,
                "engine_version": task.engine_version,
            }
        )
    if structured:
        lifted = lift(as_task, engine)
        findings.extend(lifted.findings)
        settings = section_settings(lifted.task)
        settings.update(flag_settings(lifted.task.parameters, engine))
        return settings, findings
    flat = to_flat(as_task, engine)
    findings.extend(f for f in flat.findings if f.code != "default-image")
    settings = flag_settings(flat.parameters, engine)
    if preset.system_config is not None:
        findings.append(
            Finding(
                "warning",
                "system_config",
                "not-applied-to-flat-task",
                f"preset {preset.name!r} sets system_config, which a flat task does not have; "
                "structure the task first to apply it",
            )
        )
    return settings, findings


# ---- Applying presets to a task ----------------------------------------------------------------


def apply_presets(
    task: TaskConfig, presets: list[Preset], strategy: MergeStrategy | str = MergeStrategy.UNION
) -> ApplyResult:
    """Apply presets, in this order, to ``task`` (see the module docstring)."""
    engine, _ = engine_for(task)
    structured = task.has_structured()
    findings: list[Finding] = []
    named: list[tuple[str, Settings]] = []
    for preset in presets:
        settings, notes = preset_settings(preset, task, engine, structured)
        findings.extend(notes)
        named.append((preset.name, settings))
    merged = merge_settings(named, strategy)
    conflicts = list(merged.conflicts)
    own = extra_parameters(task, engine) if structured else dict(task.parameters)
    current = section_settings(task) if structured else {}
    current.update(flag_settings(own, engine))
    label = f"task {task.task_name}"
    union = MergeStrategy(strategy) == MergeStrategy.UNION
    final: Settings = {}
    for key, setting in merged.settings.items():
        held = current.get(key)
        values = setting.values
        combine = union and not setting.opaque and not (held is not None and held.opaque)
        if combine:
            # Union with the task too: its own candidates stay, the presets' are added.
            values = union_values(held.values if held is not None else [], setting.values)
        final[key] = Setting(setting.label, values, setting.opaque)
        if held is not None and not same_list(held.values, values):
            origin = " + ".join(merged.origins[key])
            conflicts.append(
                Conflict(
                    held.label,
                    held.values,
                    label,
                    setting.values,
                    origin,
                    values,
                    None if combine else origin,
                    f"union keeps the task's values and adds those of {origin}, sorted"
                    if combine
                    else f"the preset value replaces the task's ({origin})",
                )
            )
    result, notes = _set_on_task(task, own, final, engine)
    findings.extend(notes)
    return ApplyResult(result, conflicts, unique(findings), merged.applied)


def _set_on_task(
    task: TaskConfig, own: dict[str, Any], merged: Settings, engine: Engine
) -> tuple[TaskConfig, list[Finding]]:
    findings: list[Finding] = []
    section_updates: dict[str, dict[str, Any]] = {}
    parameters = dict(own)
    spelled = {}
    for key in parameters:
        resolved = engine.manifest.lookup_lenient(key)
        spelled[f"flag:{resolved.spec.name}" if resolved else f"flag:?{key}"] = key
    for key, setting in merged.items():
        if key.startswith("flag:"):
            target = spelled.get(key, setting.label.removeprefix("parameters."))
            parameters[target] = setting.values[0] if setting.opaque else list(setting.values)
        elif key == "system_config":
            section_updates["system_config"] = {"__whole__": setting.values[0]}
        else:
            section, _, name = key.partition(".")
            section_updates.setdefault(section, {})[name] = list(setting.values)
    update: dict[str, Any] = {"parameters": parameters}
    for section, fields in section_updates.items():
        current = getattr(task, section)
        if "__whole__" in fields:
            data = fields["__whole__"]
        else:
            data = {**(current.model_dump(exclude_none=True) if current else {}), **fields}
        try:
            update[section] = section_model(section).model_validate(data)
        except ValueError as error:
            findings.append(
                Finding(
                    "error",
                    section,
                    "preset-value-rejected",
                    f"the merged presets give {section} values it cannot hold ({error}); "
                    "left as it was",
                )
            )
    merged_task = task.model_copy(update=update)
    full, notes = with_parameters(merged_task, engine)
    findings.extend(f for f in notes if f.code != "default-image")
    return full, findings


@cache
def section_model(section: str) -> type[BaseModel]:
    """The model class of one structured section."""
    models: dict[str, type[BaseModel]] = {
        "system_config": SystemConfig,
        "parallel_config": ParallelConfig,
        "quantization_config": QuantizationConfig,
        "memory_config": MemoryConfig,
        "scheduling_config": SchedulingConfig,
        "advanced_tuning_config": AdvancedTuningConfig,
    }
    return models[section]


def merge_presets(
    presets: list[Preset], strategy: MergeStrategy | str, task: TaskConfig
) -> MergeResult:
    """The presets merged with each other for ``task``'s engine, without touching the task."""
    engine, _ = engine_for(task)
    structured = task.has_structured()
    named = [(p.name, preset_settings(p, task, engine, structured)[0]) for p in presets]
    return merge_settings(named, strategy)


# ---- Shipped system presets ------------------------------------------------------------------


@cache
def _system_preset_data() -> tuple[dict[str, Any], ...]:
    text = resources.files("configlib").joinpath("data/system_presets.json").read_text("utf-8")
    return tuple(item["preset"] for item in json.loads(text))


def system_presets() -> list[Preset]:
    """The read-only presets configlib ships (the autotuner's four seeds, with real flags)."""
    return [Preset.model_validate({**data, "is_system": True}) for data in _system_preset_data()]
