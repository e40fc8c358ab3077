"""The parameter grid, as the autotuner builds it, without materialising it.

The grid is the Cartesian product over ``parameters`` in key order, the last key varying
fastest; empty lists are skipped; grid search keeps the first ``max_iterations`` points. A
point is found by its index (mixed-radix decoding), so counting and paging a 10^12-point grid
costs microseconds.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from configlib.engines import Engine
from configlib.engines.parsing import argv_for
from configlib.model import RangeSpec


@dataclass(frozen=True)
class Grid:
    """The grid of a flat parameter set."""

    keys: tuple[str, ...]
    values: tuple[tuple[Any, ...], ...]
    skipped: tuple[str, ...] = ()
    """Keys left out: empty lists and bayesian/random ranges."""

    @property
    def size(self) -> int:
        size = 1
        for values in self.values:
            size *= len(values)
        return size

    def point(self, index: int) -> dict[str, Any]:
        """The combination at ``index`` (0-based), as the autotuner orders them."""
        if not 0 <= index < self.size:
            raise IndexError(f"grid point {index} is outside 0..{self.size - 1}")
        chosen: list[Any] = [None] * len(self.keys)
        for position in range(len(self.keys) - 1, -1, -1):
            options = self.values[position]
            index, digit = divmod(index, len(options))
            chosen[position] = options[digit]
        return dict(zip(self.keys, chosen, strict=True))

    def page(self, number: int, size: int) -> list[dict[str, Any]]:
        """Page ``number`` (0-based) of ``size`` points; empty past the end."""
        if size < 1 or number < 0:
            raise ValueError("page number must be >= 0 and page size >= 1")
        start = number * size
        stop = min(start + size, self.size)
        return [self.point(i) for i in range(start, stop)]

    def first(self, count: int) -> list[dict[str, Any]]:
        """The first ``count`` points: what grid search runs with max_iterations = count."""
        return self.page(0, count) if count > 0 else []

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for index in range(self.size):
            yield self.point(index)


def grid_of(parameters: Mapping[str, Any]) -> Grid:
    """The grid over flat parameters (lists of candidate values)."""
    keys: list[str] = []
    values: list[tuple[Any, ...]] = []
    skipped: list[str] = []
    for key, candidates in parameters.items():
        if isinstance(candidates, RangeSpec | dict) or not candidates:
            skipped.append(key)
            continue
        keys.append(key)
        values.append(tuple(candidates))
    return Grid(tuple(keys), tuple(values), tuple(skipped))


def flag_arguments(point: Mapping[str, Any]) -> list[str]:
    """Command-line arguments for one grid point, rendered the way the autotuner does.

    A JSON ``true`` is the bare flag, ``false`` leaves the flag out, anything else is
    ``--key <str(value)>``.
    """
    return argv_for(point)


def launch_argv(engine: Engine, model: str, point: Mapping[str, Any]) -> list[str]:
    """The full launch command for one grid point, as an argument list."""
    spec = engine.spec
    head = [*spec.launcher, spec.model_flag, model] if spec.model_flag else [*spec.launcher, model]
    return [*head, *flag_arguments(point)]


def launch_command(engine: Engine, model: str, point: Mapping[str, Any]) -> str:
    """The full launch command for one grid point, shell-quoted."""
    return shlex.join(launch_argv(engine, model, point))
