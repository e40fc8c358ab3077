"""Selected candidates -> tasks: one each, or one task whose grid is exactly them.

Combining is only allowed when nothing but the structured layout/quantization differs, the
selection is an exact Cartesian product of those values, and the combined task's flat
parameters for its engine release are an exact product of the candidates' own launches too.
Anything else would make the autotuner run combinations nobody predicted (or merge two
predictions into one launch), so it is refused with the reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from configlib.aiconfigurator.candidates import Candidate, model_short
from configlib.aiconfigurator.spec import QUANT_FIELDS
from configlib.aiconfigurator.targets import TargetError, target_problem
from configlib.convert import engine_for, to_flat, with_parameters
from configlib.findings import Finding, errors
from configlib.grid import grid_of
from configlib.model import TaskConfig

#: The structured fields a combined task may vary.
VARYING = (
    *(f"parallel_config.{n}" for n in ("tp", "pp", "dp", "attention_dp", "moe_tp", "moe_ep")),
    *(f"quantization_config.{n}" for n in QUANT_FIELDS),
)
#: Dump keys that are per candidate and never compared.
_PER_CANDIDATE = (
    "task_name",
    "description",
    "metadata",
    "parameters",
    "parallel_config",
    "quantization_config",
)


class CombineError(ValueError):
    """The selection cannot be one task; ``findings`` says why."""

    def __init__(self, message: str) -> None:
        self.findings = [Finding("error", "", "aic-not-combinable", message)]
        super().__init__(message)


def _value(task: TaskConfig, path: str) -> list[Any] | None:
    value: list[Any] | None = task.value_at(path)
    return value


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def _comparable(task: TaskConfig) -> dict[str, Any]:
    data = task.dump()
    for key in _PER_CANDIDATE:
        data.pop(key, None)
    bench = data.get("benchmark", {})
    bench.pop("num_concurrency", None)
    bench.pop("max_requests_per_iteration", None)
    data.get("optimization", {}).pop("max_iterations", None)
    return data


_FIRST = ("model", "base_runtime", "engine_version", "system_config", "slo", "benchmark")


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        order = sorted(set(a) | set(b), key=lambda k: (_FIRST.index(k) if k in _FIRST else 99, k))
        for key in order:
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), f"{path}.{key}" if path else key)
    return f"{path} ({a!r} vs {b!r})"


def _canonical_point(task: TaskConfig, point: dict[str, Any]) -> frozenset[tuple[str, str]]:
    engine, _ = engine_for(task)
    items = []
    for key, value in point.items():
        resolved = engine.manifest.lookup_lenient(key)
        spec = resolved.spec if resolved is not None else None
        if spec is not None and not spec.takes_value and _plain(value) is (spec.default is True):
            # A switch at its default launches the same server as leaving it out (the
            # combined grid spells attention DP off, a single candidate may not).
            continue
        name = resolved.spec.name if resolved else key
        items.append((name, repr(_plain(value))))
    return frozenset(items)


def combine_candidates(candidates: Sequence[Candidate]) -> tuple[TaskConfig, list[Finding]]:
    """One task whose grid is exactly the candidates; ``CombineError`` when impossible.

    The stages, each refusing with its reason: runnable candidates (``_check_selection``) that
    differ only in layout and quantization (``_check_alike``), one distinct point each
    (``_points``) forming a Cartesian product (``_axes``); then the combined task
    (``_combined_task``) whose engine flags are exactly the candidates' launches
    (``_check_launches``).
    """
    _check_selection(candidates)
    tasks = [c.task for c in candidates]
    _check_alike(candidates, tasks)
    points = _points(candidates, tasks)
    axes = _axes(points)
    concurrencies = _concurrencies(tasks)
    combined = _combined_task(candidates, tasks, points, axes, concurrencies)
    combined, findings = with_parameters(combined)
    blocking = [f for f in errors(findings) if f.code == "not-expressible"]
    if blocking:
        raise CombineError(blocking[0].message)
    _check_launches(combined, tasks)
    if len(concurrencies) > 1:
        findings.append(
            Finding(
                "warning",
                "benchmark.num_concurrency",
                "aic-combined-concurrency",
                f"the candidates were predicted at concurrencies {concurrencies}; every grid "
                "point is benchmarked at all of them and the autotuner averages the runs, so "
                "compare each point's run at its own concurrency",
            )
        )
    return combined, findings


def _check_selection(candidates: Sequence[Candidate]) -> None:
    """At least two candidates, each one the autotuner can launch."""
    if len(candidates) < 2:
        raise CombineError("select at least two candidates to combine")
    for candidate in candidates:
        if not candidate.runnable:
            raise CombineError(
                f"{candidate.name} cannot be launched by the autotuner "
                f"({candidate.serving_mode}); combine runnable candidates only"
            )


def _check_alike(candidates: Sequence[Candidate], tasks: list[TaskConfig]) -> None:
    """Nothing but layout and quantization differs between the candidates' tasks."""
    base = _comparable(tasks[0])
    for candidate, task in zip(candidates[1:], tasks[1:], strict=True):
        other = _comparable(task)
        if other != base:
            raise CombineError(
                f"{candidates[0].name} and {candidate.name} differ in more than "
                f"layout and quantization: {_first_difference(base, other)}"
            )


def _points(candidates: Sequence[Candidate], tasks: list[TaskConfig]) -> list[tuple[Any, ...]]:
    """Each candidate's single value of every VARYING field (None when unset); all distinct."""
    points: list[tuple[Any, ...]] = []
    for candidate, task in zip(candidates, tasks, strict=True):
        point: list[Any] = []
        for path in VARYING:
            value = _value(task, path)
            if value is not None and len(value) > 1:
                raise CombineError(f"{candidate.name} already has several {path} candidates")
            if value is None and path == "parallel_config.attention_dp":
                value = [False]  # no attention DP, said explicitly so points compare
            point.append(None if value is None else _plain(value[0]))
        points.append(tuple(point))
    if len(set(points)) < len(points):
        raise CombineError(
            "two selected candidates have the same layout and quantization; "
            "they would be one experiment"
        )
    return points


def _axes(points: list[tuple[Any, ...]]) -> list[list[Any]]:
    """Per VARYING field, its values in order; the points must be exactly their product."""
    axes: list[list[Any]] = []
    for index, path in enumerate(VARYING):
        values: list[Any] = []
        for entry in points:
            if entry[index] not in values:
                values.append(entry[index])
        if None in values and len(values) > 1:
            raise CombineError(f"{path} is set in some candidates and not in others")
        axes.append(values)
    product = set(itertools.product(*axes))
    if product != set(points):
        missing = sorted(product - set(points), key=repr)[0]
        named = {p: _plain(v) for p, v in zip(VARYING, missing, strict=True) if v is not None}
        raise CombineError(
            f"the selection is not a Cartesian product: a grid over its values would also run "
            f"{named}, which nobody predicted"
        )
    return axes


def _concurrencies(tasks: list[TaskConfig]) -> list[int]:
    concurrencies: list[int] = []
    for task in tasks:
        for level in task.benchmark.num_concurrency:
            if level not in concurrencies:
                concurrencies.append(level)
    return concurrencies


def _combined_task(
    candidates: Sequence[Candidate],
    tasks: list[TaskConfig],
    points: list[tuple[Any, ...]],
    axes: list[list[Any]],
    concurrencies: list[int],
) -> TaskConfig:
    """The first task with the axes as candidate lists, each candidate kept in metadata."""
    data = tasks[0].dump()
    data.pop("parameters", None)
    for path, values in zip(VARYING, axes, strict=True):
        if values == [None]:
            continue
        section, _, name = path.partition(".")
        data[section] = {**(data.get(section) or {}), name: values}
    data["task_name"] = f"aiconfig-{model_short(tasks[0].model.id_or_path)}-grid{len(tasks)}"
    data["description"] = f"grid of {len(tasks)} aiconfigurator candidates: " + ", ".join(
        c.name for c in candidates
    )
    data["benchmark"]["num_concurrency"] = concurrencies
    data["benchmark"]["max_requests_per_iteration"] = max(
        t.benchmark.max_requests_per_iteration for t in tasks
    )
    data["optimization"]["max_iterations"] = len(tasks)
    metadata = data["metadata"]
    metadata["aiconfigurator_predictions"] = None
    metadata["aiconfigurator_source"] = None
    metadata.pop("aiconfigurator_workers", None)
    metadata["aiconfigurator_candidates"] = [
        {
            "name": c.name,
            "point": {p: v for p, v in zip(VARYING, point, strict=True) if v is not None},
            "predictions": c.predictions,
            "source": c.source,
        }
        for c, point in zip(candidates, points, strict=True)
    ]
    return TaskConfig.model_validate(data)


def _check_launches(combined: TaskConfig, tasks: list[TaskConfig]) -> None:
    """The combined task's flag grid is exactly the candidates' own launches."""
    flat = to_flat(combined)
    if any(not isinstance(v, list) for v in flat.parameters.values()):
        raise CombineError("the combined task has range parameters")
    grid = grid_of(flat.parameters)
    combined_points = {_canonical_point(combined, p) for p in grid.first(grid.size)}
    own_points = set()
    for task in tasks:
        own = to_flat(task)
        own_points.add(
            _canonical_point(
                task, {k: v[0] for k, v in own.parameters.items() if isinstance(v, list) and v}
            )
        )
    if grid.size != len(tasks) or combined_points != own_points:
        raise CombineError(
            f"on {flat.engine.label} the candidates' flags do not form an exact grid "
            f"({grid.size} launches for {len(tasks)} candidates): the autotuner would run "
            "launches nobody predicted or merge predicted ones"
        )


def tasks_from_candidates(
    candidates: Sequence[Candidate],
    *,
    combine: bool = False,
    upload: Sequence[Candidate] | None = None,
) -> list[TaskConfig]:
    """One task per candidate, or (``combine=True``) one task whose grid is exactly them.

    ``combine=True`` raises ``CombineError`` when the selection is not an exact product in
    structured space and in the engine's flags; it never widens the grid. ``TargetError``
    when the engine chosen for the import does not fit them (``target_problem``; ``upload``
    is every candidate of the import they were selected from).
    """
    problem = target_problem(candidates, upload=upload)
    if problem:
        raise TargetError(problem)
    if combine and len(candidates) > 1:
        task, _ = combine_candidates(candidates)
        return [task]
    tasks = []
    used: set[str] = set()
    for candidate in candidates:
        task = candidate.task
        name = task.task_name
        count = 1
        while name in used:
            count += 1
            name = f"{task.task_name}-{count}"
        used.add(name)
        tasks.append(
            task if name == task.task_name else task.model_copy(update={"task_name": name})
        )
    return tasks
