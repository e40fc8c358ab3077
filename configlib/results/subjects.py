"""What the comparison and the calibration are about: a task (stored, or an imported candidate)
with aiconfigurator's predictions in its metadata and any measured results of it.

Values come out aligned by configlib.results.compare (units, TPOT definition, per-GPU scope).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from configlib.convert import engine_for
from configlib.engines.rules import ENGINE_LABELS
from configlib.model import TaskConfig
from configlib.results.compare import Value, measured_values, predicted_values, server_gpus

#: aiconfigurator's backend names as the app shows them (TensorRT-LLM is predicted, never run).
BACKEND_LABELS = {**ENGINE_LABELS, "trtllm": "TensorRT-LLM"}


def backend_label(name: object) -> str:
    """SGLang, vLLM, TensorRT-LLM; an unknown backend as written; "unknown" when absent."""
    text = str(name or "").strip()
    return BACKEND_LABELS.get(text.lower(), text) if text else "unknown"


@dataclass(frozen=True)
class Measurement:
    """One measured configuration of a task."""

    label: str
    """How the table names it: experiment, scenario, concurrency."""
    parameters: Mapping[str, Any]
    """The grid point that ran (flag -> value)."""
    metrics: Mapping[str, Any]
    """The measured values, named with their units."""
    source: str
    """The results file it was imported from."""
    concurrency: int | None = None
    """Requests in flight during the run."""
    scenario: str | None = None
    """genai-bench traffic scenario, e.g. D(4000,1000)."""
    time_unit: str = "s"
    """Unit of raw genai-bench latencies (s unless the file says ms)."""


@dataclass
class Subject:
    """A task or an imported candidate, with its measured results."""

    name: str
    """How the comparison names it."""
    task: TaskConfig
    """The task (its metadata carries the predictions and their source)."""
    measurements: list[Measurement] = field(default_factory=list)
    """Its measured results."""

    @property
    def source(self) -> Mapping[str, Any]:
        source = self.task.metadata.aiconfigurator_source
        return source if isinstance(source, Mapping) else {}

    def predicted(self) -> dict[str, Value]:
        source = self.task.metadata.aiconfigurator_source
        return predicted_values(self.task.metadata.aiconfigurator_predictions, source)

    @property
    def backend(self) -> str:
        """The engine aiconfigurator predicted for (not always the one the task runs)."""
        return backend_label(self.source.get("backend"))

    @property
    def runtime(self) -> str:
        """The engine the task runs on, where its measurements come from."""
        return backend_label(self.task.base_runtime.value)

    @property
    def predicted_concurrency(self) -> int | None:
        value = (self.task.metadata.aiconfigurator_predictions or {}).get("concurrency")
        return int(value) if isinstance(value, int | float) and value >= 1 else None

    @property
    def predicted_scenario(self) -> str | None:
        isl, osl = self.source.get("isl"), self.source.get("osl")
        if isinstance(isl, int | float) and isinstance(osl, int | float):
            return f"D({int(isl)},{int(osl)})"
        return None

    def relevant(self) -> list[Measurement]:
        """The measurements at the predicted concurrency and scenario, when there are any;
        otherwise all of them (the table says at which concurrency each one ran)."""
        concurrency, scenario = self.predicted_concurrency, self.predicted_scenario
        matching = [
            m
            for m in self.measurements
            if (concurrency is None or m.concurrency in (None, concurrency))
            and (scenario is None or m.scenario in (None, scenario))
        ]
        return matching or list(self.measurements)

    def measured(self, measurement: Measurement) -> dict[str, Value]:
        engine, _ = engine_for(self.task)
        return measured_values(
            measurement.metrics,
            source=measurement.source,
            gpus=server_gpus(engine, measurement.parameters),
            concurrency=self.predicted_concurrency,
            scenario=self.predicted_scenario,
            time_unit=measurement.time_unit,
        )
