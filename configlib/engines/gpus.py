"""Reading flag values out of flat parameters, and counting the GPUs one server needs.

Validation (the GPU budget), the store (the ``gpus_needed`` column) and the comparison (GPUs
per measured server) all count through here, so an abbreviation, a negated switch or a number
written as text counts the same everywhere. Values are read the way the engine's parser reads
them: every spelling the release resolves (``--tp`` where it allows prefixes), switches as
their effective value, and the last spelling given wins.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from configlib.engines.manifest import Manifest, effective_value
from configlib.engines.table import EngineTable, FlagGetter
from configlib.numbers import parse_int


@dataclass(frozen=True)
class FlagAxes:
    """The candidate values of some flags in flat parameters, by canonical flag name."""

    manifest: Manifest
    names: tuple[str, ...]
    """Canonical names (``--tp-size``) in the order the parser last saw them."""
    axes: tuple[tuple[Any, ...], ...]
    """Per name, its effective candidate values."""
    keys: Mapping[str, str]
    """Bare spelling asked for (``tp-size``) -> the parameters key it was read from."""

    @property
    def size(self) -> int:
        return math.prod(len(axis) for axis in self.axes)

    def combinations(self) -> Iterator[dict[str, Any]]:
        """Each combination of the values, canonical name -> value."""
        for combo in itertools.product(*self.axes):
            yield dict(zip(self.names, combo, strict=True))

    def getter(self, values: Mapping[str, Any]) -> FlagGetter:
        """A reader of one combination by bare spelling, as engine tables ask for flags."""
        return reader(self.manifest, values)


def reader(manifest: Manifest, values: Mapping[str, Any]) -> FlagGetter:
    """Reads ``values`` (canonical name -> value) by any spelling the release resolves."""

    def get(spelling: str) -> Any:
        resolved = manifest.lookup_key(spelling)
        return values.get(resolved.spec.name) if resolved else None

    return get


def _number(value: Any) -> Any:
    """Text of ASCII digits within 64 bits as a number ('²'.isdigit() is true, int fails)."""
    if isinstance(value, str):
        parsed = parse_int(value)
        return parsed if isinstance(parsed, int) else value
    return value


def flag_axes(
    manifest: Manifest, parameters: Mapping[str, Any], spellings: tuple[str, ...]
) -> FlagAxes:
    """The effective candidates of the flags ``spellings`` name, as the parser would see them."""
    wanted: dict[str, str] = {}
    for spelling in spellings:
        resolved = manifest.lookup_key(spelling)
        if resolved is not None:
            wanted[resolved.spec.name] = spelling
    by_name: dict[str, tuple[Any, ...]] = {}
    keys: dict[str, str] = {}
    for key, values in parameters.items():
        # Every spelling the parser reads (abbreviations too); the last one given wins.
        resolved = manifest.lookup_lenient(key)
        if resolved is None or resolved.spec.name not in wanted or not isinstance(values, list):
            continue
        if not values or resolved.subkey is not None:
            continue
        by_name.pop(resolved.spec.name, None)
        by_name[resolved.spec.name] = tuple(
            _number(effective_value(resolved, value)) for value in values
        )
        keys[wanted[resolved.spec.name]] = key
    return FlagAxes(manifest, tuple(by_name), tuple(by_name.values()), keys)


def most_gpus(
    manifest: Manifest, table: EngineTable, parameters: Mapping[str, Any], limit: int
) -> int | None:
    """The most GPUs one server of the grid needs; None past ``limit`` combinations of the GPU
    flags or when a value is not a number."""
    axes = flag_axes(manifest, parameters, table.gpu_flags)
    if axes.size > limit:
        return None
    most = 0
    for values in axes.combinations():
        try:
            most = max(most, table.count_gpus(axes.getter(values)))
        except (TypeError, ValueError):
            return None
    return most


def point_gpus(manifest: Manifest, table: EngineTable, point: Mapping[str, Any]) -> int | None:
    """GPUs one server needs for one grid point (one value per key); None when it cannot tell."""
    as_lists = {key: [value] for key, value in point.items()}
    axes = flag_axes(manifest, as_lists, table.gpu_flags)
    values = next(axes.combinations())
    try:
        count = table.count_gpus(axes.getter(values))
    except (TypeError, ValueError):
        return None
    return count if count >= 1 else None
