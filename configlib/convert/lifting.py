"""Flat -> structured: every spelling of a mapped flag back into its field."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from functools import cache
from typing import Any

from pydantic import ValidationError

from configlib.convert.common import (
    _LOSER_OF,
    MAX_LIFT_COMBINATIONS,
    MEMO_LIMIT,
    BoundedMemo,
    FlatParameters,
    LiftResult,
    _distinct_columns,
    _effective_list,
    _plain,
    _render,
    _section_model,
    _show,
    effective_value,
    engine_for,
)
from configlib.convert.emit import (
    _emit,
    _is_switch_key,
)
from configlib.engines import Engine
from configlib.engines.manifest import UNSET, Resolved, resolve_key
from configlib.engines.parsing import same_launches
from configlib.engines.rules import Bound
from configlib.findings import Finding, unique
from configlib.model import RangeSpec, TaskConfig
from configlib.vocab import STRUCTURED_SECTIONS, ConfigFormat

# ---- Flat -> structured --------------------------------------------------------------------


_LiftPlan = tuple[dict[str, dict[str, list[Any]]], dict[str, tuple[str, ...]], list[Finding]]
#: Lift plans of tasks without structured sections, by engine and parameters.
_PLAN_MEMO: BoundedMemo[tuple[Any, ...], _LiftPlan] = BoundedMemo(MEMO_LIMIT)


def lift(task: TaskConfig, engine: Engine | None = None) -> LiftResult:
    """Move every mapped flag of ``task.parameters`` into its structured field.

    A flag is lifted only when its values map back exactly (re-emitting the field gives the
    same launch); a flag whose field is already set to something else stays, with a warning.
    """
    if engine is None:
        engine, findings = engine_for(task)
    else:
        findings = []
    if not task.parameters:
        return LiftResult(task, findings, engine)
    memo_key = None if task.has_structured() else _parameters_key(engine, task.parameters)
    if memo_key is None:
        plan = _plan_lift(task, engine)
    else:
        plan = _PLAN_MEMO.get(memo_key, lambda: _plan_lift(task, engine))
    updates, consumed, notes = plan
    findings.extend(notes)
    if not consumed:
        return LiftResult(task, findings, engine)
    new_sections = {}
    for section, fields in updates.items():
        current = getattr(task, section)
        base = current.model_dump(exclude_none=True) if current is not None else {}
        new_sections[section] = _section_model(section).model_validate({**base, **fields})
    leftovers = {k: v for k, v in task.parameters.items() if k not in consumed}
    metadata = task.metadata.model_copy(update={"config_format": ConfigFormat.STRUCTURED})
    lifted_task = task.model_copy(
        update={**new_sections, "parameters": leftovers, "metadata": metadata}
    )
    return LiftResult(lifted_task, unique(findings), engine, dict(consumed))


def _parameters_key(engine: Engine, parameters: FlatParameters) -> tuple[Any, ...] | None:
    items: list[Any] = [id(engine)]
    for key, values in parameters.items():
        if not isinstance(values, list):
            return None
        items.append(key)
        # The type is part of the key: True == 1 and 1 == 1.0 are different flag values.
        items.append(tuple([(v.__class__, v) for v in values]))
    return tuple(items)


def _plan_lift(task: TaskConfig, engine: Engine) -> _LiftPlan:
    """Which fields each mapped flag becomes, which keys that consumes, and any conflicts."""
    findings: list[Finding] = []
    occurrences: dict[str, list[tuple[str, Resolved]]] = {}
    for key in task.parameters:
        resolved = engine.manifest.lookup_lenient(key)
        if resolved is not None and resolved.subkey is None:
            occurrences.setdefault(resolved.spec.name, []).append((key, resolved))
    updates: dict[str, dict[str, list[Any]]] = {}
    consumed: dict[str, tuple[str, ...]] = {}
    if not occurrences:
        return updates, consumed, findings
    rules = _lift_candidates(engine, occurrences)
    needs_context = any(bound.read_specs for variants in rules for bound in variants)
    context = _single_values(task, occurrences) if needs_context else {}
    sections = {name: getattr(task, name) for name in STRUCTURED_SECTIONS}
    is_switch = _is_switch_key(engine)
    for variants in rules:
        present = {name for bound in variants for name in bound.owned if name in occurrences}
        for bound in variants:
            if not present <= bound.owned:
                continue  # another spelling of this rule covers flags this one would ignore
            outcome = _lift_rule(bound, task, occurrences, context, is_switch)
            if outcome is None:
                continue
            keys, values = outcome
            if not _same_launch(engine, variants, keys, values, task, sections, updates):
                continue  # rendering the fields back would change what the parser reads
            conflict = _conflicting(values, sections, updates)
            if conflict:
                path, current = conflict
                findings.append(
                    Finding(
                        "warning",
                        f"parameters.{keys[0]}",
                        "conflicts-with-structured",
                        f"{', '.join(keys)} says {path} {_show(values[path])} but the task "
                        f"already has {_show(current)}; the flag stays in parameters",
                    )
                )
                break
            for path, field_values in values.items():
                section, _, name = path.partition(".")
                updates.setdefault(section, {})[name] = field_values
            for key in keys:
                consumed[key] = tuple(values)
            break
    return updates, consumed, findings


@cache
def _flag_owners(engine: Engine) -> dict[str, tuple[int, ...]]:
    """Canonical flag name -> indexes of the rules (engine.bindings) that own it."""
    owners: dict[str, list[int]] = {}
    for index, variants in enumerate(engine.bindings):
        for bound in variants:
            for name in bound.owned:
                if index not in owners.setdefault(name, []):
                    owners[name].append(index)
    return {name: tuple(indexes) for name, indexes in owners.items()}


def _lift_candidates(
    engine: Engine, occurrences: dict[str, list[tuple[str, Resolved]]]
) -> list[tuple[Bound, ...]]:
    owners = _flag_owners(engine)
    indexes = sorted({i for name in occurrences for i in owners.get(name, ())})
    return [engine.bindings[i] for i in indexes]


def _single_values(
    task: TaskConfig, occurrences: dict[str, list[tuple[str, Resolved]]]
) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for name, places in occurrences.items():
        winner = _winner(task, places)
        if winner is None:
            continue
        key, resolved = winner
        values = task.parameters[key]
        if isinstance(values, list) and len(values) == 1:
            context[name] = effective_value(resolved, values[0])
    return context


#: Lifting results per (rule, effective flag values, consulted values).
_LIFT_MEMO: BoundedMemo[tuple[Any, ...], dict[str, list[Any]] | None] = BoundedMemo(MEMO_LIMIT)


def _lift_rule(
    bound: Bound,
    task: TaskConfig,
    occurrences: dict[str, list[tuple[str, Resolved]]],
    context: dict[str, Any],
    is_switch: Callable[[str], bool],
) -> tuple[list[str], dict[str, list[Any]]] | None:
    present = [name for name in bound.owned if name in occurrences]
    if not present:
        return None
    axes: list[tuple[str, tuple[Any, ...]]] = []
    keys: list[str] = []
    for name in present:
        winner = _winner(task, occurrences[name])
        if winner is None:
            return None  # several spellings, several candidates: leave them for validation
        key, resolved = winner
        values = task.parameters[key]
        if isinstance(values, RangeSpec) or not values:
            return None
        effective = tuple(effective_value(resolved, v) for v in values)
        if any(v is UNSET for v in effective):
            return None
        axes.append((name, effective))
        keys.extend(k for k, _ in occurrences[name] if k != key)
        keys.append(key)
    reads = (
        tuple((spec.name, context.get(spec.name)) for spec in bound.read_specs.values())
        if bound.read_specs
        else ()
    )
    memo_key = (id(bound), tuple(axes), reads)
    outcome = _LIFT_MEMO.get(memo_key, lambda: _lift_values(bound, axes, context, is_switch))
    if outcome is None:
        return None
    return keys, {path: list(values) for path, values in outcome.items()}


def _winner(task: TaskConfig, places: list[tuple[str, Resolved]]) -> tuple[str, Resolved] | None:
    """The spelling whose value the parser keeps: the only one, or the last of several when
    each gives one value to a flag that stores (a repeated append adds up: no winner)."""
    if len(places) == 1:
        return places[0]
    for key, resolved in places:
        values = task.parameters[key]
        if not isinstance(values, list) or len(values) != 1:
            return None
        if resolved.spec.action in ("append", "extend", "count"):
            return None
    return places[-1]


def _same_launch(
    engine: Engine,
    variants: tuple[Bound, ...],
    keys: list[str],
    values: dict[str, list[Any]],
    task: TaskConfig,
    sections: dict[str, Any],
    updates: dict[str, dict[str, Any]],
) -> bool:
    """Rendering the lifted fields (as ``to_flat`` will: the first variant that can) gives
    the launches the original flags give, as the release's parser reads them."""
    fields = variants[0].fields

    def current(path: str) -> list[Any] | None:
        if path in values:
            return values[path]
        section, _, name = path.partition(".")
        if name in updates.get(section, {}):
            held: list[Any] | None = updates[section][name]
            return held
        holder = sections[section]
        return getattr(holder, name) if holder is not None else None

    lists = [current(path) for path in fields]
    is_switch = _is_switch_key(engine)
    emission = None
    for bound in variants:
        emission = _emit(bound, lists, is_switch)
        if emission.ok:
            break
    if emission is None or not emission.ok:
        return False
    original = [
        (_as_parsed(engine, key), task.parameters[key]) for key in task.parameters if key in keys
    ]
    again = list(emission.flags.items())

    def points(columns: list[tuple[str, Any]]) -> list[dict[str, Any]]:
        names = [key for key, _ in columns]
        return [
            dict(zip(names, combo, strict=True))
            for combo in itertools.product(*[list(candidates) for _, candidates in columns])
        ]

    return same_launches(engine.manifest, points(original), points(again))


def _as_parsed(engine: Engine, key: str) -> str:
    """The key as the parser reads it; a spelling only configlib reads leniently (``tp_size``
    on SGLang, which the autotuner used to write) stands for the flag it names."""
    if resolve_key(engine.manifest, key).ok:
        return key
    resolved = engine.manifest.lookup_lenient(key)
    if resolved is None:
        return key
    spec = resolved.spec
    return spec.negation[0] if resolved.negated and spec.negation else spec.name


def _lift_values(
    bound: Bound,
    axes: list[tuple[str, tuple[Any, ...]]],
    context: dict[str, Any],
    is_switch: Callable[[str], bool],
) -> dict[str, list[Any]] | None:
    """Structured candidates for one rule's flag values, or None when they do not map back."""
    if math.prod(len(values) for _, values in axes) > MAX_LIFT_COMBINATIONS:
        return None
    combos: list[tuple[tuple[str, Any], ...]] = []
    for combo in itertools.product(*[[(name, v) for v in values] for name, values in axes]):
        lifted = bound.lift(_with_context(dict(combo), context, bound))
        if lifted is None:
            return None
        combos.append(tuple(sorted(lifted.items())))
    paths = sorted({path for combo in combos for path, _ in combo})
    if not paths or any(len(combo) != len(paths) for combo in combos):
        return None
    columns = _distinct_columns(combos, paths)
    if len(set(combos)) != len(combos) or len(combos) != math.prod(
        len(v) for v in columns.values()
    ):
        return None
    ordered = {path: columns[path] for path in bound.fields if path in columns}
    parsed = _parse_fields(ordered)
    if parsed is None or not _reemits_same(bound, parsed, axes, is_switch):
        return None
    return parsed


def _with_context(flags: dict[str, Any], context: dict[str, Any], bound: Bound) -> dict[str, Any]:
    if not bound.read_specs:
        return flags
    merged = dict(flags)
    for spec in bound.read_specs.values():
        if spec.name not in merged and spec.name in context:
            merged[spec.name] = context[spec.name]
    return merged


def _parse_fields(values: dict[str, list[Any]]) -> dict[str, list[Any]] | None:
    """Parse lifted values through the section models ("4" -> 4, "fp8" -> enum), or None.

    A value the model would change (dedupe, a float that is not an int) does not lift.
    """
    by_section: dict[str, dict[str, Any]] = {}
    for path, candidates in values.items():
        section, _, name = path.partition(".")
        by_section.setdefault(section, {})[name] = candidates
    parsed_values: dict[str, list[Any]] = {}
    try:
        for section, fields in by_section.items():
            parsed = _section_model(section).model_validate(fields)
            for name in fields:
                candidates = getattr(parsed, name)
                if len(candidates) != len(fields[name]):
                    return None
                parsed_values[f"{section}.{name}"] = candidates
    except ValidationError:
        return None
    return parsed_values


def _reemits_same(
    bound: Bound,
    values: dict[str, list[Any]],
    axes: list[tuple[str, tuple[Any, ...]]],
    is_switch: Callable[[str], bool],
) -> bool:
    """Emitting the lifted values gives back exactly the flags they came from."""
    lists = [values.get(path) for path in bound.fields]
    emission = _emit(bound, lists, is_switch)
    if not emission.ok:
        return False
    original = {name: [_render(v) for v in effective] for name, effective in axes}
    again = {}
    for key, flag_values in emission.flags.items():
        resolved = bound.manifest.lookup_key(key)
        assert resolved is not None
        again[resolved.spec.name] = _effective_list(resolved, flag_values)
    return again == original


def _conflicting(
    values: dict[str, list[Any]],
    sections: dict[str, Any],
    updates: dict[str, dict[str, Any]],
) -> tuple[str, Any] | None:
    """The first lifted field whose task already holds a different value."""

    def current(path: str) -> Any:
        section, _, name = path.partition(".")
        if name in updates.get(section, {}):
            return updates[section][name]
        holder = sections[section]
        value = getattr(holder, name) if holder is not None else None
        loser = _LOSER_OF.get(path)
        if value is None and loser is not None:
            return current(loser)
        return value

    for path, candidates in values.items():
        held = current(path)
        if held is not None and [_plain(v) for v in held] != [_plain(v) for v in candidates]:
            return path, held
    return None
