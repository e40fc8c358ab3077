"""Search-space values: a tunable field takes one value or a list of candidate values.

``Candidates[int]`` accepts ``4``, ``[2, 4]`` or the autotuner's legacy
``{"type": "choice", "values": [2, 4]}``. In memory the value is always a non-empty list without
duplicates (so code never branches on scalar vs list); it is written back as a scalar when there
is a single candidate, so ``tp: 4`` stays ``tp: 4`` on disk.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BeforeValidator, Field, GetJsonSchemaHandler, PlainSerializer
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from configlib.bounds import limit

T = TypeVar("T")


def as_candidate_list(value: Any) -> list[Any]:
    """Accept a scalar, a list or the legacy ``{"type": "choice", "values": [...]}`` form."""
    if isinstance(value, dict):
        if value.get("type") == "choice" and "values" in value:
            value = value["values"]
        else:
            raise ValueError(
                "expected a value, a list of candidate values or "
                '{"type": "choice", "values": [...]}'
            )
    if isinstance(value, list | tuple):
        return check_count(list(value))
    return [value]


def check_count(values: list[Any]) -> list[Any]:
    """Refuse more candidate values than the limit (configlib.bounds) before any is checked."""
    most = limit("candidates")
    if len(values) > most:
        raise ValueError(f"{len(values):,} candidate values; the limit is {most:,} per list")
    return values


def _dedupe(values: list[Any]) -> list[Any]:
    """Drop repeated values, keeping the first (linear: equal values share a hash)."""
    if not values:
        raise ValueError("give at least one candidate value")
    unique: list[Any] = []
    seen: set[Any] = set()
    for value in values:
        try:
            if value in seen:
                continue
            seen.add(value)
        except TypeError:  # unhashable: compare with the ones kept so far
            if value in unique:
                continue
        unique.append(value)
    return unique


def collapse(values: list[Any]) -> Any:
    """A single candidate is written as a plain value, several as a list."""
    return values[0] if len(values) == 1 else list(values)


class _ScalarOrListSchema:
    """JSON Schema for candidates: the item schema or an array of it."""

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        array = handler(schema)
        return {"anyOf": [array["items"], array]}


Candidates = Annotated[
    list[T],
    BeforeValidator(as_candidate_list),
    AfterValidator(_dedupe),
    PlainSerializer(collapse),
    _ScalarOrListSchema(),
]


def _reject_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    return value


_NoBool = BeforeValidator(_reject_bool)

#: Parallel sizes and GPU counts.
GpuCount = Annotated[int, Field(ge=1, le=limit("gpus")), _NoBool]
#: Token counts (context lengths, token budgets).
TokenCount = Annotated[int, Field(ge=1, le=limit("tokens")), _NoBool]
#: Request counts (batch sizes, running requests, concurrency).
RequestCount = Annotated[int, Field(ge=1, le=limit("requests")), _NoBool]
#: A finite fraction in (0, 1].
Fraction = Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False), _NoBool]
#: A finite size in GiB.
GiB = Annotated[float, Field(ge=0.0, le=float(limit("memory_gib")), allow_inf_nan=False), _NoBool]
