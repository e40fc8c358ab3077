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

from collections.abc import Iterable
from typing import Any

from configlib.convert.common import (
    MAX_LIFT_COMBINATIONS,
    PRECEDENCE,
    FlatParameters,
    FlatResult,
    LiftResult,
    _getter,
    _section_model,
    effective_value,
    engine_for,
)
from configlib.convert.flat import _by_flag, generate, to_flat
from configlib.convert.lifting import lift
from configlib.engines import Engine
from configlib.findings import Finding, unique
from configlib.model import TaskConfig
from configlib.vocab import Runtime

__all__ = [
    "MAX_LIFT_COMBINATIONS",
    "PRECEDENCE",
    "FlatParameters",
    "FlatResult",
    "LiftResult",
    "canonical",
    "effective_value",
    "engine_for",
    "extra_parameters",
    "generate",
    "lift",
    "retarget",
    "to_flat",
    "to_structured",
    "with_parameters",
]

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


def extra_parameters(
    task: TaskConfig,
    engine: Engine | None = None,
    generated_flags: Iterable[str] | None = None,
) -> FlatParameters:
    """The task's own flags that its structured sections do not generate.

    ``generated_flags``: the flags the sections generate, when the caller knows them (the
    ``sources`` of the task's flat result), saving a conversion."""
    if engine is None:
        engine, _ = engine_for(task)
    if generated_flags is None:
        generated_flags = generate(task, engine).parameters.keys()
    generated = _by_flag({flag: [] for flag in generated_flags}, engine)
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
    source, _ = engine_for(task)
    lifted = lift(task, source)
    moved = lifted.task.model_copy(
        update={"base_runtime": target, "engine_version": engine_version}
    )
    if target != task.base_runtime:
        moved = moved.model_copy(update={"runtime_image_tag": None})
    # Which image and release the moved task runs is for the target engine to say
    # (validate, to_flat); the source's image no longer applies.
    return moved, unique(lifted.findings)
