"""Merging settings: the three strategies over parameters keyed so that spellings meet.

A *setting* is one parameter of a task or preset: a structured field (``memory_config.
mem_fraction_static``), the whole ``system_config``, or a flag keyed by its canonical name so
that ``tp-size`` and ``tensor-parallel-size`` are the same parameter. ``configlib.presets``
turns presets and tasks into settings and back; this module only merges.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from configlib.engines import Engine
from configlib.engines.manifest import FlagSpec, _base_type
from configlib.numbers import parse_float, parse_int
from configlib.vocab import STRUCTURED_SECTIONS


class MergeStrategy(enum.StrEnum):
    """How several presets combine."""

    UNION = "union"
    INTERSECTION = "intersection"
    LAST_WINS = "last_wins"


# ---- Settings: what a task or preset sets, keyed so that spellings meet --------------------


@dataclass
class Setting:
    """One parameter's values as a merge sees them."""

    label: str
    """How the parameter is shown: a field path (memory_config.mem_fraction_static) or
    parameters.<flag> with the first spelling seen."""
    values: list[Any]
    opaque: bool = False
    """True for a value that is not a candidate list (system_config, a bayesian range)."""


Settings = dict[str, Setting]


@dataclass(frozen=True)
class Conflict:
    """Two sources set one parameter differently, and what came of it."""

    parameter: str
    """Field path or parameters.<flag>."""
    before: list[Any]
    """Values before this step."""
    before_from: str
    """Where they came from: a preset name, several joined with ' + ', or 'task <name>'."""
    incoming: list[Any]
    """Values the preset brought."""
    incoming_from: str
    """The preset that brought them."""
    after: list[Any]
    """Values after this step ([] when the parameter was dropped)."""
    won_by: str | None
    """The preset whose values are used; None when values were combined or dropped."""
    reason: str
    """One sentence for people."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "parameter": self.parameter,
            "before": self.before,
            "before_from": self.before_from,
            "incoming": self.incoming,
            "incoming_from": self.incoming_from,
            "after": self.after,
            "won_by": self.won_by,
            "reason": self.reason,
        }


@dataclass
class MergeResult:
    """Presets merged with each other, before anything touches a task."""

    settings: Settings
    """Parameter key -> merged values."""
    origins: dict[str, list[str]]
    """Parameter key -> presets whose values it holds."""
    conflicts: list[Conflict]
    """Every disagreement between presets, in the order met."""
    applied: list[str]
    """Preset names, in the order merged."""


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _same(a: Any, b: Any) -> bool:
    """Equality with types: the engine receives str(value), so 1, 1.0 and True differ."""
    return type(a) is type(b) and a == b


def _contains(values: list[Any], value: Any) -> bool:
    return any(_same(v, value) for v in values)


def same_list(a: list[Any], b: list[Any]) -> bool:
    """The same values, with the same types, in the same order."""
    return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))


def _same_set(a: list[Any], b: list[Any]) -> bool:
    return all(_contains(b, x) for x in a) and all(_contains(a, y) for y in b)


def _dedupe(values: list[Any]) -> list[Any]:
    kept: list[Any] = []
    for value in values:
        if not _contains(kept, value):
            kept.append(value)
    return kept


def _order(value: Any) -> tuple[int, float, str]:
    """Numbers by value, then switches (false, true), then text, then anything else."""
    if isinstance(value, bool):
        return (1, float(value), "")
    if isinstance(value, int | float):
        return (0, float(value), "")
    if isinstance(value, str):
        return (2, 0.0, value)
    return (3, 0.0, repr(value))


def union_values(*lists: list[Any]) -> list[Any]:
    """Every value of every list once (compared with types), sorted: what union means for a
    parameter both a task and its presets set (``tp 2, 4, 8`` + ``1`` -> ``1, 2, 4, 8``)."""
    merged = _dedupe([value for values in lists for value in values])
    return sorted(merged, key=_order)


def section_settings(holder: Any) -> Settings:
    """The structured fields a task or preset sets, one setting per field (system_config whole)."""
    settings: Settings = {}
    for name in STRUCTURED_SECTIONS:
        section = getattr(holder, name)
        if section is None:
            continue
        if name == "system_config":
            dumped = section.model_dump(mode="json", exclude_none=True)
            settings[name] = Setting(name, [dumped], opaque=True)
            continue
        for field_name in type(section).model_fields:
            values = getattr(section, field_name)
            if values is not None:
                path = f"{name}.{field_name}"
                settings[path] = Setting(path, [_plain(v) for v in values])
    return settings


#: Base types of flags whose values are whole numbers (``..._or_auto`` also takes auto).
_WHOLE = frozenset({"int", "human_readable_int", "human_readable_int_or_auto"})


def typed_value(value: Any, spec: FlagSpec | None) -> Any:
    """A flag value written as text read as the value it stands for, so that ``"2"`` and ``2``
    meet: ``true``/``false`` for a switch, a number for a numeric flag (``"2"`` is 2 and
    ``"0.9"`` is 0.9, as JSON reads them), and either for a flag the engine does not have.
    Text of a text flag (``"1"`` for ``--revision``), and text that is no such value, stay."""
    if not isinstance(value, str):
        return value
    base = _base_type(spec.type)[0] if spec is not None else None
    if spec is None or not spec.takes_value:
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
        if spec is not None:
            return value
    elif base not in _WHOLE and base != "float":
        return value
    whole = parse_int(value)
    if isinstance(whole, int):
        return whole
    if base in _WHOLE:
        return value
    number = parse_float(value)
    return number if isinstance(number, float) else value


def flag_settings(parameters: dict[str, Any], engine: Engine) -> Settings:
    """Flat flags keyed by their canonical name in ``engine`` (unknown flags by spelling), with
    values written as text read as what they stand for (``typed_value``)."""
    settings: Settings = {}
    for key, values in parameters.items():
        resolved = engine.manifest.lookup_lenient(key)
        slot = f"flag:{resolved.spec.name}" if resolved else f"flag:?{key}"
        if slot in settings:
            continue  # a second spelling of one flag: validation reports it on the task
        if isinstance(values, list):
            spec = resolved.spec if resolved is not None else None
            typed = _dedupe([typed_value(v, spec) for v in values])
            settings[slot] = Setting(f"parameters.{key}", typed)
        else:
            dumped = values.model_dump(mode="json", exclude_none=True)
            settings[slot] = Setting(f"parameters.{key}", [dumped], opaque=True)
    return settings


# ---- Merging presets with each other ---------------------------------------------------------


def _met(
    current: Setting,
    before_from: str,
    incoming: list[Any],
    name: str,
    after: list[Any],
    reason: str,
    won_by: str | None = None,
) -> Conflict:
    """The conflict met when preset ``name`` brings ``incoming`` to ``current``."""
    return Conflict(
        current.label, current.values, before_from, incoming, name, after, won_by, reason
    )


def merge_settings(named: list[tuple[str, Settings]], strategy: MergeStrategy | str) -> MergeResult:
    """Merge presets' settings in the given order (see the module docstring)."""
    strategy = MergeStrategy(strategy)
    applied = [name for name, _ in named]
    if not named:
        return MergeResult({}, {}, [], applied)
    if strategy == MergeStrategy.INTERSECTION:
        return _intersection(named, applied)
    merged: Settings = {}
    origins: dict[str, list[str]] = {}
    conflicts: list[Conflict] = []
    for name, settings in named:
        for key, incoming in settings.items():
            current = merged.get(key)
            if current is None:
                merged[key] = Setting(incoming.label, _dedupe(incoming.values), incoming.opaque)
                origins[key] = [name]
                continue
            before_from = " + ".join(origins[key])
            if strategy == MergeStrategy.LAST_WINS or current.opaque or incoming.opaque:
                if same_list(current.values, incoming.values):
                    continue
                last = strategy == MergeStrategy.LAST_WINS
                after = incoming.values if last else current.values
                reason = (
                    f"{name} replaces the values of {before_from}"
                    if last
                    else f"{current.label} is not a list of candidates, so union keeps "
                    f"the first preset's value ({origins[key][0]})"
                )
                winner = name if last else origins[key][0]
                conflicts.append(
                    _met(current, before_from, incoming.values, name, after, reason, winner)
                )
                if last:
                    merged[key] = Setting(current.label, _dedupe(incoming.values), incoming.opaque)
                    origins[key] = [name]
                continue
            combined = _dedupe([*current.values, *incoming.values])
            if same_list(combined, current.values):
                continue  # nothing new: every value the preset brings is already there
            reason = f"{before_from} and {name} set different values; union runs all of them"
            conflicts.append(_met(current, before_from, incoming.values, name, combined, reason))
            merged[key] = Setting(current.label, combined)
            origins[key] = [*origins[key], name]
    return MergeResult(merged, origins, conflicts, applied)


def _intersection(named: list[tuple[str, Settings]], applied: list[str]) -> MergeResult:
    first_name, first = named[0]
    merged: Settings = {k: Setting(s.label, _dedupe(s.values), s.opaque) for k, s in first.items()}
    origins = {key: [first_name] for key in merged}
    conflicts: list[Conflict] = []
    for name, settings in named[1:]:
        for key in list(merged):
            current = merged[key]
            before_from = " + ".join(origins[key])
            incoming = settings.get(key)
            if incoming is None:
                reason = f"{name} does not set {current.label}; intersection drops it"
                conflicts.append(_met(current, before_from, [], name, [], reason))
                del merged[key], origins[key]
                continue
            common = [v for v in current.values if _contains(incoming.values, v)]
            if same_list(common, current.values) and _same_set(common, incoming.values):
                origins[key].append(name)
                continue
            if not common:
                reason = f"{before_from} and {name} have no common values; intersection drops it"
                del merged[key], origins[key]
            else:
                reason = f"only values that {before_from} and {name} share are kept"
                merged[key] = Setting(current.label, common, current.opaque)
                origins[key].append(name)
            conflicts.append(_met(current, before_from, incoming.values, name, common, reason))
        for key, incoming in settings.items():
            if key not in first:
                conflicts.append(
                    Conflict(
                        incoming.label,
                        [],
                        first_name,
                        incoming.values,
                        name,
                        [],
                        None,
                        f"only {name} sets {incoming.label}; intersection keeps the parameters of "
                        f"the first preset ({first_name}) only",
                    )
                )
    return MergeResult(merged, origins, conflicts, applied)
