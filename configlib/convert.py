"""Structured <-> flat conversion for one engine release.

``to_flat`` turns a task's structured sections into the autotuner's flat ``parameters``
(flag -> candidate values), keeping the task's other flags. ``lift`` does the reverse: every
spelling of a mapped flag becomes its structured field, everything else stays in
``parameters`` untouched.

Rules (engines/sglang.py, engines/vllm.py) map ONE combination of values; this module handles
candidate lists. A field with several candidates becomes a flag with several values only when
the flags' own grid is exactly the fields' grid; otherwise the result carries an error naming
the fields, because the autotuner would run combinations nobody asked for.

Precedence: two fields feed one flag in two places. ``scheduling_config`` wins over
``advanced_tuning_config`` (max_num_seqs over max_batch_size, chunked_prefill_enabled over
enable_chunked_prefill); a conflict is a warning. Structured values win over a conflicting
flag in ``parameters``, also with a warning.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, cast

from pydantic import BaseModel, ValidationError

from configlib.engines import Engine, get_engine, resolve_engine
from configlib.engines.manifest import FlagSpec, Resolved
from configlib.engines.rules import ENGINE_LABELS, Bound, Flag, Note
from configlib.findings import Finding, unique
from configlib.model import STRUCTURED_SECTIONS, RangeSpec, TaskConfig
from configlib.vocab import ConfigFormat, Runtime

#: (winner, loser): both fields feed the same flag; the winner's value is used.
PRECEDENCE: tuple[tuple[str, str], ...] = (
    ("scheduling_config.max_num_seqs", "advanced_tuning_config.max_batch_size"),
    ("scheduling_config.chunked_prefill_enabled", "advanced_tuning_config.enable_chunked_prefill"),
)
_LOSER_OF = {winner: loser for winner, loser in PRECEDENCE}

#: Lifting enumerates flag combinations; beyond this many a rule is left alone.
MAX_LIFT_COMBINATIONS = 4096

FlatParameters = dict[str, list[Any] | RangeSpec]


@dataclass
class FlatResult:
    """Flat parameters for one engine release, and what the conversion had to say."""

    parameters: FlatParameters
    findings: list[Finding]
    engine: Engine
    sources: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Generated parameters key -> the structured fields it came from."""


@dataclass
class LiftResult:
    """A task whose mapped flags became structured fields; ``parameters`` keeps the rest."""

    task: TaskConfig
    findings: list[Finding]
    engine: Engine
    lifted: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """parameters key -> the structured fields it became."""


def engine_for(
    task: TaskConfig, *, runtime: Runtime | str | None = None, engine_version: str | None = None
) -> tuple[Engine, list[Finding]]:
    """The release a task targets (see engines.resolve_engine), as findings."""
    chosen_runtime = Runtime(runtime) if runtime else task.base_runtime
    if engine_version:
        return get_engine(chosen_runtime, engine_version), []
    engine, notes = resolve_engine(
        chosen_runtime, engine_version=task.engine_version, image_tag=task.runtime_image_tag
    )
    return engine, [_finding(note) for note in notes]


def _finding(note: Note, prefix: str = "") -> Finding:
    return Finding(note.severity, note.field, note.code, note.message)


# ---- Reading structured fields -------------------------------------------------------------


def _getter(path: str) -> Callable[[TaskConfig], list[Any] | None]:
    section, _, name = path.partition(".")

    def get(task: TaskConfig) -> list[Any] | None:
        holder = getattr(task, section)
        if holder is None:
            return None
        value: list[Any] | None = getattr(holder, name)
        return value

    return get


@cache
def _effective_getter(path: str) -> Callable[[TaskConfig], list[Any] | None]:
    own = _getter(path)
    loser = _LOSER_OF.get(path)
    if loser is None:
        return own
    fallback = _getter(loser)

    def get(task: TaskConfig) -> list[Any] | None:
        value = own(task)
        return value if value is not None else fallback(task)

    return get


def _precedence_findings(task: TaskConfig) -> list[Finding]:
    found = []
    for winner, loser in PRECEDENCE:
        won, lost = _getter(winner)(task), _getter(loser)(task)
        if won is not None and lost is not None and won != lost:
            found.append(
                Finding(
                    "warning",
                    loser,
                    "precedence-conflict",
                    f"{loser} {_show(lost)} conflicts with {winner} {_show(won)}; "
                    f"{winner} wins (both set the same flag)",
                )
            )
    return found


def _show(values: Sequence[Any] | Any) -> str:
    if isinstance(values, list | tuple):
        shown = [_plain(v) for v in values]
        return str(shown[0]) if len(shown) == 1 else str(shown)
    return str(_plain(values))


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


# ---- Emitting one rule over candidate lists ------------------------------------------------


@dataclass
class _Emission:
    flags: dict[str, list[Any]]
    notes: list[Note]
    ok: bool
    reason: str = ""


def _emit(
    bound: Bound, lists: Sequence[list[Any] | None], switches: Callable[[str], bool]
) -> _Emission:
    """Run one bound rule over every combination of its fields' candidates."""
    notes: list[Note] = []
    if all(values is None or len(values) == 1 for values in lists):
        single = tuple(None if values is None else values[0] for values in lists)
        flags = bound.emit(single, notes)
        return _Emission({key: [value] for key, value in flags.items()}, notes, True)
    axes = [values if values is not None else [None] for values in lists]
    rows = []
    for combo in itertools.product(*axes):
        rows.append(bound.emit(combo, notes))
    keys: list[str] = []
    for row in rows:
        keys.extend(k for k in row if k not in keys)
    if not keys:
        return _Emission({}, notes, True)
    columns: dict[str, list[Any]] = {k: [] for k in keys}
    tuples = []
    for row in rows:
        entry = []
        for key in keys:
            if key in row:
                value = row[key]
            elif switches(key):
                value = False
            else:
                return _Emission(
                    {},
                    notes,
                    False,
                    f"some candidates write --{key} and others leave it out, which one flag "
                    "list cannot say",
                )
            if not _same_type_in(value, columns[key]):
                columns[key].append(value)
            entry.append((type(value), value))
        tuples.append(tuple(entry))
    distinct = set(tuples)
    if len(distinct) != math.prod(len(v) for v in columns.values()):
        return _Emission(
            columns,
            notes,
            False,
            "the flags would vary independently, adding combinations that the candidates do "
            "not contain",
        )
    triggers = [bound.fields.index(path) for path in bound.trigger]
    asked = {tuple(combo[i] for i in triggers) for combo in itertools.product(*axes)}
    if len(distinct) < len(asked):
        varied = [
            path
            for path, values in zip(bound.fields, lists, strict=True)
            if path in bound.trigger and values is not None and len(values) > 1
        ]
        notes.append(
            Note(
                "warning",
                varied[0] if varied else bound.fields[0],
                "redundant-candidates",
                f"{ENGINE_LABELS.get(bound.manifest.engine)} writes the same flags for several "
                f"candidates of {', '.join(varied)}; the autotuner runs each distinct launch once",
            )
        )
    return _Emission(columns, notes, True)


def _same_type_in(value: Any, values: list[Any]) -> bool:
    return any(v == value and type(v) is type(value) for v in values)


# ---- Structured -> flat --------------------------------------------------------------------


#: Memoised group results per engine; cleared when it grows past this many entries.
_MEMO_LIMIT = 50_000


@dataclass
class _Group:
    """One rule of an engine's table with its variants and field getters."""

    variants: tuple[Bound, ...]
    getters: tuple[Callable[[TaskConfig], list[Any] | None], ...]
    paths: tuple[str, ...]


_Shortcut = Callable[[list[Any]], tuple[str, Any] | None]


@dataclass
class _Plan:
    """An engine's table prepared for fast conversion."""

    groups: tuple[_Group, ...]
    scan: tuple[tuple[str, str, int, _Shortcut | None, tuple[str, ...]], ...]
    """In rule order: (section, field, group, shortcut, paths) for every field that triggers a
    rule; the shortcut handles a one-field rule's plain single value without the general path."""
    memo: dict[tuple[Any, ...], tuple[dict[str, list[Any]], tuple[Finding, ...]]] = field(
        default_factory=dict
    )


@cache
def _plan(engine: Engine) -> _Plan:
    groups: list[_Group] = []
    scan: list[tuple[str, str, int, _Shortcut | None, tuple[str, ...]]] = []
    for variants in engine.bindings:
        if not variants:
            continue
        first = variants[0]
        index = len(groups)
        groups.append(
            _Group(variants, tuple(_effective_getter(p) for p in first.fields), first.fields)
        )
        shortcut = None
        only = first.rule
        if len(variants) == 1 and isinstance(only, Flag) and only.field_path not in _LOSER_OF:
            shortcut = only.fast(first)
        for path in first.trigger:
            for source in (path, _LOSER_OF.get(path)):
                if source is not None:
                    section, _, name = source.partition(".")
                    scan.append((section, name, index, shortcut, (path,)))
    return _Plan(tuple(groups), tuple(scan))


def _is_switch_key(engine: Engine) -> Callable[[str], bool]:
    def is_switch(key: str) -> bool:
        found = engine.manifest.lookup_key(key)
        return found is not None and not found.spec.takes_value

    return is_switch


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
        notes.append(
            Note(
                "error",
                varied[0],
                "not-expressible",
                f"{engine.label} cannot run the candidates of {', '.join(varied)} as independent "
                f"flags: {first_failure.reason}; use one value or split the task",
            )
        )
        chosen = first_failure
    notes.extend(chosen.notes)
    return chosen.flags, tuple(_finding(n) for n in notes)


def generate(task: TaskConfig, engine: Engine) -> FlatResult:
    """Flags for the structured sections only (``parameters`` not consulted)."""
    parameters: FlatParameters = {}
    sources: dict[str, tuple[str, ...]] = {}
    findings: list[Finding] = []
    plan = _plan(engine)
    state = task.__dict__
    if state["advanced_tuning_config"] is not None:
        findings.extend(_precedence_findings(task))
    memo = plan.memo
    done: set[int] = set()
    for section_name, name, index, shortcut, path in plan.scan:
        section = state[section_name]
        if section is None:
            continue
        value = section.__dict__[name]
        if value is None:
            continue
        if shortcut is not None:
            emitted = shortcut(value)
            if emitted is not None:
                parameters[emitted[0]] = [emitted[1]]
                sources[emitted[0]] = path
                continue
        if index in done:
            continue
        done.add(index)
        group = plan.groups[index]
        lists = [get(task) for get in group.getters]
        key = (index, *[None if v is None else tuple(v) for v in lists])
        cached = memo.get(key)
        if cached is None:
            if len(memo) >= _MEMO_LIMIT:
                memo.clear()
            cached = memo[key] = _convert_group(group, lists, engine)
        flags, group_findings = cached
        if group_findings:
            findings.extend(group_findings)
        paths = tuple(p for p, v in zip(group.paths, lists, strict=True) if v is not None)
        for flag_key, flag_values in flags.items():
            parameters[flag_key] = list(flag_values)
            sources[flag_key] = paths
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


# ---- Effective values of flags -------------------------------------------------------------

_UNSET = object()


def effective_value(resolved: Resolved, value: Any) -> Any:
    """What the engine receives for one candidate, as the autotuner renders it.

    Switches: ``True`` for the flag, ``False`` for its negation, and for a JSON ``false`` (which
    the autotuner drops) the parser default. Valued flags: the value's rendering.
    """
    spec = resolved.spec
    if not spec.takes_value:
        if not isinstance(value, bool):
            return _UNSET
        if value:
            return not resolved.negated
        return _switch_default(spec)
    if isinstance(value, bool):
        return _UNSET
    return value


def _switch_default(spec: FlagSpec) -> bool | None:
    return spec.default if isinstance(spec.default, bool) else None


def _effective_list(resolved: Resolved, values: Any) -> Any:
    if isinstance(values, RangeSpec):
        return values
    return [_render(effective_value(resolved, v)) for v in values]


def _render(value: Any) -> Any:
    if value is _UNSET or value is None or isinstance(value, bool):
        return value
    return str(value)


# ---- Flat -> structured --------------------------------------------------------------------


_LiftPlan = tuple[dict[str, dict[str, list[Any]]], dict[str, tuple[str, ...]], list[Finding]]
#: Lift plans of tasks without structured sections, by engine and parameters.
_PLAN_MEMO: dict[tuple[Any, ...], _LiftPlan] = {}


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
    plan: _LiftPlan | None = None
    memo_key = None if task.has_structured() else _parameters_key(engine, task.parameters)
    if memo_key is not None:
        try:
            plan = _PLAN_MEMO.get(memo_key)
        except TypeError:  # an unhashable value
            memo_key = None
    if plan is None:
        plan = _plan_lift(task, engine)
        if memo_key is not None:
            if len(_PLAN_MEMO) >= _MEMO_LIMIT:
                _PLAN_MEMO.clear()
            _PLAN_MEMO[memo_key] = plan
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
        if resolved is not None:
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


@cache
def _section_model(section: str) -> type[BaseModel]:
    annotation = TaskConfig.model_fields[section].annotation
    for candidate in getattr(annotation, "__args__", (annotation,)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    raise KeyError(section)


def _single_values(
    task: TaskConfig, occurrences: dict[str, list[tuple[str, Resolved]]]
) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for name, places in occurrences.items():
        if len(places) != 1:
            continue
        key, resolved = places[0]
        values = task.parameters[key]
        if isinstance(values, list) and len(values) == 1:
            context[name] = effective_value(resolved, values[0])
    return context


_MISSING = object()
#: Lifting results per (rule, effective flag values, consulted values); cleared when large.
_LIFT_MEMO: dict[tuple[Any, ...], dict[str, list[Any]] | None] = {}


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
        if len(occurrences[name]) != 1:
            return None  # the same flag under two spellings: leave both for validation
        key, resolved = occurrences[name][0]
        values = task.parameters[key]
        if isinstance(values, RangeSpec) or not values:
            return None
        effective = tuple(effective_value(resolved, v) for v in values)
        if any(v is _UNSET for v in effective):
            return None
        axes.append((name, effective))
        keys.append(key)
    reads = (
        tuple((spec.name, context.get(spec.name)) for spec in bound.read_specs.values())
        if bound.read_specs
        else ()
    )
    memo_key = (id(bound), tuple(axes), reads)
    try:
        cached = _LIFT_MEMO.get(memo_key, _MISSING)
    except TypeError:  # an unhashable value: work it out without the memo
        cached = _lift_values(bound, axes, context, is_switch)
    if cached is _MISSING:
        if len(_LIFT_MEMO) >= _MEMO_LIMIT:
            _LIFT_MEMO.clear()
        cached = _LIFT_MEMO[memo_key] = _lift_values(bound, axes, context, is_switch)
    outcome = cast(dict[str, list[Any]] | None, cached)
    if outcome is None:
        return None
    return keys, {path: list(values) for path, values in outcome.items()}


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
    columns: dict[str, list[Any]] = {path: [] for path in paths}
    for combo in combos:
        for path, value in combo:
            if not _same_type_in(value, columns[path]):
                columns[path].append(value)
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


# ---- Whole-task helpers ----------------------------------------------------------------------


def canonical(task: TaskConfig) -> TaskConfig:
    """The same task with each precedence loser folded into its winner (what lifting yields)."""
    update: dict[str, Any] = {}
    for winner, loser in PRECEDENCE:
        lost = _getter(loser)(task)
        if lost is None:
            continue
        w_section, _, w_name = winner.partition(".")
        l_section, _, l_name = loser.partition(".")
        if _getter(winner)(task) is None:
            current = update.get(w_section) or getattr(task, w_section)
            if current is None:
                current = _section_model(w_section)()
            update[w_section] = current.model_copy(update={w_name: lost})
        current_loser = update.get(l_section) or getattr(task, l_section)
        assert current_loser is not None
        update[l_section] = current_loser.model_copy(update={l_name: None})
    return task.model_copy(update=update) if update else task


def to_structured(
    task: TaskConfig, engine: Engine | None = None
) -> tuple[TaskConfig, list[Finding]]:
    """Lift mapped flags into structured fields; ``parameters`` is then regenerated in full."""
    lifted = lift(task, engine)
    flat = to_flat(lifted.task, lifted.engine)
    structured = lifted.task.model_copy(update={"parameters": flat.parameters})
    return structured, unique([*lifted.findings, *flat.findings])


def extra_parameters(task: TaskConfig, engine: Engine | None = None) -> FlatParameters:
    """The task's own flags that its structured sections do not generate."""
    if engine is None:
        engine, _ = engine_for(task)
    generated = _by_flag(generate(task, engine).parameters, engine)
    extras: FlatParameters = {}
    for key, values in task.parameters.items():
        found = engine.manifest.lookup_lenient(key)
        if found is None or found.spec.name not in generated:
            extras[key] = values
    return extras


def with_parameters(
    task: TaskConfig, engine: Engine | None = None
) -> tuple[TaskConfig, list[Finding]]:
    """The task with ``parameters`` regenerated from its structured sections plus its own flags."""
    flat = to_flat(task, engine)
    return task.model_copy(update={"parameters": flat.parameters}), flat.findings


def retarget(
    task: TaskConfig, runtime: Runtime | str, engine_version: str | None = None
) -> tuple[TaskConfig, list[Finding]]:
    """The task for another engine: mapped flags are lifted under the task's own engine first,
    so only flags with no structured field are carried over as they are."""
    target = Runtime(runtime)
    if target == task.base_runtime and engine_version is None:
        return task, []
    source, findings = engine_for(task)
    lifted = lift(task, source)
    moved = lifted.task.model_copy(
        update={"base_runtime": target, "engine_version": engine_version}
    )
    if target != task.base_runtime:
        moved = moved.model_copy(update={"runtime_image_tag": None})
    return moved, unique([*findings, *lifted.findings])
