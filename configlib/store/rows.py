"""Tasks and presets <-> table rows, and the summary columns computed when a task is saved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from configlib.findings import Finding
from configlib.store.errors import InvalidData, NotFound
from configlib.store.models import (
    MAX_STORED_GRID,
    MODEL_SUMMARY_CHARS,
    SEARCH_TEXT_CHARS,
    PresetRow,
    TaskRow,
)
from configlib.vocab import STRUCTURED_SECTIONS

# The task model and the conversion code load when a task is read or written, not when the
# store opens or lists summaries: that keeps them off the app's first page.
if TYPE_CHECKING:
    from pydantic import BaseModel

    from configlib.engines import Engine
    from configlib.model import TaskConfig
    from configlib.presets import Preset

M = TypeVar("M", bound="BaseModel")
R = TypeVar("R", TaskRow, PresetRow)
#: Beyond this many combinations of the GPU flags, gpus_needed is left NULL.
MAX_GPU_COMBINATIONS = 10_000
#: Task columns that hold the task's own fields, as (column attribute, TaskConfig field).
TASK_FIELDS: tuple[tuple[str, str], ...] = (
    ("description", "description"),
    ("deployment_mode", "deployment_mode"),
    ("runtime_image_tag", "runtime_image_tag"),
    ("engine_version", "engine_version"),
    ("serving_runtime_name", "serving_runtime_name"),
    ("model", "model"),
    *((name, name) for name in STRUCTURED_SECTIONS),
    ("parameters", "parameters"),
    ("optimization", "optimization"),
    ("benchmark", "benchmark"),
    ("slo", "slo"),
    ("task_metadata", "metadata"),
    ("autotuner_fields", "autotuner_fields"),
)
#: Summary columns, derived from the task; never exported (recomputed on import).
SUMMARY_COLUMNS = (
    "model_name",
    "base_runtime",
    "engine_release",
    "gpus_needed",
    "grid_size",
    "source",
    "config_format",
    "search_text",
)
#: Longest values of the task's string columns.
_TASK_LIMITS = {"runtime_image_tag": 255, "engine_version": 64, "serving_runtime_name": 255}
PRESET_FIELDS: tuple[tuple[str, str], ...] = (
    ("description", "description"),
    ("category", "category"),
    ("runtime", "runtime"),
    ("is_system", "is_system"),
    *((name, name) for name in STRUCTURED_SECTIONS),
    ("parameters", "parameters"),
    ("preset_metadata", "metadata"),
)


def gpus_needed(parameters: dict[str, Any], engine: Engine) -> int | None:
    """The most GPUs one server of the grid needs, or None when it cannot be worked out."""
    return engine.most_gpus(parameters, MAX_GPU_COMBINATIONS)


def source_of(task: TaskConfig) -> str:
    """Where a task came from: metadata.source (a name, or a mapping with a kind), else
    aiconfigurator when it carries aiconfigurator's source, else ''."""
    extra = task.metadata.model_extra or {}
    source = extra.get("source")
    if isinstance(source, dict):
        source = source.get("kind") or source.get("type") or source.get("tool")
    if isinstance(source, str) and source.strip():
        return source.strip()[:64]
    if task.metadata.aiconfigurator_source is not None:
        return "aiconfigurator"
    return ""


@dataclass
class PreparedTask:
    """A task ready to store: parameters regenerated, columns and summary computed."""

    task: TaskConfig
    findings: list[Finding]
    columns: dict[str, Any]


def prepare_task(task: TaskConfig, *, regenerate: bool = True, check: bool = True) -> PreparedTask:
    """Regenerate ``parameters`` (structured tasks) and compute every column but bookkeeping.

    With ``check`` (every write but a rename, which changes nothing else), the task passes
    the store's gate first (``configlib.store.gate``): ``InvalidData`` lists what refuses it.
    """
    from configlib.convert import engine_for, with_parameters

    findings: list[Finding] = []
    if check:
        from configlib.store.gate import check_task

        check_task(task)
    if regenerate and task.has_structured():
        task, findings = with_parameters(task)
    engine, _ = engine_for(task)
    data = task.model_dump(mode="json", exclude_none=True)
    columns: dict[str, Any] = {"name": task.task_name}
    for column, name in TASK_FIELDS:
        columns[column] = data.get(name)
    columns["description"] = task.description
    columns["autotuner_fields"] = data.get("autotuner_fields", {})
    for column, limit in _TASK_LIMITS.items():
        value = columns.get(column)
        if isinstance(value, str) and len(value) > limit:
            raise InvalidData(
                f"task {task.task_name!r}: {column} is {len(value)} characters; "
                f"the limit is {limit}"
            )
    columns.update(task_summary(task, engine))
    return PreparedTask(task, findings, columns)


def task_summary(task: TaskConfig, engine: Engine) -> dict[str, Any]:
    """The summary columns of a task whose parameters are final."""
    from configlib.grid import grid_of

    size = grid_of(task.parameters).size
    model = task.model.id_or_path
    return {
        "model_name": model[:MODEL_SUMMARY_CHARS],
        "base_runtime": task.base_runtime.value,
        "engine_release": engine.version,
        "gpus_needed": gpus_needed(task.parameters, engine),
        "grid_size": min(size, MAX_STORED_GRID),
        "source": source_of(task),
        "config_format": "structured" if task.has_structured() else "flat",
        "search_text": f"{task.task_name}\n{model}".lower()[:SEARCH_TEXT_CHARS],
    }


def _row_data(row: Any, data: dict[str, Any], names: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    """``data`` plus each column of ``names`` that is not NULL, under its model field name."""
    for column, name in names:
        value = getattr(row, column)
        if value is not None:
            data[name] = value
    return data


def _validated(model: type[M], data: dict[str, Any], where: str) -> M:
    """Validate stored or imported data; InvalidData names the item and field."""
    from pydantic import ValidationError

    from configlib.findings import from_validation_error

    try:
        return model.model_validate(data)
    except ValidationError as error:
        findings = from_validation_error(error)
    except (TypeError, ValueError) as error:  # a validator that met a value it did not expect
        findings = [Finding("error", "", "invalid-value", str(error))]
    listed = "; ".join(str(f) for f in findings[:3])
    raise InvalidData(f"{where} does not validate: {listed}", findings)


def row_named(session: Session, row_type: type[R], kind: str, name: str) -> R:
    """The task or preset row of ``name``; ``NotFound`` when there is none."""
    row = session.execute(select(row_type).where(row_type.name == name)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"no {kind} named {name!r}")
    return row


def task_data(row: TaskRow) -> dict[str, Any]:
    """A task row as the data TaskConfig validates."""
    return _row_data(row, {"task_name": row.name, "base_runtime": row.base_runtime}, TASK_FIELDS)


def task_from_data(data: dict[str, Any], where: str) -> TaskConfig:
    """Validate stored or imported task data; InvalidData names the task and field."""
    from configlib.model import TaskConfig

    return _validated(TaskConfig, data, where)


def preset_columns(preset: Preset) -> dict[str, Any]:
    """Every column of a preset but bookkeeping."""
    data = preset.model_dump(mode="json", exclude_none=True)
    columns: dict[str, Any] = {"name": preset.name}
    for column, name in PRESET_FIELDS:
        columns[column] = data.get(name)
    columns["description"] = preset.description
    columns["is_system"] = preset.is_system
    columns["preset_metadata"] = data.get("metadata", {})
    columns["parameters"] = data.get("parameters", {})
    return columns


def preset_data(row: PresetRow) -> dict[str, Any]:
    return _row_data(row, {"name": row.name}, PRESET_FIELDS)


def preset_from_data(data: dict[str, Any], where: str) -> Preset:
    from configlib.presets import Preset

    return _validated(Preset, data, where)
