"""The editing rules: a task's structured sections and its flat flags kept in step while one
side is edited (the app's editor applies every edit through them).

- A structured edit regenerates the flags: the sections' flags for the task's engine release,
  plus the task's own flags that no section generates (kept exactly as they were).
- A flag edit updates the structured fields: the fields behind each changed or removed
  generated flag are cleared, then every mapped flag is lifted back (configlib.convert.lift);
  a flag that cannot be lifted, or is unknown, stays as it is.
- An engine change (configlib.switching.change_engine) switches the task, then regenerates.
"""

from __future__ import annotations

from typing import Any

from configlib.convert import PRECEDENCE, FlatResult, engine_for, extra_parameters, lift, to_flat
from configlib.convert.common import _section_model
from configlib.findings import Finding, unique
from configlib.model import TaskConfig
from configlib.vocab import STRUCTURED_SECTIONS, ConfigFormat

_LOSER_OF = dict(PRECEDENCE)


def _with_format(task: TaskConfig) -> TaskConfig:
    wanted = ConfigFormat.STRUCTURED if task.has_structured() else ConfigFormat.FLAT
    if task.metadata.config_format == wanted:
        return task
    metadata = task.metadata.model_copy(update={"config_format": wanted})
    return task.model_copy(update={"metadata": metadata})


def _prune_empty(task: TaskConfig) -> TaskConfig:
    """A section whose every field was cleared is no section at all."""
    update: dict[str, None] = {}
    for name in STRUCTURED_SECTIONS:
        holder = getattr(task, name)
        if holder is not None and all(v is None for v in holder.model_dump().values()):
            update[name] = None
    return task.model_copy(update=update) if update else task


def regenerate_flat(task: TaskConfig) -> tuple[TaskConfig, FlatResult]:
    """``regenerate``, with the flat result of the task it returns: the task's parameters are
    that result's flags, and converting such a task again gives the same result (a property
    test checks it), so the editor keeps it for the revision instead of converting again."""
    pruned = _prune_empty(task)
    flat = to_flat(pruned)
    full = pruned.model_copy(update={"parameters": flat.parameters})
    return _with_format(full), flat


def regenerate(task: TaskConfig) -> tuple[TaskConfig, list[Finding]]:
    """The task with ``parameters`` = the sections' flags plus its own other flags."""
    full, flat = regenerate_flat(task)
    return full, flat.findings


def structured_edit(
    before: TaskConfig, after: TaskConfig, before_flat: FlatResult | None = None
) -> tuple[TaskConfig, FlatResult]:
    """``after`` carries edited sections and ``before``'s parameters: regenerate its flags.

    Flags generated from ``before``'s sections are dropped first, so a value removed from a
    section removes its flag; flags no section generates are kept verbatim. ``before_flat``
    (``before``'s flat result, when the caller keeps it) names the generated flags without
    converting ``before`` again. Returns the task and its flat result (findings included).
    """
    if before_flat is not None:
        extras = extra_parameters(before, before_flat.engine, before_flat.sources)
    else:
        engine, _ = engine_for(before)
        extras = extra_parameters(before, engine)
    return regenerate_flat(after.model_copy(update={"parameters": extras}))


def _clear(task: TaskConfig, paths: set[str]) -> TaskConfig:
    update: dict[str, Any] = {}
    for section in STRUCTURED_SECTIONS:
        names = {p.split(".", 1)[1] for p in paths if p.startswith(section + ".")}
        holder = getattr(task, section)
        if not names or holder is None:
            continue
        update[section] = holder.model_copy(update=dict.fromkeys(names))
    return task.model_copy(update=update)


def _put(task: TaskConfig, path: str, value: Any) -> TaskConfig:
    section, _, name = path.partition(".")
    holder = getattr(task, section)
    if holder is None:
        holder = _section_model(section).model_validate({})
    return task.model_copy(update={section: holder.model_copy(update={name: value})})


def flat_edit(task: TaskConfig, parameters: dict[str, Any]) -> tuple[TaskConfig, list[Finding]]:
    """The task after its full flag set was edited to ``parameters``.

    Only the fields behind changed flags are cleared and lifted again (with every flag that
    shares a field with them, so multi-flag rules lift as a whole); unchanged generated flags
    come back from their fields untouched.
    """
    engine, _ = engine_for(task)
    before = to_flat(task, engine)
    changed = {
        key
        for key in before.sources
        if key not in parameters or parameters[key] != before.parameters.get(key)
    }
    cleared: set[str] = set()
    related = set(changed)
    while True:
        for key in related:
            cleared.update(before.sources[key])
        grown = {k for k, paths in before.sources.items() if cleared.intersection(paths)}
        if grown <= related:
            break
        related |= grown
    # A winner generated from its loser's value (max_num_seqs from max_batch_size): clear both,
    # and give the lifted value back to the field the user had set.
    moved_back = {
        w: lo
        for w, lo in _LOSER_OF.items()
        if w in cleared and task.value_at(w) is None and task.value_at(lo) is not None
    }
    cleared.update(_LOSER_OF[w] for w in cleared.copy() if w in _LOSER_OF)
    to_lift = {k: v for k, v in parameters.items() if k not in before.sources or k in related}
    emptied = _clear(task, cleared).model_copy(update={"parameters": to_lift})
    lifted = lift(emptied, engine)
    result = lifted.task
    for winner, loser in moved_back.items():
        value = result.value_at(winner)
        if value is not None:
            result = _put(_put(result, winner, None), loser, value)
    regenerated, findings = regenerate(result)
    return regenerated, unique([*lifted.findings, *findings])
