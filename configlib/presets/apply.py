"""Applying presets to a task: merged with each other, then set on the task (see
``configlib.presets``), and the grid before and after, shown before applying."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from configlib.convert import engine_for, extra_parameters, lift, retarget, to_flat, with_parameters
from configlib.engines import Engine
from configlib.findings import Finding, unique
from configlib.grid import grid_of
from configlib.model import ModelSpec, TaskConfig
from configlib.presets.merge import (
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
from configlib.presets.model import Preset, section_model
from configlib.vocab import STRUCTURED_SECTIONS


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


def merge_presets(
    presets: list[Preset], strategy: MergeStrategy | str, task: TaskConfig
) -> MergeResult:
    """The presets merged with each other for ``task``'s engine, without touching the task."""
    engine, _ = engine_for(task)
    structured = task.has_structured()
    named = [(p.name, preset_settings(p, task, engine, structured)[0]) for p in presets]
    return merge_settings(named, strategy)
