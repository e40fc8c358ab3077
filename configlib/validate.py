"""Validation: every finding about a task, each with a severity, a field path and a code.

``validate(task)`` converts the task for its engine release and checks the result against that
release's flag manifest (names, types, choices, value lists the parser does not enforce), the
GPU budget, engine-specific combinations, the benchmark and SLO settings and the grid size.
``validate_data(dict)`` does the same for raw data, turning parse errors into findings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from configlib.bounds import check_task_document, limit
from configlib.convert import FlatResult, engine_for, to_flat
from configlib.engines import Engine, supported_versions
from configlib.engines import get_engine as _get_engine
from configlib.engines.manifest import (
    Resolved,
    check_value,
    option_for_key,
    resolve_key,
    starts_like_option,
)
from configlib.engines.parsing import argv_for, parse_argv
from configlib.findings import Finding, from_validation_error, unique
from configlib.grid import grid_of
from configlib.model import RangeSpec, TaskConfig
from configlib.scenarios import TASKS, parse_scenario
from configlib.served import served_name, served_values
from configlib.vocab import DeploymentMode, Runtime, Strategy

#: Beyond this many combinations of the GPU-relevant flags, the GPU check samples none.
MAX_CHECKED_COMBINATIONS = 100_000
#: max_time_per_iteration is minutes; values this large look like seconds.
MINUTES_THAT_LOOK_LIKE_SECONDS = 120
KNOWN_EXTRA_KEYS = {
    "benchmark": {"dataset_url", "dataset_deduplicate"},
    "optimization": {"n_initial_random", "study_name", "storage", "seed"},
    "model": {"quantization", "quantization_config"},
}


def validate(
    task: TaskConfig,
    *,
    engine: Engine | None = None,
    runtime: Runtime | str | None = None,
    engine_version: str | None = None,
    flat: FlatResult | None = None,
) -> list[Finding]:
    """All findings about ``task`` for its engine release (or the one given).

    ``flat``: the task's ``to_flat`` result when the caller has it already (the editor keeps
    one per revision); it carries its engine and that engine's resolution findings.
    """
    findings: list[Finding] = []
    if flat is not None:
        engine = flat.engine
    elif engine is None:
        engine, resolution = engine_for(task, runtime=runtime, engine_version=engine_version)
        findings.extend(resolution)
    if flat is None:
        flat = to_flat(task, engine)
    findings.extend(flat.findings)
    findings.extend(check_model(task))
    findings.extend(check_flags(flat, task))
    findings.extend(check_gpus(flat, task))
    findings.extend(check_benchmark(task))
    findings.extend(check_slo(task))
    findings.extend(check_grid(flat, task))
    findings.extend(check_deployment(flat, task))
    findings.extend(check_runnable(task))
    return unique(findings)


def validate_data(
    data: Any, *, runtime: Runtime | str | None = None, engine_version: str | None = None
) -> tuple[TaskConfig | None, list[Finding]]:
    """Parse and validate raw task data; parse errors come back as findings."""
    if not isinstance(data, Mapping):
        kind = type(data).__name__
        return None, [Finding("error", "", "not-a-task", f"a task is a mapping, not a {kind}")]
    too_big = check_task_document(data)
    if too_big:
        return None, too_big
    try:
        task = TaskConfig.model_validate(data)
    except ValidationError as error:
        return None, from_validation_error(error, model=TaskConfig)
    return task, validate(task, runtime=runtime, engine_version=engine_version)


# ---- Flags -----------------------------------------------------------------------------------


def check_model(task: TaskConfig) -> list[Finding]:
    """The model is a value on the command line: one that starts with '-' would be an option."""
    model = task.model.id_or_path
    if starts_like_option(model):
        return [
            Finding(
                "error",
                "model.id_or_path",
                "option-like-value",
                f"{model!r} starts with '-': on the command line the engine would read it as "
                "an option, not as the model",
            )
        ]
    return []


def _path(flat: FlatResult, key: str, index: int | None = None) -> str:
    sources = flat.sources.get(key)
    if sources:
        return sources[0]
    return f"parameters.{key}" + (f"[{index}]" if index is not None else "")


def check_flags(flat: FlatResult, task: TaskConfig) -> list[Finding]:
    """Each flag exists in the release, once, and each value is one it accepts."""
    engine = flat.engine
    manifest = engine.manifest
    found: list[Finding] = []
    seen: dict[str, str] = {}
    unknown = 0
    for key, values in flat.parameters.items():
        resolved = manifest.lookup_key(key)
        if resolved is None:
            dotted = resolve_key(manifest, key)
            if dotted.kind == "dotted" and dotted.resolved is not None:
                found.extend(_check_dotted(flat, key, dotted.resolved, values))
                continue
            unknown += 1
            suggest = unknown <= limit("flag_suggestions")
            found.append(_unknown_flag(engine, key, _path(flat, key), suggest=suggest))
            lenient = dotted.resolved  # what the parser itself reads (an abbreviation)
            if lenient is not None and lenient.spec.name in seen:
                found.append(_repeat(flat, key, seen[lenient.spec.name], lenient))
            if lenient is not None:
                seen[lenient.spec.name] = key
            continue
        spec = resolved.spec
        if spec.bare in _launcher_flags(engine):
            found.append(
                Finding(
                    "error",
                    _path(flat, key),
                    "launcher-flag",
                    f"the autotuner writes --{spec.bare} itself (the model from "
                    "model.id_or_path, host and port of its own); remove it from parameters",
                )
            )
            continue
        if spec.name in seen:
            found.append(_repeat(flat, key, seen[spec.name], resolved))
        seen[spec.name] = key
        if spec.deprecated:
            instead = f"; use {spec.replacement}" if spec.replacement else ""
            found.append(
                Finding(
                    "warning",
                    _path(flat, key),
                    "deprecated-flag",
                    f"{option_for_key(key)} is deprecated in {engine.label}{instead}",
                )
            )
        if isinstance(values, RangeSpec):
            if task.optimization.strategy == Strategy.GRID_SEARCH:
                found.append(
                    Finding(
                        "error",
                        _path(flat, key),
                        "range-in-grid",
                        f"grid search needs a list of values for {key}, not a {values.type} range",
                    )
                )
            continue
        if not values:
            found.append(
                Finding(
                    "warning",
                    _path(flat, key),
                    "empty-values",
                    f"{key} has no values; the autotuner skips it",
                )
            )
            continue
        found.extend(_check_values(flat, key, resolved, values))
    return found


def _repeat(flat: FlatResult, key: str, earlier: str, resolved: Resolved) -> Finding:
    """Two spellings of one flag. The parser keeps the last value given (store actions): an
    exact repeat is harmless, a different single value is overridden (the rendered command
    keeps the order, so the same one wins), candidates on both make a grid the parser
    collapses."""
    manifest = flat.engine.manifest
    spec = resolved.spec
    first, second = flat.parameters[earlier], flat.parameters[key]
    single = isinstance(first, list) and isinstance(second, list)
    single = single and len(first) == 1 and len(second) == 1  # type: ignore[arg-type]
    if spec.action in ("append", "extend", "count"):
        return Finding(
            "warning",
            _path(flat, key),
            "repeated-flag",
            f"{earlier} and {key} both add to {spec.name}; the parser keeps both, in order",
        )
    if single:
        a = parse_argv(manifest, argv_for({earlier: first[0]}), full=False).values  # type: ignore[index]
        b = parse_argv(manifest, argv_for({key: second[0]}), full=False).values  # type: ignore[index]
        if a == b:
            return Finding(
                "warning",
                _path(flat, key),
                "repeated-flag",
                f"{earlier} and {key} both set {spec.name} to the same value; keep one",
            )
        return Finding(
            "warning",
            _path(flat, key),
            "overridden-flag",
            f"{earlier} {_plain_list(first)} is overridden by the later {key} "
            f"{_plain_list(second)} (the parser keeps the last {spec.name}); keep one",
        )
    return Finding(
        "error",
        _path(flat, key),
        "duplicate-flag",
        f"{key} and {earlier} both set {spec.name} with several candidates; the parser keeps "
        "only the last one given, so the grid would repeat launches: keep one",
    )


def _plain_list(values: Any) -> str:
    if isinstance(values, list) and len(values) == 1:
        return str(_plain(values[0]))
    return str(values)


def _check_dotted(flat: FlatResult, key: str, resolved: Resolved, values: Any) -> list[Finding]:
    """``--json-flag.sub.key value``: the parser merges it into the flag's JSON value."""
    if not isinstance(values, list):
        return []
    found = []
    manifest = flat.engine.manifest
    whole = [
        k for k in flat.parameters if (r := manifest.lookup_key(k)) and r.spec is resolved.spec
    ]
    if whole:
        found.append(
            Finding(
                "warning",
                _path(flat, whole[0]),
                "overridden-flag",
                f"{whole[0]} is replaced by the dotted sub-keys such as {key}: "
                f"{flat.engine.spec.label} collects them into one {resolved.spec.name} value "
                "given after everything else, so the parser keeps only that one; write all "
                "settings in one form",
            )
        )
    for index, value in enumerate(values):
        text = str(value)
        if isinstance(value, bool) or text == "" or any(c.isspace() for c in text):
            found.append(
                Finding(
                    "error",
                    _path(flat, key, index),
                    "invalid-flag-value",
                    f"--{key} in {flat.engine.label}: {value!r} cannot be passed as one "
                    "sub-key value",
                )
            )
    return found


def _launcher_flags(engine: Engine) -> tuple[str, ...]:
    return engine.spec.table.launcher_flags


def _unknown_flag(engine: Engine, key: str, path: str, *, suggest: bool = True) -> Finding:
    manifest = engine.manifest
    option = option_for_key(key)
    label = engine.label
    if key.startswith("-") and not key.startswith("--"):
        return Finding(
            "error",
            path,
            "unknown-flag",
            f"{key}: the autotuner writes --{key}; short options cannot be used, write the long "
            "flag name",
        )
    matches = manifest.prefix_matches(option)
    if len(matches) == 1:
        return Finding(
            "warning",
            path,
            "abbreviated-flag",
            f"{option} works only as an abbreviation of {matches[0]} (the autotuner counts GPUs "
            f"from full names, and a new flag can make it ambiguous); write {matches[0][2:]}",
        )
    if len(matches) > 1:
        return Finding(
            "error",
            path,
            "ambiguous-flag",
            f"{option} is ambiguous in {label}: it could be {', '.join(matches[:5])}",
        )
    if "_" in key and manifest.lookup(option.replace("_", "-")) is not None:
        return Finding(
            "error",
            path,
            "snake-case-flag",
            f"{engine.spec.label} does not accept snake_case flags; write {key.replace('_', '-')}",
        )
    elsewhere = _versions_with(engine, option)
    hint = ""
    if elsewhere:
        hint = f" (it exists in {engine.spec.label} {', '.join(elsewhere)})"
    elif suggest:  # spelling suggestions cost milliseconds each: only for the first few
        close = manifest.suggest(key)
        if close:
            hint = f"; did you mean {' or '.join(close)}?"
    return Finding("error", path, "unknown-flag", f"{label} has no {option}{hint}")


def _versions_with(engine: Engine, option: str) -> list[str]:
    found = []
    for version in supported_versions(engine.runtime):
        if version != engine.version and _get_engine(engine.runtime, version).manifest.lookup(
            option
        ):
            found.append(version)
    return found


def refused_value(
    engine: Engine,
    key: str,
    resolved: Resolved,
    value: Any,
    allowed: frozenset[str] | None = None,
) -> str | None:
    """Why ``engine`` refuses ``value`` for the flag ``key`` names, or None when it accepts it
    (``allowed``: the release's value list for the flag, looked up when not given)."""
    if resolved.negated:
        if not isinstance(value, bool):
            return f"{key} takes no value: use true to pass it"
        return check_value(resolved.spec, value, None)
    if allowed is None:
        allowed = engine.value_lists.get(resolved.spec.name)
    return check_value(resolved.spec, value, allowed)


def _check_values(
    flat: FlatResult, key: str, resolved: Resolved, values: list[Any]
) -> list[Finding]:
    engine = flat.engine
    spec = resolved.spec
    found: list[Finding] = []
    allowed = engine.value_lists.get(spec.name)
    table = engine.spec.table
    bare = spec.bare
    for index, value in enumerate(values):
        path = _path(flat, key, index)
        problem = refused_value(engine, key, resolved, value, allowed)
        if problem:
            found.append(
                Finding(
                    "error", path, "invalid-flag-value", f"--{bare} in {engine.label}: {problem}"
                )
            )
            continue
        needs = engine.requires.get(spec.name, {}).get(str(value))
        if needs and not _is_set(flat, engine, needs):
            found.append(
                Finding(
                    "error",
                    path,
                    "needs-flag",
                    f"--{bare} {value} is refused by {engine.label} unless {needs} is also set",
                )
            )
        number = _number(value)
        if number is not None and bare in table.fraction_flags and not 0 < number <= 1:
            found.append(
                Finding(
                    "error", path, "out-of-range", f"--{bare} is a fraction in (0, 1], not {value}"
                )
            )
        if number is not None and bare in table.count_flags and number < 1:
            found.append(
                Finding("error", path, "out-of-range", f"--{bare} must be at least 1, not {value}")
            )
    if _has_duplicates(values):
        found.append(
            Finding(
                "warning",
                _path(flat, key),
                "duplicate-values",
                f"{key} lists a value twice; the autotuner would run it twice",
            )
        )
    return found


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _has_duplicates(values: list[Any]) -> bool:
    seen = set()
    for value in values:
        marker = (type(value).__name__, str(value))
        if marker in seen:
            return True
        seen.add(marker)
    return False


def _is_set(flat: FlatResult, engine: Engine, option: str) -> bool:
    for key, values in flat.parameters.items():
        resolved = engine.manifest.lookup_key(key)
        if resolved and option in resolved.spec.option_strings() and isinstance(values, list):
            return any(v is True for v in values)
    return False


# ---- GPUs and engine-specific combinations ---------------------------------------------------


def _combinations(
    flat: FlatResult, spellings: tuple[str, ...]
) -> list[tuple[Callable[[str], Any], dict[str, Any]]]:
    """Each combination of the given flags' values, none past MAX_CHECKED_COMBINATIONS."""
    axes = flat.engine.flag_axes(flat.parameters, spellings)
    if axes.size > MAX_CHECKED_COMBINATIONS:
        return []
    return [(axes.getter(values), values) for values in axes.combinations()]


def check_gpus(flat: FlatResult, task: TaskConfig) -> list[Finding]:
    """GPUs one server needs (per engine) stay within system_config.total_gpus."""
    system = task.system_config
    engine = flat.engine
    table = engine.spec.table
    found: list[Finding] = []
    over: list[str] = []
    worst = 0
    for get, values in _combinations(flat, table.gpu_flags):
        try:
            needed = engine.gpus_needed(get)
        except (TypeError, ValueError):
            continue
        if system is not None and needed > system.total_gpus:
            worst = max(worst, needed)
            shown = ", ".join(f"{name.lstrip('-')} {_plain(v)}" for name, v in values.items())
            over.append(f"{shown} needs {needed}")
    if over:
        path = "parallel_config" if task.parallel_config is not None else "parameters"
        listed = "; ".join(over[:5]) + (f"; and {len(over) - 5} more" if len(over) > 5 else "")
        found.append(
            Finding(
                "error",
                path,
                "too-many-gpus",
                f"{engine.spec.label} needs up to {worst} GPUs but system_config.total_gpus is "
                f"{system.total_gpus if system else '?'}: {listed}",
            )
        )
    for get, _ in _combinations(flat, table.combination_flags):
        for flag, reason in table.combination_problems(get):
            key = _flat_key(flat, flag)
            found.append(
                Finding(
                    "error",
                    _path(flat, key) if key else "parameters",
                    "invalid-combination",
                    reason,
                )
            )
    return unique(found)


def _flat_key(flat: FlatResult, spelling: str) -> str | None:
    manifest = flat.engine.manifest
    target = manifest.lookup_key(spelling)
    for key in flat.parameters:
        resolved = manifest.lookup_lenient(key)
        if resolved and target and resolved.spec.name == target.spec.name:
            return key
    return None


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


# ---- Benchmark, SLO, grid, deployment --------------------------------------------------------


def check_benchmark(task: TaskConfig) -> list[Finding]:
    """Traffic scenarios, benchmark task, units and typed request parameters."""
    bench = task.benchmark
    found: list[Finding] = []
    if bench.task not in TASKS:
        found.append(
            Finding(
                "error",
                "benchmark.task",
                "unknown-benchmark-task",
                f"genai-bench has no task {bench.task!r}; tasks: {', '.join(TASKS)}",
            )
        )
    if not bench.traffic_scenarios:
        found.append(
            Finding(
                "error",
                "benchmark.traffic_scenarios",
                "no-scenarios",
                "give at least one traffic scenario, e.g. D(2048,512)",
            )
        )
    for index, text in enumerate(bench.traffic_scenarios):
        path = f"benchmark.traffic_scenarios[{index}]"
        try:
            scenario = parse_scenario(text)
        except ValueError as error:
            found.append(Finding("error", path, "invalid-scenario", str(error)))
            continue
        form = scenario.form
        if bench.task in TASKS and bench.task not in form.tasks:
            found.append(
                Finding(
                    "warning",
                    path,
                    "scenario-task-mismatch",
                    f"{text} ({form.meaning}) does not fit task {bench.task}",
                )
            )
        if form.since:
            found.append(
                Finding(
                    "warning",
                    path,
                    "scenario-too-new",
                    f"{text}: genai-bench added this form in {form.since}; the "
                    "autotuner's pinned genai-bench rejects it",
                )
            )
        if form.kind != "D" and task.deployment_mode == DeploymentMode.DOCKER:
            found.append(
                Finding(
                    "warning",
                    path,
                    "scenario-ignored",
                    f"{text}: the autotuner reads only D(...) result files in Docker "
                    "mode, so this scenario's results are ignored",
                )
            )
    if not bench.num_concurrency:
        found.append(
            Finding(
                "error",
                "benchmark.num_concurrency",
                "no-concurrency",
                "give at least one concurrency level",
            )
        )
    minutes = bench.max_time_per_iteration
    if minutes >= MINUTES_THAT_LOOK_LIKE_SECONDS:
        found.append(
            Finding(
                "warning",
                "benchmark.max_time_per_iteration",
                "minutes-look-like-seconds",
                f"max_time_per_iteration is in minutes: {minutes} means {minutes / 60:g} hours per "
                "run; did you mean seconds?",
            )
        )
    budget = task.optimization.timeout_per_iteration
    if minutes * 60 > budget:
        found.append(
            Finding(
                "warning",
                "optimization.timeout_per_iteration",
                "benchmark-outlasts-timeout",
                f"one benchmark run may take {minutes} min (max_time_per_iteration), longer "
                "than the "
                f"whole experiment may take (timeout_per_iteration {budget} s)",
            )
        )
    for name, value in bench.additional_params.items():
        if isinstance(value, str) and _number(value) is not None:
            found.append(
                Finding(
                    "warning",
                    f"benchmark.additional_params.{name}",
                    "string-number",
                    f"{name} is the string {value!r}; genai-bench sends it as text, write {value}",
                )
            )
    if task.base_runtime == Runtime.VLLM and not bench.model_name:
        found.append(
            Finding(
                "warning",
                "benchmark.model_name",
                "missing-model-name",
                "vLLM checks the model name in requests; without benchmark.model_name the "
                "autotuner "
                "sends 'unknown' and the warm-up fails",
            )
        )
    elif (
        task.base_runtime == Runtime.VLLM
        and task.deployment_mode == DeploymentMode.DOCKER  # OME names the model itself
        and len(served_values(task)) <= 1
    ):
        served = served_name(task)
        if bench.model_name != served:
            found.append(
                Finding(
                    "warning",
                    "benchmark.model_name",
                    "model-name-mismatch",
                    f"vLLM answers to {served!r} and refuses requests naming "
                    f"{bench.model_name!r}, so the warm-up fails; set model_name to {served!r}",
                )
            )
    if not bench.model_tokenizer:
        found.append(
            Finding(
                "warning",
                "benchmark.model_tokenizer",
                "missing-tokenizer",
                "without benchmark.model_tokenizer genai-bench counts tokens with gpt2",
            )
        )
    for section in ("benchmark", "optimization", "model"):
        extras = getattr(task, section).model_extra or {}
        for name in extras:
            if name not in KNOWN_EXTRA_KEYS[section]:
                found.append(
                    Finding(
                        "warning",
                        f"{section}.{name}",
                        "unknown-key",
                        f"{section}.{name} is not a known setting; kept as given",
                    )
                )
    return found


def check_slo(task: TaskConfig) -> list[Finding]:
    """SLO thresholds are seconds: flag ones that look like milliseconds."""
    slo = task.slo
    if slo is None:
        return []
    found: list[Finding] = []
    limits = {"ttft": 30.0, "tpot": 5.0}
    for name, most in limits.items():
        metric = getattr(slo, name)
        if metric is not None and metric.threshold >= most:
            found.append(
                Finding(
                    "warning",
                    f"slo.{name}.threshold",
                    "threshold-looks-like-ms",
                    f"SLO thresholds are seconds: {name} {metric.threshold:g} s is "
                    f"{metric.threshold / 60:.1f} minutes; did you mean milliseconds?",
                )
            )
    return found


def check_grid(flat: FlatResult, task: TaskConfig) -> list[Finding]:
    """Grid search runs only the first max_iterations points."""
    if task.optimization.strategy != Strategy.GRID_SEARCH:
        return []
    size = grid_of(flat.parameters).size
    limit = task.optimization.max_iterations
    if size <= limit:
        return []
    share = limit / size * 100
    return [
        Finding(
            "warning",
            "optimization.max_iterations",
            "grid-truncated",
            f"the grid has {size:,} combinations; grid search runs only the first {limit:,} "
            f"({share:.3g}%), dropping {size - limit:,}",
        )
    ]


def check_deployment(flat: FlatResult, task: TaskConfig) -> list[Finding]:
    """OME mode passes only the tensor-parallel size to the engine."""
    if task.deployment_mode != DeploymentMode.OME:
        return []
    engine = flat.engine
    tp = engine.manifest.lookup_key(engine.spec.table.tensor_parallel_flag)
    ignored = [
        key
        for key in flat.parameters
        if (found := engine.manifest.lookup_key(key)) is None
        or tp is None
        or found.spec.name != tp.spec.name
    ]
    if not ignored:
        return []
    return [
        Finding(
            "warning",
            "parameters",
            "ignored-in-ome",
            f"in OME mode the autotuner passes only the tensor-parallel size to the engine; "
            f"{', '.join(ignored)} have no effect",
        )
    ]


def check_runnable(task: TaskConfig) -> list[Finding]:
    """A task holding a prediction the autotuner cannot launch as one server (a disaggregated
    prefill/decode pair, context parallelism) is kept for comparison but cannot run: its flags
    would start a single server that is not what was predicted."""
    source = task.metadata.aiconfigurator_source
    if not isinstance(source, Mapping) or source.get("runnable") is not False:
        return []
    reason = source.get("not_runnable_reason") or (
        f"aiconfigurator predicted a {source.get('serving_mode') or 'multi-server'} deployment"
    )
    return [
        Finding(
            "error",
            "metadata.aiconfigurator_source.runnable",
            "not-one-server",
            f"not runnable by the autotuner: {reason}; kept to compare its prediction only",
        )
    ]
