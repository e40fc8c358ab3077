"""Switching a task to another engine, said before it happens.

``plan_switch`` lists what moving a task to another runtime would drop (settings the target
cannot express, flags it does not have), the candidate values the target release refuses
(a choice it does not offer, a value of the wrong kind) and which settings can be carried to
the target's
closest setting (``engines/translations.json``, each with how the meaning differs), with the
grid size before, after, and after translating. ``switch_engine`` performs the switch the plan
describes. The command line (``--runtime``, ``--translate``) and the editor use both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from configlib.convert import FlatResult, retarget, to_flat, with_parameters
from configlib.convert.editing import regenerate
from configlib.engines import ENGINES
from configlib.engines.manifest import render_value
from configlib.engines.releases import default_release, pin
from configlib.findings import Finding, unique
from configlib.grid import grid_of
from configlib.model import TaskConfig
from configlib.presets import section_model
from configlib.served import served_name
from configlib.vocab import Runtime

__all__ = ["Loss", "SwitchPlan", "Translation", "plan_switch", "switch_engine"]

#: Conversion codes that mean a setting of the task has no effect on the target engine.
_DROPPING = frozenset({"unsupported-field", "not-expressible"})


@dataclass(frozen=True)
class Translation:
    """A setting that can be carried to the target engine's closest setting."""

    from_field: str
    to_field: str
    values: list[Any]
    meaning: str
    """How the two settings differ, in one sentence for people."""

    def sentence(self, name: Callable[[str], str] = str) -> str:
        """In one line; ``name`` says a field (its path by default, the form's label in the app)."""
        shown = ", ".join(str(v) for v in self.values)
        return (
            f"{name(self.from_field)} {shown} can become {name(self.to_field)} {shown}: "
            f"{self.meaning}"
        )


@dataclass(frozen=True)
class Loss:
    """A setting the target engine cannot express, or candidates of one it refuses."""

    path: str
    values: list[Any]
    """The setting's values; with ``candidates``, only the values the target refuses."""
    reason: str
    cleared: bool
    """True: the switch clears the field (it would have no effect); False: a flag the target
    does not have, or values it refuses, kept so the user sees them refused and changes them."""
    candidates: bool = False
    """True: some candidate values of a setting the target has, which its release refuses."""

    def sentence(self, name: Callable[[str], str] = str) -> str:
        """In one line; ``name`` says a field (its path by default, the form's label in the app)."""
        shown = ", ".join(_shown(v) for v in self.values)
        if self.candidates:
            many = len(self.values) > 1
            return (
                f"{name(self.path)}: {'candidates' if many else 'candidate'} {shown} "
                f"{'stay' if many else 'stays'}, and the engine will refuse "
                f"{'them' if many else 'it'}: {self.reason}"
            )
        what = "is dropped" if self.cleared else "stays, and the engine will refuse it"
        held = f" ({shown})" if self.values else ""
        return f"{name(self.path)}{held} {what}: {self.reason}"


def _shown(value: Any) -> str:
    """A value as the engine receives it; text that would read as another value is quoted."""
    text = render_value(value)
    if isinstance(value, str) and (text == "" or text.lower() in ("true", "false", "none")):
        return repr(value)
    return text


@dataclass
class SwitchPlan:
    """What switching ``task`` to ``runtime`` (release ``version``) does."""

    runtime: Runtime
    version: str
    size_before: int
    size_after: int
    """Grid size after the switch without translating."""
    size_translated: int
    """Grid size after the switch with every translation taken."""
    losses: list[Loss] = field(default_factory=list)
    """Dropped when nothing is translated (translatable settings included)."""
    translations: list[Translation] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{ENGINES[self.runtime].label} {self.version}"

    @property
    def quiet(self) -> bool:
        """Nothing is dropped or translated: the switch needs no decision."""
        return not self.losses and not self.translations

    def findings(self, translated: bool) -> list[Finding]:
        """The plan as findings (what the command line prints after switching)."""
        offered = {t.from_field for t in self.translations}
        found = [
            Finding(
                "warning",
                loss.path,
                "switch-refused" if loss.candidates else "switch-drops",
                f"switching to {self.label}: {loss.sentence()}",
            )
            for loss in self.losses
            if loss.path not in offered
        ]
        for item in self.translations:
            shown = ", ".join(str(v) for v in item.values)
            if translated:
                code, path = "switch-translated", item.to_field
                message = f"{item.from_field} {shown} became {item.to_field} {shown}"
            else:
                code, path = "switch-drops", item.from_field
                message = f"{item.from_field} ({shown}) is dropped; the closest is {item.to_field}"
            found.append(
                Finding(
                    "warning", path, code, f"switching to {self.label}: {message}: {item.meaning}"
                )
            )
        return found


@cache
def _table() -> tuple[dict[str, str], ...]:
    text = resources.files("configlib.engines").joinpath("translations.json").read_text()
    entries: list[dict[str, str]] = json.loads(text)["translations"]
    return tuple(entries)


def _put(task: TaskConfig, path: str, value: Any) -> TaskConfig:
    """The task with one field set (None clears it; a section left empty is removed)."""
    section, _, name = path.partition(".")
    holder = getattr(task, section)
    if holder is None:
        if value is None:
            return task
        holder = section_model(section)()
    updated = holder.model_copy(update={name: value})
    if all(v is None for v in updated.model_dump().values()):
        updated = None
    return task.model_copy(update={section: updated})


def _plain(values: Any) -> list[Any]:
    if isinstance(values, list):
        return [getattr(v, "value", v) for v in values]
    return [values.model_dump(exclude_none=True)]


def _moved(task: TaskConfig, runtime: Runtime, version: str) -> TaskConfig:
    moved, _ = retarget(task, runtime, version)
    return pin(moved, version)


def _size(task: TaskConfig) -> int:
    return grid_of(to_flat(task).parameters).size


def plan_switch(task: TaskConfig, runtime: Runtime | str, version: str | None = None) -> SwitchPlan:
    """What switching the task to ``runtime`` (``version``, default its newest release) does."""
    target = Runtime(runtime)
    chosen = version or default_release(target)
    moved = _moved(task, target, chosen)
    flat = to_flat(moved)
    losses = []
    for finding in unique(flat.findings):
        if finding.code not in _DROPPING:
            continue
        field_set = "." in finding.path and moved.value_at(finding.path) is not None
        values = _plain(moved.value_at(finding.path)) if field_set else []
        # A field the other engine ignores is cleared; a combination it cannot launch, or a
        # setting another release of the same engine lacks, is left for the user to change.
        cleared = field_set and finding.code == "unsupported-field" and target != task.base_runtime
        losses.append(Loss(finding.path, values, finding.message, cleared))
    manifest = flat.engine.manifest
    for key, flag_values in moved.parameters.items():
        if manifest.lookup_lenient(key) is None:
            reason = f"{ENGINES[target].label} {chosen} has no --{key.lstrip('-')}"
            losses.append(Loss(f"parameters.{key}", _plain(flag_values), reason, False))
    own = to_flat(task)
    already = {(path, _shown(v)) for path, _, v, _ in _refusals(own)}
    losses.extend(_refused(flat, already))
    translations = []
    if target != task.base_runtime:
        for entry in _table():
            if (entry["from_runtime"], entry["to_runtime"]) != (task.base_runtime, target):
                continue
            values = moved.value_at(entry["from_field"])
            if values is None or moved.value_at(entry["to_field"]) is not None:
                continue
            translations.append(
                Translation(
                    entry["from_field"], entry["to_field"], _plain(values), entry["meaning"]
                )
            )
    translated = _cleared(_translate(moved, translations), losses)
    return SwitchPlan(
        target,
        chosen,
        grid_of(own.parameters).size,
        _size(_cleared(moved, losses)),
        _size(translated),
        losses,
        translations,
    )


def _refusals(flat: FlatResult) -> list[tuple[str, str, Any, str]]:
    """(setting, flag, candidate value, why) for each candidate the release of ``flat``
    refuses; the setting is the field the flag came from, else ``parameters.<flag>``."""
    from configlib.validate import refused_value

    engine = flat.engine
    found = []
    for key, values in flat.parameters.items():
        resolved = engine.manifest.lookup_key(key)
        if resolved is None or not isinstance(values, list):
            continue  # an unknown flag is a loss of its own; a range is not candidates
        sources = flat.sources.get(key)
        path = sources[0] if sources else f"parameters.{key}"
        for value in values:
            problem = refused_value(engine, key, resolved, value)
            if problem:
                # "'lpm' is not one of: ..." -> "not one of: ...": the value is named apart.
                problem = problem.removeprefix(f"{render_value(value)!r} ").removeprefix("is ")
                found.append((path, resolved.spec.name, value, problem))
    return found


def _refused(flat: FlatResult, already: set[tuple[str, str]]) -> list[Loss]:
    """The candidates the target release refuses that the task's own release accepted
    (``already``: those it refused too), one loss per setting naming each value."""
    by_path: dict[str, dict[tuple[str, str], list[Any]]] = {}
    for path, flag, value, problem in _refusals(flat):
        if (path, _shown(value)) not in already:
            by_path.setdefault(path, {}).setdefault((flag, problem), []).append(value)
    losses = []
    for path, groups in by_path.items():
        values = [value for group in groups.values() for value in group]
        reason = "; ".join(
            f"{flag} in {flat.engine.label} refuses {', '.join(_shown(v) for v in group)}: "
            f"{problem}"
            for (flag, problem), group in groups.items()
        )
        losses.append(Loss(path, values, reason, False, candidates=True))
    return losses


def _cleared(task: TaskConfig, losses: list[Loss]) -> TaskConfig:
    for loss in losses:
        if loss.cleared:
            task = _put(task, loss.path, None)
    return task


def _translate(task: TaskConfig, translations: list[Translation]) -> TaskConfig:
    for item in translations:
        task = _put(_put(task, item.to_field, list(item.values)), item.from_field, None)
    return task


def _named_model(task: TaskConfig) -> TaskConfig:
    """vLLM answers only requests that name its model, so a task moved to vLLM names it for
    the benchmark when nobody did (as an aiconfigurator import does)."""
    if task.base_runtime != Runtime.VLLM or task.benchmark.model_name:
        return task
    return _put(task, "benchmark.model_name", served_name(task))


def switch_engine(
    task: TaskConfig,
    runtime: Runtime | str,
    version: str | None = None,
    *,
    translate: bool = False,
) -> tuple[TaskConfig, list[Finding]]:
    """The task on ``runtime`` with the image of the release, its flags regenerated, and
    (``translate``) the plan's translations taken; the findings say what the switch did."""
    plan = plan_switch(task, runtime, version)
    moved = _moved(task, plan.runtime, plan.version)
    if translate:
        moved = _translate(moved, plan.translations)
    moved = _named_model(_cleared(moved, plan.losses))
    full, notes = with_parameters(moved)
    return full, unique([*plan.findings(translate), *notes])


def change_engine(
    task: TaskConfig,
    runtime: Runtime | str,
    engine_version: str | None,
    *,
    keep_tag: bool = False,
    translate: bool = False,
) -> tuple[TaskConfig, list[Finding]]:
    """The task for another runtime or release, flags regenerated for it.

    The release and the image are one choice: the task gets the image that runs the chosen
    release (the newest supported one when none is named), unless ``keep_tag`` says the change
    came from the tag itself. What the switch drops or translates (configlib.switching) is
    what the findings say; notes about the old engine's flags do not follow the task.
    """
    target = Runtime(runtime)
    if target == task.base_runtime and engine_version == task.engine_version:
        return task, []
    chosen = engine_version or default_release(target)
    if keep_tag:
        moved, _ = retarget(task, target, chosen)
        return regenerate(moved)
    switched, findings = switch_engine(task, target, chosen, translate=translate)
    regenerated, more = regenerate(switched)
    return regenerated, unique([*findings, *more])
