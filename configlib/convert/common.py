"""What the conversion modules share: precedence, field access, results, flag values."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel

from configlib.engines import Engine, get_engine, resolve_engine
from configlib.engines.manifest import UNSET, Resolved
from configlib.engines.manifest import effective_value as effective_value
from configlib.engines.rules import Note
from configlib.findings import Finding
from configlib.model import RangeSpec, TaskConfig
from configlib.vocab import Runtime

#: (winner, loser): both fields feed the same flag; the winner's value is used.
PRECEDENCE: tuple[tuple[str, str], ...] = (
    ("scheduling_config.max_num_seqs", "advanced_tuning_config.max_batch_size"),
    ("scheduling_config.chunked_prefill_enabled", "advanced_tuning_config.enable_chunked_prefill"),
)
_LOSER_OF = {winner: loser for winner, loser in PRECEDENCE}

#: Lifting enumerates flag combinations; beyond this many a rule is left alone.
MAX_LIFT_COMBINATIONS = 4096

FlatParameters = dict[str, list[Any] | RangeSpec]
K = TypeVar("K")
V = TypeVar("V")


@dataclass(slots=True)
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


def _finding(note: Note) -> Finding:
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


def _type_key(value: Any) -> Any:
    """A set key that tells values apart by type and value (1, 1.0 and True differ)."""
    try:
        hash(value)
    except TypeError:
        return (type(value), repr(value))
    return (type(value), value)


def _distinct_columns(rows: Any, keys: list[str]) -> dict[str, list[Any]]:
    """Per key, the distinct values (by type and value) of ``rows`` in first-seen order."""
    columns: dict[str, list[Any]] = {k: [] for k in keys}
    seen: dict[str, set[Any]] = {k: set() for k in keys}
    for row in rows:
        for key, value in row:
            marker = _type_key(value)
            if marker not in seen[key]:
                seen[key].add(marker)
                columns[key].append(value)
    return columns


#: Entries a conversion memo holds before it starts afresh.
MEMO_LIMIT = 50_000
_MISSING: Any = object()


class BoundedMemo(Generic[K, V]):
    """Results by key, forgotten all at once when ``limit`` entries are reached.

    Starting afresh keeps the memory bounded without the bookkeeping of an LRU, which would
    cost more than most of the conversions it saves. A key that cannot be hashed (a value
    from a file may be a list) is worked out without the memo.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._entries: dict[K, V] = {}

    def get(self, key: K, compute: Callable[[], V]) -> V:
        try:
            found = self._entries.get(key, _MISSING)
        except TypeError:
            return compute()
        if found is _MISSING:
            if len(self._entries) >= self.limit:
                self._entries.clear()
            found = self._entries[key] = compute()
        return cast(V, found)

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        self._entries.clear()


# ---- Effective values of flags -------------------------------------------------------------


def _effective_list(resolved: Resolved, values: Any) -> Any:
    if isinstance(values, RangeSpec):
        return values
    return [_render(effective_value(resolved, v)) for v in values]


def _render(value: Any) -> Any:
    if value is UNSET or value is None or isinstance(value, bool):
        return value
    return str(value)


@cache
def _section_model(section: str) -> type[BaseModel]:
    annotation = TaskConfig.model_fields[section].annotation
    for candidate in getattr(annotation, "__args__", (annotation,)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    raise KeyError(section)
