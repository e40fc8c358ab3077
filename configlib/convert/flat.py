"""Structured -> flat: a task's sections as the flags of one engine release."""

from __future__ import annotations

from typing import Any

from configlib.convert.common import (
    FlatParameters,
    FlatResult,
    _effective_list,
    _finding,
    _precedence_findings,
    _show,
    engine_for,
)
from configlib.convert.emit import (
    _Emission,
    _emit,
    _is_switch_key,
)
from configlib.convert.plan import ConversionPlan, Group, GroupResult, conversion_plan
from configlib.engines import Engine
from configlib.engines.manifest import Resolved
from configlib.engines.rules import Note
from configlib.findings import Finding, unique
from configlib.model import TaskConfig


def _convert_group(
    group: Group, lists: list[list[Any] | None], engine: Engine
) -> tuple[dict[str, list[Any]], tuple[Finding, ...]]:
    """One rule over candidate lists: the first variant that can express them."""
    variants = group.variants
    is_switch = _is_switch_key(engine)
    notes: list[Note] = []
    chosen: _Emission | None = None
    first_failure: _Emission | None = None
    for position, bound in enumerate(variants):
        emission = _emit(bound, lists, is_switch)
        if emission.ok:
            chosen = emission
            if position and bound.deprecated and not variants[0].deprecated:
                keys = ", ".join(f"--{k}" for k in emission.flags)
                notes.append(
                    Note(
                        "warning",
                        bound.fields[0],
                        "deprecated-flag",
                        f"uses deprecated {keys} because the preferred flags cannot express "
                        f"these candidates in {engine.label}",
                    )
                )
            break
        first_failure = first_failure or emission
    if chosen is None:
        assert first_failure is not None
        varied = [p for p, v in zip(group.paths, lists, strict=True) if v is not None]
        if first_failure.cannot:
            message = (
                f"{engine.label} cannot express {', '.join(varied)} as set: "
                f"{first_failure.reason}; no flag is written for them"
            )
        else:
            message = (
                f"{engine.label} cannot run the candidates of {', '.join(varied)} as "
                f"independent flags: {first_failure.reason}; no flag is written for them: use "
                "one value or split the task"
            )
        notes.append(Note("error", varied[0], "not-expressible", message))
        # Writing the failed columns would give a grid with launches nobody asked for.
        chosen = _Emission({}, first_failure.notes, False)
    notes.extend(chosen.notes)
    return chosen.flags, tuple(_finding(n) for n in notes)


def generate(task: TaskConfig, engine: Engine, plan: ConversionPlan | None = None) -> FlatResult:
    """Flags for the structured sections only (``parameters`` not consulted).

    ``plan`` is the engine's ``conversion_plan`` unless given (a test passes the general one).
    """
    parameters: FlatParameters = {}
    sources: dict[str, tuple[str, ...]] = {}
    findings: list[Finding] = []
    plan = plan or conversion_plan(engine)
    state = task.__dict__
    if state["advanced_tuning_config"] is not None:
        findings.extend(_precedence_findings(task))
    memo = plan.memo
    done: set[int] = set()

    def slow(index: int) -> None:
        """The general path for one rule: candidate lists, notes, several variants."""
        if index in done:
            return
        done.add(index)
        group = plan.groups[index]
        lists = [get(task) for get in group.getters]
        key = (index, *[None if v is None else tuple(v) for v in lists])

        def convert() -> GroupResult:
            flags, group_findings = _convert_group(group, lists, engine)
            paths = tuple(p for p, v in zip(group.paths, lists, strict=True) if v is not None)
            return flags, group_findings, paths

        flags, group_findings, paths = memo.get(key, convert)
        if group_findings:
            findings.extend(group_findings)
        for flag_key, flag_values in flags.items():
            parameters[flag_key] = list(flag_values)
            sources[flag_key] = paths

    plan.run(state, parameters, sources, slow)
    if len(findings) > 1:
        findings = unique(findings)
    return FlatResult(parameters, findings, engine, sources)


def to_flat(task: TaskConfig, engine: Engine | None = None) -> FlatResult:
    """The task's full flat parameters for one release: generated flags, then its own flags.

    A flag in ``task.parameters`` that a structured field also sets is dropped with a warning
    when the values differ (the structured value wins) and silently when they agree.
    """
    if engine is None:
        engine, resolution = engine_for(task)
    else:
        resolution = []
    result = generate(task, engine)
    result.findings[:0] = resolution
    if not task.parameters:
        return result
    if not result.parameters:
        result.parameters = dict(task.parameters)
        return result
    generated = _by_flag(result.parameters, engine)
    for key, values in task.parameters.items():
        found = engine.manifest.lookup_lenient(key)
        if found is None or found.spec.name not in generated:
            if key not in result.parameters:
                result.parameters[key] = values
            continue
        own_key, own_found = generated[found.spec.name]
        own_values = result.parameters[own_key]
        if _effective_list(found, values) == _effective_list(own_found, own_values):
            continue
        origin = ", ".join(result.sources.get(own_key, ())) or "a structured field"
        result.findings.append(
            Finding(
                "warning",
                f"parameters.{key}",
                "overridden-by-structured",
                f"{key} {_show(values)} conflicts with {origin} (--{own_key} {_show(own_values)}); "
                "the structured value is used",
            )
        )
    return result


def _by_flag(parameters: FlatParameters, engine: Engine) -> dict[str, tuple[str, Resolved]]:
    found: dict[str, tuple[str, Resolved]] = {}
    for key in parameters:
        resolved = engine.manifest.lookup_lenient(key)
        if resolved is not None:
            found.setdefault(resolved.spec.name, (key, resolved))
    return found
