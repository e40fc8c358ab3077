"""Structured -> flat: a task's sections as the flags of one engine release."""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from configlib.convert.common import (
    _LOSER_OF,
    _MEMO_LIMIT,
    FlatParameters,
    FlatResult,
    _effective_getter,
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
from configlib.engines import Engine
from configlib.engines.manifest import Resolved
from configlib.engines.rules import Bound, Flag, Note
from configlib.findings import Finding, unique
from configlib.model import TaskConfig


@dataclass
class _Group:
    """One rule of an engine's table with its variants and field getters."""

    variants: tuple[Bound, ...]
    getters: tuple[Callable[[TaskConfig], list[Any] | None], ...]
    paths: tuple[str, ...]


@dataclass(frozen=True)
class _Direct:
    """A one-field Flag rule a plain single value can take without the general path."""

    key: str
    mapping: dict[Any, Any]
    quiet: frozenset[Any]
    """Values that write no flag and need no finding (e.g. a 16-bit GEMM)."""
    special: frozenset[Any]
    """Values that need the general path (they give a finding)."""


_Entry = tuple[str, int, _Direct | None, tuple[str, ...]]
_Runner = Callable[
    [dict[str, Any], FlatParameters, dict[str, tuple[str, ...]], Callable[[int], None]], None
]


@dataclass
class _Plan:
    """An engine's table prepared for fast conversion."""

    groups: tuple[_Group, ...]
    runs: tuple[tuple[str, tuple[_Entry, ...]], ...]
    """In rule order, runs of one section: (field, group, direct form, paths) for every field
    that triggers a rule."""
    run: _Runner | None = None
    """The runs unrolled into one function (see _compile)."""
    memo: dict[
        tuple[Any, ...], tuple[dict[str, list[Any]], tuple[Finding, ...], tuple[str, ...]]
    ] = field(default_factory=dict)


def _plan(engine: Engine) -> _Plan:
    groups: list[_Group] = []
    scan: list[tuple[str, str, int, _Direct | None, tuple[str, ...]]] = []
    for variants in engine.bindings:
        if not variants:
            continue
        first = variants[0]
        index = len(groups)
        groups.append(
            _Group(variants, tuple(_effective_getter(p) for p in first.fields), first.fields)
        )
        direct = None
        only = first.rule
        if len(variants) == 1 and isinstance(only, Flag) and only.field_path not in _LOSER_OF:
            direct = _Direct(
                first.key(only.flag),
                dict(only.values),
                frozenset(value for value, reason in only.silent.items() if not reason),
                frozenset({*(v for v, reason in only.silent.items() if reason), *only.errors}),
            )
        for path in first.trigger:
            for source in (path, _LOSER_OF.get(path)):
                if source is not None:
                    section, _, name = source.partition(".")
                    scan.append((section, name, index, direct, (path,)))
    runs: list[tuple[str, list[_Entry]]] = []
    for section, name, index, direct, paths in scan:
        if not runs or runs[-1][0] != section:
            runs.append((section, []))
        runs[-1][1].append((name, index, direct, paths))
    plan = _Plan(tuple(groups), tuple((section, tuple(entries)) for section, entries in runs))
    plan.run = _compile(plan)
    engine.__dict__["_conversion_plan"] = plan
    return plan


def _compile(plan: _Plan) -> _Runner:
    """Unroll the plan into one straight-line function for this engine release.

    Walking the (section, field) entries in a loop costs more than the work done for a typical
    task, so, as dataclasses and attrs do for ``__init__``, the entries become generated code.
    It handles only the direct form (a plain single value of a one-field flag) and hands every
    other case to ``slow(group)``, the general path, so both always agree (a property test
    compares them).
    """
    namespace: dict[str, Any] = {"Enum": enum.Enum}
    lines = ["def run(state, parameters, sources, slow):"]
    triggers: dict[int, int] = {}
    for _, entries in plan.runs:
        for _, index, _, _ in entries:
            triggers[index] = triggers.get(index, 0) + 1
    shared = sorted(index for index, count in triggers.items() if count > 1)
    # A rule several fields trigger runs once: the first of its fields that is set calls it.
    lines += [f"    pending_{index} = True" for index in shared]
    for number, (section, entries) in enumerate(plan.runs):
        lines += [f"    s = state[{section!r}]", "    if s is not None:", "        d = s.__dict__"]
        for position, (name, index, direct, paths) in enumerate(entries):
            lines += [f"        v = d[{name!r}]", "        if v is not None:"]
            if direct is None:
                if index in shared:
                    lines += [
                        f"            if pending_{index}:",
                        f"                pending_{index} = False",
                        f"                slow({index})",
                    ]
                else:
                    lines.append(f"            slow({index})")
                continue
            tag = f"{number}_{position}"
            namespace[f"M{tag}"] = direct.mapping
            namespace[f"Q{tag}"] = direct.quiet
            namespace[f"S{tag}"] = direct.special
            namespace[f"P{tag}"] = paths
            value = f"M{tag}.get(x, x)" if direct.mapping else "x"
            lines += [
                "            if len(v) == 1:",
                "                x = v[0]",
                "                if isinstance(x, Enum):",
                "                    x = x._value_",
                f"                if x in S{tag}:",
                f"                    slow({index})",
                f"                elif x in Q{tag}:",
                "                    pass",
                "                else:",
                f"                    parameters[{direct.key!r}] = [{value}]",
                f"                    sources[{direct.key!r}] = P{tag}",
                "            else:",
                f"                slow({index})",
            ]
    lines.append("    return None")
    exec(compile("\n".join(lines), f"<conversion plan {id(plan)}>", "exec"), namespace)
    runner: _Runner = namespace["run"]
    return runner


def _convert_group(
    group: _Group, lists: list[list[Any] | None], engine: Engine
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


def generate(task: TaskConfig, engine: Engine) -> FlatResult:
    """Flags for the structured sections only (``parameters`` not consulted)."""
    parameters: FlatParameters = {}
    sources: dict[str, tuple[str, ...]] = {}
    findings: list[Finding] = []
    plan = engine.__dict__.get("_conversion_plan") or _plan(engine)
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
        cached = memo.get(key)
        if cached is None:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            flags, group_findings = _convert_group(group, lists, engine)
            paths = tuple(p for p, v in zip(group.paths, lists, strict=True) if v is not None)
            cached = memo[key] = (flags, group_findings, paths)
        flags, group_findings, paths = cached
        if group_findings:
            findings.extend(group_findings)
        for flag_key, flag_values in flags.items():
            parameters[flag_key] = list(flag_values)
            sources[flag_key] = paths

    assert plan.run is not None
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
