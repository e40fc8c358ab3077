"""The preset model: a named bundle of structured sections and flat flags."""

from __future__ import annotations

import math
from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from configlib.model import (
    AdvancedTuningConfig,
    MemoryConfig,
    ParallelConfig,
    QuantizationConfig,
    SchedulingConfig,
    StructuredSections,
    SystemConfig,
)
from configlib.search_space import as_candidate_list
from configlib.vocab import Runtime

Scalar = str | int | float | bool


def _as_list(value: Any) -> list[Any]:
    return as_candidate_list(value)


def _checked_values(values: list[Any]) -> list[Any]:
    if not values:
        raise ValueError("give at least one value")
    for i, item in enumerate(values):
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"value {i} is {item}: give a finite number")
    return values


#: A preset parameter: a non-empty list of candidate values (a scalar is read as one value).
PresetValues = Annotated[list[Scalar], BeforeValidator(_as_list), AfterValidator(_checked_values)]


class _PresetHeader(BaseModel):
    """The fields a preset starts with (see ``configlib.model.StructuredSections``)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    name: str = Field(min_length=1, max_length=255)
    """Unique name, 1 to 255 characters."""
    description: str = ""
    """Free text."""
    category: str | None = Field(None, max_length=100)
    """Grouping shown in lists, e.g. memory, performance, general."""
    runtime: Runtime | None = None
    """Engine the preset's flags are for (sglang or vllm); None = usable with any engine."""
    is_system: bool = False
    """Shipped with configlib and read-only (duplicate it to edit)."""


class Preset(StructuredSections, _PresetHeader):
    """A named set of settings that can be applied to tasks."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    parameters: dict[str, PresetValues] = Field(default_factory=dict)
    """Flat engine flags (name without --) to candidate values, for flags no section covers."""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Free-form provenance: author, tags, recommended_for, where it was imported from."""

    @model_validator(mode="after")
    def _not_empty(self) -> Preset:
        if not self.name.strip():
            raise ValueError("name: give a name that is not blank")
        for key in self.parameters:
            if not key.lstrip("-") or any(c.isspace() for c in key) or "=" in key:
                raise ValueError(f"parameters: {key!r} is not a flag name (e.g. tp-size)")
        if not self.parameters and not self.has_structured():
            raise ValueError("a preset sets at least one field or flag")
        return self

    def dump(self) -> dict[str, Any]:
        """The preset as plain JSON-ready data, without unset sections."""
        return self.model_dump(mode="json", exclude_none=True)


@cache
def section_model(section: str) -> type[BaseModel]:
    """The model class of one structured section."""
    models: dict[str, type[BaseModel]] = {
        "system_config": SystemConfig,
        "parallel_config": ParallelConfig,
        "quantization_config": QuantizationConfig,
        "memory_config": MemoryConfig,
        "scheduling_config": SchedulingConfig,
        "advanced_tuning_config": AdvancedTuningConfig,
    }
    return models[section]
