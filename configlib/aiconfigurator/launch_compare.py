"""Where configlib's launch of a candidate differs from the one aiconfigurator generated, and why.

Both sides are resolved through the task's engine release manifest, so two spellings of one
flag meet, and an option the release does not have is reported as such. Why the generator
writes what it does is engine knowledge: the ``generator`` entries of the engine tables
(``configlib.engines.launch_generator``).

The comparison runs in named stages: our side (``_Ours``), the worker roles the autotuner
does not launch (``_other_role``), each option of the main role (``_option_row``), what only
configlib writes (``_only_ours``), then GPUs per worker and TensorRT-LLM engine settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from configlib.aiconfigurator.readers.launch import AicLaunch, WorkerLaunch
from configlib.aiconfigurator.spec import Spec
from configlib.convert import FlatResult, engine_for, to_flat
from configlib.engines import Engine, get_engine, launch_generator, supported_versions
from configlib.engines.manifest import Resolved, render_value
from configlib.engines.table import LaunchGenerator, launch_context
from configlib.model import TaskConfig


@dataclass(frozen=True)
class FlagDifference:
    """One flag compared: ours, aiconfigurator's, and why they differ."""

    role: str
    flag: str
    ours: str | None
    theirs: str | None
    status: str
    """same, differs, only-aiconfigurator or only-configlib."""
    reason: str
    missing_in_engine: bool = False
    """True when aiconfigurator's flag does not exist in the task's engine release."""


@dataclass
class _Ours:
    """Our side of the comparison: the task's flags by canonical name, and what explains them."""

    spec: Spec
    engine: Engine
    flat: FlatResult
    generator: LaunchGenerator
    flags: dict[str, tuple[str, Any]]
    """Canonical name -> (parameters key, first value as the engine receives it)."""
    include_same: bool

    @property
    def runtime(self) -> str:
        return self.engine.runtime.value

    def context(self) -> dict[str, Any]:
        """Values the generator's notes name (read only when a note needs them)."""
        spec = self.spec
        return launch_context(
            spec.source.get("isl") or spec.run.isl,
            spec.source.get("osl") or spec.run.osl,
            spec.main_worker.batch_size,
            spec.concurrency[0] if spec.concurrency else None,
        )


def _ours(task: TaskConfig, spec: Spec, include_same: bool) -> _Ours:
    engine, _ = engine_for(task)
    flat = to_flat(task, engine)
    flags: dict[str, tuple[str, Any]] = {}
    for key, values in flat.parameters.items():
        resolved = engine.manifest.lookup_key(key)
        if resolved is not None and isinstance(values, list) and values:
            value = values[0]
            if resolved.negated and isinstance(value, bool):
                value = not value
            flags[resolved.spec.name] = (key, value)
    return _Ours(spec, engine, flat, launch_generator(), flags, include_same)


def compare(
    task: TaskConfig,
    spec: Spec,
    launch: AicLaunch,
    *,
    include_same: bool = False,
) -> list[FlagDifference]:
    """Flag-by-flag comparison of aiconfigurator's launch with a candidate's task."""
    ours = _ours(task, spec, include_same)
    main_role = "agg" if "agg" in launch.roles else "decode"
    out: list[FlagDifference] = []
    for role, worker in sorted(launch.roles.items()):
        if role != main_role:
            out.append(_other_role(role, worker))
            continue
        seen: set[str] = set()
        for option, value in worker.flags.items():
            row = _option_row(ours, role, option, value, seen)
            if row is not None:
                out.append(row)
        out.extend(_only_ours(ours, role, seen))
        out.extend(_gpu_rows(role, worker, spec))
        if worker.engine_config:
            out.extend(_engine_yaml_rows(role, worker.engine_config, ours.runtime))
    return out


def _other_role(role: str, worker: WorkerLaunch) -> FlagDifference:
    """A prefill or decode worker of a disaggregated deployment, in one row."""
    args = " ".join(f"{k} {_show(v)}" if v is not True else k for k, v in worker.flags.items())
    return FlagDifference(
        role,
        f"({role} worker launch)",
        None,
        args or None,
        "only-aiconfigurator",
        f"{role} worker of a disaggregated deployment; the autotuner launches one aggregated "
        "server",
    )


def _option_row(
    ours: _Ours, role: str, option: str, value: Any, seen: set[str]
) -> FlagDifference | None:
    """One option of aiconfigurator's launch against ours (None when the same and not asked)."""
    resolved = ours.engine.manifest.lookup(option)
    if resolved is None:
        return _unknown_option(ours, role, option, value)
    name = resolved.spec.name
    seen.add(name)
    theirs = (not value) if resolved.negated and isinstance(value, bool) else value
    mine = ours.flags.get(name)
    if mine is None:
        reason = _left_out(ours, option, resolved, theirs)
        return FlagDifference(role, option, None, _show(theirs), "only-aiconfigurator", reason)
    if _same(mine[1], theirs):
        if not ours.include_same:
            return None
        return FlagDifference(role, option, _show(mine[1]), _show(theirs), "same", "same value")
    return FlagDifference(
        role,
        option,
        _show(mine[1]),
        _show(theirs),
        "differs",
        ours.generator.differs.get(name, "values differ"),
    )


def _unknown_option(ours: _Ours, role: str, option: str, value: Any) -> FlagDifference:
    """An option the task's engine release does not have."""
    engine = ours.engine
    reason = _reason(ours, option, known=False)
    plumbing = {*ours.generator.plumbing, *ours.generator.disaggregation}
    elsewhere = _versions_with(ours.runtime, option, engine.version)
    if elsewhere and option not in plumbing:
        reason += f" (it exists in {engine.spec.label} {', '.join(elsewhere)})"
    return FlagDifference(
        role,
        option,
        None,
        _show(value),
        "only-aiconfigurator",
        reason,
        missing_in_engine=option not in plumbing,
    )


def _left_out(ours: _Ours, option: str, resolved: Resolved, theirs: Any) -> str:
    """Why configlib does not write a flag the release has and the generator wrote."""
    engine = ours.engine
    name = resolved.spec.name
    reason = _reason(ours, name, known=True)
    default = resolved.spec.default
    if default is not None and _show(default) == _show(theirs):
        reason = (
            f"{option} {_show(theirs)} is {engine.label}'s default; configlib does not write "
            "defaults"
        )
    respelled = ours.generator.respelled.get(name)
    if respelled is not None and respelled[0] in ours.flags:
        reason = respelled[1].format(engine=engine.label, value=_show(ours.flags[respelled[0]][1]))
    if resolved.spec.deprecated:
        replacement = resolved.spec.replacement
        reason += f"; {option} is deprecated in {engine.label}" + (
            f" (use {replacement})" if replacement else ""
        )
    return reason


def _only_ours(ours: _Ours, role: str, seen: set[str]) -> list[FlagDifference]:
    """Flags configlib writes that aiconfigurator's launch leaves at the engine default."""
    rows = []
    for name, (key, value) in ours.flags.items():
        if name in seen or name in ours.generator.plumbing:
            continue
        sources = ", ".join(ours.flat.sources.get(key, ())) or "the task's parameters"
        rows.append(
            FlagDifference(
                role,
                f"--{key}",
                _show(value),
                None,
                "only-configlib",
                f"configlib writes it from {sources}; aiconfigurator's launch leaves the engine "
                "default",
            )
        )
    return rows


def _reason(ours: _Ours, flag: str, *, known: bool) -> str:
    """Why configlib's launch leaves out an option aiconfigurator's generator wrote."""
    generator = ours.generator
    label = ours.engine.label
    if flag in generator.plumbing:
        return "launch plumbing: the autotuner passes the model, host and port itself"
    if flag in generator.disaggregation:
        return "disaggregated serving through Dynamo; the autotuner launches one aggregated server"
    note = generator.notes.get(flag)
    context = ours.context() if note is not None else {}
    if note is not None and all(context.get(name) for name in note.needs):
        text = note.text.format(**context)
        if note.say_missing and not known:
            text += f"; and {label} has no {flag}"
        return text
    if not known:
        return f"{label} has no {flag} (aiconfigurator renders its own template version)"
    return "set by aiconfigurator's generator; configlib has no field for it"


def _versions_with(runtime: str, option: str, current: str) -> list[str]:
    return [
        v
        for v in supported_versions(runtime)
        if v != current and get_engine(runtime, v).manifest.lookup(option) is not None
    ]


def _show(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(render_value(value)) if not isinstance(value, str) else value


def _same(ours: Any, theirs: Any) -> bool:
    return _show(ours) == _show(theirs)


def _gpu_rows(role: str, worker: WorkerLaunch, spec: Spec) -> list[FlagDifference]:
    main = spec.main_worker
    predicted = main.gpus()
    generated = worker.gpus_per_worker
    if predicted is None or generated is None or predicted == generated:
        return []
    if (main.first("cp") or 1) > 1:
        why = (
            "aiconfigurator's generator does not render context parallelism: it counts "
            "tp x pp x dp GPUs"
        )
    elif (main.first("dp") or 1) > 1:
        why = (
            "generator bug for SGLang attention DP: it sets the worker's TP to moe_tp x "
            "moe_ep and multiplies by dp again; the modelled worker uses tp x pp x dp GPUs"
        )
    else:
        why = "the generated launch sizes the worker differently from the modelled layout"
    return [
        FlagDifference(role, "(GPUs per worker)", str(predicted), str(generated), "differs", why)
    ]


def _flatten(prefix: str, value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        out = []
        for key, inner in value.items():
            out.extend(_flatten(f"{prefix}.{key}" if prefix else str(key), inner))
        return out
    return [(prefix, value)]


def _engine_yaml_rows(role: str, config: dict[str, Any], runtime: str) -> list[FlagDifference]:
    rows = []
    for key, value in _flatten("", config):
        if key == "max_batch_size":
            why = (
                "TensorRT-LLM's max_batch_size is the modelled batch; on "
                f"{runtime} the benchmark concurrency sets the load"
            )
        elif key in ("tensor_parallel_size", "pipeline_parallel_size", "enable_attention_dp"):
            why = f"TensorRT-LLM layout; the {runtime} task carries the same layout as flags"
        else:
            why = f"TensorRT-LLM engine setting; the {runtime} launch has no direct equivalent"
        rows.append(
            FlagDifference(role, f"engine:{key}", None, _show(value), "only-aiconfigurator", why)
        )
    return rows
