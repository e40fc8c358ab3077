"""The advanced-config form's fields, described from the task model: one spec per field.

Labels, help texts, units, kinds and choices come from the declarations in configlib.model and
the vocabularies in configlib.vocab, so a field added to the model appears in the form without
touching the app. configlib.ui.form converts between these fields' widget values and a task.
"""

from __future__ import annotations

import enum
import types
import typing
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel

from configlib.labels import LABELS, label
from configlib.model import (
    BenchmarkConfig,
    LatencySLO,
    ModelSpec,
    OptimizationConfig,
    SLOConfig,
    SLOMetric,
    TaskConfig,
)
from configlib.vocab import STRUCTURED_SECTIONS

Kind = Literal["int", "float", "bool", "choice", "text", "texts", "json"]
#: Widget values: text for numbers and words, a list for multi-choice, a bool for checkboxes.
Raw = str | list[str] | bool
BOOL_CHOICES = ("true", "false")


@dataclass(frozen=True)
class FieldSpec:
    """One form field, described from the model field it edits."""

    path: str
    """Dotted path in TaskConfig, e.g. parallel_config.tp or slo.ttft.threshold."""
    label: str
    """The field's title (configlib.labels), with its unit: Max context length (tokens)."""
    help: str
    """The field's path in task files, then its docstring."""
    kind: Kind
    """How the widget value is read: int, float, bool, choice, text, texts or json."""
    multiple: bool
    """True for candidate lists (several values become several grid points)."""
    choices: tuple[str, ...] = ()
    """Allowed values (vocabulary members, system names), when closed."""
    unit: str | None = None
    """From the field's json_schema_extra."""
    required: bool = False
    """True when the model requires a value."""
    default: Any = None
    """The model's default (shown as a placeholder)."""

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    @property
    def widget(self) -> Literal["text", "multiselect", "select", "checkbox", "textarea"]:
        if self.kind == "json":
            return "textarea"
        if self.kind == "choice" or (self.kind == "bool" and self.multiple):
            return "multiselect" if self.multiple else "select"
        if self.kind == "bool":
            return "checkbox"
        return "text"

    @property
    def options(self) -> tuple[str, ...]:
        """Choices for a select; an empty first option when the field may stay unset."""
        if self.widget == "select" and self.default is None:
            return ("", *self.choices)
        return self.choices

    @property
    def placeholder(self) -> str:
        if self.default not in (None, "", [], {}):
            return f"default: {render_value(self.default)}"
        if self.multiple and self.kind in ("int", "float"):
            return "e.g. 2, 4"
        if self.kind == "texts":
            return "separate several with spaces"
        return ""


@dataclass(frozen=True)
class FieldGroup:
    """One form section: a structured section, model, optimization, benchmark or SLO."""

    key: str
    """Where the section sits in TaskConfig (parallel_config, slo ...); task for the header."""
    title: str
    """Shown on the section."""
    help: str
    """The section model's docstring."""
    fields: tuple[FieldSpec, ...]
    """The section's fields, in declaration order."""


# ---- Describing model fields -----------------------------------------------------------------


def _strip_optional(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _strip_annotated(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _kind_of(item: Any) -> tuple[Kind, tuple[str, ...]]:
    if isinstance(item, type) and issubclass(item, enum.Enum):
        return "choice", tuple(str(member.value) for member in item)
    if item is bool:
        return "bool", BOOL_CHOICES
    if item is int:
        return "int", ()
    if item is float:
        return "float", ()
    return "text", ()


def describe(model: type[BaseModel], name: str, prefix: str) -> FieldSpec:
    """The form field for ``model.name``, placed at ``prefix.name`` in the task."""
    info = model.model_fields[name]
    annotation = _strip_annotated(_strip_optional(_strip_annotated(info.annotation)))
    multiple = typing.get_origin(annotation) is list
    if multiple:
        annotation = _strip_annotated(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) is dict:
        kind: Kind = "json"
        choices: tuple[str, ...] = ()
    else:
        kind, choices = _kind_of(annotation)
        if multiple and kind == "text":
            kind = "texts"
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    listed = extra.get("enum")
    if isinstance(listed, list):
        kind, choices = "choice", tuple(str(v) for v in listed)
    unit = extra.get("unit")
    default = None
    if not info.is_required():
        default = info.get_default(call_default_factory=True)
        if isinstance(default, enum.Enum):
            default = default.value
    path = f"{prefix}.{name}" if prefix else name
    return FieldSpec(
        path=path,
        label=with_unit(info.title or label(name), unit if isinstance(unit, str) else None),
        help=f"`{path}`: {(info.description or '').strip()}",
        kind=kind,
        multiple=multiple,
        choices=choices,
        unit=unit if isinstance(unit, str) else None,
        required=info.is_required(),
        default=default,
    )


def with_unit(text: str, unit: str | None) -> str:
    """A label with the unit its input is read in: Time limit per run (min)."""
    return f"{text} ({unit})" if unit else text


def section_model(key: str) -> type[BaseModel]:
    """The model class of a structured section (or model, optimization, benchmark, slo)."""
    annotation = _strip_optional(TaskConfig.model_fields[key].annotation)
    assert isinstance(annotation, type) and issubclass(annotation, BaseModel)
    return annotation


#: Section titles; everything else (help, fields) comes from the model.
TITLES = {
    "system_config": "System",
    "parallel_config": "Parallel",
    "quantization_config": "Quantization",
    "memory_config": "Memory",
    "scheduling_config": "Scheduling",
    "advanced_tuning_config": "Advanced tuning",
    "model": "Model",
    "optimization": "Optimization",
    "benchmark": "Benchmark",
    "slo": "SLO",
    "task": "Task",
}
#: Top-level task fields edited in the header (runtime and engine version have pickers).
HEADER_FIELDS = (
    "task_name",
    "description",
    "deployment_mode",
    "runtime_image_tag",
    "serving_runtime_name",
)
#: Where each SLO metric sits under ``slo``.
SLO_METRICS = ("ttft", "tpot", "latency.p50", "latency.p90", "latency.p99")


def _doc(model: type[BaseModel]) -> str:
    return (model.__doc__ or "").strip().splitlines()[0] if model.__doc__ else ""


@cache
def groups() -> tuple[FieldGroup, ...]:
    """Every form section in display order: header, model, structured sections, the rest."""
    found = [
        FieldGroup(
            "task",
            TITLES["task"],
            _doc(TaskConfig),
            tuple(describe(TaskConfig, n, "") for n in HEADER_FIELDS),
        )
    ]
    modelled: list[tuple[str, type[BaseModel]]] = [
        ("model", ModelSpec),
        *((key, section_model(key)) for key in STRUCTURED_SECTIONS),
        ("optimization", OptimizationConfig),
        ("benchmark", BenchmarkConfig),
    ]
    for key, model in modelled:
        fields = tuple(describe(model, n, key) for n in model.model_fields)
        found.append(FieldGroup(key, TITLES[key], _doc(model), fields))
    slo_fields = []
    for metric in SLO_METRICS:
        for name in SLOMetric.model_fields:
            spec = describe(SLOMetric, name, f"slo.{metric}")
            doc = SLOMetric.model_fields[name].description or ""
            help_text = f"`{spec.path}`: {_metric_doc(metric)}: {doc}"
            slo_fields.append(
                _replace(spec, help=help_text, label=f"{_metric_title(metric)} {spec.label}")
            )
    slo_fields.append(describe(SLOConfig, "steepness", "slo"))
    found.append(FieldGroup("slo", TITLES["slo"], _doc(SLOConfig), tuple(slo_fields)))
    return tuple(found)


def _metric_title(metric: str) -> str:
    if "." in metric:
        _, name = metric.split(".")
        return LatencySLO.model_fields[name].title or name
    return SLOConfig.model_fields[metric].title or metric


def _metric_doc(metric: str) -> str:
    if "." in metric:
        _, name = metric.split(".")
        return LatencySLO.model_fields[name].description or metric
    return SLOConfig.model_fields[metric].description or metric


def _replace(spec: FieldSpec, **changes: Any) -> FieldSpec:
    return FieldSpec(**{**spec.__dict__, **changes})


@cache
def field_specs() -> dict[str, FieldSpec]:
    """Every form field by path."""
    return {spec.path: spec for group in groups() for spec in group.fields}


def group(key: str) -> FieldGroup:
    return next(g for g in groups() if g.key == key)


def render_value(value: Any) -> str:
    """One value as the form shows it: 4, 0.85, true, fp8."""
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    if isinstance(value, list | tuple):
        return ", ".join(render_value(v) for v in value)
    return str(value)


#: What a path under ``parameters`` (the engine's flat flags) is called.
FLAG_LABEL = "Engine flag"


def path_label(path: str) -> str:
    """A task field's path as the form calls it: ``scheduling_config.max_num_seqs`` ->
    ``Max running (requests)``, ``model.id_or_path`` -> ``Model id or path``, a flag under
    ``parameters`` -> ``Engine flag tp-size``. A path the form has no field for reads as its
    parts' labels (``Metadata › aiconfigurator predictions › ttft_ms``); names that are data,
    not fields (a prediction's key), stay as written."""
    spec = field_specs().get(path)
    if spec is not None:
        return spec.label
    head, _, rest = path.partition(".")
    if head == "parameters" and rest:
        return f"{FLAG_LABEL} {rest}"
    parts = path.split(".")
    return " › ".join(
        label(part) if index == 0 else LABELS.get(part, part) for index, part in enumerate(parts)
    )
