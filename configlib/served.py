"""The name a server answers to, and the names the benchmark sends and counts tokens with.

The autotuner serves the model under its id (or the task's served-model-name flag), and vLLM
refuses requests naming another model, so a benchmark that leaves ``model_name`` empty fails
its warm-up. Every path that creates a task from something that knows the model (a launch
command, an engine config file, an aiconfigurator result, an engine switch) names it here.
"""

from __future__ import annotations

from typing import Any

from configlib.engines import ENGINES
from configlib.model import TaskConfig
from configlib.vocab import DeploymentMode

#: Where the autotuner mounts a local model folder inside the engine's container.
LOCAL_MODEL_MOUNT = "/model"

__all__ = [
    "LOCAL_MODEL_MOUNT",
    "benchmark_names",
    "follow_model",
    "named_for_benchmark",
    "served_name",
    "served_values",
]


def served_values(task: TaskConfig) -> list[Any]:
    """The candidates of the task's served-name flag (none: the server uses the model id)."""
    values = task.parameters.get(ENGINES[task.base_runtime].table.served_name_flag)
    if values is None:
        return []
    return list(values) if isinstance(values, list) else [values]


def served_name(task: TaskConfig) -> str:
    """What the task's server answers to: its one served-name value, else what the engine is
    given as the model."""
    values = served_values(task)
    if len(values) == 1 and isinstance(values[0], str) and values[0]:
        return values[0]
    model = task.model.id_or_path
    # In Docker mode the autotuner mounts a local model (an absolute path, or a bare name under
    # its models folder) at /model and passes that; a hub id (org/name) is passed as it is.
    if task.deployment_mode == DeploymentMode.DOCKER and (
        model.startswith("/") or "/" not in model
    ):
        return LOCAL_MODEL_MOUNT
    return model


def benchmark_names(model: str, served: str | None = None) -> dict[str, Any]:
    """``model_name`` (and ``model_tokenizer`` when the model is a hub id or a path, which
    genai-bench can load) for a benchmark of ``model`` served as ``served``."""
    names: dict[str, Any] = {"model_name": served or model}
    if "/" in model or model.startswith("."):
        names["model_tokenizer"] = model
    return names


def named_for_benchmark(task: TaskConfig) -> TaskConfig:
    """The task with the benchmark's model name and tokenizer filled where they are empty."""
    return follow_model(task, task)


def follow_model(before: TaskConfig, after: TaskConfig) -> TaskConfig:
    """``after``, whose model or served name differs from ``before``'s, with the benchmark names
    that were empty or derived from the old model derived from the new one; a name the user
    chose stays."""
    old = benchmark_names(before.model.id_or_path, served_name(before))
    new = benchmark_names(after.model.id_or_path, served_name(after))
    bench = after.benchmark
    update = {}
    for key in ("model_name", "model_tokenizer"):
        current, wanted = getattr(bench, key), new.get(key)
        derived = not current or current == old.get(key)
        if derived and (current or wanted) and current != wanted:
            update[key] = wanted
    if not update:
        return after
    return after.model_copy(update={"benchmark": bench.model_copy(update=update)})
