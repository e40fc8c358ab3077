"""Candidates: one aiconfigurator prediction (or planned experiment) and the task that checks it.

A Candidate is cheap to create: importing a 10,000-row pareto.csv makes 10,000 of them
without building a single TaskConfig. Its task, label, predictions and flag comparison are
built the first time they are asked for, then kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

from pydantic import ValidationError

from configlib.aiconfigurator.launch_compare import FlagDifference, compare
from configlib.aiconfigurator.readers.launch import AicLaunch
from configlib.aiconfigurator.spec import QUANT_FIELDS, Spec
from configlib.aiconfigurator.targets import (
    ENGINE_BACKENDS,
    choose_target,
    not_runnable,
    predicted_release,
)
from configlib.convert import with_parameters
from configlib.engines.releases import release_tag
from configlib.findings import Finding, from_validation_error, unique
from configlib.io import InputError
from configlib.model import TaskConfig
from configlib.scenarios import fixed
from configlib.served import benchmark_names
from configlib.systems import resolve_system
from configlib.vocab import Runtime

#: Requests per benchmark run = this many waves of the predicted concurrency, so the run
#: reaches the steady state aiconfigurator models (the autotuner's default is 50 requests).
WAVES = 5
MIN_REQUESTS = 50
_NAME_CHARS = re.compile(r"[^a-z0-9]+")


def model_short(model: str) -> str:
    """``Qwen/Qwen3-32B`` -> ``qwen3_32b`` (the design's task-name pattern)."""
    base = model.rstrip("/").rsplit("/", 1)[-1] or model
    short = _NAME_CHARS.sub("_", base.lower()).strip("_")
    return (short or "model")[:100]


def agg_name(model: str, tp: Any, pp: Any, dp: Any = 1, moe_ep: Any = 1, cp: Any = 1) -> str:
    name = f"aiconfig-{model_short(model)}-tp{tp}-pp{pp}"
    if dp not in (None, 1):
        name += f"-dp{dp}"
    if moe_ep not in (None, 1):
        name += f"-ep{moe_ep}"
    if cp not in (None, 1):
        name += f"-cp{cp}"
    return name


def disagg_name(model: str, p_workers: Any, p_tp: Any, d_workers: Any, d_tp: Any) -> str:
    return (
        f"aiconfig-{model_short(model)}-disagg-p{p_workers or 1}xtp{p_tp}"
        f"-d{d_workers or 1}xtp{d_tp}"
    )


class Namer:
    """Makes names unique within one import: a repeat gets -2, -3, ..."""

    def __init__(self) -> None:
        self._count: dict[str, int] = {}

    def many(self, names: list[str]) -> list[str]:
        """``[self(n) for n in names]``, for a whole table at once."""
        count = self._count
        out: list[str] = []
        append = out.append
        for name in names:
            if name in count:
                append(self(name))
            else:
                count[name] = 1
                append(name)
        return out

    def __call__(self, name: str) -> str:
        seen = self._count.get(name, 0) + 1
        self._count[name] = seen
        if seen == 1:
            return name
        unique_name = f"{name}-{seen}"
        while unique_name in self._count:
            seen += 1
            unique_name = f"{name}-{seen}"
        self._count[name] = seen
        self._count[unique_name] = 1
        return unique_name


def build_task(
    spec: Spec,
    name: str,
    runtime: Runtime | str | None,
) -> tuple[TaskConfig, list[Finding]]:
    """The TaskConfig that runs ``spec`` (structured form, full flat parameters)."""
    findings: list[Finding] = []
    target, notes = choose_target(spec.backend, runtime)
    findings.extend(notes)
    main = spec.main_worker
    parallel = _parallel(spec)
    quant = {k: v for k, v in main.quant.items() if k in QUANT_FIELDS}
    release = predicted_release(spec, target, findings)
    data: dict[str, Any] = {
        "task_name": name,
        "description": describe(spec),
        "model": {"id_or_path": spec.model},
        "base_runtime": target.value,
        "engine_version": release,
        "runtime_image_tag": release_tag(target, release),
        "parallel_config": parallel or None,
        "quantization_config": quant or None,
        "optimization": {
            "objective": "maximize_throughput",
            "max_iterations": _grid(parallel, quant),
        },
    }
    system_config = _system_config(spec, findings)
    if system_config:
        data["system_config"] = system_config
    data["benchmark"] = _benchmark(spec, findings)
    slo = _slo(spec.run)
    if slo:
        data["slo"] = slo
    elif not spec.planned:
        findings.append(
            Finding(
                "warning",
                "slo",
                "aic-targets-unknown",
                "the run's TTFT/TPOT targets are unknown; no SLO set",
            )
        )
    for section, values in spec.sections.items():
        data[section] = {**(data.get(section) or {}), **values}
    data["metadata"] = {
        "aiconfigurator_predictions": dict(spec.predictions) or None,
        "aiconfigurator_source": source_of(spec, target),
        "aiconfigurator_workers": {role: w.as_dict() for role, w in spec.workers.items()},
        "config_format": "structured",
    }
    if spec.extra:
        data["metadata"]["aiconfigurator_extra"] = spec.extra
    task, converted = with_parameters(_validated(data, spec))
    findings.extend(converted)
    return task, unique(findings)


def _parallel(spec: Spec) -> dict[str, Any]:
    """The main worker's layout as parallel_config (no expert axes for a dense model)."""
    main = spec.main_worker
    parallel: dict[str, Any] = {}
    for field_name in ("tp", "pp", "dp", "moe_tp", "moe_ep"):
        values = getattr(main, field_name)
        if values is not None:
            parallel[field_name] = values
    if parallel.get("moe_tp", [1]) == [1] and parallel.get("moe_ep", [1]) == [1]:
        # Dense rows carry moe_tp = moe_ep = 1 ("no experts"); they stay in the metadata.
        parallel.pop("moe_tp", None)
        parallel.pop("moe_ep", None)
    attention = spec.attention_dp
    if attention is None and main.dp and any(d > 1 for d in main.dp):
        attention = True
    if attention is not None:
        parallel["attention_dp"] = attention
    return parallel


def _system_config(spec: Spec, findings: list[Finding]) -> dict[str, Any] | None:
    """The system and GPU budget, when configlib's catalog knows the system."""
    system = spec.system
    if not system:
        return None
    try:
        resolve_system(system)
    except ValueError:
        findings.append(
            Finding(
                "warning",
                "system_config",
                "aic-unknown-system",
                f"system {system!r} is not in configlib's catalog; system_config left out "
                "(the name is kept in metadata.aiconfigurator_source)",
            )
        )
        return None
    total = spec.run.total_gpus or spec.predictions.get("total_gpus") or spec.main_worker.gpus()
    return {"gpu_type": system, "total_gpus": total or 1}


def _validated(data: dict[str, Any], spec: Spec) -> TaskConfig:
    """The task data validated; a problem names the input file and row."""
    where = spec.source.get("file", "aiconfigurator input")
    try:
        return TaskConfig.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(str(f) for f in from_validation_error(error)[:3])
        row = spec.source.get("line")
        raise InputError(where, f"cannot become a task: {problems}", row) from None


def _grid(parallel: dict[str, Any], quant: dict[str, Any]) -> int:
    size = 1
    for value in (*parallel.values(), *quant.values()):
        if isinstance(value, list):
            size *= len(value)
    return max(size, 1)


def _benchmark(spec: Spec, findings: list[Finding]) -> dict[str, Any]:
    run = spec.run
    isl = spec.source.get("isl") or run.isl
    osl = spec.source.get("osl") or run.osl
    bench: dict[str, Any] = {}
    if isl and osl:
        bench["traffic_scenarios"] = [fixed(isl, osl)]
    else:
        findings.append(
            Finding(
                "warning",
                "benchmark.traffic_scenarios",
                "aic-isl-unknown",
                "input/output lengths unknown; the benchmark keeps D(100,100)",
            )
        )
    prefix = spec.source.get("prefix") or run.prefix
    if prefix:
        findings.append(
            Finding(
                "warning",
                "benchmark.traffic_scenarios",
                "aic-prefix-not-benchmarked",
                f"the prediction assumes {prefix} cached prefix tokens per request; D({isl},{osl}) "
                "sends unrelated prompts, so prefix caching will not help the measurement",
            )
        )
    bench.update(benchmark_names(spec.model))
    if spec.concurrency:
        bench["num_concurrency"] = list(spec.concurrency)
        bench["max_requests_per_iteration"] = max(MIN_REQUESTS, WAVES * max(spec.concurrency))
    return bench


def _slo(run: Any) -> dict[str, Any] | None:
    slo: dict[str, Any] = {}
    if run.ttft_ms:
        slo["ttft"] = {"threshold": run.ttft_ms / 1000.0}
    if run.tpot_ms:
        slo["tpot"] = {"threshold": run.tpot_ms / 1000.0}
    if run.request_latency_ms:
        slo["latency"] = {"p50": {"threshold": run.request_latency_ms / 1000.0}}
    return slo or None


def source_of(spec: Spec, target: Runtime) -> dict[str, Any]:
    """metadata.aiconfigurator_source (keys in docs/architecture.md)."""
    run = spec.run
    out = dict(spec.source)
    out.setdefault("isl", run.isl)
    out.setdefault("osl", run.osl)
    out.setdefault("backend", spec.backend)
    out.setdefault("system", spec.system)
    out.setdefault("perf_db_version", run.backend_version)
    out.update(
        {
            "aiconfigurator_version": run.aiconfigurator_version,
            "ttft_target_ms": run.ttft_ms,
            "tpot_target_ms": run.tpot_ms,
            "request_latency_target_ms": run.request_latency_ms,
            "total_gpus": run.total_gpus,
            "inclusive_tpot": run.inclusive_tpot,
            "runnable": spec.runnable,
            "target_runtime": target.value,
        }
    )
    if run.inclusive_tpot_basis:
        out["inclusive_tpot_basis"] = run.inclusive_tpot_basis
    if run.source:
        out["run_settings"] = run.source
    if spec.not_runnable_reason:
        out["not_runnable_reason"] = spec.not_runnable_reason
    return out


def describe(spec: Spec) -> str:
    """One line for people: what was predicted, where it came from."""
    main = spec.main_worker
    parts = []
    where = spec.source.get("file", "")
    if spec.source.get("row"):
        where += f" row {spec.source['row']}"
    if spec.source.get("experiment"):
        where += f" ({spec.source['experiment']})"
    if spec.serving_mode == "disagg":
        p, d = spec.workers["prefill"], spec.workers["decode"]
        parts.append(
            f"disagg {p.workers or 1}x prefill {_layout(p)} + {d.workers or 1}x decode {_layout(d)}"
        )
    else:
        parts.append(f"{spec.serving_mode} {_layout(main)}")
    parts.append(spec.backend or "?")
    pred = spec.predictions
    if "tokens_per_s_per_gpu" in pred:
        parts.append(f"{pred['tokens_per_s_per_gpu']:.1f} tok/s/gpu")
    if "ttft_ms" in pred and "tpot_ms" in pred:
        parts.append(f"ttft {pred['ttft_ms']:.0f} ms, tpot {pred['tpot_ms']:.1f} ms")
    if spec.concurrency:
        parts.append(f"concurrency {'/'.join(str(c) for c in spec.concurrency)}")
    if spec.planned:
        parts.append("planned experiment (no prediction)")
    text = ", ".join(parts)
    return f"{text} [{where}]" if where else text


def _layout(worker: Any) -> str:
    out = []
    for name in ("tp", "pp", "dp", "moe_tp", "moe_ep", "cp"):
        values = getattr(worker, name)
        if values is None or (values == [1] and name not in ("tp", "pp")):
            continue
        out.append(f"{name}{'/'.join(str(v) for v in values)}")
    return " ".join(out) or "auto"


class SpecSource(Protocol):
    """Where candidates get their Spec and launch from (one per table, or one per document)."""

    @property
    def runtime(self) -> Runtime | str | None:
        """Target engine for candidates predicted for TensorRT-LLM."""

    def spec(self, row: int) -> Spec: ...

    def launch(self, row: int) -> AicLaunch | None: ...


class FixedSource:
    """A SpecSource for one already-built Spec (YAML documents, generator configs)."""

    def __init__(
        self,
        spec: Spec,
        runtime: Runtime | str | None = None,
        launch: Callable[[], AicLaunch | None] | None = None,
    ) -> None:
        self._spec, self.runtime, self._launch = spec, runtime, launch

    def spec(self, row: int) -> Spec:
        return self._spec

    def launch(self, row: int) -> AicLaunch | None:
        return self._launch() if self._launch is not None else None


_UNSET: Any = object()


class Candidate:
    """One importable candidate; the task and everything derived is built on first use.

    Slots and a shared source keep a candidate down to a few hundred bytes, so importing a
    10,000-row pareto.csv costs little more than reading it.
    """

    __slots__ = (
        "_built",
        "_launch",
        "_row",
        "_source",
        "_spec",
        "name",
        "origin",
        "runnable",
        "serving_mode",
    )

    def __init__(
        self,
        name: str,
        serving_mode: str,
        runnable: bool,
        source: SpecSource,
        row: int = 0,
        origin: str | None = None,
    ) -> None:
        self.name = name
        """Task name (unique within the import)."""
        self.serving_mode = serving_mode
        """agg, disagg or afd."""
        self.runnable = runnable
        """False when the autotuner cannot launch what was predicted (disagg, cp > 1)."""
        self.origin = origin
        """The file the candidate came from (table, YAML or generator config)."""
        self._source = source
        self._row = row
        self._spec: Spec | None = None
        self._built: tuple[TaskConfig, list[Finding]] | None = None
        self._launch: Any = _UNSET

    def __repr__(self) -> str:
        return f"Candidate({self.name!r}, {self.serving_mode}, runnable={self.runnable})"

    @property
    def spec(self) -> Spec:
        """The candidate in aiconfigurator's own terms (layouts, predictions, run settings)."""
        if self._spec is None:
            self._spec = self._source.spec(self._row)
        return self._spec

    def _task_and_findings(self) -> tuple[TaskConfig, list[Finding]]:
        if self._built is None:
            self._built = build_task(self.spec, self.name, self._source.runtime)
        return self._built

    @property
    def task(self) -> TaskConfig:
        """The TaskConfig (structured, with full flat parameters)."""
        return self._task_and_findings()[0]

    @property
    def findings(self) -> list[Finding]:
        """What the import and the conversion had to say about this candidate, plus the
        flags of aiconfigurator's own launch that the task's engine release lacks."""
        spec = self.spec
        found = [*spec.findings, *self._task_and_findings()[1]]
        if not spec.runnable:
            found.append(not_runnable(spec))
        for difference in self.flag_differences():
            if difference.missing_in_engine:
                found.append(
                    Finding(
                        "warning",
                        f"aiconfigurator launch ({difference.role})",
                        "aic-flag-not-in-engine",
                        difference.reason,
                    )
                )
        return unique(found)

    @property
    def chosen_runtime(self) -> str | None:
        """The engine chosen at import for predictions of another backend, or None."""
        runtime = self._source.runtime
        return None if runtime is None else Runtime(runtime).value

    @property
    def untargeted(self) -> bool:
        """Predicted for an engine the autotuner cannot run, with no engine chosen for it."""
        return self.spec.backend not in ENGINE_BACKENDS and self.chosen_runtime is None

    @property
    def target(self) -> Runtime:
        """The engine the task runs on (without building the task)."""
        return choose_target(self.spec.backend, self._source.runtime)[0]

    @property
    def read_findings(self) -> list[Finding]:
        """What reading the candidate and choosing its engine had to say, without building the
        task: enough for a table of thousands of candidates (``findings`` adds the task's)."""
        spec = self.spec
        found = [*spec.findings, *choose_target(spec.backend, self._source.runtime)[1]]
        if not spec.runnable:
            found.append(not_runnable(spec))
        return unique(found)

    @property
    def label(self) -> str:
        """One line for people: layout, backend, headline predictions, where it came from."""
        return describe(self.spec)

    @property
    def predictions(self) -> dict[str, Any]:
        """Predicted metrics, names with units (metadata.aiconfigurator_predictions)."""
        return dict(self.spec.predictions)

    @property
    def source(self) -> dict[str, Any]:
        """metadata.aiconfigurator_source of the task (without building the task)."""
        target, _ = choose_target(self.spec.backend, self._source.runtime)
        return source_of(self.spec, target)

    @property
    def aic_flags(self) -> AicLaunch | None:
        """The engine launch aiconfigurator generated for this candidate (top-N folders)."""
        if self._launch is _UNSET:
            self._launch = self._source.launch(self._row)
        launch: AicLaunch | None = self._launch
        return launch

    def flag_differences(self, *, include_same: bool = False) -> list[FlagDifference]:
        """Where our launch differs from aiconfigurator's, flag by flag, with the reason."""
        launch = self.aic_flags
        if launch is None:
            return []
        return compare(self.task, self.spec, launch, include_same=include_same)
