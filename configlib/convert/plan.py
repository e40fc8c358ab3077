"""The conversion plan: an engine release's table prepared for structured -> flat.

``conversion_plan(engine)`` gives each release one ``ConversionPlan``: its rules grouped, the
fields that trigger each, and ``run``, generated straight-line code that writes the common case
(one plain value of a one-field flag) directly and hands every other field to the general
per-rule path. ``CONFIGLIB_CONVERSION_PATH=general`` (or ``general=True``) runs every field
through the general path instead, for debugging and for coverage; both give the same result
(a property test compares them).
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from configlib.convert.common import (
    _LOSER_OF,
    MEMO_LIMIT,
    BoundedMemo,
    FlatParameters,
    _effective_getter,
)
from configlib.engines import Engine
from configlib.engines.rules import Bound, Flag
from configlib.findings import Finding
from configlib.model import TaskConfig


@dataclass
class Group:
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


#: One rule's conversion: flags, findings, the fields that fed it.
GroupResult = tuple[dict[str, list[Any]], tuple[Finding, ...], tuple[str, ...]]


@dataclass
class ConversionPlan:
    """An engine release's table prepared for fast conversion."""

    groups: tuple[Group, ...]
    runs: tuple[tuple[str, tuple[_Entry, ...]], ...]
    """In rule order, runs of one section: (field, group, direct form, paths) for every field
    that triggers a rule."""
    general: bool = False
    """True when ``run`` is the general path (every set field through its rule)."""
    run: _Runner = field(init=False)
    """The runs unrolled into one function (see _compile), or the general path."""
    memo: BoundedMemo[tuple[Any, ...], GroupResult] = field(
        default_factory=lambda: BoundedMemo(MEMO_LIMIT)
    )
    """One rule's result per candidate lists, for the general path."""

    def __post_init__(self) -> None:
        self.run = self._general if self.general else _compile(self)

    def _general(
        self,
        state: dict[str, Any],
        parameters: FlatParameters,
        sources: dict[str, tuple[str, ...]],
        slow: Callable[[int], None],
    ) -> None:
        """Every set field through ``slow``, its rule's general path (a rule runs once)."""
        for section, entries in self.runs:
            holder = state[section]
            for name, index, _, _ in entries:
                if holder is not None and holder.__dict__[name] is not None:
                    slow(index)


#: Set to ``general`` to convert every field through the general per-rule path instead of the
#: generated code: for debugging a conversion and for coverage of the rules' code.
PATH_VARIABLE = "CONFIGLIB_CONVERSION_PATH"
#: Plans by (id of the engine, general path); the entry keeps its engine alive, so an id is not
#: reused while its entry exists (hashing the engine costs more than the lookup).
_PLANS: dict[tuple[int, bool], tuple[Engine, ConversionPlan]] = {}
#: Whether the environment asks for the general path, read when configlib starts and by
#: ``read_environment`` (reading the environment on every conversion would cost more than
#: finding the plan).
_REQUESTED = {"general": False}


def read_environment() -> bool:
    """Read ``PATH_VARIABLE`` again; True when it asks for the general path."""
    _REQUESTED["general"] = os.environ.get(PATH_VARIABLE, "").strip().lower() == "general"
    return _REQUESTED["general"]


read_environment()


def conversion_plan(engine: Engine, *, general: bool | None = None) -> ConversionPlan:
    """The engine release's plan, built once; the general path when ``general`` is true or,
    when it is None, when the environment asked for it (``PATH_VARIABLE``)."""
    key = (id(engine), _REQUESTED["general"] if general is None else general)
    found = _PLANS.get(key)
    if found is None or found[0] is not engine:
        if len(_PLANS) >= MEMO_LIMIT:
            _PLANS.clear()
        found = _PLANS[key] = (engine, build_plan(engine, general=key[1]))
    return found[1]


def build_plan(engine: Engine, *, general: bool = False) -> ConversionPlan:
    groups: list[Group] = []
    scan: list[tuple[str, str, int, _Direct | None, tuple[str, ...]]] = []
    for variants in engine.bindings:
        if not variants:
            continue
        first = variants[0]
        index = len(groups)
        groups.append(
            Group(variants, tuple(_effective_getter(p) for p in first.fields), first.fields)
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
    return ConversionPlan(
        tuple(groups), tuple((section, tuple(entries)) for section, entries in runs), general
    )


def _compile(plan: ConversionPlan) -> _Runner:
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
