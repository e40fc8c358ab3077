"""Which engine and release an aiconfigurator candidate runs on, and whether it can run.

A prediction made for SGLang or vLLM runs on that engine, at the release aiconfigurator
predicted for when configlib supports it; one made for an engine the autotuner cannot run
(TensorRT-LLM) needs the user's choice. ``target_problem`` is the one rule the command line
(``import-aic --runtime``) and the import page ask before creating tasks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from configlib.aiconfigurator.spec import Spec
from configlib.engines import supported_versions
from configlib.engines.releases import default_release
from configlib.findings import Finding
from configlib.vocab import Runtime


class Targeted(Protocol):
    """What the target rule reads of a candidate (``candidates.Candidate`` has it; a protocol
    keeps this module below candidates.py instead of importing it back)."""

    @property
    def name(self) -> str: ...
    @property
    def spec(self) -> Spec: ...
    @property
    def chosen_runtime(self) -> str | None: ...
    @property
    def untargeted(self) -> bool: ...


def choose_target(
    backend: str | None,
    runtime: Runtime | str | None,
) -> tuple[Runtime, list[Finding]]:
    """The engine the task runs on: the predicted backend, or the user's pick for TRT-LLM.

    A prediction for SGLang or vLLM runs on that engine whatever was picked: the pick is for
    the TensorRT-LLM predictions of the upload, and is said not to apply to this one."""
    if backend in ("sglang", "vllm"):
        if runtime is None or Runtime(runtime).value == backend:
            return Runtime(backend), []
        return Runtime(backend), [
            Finding(
                "warning",
                "base_runtime",
                "aic-target-not-applied",
                f"predicted for {backend}, so it runs on {backend}: the target runtime "
                f"{Runtime(runtime).value} applies to the upload's TensorRT-LLM predictions only",
            )
        ]
    findings = []
    if runtime is None:
        target = Runtime.SGLANG
        findings.append(
            Finding(
                "warning",
                "base_runtime",
                "aic-target-assumed",
                f"aiconfigurator predicted this for {backend or 'an unknown backend'} and no "
                "target runtime was chosen: shown on sglang for comparison; tasks are created "
                "only once sglang or vllm is chosen",
            )
        )
    else:
        target = Runtime(runtime)
    if backend == "trtllm":
        findings.append(
            Finding(
                "warning",
                "base_runtime",
                "aic-trtllm-target",
                f"predicted for TensorRT-LLM but measured on {target.value}: the numbers "
                "describe a different engine, and TensorRT-LLM settings (max_batch_size, "
                "KV-cache memory fraction, CUDA-graph sizes) do not carry over",
            )
        )
    return target, findings


def not_runnable(spec: Spec) -> Finding:
    """The error that keeps a candidate the autotuner cannot launch as one server from running
    (the task is still created, to compare its prediction): the same finding validation gives
    the task (``configlib.validate.check_runnable``)."""
    reason = spec.not_runnable_reason or f"{spec.serving_mode} deployment"
    return Finding(
        "error",
        "metadata.aiconfigurator_source.runnable",
        "not-one-server",
        f"not runnable by the autotuner: {reason}; kept to compare its prediction only",
    )


class TargetError(ValueError):
    """The engine chosen for an import does not fit the candidates (see ``target_problem``)."""


ENGINE_BACKENDS = frozenset(r.value for r in Runtime)
"""Backends the autotuner runs as they are; any other backend's predictions need a choice."""


def target_problem(
    candidates: Sequence[Targeted],
    *,
    choice_required: bool = True,
    upload: Sequence[Targeted] | None = None,
) -> str | None:
    """Why these candidates cannot become tasks with the engine chosen for them, or None.

    The choice (``--runtime``, the import page's target runtime) says which engine measures
    predictions made for an engine the autotuner cannot run (TensorRT-LLM); it must be made
    for those. Predictions made for SGLang or vLLM run on the engine they were predicted for:
    when the upload (``upload``: every candidate of the import, default ``candidates``) also
    holds TensorRT-LLM predictions, the choice is for those and the others keep their engine
    (with an ``aic-target-not-applied`` warning); when it holds none, a choice naming another
    engine contradicts every prediction and is refused. The command line and the app ask the
    same. ``choice_required=False`` (listing, nothing created yet) checks only the
    contradiction.
    """
    untargeted = [c for c in candidates if c.spec.backend not in ENGINE_BACKENDS]
    chosen = {c.chosen_runtime for c in candidates}
    runtime = next((r for r in chosen if r is not None), None)
    whole = candidates if upload is None else upload
    mixed = any(c.spec.backend not in ENGINE_BACKENDS for c in whole)
    if choice_required and any(c.untargeted for c in untargeted):
        backend = untargeted[0].spec.backend or "an unknown backend"
        return (
            f"{len(untargeted)} candidate(s) were predicted for {backend}, which the autotuner "
            "cannot run; choose the engine to measure them on (sglang or vllm)"
        )
    if runtime is None or mixed:
        return None
    other = [
        c for c in candidates if c.spec.backend in ENGINE_BACKENDS and c.spec.backend != runtime
    ]
    if other:
        return (
            f"the target runtime {runtime} is for TensorRT-LLM predictions, but "
            f"{len(other)} candidate(s) (e.g. {other[0].name}) were predicted for "
            f"{other[0].spec.backend} and run on {other[0].spec.backend}; leave the target "
            "runtime unset for them"
        )
    return None


def predicted_release(spec: Spec, target: Runtime, findings: list[Finding]) -> str:
    """The release the task is checked against and runs: the one aiconfigurator predicted for
    (its performance database's version: the row's ``version`` column, else the run's
    backend_version) when that engine is the target and the release is supported, else the
    newest supported release of the target (said with a warning when the prediction names no
    release, e.g. a lone generator_config.yaml)."""
    predicted = spec.main_worker.perf_db_version or spec.run.backend_version
    newest = default_release(target)
    if spec.backend != target.value:
        return newest
    if not predicted:
        findings.append(
            Finding(
                "warning",
                "engine_version",
                "aic-release-assumed",
                f"the prediction names no {target.value} release (no version column or "
                f"backend_version): the task runs and is checked against the newest supported "
                f"release, {newest}; set engine_version and runtime_image_tag if it was another",
            )
        )
        return newest
    if predicted in supported_versions(target):
        return str(predicted)
    findings.append(
        Finding(
            "warning",
            "engine_version",
            "aic-release-unsupported",
            f"aiconfigurator predicted for {target.value} {predicted}, which configlib has no "
            f"flag manifest for; the task runs and is checked against {newest} (supported: "
            f"{', '.join(supported_versions(target))})",
        )
    )
    return newest
