"""Several processes editing the same tasks and presets, and a check that nothing was lost.

Every write puts a unique token in the item's description, so each stored state is
``(kind, name, version, token)``. Every successful operation reports the state it started
from (what its editor read, possibly long ago) and the state it produced. In a store whose
optimistic locking holds:

- a state is replaced (updated, renamed or deleted) at most once; a second successful
  operation starting from the same state is a **stale write accepted**;
- every state a write produced is either still stored at the end or was replaced by an
  operation that started from it; any other is a **lost update** (a write reported as
  saved that vanished).

Used by ``scripts/store_stress.py`` (8 processes x 200 operations, 5 runs) and by
``tests/store/test_faults.py`` (a smaller run).
"""

from __future__ import annotations

import multiprocessing
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from configlib.model import TaskConfig
from configlib.presets import Preset
from configlib.store import (
    ConflictError,
    NameTaken,
    NotFound,
    Store,
    StoreUnavailable,
)

State = tuple[str, str, int, str]  # kind, name, version, token
#: Shared task and preset names the workers fight over.
TASK_NAMES = ("alpha", "beta", "gamma", "delta")
PRESET_NAMES = ("p-one", "p-two")
OPERATIONS = (
    "create",
    "create",
    "create",
    "edit",
    "edit",
    "stale-edit",
    "stale-edit",
    "delete",
    "stale-delete",
    "rename",
    "apply-presets",
    "preset-edit",
    "preset-stale-edit",
    "preset-delete",
    "preset-create",
)


def make_task(name: str, token: str) -> TaskConfig:
    return TaskConfig.model_validate(
        {
            "task_name": name,
            "description": token,
            "model": {"id_or_path": "meta-llama/Llama-3.1-8B-Instruct"},
            "base_runtime": "sglang",
            "engine_version": "0.5.2",
            "parallel_config": {"tp": [1, 2]},
        }
    )


def make_preset(name: str, token: str) -> Preset:
    return Preset(name=name, description=token, parameters={"tp-size": [1, 2]})


@dataclass
class Outcome:
    """What one worker did."""

    done: list[tuple[str, State | None, State | None]] = field(default_factory=list)
    """Successful operations: (operation, state started from, state produced)."""
    refused: Counter[str] = field(default_factory=Counter)
    """Refusals by kind (conflict, not-found, name-taken, busy)."""
    errors: list[str] = field(default_factory=list)
    """Anything else raised (should be empty)."""


def _task_state(name: str, version: int, task: TaskConfig) -> State:
    return ("task", name, version, task.description)


def worker(url: str, number: int, operations: int, seed: int, queue: Any) -> None:
    """Run ``operations`` random operations on the shared names; report an ``Outcome``."""
    rng = random.Random(seed * 1000 + number)
    outcome = Outcome()
    seen_tasks: dict[str, tuple[State, TaskConfig]] = {}
    seen_presets: dict[str, tuple[State, Preset]] = {}
    try:
        with Store.open(url, timeout=60) as store:
            for step in range(operations):
                token = f"w{number}-{step}"
                operation = rng.choice(OPERATIONS)
                try:
                    _one(store, operation, rng, token, outcome, seen_tasks, seen_presets)
                except ConflictError:
                    outcome.refused["conflict"] += 1
                except NotFound:
                    outcome.refused["not-found"] += 1
                except NameTaken:
                    outcome.refused["name-taken"] += 1
                except StoreUnavailable as error:
                    if "busy" not in str(error):
                        raise
                    outcome.refused["busy"] += 1
    except Exception as error:  # reported to the parent
        outcome.errors.append(repr(error))
    queue.put(outcome)


def _read_task(
    store: Store, name: str, seen: dict[str, tuple[State, TaskConfig]]
) -> tuple[State, TaskConfig]:
    stored = store.get_task(name)
    state = _task_state(name, stored.version, stored.task)
    seen[name] = (state, stored.task)
    return state, stored.task


def _one(
    store: Store,
    operation: str,
    rng: random.Random,
    token: str,
    outcome: Outcome,
    seen_tasks: dict[str, tuple[State, TaskConfig]],
    seen_presets: dict[str, tuple[State, Preset]],
) -> None:
    name = rng.choice(TASK_NAMES)
    preset_name = rng.choice(PRESET_NAMES)
    if operation == "create":
        saved = store.save_task(make_task(name, token), expected_version=None)
        outcome.done.append((operation, None, _task_state(name, saved.version, saved.task)))
    elif operation in {"edit", "stale-edit", "apply-presets"}:
        if operation == "stale-edit" and name in seen_tasks:
            state, task = seen_tasks[name]  # an editor left open since some earlier read
        else:
            state, task = _read_task(store, name, seen_tasks)
        edited = task.model_copy(update={"description": token})
        if operation == "apply-presets":
            applied = store.apply_presets(edited, [rng.choice(["Balanced", *PRESET_NAMES])])
            edited = applied.task.model_copy(update={"description": token})
        saved = store.save_task(edited, expected_version=state[2])
        outcome.done.append((operation, state, _task_state(name, saved.version, saved.task)))
    elif operation in {"delete", "stale-delete"}:
        if operation == "stale-delete" and name in seen_tasks:
            state, _ = seen_tasks[name]
        else:
            state, _ = _read_task(store, name, seen_tasks)
        store.delete_task(name, expected_version=state[2])
        outcome.done.append((operation, state, None))
    elif operation == "rename":
        state, _ = seen_tasks[name] if name in seen_tasks else _read_task(store, name, seen_tasks)
        target = rng.choice([n for n in TASK_NAMES if n != name])
        renamed = store.rename_task(name, target, expected_version=state[2])
        produced = ("task", target, renamed.version, renamed.task.description)
        outcome.done.append((operation, state, produced))
    elif operation == "preset-create":
        stored_preset = store.save_preset(make_preset(preset_name, token), expected_version=None)
        produced = ("preset", preset_name, stored_preset.version, token)
        outcome.done.append((operation, None, produced))
    elif operation in {"preset-edit", "preset-stale-edit", "preset-delete"}:
        if operation == "preset-stale-edit" and preset_name in seen_presets:
            state, preset = seen_presets[preset_name]
        else:
            current = store.get_preset(preset_name)
            state = ("preset", preset_name, current.version, current.preset.description)
            preset = current.preset
            seen_presets[preset_name] = (state, preset)
        if operation == "preset-delete":
            store.delete_preset(preset_name, expected_version=state[2])
            outcome.done.append((operation, state, None))
        else:
            edited_preset = preset.model_copy(update={"description": token})
            stored_preset = store.save_preset(edited_preset, expected_version=state[2])
            produced = ("preset", preset_name, stored_preset.version, token)
            outcome.done.append((operation, state, produced))
    else:  # pragma: no cover - OPERATIONS lists every branch
        raise ValueError(operation)


@dataclass
class RunReport:
    """The verdict of one run."""

    stale_accepted: int
    """Successful operations that started from a state another operation had replaced."""
    lost: int
    """States produced by a successful write that are neither stored nor replaced."""
    succeeded: int
    """Successful operations."""
    refused: Counter[str]
    """Refusals by kind."""
    errors: list[str]
    """Unexpected errors."""
    seconds: float
    """Wall time of the run."""

    def line(self) -> str:
        refused = ", ".join(f"{k} {v}" for k, v in sorted(self.refused.items()))
        return (
            f"stale writes accepted {self.stale_accepted}, lost updates {self.lost}, "
            f"succeeded {self.succeeded}, refused: {refused}, errors {len(self.errors)}, "
            f"{self.seconds:.1f} s"
        )


def seed(store: Store) -> list[State]:
    """Create the shared items; returns their states."""
    states: list[State] = []
    for name in TASK_NAMES:
        saved = store.save_task(make_task(name, f"seed-{name}"), expected_version=None)
        states.append(_task_state(name, saved.version, saved.task))
    for name in PRESET_NAMES:
        stored = store.save_preset(make_preset(name, f"seed-{name}"), expected_version=None)
        states.append(("preset", name, stored.version, f"seed-{name}"))
    return states


def final_states(store: Store) -> set[State]:
    states: set[State] = set()
    for name in store.task_names():
        stored = store.get_task(name)
        states.add(_task_state(name, stored.version, stored.task))
    for summary in store.list_presets(system=False):
        states.add(("preset", summary.name, summary.version, summary.description))
    return states


def judge(
    seeded: list[State], outcomes: list[Outcome], final: set[State], seconds: float
) -> RunReport:
    produced: list[State] = list(seeded)
    consumers: Counter[State] = Counter()
    for outcome in outcomes:
        for _operation, started, made in outcome.done:
            if started is not None:
                consumers[started] += 1
            if made is not None:
                produced.append(made)
    stale = sum(count - 1 for count in consumers.values() if count > 1)
    lost = sum(1 for state in produced if state not in final and consumers[state] == 0)
    refused: Counter[str] = Counter()
    errors: list[str] = []
    for outcome in outcomes:
        refused.update(outcome.refused)
        errors.extend(outcome.errors)
    succeeded = sum(len(o.done) for o in outcomes)
    return RunReport(stale, lost, succeeded, refused, errors, seconds)


def run(url: str, processes: int, operations: int, seed_number: int) -> RunReport:
    """One run on an empty store at ``url``."""
    with Store.open(url, timeout=60) as store:
        seeded = seed(store)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    started = time.perf_counter()
    workers = [
        context.Process(target=worker, args=(url, n, operations, seed_number, queue))
        for n in range(processes)
    ]
    for process in workers:
        process.start()
    outcomes = [queue.get(timeout=900) for _ in workers]
    for process in workers:
        process.join(timeout=60)
    seconds = time.perf_counter() - started
    with Store.open(url, timeout=60) as store:
        final = final_states(store)
    return judge(seeded, outcomes, final, seconds)
